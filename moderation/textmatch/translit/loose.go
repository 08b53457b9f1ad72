package translit

import (
	"unicode"
	"unicode/utf8"
)

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r) }

// maxUnits bounds the syllables of one Devanagari word held at once; a
// longer word is projected in pieces.
const maxUnits = 48

// wordBuf is the scratch space of one Loose call, kept on its stack.
type wordBuf struct {
	raw   [4 * maxUnits]byte
	roffs [4 * maxUnits]int32
	units [maxUnits]unit
}

// unit is one syllable of a Devanagari word: a consonant (or none, for an
// independent vowel) and its vowel.
type unit struct {
	cons     string // romanised consonant; "" for an independent vowel or a digit
	vowel    string // romanised vowel; "" after a virama
	inherent bool   // vowel is the inherent "a"
	deleted  bool   // ...and is not pronounced
	nasal    bool   // followed by anusvara or candrabindu
	off      int32  // key offset of the consonant (or vowel)
	voff     int32  // key offset of the vowel sign
	noff     int32  // key offset of the nasal sign
}

// run appends the loose form of key[start:end], one script's part of a
// word, to dst.
func (w *wordBuf) run(dst []byte, offs []int32, key string, start, end, kind int) ([]byte, []int32) {
	n0 := len(dst)
	switch kind {
	case kLatin:
		dst, offs = w.latin(dst, offs, key, start, end)
	case kDev:
		dst, offs = w.devanagari(dst, offs, key, start, end)
	case kDigit:
		for i := start; i < end; {
			r, n := utf8.DecodeRuneInString(key[i:])
			if r >= 0x966 && r <= 0x96F {
				r -= 0x966 - '0'
			}
			if r >= '0' && r <= '9' {
				dst, offs = append(dst, byte(r)), append(offs, int32(i))
			}
			i += n
		}
	case kOther:
		dst, offs = append(dst, '0'), append(offs, int32(start))
	}
	if len(dst) > n0 {
		// The first byte stands for the start of the run, so a loose word
		// maps to the start of its key word (see Span).
		offs[n0] = int32(start)
	}
	return dst, offs
}

// latin loosens a run of ASCII letters (with digits and accents, which
// are skipped).
func (w *wordBuf) latin(dst []byte, offs []int32, key string, start, end int) ([]byte, []int32) {
	raw, roffs := w.raw[:0], w.roffs[:0]
	for i := start; i < end; i++ {
		c := key[i]
		if c < utf8.RuneSelf && (isASCIILetter(c) || c >= '0' && c <= '9') {
			if len(raw) == cap(raw) {
				dst, offs = loosen(dst, offs, raw, roffs)
				raw, roffs = raw[:0], roffs[:0]
			}
			raw, roffs = append(raw, c|0x20*b2u(isASCIILetter(c))), append(roffs, int32(i))
		}
	}
	if len(raw) >= 4 && len(raw) <= 8 && loanFirst&(1<<(raw[0]&31)) != 0 {
		dst, offs, ok := w.loanword(dst, offs, raw, start)
		if ok {
			return dst, offs
		}
	}
	return loosen(dst, offs, raw, roffs)
}

// loanFirst has bit c&31 set for the first letter c of every loanword: a
// cheap test that spares most words the map lookup.
var loanFirst = func() uint32 {
	var m uint32
	for w := range loanwords {
		m |= 1 << (w[0] & 31)
	}
	return m
}()

// loanword appends the loose form of raw's Hindi spelling if raw is a
// loanword.
func (w *wordBuf) loanword(dst []byte, offs []int32, raw []byte, start int) ([]byte, []int32, bool) {
	lw, ok := loanwords[string(raw)]
	if !ok {
		return dst, offs, false
	}
	{
		// Each byte of the Hindi spelling stands for the run's start.
		var b [16]byte
		var o [16]int32
		n := copy(b[:], lw)
		for i := range n {
			o[i] = int32(start)
		}
		dst, offs = loosen(dst, offs, b[:n], o[:n])
	}
	return dst, offs, true
}

func b2u(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}

// vowelPair folds two raw vowels to one, or returns 0.
func vowelPair(a, b byte) byte {
	switch {
	case a == b && (a == 'a' || a == 'e' || a == 'i'):
		if a == 'e' {
			return 'i' // "ee" is ई
		}
		return a
	case a == b && (a == 'o' || a == 'u'):
		return 'u' // "oo" is ऊ
	case a == 'e' && b == 'i':
		return 'e'
	case a == 'a' && b == 'u':
		return 'o'
	}
	return 0
}

// loosen appends the loose form of raw, lower-case romanised letters and
// digits, to dst: see the package comment for the rules.
func loosen(dst []byte, offs []int32, raw []byte, roffs []int32) ([]byte, []int32) {
	var last byte // the last letter appended for this word
	put := func(c byte, off int32) {
		if c == last && c > '9' {
			return // a doubled letter
		}
		dst, offs = append(dst, c), append(offs, off)
		last = c
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		var prev, next byte
		if i > 0 {
			prev = raw[i-1]
		}
		if i+1 < len(raw) {
			next = raw[i+1]
		}
		off := roffs[i]
		switch {
		case c >= '0' && c <= '9':
			dst, offs = append(dst, c), append(offs, off)
			last = c
		case isVowel(c):
			if f := vowelPair(c, next); f != 0 {
				put(f, off)
				i++
			} else {
				put(c, off)
			}
		case c == 'h' && prev > '9' && !isVowel(prev):
			// Aspiration is not written ("bh" → "b"); "ph" and "ch" are
			// handled at their first letter.
		case c == 'p' && next == 'h':
			put('f', off)
			i++
		case c == 'c':
			if next == 'h' {
				i++
				put('c', off)
			} else {
				put('k', off)
			}
		case c == 'q':
			put('k', off)
		case c == 'z':
			put('j', off)
		case c == 'w':
			put('v', off)
		case c == 'x':
			put('k', off)
			put('s', off)
		case c == 'y' && next == 'y':
			// One "y" of "yy" goes here, the other below or as a double.
		case c == 'y' && isVowel(prev) && isVowel(next) || c == 'y' && prev == 'y' && i > 1 && isVowel(raw[i-2]) && isVowel(next):
			// "kamaye" is "kamae", "bhaiyya" "bhaia".
		default:
			put(c, off)
		}
	}
	return dst, offs
}

// devanagari romanises a run of Devanagari and loosens it.
func (w *wordBuf) devanagari(dst []byte, offs []int32, key string, start, end int) ([]byte, []int32) {
	units := w.units[:0]
	flush := func() {
		dst, offs = w.emit(dst, offs, units)
		units = units[:0]
	}
	last := func() *unit {
		if len(units) == 0 {
			return nil
		}
		return &units[len(units)-1]
	}
	for i := start; i < end; {
		r, n := utf8.DecodeRuneInString(key[i:])
		off := int32(i)
		i += n
		if len(units) == maxUnits {
			flush()
		}
		switch {
		case dev(&consonants, r) != "":
			units = append(units, unit{cons: dev(&consonants, r), vowel: "a", inherent: true, off: off})
		case dev(&vowelSigns, r) != "":
			if u := last(); u != nil && u.cons != "" && u.inherent {
				u.vowel, u.inherent, u.voff = dev(&vowelSigns, r), false, off
			} else if v := skeletonVowel(u, r); v != "" {
				u.vowel = v
			} else {
				units = append(units, unit{vowel: dev(&vowelSigns, r), off: off, voff: off})
			}
		case dev(&vowels, r) != "":
			if u := last(); r == 'इ' && u != nil && u.cons == "r" && u.vowel == "" {
				// The skeleton writes ई as र्इ.
				*u = unit{vowel: "ii", off: u.off, voff: u.off}
				break
			}
			units = append(units, unit{vowel: dev(&vowels, r), off: off, voff: off})
		case r == 0x94D: // virama
			if u := last(); u != nil && u.inherent {
				u.vowel, u.inherent = "", false
			}
		case r == 0x901 || r == 0x902: // candrabindu, anusvara
			if u := last(); u != nil && u.vowel != "" {
				u.nasal, u.noff = true, off
			}
		case r >= 0x966 && r <= 0x96F:
			units = append(units, unit{cons: digits[r-0x966 : r-0x966+1], off: off})
		case r == 0x950: // om
			units = append(units, unit{vowel: "om", off: off, voff: off})
		}
		// Nukta, avagraha, joiners and other signs add nothing: ड़ is
		// written "d", क़ "k", ज़ "j" in Hinglish anyway.
	}
	flush()
	return dst, offs
}

const digits = "0123456789"

// emit deletes unpronounced inherent vowels, romanises units and loosens
// them.
func (w *wordBuf) emit(dst []byte, offs []int32, units []unit) ([]byte, []int32) {
	if len(units) == 0 {
		return dst, offs
	}
	hasVowel := func(u *unit) bool { return u.vowel != "" && !u.deleted }
	isCons := func(u *unit) bool { return u.cons != "" && (u.cons[0] < '0' || u.cons[0] > '9') }
	// Schwa deletion: at the end of a word of two or more syllables, and
	// in V C _ C V, scanning from the right, unless the syllable before
	// is nasal: that would make three consonants meet ("zindagi").
	n := len(units)
	if u := &units[n-1]; n > 1 && u.inherent && !u.nasal && isCons(u) {
		u.deleted = true
	}
	for i := n - 2; i >= 1; i-- {
		u := &units[i]
		if u.inherent && !u.nasal && isCons(u) &&
			hasVowel(&units[i-1]) && !units[i-1].nasal && isCons(&units[i+1]) && hasVowel(&units[i+1]) {
			u.deleted = true
		}
	}
	raw, roffs := w.raw[:0], w.roffs[:0]
	add := func(s string, off int32) {
		for j := 0; j < len(s); j++ {
			raw, roffs = append(raw, s[j]), append(roffs, off)
		}
	}
	for i := range units {
		u := &units[i]
		add(u.cons, u.off)
		if !u.deleted {
			voff := u.voff
			if u.inherent {
				voff = u.off
			}
			add(u.vowel, voff)
		}
		if u.nasal && i < n-1 {
			// Nasalisation is written "n" inside a word ("sansad") and
			// not at its end ("hai" for हैं).
			add("n", u.noff)
		}
	}
	return loosen(dst, offs, raw, roffs)
}

// dev looks r up in a table of the Devanagari block.
func dev(t *[0x80]string, r rune) string {
	if r < 0x900 || r >= 0x980 {
		return ""
	}
	return t[r-0x900]
}

// skeletonVowel undoes the confusable skeleton's spelling of independent
// vowels as a vowel and a sign (आ as अा, ओ as अाे, औ as अाै, ऐ as एे):
// it returns the vowel that u and the sign r stand for, or "".
func skeletonVowel(u *unit, r rune) string {
	if u == nil || u.cons != "" || u.vowel == "" {
		return ""
	}
	switch {
	case u.vowel == "a" && r == 'ा':
		return "aa"
	case u.vowel == "aa" && r == 'े':
		return "o"
	case u.vowel == "aa" && r == 'ै':
		return "au"
	case u.vowel == "e" && r == 'े':
		return "ai"
	}
	return ""
}
