package textmatch

import (
	"math"
	"sort"
	"unicode/utf8"
)

// Options select optional foldings. A Matcher and the Keys it is run on must
// use the same Options.
type Options struct {
	// Leet folds leetspeak inside tokens that contain a letter:
	// 0→o 1→i 3→e 4→a 5→s 7→t @→a $→s, so "v1@gr@" becomes "viagra"
	// while "2024", "10:30" and "$100" keep their digits. A token here is a
	// run of word characters, '@' and '$'.
	Leet bool
}

// Key is the match key of a text: what rules match against. It remembers
// where each key byte came from in the source, so that a match in the key
// can be reported as a span of the original text. The zero Key is the key
// of "".
type Key struct {
	text string
	src  string
	opts Options
	// segs maps key positions to source positions, sorted by key; each
	// covers the key bytes up to the next. Mostly the key copies the
	// source byte for byte (or ASCII for ASCII), so a few segments do.
	segs []seg
}

// seg maps key bytes [key, next seg's key) to the source. In a lockstep
// segment key byte key+d came from source byte src+d; in a point segment
// (src has pointBit) every byte came from the code point at src&^pointBit.
type seg struct {
	key, src int32
}

const pointBit = math.MinInt32 // the sign bit: source offsets are below 2 GiB

// String returns the key text.
func (k Key) String() string { return k.text }

// Len returns the length of the key text in bytes.
func (k Key) Len() int { return len(k.text) }

// Src returns the text the key was built from.
func (k Key) Src() string { return k.src }

// Options returns the options the key was built with.
func (k Key) Options() Options { return k.opts }

// Source returns the smallest span of the source text that covers the key
// bytes [start, end): every source code point that contributed one of those
// bytes, and what lies between them (dropped invisible characters, the
// separators of a collapsed "c.a.s.i.n.o"). Arguments are clamped to the
// key; an empty range gives an empty span at the corresponding source
// position.
func (k Key) Source(start, end int) (srcStart, srcEnd int) {
	n := len(k.text)
	start = max(0, min(start, n))
	end = max(start, min(end, n))
	if len(k.segs) == 0 {
		return 0, 0
	}
	if start == end {
		if start == n {
			_, p := k.byteSpan(len(k.segs)-1, n-1)
			return p, p
		}
		p, _ := k.byteSpan(k.segAt(start), start)
		return p, p
	}
	// Marks moved by canonical ordering map out of order, so take the
	// extremes over every segment in the range.
	lo, hi := math.MaxInt, 0
	for i := k.segAt(start); i < len(k.segs) && int(k.segs[i].key) < end; i++ {
		a, b := max(start, int(k.segs[i].key)), end
		if i+1 < len(k.segs) {
			b = min(b, int(k.segs[i+1].key))
		}
		if b <= a {
			continue
		}
		s, _ := k.byteSpan(i, a)
		_, e := k.byteSpan(i, b-1)
		lo, hi = min(lo, s), max(hi, e)
	}
	return lo, hi
}

// segAt returns the index of the segment that holds key byte p.
func (k Key) segAt(p int) int {
	return sort.Search(len(k.segs), func(i int) bool { return int(k.segs[i].key) > p }) - 1
}

// byteSpan returns the source code point that key byte p (in segment i)
// came from.
func (k Key) byteSpan(i, p int) (start, end int) {
	s := k.segs[i]
	if s.src&pointBit != 0 {
		start = int(s.src &^ pointBit)
	} else {
		// Lockstep: the corresponding byte, then its code point.
		start = int(s.src) + p - int(s.key)
		for start > 0 && !utf8.RuneStart(k.src[start]) {
			start--
		}
	}
	_, size := utf8.DecodeRuneInString(k.src[start:])
	return start, start + size
}

// maxSource bounds the source offsets a Key can record; longer texts are cut
// there (comment fields are limited to a few kilobytes long before this).
const maxSource = math.MaxInt32

// Normalize builds the match key of s. The source is never altered; the key
// is, in order:
//
//   - decorative letters made plain, compatibility-decomposed (NFKD, the
//     decomposition half of NFKC; the skeleton below works on decomposed
//     text anyway), case folded (full folding: "ß" → "ss") and mapped to
//     UTS #39 confusable prototypes, with invisible characters (default
//     ignorables, bidi controls, joiners, controls, …), the diacritics of
//     Latin, Greek and Cyrillic and the Devanagari nukta removed — all by
//     one precomputed table lookup per code point (see the package
//     documentation, and internal/derive for how the table is derived and
//     which skeleton mappings are refused);
//   - white space runs become one U+0020, with none at the ends;
//   - combining marks are put in canonical order;
//   - runs of three or more single letters separated by the same kind of
//     separator are joined ("v.i.a.g.r.a" → "viagra");
//   - with o.Leet, leetspeak is folded (see Options).
//
// The key is valid UTF-8 whatever s holds (invalid bytes become U+FFFD), and
// Normalize(Normalize(s, o).String(), o) has the same text.
func Normalize(s string, o Options) Key {
	if len(s) > maxSource {
		s = s[:maxSource]
	}
	b := newBuilder(s, o)
	b.mapText(s)
	from := b.from
	if o.Leet && b.firstLeet >= 0 {
		// Leetspeak folds whole tokens: start at the token's start.
		p := b.firstLeet
		for p > 0 {
			r, n := utf8.DecodeLastRune(b.buf[:p])
			if !isWordClass(runeClass(r)) && r != '@' && r != '$' {
				break
			}
			p -= n
		}
		if from < 0 || p < from {
			from = p
		}
	}
	if from >= 0 {
		// The second pass, from the first place where it may change
		// something (checked against a full pass by the tests).
		b.words(from, o.Leet)
	}
	return Key{text: string(b.buf), src: s, opts: o, segs: b.segs}
}

func newBuilder(s string, o Options) *builder {
	b := &builder{
		buf:       make([]byte, 0, len(s)+len(s)/8+8),
		segs:      make([]seg, 0, 8+len(s)/32),
		delta:     noDelta,
		from:      -1,
		firstLeet: -1,
		tok:       &tokenASCII[0],
	}
	if o.Leet {
		b.tok = &tokenASCII[1]
	}
	return b
}
