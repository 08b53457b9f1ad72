package links

import (
	"slices"
	"strings"
	"testing"

	"mvdan.cc/xurls/v2"
)

// want is one expected link: the text as written, the URL and host found.
type want struct {
	text, url, host string
	obfuscated      bool
}

func TestFind(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []want
	}{
		// Plain links.
		{"scheme", "read https://example.com/a?b=c#d today",
			[]want{{"https://example.com/a?b=c#d", "https://example.com/a?b=c#d", "example.com", false}}},
		{"upper-case scheme is not obfuscation", "HTTP://EXAMPLE.COM/X",
			[]want{{"HTTP://EXAMPLE.COM/X", "HTTP://EXAMPLE.COM/X", "example.com", false}}},
		{"bare domain with path", "go to example.com/path/to?x=1 now",
			[]want{{"example.com/path/to?x=1", "http://example.com/path/to?x=1", "example.com", false}}},
		{"www", "www.example.in पर देखें",
			[]want{{"www.example.in", "http://www.example.in", "www.example.in", false}}},
		{"port dropped from host", "http://example.com:8080/x",
			[]want{{"http://example.com:8080/x", "http://example.com:8080/x", "example.com", false}}},
		{"userinfo is not the host", "https://example.com@evil.example/x",
			[]want{{"https://example.com@evil.example/x", "https://example.com@evil.example/x", "evil.example", false}}},
		{"percent-encoded host", "http://ex%61mple.com/",
			[]want{{"http://ex%61mple.com/", "http://ex%61mple.com/", "example.com", false}}},
		{"ftp", "ftp://files.example.org/a.zip",
			[]want{{"ftp://files.example.org/a.zip", "ftp://files.example.org/a.zip", "files.example.org", false}}},
		{"bbcode", "[url=http://spam.example/x]cheap[/url]",
			[]want{{"http://spam.example/x", "http://spam.example/x", "spam.example", false}}},
		{"html", `<a href="https://a.example/x">b</a>`,
			[]want{{"https://a.example/x", "https://a.example/x", "a.example", false}}},
		{"ip with path", "login at 203.0.113.7/login",
			[]want{{"203.0.113.7/login", "http://203.0.113.7/login", "203.0.113.7", false}}},
		{"ip with port", "1.2.3.4:8080",
			[]want{{"1.2.3.4:8080", "http://1.2.3.4:8080", "1.2.3.4", false}}},
		{"ipv6 url", "http://[2001:db8::1]:80/x",
			[]want{{"http://[2001:db8::1]:80/x", "http://[2001:db8::1]:80/x", "2001:db8::1", false}}},
		{"bare ipv6 with port", "[2001:db8::1]:8080/x",
			[]want{{"[2001:db8::1]:8080/x", "http://[2001:db8::1]:8080/x", "2001:db8::1", false}}},
		{"devanagari TLD with a path", "बाज़ार.भारत/खबर",
			[]want{{"बाज़ार.भारत/खबर", "http://बाज़ार.भारत/खबर", "बाज़ार.भारत", false}}},
		{"punycode TLD", "abc.xn--h2brj9c",
			[]want{{"abc.xn--h2brj9c", "http://abc.xn--h2brj9c", "abc.भारत", false}}},
		{"capitalised domains", "Example.Com and EXAMPLE.IN",
			[]want{
				{"Example.Com", "http://Example.Com", "example.com", false},
				{"EXAMPLE.IN", "http://EXAMPLE.IN", "example.in", false},
			}},

		// Trailing punctuation stays outside.
		{"full stop", "see example.com.",
			[]want{{"example.com", "http://example.com", "example.com", false}}},
		{"parentheses", "(https://example.com/a)",
			[]want{{"https://example.com/a", "https://example.com/a", "example.com", false}}},
		{"wiki parentheses stay inside", "https://en.wikipedia.org/wiki/Go_(language), ok",
			[]want{{"https://en.wikipedia.org/wiki/Go_(language)", "https://en.wikipedia.org/wiki/Go_(language)", "en.wikipedia.org", false}}},
		{"comma and question mark", "example.com, example.org?",
			[]want{
				{"example.com", "http://example.com", "example.com", false},
				{"example.org", "http://example.org", "example.org", false},
			}},
		{"danda", "यह देखें example.com।",
			[]want{{"example.com", "http://example.com", "example.com", false}}},
		{"quotes", `"https://example.com/x"`,
			[]want{{"https://example.com/x", "https://example.com/x", "example.com", false}}},

		// Counting.
		{"two links in one sentence", "Visit https://a.example/x and b.example for more.",
			[]want{
				{"https://a.example/x", "https://a.example/x", "a.example", false},
				{"b.example", "http://b.example", "b.example", false},
			}},
		{"url inside a url counts once", "http://example.com/r?u=http://other.com/x",
			[]want{{"http://example.com/r?u=http://other.com/x", "http://example.com/r?u=http://other.com/x", "example.com", false}}},
		{"bare domain path holding a url counts once", "example.com/http://other.com",
			[]want{{"example.com/http://other.com", "http://example.com/http://other.com", "example.com", false}}},

		// IDN.
		{"punycode shown in unicode", "http://xn--bcher-kva.example/",
			[]want{{"http://xn--bcher-kva.example/", "http://xn--bcher-kva.example/", "bücher.example", false}}},
		{"bare punycode", "xn--bcher-kva.example",
			[]want{{"xn--bcher-kva.example", "http://xn--bcher-kva.example", "bücher.example", false}}},
		{"unicode domain written directly", "bücher.example/buch",
			[]want{{"bücher.example/buch", "http://bücher.example/buch", "bücher.example", false}}},
		{"unicode domain in upper case", "https://BÜCHER.example",
			[]want{{"https://BÜCHER.example", "https://BÜCHER.example", "bücher.example", false}}},
		{"devanagari domain", "http://बाज़ार.भारत/समाचार",
			[]want{{"http://बाज़ार.भारत/समाचार", "http://बाज़ार.भारत/समाचार", "बाज़ार.भारत", false}}},
		{"devanagari path and query", "खबर: https://example.in/समाचार/ताज़ा?q=भारत&p=2 पढ़ें",
			[]want{{"https://example.in/समाचार/ताज़ा?q=भारत&p=2", "https://example.in/समाचार/ताज़ा?q=भारत&p=2", "example.in", false}}},

		// Obfuscation.
		{"hxxp and [.]", "hxxp://example[.]com",
			[]want{{"hxxp://example[.]com", "http://example.com", "example.com", true}}},
		{"hxxps", "hXXps://example.com/a",
			[]want{{"hXXps://example.com/a", "https://example.com/a", "example.com", true}}},
		{"h**p", "h**p://example.com",
			[]want{{"h**p://example.com", "http://example.com", "example.com", true}}},
		{"ttp", "ttp://example.com ttps://example.org",
			[]want{
				{"ttp://example.com", "http://example.com", "example.com", true},
				{"ttps://example.org", "https://example.org", "example.org", true},
			}},
		{"spaced scheme", "h t t p s : / / example.com/x",
			[]want{{"h t t p s : / / example.com/x", "https://example.com/x", "example.com", true}}},
		{"spaced colon", "http : //example.com",
			[]want{{"http : //example.com", "http://example.com", "example.com", true}}},
		{"space after scheme", "http:// example.com",
			[]want{{"http:// example.com", "http://example.com", "example.com", true}}},
		{"(.)", "example(.)com",
			[]want{{"example(.)com", "http://example.com", "example.com", true}}},
		{"{.}", "example{.}com",
			[]want{{"example{.}com", "http://example.com", "example.com", true}}},
		{"(dot)", "example(dot)com",
			[]want{{"example(dot)com", "http://example.com", "example.com", true}}},
		{"[dot] with blanks", "example [dot] com",
			[]want{{"example [dot] com", "http://example.com", "example.com", true}}},
		{"[ . ]", "example[ . ]co[.]in",
			[]want{{"example[ . ]co[.]in", "http://example.co.in", "example.co.in", true}}},
		{"word dot", "write to example dot com today",
			[]want{{"example dot com", "http://example.com", "example.com", true}}},
		{"word DOT", "EXAMPLE DOT COM",
			[]want{{"EXAMPLE DOT COM", "http://EXAMPLE.COM", "example.com", true}}},
		{"word dot, several labels", "www dot example dot co dot in",
			[]want{{"www dot example dot co dot in", "http://www.example.co.in", "www.example.co.in", true}}},
		{"word dot, everyday TLD at the end", "visit example dot in.",
			[]want{{"example dot in", "http://example.in", "example.in", true}}},
		{"word dot, everyday TLD with a path", "example dot in/offer",
			[]want{{"example dot in/offer", "http://example.in/offer", "example.in", true}}},
		{"word dot, then a bracketed dot", "example dot co[.]in and example dot co (dot) in",
			[]want{
				{"example dot co[.]in", "http://example.co.in", "example.co.in", true},
				{"example dot co (dot) in", "http://example.co.in", "example.co.in", true},
			}},
		{"hindi dot", "example डॉट com पर जाएँ",
			[]want{{"example डॉट com", "http://example.com", "example.com", true}}},
		{"[:]", "hxxp[:]//example[.]com[:]8080/x",
			[]want{{"hxxp[:]//example[.]com[:]8080/x", "http://example.com:8080/x", "example.com", true}}},
		{"[://]", "hxxps[://]example[.]com",
			[]want{{"hxxps[://]example[.]com", "https://example.com", "example.com", true}}},
		{"(:)", "hxxp(:)//example(.)com",
			[]want{{"hxxp(:)//example(.)com", "http://example.com", "example.com", true}}},
		{"[डॉट]", "example[डॉट]com",
			[]want{{"example[डॉट]com", "http://example.com", "example.com", true}}},
		{"circled letters", "ⓔⓧⓐⓜⓟⓛⓔ.com",
			[]want{{"ⓔⓧⓐⓜⓟⓛⓔ.com", "http://example.com", "example.com", true}}},
		{"soft hyphen", "exam\u00adple.com",
			[]want{{"exam\u00adple.com", "http://example.com", "example.com", true}}},
		{"full-width", "ｈｔｔｐ：／／ｅｘａｍｐｌｅ．ｃｏｍ／ａ",
			[]want{{"ｈｔｔｐ：／／ｅｘａｍｐｌｅ．ｃｏｍ／ａ", "http://example.com/a", "example.com", true}}},
		{"full-width dot only", "example．com",
			[]want{{"example．com", "http://example.com", "example.com", true}}},
		{"math letters", "𝐞𝐱𝐚𝐦𝐩𝐥𝐞.com",
			[]want{{"𝐞𝐱𝐚𝐦𝐩𝐥𝐞.com", "http://example.com", "example.com", true}}},
		{"one dot leader", "example\u2024com",
			[]want{{"example\u2024com", "http://example.com", "example.com", true}}},
		{"zero-width space", "exam\u200bple.com",
			[]want{{"exam\u200bple.com", "http://example.com", "example.com", true}}},
		{"no-break space is a space", "देखें\u00a0example.com\u00a0अभी",
			[]want{{"example.com", "http://example.com", "example.com", false}}},
		{"two obfuscated links", "hxxp://a[.]example and b dot example",
			[]want{
				{"hxxp://a[.]example", "http://a.example", "a.example", true},
				{"b dot example", "http://b.example", "b.example", true},
			}},
		{"hxxp inside a word", "foohxxp://example.com",
			[]want{{"hxxp://example.com", "http://example.com", "example.com", true}}},
		{"ttp inside a word is not a scheme", "mttp://example.com",
			[]want{{"example.com", "http://example.com", "example.com", false}}},
		{"a trademark sign does not glue to the TLD", "example.com™",
			[]want{{"example.com", "http://example.com", "example.com", false}}},
		{"devanagari right after an ASCII TLD", "example.comपर",
			[]want{{"example.com", "http://example.com", "example.com", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLinks(t, tt.in, Find(tt.in), tt.want)
		})
	}
}

// TestFindNotLinks lists text that must yield no link.
func TestFindNotLinks(t *testing.T) {
	for _, in := range []string{
		"",
		"the dot com era was wild, connect the dots",
		"in the dot com bubble",
		"a dot com company",
		"ye dot com wala zamana tha",
		"a red dot in the corner",
		"the polka dot is nice",
		"hiring dot net developers",
		// A known miss, the price of the rule above: an everyday-word TLD
		// written as " dot " and followed by more words.
		"visit example dot in today",
		"e.g. this, i.e. that",
		"e.g.the end, i.e.in short",
		"Mr. Modi said so. Mr.Modi too",
		"3.5 crore, Rs.500, No.1, 10.30 baje, 10:30 am, 99.9%",
		"version 1.2.3.4 and 192.168.1.1 and fe80::1 and [2001:db8::1]",
		"very bad.It was not good.So sad.Now what",
		"it was it.it is",
		"हम जीतेंगे.भारत माता की जय",
		"यह बात सच है.भारतीय टीम जीती",
		"यह बात.कॉमन है", // xurls would take "बात.कॉम" from it
		"priya@example.in",
		"mail priya.sharma+news@example.co.in or PRIYA@EXAMPLE.IN",
		"mailto:priya@example.in",
		"tel:+911234567890 sms:+911234567890",
		"magnet:?xt=urn:btih:abc bitcoin:1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
		"file:///etc/passwd",
		"http:// and https://",
		"h t t p",
		"(.) [.] {.} (dot) [dot]",
		"dot com",
		"1 dot 5 crore, 2 dot in",
		"example . com",
		"टिप्पणी: बहुत अच्छा लेख। धन्यवाद!",
	} {
		if got := Find(in); len(got) != 0 {
			t.Errorf("Find(%q) = %+v, want no links", in, got)
		}
	}
}

// TestFindHindiComment runs a real-looking comment with no link.
func TestFindHindiComment(t *testing.T) {
	const comment = `बहुत अच्छा लेख है। सरकार को किसानों की बात सुननी चाहिए, ` +
		`क्योंकि 2.5 लाख करोड़ का बजट सिर्फ़ कागज़ पर है। मैंने पिछले साल भी ` +
		`यही लिखा था (देखें पिछला लेख) लेकिन कुछ नहीं बदला... PM Modi जी, ` +
		`कृपया ध्यान दें! Sach mein, ye dot com wala zamana nahi hai, ` +
		`ground reality dekho. धन्यवाद 🙏 — प्रिया, 10.30 बजे`
	if got := Find(comment); len(got) != 0 {
		t.Errorf("Find(comment) = %+v, want no links", got)
	}
}

func TestFindSpansInOrder(t *testing.T) {
	in := "१) hxxp://a[.]example २) example dot com ३) ｗｗｗ．ｂ．ｅｘａｍｐｌｅ ४) https://c.example/"
	got := Find(in)
	if len(got) != 4 {
		t.Fatalf("Find(%q) found %d links, want 4: %+v", in, len(got), got)
	}
	for i, l := range got {
		if l.Text != in[l.Start:l.End] {
			t.Errorf("link %d: Text %q != text[%d:%d] %q", i, l.Text, l.Start, l.End, in[l.Start:l.End])
		}
		if i > 0 && l.Start < got[i-1].End {
			t.Errorf("link %d overlaps link %d", i, i-1)
		}
	}
}

func checkLinks(t *testing.T, in string, got []Link, want []want) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("Find(%q) = %d links %+v, want %d", in, len(got), got, len(want))
	}
	for i, w := range want {
		l := got[i]
		if l.Start < 0 || l.End > len(in) || l.Start >= l.End {
			t.Fatalf("link %d: bad span [%d:%d] in %d bytes", i, l.Start, l.End, len(in))
		}
		if written := in[l.Start:l.End]; written != w.text || l.Text != written {
			t.Errorf("link %d: text[%d:%d] = %q, Text = %q, want %q", i, l.Start, l.End, written, l.Text, w.text)
		}
		if l.URL != w.url {
			t.Errorf("link %d: URL = %q, want %q", i, l.URL, w.url)
		}
		if l.Host != w.host {
			t.Errorf("link %d: Host = %q, want %q", i, l.Host, w.host)
		}
		if l.Obfuscated != w.obfuscated {
			t.Errorf("link %d: Obfuscated = %v, want %v", i, l.Obfuscated, w.obfuscated)
		}
	}
}

func TestDomain(t *testing.T) {
	for host, want := range map[string]string{
		"news.example.co.in":   "example.co.in",
		"example.com":          "example.com",
		"www.bücher.example":   "bücher.example",
		"a.b.xn--h2brj9c":      "b.भारत",
		"co.in":                "co.in", // a public suffix alone
		"203.0.113.7":          "203.0.113.7",
		"2001:db8::1":          "2001:db8::1",
		"foo.blogspot.com":     "foo.blogspot.com", // a private suffix
		"":                     "",
		"very.deep.sub.gov.in": "sub.gov.in",
	} {
		if got := (Link{Host: host}).Domain(); got != want {
			t.Errorf("Domain(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestMatchesDomain(t *testing.T) {
	for _, tt := range []struct {
		host, domain string
		want         bool
	}{
		{"example.in", "example.in", true},
		{"news.example.in", "example.in", true},
		{"News.Example.IN.", "example.in", true},
		{"news.example.in", ".example.in", true},
		{"badexample.in", "example.in", false},
		{"example.in.evil.com", "example.in", false},
		{"example.in", "news.example.in", false},
		{"bücher.example", "xn--bcher-kva.example", true},
		{"www.xn--bcher-kva.example", "BÜCHER.example", true},
		{"example.in", "", false},
		{"", "example.in", false},
	} {
		if got := MatchesDomain(tt.host, tt.domain); got != tt.want {
			t.Errorf("MatchesDomain(%q, %q) = %v, want %v", tt.host, tt.domain, got, tt.want)
		}
	}
}

func TestIsShortener(t *testing.T) {
	for host, want := range map[string]bool{
		"bit.ly":       true,
		"BIT.LY":       true,
		"www.bit.ly":   true,
		"tinyurl.com":  true,
		"t.co":         true,
		"lnkd.in":      true,
		"s.id":         true,
		"notbit.ly":    false,
		"bit.ly.evil":  false,
		"example.com":  false,
		"wa.me":        false,
		"co":           false,
		"":             false,
		"twitter.com":  false,
		"shorturl.at":  true,
		"rebrand.ly":   true,
		"goo.gl":       true,
		"cutt.ly":      true,
		"x.t.ly":       true,
		"tiny.cc":      true,
		"is.gd":        true,
		"v.gd":         true,
		"ow.ly":        true,
		"buff.ly":      true,
		"rb.gy":        true,
		"bitly.com":    true,
		"notbitly.com": false,
	} {
		if got := IsShortener(host); got != want {
			t.Errorf("IsShortener(%q) = %v, want %v", host, got, want)
		}
	}
	// The shortener check composes with Find.
	got := Find("free recharge: bit.ly/3abc")
	if len(got) != 1 || !IsShortener(got[0].Host) {
		t.Errorf("Find = %+v, want one shortener link", got)
	}
}

// TestWordListsAreTLDs keeps commonWordTLDs honest: each entry must be a TLD
// on xurls's list, or the rules that use it guard nothing.
func TestWordListsAreTLDs(t *testing.T) {
	for w := range commonWordTLDs {
		if !slices.Contains(xurls.TLDs, w) {
			t.Errorf("commonWordTLDs has %q, which is not a TLD on xurls's list", w)
		}
	}
	for w := range functionWords {
		if strings.ToLower(w) != w {
			t.Errorf("functionWords has %q, not lower case", w)
		}
	}
	for h := range shorteners {
		if canonicalHost(h) != h {
			t.Errorf("shorteners has %q, not canonical", h)
		}
	}
}

func TestOffsetMap(t *testing.T) {
	// "ab[.]c\u200bd": the bracket becomes ".", the zero-width space goes.
	in := "ab[.]c\u200bd"
	f, fm := fold(in)
	d, dm := deobfuscate(f)
	if d != "ab.cd" {
		t.Fatalf("normalised = %q", d)
	}
	for _, tt := range []struct {
		a, b       int
		start, end int
		rewritten  bool
	}{
		{0, 2, 0, 2, false},                 // "ab"
		{2, 3, 2, 5, true},                  // "." from "[.]"
		{3, 4, 5, 6, false},                 // "c"
		{3, 5, 5, len(in), true},            // "cd" holds the removed space
		{4, 5, len(in) - 1, len(in), false}, // "d" alone
		{0, 5, 0, len(in), true},
	} {
		fa, fb := dm.start(tt.a), dm.end(tt.b)
		start, end := fm.start(fa), fm.end(fb)
		if start != tt.start || end != tt.end {
			t.Errorf("[%d:%d] maps to [%d:%d], want [%d:%d]", tt.a, tt.b, start, end, tt.start, tt.end)
		}
		if got := dm.rewrittenIn(tt.a, tt.b) || fm.rewrittenIn(fa, fb); got != tt.rewritten {
			t.Errorf("[%d:%d] rewritten = %v, want %v", tt.a, tt.b, got, tt.rewritten)
		}
	}
}
