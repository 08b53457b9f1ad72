package moderation

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

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
	st := scanText(body) // one pass for every per-character heuristic

	if h.Caps > 0 && st.letters >= 20 && st.upper*10 >= st.letters*7 {
		add("caps", h.Caps, fmt.Sprintf("%d of %d cased letters are capitals", st.upper, st.letters), nil)
	}
	if h.RepeatedChars > 0 && st.runLen >= 6 {
		add("repeated_chars", h.RepeatedChars, fmt.Sprintf("one character %d times in a row", st.runLen),
			&Span{Field: "body", Start: st.runStart, End: st.runEnd, Text: body[st.runStart:st.runEnd]})
	}
	if h.LinkOnly > 0 {
		if len(found) > 0 {
			words := 0
			last := 0
			for _, l := range found { // a view may find links that overlap
				if l.Start > last {
					words += countLetters(body[last:l.Start])
				}
				last = max(last, l.End)
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
			fs := st
			if f != fieldIndex("body") {
				fs = scanText(text)
			}
			if fs.mixedEnd > fs.mixedStart {
				add("mixed_script", h.MixedScript, fmt.Sprintf("a word in the %s mixes %s letters", ruleFields[f], fs.mixedScripts),
					&Span{Field: ruleFields[f], Start: fs.mixedStart, End: fs.mixedEnd, Text: text[fs.mixedStart:fs.mixedEnd]})
				break
			}
		}
	}
	if h.Invisible > 0 && st.invisibleAt >= 0 {
		r, n := utf8.DecodeRuneInString(body[st.invisibleAt:])
		add("invisible_chars", h.Invisible, fmt.Sprintf("invisible character U+%04X in the body", r),
			&Span{Field: "body", Start: st.invisibleAt, End: st.invisibleAt + n, Text: body[st.invisibleAt : st.invisibleAt+n]})
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
	if s.FormTimed && s.FormDuration < h.MinFormDuration {
		add("too_fast", h.TooFast, fmt.Sprintf("the form was sent %s after it opened, faster than a person types", s.FormDuration), nil)
	}
	if h.NameIsLink > 0 {
		name := strings.TrimSpace(s.Author.Name)
		isMail := false
		if strings.IndexByte(name, '@') >= 0 {
			_, err := mail.ParseAddress(name)
			isMail = err == nil
		}
		if isMail || len(links.Find(name)) > 0 {
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

// textStats are what the per-character heuristics need, gathered in one
// pass over the text.
type textStats struct {
	upper, letters int // capitals, and cased letters: scripts without case count for neither
	// The longest run of one non-space character.
	runStart, runEnd, runLen int
	// The first word whose letters come from two scripts that pass for
	// each other, the mark of a homoglyph attack ("pаypal" with a
	// Cyrillic а).
	mixedStart, mixedEnd int
	mixedScripts         string
	// The first character that shows nothing and is not needed: format and
	// bidi controls, except ZWJ/ZWNJ right after a virama; -1 if none.
	invisibleAt int
}

func scanText(s string) textStats {
	st := textStats{invisibleAt: -1}
	var prev rune = -1
	runStart, runLen := 0, 0
	wordStart := -1
	var first *unicode.RangeTable
	var firstName string
	for i, r := range s {
		// Case.
		switch {
		case r < 0x80:
			if 'A' <= r && r <= 'Z' {
				st.upper++
				st.letters++
			} else if 'a' <= r && r <= 'z' {
				st.letters++
			}
		case 0x900 <= r && r <= 0x97F: // Devanagari has no case
		case unicode.IsUpper(r):
			st.upper++
			st.letters++
		case unicode.IsLower(r):
			st.letters++
		}
		// Runs.
		if r != prev {
			runStart, runLen = i, 0
		}
		runLen++
		if runLen > st.runLen && !unicode.IsSpace(r) {
			// The width as encoded: U+FFFD itself takes three bytes, an
			// invalid byte (which decodes to it too) one.
			_, n := utf8.DecodeRuneInString(s[i:])
			st.runStart, st.runEnd, st.runLen = runStart, i+n, runLen
		}
		// Invisible characters: none below the soft hyphen, and none from
		// Devanagari up to the Mongolian vowel separator.
		if st.invisibleAt < 0 && r >= 0xAD && (r < 0x900 || r >= 0x180E) &&
			(unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Bidi_Control, r)) &&
			!((r == '\u200C' || r == '\u200D') && isVirama(prev)) {
			st.invisibleAt = i
		}
		// Mixed-script words.
		if isWordRune(r) {
			if wordStart < 0 {
				wordStart, first, firstName = i, nil, ""
			}
			if name, table := scriptOf(r); table != nil && st.mixedEnd == 0 {
				if first == nil {
					first, firstName = table, name
				} else if table != first {
					st.mixedStart, st.mixedScripts = wordStart, firstName+" and "+name
					st.mixedEnd = wordEnd(s, i)
				}
			}
		} else {
			wordStart = -1
		}
		prev = r
	}
	return st
}

// wordEnd returns where the word containing byte i ends.
func wordEnd(s string, i int) int {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			break
		}
		i += n
	}
	return i
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

// isVirama reports the viramas of every script (canonical combining
// class 9), after which ZWJ and ZWNJ shape conjuncts (RFC 5892 A.1/A.2).
func isVirama(r rune) bool {
	return r >= 0x900 && norm.NFD.PropertiesString(string(r)).CCC() == 9
}
