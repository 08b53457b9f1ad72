package links

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fold returns s with look-alike compatibility characters replaced by the
// ASCII their NFKC form is ("ｅｘａｍｐｌｅ．ｃｏｍ", "𝐞𝐱𝐚𝐦𝐩𝐥𝐞", "example․com"
// with a one-dot leader) and invisible characters that hide a link from a
// counter removed ("exam\u200bple.com").
//
// Only characters whose NFKC form is ASCII are folded: NFKC of the whole text
// would also rewrite Devanagari nukta letters in a URL path, and the URL we
// report should be what a browser would open. Symbols that fold to several
// letters (™ → TM) are kept, or "example.com™" would lose its TLD boundary.
func fold(s string) (string, offsetMap) {
	b := builder{src: s}
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if mayFold(r) {
			switch r {
			case '\u00ad', '\u200b', '\u2060', '\ufeff': // soft hyphen, zero-width space, word joiner, BOM
				b.rewrite(i, i+size, "")
			default:
				if d := asciiFold(r, s[i:]); d != nil {
					b.rewrite(i, i+size, string(d))
				}
			}
		}
		i += size
	}
	return b.result()
}

// asciiFold returns the ASCII that r, the first rune of s, folds to, or nil.
func asciiFold(r rune, s string) []byte {
	d := norm.NFKC.PropertiesString(s).Decomposition()
	if len(d) > 0 && isASCII(d) && (len(d) == 1 || !unicode.IsSymbol(r)) {
		return d
	}
	return nil
}

// foldBlock is the size of the blocks of code points that foldable marks.
const foldBlock = 64

// foldable marks the blocks of code points below U+20000 that hold a rune
// fold rewrites, so that most text (Devanagari, for one) skips the NFKC
// lookup. It takes a few milliseconds to build, once.
var foldable = sync.OnceValue(func() []bool {
	marks := make([]bool, 0x20000/foldBlock)
	var buf [utf8.UTFMax]byte
	for r := rune(utf8.RuneSelf); r < 0x20000; r++ {
		if marks[r/foldBlock] || !utf8.ValidRune(r) {
			continue
		}
		n := utf8.EncodeRune(buf[:], r)
		if asciiFold(r, string(buf[:n])) != nil {
			marks[r/foldBlock] = true
		}
	}
	for _, r := range []rune{'\u00ad', '\u200b', '\u2060', '\ufeff'} {
		marks[r/foldBlock] = true
	}
	return marks
})

func mayFold(r rune) bool {
	if int(r) >= 0x20000 {
		return true
	}
	return foldable()[r/foldBlock]
}

// deobfuscate rewrites the ways spammers write a link so that a counter
// misses it: defanged or spaced schemes (hxxp://, h**p://, ttp://,
// "h t t p s : / /", "http : //", "http:// host"), bracketed dots and colons
// ([.], (.), {.}, [dot], (dot), {dot}, [:], [://]) and the word "dot" between
// two labels ("example dot com"). The word form is the only one that occurs
// in ordinary prose, so it is taken only where it plausibly joins a domain;
// see wordDot.
func deobfuscate(t string) (string, offsetMap) {
	b := builder{src: t}
	for i := 0; i < len(t); {
		if !mayObfuscate[t[i]] {
			i++
			continue
		}
		switch t[i] {
		case '[', '(', '{':
			if end, repl := bracketed(t, i); end > 0 {
				from := i
				if repl == "." {
					from, end = absorbBlanks(t, i, end, b.pos)
				}
				b.rewrite(from, end, repl)
				i = end
				continue
			}
		case ' ', '\t':
			if end := wordDot(t, i); end > 0 {
				b.rewrite(i, end, ".")
				i = end
				continue
			}
		case 'h', 'H', 't', 'T':
			// Like xurls, take a scheme that starts inside a word
			// ("foohxxp://"), except "ttp", which starts inside "http".
			if t[i] == 'h' || t[i] == 'H' || i == 0 || !isAlnum(t[i-1]) {
				if end, repl := scheme(t, i); end > 0 {
					if repl != "" {
						b.rewrite(i, end, repl)
					}
					i = end
					continue
				}
			}
		}
		i++
	}
	return b.result()
}

// mayObfuscate marks the bytes that can start what deobfuscate rewrites.
var mayObfuscate = [256]bool{
	'[': true, '(': true, '{': true, ' ': true, '\t': true,
	'h': true, 'H': true, 't': true, 'T': true,
}

// scheme matches an http or https scheme with its "//" at t[i:], written
// plainly or not, and returns its end. repl is the canonical scheme when the
// written one differs from it other than in case, "" when it does not.
func scheme(t string, i int) (end int, repl string) {
	p := i
	if lowerAt(t, p) == 'h' {
		p++
		for range 2 {
			p = skipBlanks(t, p, 1)
			if c := lowerAt(t, p); c != 't' && c != 'x' && c != '*' {
				return 0, ""
			}
			p++
		}
	} else { // "ttp://", with the h cut off
		for range 2 {
			p = skipBlanks(t, p, 1)
			if lowerAt(t, p) != 't' {
				return 0, ""
			}
			p++
		}
	}
	if p = skipBlanks(t, p, 1); lowerAt(t, p) != 'p' {
		return 0, ""
	}
	p++
	canonical := "http://"
	if q := skipBlanks(t, p, 1); lowerAt(t, q) == 's' {
		canonical, p = "https://", q+1
	}
	p = skipBlanks(t, p, 3)
	switch rest := t[p:]; {
	case strings.HasPrefix(rest, "[://]"):
		p += len("[://]")
	case strings.HasPrefix(rest, ":"), strings.HasPrefix(rest, "[:]"), strings.HasPrefix(rest, "(:)"):
		if rest[0] == ':' {
			p++
		} else {
			p += 3
		}
		for range 2 {
			if p = skipBlanks(t, p, 3); p >= len(t) || t[p] != '/' {
				return 0, ""
			}
			p++
		}
	default:
		return 0, ""
	}
	// "http:// example.com" keeps the host from being linked; "http:// and"
	// is only talk about URLs.
	if q := skipBlanks(t, p, 3); q > p {
		if w := t[q:]; len(w) > 0 && (w[0] == '[' || isLabelByte(w[0])) {
			if _, end := wordAround(w, 0); hasHostOutside(w[:end], nil) {
				p = q
			}
		}
	}
	if strings.EqualFold(t[i:p], canonical) {
		return p, ""
	}
	return p, canonical
}

// bracketed matches [.], (.), {.}, [dot], (dot), {dot}, [डॉट], [:], (:), {:}
// or [://] at t[i:], a blank allowed inside each bracket.
func bracketed(t string, i int) (end int, repl string) {
	var closer byte
	switch t[i] {
	case '[':
		closer = ']'
	case '(':
		closer = ')'
	case '{':
		closer = '}'
	default:
		return 0, ""
	}
	p := skipBlanks(t, i+1, 1)
	rest := t[p:]
	switch {
	case strings.HasPrefix(rest, "."):
		p, repl = p+1, "."
	case hasFoldPrefix(rest, "dot"):
		p, repl = p+3, "."
	case strings.HasPrefix(rest, hindiDot):
		p, repl = p+len(hindiDot), "."
	case closer == ']' && strings.HasPrefix(rest, "://"):
		p, repl = p+3, "://"
	case strings.HasPrefix(rest, ":"):
		p, repl = p+1, ":"
	default:
		return 0, ""
	}
	if p = skipBlanks(t, p, 1); p >= len(t) || t[p] != closer {
		return 0, ""
	}
	return p + 1, repl
}

// hindiDot is "dot" in Devanagari, as Hindi speakers write it.
const hindiDot = "डॉट"

// absorbBlanks widens a bracketed dot t[from:to] over the blanks around it
// when a label stands on each side: "example [.] com". It never reaches
// before min, the part of t already written.
func absorbBlanks(t string, from, to, min int) (int, int) {
	l, r := from, to
	for l > min && isBlank(t[l-1]) {
		l--
	}
	for r < len(t) && isBlank(t[r]) {
		r++
	}
	if l > 0 && isLabelByte(t[l-1]) && r < len(t) && isLabelByte(t[r]) {
		return l, r
	}
	return from, to
}

// wordDot matches the word "dot" (any case, or "डॉट") between blanks at t[i:],
// where t[i] is a blank, and returns the end of the blanks after it. It
// accepts the word only where it plausibly joins two labels of a domain:
//
//   - the word before has a letter and is not a function word: "the dot com
//     era", "a dot in the sky" and "ek dot" are prose, "1 dot 5" a number;
//   - the word after is followed by another dot (an inner label, as in
//     "www dot example dot com"), or is a TLD on xurls's list;
//   - a TLD that is also an everyday word ("in", "is", "to", "now") must not
//     be followed by more words: "a red dot in the corner" is prose, while
//     "example dot in." and "example dot in/offers" are links.
func wordDot(t string, i int) int {
	p := skipBlanks(t, i, 3)
	if p >= len(t) || t[p]|0x20 != 'd' && t[p] != hindiDot[0] {
		return 0 // the common case, cheaply
	}
	switch rest := t[p:]; {
	case hasFoldPrefix(rest, "dot"):
		p += 3
	case strings.HasPrefix(rest, hindiDot):
		p += len(hindiDot)
	default:
		return 0
	}
	q := skipBlanks(t, p, 3)
	if q == p {
		return 0
	}
	l := i
	for l > 0 && isASCIILabel(t[l-1]) {
		l--
	}
	r := q
	for r < len(t) && isASCIILabel(t[r]) {
		r++
	}
	if l == i || r == q || !hasASCIILetter(t[l:i]) || isFunctionWord(t[l:i]) {
		return 0 // "1 dot 5" is a number
	}
	if dotFollows(t, r) {
		return q
	}
	tld := t[q:r]
	if !isTLD(tld) || (isCommonWordTLD(tld) && proseFollows(t, r)) {
		return 0
	}
	return q
}

// dotFollows reports whether another dot, in any of the written forms,
// and a label follow t[:i].
func dotFollows(t string, i int) bool {
	if i+1 < len(t) && t[i] == '.' && isLabelByte(t[i+1]) {
		return true
	}
	p := skipBlanks(t, i, 1)
	if p < len(t) && (t[p] == '[' || t[p] == '(' || t[p] == '{') {
		if end, repl := bracketed(t, p); end > 0 && repl == "." {
			end = skipBlanks(t, end, 1)
			return end < len(t) && isLabelByte(t[end])
		}
	}
	if p == i {
		return false
	}
	switch rest := t[p:]; {
	case hasFoldPrefix(rest, "dot"):
		p += 3
	case strings.HasPrefix(rest, hindiDot):
		p += len(hindiDot)
	default:
		return false
	}
	q := skipBlanks(t, p, 3)
	return q > p && q < len(t) && isASCIILabel(t[q])
}

// proseFollows reports whether t[i:] goes on with blanks and then a word.
func proseFollows(t string, i int) bool {
	p := skipBlanks(t, i, len(t))
	if p == i || p >= len(t) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t[p:])
	return unicode.IsLetter(r)
}

func skipBlanks(t string, i, max int) int {
	for n := 0; n < max && i < len(t) && isBlank(t[i]); n++ {
		i++
	}
	return i
}

func lowerAt(t string, i int) byte {
	if i >= len(t) {
		return 0
	}
	return lower(t[i])
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func hasFoldPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func hasASCIILetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; 'a' <= c && c <= 'z' {
			return true
		}
	}
	return false
}

func isASCIILabel(c byte) bool { return isAlnum(c) || c == '-' }

// isLabelByte reports whether c can start or end a domain label, counting
// any non-ASCII byte as part of a Unicode letter.
func isLabelByte(c byte) bool { return isAlnum(c) || c >= utf8.RuneSelf }

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
