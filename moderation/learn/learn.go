// Package learn holds the learned rule: token statistics of the comments
// moderators filed as spam and approved, and the classifier that turns a
// new comment's tokens into a probability that it is spam.
//
// The classifier is the one SpamBayes and rspamd's Bayes refined from
// Paul Graham's: each token's spam probability is Gary Robinson's
// estimate, shrunk toward one half when the token was seen rarely; the
// most telling tokens are combined with Fisher's chi-square method into
// two scores, one for spam and one for ham, and their difference is the
// verdict. It needs no tuning per language: tokens are the words of the
// match key (folded, with look-alike letters and spacing tricks undone),
// so Devanagari, Hinglish and English are counted alike.
//
// The package knows nothing of comments or stores: it takes the tokens of
// a text, counts, and classifies. A Model is safe for concurrent use.
package learn

import (
	"math"
	"slices"
	"sync"
)

// Token identifies one feature of a comment: a word, a pair of words, a
// link's host, the author's email domain. It is a hash of the feature's
// text into 2^TokenBits buckets, the same on every replica and across
// restarts.
type Token uint64

// Counts are how many labelled comments held a token.
type Counts struct {
	Spam, Ham uint32
}

// Label is a moderator's verdict on a comment, as training sees it.
type Label int8

// The labels. None is "not a training example": a comment no moderator
// decided, or one rejected for reasons other than spam.
const (
	None Label = iota
	Ham
	Spam
)

// Options tune the classifier. The zero value is not useful; start from
// DefaultOptions.
type Options struct {
	// MinSpam and MinHam are how many labelled comments of each kind the
	// model needs before it classifies; below either it abstains.
	MinSpam, MinHam int
	// MaxClues is how many of the most telling tokens are combined.
	MaxClues int
	// MinStrength leaves out tokens whose probability is within this of
	// one half: they say nothing.
	MinStrength float64
	// UnknownStrength and UnknownProb are Robinson's s and x: a token
	// seen n times has probability (s·x + n·p)/(s + n).
	UnknownStrength, UnknownProb float64
}

// DefaultOptions are SpamBayes's defaults, which hold up across corpora,
// and 50 labelled comments of each kind before the model speaks.
func DefaultOptions() Options {
	return Options{MinSpam: 50, MinHam: 50, MaxClues: 150, MinStrength: 0.1, UnknownStrength: 0.45, UnknownProb: 0.5}
}

// Model is the token statistics of one site.
type Model struct {
	opts Options

	mu        sync.RWMutex
	spam, ham uint32 // labelled comments
	tokens    map[Token]Counts
}

// NewModel returns an empty model.
func NewModel(o Options) *Model {
	return &Model{opts: o, tokens: make(map[Token]Counts)}
}

// Learn moves one comment's tokens from label from to label to: a new
// decision (from None), a moderator changing their mind (Spam to Ham), or
// a decision undone (to None). tokens must be distinct, as Tokens returns
// them.
func (m *Model) Learn(tokens []Token, from, to Label) {
	if from == to {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.addLocked(tokens, from, -1)
	m.addLocked(tokens, to, +1)
}

// Move takes one comment's counting off label from (with the tokens it was
// counted with) and counts it under label to (with its tokens now), as a
// store records a label change.
func (m *Model) Move(from Label, old []Token, to Label, now []Token) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.addLocked(old, from, -1)
	m.addLocked(now, to, +1)
}

// Add adds counts to the model, as read from a store.
func (m *Model) Add(t Token, c Counts) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.tokens[t]
	m.tokens[t] = Counts{Spam: old.Spam + c.Spam, Ham: old.Ham + c.Ham}
}

// AddTotals adds labelled comments to the model's totals, as read from a
// store.
func (m *Model) AddTotals(spam, ham int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.spam = clampAdd(m.spam, spam)
	m.ham = clampAdd(m.ham, ham)
}

func (m *Model) addLocked(tokens []Token, l Label, d int) {
	switch l {
	case Spam:
		m.spam = clampAdd(m.spam, d)
	case Ham:
		m.ham = clampAdd(m.ham, d)
	default:
		return
	}
	for _, t := range tokens {
		c := m.tokens[t]
		if l == Spam {
			c.Spam = clampAdd(c.Spam, d)
		} else {
			c.Ham = clampAdd(c.Ham, d)
		}
		if c == (Counts{}) {
			delete(m.tokens, t)
		} else {
			m.tokens[t] = c
		}
	}
}

// clampAdd adds d to n without going below zero: a store that lost a
// label must not make a count wrap around.
func clampAdd(n uint32, d int) uint32 {
	if d < 0 && uint32(-d) > n {
		return 0
	}
	return uint32(int64(n) + int64(d))
}

// Totals returns how many spam and ham comments the model was trained on.
func (m *Model) Totals() (spam, ham int) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return int(m.spam), int(m.ham)
}

// Size returns how many distinct tokens the model holds.
func (m *Model) Size() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.tokens)
}

// Clue is one token that weighed in a verdict.
type Clue struct {
	Index int     // into the features classified
	Prob  float64 // the token's spam probability
}

// Verdict is the classifier's answer for one comment.
type Verdict struct {
	// Abstained is true while the model has too few labelled comments;
	// then Prob is 0.5 and Clues is empty.
	Abstained bool
	// Prob is the probability that the comment is spam, in [0, 1].
	Prob float64
	// Clues are the tokens that weighed most, most telling first: at most
	// the number asked for.
	Clues []Clue
}

// Classify returns the verdict on a comment with the given distinct
// tokens, and the clues most telling of it, at most maxClues of them,
// appended to dst[:0].
func (m *Model) Classify(tokens []Token, maxClues int, dst []Clue) Verdict {
	m.mu.RLock()
	nspam, nham := m.spam, m.ham
	if int(nspam) < m.opts.MinSpam || int(nham) < m.opts.MinHam || nspam == 0 || nham == 0 {
		m.mu.RUnlock()
		return Verdict{Abstained: true, Prob: 0.5}
	}
	clues := dst[:0]
	s, x := m.opts.UnknownStrength, m.opts.UnknownProb
	for i, t := range tokens {
		c, ok := m.tokens[t]
		if !ok {
			continue // unknown: exactly x, which MinStrength leaves out anyway
		}
		spamRatio := float64(c.Spam) / float64(nspam)
		hamRatio := float64(c.Ham) / float64(nham)
		p := spamRatio / (spamRatio + hamRatio)
		n := float64(c.Spam + c.Ham)
		f := (s*x + n*p) / (s + n)
		if math.Abs(f-0.5) >= m.opts.MinStrength {
			clues = append(clues, Clue{Index: i, Prob: f})
		}
	}
	m.mu.RUnlock()

	// The most telling first; ties by position, so verdicts are stable.
	// Combining does not depend on order, so only a comment with more
	// clues than are combined needs them all sorted; otherwise the few
	// shown are picked to the front.
	if len(clues) > m.opts.MaxClues {
		slices.SortFunc(clues, moreTelling)
		clues = clues[:m.opts.MaxClues]
	}
	v := Verdict{Prob: chiCombined(clues)}
	switch {
	case len(clues) > maxClues && maxClues <= len(topClues{}):
		// One pass keeping the few most telling in order.
		var top topClues
		n := 0
		for _, c := range clues {
			if n == maxClues && moreTelling(c, top[n-1]) >= 0 {
				continue
			}
			j := min(n, maxClues-1)
			for ; j > 0 && moreTelling(c, top[j-1]) < 0; j-- {
				top[j] = top[j-1]
			}
			top[j] = c
			n = min(n+1, maxClues)
		}
		clues = append(clues[:0], top[:n]...)
	default:
		slices.SortFunc(clues, moreTelling)
		clues = clues[:min(len(clues), maxClues)]
	}
	v.Clues = clues
	return v
}

// topClues holds the clues a verdict shows.
type topClues [16]Clue

// moreTelling orders clues by how far from one half they are, then by
// position.
func moreTelling(a, b Clue) int {
	da, db := math.Abs(a.Prob-0.5), math.Abs(b.Prob-0.5)
	switch {
	case da > db:
		return -1
	case da < db:
		return 1
	}
	return a.Index - b.Index
}

// chiCombined is Fisher's method as SpamBayes uses it: how unlikely the
// clues are if the comment were ham (S) and if it were spam (H), as one
// probability of spam. No clue at all is one half: the model knows
// nothing of this text.
func chiCombined(clues []Clue) float64 {
	if len(clues) == 0 {
		return 0.5
	}
	// Sums of logs through frexp, so that hundreds of small factors do
	// not underflow.
	hMant, sMant := 1.0, 1.0
	hExp, sExp := 0, 0
	for _, c := range clues {
		p := min(max(c.Prob, 1e-9), 1-1e-9)
		sMant *= 1 - p
		hMant *= p
		if sMant < 1e-200 {
			var e int
			sMant, e = math.Frexp(sMant)
			sExp += e
		}
		if hMant < 1e-200 {
			var e int
			hMant, e = math.Frexp(hMant)
			hExp += e
		}
	}
	const ln2 = math.Ln2
	sLog := math.Log(sMant) + float64(sExp)*ln2
	hLog := math.Log(hMant) + float64(hExp)*ln2
	n := 2 * len(clues)
	spam := 1 - chi2Q(-2*sLog, n)
	ham := 1 - chi2Q(-2*hLog, n)
	return (spam - ham + 1) / 2
}

// chi2Q is the probability that a chi-square variable with v (even)
// degrees of freedom exceeds x2.
func chi2Q(x2 float64, v int) float64 {
	m := x2 / 2
	term := math.Exp(-m)
	sum := term
	for i := 1; i < v/2; i++ {
		term *= m / float64(i)
		sum += term
	}
	return min(sum, 1)
}
