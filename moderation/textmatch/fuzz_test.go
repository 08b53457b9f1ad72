package textmatch

import (
	"slices"
	"strings"
	"testing"
)

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"", "саsinо", "ｃａｓｉｎｏ", "c\u200Basino", "c.a.s.i.n.o", "C A S I N O", "क्\u200Dष", "क़्\u200Dष",
		"v1@gr@ 2024", "a b c.d.e", "x y.z.w", "a\xffb", "e\u0301\u0323", "가각", "ﷺ", "İstanbul ß",
		commentHinglish,
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, leet bool) {
		checkKey(t, s, Options{Leet: leet})
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
