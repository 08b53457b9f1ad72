package termsafe

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"hello", "hello"},
		{"प्रिया शर्मा", "प्रिया शर्मा"},
		{"\x1b[2J", `\x1b[2J`},
		{"\u202Egnp.exe", `\u202egnp.exe`},
		{"\x1b]0;pwned\x07title", `\x1b]0;pwned\x07title`},
		{"a\nb\r\nc\rd", "a⏎b⏎c\\rd"},
		{"tab\there", `tab\there`},
		{"del\x7f c1\u009b[31m", `del\x7f c1\u009b[31m`},
		{"\u2066iso\u2069 \u200e\u200f\u061c", `\u2066iso\u2069 \u200e\u200f\u061c`},
		{"zero\u200bwidth\ufeff", `zero\u200bwidth\ufeff`},
		{"line\u2028sep", `line\u2028sep`},
		{"bad \xff byte", `bad \xff byte`},
		// ZWJ and ZWNJ stay: Hindi half forms and emoji need them.
		{"क्\u200dष \u200c 👩\u200d💻", "क्\u200dष \u200c 👩\u200d💻"},
	} {
		if got := Line(tc.in); got != tc.want {
			t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestText(t *testing.T) {
	in := "first line\n\tindented\r\x1b[2Jthird \u202Eevil"
	want := "first line\n\tindented\\r\\x1b[2Jthird \\u202eevil"
	if got := Text(in); got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}

// TestNothingUnsafeSurvives checks every code point in the ranges the
// package promises to escape.
func TestNothingUnsafeSurvives(t *testing.T) {
	var b strings.Builder
	for r := rune(0); r <= 0x10ffff; r++ {
		if Unsafe(r) && utf8.ValidRune(r) {
			b.WriteRune(r)
		}
	}
	all := b.String()
	for _, r := range []rune{0, 0x1b, 0x7f, 0x85, 0x9b, 0x61c, 0x200e, 0x202e, 0x2066, 0x2069, 0x2028} {
		if !strings.ContainsRune(all, r) {
			t.Errorf("U+%04X is not escaped", r)
		}
	}
	for _, out := range []string{Line(all), Text(all)} {
		for _, r := range out {
			if Unsafe(r) && r != '\n' && r != '\t' {
				t.Fatalf("U+%04X survived escaping", r)
			}
		}
	}
}

func TestJSON(t *testing.T) {
	v := map[string]string{"body": "\x1b[2J \u202Egnp.exe \u009b \x7f \U000110BD"}
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	safe := JSON(raw)
	for _, r := range string(safe) {
		if Unsafe(r) && r != '\n' {
			t.Errorf("U+%04X survived in %s", r, safe)
		}
	}
	var back map[string]string
	if err := json.Unmarshal(safe, &back); err != nil {
		t.Fatalf("not JSON any more: %v\n%s", err, safe)
	}
	if back["body"] != v["body"] {
		t.Errorf("JSON changed the value: %q, want %q", back["body"], v["body"])
	}
}
