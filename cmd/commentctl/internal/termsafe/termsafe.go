// Package termsafe makes text written by strangers safe to print on a
// moderator's terminal.
//
// A comment may hold escape sequences that clear the screen, move the
// cursor, retitle the window or fake a prompt, and bidirectional controls
// that make "gnp.exe" read as "exe.png" or reorder a line. Every such
// character is shown as a visible escape instead — `\x1b`, `\u202e` —
// so the moderator sees exactly what was sent and nothing can act on the
// terminal:
//
//   - C0 controls (U+0000–U+001F), DEL and C1 controls (U+0080–U+009F);
//   - bidi controls: U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069;
//   - the line and paragraph separators U+2028 and U+2029;
//   - other invisible format characters (Unicode category Cf, such as
//     U+200B ZERO WIDTH SPACE and U+FEFF), which hide text tricks —
//     except ZWJ and ZWNJ, which Hindi and emoji need, and the emoji tag
//     characters;
//   - bytes that are not UTF-8, as `\xff`.
package termsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// NewlineMark stands for a line break in one-line output.
const NewlineMark = "⏎"

// Line returns s for one line of output, such as a table cell: line
// breaks become ⏎ (CR LF counts as one), tabs `\t`, and every unsafe
// character a visible escape.
func Line(s string) string { return escape(s, false) }

// Text returns s for a block of output, such as a comment body shown in
// full: line breaks and tabs stay, CR and every other unsafe character
// become visible escapes.
func Text(s string) string { return escape(s, true) }

// Unsafe reports whether r is escaped by Line and Text (line breaks and
// tabs aside).
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, 0x80 <= r && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f,
		0x202a <= r && r <= 0x202e, 0x2066 <= r && r <= 0x2069,
		r == 0x2028, r == 0x2029:
		return true
	case r == 0x200c, r == 0x200d, 0xe0020 <= r && r <= 0xe007f:
		return false // ZWNJ, ZWJ, emoji tags
	}
	return r > 0xff && unicode.Is(unicode.Cf, r) || r == 0xad
}

func escape(s string, block bool) string {
	if isSafe(s, block) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' && block, r == '\t' && block:
			b.WriteRune(r)
		case r == '\r' && !block && strings.HasPrefix(s[i+1:], "\n"):
			b.WriteString(NewlineMark)
			size++
		case r == '\n':
			b.WriteString(NewlineMark)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80 && Unsafe(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case Unsafe(r) && r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		case Unsafe(r):
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isSafe reports whether escape would return s unchanged.
func isSafe(s string, block bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || Unsafe(r) && !(block && (r == '\n' || r == '\t')) {
			return false
		}
		i += size
	}
	return true
}

// JSON makes JSON text safe for a terminal without changing what it
// means: every unsafe character — which valid JSON can only hold inside a
// string — becomes its \uXXXX escape. Encoders already escape C0
// controls in strings; this adds DEL, C1, bidi and the other invisible
// characters. The structural white space of indented JSON stays.
func JSON(b []byte) []byte {
	if isSafe(string(b), true) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == '\n' || r == '\t' || r == '\r' || !Unsafe(r):
			out = append(out, b[i:i+size]...)
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		default:
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += size
	}
	return out
}
