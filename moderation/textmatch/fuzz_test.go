package textmatch

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

// invisibles holds one character of each kind that keys drop as invisible:
// default ignorables, bidi controls, joiners, controls, separators that
// render as nothing, blanks and kashidas.
var invisibles = []rune{
	'\u200B', '\u200C', '\u200D', '\u2060', '\u00AD', '\uFEFF', '\u200E', '\u200F', '\u202A', '\u202E',
	'\u2066', '\u2069', '\u061C', '\uFE0F', 0xE0100, 0xE0041, '\u034F', '\u180E', '\u2063', '\u3164',
	'\u115F', '\uFFA0', '\x00', '\x07', '\x1B', '\r', '\v', '\f', '\x7F', '\u0080', '\u0085', '\u009F',
	'\u2028', '\u2029', '\u2800', '\uFFFC', '\u0640', '\u07FA',
}

// FuzzNormalize checks the invariants of keys (see checkKey) and that a run
// of invisible characters between two letters of a word — or a letter and
// the marks before it — leaves the key as it is: at picks the place, run
// the characters.
func FuzzNormalize(f *testing.F) {
	for i, s := range []string{
		"", "саsinо", "ｃａｓｉｎｏ", "c\u200Basino", "c.a.s.i.n.o", "C A S I N O", "क्\u200Dष", "क़्\u200Dष",
		"v1@gr@ 2024", "a b c.d.e", "x y.z.w", "a\xffb", "e\u0301\u0323", "가각", "ﷺ", "İstanbul ß",
		"सट्टा मटका", "casino", "🅒🅐🅢🅘🅝🅞 🇨🇦🇸🇮🇳🇴 ᴄᴀꜱɪɴᴏ", "a b", "c a s", commentHinglish,
	} {
		run := []byte{byte(i), byte(i * 7), byte(i * 13)}
		f.Add(s, false, uint8(i), run)
		f.Add(s, true, uint8(i), run)
	}
	f.Fuzz(func(t *testing.T, s string, leet bool, at uint8, run []byte) {
		o := Options{Leet: leet}
		k := checkKey(t, s, o)
		var places []int
		prev := rune(-1)
		for i, r := range s {
			if unicode.IsLetter(r) && (unicode.IsLetter(prev) || unicode.IsMark(prev)) {
				places = append(places, i)
			}
			prev = r
		}
		if len(places) == 0 || len(run) == 0 {
			return
		}
		var ins strings.Builder
		for _, c := range run[:min(len(run), 16)] {
			ins.WriteRune(invisibles[int(c)%len(invisibles)])
		}
		p := places[int(at)%len(places)]
		with := s[:p] + ins.String() + s[p:]
		if got := checkKey(t, with, o).String(); got != k.String() {
			t.Fatalf("%+q with %+q inserted at %d: key %+q, without %+q", s, ins.String(), p, got, k.String())
		}
	})
}

func FuzzMatch(f *testing.F) {
	f.Add("Play at c.a.s.i.n.o now", "casino\nwork from home", false)
	f.Add("bitcoin casinos", "*coin\ncasino*", false)
	f.Add("आज सट्टा खेलो सट्टेबाज़ी", "सट्टा\nमत", false)
	f.Add("cheap v1@gr@", "viagra\nv 1 a", true)
	f.Add("a a a b", "a a\na\n*a*", false)
	f.Fuzz(func(t *testing.T, text, termList string, leet bool) {
		o := Options{Leet: leet}
		terms := strings.Split(termList, "\n")
		m, err := Compile(terms, o)
		if err != nil {
			return
		}
		k := Normalize(text, o)
		got := m.AppendMatches(nil, k)
		for _, g := range got {
			if g.Term < 0 || g.Term >= len(terms) || g.Start < 0 || g.Start >= g.End || g.End > k.Len() {
				t.Fatalf("bad match %+v in key of length %d", g, k.Len())
			}
			if a, b := k.Source(g.Start, g.End); a < 0 || a >= b || b > len(text) {
				t.Fatalf("match %+v maps to source %d,%d of %d bytes", g, a, b, len(text))
			}
		}
		if want := naiveMatch(terms, k); !slices.Equal(got, want) {
			t.Fatalf("terms %q, key %q:\n got  %v\n want %v", terms, k, got, want)
		}
	})
}
