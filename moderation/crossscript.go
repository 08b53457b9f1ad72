package moderation

import (
	"strings"

	"github.com/commentd/commentd/moderation/textmatch"
	"github.com/commentd/commentd/moderation/textmatch/translit"
)

// crossScript finds word-list terms written in the other script: a
// Devanagari term in its Hinglish spellings ("सट्टा" as "satta",
// "sattaa") and a Hinglish term in Devanagari ("paisa double" as
// "पैसा डबल"). Both sides are projected into translit's loose Latin form
// and a loose term matches a loose word as a whole word; a match counts
// only where the text is in a script the term is not written in, so that
// within one script matching stays exact.
//
// A term gets a loose form unless it starts with '=' (exact script only),
// has a wildcard, has letters of a third script, or has fewer than
// minLooseLetters letters in its loose form (short words meet by chance:
// "मत" and "mat"). A Latin term also gets none when a Devanagari term of the
// lists has the same loose form: the moderator has spelled it in
// Devanagari, and that spelling decides in Devanagari text ("satta" would
// otherwise also match "सत्ता", power).
type crossScript struct {
	matcher *textmatch.Matcher
	terms   []int             // the ruleSet term of each matcher term
	scripts []translit.Script // the scripts each term is written in
	// fromDev and fromLatin hold the anchor of every loose form of the
	// Devanagari and of the Latin terms: its longest word, which a text
	// must hold for the term to match. Latin text can only meet the first
	// set, Devanagari text the second: a text with no anchor its script
	// can meet needs no loose form at all.
	fromDev, fromLatin map[string]struct{}
	// seen remembers, for words of texts, whether their loose form is in
	// words: the answer for a word never changes, and most words of a
	// comment were in an earlier one.
	seen wordCache[string, bool]
}

// minLooseLetters is the fewest letters a term's loose form needs to be
// matched in the other script.
const minLooseLetters = 4

// crossFields are the fields matched in the other script: what readers
// write. Emails, IPs and user agents are not Hindi.
var crossFields = [...]int{0 /* name */, 3 /* body */}

func newCrossScript(terms []listedTerm, opts textmatch.Options) (*crossScript, error) {
	type cand struct {
		term   int
		loose  string
		script translit.Script
	}
	var cands []cand
	devLoose := map[string]bool{}
	for i, t := range terms {
		raw := strings.TrimSpace(t.term)
		if strings.HasPrefix(raw, "=") || strings.Contains(raw, "*") {
			continue
		}
		sc := translit.Scripts(raw)
		if sc == 0 || sc&translit.Other != 0 {
			continue
		}
		loose := translit.Word(textmatch.Normalize(raw, opts).String())
		if translit.Letters(loose) < minLooseLetters {
			continue
		}
		if sc&translit.Devanagari != 0 {
			devLoose[loose] = true
		}
		cands = append(cands, cand{i, loose, sc})
	}
	c := &crossScript{fromDev: map[string]struct{}{}, fromLatin: map[string]struct{}{}}
	var texts []string
	for _, cd := range cands {
		if cd.script == translit.Latin && devLoose[cd.loose] {
			continue
		}
		texts = append(texts, cd.loose)
		c.terms = append(c.terms, cd.term)
		c.scripts = append(c.scripts, cd.script)
		anchor := ""
		for _, w := range strings.Fields(cd.loose) {
			if len(w) > len(anchor) {
				anchor = w
			}
		}
		if cd.script&translit.Devanagari != 0 {
			c.fromDev[anchor] = struct{}{}
		}
		if cd.script&translit.Latin != 0 {
			c.fromLatin[anchor] = struct{}{}
		}
	}
	if len(texts) == 0 {
		return c, nil
	}
	m, err := textmatch.Compile(texts, opts)
	if err != nil {
		return nil, err
	}
	c.matcher = m
	return c, nil
}

// scriptsOf reports cheaply whether key has ASCII letters and Devanagari.
func scriptsOf(key string) (latin, devanagari bool) {
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c|0x20 >= 'a' && c|0x20 <= 'z' {
			latin = true
		} else if c == 0xE0 && i+1 < len(key) && (key[i+1] == 0xA4 || key[i+1] == 0xA5) {
			devanagari = true
		}
		if latin && devanagari {
			break
		}
	}
	return latin, devanagari
}

// match appends the terms found in the other script in key to hits (or
// allows, for ALLOW terms), as spans of key. A term already found in the
// same place in its own script is not reported again.
func (c *crossScript) match(rs *ruleSet, key textmatch.Key, rd reading, hits, allows []termHit) ([]termHit, []termHit) {
	if c == nil || c.matcher == nil {
		return hits, allows
	}
	text := key.String()
	if !c.mayMatch(text) {
		return hits, allows
	}
	loose, offs := translit.Loose(make([]byte, 0, len(text)), make([]int32, 0, len(text)), text)
	lk := textmatch.Normalize(string(loose), rs.opts)
	c.matcher.Match(lk, func(term, start, end int) bool {
		vs, ve := lk.Source(start, end)
		ks, ke := translit.Span(text, offs, vs, ve)
		if translit.Scripts(text[ks:ke])&^c.scripts[term] == 0 {
			return true // the term's own script: the exact matcher's
		}
		h := termHit{term: c.terms[term], reading: rd, start: ks, end: ke, cross: true}
		if rs.terms[h.term].list == ListAllow {
			allows = append(allows, h)
			return true
		}
		for _, o := range hits {
			if o.reading == rd && !o.cross && o.start < ke && ks < o.end && rs.terms[o.term].list == rs.terms[h.term].list {
				return true
			}
		}
		hits = append(hits, h)
		return true
	})
	return hits, allows
}

// mayMatch reports whether the loose form of some word of key is the
// anchor of a loose term: only then is the whole text projected and
// matched.
// Words are what lies between spaces (a key has single spaces), each
// projected alone, its answer remembered.
func (c *crossScript) mayMatch(key string) bool {
	var buf [64]byte
	var offs [64]int32
	for len(key) > 0 {
		word := key
		if i := strings.IndexByte(key, ' '); i >= 0 {
			word, key = key[:i], key[i+1:]
		} else {
			key = ""
		}
		if word == "" {
			continue
		}
		hit, known := c.seen.get(word)
		if !known {
			latin, dev := scriptsOf(word)
			loose, _ := translit.Loose(buf[:0], offs[:0], word)
			hit = latin && hasLooseWord(c.fromDev, loose) || dev && hasLooseWord(c.fromLatin, loose)
			c.seen.put(strings.Clone(word), hit)
		}
		if hit {
			return true
		}
	}
	return false
}

// hasLooseWord reports whether some space-separated word of loose is in
// words.
func hasLooseWord(words map[string]struct{}, loose []byte) bool {
	for i := 0; i < len(loose); {
		j := i
		for j < len(loose) && loose[j] != ' ' {
			j++
		}
		if _, ok := words[string(loose[i:j])]; ok {
			return true
		}
		i = j + 1
	}
	return false
}

// crossHits adds the matches in the other script of the name and body,
// as written and in their views.
func (rs *ruleSet) crossHits(k *keys, fv *fieldViews, texts *[len(ruleFields)]string, hits, allows []termHit) ([]termHit, []termHit) {
	for _, f := range crossFields {
		if texts[f] == "" {
			continue
		}
		for v := 0; v <= len(fv.views[f]); v++ {
			rd := reading{f, v}
			hits, allows = rs.cross.match(rs, fv.key(k, rd), rd, hits, allows)
		}
	}
	return hits, allows
}

// crossDetail names the script a term was found in, for the reason.
func crossDetail(h termHit, text string) string {
	if !h.cross {
		return ""
	}
	if translit.Scripts(text)&translit.Devanagari != 0 {
		return ", written in Devanagari"
	}
	return ", written in Latin letters"
}
