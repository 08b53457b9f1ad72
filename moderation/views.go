package moderation

import (
	"html"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/bidi"
)

// A view is another reading of a field's text: what a reader sees rather
// than the bytes that were sent. Rules match the word lists, patterns and
// links in every view of a field as well as in the field itself, and report
// a match in a view as a span of the field.
type view struct {
	text string
	// src[i] is the span of the field's text that view byte i stands for.
	src []srcSpan
	// how says which reading this is, for the moderator.
	how string
}

type srcSpan struct{ start, end int32 }

// source returns the smallest span of the field that covers view bytes
// [a, b): every source span one of them stands for.
func (v *view) source(a, b int) (int, int) {
	if len(v.src) == 0 {
		return 0, 0
	}
	a = max(0, min(a, len(v.src)))
	b = max(a, min(b, len(v.src)))
	if a == b {
		if a == len(v.src) {
			e := int(v.src[a-1].end)
			return e, e
		}
		s := int(v.src[a].start)
		return s, s
	}
	lo, hi := v.src[a].start, v.src[a].end
	for _, s := range v.src[a+1 : b] {
		lo, hi = min(lo, s.start), max(hi, s.end)
	}
	return int(lo), int(hi)
}

// A viewKind reads a text another way. It returns ok false when the text
// holds nothing the reading changes, so that ordinary text costs a scan
// and no copy.
type viewKind struct {
	how  string
	read func(text string) (out string, src []srcSpan, ok bool)
}

// viewKinds are applied in order, each to what the one before produced
// (a browser decodes character references, then lays out the result).
var viewKinds = []viewKind{
	{"with its character references and percent-escapes decoded", decoded},
	{"as a browser displays it", displayed},
}

// viewsOf returns the views of text that differ from it, each mapped back
// to text.
func viewsOf(text string) []view {
	var out []view
	cur := view{text: text}
	for _, k := range viewKinds {
		t, src, ok := k.read(cur.text)
		if !ok {
			continue
		}
		if cur.src != nil {
			for i, s := range src { // through the earlier view to the field
				a, b := cur.source(int(s.start), int(s.end))
				src[i] = srcSpan{int32(a), int32(b)}
			}
		}
		cur = view{text: t, src: src, how: k.how}
		out = append(out, cur)
	}
	return out
}

// viewBuilder writes a view, recording where each byte came from.
type viewBuilder struct {
	buf []byte
	src []srcSpan
}

func newViewBuilder(n int) *viewBuilder {
	return &viewBuilder{buf: make([]byte, 0, n), src: make([]srcSpan, 0, n)}
}

// emit appends s, every byte of which stands for text[start:end].
func (b *viewBuilder) emit(s string, start, end int) {
	b.buf = append(b.buf, s...)
	for range len(s) {
		b.src = append(b.src, srcSpan{int32(start), int32(end)})
	}
}

// copyRunes appends text[from:to] as it is, each byte standing for the
// whole code point it belongs to, so that spans never cut one.
func (b *viewBuilder) copyRunes(text string, from, to int) {
	for i := from; i < to; {
		_, n := utf8.DecodeRuneInString(text[i:])
		n = min(n, to-i)
		b.emit(text[i:i+n], i, i+n)
		i += n
	}
}

// maxDecodeRounds bounds how often decoding is repeated, for references
// encoded twice or more ("&amp;#99;", "%2563").
const maxDecodeRounds = 3

// decoded reads text with HTML character references ("&#99;", "&#x63;",
// "&eacute;", and the legacy ones browsers accept without a semicolon) and
// percent-escapes ("%63") decoded, as often as that changes something.
func decoded(text string) (string, []srcSpan, bool) {
	if !hasEscape(text) {
		return "", nil, false
	}
	var v view
	changed := false
	cur := text
	for range maxDecodeRounds {
		t, src, ok := decodeOnce(cur)
		if !ok {
			break
		}
		if changed {
			for i, s := range src {
				a, b := v.source(int(s.start), int(s.end))
				src[i] = srcSpan{int32(a), int32(b)}
			}
		}
		v, cur, changed = view{text: t, src: src}, t, true
		if !hasEscape(t) {
			break
		}
	}
	return v.text, v.src, changed
}

// hasEscape reports whether text may hold a character reference ('&'
// before '#' or a letter) or a percent-escape ('%' before two hex digits).
func hasEscape(text string) bool {
	for i := strings.IndexAny(text, "&%"); i >= 0; {
		if text[i] == '&' && i+1 < len(text) && (text[i+1] == '#' || isASCIILetter(text[i+1])) ||
			text[i] == '%' && i+2 < len(text) && isHex(text[i+1]) && isHex(text[i+2]) {
			return true
		}
		j := strings.IndexAny(text[i+1:], "&%")
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

func decodeOnce(text string) (string, []srcSpan, bool) {
	var b *viewBuilder
	last := 0
	for i := 0; i < len(text); i++ {
		var out string
		end := i
		switch text[i] {
		case '&':
			if end = referenceEnd(text, i); end > i {
				out = html.UnescapeString(text[i:end])
			}
		case '%':
			if i+2 < len(text) && isHex(text[i+1]) && isHex(text[i+2]) {
				out, end = string([]byte{unhex(text[i+1])<<4 | unhex(text[i+2])}), i+3
			}
		}
		if end == i || out == text[i:end] {
			continue // nothing here, or a name html does not know ("Q&A")
		}
		if b == nil {
			b = newViewBuilder(len(text))
		}
		b.copyRunes(text, last, i)
		b.emit(out, i, end)
		last = end
		i = end - 1
	}
	if b == nil {
		return "", nil, false
	}
	b.copyRunes(text, last, len(text))
	return string(b.buf), b.src, true
}

// referenceEnd returns where a character reference that starts at text[i]
// ('&') may end: after "&#" and digits, "&#x" and hex digits, or '&' and
// letters and digits, and a ';' if one follows; i if none starts there.
func referenceEnd(text string, i int) int {
	j := i + 1
	digit := isASCIILetterOrDigit
	if j < len(text) && text[j] == '#' {
		j++
		digit = isDigitByte
		if j < len(text) && (text[j] == 'x' || text[j] == 'X') {
			j++
			digit = isHex
		}
	}
	k := j
	for k < len(text) && digit(text[k]) && k-j < 32 {
		k++
	}
	if k == j {
		return i
	}
	if k < len(text) && text[k] == ';' {
		k++
	}
	return k
}

func isASCIILetter(c byte) bool        { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigitByte(c byte) bool          { return '0' <= c && c <= '9' }
func isASCIILetterOrDigit(c byte) bool { return isASCIILetter(c) || isDigitByte(c) }
func isHex(c byte) bool                { return isDigitByte(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// displayed reads text in the order a browser lays it out, left to right,
// when it holds explicit bidi formatting characters: "\u202Eonisac" shows as
// "casino". It follows the Unicode Bidirectional Algorithm (UAX #9) for what
// attackers use — overrides, embeddings and isolates, the implicit levels of
// strong letters and digits, neutrals between them, and the reordering of
// levels — but not bracket pairs or the weak types' finer rules, and it
// takes the paragraph as left to right, as a page does by default.
// golang.org/x/text/unicode/bidi orders overrides but not embeddings
// ("\u202Bsino\u200Fca" shows as "ca\u200Fsino"), and reports runs, not
// where each character came from.
func displayed(text string) (string, []srcSpan, bool) {
	if !hasBidiControl(text) {
		return "", nil, false
	}
	b := newViewBuilder(len(text))
	start := 0
	for i := 0; i <= len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if i < len(text) && !isParagraphSep(r) {
			i += n
			continue
		}
		layoutParagraph(b, text, start, i)
		if i < len(text) {
			b.emit(text[i:i+n], i, i+n)
		}
		i += max(n, 1)
		start = i
	}
	return string(b.buf), b.src, true
}

func hasBidiControl(text string) bool {
	for i := strings.IndexByte(text, 0xE2); i >= 0 && i+2 < len(text); {
		r, _ := utf8.DecodeRuneInString(text[i:])
		if isBidiFormatting(r) {
			return true
		}
		j := strings.IndexByte(text[i+1:], 0xE2)
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// isBidiFormatting reports the explicit formatting characters: LRE, RLE,
// PDF, LRO, RLO, LRI, RLI, FSI and PDI.
func isBidiFormatting(r rune) bool {
	return '\u202A' <= r && r <= '\u202E' || '\u2066' <= r && r <= '\u2069'
}

func isParagraphSep(r rune) bool {
	return r == '\n' || r == '\r' || r == '\u001C' || r == '\u001D' || r == '\u001E' || r == '\u0085' || r == '\u2029'
}

// maxDepth is UAX #9's limit on nested embeddings.
const maxDepth = 125

type dirChar struct {
	r          rune
	start, end int
	level      int8
	class      bidi.Class // resolved: L, R, or a neutral
}

// layoutParagraph appends text[from:to], one paragraph, in display order.
func layoutParagraph(b *viewBuilder, text string, from, to int) {
	type entry struct {
		level    int8
		override bidi.Class // L, R, or ON for none
		isolate  bool
	}
	stack := []entry{{0, bidi.ON, false}}
	var chars []dirChar
	for i := from; i < to; {
		r, n := utf8.DecodeRuneInString(text[i:])
		n = min(n, to-i)
		top := stack[len(stack)-1]
		push := func(rtl, override, isolate bool) {
			next := top.level + 1
			if rtl == (next%2 == 0) {
				next++
			}
			e := entry{next, bidi.ON, isolate}
			if override {
				e.override = bidi.L
				if rtl {
					e.override = bidi.R
				}
			}
			if next <= maxDepth {
				stack = append(stack, e)
			}
		}
		switch r {
		case '\u202A', '\u202B', '\u202D', '\u202E': // LRE, RLE, LRO, RLO
			push(r == '\u202B' || r == '\u202E', r >= '\u202D', false)
		case '\u2066', '\u2067', '\u2068': // LRI, RLI, FSI
			push(r == '\u2067' || r == '\u2068' && firstStrongRTL(text[i+n:to]), false, true)
		case '\u202C': // PDF
			if len(stack) > 1 && !top.isolate {
				stack = stack[:len(stack)-1]
			}
		case '\u2069': // PDI
			for k := len(stack) - 1; k > 0; k-- {
				if stack[k].isolate {
					stack = stack[:k]
					break
				}
			}
		default:
			c := dirChar{r: r, start: i, end: i + n, level: top.level, class: top.override}
			if c.class == bidi.ON {
				c.class = strongClass(r)
			}
			chars = append(chars, c)
		}
		i += n
	}
	resolveImplicit(chars)
	reorder(chars)
	for _, c := range chars {
		b.emit(text[c.start:c.end], c.start, c.end)
	}
}

// firstStrongRTL reports whether the first strong letter of s is right to
// left, for FSI.
func firstStrongRTL(s string) bool {
	for _, r := range s {
		if r == '\u2069' {
			break
		}
		switch strongClass(r) {
		case bidi.L:
			return false
		case bidi.R:
			return true
		}
	}
	return false
}

// strongClass returns L or R for strong letters, EN for digits (weak, but
// they order as a unit) and ON for everything else.
func strongClass(r rune) bidi.Class {
	if r < 0x80 {
		switch {
		case 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z':
			return bidi.L
		case '0' <= r && r <= '9':
			return bidi.EN
		}
		return bidi.ON
	}
	p, _ := bidi.LookupRune(r)
	switch p.Class() {
	case bidi.L:
		return bidi.L
	case bidi.R, bidi.AL:
		return bidi.R
	case bidi.EN, bidi.AN:
		return bidi.EN
	}
	return bidi.ON
}

// resolveImplicit gives every character its final level: digits after a
// left-to-right letter act as one (W7), neutrals between two characters of
// one direction take it and others their embedding's (N1, N2), and
// letters and digits against their embedding's direction go one or two
// levels up (I1, I2). Overridden characters come with their class forced.
func resolveImplicit(chars []dirChar) {
	embedding := func(l int8) bidi.Class {
		if l%2 == 1 {
			return bidi.R
		}
		return bidi.L
	}
	// W7, within each run of one level.
	for i := 0; i < len(chars); {
		j := i
		strong := embedding(chars[i].level)
		for ; j < len(chars) && chars[j].level == chars[i].level; j++ {
			switch chars[j].class {
			case bidi.L, bidi.R:
				strong = chars[j].class
			case bidi.EN:
				if strong == bidi.L {
					chars[j].class = bidi.L
				}
			}
		}
		i = j
	}
	// N1 and N2: digits count as right to left here.
	dir := func(c bidi.Class) bidi.Class {
		if c == bidi.EN {
			return bidi.R
		}
		return c
	}
	for i := 0; i < len(chars); {
		if chars[i].class != bidi.ON {
			i++
			continue
		}
		j := i
		for j < len(chars) && chars[j].class == bidi.ON && chars[j].level == chars[i].level {
			j++
		}
		lvl := chars[i].level
		before, after := embedding(lvl), embedding(lvl)
		if i > 0 && chars[i-1].level == lvl {
			before = dir(chars[i-1].class)
		}
		if j < len(chars) && chars[j].level == lvl {
			after = dir(chars[j].class)
		}
		c := embedding(lvl)
		if before == after {
			c = before
		}
		for k := i; k < j; k++ {
			chars[k].class = c
		}
		i = j
	}
	for i := range chars {
		c := &chars[i]
		switch {
		case c.level%2 == 0 && c.class == bidi.R:
			c.level++
		case c.level%2 == 0 && c.class == bidi.EN:
			c.level += 2
		case c.level%2 == 1 && (c.class == bidi.L || c.class == bidi.EN):
			c.level++
		}
	}
}

// reorder applies L2: from the highest level down to the lowest odd one,
// every run at that level or higher is reversed.
func reorder(chars []dirChar) {
	var hi, lo int8 = 0, maxDepth + 2
	for _, c := range chars {
		hi = max(hi, c.level)
		if c.level%2 == 1 {
			lo = min(lo, c.level)
		}
	}
	for l := hi; l >= lo && l > 0; l-- {
		for i := 0; i < len(chars); {
			if chars[i].level < l {
				i++
				continue
			}
			j := i
			for j < len(chars) && chars[j].level >= l {
				j++
			}
			for a, z := i, j-1; a < z; a, z = a+1, z-1 {
				chars[a], chars[z] = chars[z], chars[a]
			}
			i = j
		}
	}
}
