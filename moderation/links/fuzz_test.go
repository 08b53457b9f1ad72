package links

import (
	"testing"
	"unicode/utf8"
)

// FuzzFind checks what must hold for any input: no panic, spans inside the
// text, in order and disjoint, Text equal to its span, valid UTF-8 out.
func FuzzFind(f *testing.F) {
	for _, seed := range []string{
		"",
		"hxxp://example[.]com",
		"h t t p s : / / example dot co dot in/x",
		"ｈｔｔｐ：／／ｅｘａｍｐｌｅ．ｃｏｍ",
		"http://xn--bcher-kva.example/ bücher.example",
		"https://example.in/समाचार?q=भारत।",
		"the dot com era, e.g. Mr. Modi 3.5 crore 10.30",
		"priya@example.in mailto:priya@example.in",
		"exam\u200bple.com example\u2024com",
		"[url=http://a.example]x[/url] (https://b.example/a)",
		"hxxp[:]//a[.]b[.]c[://]",
		"http:// [::1]:80/x",
		"\xff\xfehttp://\xe0\xa4example.com",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		prevEnd := 0
		for i, l := range Find(text) {
			if l.Start < prevEnd || l.Start >= l.End || l.End > len(text) {
				t.Fatalf("link %d: span [%d:%d] after %d in %d bytes", i, l.Start, l.End, prevEnd, len(text))
			}
			prevEnd = l.End
			if l.Text != text[l.Start:l.End] {
				t.Fatalf("link %d: Text %q != text[%d:%d] %q", i, l.Text, l.Start, l.End, text[l.Start:l.End])
			}
			if !utf8.ValidString(l.URL) || !utf8.ValidString(l.Host) {
				t.Fatalf("link %d: invalid UTF-8 in URL %q or Host %q", i, l.URL, l.Host)
			}
			if l.URL == "" || l.Host == "" {
				t.Fatalf("link %d: empty URL %q or Host %q", i, l.URL, l.Host)
			}
			_ = l.Domain()
			_ = IsShortener(l.Host)
			_ = MatchesDomain(l.Host, l.Domain())
		}
	})
}
