package textmatch

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// found is a match as the tests compare it: the term and the source text.
type found struct {
	term int
	src  string
}

func findAll(t *testing.T, m *Matcher, text string) []found {
	t.Helper()
	k := Normalize(text, m.Options())
	var got []found
	m.Match(k, func(term, start, end int) bool {
		a, b := k.Source(start, end)
		got = append(got, found{term, text[a:b]})
		return true
	})
	return got
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name  string
		terms []string
		text  string
		want  []found
		leet  bool
	}{
		{"confusables", []string{"casino"}, "саsinо", []found{{0, "саsinо"}}, false},
		{"full width", []string{"casino"}, "ＣＡＳＩＮＯ", []found{{0, "ＣＡＳＩＮＯ"}}, false},
		{"zero width space", []string{"casino"}, "c\u200Basino", []found{{0, "c\u200Basino"}}, false},
		{"dotted", []string{"casino"}, "Play at c.a.s.i.n.o now", []found{{0, "c.a.s.i.n.o"}}, false},
		{"spaced capitals", []string{"casino"}, "C A S I N O", []found{{0, "C A S I N O"}}, false},
		{"spaced dots", []string{"casino"}, "c . a . s . i . n . o", []found{{0, "c . a . s . i . n . o"}}, false},
		{"term normalised too", []string{"ＣＡＳＩＮＯ"}, "best casino!", []found{{0, "casino"}}, false},
		{"whole words", []string{"casino"}, "casinos casinoroyale online-casino", []found{{0, "casino"}}, false},
		{"trailing wildcard", []string{"casino*"}, "casinos, casino", []found{{0, "casinos"}, {0, "casino"}}, false},
		{"leading wildcard", []string{"*coin"}, "bitcoin coin coins", []found{{0, "bitcoin"}, {0, "coin"}}, false},
		{"both wildcards", []string{"*coin*"}, "bitcoins", []found{{0, "bitcoins"}}, false},
		{"phrase over white space", []string{"work from home"}, "I work  from\nhome!", []found{{0, "work  from\nhome"}}, false},
		{"phrase over punctuation", []string{"work from home"}, "work-from-home", []found{{0, "work-from-home"}}, false},
		{"phrase needs all words", []string{"work from home"}, "work from homes", nil, false},
		{"overlapping terms", []string{"work from home", "from", "home"}, "work from home",
			[]found{{1, "from"}, {0, "work from home"}, {2, "home"}}, false},
		{"equal patterns", []string{"Casino", "casino", "CASINO"}, "casino", []found{{0, "casino"}, {1, "casino"}, {2, "casino"}}, false},
		{"repeated", []string{"spam"}, "spam spam, SPAM", []found{{0, "spam"}, {0, "spam"}, {0, "SPAM"}}, false},
		{"self overlap", []string{"a a"}, "a a a", nil, false}, // "a a a" is a run of single letters: "aaa"
		{"self overlap words", []string{"ha ha"}, "ha ha ha", []found{{0, "ha ha"}, {0, "ha ha"}}, false},
		{"hinglish", []string{"satta matka", "paisa double"}, "SATTA-matka khelo, paisa double karo",
			[]found{{0, "SATTA-matka"}, {1, "paisa double"}}, false},
		{"hinglish dotted", []string{"satta matka"}, "s.a.t.t.a m.a.t.k.a", []found{{0, "s.a.t.t.a m.a.t.k.a"}}, false},
		{"zwj kept", []string{"क्\u200Dष"}, "यह क्\u200Dष है", []found{{0, "क्\u200Dष"}}, false},
		{"zwj term, plain text", []string{"क्\u200Dष"}, "यह क्ष है", []found{{0, "क्ष"}}, false}, // joiners are folded
		{"devanagari word", []string{"सट्टा"}, "आज सट्टा खेलो", []found{{0, "सट्टा"}}, false},
		{"devanagari no matra break", []string{"सट्टा"}, "सट्टेबाज़ी और सट्टाबाज़ार", nil, false},
		{"devanagari no prefix", []string{"मत"}, "मतदान करें, मत भूलें", []found{{0, "मत"}}, false},
		{"devanagari no virama break", []string{"सट्ट"}, "सट्टा", nil, false},
		{"devanagari wildcard", []string{"सट्टे*"}, "सट्टेबाज़ी", []found{{0, "सट्टेबाज़ी"}}, false},
		{"devanagari nukta forms", []string{"\u095Bिंदगी"}, "ज\u093Cिंदगी", []found{{0, "ज\u093Cिंदगी"}}, false},
		{"danda ends a word", []string{"खेलो"}, "आज खेलो। कल नहीं॥", []found{{0, "खेलो"}}, false},
		{"mixed script", []string{"सट्टा किंग"}, "best सट्टा  किंग number", []found{{0, "सट्टा  किंग"}}, false},
		{"leet", []string{"viagra"}, "cheap v1@gr@ here", []found{{0, "v1@gr@"}}, true},
		{"leet term", []string{"v1agra"}, "buy viagra", []found{{0, "viagra"}}, true},
		{"leet keeps numbers", []string{"2024"}, "in 2024 and 2o24", []found{{0, "2024"}}, true},
		{"no leet without option", []string{"viagra"}, "v1agra", nil, false},
		{"digits are words", []string{"365"}, "bet365 and 365", []found{{0, "365"}}, false},
		{"accents are folded", []string{"casino"}, "casinó", []found{{0, "casinó"}}, false},
		{"a kept mark is a word character", []string{"casino"}, "casino\u0651", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Compile(tt.terms, Options{Leet: tt.leet})
			if err != nil {
				t.Fatal(err)
			}
			if got := findAll(t, m, tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("in %q:\n got  %+v\n want %+v", tt.text, got, tt.want)
			}
		})
	}
}

// TestHindiNewsNoSpam: an ordinary Hindi news sentence raises nothing
// against a list of English and Hinglish spam terms (nor Hindi ones it
// does not contain).
func TestHindiNewsNoSpam(t *testing.T) {
	sentences := []string{
		"संसद के बजट सत्र के पहले दिन वित्त मंत्री ने कहा कि सरकार राजकोषीय घाटे को चार दशमलव पाँच प्रतिशत तक लाने के लिए प्रतिबद्ध है, जबकि विपक्ष ने महंगाई और बेरोज़गारी पर चर्चा की माँग की।",
		commentHindi,
	}
	for _, leet := range []bool{false, true} {
		m, err := Compile(spamTerms, Options{Leet: leet})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sentences {
			if got := findAll(t, m, s); len(got) > 0 {
				t.Errorf("leet=%v: %q matched %+v", leet, s, got)
			}
		}
	}
	// The spam comments do match.
	m, _ := Compile(spamTerms, Options{})
	if got := findAll(t, m, commentHinglish); len(got) < 4 {
		t.Errorf("Hinglish spam found only %+v", got)
	}
}

func TestCompileErrors(t *testing.T) {
	terms := []string{"ok", "", "crypto*scam", "*", "...", "casino *", "* casino", strings.Repeat("x", MaxTermRunes+1), "**x", "fine*", "   "}
	_, err := Compile(terms, Options{})
	if err == nil {
		t.Fatal("no error")
	}
	var bad []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var te *TermError
		if !errors.As(e, &te) {
			t.Fatalf("%v is not a *TermError", e)
		}
		if terms[te.Index] != te.Term || !strings.Contains(te.Error(), fmt.Sprintf("term %d ", te.Index)) {
			t.Errorf("error %q does not name term %d", te, te.Index)
		}
		bad = append(bad, te.Index)
	}
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 10}; !slices.Equal(bad, want) {
		t.Errorf("bad terms %v, want %v", bad, want)
	}
	if _, err := Compile([]string{strings.Repeat("ख", MaxTermRunes)}, Options{}); err != nil {
		t.Errorf("a term of exactly %d runes: %v", MaxTermRunes, err)
	}
}

func TestMatchEdges(t *testing.T) {
	var nilM *Matcher
	nilM.Match(Normalize("x", Options{}), func(int, int, int) bool { t.Fatal("nil matcher matched"); return true })
	if nilM.Len() != 0 || nilM.Options() != (Options{}) {
		t.Error("nil matcher accessors")
	}
	m, err := Compile(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m.Match(Normalize("x", Options{}), func(int, int, int) bool { t.Fatal("empty matcher matched"); return true })

	m, _ = Compile([]string{"a1", "b2"}, Options{})
	if m.Len() != 2 {
		t.Errorf("Len = %d", m.Len())
	}
	// Early stop.
	n := 0
	m.Match(Normalize("a1 b2 a1", Options{}), func(int, int, int) bool { n++; return false })
	if n != 1 {
		t.Errorf("emit called %d times after returning false", n)
	}
	// A key built with other options matches nothing.
	m.Match(Normalize("a1", Options{Leet: true}), func(int, int, int) bool { t.Error("matched a key with other options"); return true })
	// AppendMatches.
	if got := m.AppendMatches(nil, Normalize("b2 a1", Options{})); !slices.Equal(got, []MatchSpan{{1, 0, 2}, {0, 3, 5}}) {
		t.Errorf("AppendMatches = %v", got)
	}
	// The zero Key.
	m.Match(Key{}, func(int, int, int) bool { t.Error("zero key matched"); return true })
}

// naiveMatch is the specification Match is checked against: per term, a
// plain substring search in the word/boundary stream of the key, with no
// shared code beyond Normalize.
func naiveMatch(terms []string, k Key) []MatchSpan {
	text := k.String()
	isWord := func(r rune) bool {
		return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r) || r == '\u200C' || r == '\u200D'
	}
	// The stream and, for each of its bytes, the key position it stands for.
	stream := []byte{' '}
	pos := []int{0}
	gap := true
	for i, r := range text {
		if isWord(r) {
			for j := range utf8.RuneLen(r) {
				stream = append(stream, text[i+j])
				pos = append(pos, i+j)
			}
			gap = false
		} else if !gap {
			stream = append(stream, ' ')
			pos = append(pos, i)
			gap = true
		}
	}
	if !gap {
		stream = append(stream, ' ')
		pos = append(pos, len(text))
	}
	wordStart := func(i int) int {
		for i > 0 {
			r, n := utf8.DecodeLastRuneInString(text[:i])
			if !isWord(r) {
				break
			}
			i -= n
		}
		return i
	}
	wordEnd := func(i int) int {
		for i < len(text) {
			r, n := utf8.DecodeRuneInString(text[i:])
			if !isWord(r) {
				break
			}
			i += n
		}
		return i
	}
	type hit struct {
		MatchSpan
		streamEnd, patLen int
	}
	var hits []hit
	for ti, term := range terms {
		term = strings.TrimFunc(term, unicode.IsSpace)
		body, wl := strings.CutPrefix(term, "*")
		body, wr := strings.CutSuffix(body, "*")
		words := strings.FieldsFunc(Normalize(body, k.Options()).String(), func(r rune) bool { return !isWord(r) })
		pat := strings.Join(words, " ")
		if !wl {
			pat = " " + pat
		}
		if !wr {
			pat += " "
		}
		for i := 0; i+len(pat) <= len(stream); i++ {
			if string(stream[i:i+len(pat)]) != pat {
				continue
			}
			bs, be := i, i+len(pat) // body in the stream
			if !wl {
				bs++
			}
			if !wr {
				be--
			}
			start, end := pos[bs], pos[be-1]+1
			if wl {
				start = wordStart(start)
			}
			if wr {
				end = wordEnd(end)
			}
			hits = append(hits, hit{MatchSpan{ti, start, end}, i + len(pat), len(pat)})
		}
	}
	// Match's documented order.
	slices.SortStableFunc(hits, func(a, b hit) int {
		if a.streamEnd != b.streamEnd {
			return a.streamEnd - b.streamEnd
		}
		if a.patLen != b.patLen {
			return b.patLen - a.patLen
		}
		return a.Term - b.Term
	})
	out := make([]MatchSpan, len(hits))
	for i, h := range hits {
		out[i] = h.MatchSpan
	}
	return out
}

// randomText draws from fragments that exercise the key: short words that
// terms share, separators, Devanagari with matras and viramas, joiners,
// confusables, upper case and full width.
var textFragments = []string{
	"a", "b", "ab", "ba", "abc", "c", "x", "a", "b", " ", " ", " ", "  ", ".", "-", "\n", "!", ",", "*", "@", "$",
	"1", "0", "3", "A", "B", "ａ", "а", "ß", "ss", "क", "ख", "्", "ा", "ि", "क्", "\u200D", "\u200B", "।", "é", "e\u0301",
}

func randomText(rng *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		if rng.IntN(2) == 0 {
			// A word a term may hold, then a separator: matches are common.
			b.WriteString(termFragments[rng.IntN(len(termFragments))])
			b.WriteString([]string{" ", " ", "-", ". ", "\n"}[rng.IntN(5)])
			continue
		}
		b.WriteString(textFragments[rng.IntN(len(textFragments))])
	}
	return b.String()
}

var termFragments = []string{"a", "b", "ab", "ba", "abc", "c", "x", "क", "का", "क्ख", "ss", "ß", "1", "ab1"}

func randomTerms(rng *rand.Rand) []string {
	terms := make([]string, 1+rng.IntN(8))
	for i := range terms {
		var words []string
		for range 1 + rng.IntN(3) {
			words = append(words, termFragments[rng.IntN(len(termFragments))])
		}
		t := strings.Join(words, []string{" ", "-", "  "}[rng.IntN(3)])
		switch rng.IntN(6) {
		case 0:
			t = "*" + t
		case 1:
			t += "*"
		case 2:
			t = "*" + t + "*"
		}
		terms[i] = t
	}
	return terms
}

// TestMatchAgainstNaive is the property test: Aho–Corasick finds exactly
// what a per-term search finds, in the documented order.
func TestMatchAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	iters := 20000
	if testing.Short() {
		iters = 2000
	}
	total, compiled := 0, 0
	defer func() {
		// Guard the test itself: it must see plenty of matches.
		t.Logf("%d lists, %d matches", compiled, total)
		if compiled < iters/2 || total < iters {
			t.Errorf("only %d lists compiled and %d matches in %d iterations", compiled, total, iters)
		}
	}()
	for it := range iters {
		terms := randomTerms(rng)
		o := Options{Leet: it%3 == 0}
		m, err := Compile(terms, o)
		if err != nil {
			continue // a term that normalises to nothing, e.g. "*-*"
		}
		k := Normalize(randomText(rng, rng.IntN(60)), o)
		got := m.AppendMatches(nil, k)
		want := naiveMatch(terms, k)
		if !slices.Equal(got, want) {
			t.Fatalf("terms %q, key %q:\n got  %v\n want %v", terms, k, got, want)
		}
		compiled++
		total += len(got)
	}
}

// TestMatchLargeList: the automaton built from thousands of terms agrees
// with the naive search on the benchmark comments.
func TestMatchLargeList(t *testing.T) {
	terms := genTerms(3000)
	m, err := Compile(terms, Options{})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range []string{commentEnglish, commentHindi, commentHinglish, commentHinglish + " " + strings.Join(terms[100:400], ", ")} {
		k := Normalize(c, Options{})
		got := m.AppendMatches(nil, k)
		if want := naiveMatch(terms, k); !slices.Equal(got, want) {
			t.Fatalf("%.30q: got %d matches, want %d", c, len(got), len(want))
		}
		total += len(got)
	}
	if total < 300 {
		t.Errorf("only %d matches", total)
	}
}
