package storesql

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/moderation/learn"
)

// LearnEventColumns is the column list of learn event queries, in the
// order of moderation.LearnEvent's fields.
const LearnEventColumns = `seq, site, from_label, to_label, tokens, new_tokens, create_time`

// Distinct returns ts sorted and without repeats, in a new slice: a
// comment counts a token once however Train lists it, and writers touch
// count rows in one order.
func Distinct(ts []learn.Token) []learn.Token {
	if len(ts) == 0 {
		return nil // as a store reads an empty blob back
	}
	out := slices.Clone(ts)
	slices.Sort(out)
	return slices.Compact(out)
}

// EncodeTokens packs tokens into 8 bytes each, little-endian: a comment's
// tokens are read and written only as a whole, so a blob is compact and
// the same in both stores.
func EncodeTokens(ts []learn.Token) []byte {
	b := make([]byte, 0, 8*len(ts))
	for _, t := range ts {
		b = binary.LittleEndian.AppendUint64(b, uint64(t))
	}
	return b
}

// DecodeTokens reverses EncodeTokens.
func DecodeTokens(b []byte) ([]learn.Token, error) {
	if len(b)%8 != 0 {
		return nil, fmt.Errorf("token blob of %d bytes, not a multiple of 8", len(b))
	}
	if len(b) == 0 {
		return nil, nil
	}
	ts := make([]learn.Token, len(b)/8)
	for i := range ts {
		ts[i] = learn.Token(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return ts, nil
}

// Relabel is the change one Train answer makes, given the label and
// tokens stored for the comment.
type Relabel struct {
	From, To          learn.Label
	Tokens, NewTokens []learn.Token
}

// NewRelabel returns the change from the stored label and tokens to the
// trained ones, and false when the label stays (the stored tokens stay
// too). An unknown label counts as None.
func NewRelabel(from learn.Label, tokens []learn.Token, to learn.Label, newTokens []learn.Token) (Relabel, bool) {
	from, to = knownLabel(from), knownLabel(to)
	if from == to {
		return Relabel{}, false
	}
	r := Relabel{From: from, To: to}
	if from != learn.None {
		r.Tokens = tokens
	}
	if to != learn.None {
		r.NewTokens = Distinct(newTokens)
	}
	return r, true
}

func knownLabel(l learn.Label) learn.Label {
	if l == learn.Spam || l == learn.Ham {
		return l
	}
	return learn.None
}

// TotalsDelta returns how the site's spam and ham totals change.
func (r Relabel) TotalsDelta() (spam, ham int64) {
	return labelCount(r.To, learn.Spam) - labelCount(r.From, learn.Spam),
		labelCount(r.To, learn.Ham) - labelCount(r.From, learn.Ham)
}

// Delta returns the (spam, ham) change one count row gets from a label:
// sign +1 adds, -1 takes away.
func Delta(l learn.Label, sign int64) (spam, ham int64) {
	return sign * labelCount(l, learn.Spam), sign * labelCount(l, learn.Ham)
}

func labelCount(l, want learn.Label) int64 {
	if l == want {
		return 1
	}
	return 0
}

// Counts converts stored counts, which are never negative, to the
// model's.
func Counts(spam, ham int64) learn.Counts {
	return learn.Counts{Spam: clampCount(spam), Ham: clampCount(ham)}
}

func clampCount(n int64) uint32 {
	return uint32(min(max(n, 0), math.MaxUint32))
}

// TokenDelta is how much one token's counts grow in a training batch.
type TokenDelta struct {
	Token     learn.Token
	Spam, Ham int64
}

// Trained is what a batch of training examples adds: each example's
// distinct tokens (for its event), the growth of each token's counts, in
// token order, and of the totals.
type Trained struct {
	Tokens    [][]learn.Token // per example, distinct
	Deltas    []TokenDelta
	Spam, Ham int64
}

// NewTrained sums a batch of examples, so that a store writes each count
// row once per batch however many examples share its token.
func NewTrained(examples []moderation.TrainingExample) Trained {
	var tr Trained
	sums := map[learn.Token]TokenDelta{}
	for _, e := range examples {
		ts := Distinct(e.Tokens)
		tr.Tokens = append(tr.Tokens, ts)
		ds, dh := Delta(e.Label, +1)
		tr.Spam, tr.Ham = tr.Spam+ds, tr.Ham+dh
		for _, t := range ts {
			d := sums[t]
			d.Token, d.Spam, d.Ham = t, d.Spam+ds, d.Ham+dh
			sums[t] = d
		}
	}
	tr.Deltas = make([]TokenDelta, 0, len(sums))
	for _, d := range sums {
		tr.Deltas = append(tr.Deltas, d)
	}
	slices.SortFunc(tr.Deltas, func(a, b TokenDelta) int { return cmp.Compare(a.Token, b.Token) })
	return tr
}
