// Package derive computes, from the upstream Unicode packages, what package
// textmatch does to each code point: its NFKD decomposition, full case
// folding, default-ignorable removal and UTS #39 confusable skeleton, closed
// under repetition. textmatch ships the result as generated tables
// (../../maketables.go writes them) so that the hot path is one table lookup
// per rune; its tests call this package to check every code point against
// the upstream modules again.
package derive

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/runenames"
)

// Class is the role of a code point in a match key.
type Class uint8

// The classes. Their values are stored in the generated tables.
const (
	Other  Class = iota // punctuation, symbols, controls, unassigned: a word separator
	Space               // U+0020, the only white space left in a key
	Letter              // \p{L}
	Mark                // \p{M}
	Digit               // \p{N}
	Joiner              // ZWJ and ZWNJ (never left in a key: see IsInvisible)
)

// Word reports whether c is a word character: \p{L}, \p{M}, \p{N} and the
// joiners.
func (c Class) Word() bool { return c >= Letter }

const (
	zwnj = '\u200C'
	zwj  = '\u200D'
)

// IsHangulSyllable reports whether r is a precomposed Hangul syllable, which
// textmatch decomposes algorithmically rather than by table.
func IsHangulSyllable(r rune) bool { return r >= 0xAC00 && r <= 0xD7A3 }

// ClassOf returns the class of r as it stands (without mapping it).
func ClassOf(r rune) Class {
	switch {
	case r == zwj || r == zwnj:
		return Joiner
	case r == ' ':
		return Space
	case unicode.IsLetter(r):
		return Letter
	case unicode.IsMark(r):
		return Mark
	case unicode.IsNumber(r):
		return Digit
	}
	return Other
}

// CCC returns the canonical combining class of r.
func CCC(r rune) uint8 {
	if !utf8.ValidRune(r) {
		return 0
	}
	return norm.NFD.PropertiesString(string(r)).CCC()
}

// IsIgnorable reports whether r is removed from keys: a
// Default_Ignorable_Code_Point (derived as in DerivedCoreProperties.txt) or a
// Bidi_Control. ZWJ and ZWNJ are ignorable too; textmatch keeps them only
// after a virama.
func IsIgnorable(r rune) bool {
	if unicode.Is(unicode.Bidi_Control, r) {
		return true
	}
	di := unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) ||
		unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Variation_Selector, r)
	if !di {
		return false
	}
	switch {
	case unicode.Is(unicode.White_Space, r),
		r >= 0xFFF9 && r <= 0xFFFB,   // interlinear annotation controls
		r >= 0x13430 && r <= 0x1343F, // Egyptian hieroglyph format controls
		unicode.Is(unicode.Prepended_Concatenation_Mark, r):
		return false
	}
	return true
}

// coarse groups classes for the skeleton guard below.
func coarse(r rune) int {
	switch c := ClassOf(r); {
	case c == Letter || c == Mark || c == Joiner:
		return 1
	case c == Digit:
		return 2
	case unicode.Is(unicode.White_Space, r):
		return 3
	}
	return 0
}

var fold = cases.Fold()

// anchors maps the folded skeleton of a printable ASCII character back to
// that character. ASCII itself is never mapped by the skeleton (see
// skeleton), so a non-ASCII look-alike whose skeleton equals the skeleton of
// an ASCII character becomes that character: U+217F 'ⅿ' has the prototype
// "rn", which is the skeleton of 'm', so it becomes "m" — and so matches
// plain "m" rather than "rn".
var anchors = func() map[string]rune {
	m := make(map[string]rune)
	// Earlier wins: letters, then digits, then punctuation.
	order := "abcdefghijklmnopqrstuvwxyz0123456789"
	for c := rune('!'); c <= '~'; c++ {
		if !strings.ContainsRune(order, c) && !(c >= 'A' && c <= 'Z') {
			order += string(c)
		}
	}
	for _, c := range order {
		k := fold.String(confusables.Skeleton(string(c)))
		if _, ok := m[k]; !ok {
			m[k] = c
		}
	}
	return m
}()

// skeleton maps one code point d (already NFKD and case folded) to its
// confusable prototype, with three guards that keep ordinary text stable:
//   - ASCII is never mapped: UTS #39 prototypes would turn '0' into 'O',
//     '1' into 'l' and 'm' into "rn", so digits would become letters and
//     plain words would change shape;
//   - viramas (ccc 9) are never mapped, so that a ZWJ/ZWNJ kept after one
//     stays kept when a key is normalised again (Tamil U+0BCD maps to a
//     combining dot otherwise);
//   - a mapping that would change d's kind (word character, digit,
//     separator) is refused: Devanagari visarga U+0903 would become ':' and
//     split words, Devanagari digit zero would become the letter 'o', and
//     an em dash would become a Katakana letter;
//   - a mapping that would change d's canonical combining class (or, for a
//     starter, begin with a non-starter) is refused: canonical ordering
//     would then move marks across a virama — Devanagari nukta U+093C
//     (ccc 7) maps to U+0323 (ccc 220), which moves behind the virama of
//     "क़्" and so loses the ZWJ of "क़्‍ष" — and anusvara, candrabindu and
//     nukta keep their own (unconfusable in practice) forms.
func skeleton(d rune) string {
	if d < utf8.RuneSelf || CCC(d) == 9 {
		return string(d)
	}
	sk := confusables.Skeleton(string(d))
	if sk == string(d) {
		return sk
	}
	if a, ok := anchors[fold.String(sk)]; ok {
		sk = string(a)
	}
	if v, ok := digitValue(d); ok {
		// A decimal digit may only become a digit of the same value:
		// UTS #39 maps Devanagari one to Arabic-Indic nine.
		if x, n := utf8.DecodeRuneInString(sk); n != len(sk) || !sameDigit(x, v) {
			return string(d)
		}
	}
	want, ccc := coarse(d), CCC(d)
	for i, x := range sk {
		if coarse(x) != want {
			return string(d)
		}
		if (i == 0 || ccc != 0) && CCC(x) != ccc {
			return string(d)
		}
	}
	return sk
}

// foldRune is full case folding of one code point. golang.org/x/text/cases
// folds the Cherokee capitals U+13A0–U+13F5 to the small letters and the
// small letters back to the capitals, a two-cycle, where CaseFolding.txt maps
// small to capital only; the lower of the two code points is taken as the
// folded form so that folding is idempotent.
func foldRune(r rune) string {
	f := fold.String(string(r))
	if f != string(r) {
		if g := fold.String(f); g == string(r) {
			if fr, n := utf8.DecodeRuneInString(f); n == len(f) && fr > r {
				return string(r)
			}
		}
	}
	return f
}

// digitValue returns the value of a decimal digit (\p{Nd}). Decimal digits
// come in contiguous runs of ten, zero first.
func digitValue(r rune) (int, bool) {
	if !unicode.Is(unicode.Nd, r) {
		return 0, false
	}
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) && rg.Stride == 1 && (rg.Hi-rg.Lo+1)%10 == 0 {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) && rg.Stride == 1 && (rg.Hi-rg.Lo+1)%10 == 0 {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	return 0, false
}

func sameDigit(r rune, v int) bool {
	w, ok := digitValue(r)
	return ok && w == v
}

// IsInvisible reports whether r renders as nothing between two letters, or
// as no more than a blank a reader's eye skips, and so is dropped from keys
// to join the letters around it: ZWJ and ZWNJ (in Indic text they only pick
// a glyph form, "क्‍ष" or "क्ष", never a different word); the controls other
// than tab and line feed (CR, VT, FF, ESC, BEL, DEL, NEL, the C1 range);
// the line and paragraph separators U+2028 and U+2029; the braille blank
// U+2800; the object replacement character U+FFFC; and the kashida
// (tatweel U+0640, N'Ko lajanyalan U+07FA), which only stretches a
// connection. Tab and line feed stay white space: they are how readers
// separate words and lines.
func IsInvisible(r rune) bool {
	switch r {
	case zwj, zwnj, '\u2028', '\u2029', '\u2800', '\uFFFC', '\u0640', '\u07FA':
		return true
	case '\t', '\n':
		return false
	}
	return unicode.Is(unicode.Cc, r)
}

// IsFoldedMark reports whether r is a combining mark that keys drop so that
// accented spellings match the plain word ("casíno", "ćáśíńó", "CASİNO"):
// the diacritics shared by Latin, Greek and Cyrillic (the Combining
// Diacritical Marks blocks and the Cyrillic combining marks) and the
// Devanagari nukta, which Hindi writers add and leave out freely ("ज़"/"ज")
// and which an attacker can put on any consonant. The marks Indic and other
// scripts are built from — vowel signs, viramas, anusvara, visarga,
// candrabindu, Arabic and Hebrew points, kana voicing — are their own
// script's and are kept: "मत" does not match inside "मतदान".
func IsFoldedMark(r rune) bool {
	switch {
	case r >= 0x0300 && r <= 0x036F, // Combining Diacritical Marks
		r >= 0x0483 && r <= 0x0489, // Cyrillic combining marks
		r >= 0x1AB0 && r <= 0x1AFF, // ... Extended
		r >= 0x1DC0 && r <= 0x1DFF, // ... Supplement
		r >= 0x20D0 && r <= 0x20FF, // ... for Symbols
		r >= 0xFE20 && r <= 0xFE2F, // Combining Half Marks
		r == 0x093C:                // Devanagari nukta
		return unicode.IsMark(r)
	}
	return false
}

// decorativeRE matches the names of the decorative forms of letters and
// digits that have no compatibility decomposition to their plain form.
var decorativeRE = regexp.MustCompile(`^(?:` +
	`(LATIN|GREEK|CYRILLIC) (?:MODIFIER )?(?:LETTER )?SMALL CAPITAL (?:LETTER )?(.+)` + // ᴄ ꜱ ɪ ɴ ᴦ
	`|(?:CROSSED )?NEGATIVE (?:CIRCLED|SQUARED) LATIN CAPITAL LETTER ([A-Z])` + // 🅒 🅲
	`|PARENTHESIZED LATIN (?:SMALL|CAPITAL) LETTER ([A-Z])` + // ⒞ 🄒
	`|REGIONAL INDICATOR SYMBOL LETTER ([A-Z])` + // 🇨
	`|LATIN (?:SMALL|CAPITAL) LETTER ([A-Z]) WITH .+` + // ø ł đ ƈ ɗ: the mark is fused
	`|(?:DINGBAT )?(?:NEGATIVE )?(?:DOUBLE )?CIRCLED (?:SANS-SERIF )?DIGIT (ZERO|ONE|TWO|THREE|FOUR|FIVE|SIX|SEVEN|EIGHT|NINE)` + // ❶ ➊ ⓵
	`)$`)

var digitNames = map[string]string{"ZERO": "0", "ONE": "1", "TWO": "2", "THREE": "3", "FOUR": "4",
	"FIVE": "5", "SIX": "6", "SEVEN": "7", "EIGHT": "8", "NINE": "9"}

// smallLetters maps the names of the Latin, Greek and Cyrillic small letters
// to the letters, for the small capitals.
var smallLetters = sync.OnceValue(func() map[string]rune {
	m := make(map[string]rune)
	for r := rune(0); r < 0x20000; r++ {
		n := runenames.Name(r)
		for _, sc := range []string{"LATIN", "GREEK", "CYRILLIC"} {
			if rest, ok := strings.CutPrefix(n, sc+" SMALL LETTER "); ok && unicode.IsLower(r) {
				if _, dup := m[sc+" "+rest]; !dup {
					m[sc+" "+rest] = r
				}
			}
		}
	}
	return m
})

// Decorative returns the plain form of a decorative letter or digit that
// Unicode does not decompose: small capitals ("ᴄᴀꜱɪɴᴏ"), negative circled
// and squared letters ("🅒🅐🅢🅘🅝🅞", "🅲🅰🆂🅸🅽🅾"), parenthesized letters
// ("⒞⒜⒮⒤⒩⒪", whose decomposition "(c)" would split them), Latin letters
// with a fused mark (ø, ł, đ) and dingbat digits (❶); "" if r is none of
// them. A regional indicator becomes its letter between spaces: "🇨🇦🇸🇮🇳🇴"
// is spaced letters, which keys join, while a flag after a word ("jai
// hind🇮🇳") stays apart from it. Combining letters are marks and stay so.
func Decorative(r rune) string {
	if r < 0x80 || unicode.IsMark(r) {
		return ""
	}
	m := decorativeRE.FindStringSubmatch(runenames.Name(r))
	if m == nil {
		return ""
	}
	switch {
	case m[1] != "":
		if x, ok := smallLetters()[m[1]+" "+m[2]]; ok {
			return string(x)
		}
		return ""
	case m[3] != "":
		return strings.ToLower(m[3])
	case m[4] != "":
		return strings.ToLower(m[4])
	case m[5] != "":
		return " " + strings.ToLower(m[5]) + " "
	case m[6] != "":
		return strings.ToLower(m[6])
	}
	return digitNames[m[7]]
}

// step is one round of the key pipeline on a string.
func step(s string) string {
	var d strings.Builder
	for _, r := range s {
		if x := Decorative(r); x != "" {
			d.WriteString(x)
		} else {
			d.WriteRune(r)
		}
	}
	var f strings.Builder
	for _, r := range norm.NFKD.String(d.String()) {
		f.WriteString(foldRune(r))
	}
	s = norm.NFKD.String(f.String())
	var b strings.Builder
	for _, d := range s {
		switch {
		case IsInvisible(d), IsFoldedMark(d):
		case unicode.Is(unicode.White_Space, d):
			b.WriteByte(' ')
		case IsIgnorable(d):
		default:
			b.WriteString(skeleton(d))
		}
	}
	return b.String()
}

// Key returns what textmatch writes into a key for the code point r in
// isolation: step repeated until nothing changes, so that every code point
// in the result maps to itself. The result is in canonical order.
func Key(r rune) (string, error) {
	if !utf8.ValidRune(r) {
		r = utf8.RuneError
	}
	s := string(r)
	for range 8 {
		t := step(s)
		if t == s {
			return s, nil
		}
		s = t
	}
	return "", fmt.Errorf("derive: key of %U does not converge (last %+q)", r, s)
}

// Entry is the generated table entry of one code point.
type Entry struct {
	Expansion string // "" with Mapped set: the code point is dropped
	Mapped    bool   // the key holds Expansion instead of the code point
	Class     Class  // class of the code point itself (when not Mapped)
	CCC       uint8  // canonical combining class (when not Mapped)
}

// Of returns the entry for r and checks the closure property that makes keys
// idempotent: every code point of an expansion maps to itself.
func Of(r rune) (Entry, error) {
	k, err := Key(r)
	if err != nil {
		return Entry{}, err
	}
	if k == string(r) {
		return Entry{Class: ClassOf(r), CCC: CCC(r)}, nil
	}
	for _, x := range k {
		if kx, err := Key(x); err != nil || kx != string(x) {
			return Entry{}, fmt.Errorf("derive: %U maps to %+q, but %U maps on to %+q", r, k, x, kx)
		}
	}
	return Entry{Expansion: k, Mapped: true}, nil
}
