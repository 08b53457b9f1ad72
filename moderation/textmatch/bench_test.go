package textmatch

import (
	"fmt"
	"testing"
)

var benchComments = []struct{ name, text string }{
	{"English", commentEnglish},
	{"Hindi", commentHindi},
	{"Hinglish", commentHinglish},
}

// BenchmarkNormalize is the baseline: building the key of a 1 KB comment.
func BenchmarkNormalize(b *testing.B) {
	for _, c := range benchComments {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.text)))
			for b.Loop() {
				Normalize(c.text, Options{})
			}
		})
	}
}

func BenchmarkNormalizeLeet(b *testing.B) {
	for _, c := range benchComments {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.text)))
			for b.Loop() {
				Normalize(c.text, Options{Leet: true})
			}
		})
	}
}

// BenchmarkMatch runs a compiled list over a prepared key.
func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		m, err := Compile(genTerms(n), Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range benchComments {
			k := Normalize(c.text, Options{})
			b.Run(fmt.Sprintf("terms=%d/%s", n, c.name), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(c.text)))
				hits := 0
				for b.Loop() {
					m.Match(k, func(int, int, int) bool { hits++; return true })
				}
				b.ReportMetric(float64(hits)/float64(b.N), "matches/op")
			})
		}
	}
}

// BenchmarkNormalizeMatch is the whole cost per field: key, then one list.
func BenchmarkNormalizeMatch(b *testing.B) {
	for _, n := range []int{10, 10000} {
		m, err := Compile(genTerms(n), Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range benchComments {
			b.Run(fmt.Sprintf("terms=%d/%s", n, c.name), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(c.text)))
				for b.Loop() {
					m.Match(Normalize(c.text, Options{}), func(int, int, int) bool { return true })
				}
			})
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		terms := genTerms(n)
		b.Run(fmt.Sprintf("terms=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compile(terms, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
