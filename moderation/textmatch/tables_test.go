package textmatch

import (
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/commentd/commentd/moderation/textmatch/internal/derive"
)

// TestTablesMatchUpstream checks every code point of the generated tables
// against the derivation from golang.org/x/text and the confusables module
// in go.mod. When it fails after a module upgrade, run go generate.
func TestTablesMatchUpstream(t *testing.T) {
	step := rune(1)
	if testing.Short() {
		step = 97 // a spread sample
	}
	bad := 0
	for r := rune(0); r <= unicode.MaxRune && bad < 20; r += step {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		var got string
		if r >= hangulBase && r < hangulEnd {
			got = Normalize(string(r), Options{}).String()
		} else if e := lookup(r); e&mappedFlag != 0 {
			got = expansion(e)
		} else {
			want, err := derive.Of(r)
			if err != nil {
				t.Fatal(err)
			}
			if want.Mapped || want.Class != derive.Class(entryClass(e)) || want.CCC != entryCCC(e) {
				t.Errorf("%U: table has class %d ccc %d, upstream gives %+v", r, entryClass(e), entryCCC(e), want)
				bad++
			}
			continue
		}
		want, err := derive.Key(r)
		if err != nil {
			t.Fatal(err)
		}
		if r >= hangulBase && r < hangulEnd {
			// Normalize also drops the ends' white space; jamo have none.
			if got != want {
				t.Errorf("%U: Normalize gives %+q, upstream %+q", r, got, want)
				bad++
			}
			continue
		}
		if got != want {
			t.Errorf("%U: table maps to %+q, upstream to %+q", r, got, want)
			bad++
		}
	}
}

// TestTableClosure checks what keeps keys idempotent: every code point an
// expansion produces stands for itself, and digits have a value.
func TestTableClosure(t *testing.T) {
	for i := range len(expansionOffsets) - 1 {
		x := expansionData[expansionOffsets[i]:expansionOffsets[i+1]]
		for _, r := range x {
			if lookup(r)&mappedFlag != 0 {
				t.Errorf("expansion %+q holds %U, which maps on", x, r)
			}
		}
	}
	if entryIgnorable != lookup(0x200B) || expansion(entryIgnorable) != "" {
		t.Errorf("entryIgnorable is wrong")
	}
}

func TestAboveTableLimit(t *testing.T) {
	for _, r := range []rune{0x40000, 0xE0001, 0xE0041, 0xE0100, 0xE01EF, 0xF0000, 0x10FFFD, unicode.MaxRune} {
		want, err := derive.Key(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := Normalize("a"+string(r)+"b", Options{}).String(); got != "a"+want+"b" {
			t.Errorf("%U: got %+q, want %+q", r, got, "a"+want+"b")
		}
	}
	if !utf8.ValidRune(unicode.MaxRune) {
		t.Fatal("MaxRune")
	}
}
