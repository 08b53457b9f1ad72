// Package links finds the links in a comment, including the ones written to
// slip past a link counter.
//
// WordPress holds a comment with comment_max_links (2) or more links, but it
// counts only literal "http" links, so spammers write "hxxp://example[.]com",
// "example dot com", "h t t p s : / /" or full-width "ｅｘａｍｐｌｅ．ｃｏｍ".
// Find undoes those spellings on a private copy of the text, extracts URLs
// with mvdan.cc/xurls/v2 (Strict for URLs with a scheme, Relaxed for bare
// domains; its TLD list decides what a domain is) and maps every link back to
// the bytes the reader wrote. The text itself is never changed.
//
// The spellings undone, each marking its link Obfuscated:
//   - schemes: hxxp://, hxxps://, h**p://, ttp://, ttps://, spaced ones
//     ("h t t p s : / /", "http : //"), blanks after the "//" ("http://
//     example.com"), and [:], (:) or [://] for the colon;
//   - dots: [.], (.), {.}, [dot], (dot), {dot}, [डॉट], blanks inside or around
//     the brackets allowed, and the word "dot" (any case, or "डॉट") between
//     blanks;
//   - look-alike characters whose NFKC form is ASCII (full-width, mathematical
//     and circled letters, "․" one-dot leader) and invisible ones (zero-width
//     space, word joiner, soft hyphen, BOM).
//
// What counts as a link:
//   - a URL with a scheme and a host: "https://example.com/a", "ftp://host";
//   - a bare host name with a TLD on xurls's list: "example.com/path",
//     "www.example.in", "bücher.example", "xn--bcher-kva.example";
//   - a bare IP address with a port or a path: "203.0.113.7/login".
//
// What does not:
//   - e-mail addresses ("priya@example.in") and URIs without a host
//     ("mailto:", "tel:", "sms:", "magnet:", "bitcoin:", "file:///"): they
//     send no reader to a web page, the e-mail field is checked by the
//     validator, and counting them would hold comments that merely quote an
//     address;
//   - a bare IP address alone ("192.168.1.1", "[2001:db8::1]"), which is as
//     often a version number or a support question as a link;
//   - abbreviations and numbers ("e.g.", "i.e.", "Mr. Modi", "3.5 crore",
//     "10.30"): no TLD follows their dots;
//   - a full stop that lost its space before a TLD that is also an everyday
//     word, when the host is bare and nothing follows it: "very bad.It was"
//     (title-case TLD after a lower-case word), "it.it" (a function word
//     before it), "i.e.in" (single letters before it), "जीतेंगे.भारत" (a Hindi
//     word as TLD);
//   - a Unicode TLD cut from the front of a longer word ("है.भारतीय");
//   - the word "dot" in prose. It joins two labels only when the word before
//     it has a letter and is not a function word ("the dot com era", "a dot
//     com company" are prose), the word after it is followed by another dot
//     or is a TLD on xurls's list, and a TLD that is also an everyday word
//     ("in", "is", "net", "now") is not followed by more words ("a red dot in
//     the corner", "hiring dot net developers" are prose; "example dot in."
//     and "example dot in/offer" are links; "visit example dot in today" is
//     missed, a price paid for the others).
//
// A false positive alone does not hold a comment: it takes two links.
package links

import (
	"net/netip"
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"mvdan.cc/xurls/v2"
)

// A Link is one link found in a text.
type Link struct {
	Start, End int    // byte span in the original text
	Text       string // the text as written: text[Start:End]
	URL        string // the de-obfuscated URL, with http:// added when it had no scheme
	Host       string // lower-case host without port, IDNs in Unicode ("bücher.example")
	Obfuscated bool   // the link was written to hide it from a link counter
}

// Find returns the links in text in order, each once. It never panics, on any
// input, including invalid UTF-8.
func Find(text string) []Link {
	folded, fm := fold(text)
	t, dm := deobfuscate(folded)

	var spans []span
	relaxed, strict := xurls.Relaxed(), xurls.Strict()
	email := relaxed.SubexpIndex("relaxedEmail")
	for i := 0; i < len(t); {
		// A URL never holds ASCII white space, and every link Find keeps
		// holds a dot, a colon or a bracket, so the regexps only see the
		// words that have one and could hold a host: xurls's regexps are
		// large, and scanning a word that holds no link costs them about a
		// microsecond a byte.
		k := strings.IndexAny(t[i:], ".:[")
		if k < 0 {
			break
		}
		start, end := wordAround(t, i+k)
		i = end
		word := t[start:end]
		var found [][]int
		if strings.Contains(word, "://") {
			found = strict.FindAllStringIndex(word, -1)
			for _, m := range found {
				spans = appendSpan(spans, t, start+m[0], start+m[1])
			}
		}
		if !hasHostOutside(word, found) {
			continue
		}
		for _, m := range relaxed.FindAllStringSubmatchIndex(word, -1) {
			if m[2*email] >= 0 {
				continue // an e-mail address, not a link
			}
			spans = appendSpan(spans, t, start+m[0], start+m[1])
		}
	}
	spans = longest(spans)

	var links []Link
	for _, s := range spans {
		// Map [s.a, s.b) in t back through both rewrites to text.
		fa, fb := dm.start(s.a), dm.end(s.b)
		l := Link{
			Start:      fm.start(fa),
			End:        fm.end(fb),
			URL:        strings.ToValidUTF8(s.url, ""),
			Host:       displayHost(s.host),
			Obfuscated: dm.rewrittenIn(s.a, s.b) || fm.rewrittenIn(fa, fb),
		}
		if n := len(links); n > 0 && l.Start < links[n-1].End {
			continue // cannot happen with xurls's matches; keep spans disjoint anyway
		}
		l.Text = text[l.Start:l.End]
		links = append(links, l)
	}
	return links
}

// A span is a link in the de-obfuscated text.
type span struct {
	a, b int
	url  string
	host string // as written, before display folding
}

// appendSpan appends t[a:b] if it is a link.
func appendSpan(spans []span, t string, a, b int) []span {
	m := t[a:b]
	if i := strings.Index(m, "://"); i > 0 && !strings.ContainsAny(m[:i], "/?#@") {
		host, _ := splitHost(m[i+3:])
		if !hasAlnum(host) {
			return spans // "file:///etc/passwd", "http://..."
		}
		return append(spans, span{a: a, b: b, url: m, host: host})
	}
	if i := strings.IndexByte(m, ':'); i > 0 && isNoAuthorityScheme(m[:i]) {
		return spans // mailto:, tel:, magnet:...
	}
	if _, err := netip.ParseAddr(strings.Trim(m, "[]")); err == nil {
		return spans // a bare IP address, with neither port nor path
	}
	host, more := splitHost(m)
	if !more {
		if sentenceBreak(host) || unicodeTLDCut(t, host, b) {
			return spans
		}
	}
	return append(spans, span{a: a, b: b, url: "http://" + m, host: host})
}

// longest orders spans and drops each one that overlaps a longer one, so a
// URL found by both regexps, or inside another URL, counts once.
func longest(spans []span) []span {
	if len(spans) < 2 {
		return spans
	}
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].a != spans[j].a {
			return spans[i].a < spans[j].a
		}
		return spans[i].b > spans[j].b
	})
	out := spans[:1]
	for _, s := range spans[1:] {
		last := &out[len(out)-1]
		switch {
		case s.a >= last.b:
			out = append(out, s)
		case s.b-s.a > last.b-last.a:
			*last = s
		}
	}
	return out
}

// wordAround returns the bounds of the word of t, between ASCII white
// space, that holds t[i].
func wordAround(t string, i int) (int, int) {
	start, end := i, i+1
	for start > 0 && !isSpace(t[start-1]) {
		start--
	}
	for end < len(t) && !isSpace(t[end]) {
		end++
	}
	return start, end
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// hasHostOutside reports whether w, outside the spans in skip, holds what
// the host of a link that Find keeps needs. Every bare host that xurls
// matches ends in a dot and a TLD on its list (ASCII ones are followed by a
// word boundary), punycode or a Unicode TLD; an IP address needs digits on
// both sides of a dot, and a port or a path to be kept; an IPv6 host needs
// brackets. A word with none of these can only hold what Find drops, so the
// Relaxed regexp need not see it. Skipping the Strict matches is safe because
// a bare link that overlaps one starts inside it, and a Strict match already
// runs as far as a link can.
func hasHostOutside(w string, skip [][]int) bool {
	inSkip := func(i int) bool {
		for _, m := range skip {
			if m[0] <= i && i < m[1] {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(w); i++ {
		switch w[i] {
		case '.':
			if i+1 < len(w) && !inSkip(i) && tldFollows(w[i+1:], i > 0 && isDigit(w[i-1]) && strings.ContainsAny(w, ":/")) {
				return true
			}
		case '[':
			if !inSkip(i) && strings.Contains(w[i:], ":") {
				return true
			}
		}
	}
	return false
}

// tldFollows reports whether s, what follows a dot, starts with a TLD on
// xurls's list followed by a word boundary, with punycode, with a non-ASCII
// letter (a Unicode TLD), or, when digits count, with a digit.
func tldFollows(s string, digits bool) bool {
	c := s[0]
	switch {
	case c >= utf8.RuneSelf:
		return true
	case isDigit(c):
		return digits
	case hasFoldPrefix(s, "xn--"):
		return true
	}
	n := 0
	for n < len(s) && (isAlnum(s[n]) || s[n] == '_') {
		n++
	}
	return isTLD(s[:n])
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isNoAuthorityScheme(s string) bool {
	for _, scheme := range xurls.SchemesNoAuthority {
		if strings.EqualFold(s, scheme) {
			return true
		}
	}
	return false
}

// splitHost returns the host of an authority-first URL ("user@host:port/path"
// or "host/path"), and whether anything but the host was written.
func splitHost(s string) (host string, more bool) {
	auth := s
	if i := strings.IndexAny(s, `/?#\`); i >= 0 {
		auth = s[:i]
	}
	host = auth
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:] // "https://example.com@evil.example" goes to evil.example
	}
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i > 0 {
			host = host[1:i]
		}
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return host, len(host) != len(s)
}

// displayHost returns host lower-cased, percent-escapes undone and IDN labels
// shown in Unicode.
func displayHost(host string) string {
	if strings.Contains(host, "%") {
		if h, err := url.PathUnescape(host); err == nil && utf8.ValidString(h) {
			host = h
		}
	}
	host = strings.TrimSuffix(host, ".")
	if u, err := idna.Display.ToUnicode(host); err == nil && u != "" { // "xn--" decodes to ""
		host = u
	}
	return strings.ToValidUTF8(strings.ToLower(host), "")
}

// sentenceBreak reports whether a bare host with nothing after it is more
// likely prose with a full stop that lost its space: the TLD is an everyday
// word and either the word before it is a function word ("it.it"), the
// labels before it are single letters ("i.e.in"), the TLD starts a sentence
// after a lower-case word ("very bad.It"), or the TLD is a Hindi word
// (Devanagari has no case to tell a sentence from a name).
func sentenceBreak(host string) bool {
	i := strings.LastIndexByte(host, '.')
	if i <= 0 {
		return false
	}
	left, tld := host[:i], host[i+1:]
	if !isCommonWordTLD(tld) {
		return false
	}
	if isAbbreviation(left) {
		return true
	}
	if strings.Contains(left, ".") {
		return false
	}
	if isFunctionWord(left) || tld[0] >= utf8.RuneSelf {
		return true
	}
	return isTitleCase(tld) && isLowerCase(left)
}

// unicodeTLDCut reports whether a bare host ends in a Unicode TLD that xurls
// took from the start of a longer word: its Unicode TLDs have no word-boundary
// check, so "है.भारतीय" would yield "है.भारत".
func unicodeTLDCut(t, host string, end int) bool {
	i := strings.LastIndexByte(host, '.')
	if i < 0 || i+1 >= len(host) || host[i+1] < utf8.RuneSelf || end >= len(t) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t[end:])
	return unicode.In(r, unicode.L, unicode.M, unicode.N)
}

// isAbbreviation reports whether s is single letters joined by dots: "i.e".
func isAbbreviation(s string) bool {
	for label := range strings.SplitSeq(s, ".") {
		if len(label) != 1 {
			return false
		}
	}
	return true
}

func isTitleCase(w string) bool {
	return len(w) > 1 && 'A' <= w[0] && w[0] <= 'Z' && isLowerCase(w[1:])
}

func isLowerCase(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return w != ""
}

func hasAlnum(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			return true
		}
	}
	return false
}

// FromURL returns the link a URL field holds, such as a commenter's
// homepage: the whole field, with its host read as Find reads a host after
// "://". ok is false when s is not an http or https URL with a host.
func FromURL(s string) (l Link, ok bool) {
	i := strings.Index(s, "://")
	if i < 0 || !strings.EqualFold(s[:i], "http") && !strings.EqualFold(s[:i], "https") {
		return Link{}, false
	}
	host, _ := splitHost(s[i+3:])
	if plainHost(host) {
		host = strings.TrimSuffix(host, ".") // what displayHost makes of it, without its allocations
	} else {
		host = displayHost(host)
	}
	if !hasAlnum(host) {
		return Link{}, false
	}
	return Link{Start: 0, End: len(s), Text: s, URL: s, Host: host}, true
}

// plainHost reports a host that is lower-case ASCII letters, digits, '-'
// and '.', with no punycode label: displayHost would return it unchanged
// but for a trailing dot.
func plainHost(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return !strings.Contains(h, "xn--")
}
