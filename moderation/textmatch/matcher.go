package textmatch

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxTermRunes is the longest term Compile accepts, in code points.
const MaxTermRunes = 100

// TermError reports a term that Compile refused.
type TermError struct {
	Index  int    // position of the term in the list
	Term   string // the term as given
	Reason string
}

func (e *TermError) Error() string {
	return fmt.Sprintf("textmatch: term %d %q: %s", e.Index, e.Term, e.Reason)
}

// Matcher finds the terms of a word list in keys, in time linear in the
// key and the number of matches, whatever the number of terms. It is
// immutable and safe for concurrent use. The zero Matcher (and a nil one)
// matches nothing.
//
// Matching works on a stream of symbols derived from the key: each code
// point of a word, and one ' ' for each maximal run of non-word characters
// (the stream also starts and ends with one). A term is normalised the same
// way and becomes the pattern " body " — the spaces demand word boundaries
// — or loses the space on the side of a wildcard. So "casino" is
// " casino ", "casino*" is " casino", "*coin" is "coin ", and
// "work from home" matches "work  from\nhome" and "work-from-home" alike.
//
// The patterns go into two Aho–Corasick automata: one for those that start
// at a word boundary (nearly all), which is idle from the moment a word
// leaves every pattern until the next gap, and one for those with a
// leading wildcard, which can start anywhere and so keep an automaton busy
// inside every word; most lists have none.
type Matcher struct {
	opts  Options
	pats  []pattern
	terms []int32 // terms of pattern i: terms[pats[i].termsAt:pats[i+1].termsAt]

	anchored *automaton // patterns starting with ' '
	free     *automaton // patterns with a leading wildcard; nil if none
}

type pattern struct {
	length      int32 // symbols, with the boundary spaces
	bodyLen     int32 // symbols of the term itself
	left, right bool  // a word boundary is demanded on that side
	termsAt     int32 // first index in Matcher.terms
}

// Options returns the options the matcher normalises terms with; keys
// given to Match must be built with the same.
func (m *Matcher) Options() Options {
	if m == nil {
		return Options{}
	}
	return m.opts
}

// Len returns the number of terms.
func (m *Matcher) Len() int {
	if m == nil {
		return 0
	}
	return len(m.terms)
}

// Compile builds a matcher for terms, normalised with o. A term is a word
// or a phrase; a '*' at its start or end (touching a word) matches any
// further word characters there: "casino*" matches "casinos", "*coin"
// matches "bitcoin", "*coin*" any word containing "coin". Words of a phrase
// match across any run of white space and punctuation. Matching is by whole
// words otherwise.
//
// An empty term, a '*' anywhere else, a term of more than MaxTermRunes code
// points and one that normalises to no word characters are errors; Compile
// reports every bad term, each as a *TermError naming its index.
func Compile(terms []string, o Options) (*Matcher, error) {
	m := &Matcher{opts: o}
	var errs []error
	type entry struct {
		text string
		term int32
	}
	entries := make([]entry, 0, len(terms))
	for i, t := range terms {
		p, reason := parseTerm(t, o)
		if reason != "" {
			errs = append(errs, &TermError{Index: i, Term: t, Reason: reason})
			continue
		}
		entries = append(entries, entry{p, int32(i)})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	// Group equal patterns: one automaton output, several terms.
	slices.SortStableFunc(entries, func(a, b entry) int { return strings.Compare(a.text, b.text) })
	var texts [2][]string
	var ids [2][]int32
	for i, e := range entries {
		if i == 0 || e.text != entries[i-1].text {
			left, right := e.text[0] == ' ', e.text[len(e.text)-1] == ' '
			n := int32(utf8.RuneCountInString(e.text))
			body := n
			if left {
				body--
			}
			if right {
				body--
			}
			kind := 0
			if !left {
				kind = 1
			}
			texts[kind] = append(texts[kind], e.text)
			ids[kind] = append(ids[kind], int32(len(m.pats)))
			m.pats = append(m.pats, pattern{length: n, bodyLen: body, left: left, right: right, termsAt: int32(len(m.terms))})
		}
		m.terms = append(m.terms, e.term)
	}
	var err error
	if m.anchored, err = newAutomaton(texts[0], ids[0]); err != nil {
		return nil, err
	}
	if len(texts[1]) > 0 {
		if m.free, err = newAutomaton(texts[1], ids[1]); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// parseTerm returns the pattern of a term, or why there is none.
func parseTerm(t string, o Options) (pat string, reason string) {
	t = strings.TrimFunc(t, unicode.IsSpace)
	if t == "" {
		return "", "empty term"
	}
	if n := utf8.RuneCountInString(t); n > MaxTermRunes {
		return "", fmt.Sprintf("%d code points, more than %d", n, MaxTermRunes)
	}
	body, wildL := strings.CutPrefix(t, "*")
	body, wildR := strings.CutSuffix(body, "*")
	if body == "" {
		return "", "no word besides the wildcard"
	}
	if first, _ := utf8.DecodeRuneInString(body); wildL && unicode.IsSpace(first) {
		return "", "the leading '*' must touch a word"
	}
	if last, _ := utf8.DecodeLastRuneInString(body); wildR && unicode.IsSpace(last) {
		return "", "the trailing '*' must touch a word"
	}
	k := Normalize(body, o).String()
	if strings.ContainsRune(k, '*') {
		return "", "'*' is only allowed at the start or end of a term"
	}
	// The stream form: words as they are, each run of non-word characters
	// one ' ', none at the ends.
	var b strings.Builder
	if !wildL {
		b.WriteByte(' ')
	}
	gap, words := false, false
	for i, r := range k {
		if isWordRune(r) {
			if gap && words {
				b.WriteByte(' ')
			}
			gap, words = false, true
			b.WriteRune(r)
			continue
		}
		if wildL && i == 0 {
			return "", "the leading '*' must touch a word"
		}
		gap = true
	}
	if !words {
		return "", "no word characters after normalisation"
	}
	if wildR && gap {
		return "", "the trailing '*' must touch a word"
	}
	if !wildR {
		b.WriteByte(' ')
	}
	return b.String(), ""
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isWordClass(asciiClass[r])
	}
	return isWordClass(runeClass(r))
}

// Match calls emit for every occurrence of every term in k, with the
// term's index in the list given to Compile and the span [start, end) of
// key bytes it covers (k.Source maps it to the original text); a
// wildcard's part of the span reaches to the edge of the word. Overlapping
// and nested occurrences are all reported, in the order the automaton
// completes them: by the key position where the fixed text of the term
// ends; at the same position a term with a trailing wildcard first (it
// needs no boundary after it), then longer patterns before shorter ones,
// then equal patterns in term order. Match stops early when emit returns
// false. It allocates nothing.
//
// k must have been built with the matcher's Options; with any other key it
// reports nothing.
func (m *Matcher) Match(k Key, emit func(term, start, end int) bool) {
	if m == nil || len(m.pats) == 0 || k.opts != m.opts {
		return
	}
	if m.free == nil {
		m.matchAnchored(k, emit)
	} else {
		m.matchBoth(k, emit)
	}
}

// matchAnchored is Match for a list without leading wildcards.
func (m *Matcher) matchAnchored(k Key, emit func(term, start, end int) bool) {
	a, text := m.anchored, k.text
	// The state after the leading boundary. A state of 0 mid-word stays 0
	// until the next gap: the root has no other edge than ' '.
	s := a.gap[0]
	inGap := true
	for i := 0; i < len(text); {
		r, n := rune(text[i]), 1
		if r < utf8.RuneSelf {
			if !asciiWord[r] {
				goto gap
			}
			if s == 0 {
				// Idle until the next gap: skip the ASCII part of the word.
				for i++; i < len(text) && text[i] < utf8.RuneSelf && asciiWord[text[i]]; i++ {
				}
				inGap = false
				continue
			}
		} else if r, n = keyRuneString(text, i); !isWordClass(runeClass(r)) {
			goto gap
		}
		inGap = false
		if s != 0 {
			if c := a.classOf(r); c == 0 {
				s = 0
			} else if s = a.step(s, c); a.reports(s) && !m.report(k, s, 0, i+n, emit) {
				return
			}
		}
		i += n
		continue
	gap:
		// The first non-word character of a gap reads one ' '.
		if !inGap {
			inGap = true
			if s = a.gap[s]; a.reports(s) && !m.report(k, s, 0, i, emit) {
				return
			}
		}
		i += n
	}
	if !inGap {
		if s = a.gap[s]; a.reports(s) {
			m.report(k, s, 0, len(text), emit)
		}
	}
}

// matchBoth is Match with both automata running.
func (m *Matcher) matchBoth(k Key, emit func(term, start, end int) bool) {
	a, u, text := m.anchored, m.free, k.text
	sa, su := a.gap[0], int32(0)
	inGap, out := true, false
	for i := 0; i < len(text); {
		r, n := rune(text[i]), 1
		if r < utf8.RuneSelf {
			if !asciiWord[r] {
				goto gap
			}
		} else if r, n = keyRuneString(text, i); !isWordClass(runeClass(r)) {
			goto gap
		}
		inGap = false
		out = false
		if sa != 0 {
			if c := a.classOf(r); c == 0 {
				sa = 0
			} else {
				sa = a.step(sa, c)
				out = a.reports(sa)
			}
		}
		if c := u.classOf(r); c == 0 {
			su = 0
		} else {
			if su == 0 {
				su = u.root[c]
			} else {
				su = u.step(su, c)
			}
			out = out || u.reports(su)
		}
		if out && !m.report(k, sa, su, i+n, emit) {
			return
		}
		i += n
		continue
	gap:
		if !inGap {
			inGap = true
			sa, su = a.gap[sa], u.gap[su]
			if (a.reports(sa) || u.reports(su)) && !m.report(k, sa, su, i, emit) {
				return
			}
		}
		i += n
	}
	if !inGap {
		sa, su = a.gap[sa], u.gap[su]
		if a.reports(sa) || u.reports(su) {
			m.report(k, sa, su, len(text), emit)
		}
	}
}

// report emits the patterns that end in state sa of the anchored automaton
// and su of the other, and in the states their dictionary links lead to,
// longest first. at is the key position just past the last symbol read: a
// word's code point, or the start of a gap (or the end of the key) when
// the symbol was a boundary.
func (m *Matcher) report(k Key, sa, su int32, at int, emit func(term, start, end int) bool) bool {
	a, u := m.anchored, m.free
	ra, ru := a.first[sa], int32(-1)
	if u != nil {
		ru = u.first[su]
	}
	for ra >= 0 || ru >= 0 {
		var pi int32
		// All patterns that end here are suffixes of the same stream, so
		// their lengths differ; take the longer.
		if ru < 0 || ra >= 0 && m.pats[a.pat[ra]].length > m.pats[u.pat[ru]].length {
			pi, ra = a.pat[ra], a.dict[ra]
		} else {
			pi, ru = u.pat[ru], u.dict[ru]
		}
		p := &m.pats[pi]
		end := at
		start := k.walkBack(end, int(p.bodyLen))
		if !p.left {
			start = k.wordStart(start)
		}
		if !p.right {
			end = k.wordEnd(end)
		}
		lim := int32(len(m.terms))
		if int(pi)+1 < len(m.pats) {
			lim = m.pats[pi+1].termsAt
		}
		for _, t := range m.terms[p.termsAt:lim] {
			if !emit(int(t), start, end) {
				return false
			}
		}
	}
	return true
}

// walkBack returns the key position n stream symbols before end: each
// code point of a word counts one, and so does each run of non-word
// characters.
func (k Key) walkBack(end, n int) int {
	t := k.text
	i := end
	for n > 0 && i > 0 {
		n--
		if c := t[i-1]; c < utf8.RuneSelf {
			if asciiWord[c] {
				i--
				continue
			}
		} else if r, size := utf8.DecodeLastRuneInString(t[:i]); isWordClass(runeClass(r)) {
			i -= size
			continue
		}
		for i > 0 && !isWordRune(lastRune(t[:i])) {
			_, size := utf8.DecodeLastRuneInString(t[:i])
			i -= size
		}
	}
	return i
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// wordStart returns the start of the word that holds key position i.
func (k Key) wordStart(i int) int {
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(k.text[:i])
		if !isWordRune(r) {
			break
		}
		i -= size
	}
	return i
}

// wordEnd returns the end of the word that holds key position i.
func (k Key) wordEnd(i int) int {
	for i < len(k.text) {
		r, size := utf8.DecodeRuneInString(k.text[i:])
		if !isWordRune(r) {
			break
		}
		i += size
	}
	return i
}

// MatchSpan is one occurrence found by AppendMatches.
type MatchSpan struct {
	Term       int // index of the term
	Start, End int // key byte span
}

// AppendMatches appends every occurrence Match finds to dst.
func (m *Matcher) AppendMatches(dst []MatchSpan, k Key) []MatchSpan {
	m.Match(k, func(term, start, end int) bool {
		dst = append(dst, MatchSpan{term, start, end})
		return true
	})
	return dst
}
