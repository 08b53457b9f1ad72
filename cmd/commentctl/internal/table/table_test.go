package table

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestWidth(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{"Rahul Verma", 11},
		// Consonants and spacing vowel signs take a cell each; the virama
		// (U+094D) and the vowel signs above and below take none, as in
		// glibc's wcwidth, tmux and the common terminals.
		{"प्रिया शर्मा", 10},
		{"क्षत्रिय", 6},
		{"नमस्ते", 4},
		{"e\u0301", 1},   // e + combining acute
		{"日本語", 6},       // East Asian wide
		{"👍🏽", 2},        // emoji with a skin tone
		{"🇮🇳", 2},        // a flag
		{"क्\u200dष", 2}, // ZWJ takes no cell
	} {
		if got := Width(tc.s); got != tc.want {
			t.Errorf("Width(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		s    string
		w    int
		want string
	}{
		{"hello world", 20, "hello world"},
		{"hello world", 6, "hello…"},
		{"hello", 1, "…"},
		{"hello", 0, ""},
		{"日本語テキスト", 5, "日本…"},
		{"e\u0301e\u0301e\u0301e\u0301", 3, "e\u0301e\u0301…"},
		{"👍🏽👍🏽👍🏽", 4, "👍🏽…"},
		// Never between a virama and the consonant it joins: "प्" alone
		// would show a dangling virama.
		{"प्रिया शर्मा", 2, "…"},
		{"प्रिया शर्मा", 3, "…"},
		{"प्रिया शर्मा", 4, "प्रि…"},
		{"प्रिया शर्मा", 6, "प्रिया…"},
		{"स्त्री रोग", 5, "स्त्री…"},
		{"स्त्री रोग", 4, "…"},
	} {
		got := Truncate(tc.s, tc.w)
		if got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.s, tc.w, got, tc.want)
		}
		if Width(got) > tc.w {
			t.Errorf("Truncate(%q, %d) = %q is %d cells wide", tc.s, tc.w, got, Width(got))
		}
	}
}

// starts returns the display cell at which each of cells starts in line,
// searching for them in order: where a terminal would draw them.
func starts(t *testing.T, line string, cells ...string) []int {
	t.Helper()
	var out []int
	from := 0
	for _, c := range cells {
		i := strings.Index(line[from:], c)
		if i < 0 {
			t.Fatalf("%q not found in %q", c, line[from:])
		}
		out = append(out, Width(line[:from+i]))
		from += i + len(c)
	}
	return out
}

func TestAlignsDevanagariWithASCII(t *testing.T) {
	tb := New(
		Column{Header: "ID", Min: 36},
		Column{Header: "AUTHOR", Max: 20},
		Column{Header: "AGE", Align: Right},
		Column{Header: "BODY", Flex: true},
	)
	// The cells as they should show; the third body goes in raw.
	rows := [][]string{
		{"01a21a73-93ba-7eca-85ba-0ef079be6234", "प्रिया शर्मा", "5m", "बहुत अच्छा विश्लेषण।"},
		{"01a21a73-7807-7785-ab1d-5024ed3eeb71", "Rahul Verma", "13h", "Sahi baat hai"},
		{"01a21a73-7807-7785-ab1d-5024ed3eeb72", "日本語の名前", "2d", `\x1b[2J\u202egnp.exe`},
	}
	tb.Row(rows[0]...)
	tb.Row(rows[1]...)
	tb.Row(rows[2][0], rows[2][1], rows[2][2], "\x1b[2J\u202Egnp.exe")
	var buf bytes.Buffer
	if err := tb.Write(&buf, 0); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.ContainsAny(out, "\x1b\u202e") {
		t.Fatalf("cells are not escaped:\n%s", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines:\n%s", len(lines), out)
	}
	// ID is 36 cells, AUTHOR as wide as 日本語の名前 (12 cells), AGE 3
	// cells with its cells on the right, and two spaces between columns.
	if got, want := starts(t, lines[0], "ID", "AUTHOR", "AGE", "BODY"), []int{0, 38, 52, 57}; !slices.Equal(got, want) {
		t.Errorf("header columns start at %v, want %v\n%s", got, want, out)
	}
	for i, r := range rows {
		got := starts(t, lines[i+1], r...)
		ageStart := 55 - Width(r[2])
		if want := []int{0, 38, ageStart, 57}; !slices.Equal(got, want) {
			t.Errorf("row %d columns start at %v, want %v\n%s", i, got, want, out)
		}
	}
}

func TestFitShrinksFlexColumn(t *testing.T) {
	tb := New(Column{Header: "ID"}, Column{Header: "BODY", Flex: true})
	tb.Row("abc", strings.Repeat("x", 100))
	w := tb.Widths(40)
	if w[0] != 3 || w[1] != 40-3-len(Gap) {
		t.Errorf("Widths(40) = %v", w)
	}
	var buf bytes.Buffer
	tb.Write(&buf, 40)
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if Width(line) > 40 {
			t.Errorf("line wider than 40: %q", line)
		}
	}
	if !strings.HasSuffix(buf.String(), "…\n") {
		t.Errorf("body not truncated with …:\n%s", buf.String())
	}
	// Never truncated: a column without Max or Flex.
	tb = New(Column{Header: "ID"}, Column{Header: "BODY", Flex: true})
	id := strings.Repeat("i", 60)
	tb.Row(id, "body")
	buf.Reset()
	tb.Write(&buf, 40)
	if !strings.Contains(buf.String(), id) {
		t.Errorf("ID was truncated:\n%s", buf.String())
	}
}
