package learn

import (
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Kind is what a feature is made of.
type Kind uint8

// The kinds of features a comment is counted by.
const (
	Word     Kind = iota + 1 // a word of a text field's match key
	Pair                     // two adjacent words of the body
	LinkHost                 // the host of a link in the body or the author's URL
	Links                    // how many links: 0, 1, 2, 3 or more
	Length                   // how long the body is, in powers of two of words
	Loose                    // a word in a loose spelling that meets its other spellings and scripts
)

// Text is a field to count words of: its name (body, name, email, url, …)
// and its match key.
type Text struct {
	Field string
	Key   string
	// Pairs counts adjacent words too: telling in bodies, noise in names.
	Pairs bool
}

// Input is what the learned rule sees of a comment.
type Input struct {
	Texts []Text
	// Loose are words in a loose spelling (several to an entry, between
	// spaces), counted as words of their own: a caller that can spell
	// "सट्टा", "satta" and "SATTAA" alike makes them one token.
	Loose []string
	// Hosts are the hosts of the comment's links.
	Hosts []string
}

// Feature is one thing a comment is counted by, with where it came from
// so that a verdict can show a moderator its evidence.
type Feature struct {
	Token Token
	Kind  Kind
	// For Word and Pair: the text (index into Input.Texts) and the byte
	// span in its key. For LinkHost, Links and Length: Value.
	Text       int
	Start, End int
	Value      string
}

// maxWordBytes bounds a word: longer runs (base64, hashes, hex) are one
// "long word" feature, not a token each.
const maxWordBytes = 40

// Features extracts the distinct features of a comment, in order of first
// appearance. dst is reused.
func Features(in Input, dst []Feature) []Feature {
	fs := dst[:0]
	words := 0
	for ti, t := range in.Texts {
		prefix := fieldPrefix(t.Field)
		prevStart, prevEnd := -1, -1
		for i := 0; i < len(t.Key); {
			r, n := decode(t.Key, i)
			if !isWordRune(r) {
				i += n
				continue
			}
			start := i
			for i < len(t.Key) {
				r, n := decode(t.Key, i)
				if !isWordRune(r) {
					break
				}
				i += n
			}
			if i-start > maxWordBytes {
				fs = append(fs, Feature{Token: hash(prefix, "\x00long"), Kind: Word, Text: ti, Start: start, End: i})
				prevStart = -1
				continue
			}
			if t.Pairs {
				words++
			}
			fs = append(fs, Feature{Token: hash(prefix, t.Key[start:i]), Kind: Word, Text: ti, Start: start, End: i})
			if t.Pairs && prevStart >= 0 {
				fs = append(fs, Feature{Token: hashPair(prefix, t.Key[prevStart:prevEnd], t.Key[start:i]),
					Kind: Pair, Text: ti, Start: prevStart, End: i})
			}
			prevStart, prevEnd = start, i
		}
	}
	for _, l := range in.Loose {
		for len(l) > 0 {
			w := l
			if i := strings.IndexByte(l, ' '); i >= 0 {
				w, l = l[:i], l[i+1:]
			} else {
				l = ""
			}
			if w != "" && len(w) <= maxWordBytes {
				fs = append(fs, Feature{Token: hash('~', w), Kind: Loose, Value: w})
			}
		}
	}
	for _, h := range in.Hosts {
		fs = append(fs, Feature{Token: hash('h', h), Kind: LinkHost, Value: h})
	}
	links := strconv.Itoa(min(len(in.Hosts), 3))
	fs = append(fs, Feature{Token: hash('l', links), Kind: Links, Value: links})
	length := strconv.Itoa(bitLen(words))
	fs = append(fs, Feature{Token: hash('z', length), Kind: Length, Value: length})
	return dedupe(fs)
}

// decode is utf8.DecodeRuneInString(s[i:]) with ASCII, most of any
// comment's keys, decoded inline.
func decode(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// dedupe keeps the first feature of each token: a comment counts a token
// once, however often it says it.
func dedupe(fs []Feature) []Feature {
	if len(fs) < 2 {
		return fs
	}
	set := sets.Get().(*tokenSet)
	defer sets.Put(set)
	set.reset(len(fs))
	out := fs[:0]
	for _, f := range fs {
		if set.add(f.Token) {
			out = append(out, f)
		}
	}
	return out
}

// tokenSet is an open-addressing set of tokens, reused across comments.
type tokenSet struct{ slots []Token }

var sets = sync.Pool{New: func() any { return new(tokenSet) }}

func (s *tokenSet) reset(n int) {
	size := 64
	for size < 2*n {
		size <<= 1
	}
	if cap(s.slots) < size {
		s.slots = make([]Token, size)
	}
	s.slots = s.slots[:size]
	clear(s.slots)
}

// add reports whether t was not in the set yet. The empty slot is 0, so
// a token of 0 is stored as 1: a collision no comment will meet.
func (s *tokenSet) add(t Token) bool {
	if t == 0 {
		t = 1
	}
	mask := uint64(len(s.slots) - 1)
	for i := uint64(t) & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = t
			return true
		case t:
			return false
		}
	}
}

// Tokens returns the features' tokens. dst is reused.
func Tokens(fs []Feature, dst []Token) []Token {
	out := dst[:0]
	for _, f := range fs {
		out = append(out, f.Token)
	}
	return out
}

func bitLen(n int) int {
	b := 0
	for n > 0 {
		b++
		n >>= 1
	}
	return b
}

// fieldPrefix keeps the fields' words apart: "casino" in a name is not
// "casino" in a body.
func fieldPrefix(field string) byte {
	if field == "" {
		return '?'
	}
	return field[0]
}

// FNV-1a, inline so that hashing a word allocates nothing.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// TokenBits bounds the model: a token is one of 2^TokenBits buckets, so a
// site's counts hold at most 2^20 rows (about 40 MB at worst, in memory
// and in the store) however many comments moderators decide. Two features
// that share a bucket are counted together; with the vocabulary of tens
// of thousands of decisions few do.
const TokenBits = 20

const tokenMask = 1<<TokenBits - 1

func hash(prefix byte, s string) Token {
	h := uint64(fnvOffset)
	h = (h ^ uint64(prefix)) * fnvPrime
	h = (h ^ ':') * fnvPrime
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return Token(h & tokenMask)
}

func hashPair(prefix byte, a, b string) Token {
	h := uint64(fnvOffset)
	h = (h ^ uint64(prefix|0x80)) * fnvPrime
	for i := 0; i < len(a); i++ {
		h = (h ^ uint64(a[i])) * fnvPrime
	}
	h = (h ^ ' ') * fnvPrime
	for i := 0; i < len(b); i++ {
		h = (h ^ uint64(b[i])) * fnvPrime
	}
	return Token(h & tokenMask)
}

// isWordRune is what the match key counts as a word character: letters,
// marks and digits of every script, and the joiners inside Indic words.
func isWordRune(r rune) bool {
	switch {
	case r < 0x80:
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	case 0x900 <= r && r <= 0x97F: // Devanagari, nearly every word here
		return r != '\u0964' && r != '\u0965' && r != '\u0970' // dandas, abbreviation sign
	case r == '\u200C' || r == '\u200D':
		return true
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}
