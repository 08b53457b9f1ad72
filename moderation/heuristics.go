package moderation

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/commentd/commentd/moderation/links"
)

// heuristics scores signs of spam that no single word gives away. found
// are the body's links.
func (rs *ruleSet) heuristics(s Submission, found []links.Link) []Reason {
	h := rs.cfg.Heuristics
	var out []Reason
	add := func(rule string, score float64, detail string, sp *Span) {
		if score > 0 {
			out = append(out, Reason{Rule: rule, Action: RuleScore, Score: score, Detail: detail, Span: sp})
		}
	}
	body := s.Body

	if h.Caps > 0 {
		if upper, letters := caseCounts(body); letters >= 20 && upper*10 >= letters*7 {
			add("caps", h.Caps, fmt.Sprintf("%d of %d cased letters are capitals", upper, letters), nil)
		}
	}
	if h.RepeatedChars > 0 {
		if start, end := longestRun(body); utf8.RuneCountInString(body[start:end]) >= 6 {
			add("repeated_chars", h.RepeatedChars, fmt.Sprintf("one character %d times in a row", utf8.RuneCountInString(body[start:end])),
				&Span{Field: "body", Start: start, End: end, Text: body[start:end]})
		}
	}
	if h.LinkOnly > 0 {
		if len(found) > 0 {
			words := 0
			last := 0
			for _, l := range found {
				words += countLetters(body[last:l.Start])
				last = l.End
			}
			words += countLetters(body[last:])
			if words < 10 {
				add("link_only", h.LinkOnly, "the comment is links with hardly any text", nil)
			}
		}
	}
	if h.MixedScript > 0 {
		for f, text := range fieldTexts(s) {
			if f == fieldIndex("email") || f == fieldIndex("url") || text == "" {
				continue
			}
			if start, end, scripts := mixedScriptWord(text); end > start {
				add("mixed_script", h.MixedScript, fmt.Sprintf("a word in the %s mixes %s letters", ruleFields[f], scripts),
					&Span{Field: ruleFields[f], Start: start, End: end, Text: text[start:end]})
				break
			}
		}
	}
	if h.Invisible > 0 {
		if i, r := invisible(body); i >= 0 {
			add("invisible_chars", h.Invisible, fmt.Sprintf("invisible character U+%04X in the body", r),
				&Span{Field: "body", Start: i, End: i + utf8.RuneLen(r), Text: string(r)})
		}
	}
	if h.BBCode > 0 {
		if i, n := bbcode(body); i >= 0 {
			add("bbcode", h.BBCode, "BBCode link markup, which only bots send to a plain-text form",
				&Span{Field: "body", Start: i, End: i + n, Text: body[i : i+n]})
		}
	}
	if s.Honeypot != "" {
		add("honeypot", h.Honeypot, "the hidden form field was filled in, which people cannot see to do", nil)
	}
	if s.FormDuration > 0 && s.FormDuration < h.MinFormDuration {
		add("too_fast", h.TooFast, fmt.Sprintf("the form was sent %s after it opened, faster than a person types", s.FormDuration), nil)
	}
	if h.NameIsLink > 0 {
		name := strings.TrimSpace(s.Author.Name)
		_, mailErr := mail.ParseAddress(name)
		if mailErr == nil || len(links.Find(name)) > 0 {
			add("name_is_link", h.NameIsLink, "the name is a web or email address",
				&Span{Field: "name", Start: 0, End: len(s.Author.Name), Text: s.Author.Name})
		}
	}
	return out
}

// bbcode finds a BBCode link tag, ignoring case, without lower-casing the
// whole body.
func bbcode(s string) (int, int) {
	for i := strings.IndexByte(s, '['); i >= 0; {
		for _, tag := range [...]string{"[url=", "[url]", "[link="} {
			if len(s)-i >= len(tag) && strings.EqualFold(s[i:i+len(tag)], tag) {
				return i, len(tag)
			}
		}
		j := strings.IndexByte(s[i+1:], '[')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return -1, 0
}

// caseCounts counts the cased letters of s and the capitals among them.
// Scripts without case, such as Devanagari, count for neither.
func caseCounts(s string) (upper, letters int) {
	for _, r := range s {
		switch {
		case r < 0x80:
			if 'A' <= r && r <= 'Z' {
				upper++
				letters++
			} else if 'a' <= r && r <= 'z' {
				letters++
			}
		case 0x900 <= r && r <= 0x97F: // Devanagari has no case
		case unicode.IsUpper(r):
			upper++
			letters++
		case unicode.IsLower(r):
			letters++
		}
	}
	return upper, letters
}

// longestRun returns the byte span of the longest run of one non-space
// character.
func longestRun(s string) (start, end int) {
	var prev rune = -1
	runStart := 0
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r != prev {
			runStart, prev = i, r
		}
		if i += n; !unicode.IsSpace(r) && i-runStart > end-start {
			start, end = runStart, i
		}
	}
	return start, end
}

func countLetters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// mixedScriptWord finds a word whose letters come from two scripts, the
// mark of a homoglyph attack ("pаypal" with a Cyrillic а). Scripts that
// share letters legitimately (Common, Inherited) do not count.
func mixedScriptWord(s string) (start, end int, scripts string) {
	wordStart := -1
	var first *unicode.RangeTable
	var firstName string
	for i, r := range s {
		if isWordRune(r) {
			if wordStart < 0 {
				wordStart, first, firstName = i, nil, ""
			}
			name, table := scriptOf(r)
			if table == nil {
				continue
			}
			if first == nil {
				first, firstName = table, name
			} else if table != first {
				j := i
				for j < len(s) {
					r2, n := utf8.DecodeRuneInString(s[j:])
					if !isWordRune(r2) {
						break
					}
					j += n
				}
				return wordStart, j, firstName + " and " + name
			}
			continue
		}
		wordStart = -1
	}
	return 0, 0, ""
}

// isWordRune reports letters, marks and digits, quickly for ASCII and
// Devanagari, which make up nearly every comment here.
func isWordRune(r rune) bool {
	switch {
	case r < 0x80:
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	case 0x900 <= r && r <= 0x97F:
		return r != '\u0964' && r != '\u0965' && r != '\u0970' // danda, double danda, abbreviation sign
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

// confusableScripts are the scripts whose letters pass for each other.
var confusableScripts = []struct {
	name  string
	table *unicode.RangeTable
}{
	{"Latin", unicode.Latin}, {"Cyrillic", unicode.Cyrillic}, {"Greek", unicode.Greek},
	{"Armenian", unicode.Armenian}, {"Cherokee", unicode.Cherokee}, {"Devanagari", unicode.Devanagari},
}

func scriptOf(r rune) (string, *unicode.RangeTable) {
	switch {
	case r < 0x250: // Basic Latin to Latin Extended-B: the common case
		if unicode.IsLetter(r) {
			return "Latin", unicode.Latin
		}
		return "", nil
	case 0x900 <= r && r <= 0x97F:
		return "Devanagari", unicode.Devanagari
	}
	for _, s := range confusableScripts {
		if unicode.Is(s.table, r) {
			return s.name, s.table
		}
	}
	return "", nil
}

// invisible finds the first character that shows nothing and is not
// needed: format and bidi controls, except ZWJ/ZWNJ right after a virama.
func invisible(s string) (int, rune) {
	var prev rune
	for i, r := range s {
		if r < 0xAD { // below the first format character, the soft hyphen
			prev = r
			continue
		}
		if unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Bidi_Control, r) {
			if (r == '\u200C' || r == '\u200D') && isVirama(prev) {
				prev = r
				continue
			}
			return i, r
		}
		prev = r
	}
	return -1, 0
}

// isVirama reports the viramas of the Indic scripts (canonical combining
// class 9), after which ZWJ and ZWNJ shape conjuncts (RFC 5892 A.1/A.2).
func isVirama(r rune) bool {
	switch r {
	case '\u094D', '\u09CD', '\u0A4D', '\u0ACD', '\u0B4D', '\u0BCD', '\u0C4D', '\u0CCD', '\u0D4D', '\u0DCA', '\u0E3A', '\u1039', '\u17D2':
		return true
	}
	return false
}
