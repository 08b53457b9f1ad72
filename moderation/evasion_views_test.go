package moderation

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// Evasions of issue 13 that the views and the author's URL close: class 5
// (direction tricks), 6 (encodings) and 8 (links in author.url). Each case
// must get the decision the plain spelling gets, by the rule named, with a
// span in the field named.
func TestEvasionViews(t *testing.T) {
	lists := words(ListBlock, "casino", "सट्टा")
	cfg := plain()
	cfg.Links.BlockDomains = []string{"bet.example"}
	body := func(s string) Submission { return comment(s) }
	name := func(s string) Submission { x := valid(); x.Author.Name = s; return x }
	url := func(u string) Submission { x := valid(); x.Author.URL = u; return x }
	urlAndBody := func(u, b string) Submission { x := comment(b); x.Author.URL = u; return x }
	const (
		rlo, lro, rle, pdf = "\u202E", "\u202D", "\u202B", "\u202C"
		rli, fsi, pdi, rlm = "\u2067", "\u2068", "\u2069", "\u200F"
	)
	cases := []struct {
		class string
		name  string
		sub   Submission
		want  Status
		rule  string // a reason the case must carry
		field string // the field its span must be in
		text  string // the span's text, when it matters
	}{
		// The plain spellings the others must equal.
		{"plain", "the word", body("Play casino tonight"), StatusSpam, "wordlist_block", "body", "casino"},
		{"plain", "the Hindi word", body("आज सट्टा खेलो"), StatusSpam, "wordlist_block", "body", "सट्टा"},
		{"plain", "a body link", body("Win at https://bet.example/ now"), StatusSpam, "link_domain_block", "body", "https://bet.example/"},

		{"5 direction", "RLO before the reversed word", body(rlo + "onisac"), StatusSpam, "wordlist_block", "body", "onisac"},
		{"5 direction", "RLO…PDF inside a sentence", body("Play " + rlo + "onisac" + pdf + " tonight"), StatusSpam, "wordlist_block", "body", "onisac"},
		{"5 direction", "a whole sentence reversed", body(rlo + "thginot onisac yalP"), StatusSpam, "wordlist_block", "body", "onisac"},
		{"5 direction", "RLO without PDF, before a new line", body("Hello\n" + rlo + "onisac yalp"), StatusSpam, "wordlist_block", "body", "onisac"},
		{"5 direction", "RLE runs of LTR text split by an RLM", body(rle + "sino" + rlm + "ca" + pdf), StatusSpam, "wordlist_block", "body", "sino" + rlm + "ca"},
		{"5 direction", "RLI runs of LTR text split by an RLM", body("Play " + rli + "sino" + rlm + "ca" + pdi + " now"), StatusSpam, "wordlist_block", "body", "sino" + rlm + "ca"},
		{"5 direction", "FSI with a right-to-left first letter", body(fsi + rlm + "sino" + rlm + "ca" + pdi), StatusSpam, "wordlist_block", "body", "sino" + rlm + "ca"},
		{"5 direction", "LRO inside RLO keeps its run", body(rlo + "onis" + lro + "ca" + pdf + pdf), StatusSpam, "wordlist_block", "body", ""},
		{"5 direction", "reversed in the name", name(rlo + "gniK onisaC"), StatusSpam, "wordlist_block", "name", "onisaC"},
		{"5 direction", "a reversed link", body("see " + rlo + "/elpmaxe.teb//:sptth" + pdf), StatusSpam, "link_domain_block", "body", ""},

		{"6 encoding", "decimal reference", body("Play &#99;asino tonight"), StatusSpam, "wordlist_block", "body", "&#99;asino"},
		{"6 encoding", "hex reference", body("Play &#x63;asino tonight"), StatusSpam, "wordlist_block", "body", "&#x63;asino"},
		{"6 encoding", "upper-case hex reference", body("Play &#X43;ASINO tonight"), StatusSpam, "wordlist_block", "body", "&#X43;ASINO"},
		{"6 encoding", "reference without a semicolon", body("Play &#99asino tonight"), StatusSpam, "wordlist_block", "body", "&#99asino"},
		{"6 encoding", "every letter a reference", body("&#x63;&#x61;&#x73;&#x69;&#x6e;&#x6f;"), StatusSpam, "wordlist_block", "body", ""},
		{"6 encoding", "named soft hyphen", body("Play ca&shy;sino tonight"), StatusSpam, "wordlist_block", "body", "ca&shy;sino"},
		{"6 encoding", "named zero-width space", body("Play c&ZeroWidthSpace;asino"), StatusSpam, "wordlist_block", "body", ""},
		{"6 encoding", "legacy name without a semicolon", body("Play ca&shysino"), StatusSpam, "wordlist_block", "body", ""},
		{"6 encoding", "encoded twice", body("Play &amp;#99;asino"), StatusSpam, "wordlist_block", "body", "&amp;#99;asino"},
		{"6 encoding", "percent-escape", body("Play %63asino tonight"), StatusSpam, "wordlist_block", "body", "%63asino"},
		{"6 encoding", "percent-escapes throughout", body("%63%61%73%69%6E%6F"), StatusSpam, "wordlist_block", "body", ""},
		{"6 encoding", "percent-escape escaped", body("Play %2563asino"), StatusSpam, "wordlist_block", "body", "%2563asino"},
		{"6 encoding", "a reference to a percent-escape", body("Play &#37;63asino"), StatusSpam, "wordlist_block", "body", ""},
		{"6 encoding", "Devanagari as references", body("आज &#2360;&#2335;&#2381;&#2335;&#2366; खेलो"), StatusSpam, "wordlist_block", "body", "&#2360;&#2335;&#2381;&#2335;&#2366;"},
		{"6 encoding", "Devanagari percent-encoded", body("आज %E0%A4%B8%E0%A4%9F%E0%A5%8D%E0%A4%9F%E0%A4%BE खेलो"), StatusSpam, "wordlist_block", "body", ""},
		{"6 encoding", "mixed with a real letter", body("Play c&#97;s%69no"), StatusSpam, "wordlist_block", "body", "c&#97;s%69no"},
		{"6 encoding", "a reference to a bidi override", body("Play &#x202E;onisac tonight"), StatusSpam, "wordlist_block", "body", "onisac"},
		{"6 encoding", "a reference in the name", name("&#67;asino King"), StatusSpam, "wordlist_block", "name", "&#67;asino"},
		{"6 encoding", "percent-escape in the URL", url("https://priya.example.in/%63asino"), StatusSpam, "wordlist_block", "url", "%63asino"},
		{"6 encoding", "a reference for the dot of a link", body("Win at bet&#46;example now"), StatusSpam, "link_domain_block", "body", "bet&#46;example"},
		{"6 encoding", "a percent-escape for the dot of a link", body("Win at https://bet%2Eexample/ now"), StatusSpam, "link_domain_block", "body", ""},
		{"6 encoding", "a percent-encoded new line hides a link", body("See https://ok.example/%0Ahttps://bet.example/"), StatusSpam, "link_domain_block", "body", ""},

		{"8 author.url", "blocked domain", url("https://bet.example/"), StatusSpam, "link_domain_block", "url", "https://bet.example/"},
		{"8 author.url", "blocked domain's subdomain", url("https://win.bet.example/join"), StatusSpam, "link_domain_block", "url", ""},
		{"8 author.url", "blocked domain, upper case", url("HTTPS://BET.EXAMPLE"), StatusSpam, "link_domain_block", "url", ""},
		{"8 author.url", "blocked domain percent-escaped", url("https://bet%2Eexample/"), StatusSpam, "link_domain_block", "url", ""},
		{"8 author.url", "blocked domain behind a reference", url("https://bet&#46;example/"), StatusSpam, "link_domain_block", "url", "https://bet&#46;example/"},
		{"8 author.url", "shortener scores", url("https://bit.ly/abc"), StatusPublished, "url_shortener", "url", "https://bit.ly/abc"},
		{"8 author.url", "shortener here and in the body", urlAndBody("https://bit.ly/abc", "Read this https://tinyurl.com/x please"), StatusPending, "url_shortener", "url", ""},
	}
	counts := map[string]int{}
	for _, c := range cases {
		counts[c.class]++
		st, rs := evaluateWith(t, cfg, lists, nil, c.sub)
		i := slices.IndexFunc(rs, func(r Reason) bool { return r.Rule == c.rule && r.Span != nil && r.Span.Field == c.field })
		if st != c.want || i < 0 {
			t.Errorf("class %s, %s: %v %v, want %v with %s in the %s", c.class, c.name, st, ruleIDs(rs), c.want, c.rule, c.field)
			continue
		}
		if sp := rs[i].Span; c.text != "" && sp.Text != c.text {
			t.Errorf("class %s, %s: span %+v, want in the %s at %q", c.class, c.name, rs[i].Span, c.field, c.text)
		}
		checkSpans(t, c.name, c.sub, rs)
		if n := countRule(rs, c.rule); c.rule != "url_shortener" && n != 1 {
			t.Errorf("class %s, %s: %d %s reasons, want one", c.class, c.name, n, c.rule)
		}
	}
	for _, class := range slices.Sorted(maps.Keys(counts)) {
		t.Logf("class %-13s %2d cases", class, counts[class])
	}
}

// Text that merely looks like an escape, bidi controls around a
// right-to-left language, and a reader's homepage next to one cited source
// keep their decisions, and no link counts twice.
func TestEvasionViewsHam(t *testing.T) {
	lists := words(ListBlock, "casino", "सट्टा")
	cfg := plain()
	cfg.Links.BlockDomains = []string{"bet.example"}
	withURL := func(u, b string) Submission { x := comment(b); x.Author.URL = u; return x }
	for _, c := range []struct {
		name  string
		sub   Submission
		rules []string
	}{
		{"ampersands in prose", comment("Q&A with the R&D head of AT&T at 5pm"), nil},
		{"escaped markup", comment("Use &lt;b&gt; for bold &amp; &quot;quotes&quot;"), nil},
		{"per cent signs", comment("GDP grew 7% and 100%ab is not an escape, 50%off neither"), nil},
		{"a link with escapes", comment("The report is at https://pib.gov.in/Press%20Release?a=1&b=2 today"), nil},
		{"Hebrew in an embedding", comment("He said \u202Bשלום עולם\u202C and left"), []string{"invisible_chars"}},
		{"homepage and one cited source", withURL("https://priya.example.in/", "The ministry's own figures disagree: https://pib.gov.in/PressRelease"), nil},
		{"homepage and two links", withURL("https://priya.example.in/", "The two sources disagree: https://a.example/x and https://b.example/y"), []string{"links"}},
	} {
		st, rs := evaluateWith(t, cfg, lists, nil, c.sub)
		want := StatusPublished
		if slices.Contains(c.rules, "links") {
			want = StatusPending
		}
		if st != want || !slices.Equal(ruleIDs(rs), c.rules) {
			t.Errorf("%s: %v %v, want %v %v", c.name, st, ruleIDs(rs), want, c.rules)
		}
		if i := slices.IndexFunc(rs, func(r Reason) bool { return r.Rule == "links" }); i >= 0 && !strings.HasPrefix(rs[i].Detail, "2 links") {
			t.Errorf("%s: %s", c.name, rs[i].Detail)
		}
	}
}

func countRule(rs []Reason, rule string) int {
	n := 0
	for _, r := range rs {
		if r.Rule == rule {
			n++
		}
	}
	return n
}

// checkSpans fails unless every reason's span is inside its field and its
// text is the field's bytes there.
func checkSpans(t testing.TB, name string, sub Submission, rs []Reason) {
	t.Helper()
	texts := fieldTexts(sub)
	for _, r := range rs {
		if sp := r.Span; sp != nil {
			text := texts[fieldIndex(sp.Field)]
			if sp.Start < 0 || sp.Start > sp.End || sp.End > len(text) || text[sp.Start:sp.End] != sp.Text {
				t.Fatalf("%s: reason %s span %+v outside its field %q", name, r.Rule, sp, text)
			}
		}
	}
}

// Every view kind maps a range of its text back onto the source bytes it
// was made from.
func TestViewSpans(t *testing.T) {
	for _, c := range []struct {
		kind, text string
		view       string // the last view's text
		find       string // a part of it
		source     string // the source bytes it stands for
	}{
		{"decoded", "a &#99;asino b", "a casino b", "casino", "&#99;asino"},
		{"decoded", "x%41%42y", "xABy", "B", "%42"},
		{"decoded", "&amp;#99;at", "cat", "c", "&amp;#99;"},
		{"decoded", "म &#2360;!", "म स!", "स", "&#2360;"},
		{"decoded", "%E0%A4%B8", "स", "स", "%E0%A4%B8"},
		{"decoded", "ab&lt;", "ab<", "ab", "ab"},
		{"displayed", "\u202Eonisac", "casino", "sin", "nis"},
		{"displayed", "x \u202Eab\u202C y", "x ba y", "ba", "ab"},
		{"displayed", "\u202Bsino\u200Fca\u202C", "ca\u200Fsino", "ca", "ca"},
		{"displayed", "\u202Bsino\u200Fca\u202C", "ca\u200Fsino", "a\u200Fs", "sino\u200Fca"},
		{"displayed", "a\n\u202Ecb\nd", "a\nbc\nd", "bc", "cb"},
		{"decoded+displayed", "&#x202E;onisac", "casino", "casino", "onisac"},
		{"decoded+displayed", "%E2%80%AEab", "ba", "b", "b"},
	} {
		vs := viewsOf(c.text)
		if len(vs) == 0 {
			t.Errorf("%s %q: no view", c.kind, c.text)
			continue
		}
		v := vs[len(vs)-1]
		if v.text != c.view || len(v.src) != len(v.text) {
			t.Errorf("%s %q: view %q (%d offsets), want %q", c.kind, c.text, v.text, len(v.src), c.view)
			continue
		}
		i := strings.Index(v.text, c.find)
		s, e := v.source(i, i+len(c.find))
		if c.text[s:e] != c.source {
			t.Errorf("%s %q: %q maps to %q, want %q", c.kind, c.text, c.find, c.text[s:e], c.source)
		}
	}
	for _, plain := range []string{"", "casino", "सट्टा मटका", "Q&A at 5% off", "क्\u200Dष \u200F"} {
		if vs := viewsOf(plain); len(vs) != 0 {
			t.Errorf("%q: views %v, want none", plain, vs)
		}
	}
}

// FuzzViews: whatever the text, every range of every view maps onto whole
// code points of the text, and the whole rule set reports spans that are
// the field's bytes, in every field that has views.
func FuzzViews(f *testing.F) {
	for _, s := range []string{
		"\u202Eonisac", "&#99;asino %63asino", "\u202Bsino\u200Fca\u202C", "&#x202E;x\u2067y\u2069",
		"%E0%A4%B8%FF%ZZ&#xD800;&#0;&#1114112;", "\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\n\u202E",
		"bet&#46;example https://bet%2Eexample/%0Ahttps://bit.ly/x", "&amp;amp;amp;amp;#99;",
	} {
		f.Add(s, "https://bet.example/"+s)
	}
	cfg := plain()
	cfg.Links.BlockDomains = []string{"bet.example"}
	rs, err := compileRules(cfg, slices.Concat(words(ListBlock, "casino", "सट्टा"), words(ListAllow, "casino royale")), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text, url string) {
		for _, v := range viewsOf(text) {
			if len(v.src) != len(v.text) {
				t.Fatalf("%q: view %q has %d offsets", text, v.text, len(v.src))
			}
			for a := 0; a <= len(v.text); a++ {
				for _, b := range []int{a, a + 1, a + 3, len(v.text)} {
					s, e := v.source(a, b)
					if s < 0 || s > e || e > len(text) || utf8.ValidString(text) && !utf8.ValidString(text[s:e]) {
						t.Fatalf("%q: view %q [%d:%d] maps to [%d:%d]", text, v.text, a, b, s, e)
					}
				}
			}
		}
		sub := comment(text)
		sub.Author.Name, sub.Author.URL = text, url
		k := rs.keys(sub)
		checkSpans(t, fmt.Sprintf("%q %q", text, url), sub, rs.evaluate(sub, &k))
	})
}
