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
	// Spell, when set, gives the loose spelling of each word of the
	// texts with Pairs (the body), whose words are counted as words of
	// their own: a caller that can spell "सट्टा", "satta" and "SATTAA"
	// alike makes them one token. hash identifies the word for a cache:
	// its FNV-1a, as its token was made.
	Spell func(word string, hash uint64) Spelling
	// Hosts are the hosts of the comment's links.
	Hosts []string
}

// Spelling is a word's loose spelling (sometimes several words, between
// spaces) and its tokens, from LooseTokens.
type Spelling struct {
	Text   string
	Tokens []Token
}

// LooseTokens returns the tokens of a loose spelling's words.
func LooseTokens(loose string) []Token {
	var out []Token
	for i := 0; i < len(loose); {
		j := strings.IndexByte(loose[i:], ' ')
		if j < 0 {
			j = len(loose) - i
		}
		if j > 0 && j <= maxWordBytes {
			out = append(out, hash('~', loose[i:i+j]))
		}
		i += j + 1
	}
	return out
}

// Feature is one thing a comment is counted by, with where it came from
// so that a verdict can show a moderator its evidence. It is small (24
// bytes) because a 1 KB comment has hundreds.
type Feature struct {
	Token Token
	// Where it came from, by kind. Word, Pair and Loose: the byte span in
	// Input.Texts[Text].Key (for Loose, of the word spelled loosely).
	// LinkHost: Input.Hosts[Text]. Links and Length: the count in Start.
	Start, End int32
	Text       int32
	Kind       Kind
}

// Value is the feature's text as Input in has it: the word, the pair, the
// loose spelling, the host, or the count.
func (f Feature) Value(in Input) string {
	switch f.Kind {
	case Word, Pair:
		return in.Texts[f.Text].Key[f.Start:f.End]
	case Loose:
		t := in.Texts[f.Text]
		w := t.Key[f.Start:f.End]
		return in.Spell(w, wordHash(fieldPrefix(t.Field), w)).Text
	case LinkHost:
		return in.Hosts[f.Text]
	}
	return strconv.Itoa(int(f.Start))
}

// maxWordBytes bounds a word: longer runs (base64, hashes, hex) are one
// "long word" feature, not a token each.
const maxWordBytes = 40

// featureSet gathers distinct features: a comment counts a token once,
// however often it says it. Tokens are under 2^TokenBits, so a bitmap of
// them (128 KB, reused) tells the seen ones in one memory access each.
type featureSet struct {
	fs   []Feature
	seen *bitmap
}

type bitmap [1 << TokenBits / 64]uint64

var bitmaps = sync.Pool{New: func() any { return new(bitmap) }}

// add adds f unless its token is in the set, and reports whether it did.
func (s *featureSet) add(f Feature) bool {
	word, bit := f.Token>>6, uint64(1)<<(f.Token&63)
	if s.seen[word]&bit != 0 {
		return false
	}
	s.seen[word] |= bit
	s.fs = append(s.fs, f)
	return true
}

// Features extracts the distinct features of a comment, in order of first
// appearance: the texts' words and pairs, then the loose spellings, the
// link hosts, the link count and the length. dst is reused.
func Features(in Input, dst []Feature) []Feature {
	set := featureSet{fs: dst[:0], seen: bitmaps.Get().(*bitmap)}
	var looseBuf [256]Feature
	loose := looseBuf[:0]
	words := 0
	for ti, t := range in.Texts {
		prefix := fieldPrefix(t.Field)
		key := t.Key
		prevStart, prevEnd := -1, -1
		for i := 0; i < len(key); {
			if n := wordRuneLen(key, i); n == 0 {
				i += skipLen(key, i)
				continue
			}
			start := i
			// FNV-1a of the word as it is scanned: one pass over the key.
			h := uint64(fnvOffset)
			h = (h ^ uint64(prefix)) * fnvPrime
			h = (h ^ ':') * fnvPrime
			for i < len(key) {
				n := wordRuneLen(key, i)
				if n == 0 {
					break
				}
				for end := i + n; i < end; i++ {
					h = (h ^ uint64(key[i])) * fnvPrime
				}
			}
			if i-start > maxWordBytes {
				set.add(Feature{Token: hash(prefix, "\x00long"), Kind: Word, Text: int32(ti), Start: int32(start), End: int32(i)})
				prevStart = -1
				continue
			}
			if t.Pairs {
				words++
			}
			w := Feature{Token: Token(h & tokenMask), Kind: Word, Text: int32(ti), Start: int32(start), End: int32(i)}
			// A word's loose spelling depends on the word alone: asked
			// once per distinct word.
			if set.add(w) && t.Pairs && in.Spell != nil {
				for _, tok := range in.Spell(key[start:i], h).Tokens {
					loose = append(loose, Feature{Token: tok, Kind: Loose, Text: int32(ti), Start: int32(start), End: int32(i)})
				}
			}
			if t.Pairs && prevStart >= 0 {
				set.add(Feature{Token: hashPair(prefix, key[prevStart:prevEnd], key[start:i]),
					Kind: Pair, Text: int32(ti), Start: int32(prevStart), End: int32(i)})
			}
			prevStart, prevEnd = start, i
		}
	}
	for _, f := range loose {
		set.add(f)
	}
	for hi, h := range in.Hosts {
		set.add(Feature{Token: hash('h', h), Kind: LinkHost, Text: int32(hi)})
	}
	links := min(len(in.Hosts), 3)
	set.add(Feature{Token: hash('l', strconv.Itoa(links)), Kind: Links, Start: int32(links)})
	length := bitLen(words)
	set.add(Feature{Token: hash('z', strconv.Itoa(length)), Kind: Length, Start: int32(length)})
	for _, f := range set.fs { // clear only what was set
		set.seen[f.Token>>6] = 0
	}
	bitmaps.Put(set.seen)
	return set.fs
}

// wordHash is the FNV-1a Features gives a word of a field.
func wordHash(prefix byte, w string) uint64 {
	h := uint64(fnvOffset)
	h = (h ^ uint64(prefix)) * fnvPrime
	h = (h ^ ':') * fnvPrime
	for i := 0; i < len(w); i++ {
		h = (h ^ uint64(w[i])) * fnvPrime
	}
	return h
}

// wordRuneLen is the width of the character at key[i] when it is a word
// character, else 0. ASCII, most of any comment's keys, takes a table.
func wordRuneLen(key string, i int) int {
	if c := key[i]; c < utf8.RuneSelf {
		return int(asciiWord[c])
	}
	r, n := utf8.DecodeRuneInString(key[i:])
	if isWordRune(r) {
		return n
	}
	return 0
}

// skipLen is the width of the character at key[i].
func skipLen(key string, i int) int {
	if key[i] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRuneInString(key[i:])
	return n
}

// asciiWord is 1 for the ASCII word characters.
var asciiWord = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		if isWordRune(rune(c)) {
			t[c] = 1
		}
	}
	return t
}()

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
	return Token(wordHash(prefix, s) & tokenMask)
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
