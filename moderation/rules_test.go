package moderation

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// evaluateWith compiles cfg with words and bans and runs the content rules
// and bans on sub, as Submit does, returning the decision.
func evaluateWith(t testing.TB, cfg RuleConfig, words []WordTerm, bans []Ban, sub Submission) (Status, []Reason) {
	t.Helper()
	rs, err := compileRules(cfg, words, bans)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	k := rs.keys(sub)
	reasons := rs.bans.match(sub, k[fieldIndex("name")].String(), time.Now())
	reasons = append(reasons, rs.evaluate(sub, &k)...)
	p := DefaultPolicy()
	p.Rules = cfg
	st, reasons, _ := decide(p, reasons, true) // first-time authors are Submit's to test
	return st, reasons
}

func ruleIDs(rs []Reason) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Rule)
	}
	return out
}

func plain() RuleConfig {
	c := DefaultRuleConfig()
	c.StarterRules = false
	return c
}

func words(list WordList, terms ...string) []WordTerm {
	var out []WordTerm
	for _, t := range terms {
		out = append(out, WordTerm{List: list, Term: t})
	}
	return out
}

func comment(body string) Submission {
	s := valid()
	s.Body = body
	return s
}

func TestRules(t *testing.T) {
	block := words(ListBlock, "casino", "satta matka", "सट्टा")
	hold := words(ListHold, "मत", "free recharge", "crypto*")
	allow := words(ListAllow, "crypto news")
	lists := slices.Concat(block, hold, allow)
	ban := []Ban{
		{ID: "b1", Kind: BanEmail, Value: "spammer@example.com"},
		{ID: "b2", Kind: BanCIDR, Value: "198.51.100.0/24"},
		{ID: "b3", Kind: BanIP, Value: "2001:db8::66", ExpireTime: time.Now().Add(-time.Hour)}, // lapsed
	}
	type tc struct {
		name  string
		sub   Submission
		want  Status
		rules []string // every reason's rule, in order; nil means none
	}
	withName := func(name string) Submission { s := valid(); s.Author.Name = name; return s }
	withEmail := func(email string) Submission { s := valid(); s.Author.Email = email; return s }
	withIP := func(ip string) Submission { s := valid(); s.Client.IP = ip; return s }
	cases := []tc{
		{"clean Hindi", comment("संसद में आज बजट पेश हुआ। किसानों के लिए यह अच्छी खबर है।"), StatusPublished, nil},
		{"clean Hinglish", comment("Bilkul sahi baat hai, sarkar ko yeh pehle karna chahiye tha."), StatusPublished, nil},
		{"block word", comment("Join the casino tonight"), StatusSpam, []string{"wordlist_block"}},
		{"block word with Cyrillic letters", comment("Join the саsinо tonight"), StatusSpam, []string{"wordlist_block", "mixed_script"}},
		{"block word in full width", comment("ｃａｓｉｎｏ bonus"), StatusSpam, []string{"wordlist_block"}},
		{"block word with a zero-width space", comment("c\u200Basino bonus"), StatusSpam, []string{"wordlist_block", "invisible_chars"}},
		{"block word spaced out", comment("visit c.a.s.i.n.o now"), StatusSpam, []string{"wordlist_block"}},
		{"block word inside a longer word", comment("The casinos of Goa"), StatusPublished, nil},
		{"block phrase across lines", comment("Best SATTA\n MATKA tips"), StatusSpam, []string{"wordlist_block"}},
		{"Devanagari block word", comment("आज सट्टा खेलो"), StatusSpam, []string{"wordlist_block"}},
		{"Devanagari word is not a fragment", comment("सट्टेबाज़ी पर रोक लगे"), StatusPublished, nil},
		{"hold word, whole word", comment("आप किसे मत देंगे?"), StatusPending, []string{"wordlist_hold"}},
		{"hold word never inside a word", comment("मतदान कल है"), StatusPublished, nil},
		{"hold wildcard", comment("cryptocurrency tips here"), StatusPending, []string{"wordlist_hold"}},
		{"allow covers hold", comment("Today's crypto news is dull"), StatusPublished, []string{"wordlist_allow"}},
		{"block in the name", withName("Casino King"), StatusSpam, []string{"wordlist_block"}},
		{"block in the email", withEmail("casino@example.com"), StatusSpam, []string{"wordlist_block"}},
		{"two links", comment("The two sources are https://a.example/x and https://b.example/y"), StatusPending, []string{"links"}},
		{"one link", comment("The full report is at https://pib.gov.in/PressRelease today"), StatusPublished, nil},
		{"obfuscated links count", comment("go to hxxp://spam[.]example and www.other.example/x now please"), StatusPending, []string{"obfuscated_link", "links"}},
		{"link only", comment("https://x.example/a"), StatusPublished, []string{"link_only"}},
		{"shortener and link only", comment("http://bit.ly/abc"), StatusPending, []string{"url_shortener", "link_only", "score"}},
		{"caps", comment("THIS GOVERNMENT IS USELESS AND EVERYONE KNOWS IT"), StatusPublished, []string{"caps"}},
		{"caps and repeated", comment("THIS GOVERNMENT IS USELESS!!!!!!!!!!!! EVERYONE KNOWS IT"), StatusPublished, []string{"caps", "repeated_chars"}},
		{"Devanagari has no case", comment("यह सरकार बेकार है और सब जानते हैं कि यह सच है"), StatusPublished, nil},
		{"mixed script word", comment("log in at pаypal to claim"), StatusPublished, []string{"mixed_script"}},
		{"invisible characters", comment("hello\u200Bworld\u202E"), StatusPublished, []string{"invisible_chars"}},
		{"ZWJ after virama is fine", comment("क्\u200Dष और क्\u200Cष"), StatusPublished, nil},
		{"bbcode", comment("[url=http://x.example]cheap[/url]"), StatusPending, []string{"bbcode", "score"}},
		{"name is an email", withName("spam@example.com"), StatusPublished, []string{"name_is_link"}},
		{"name is a URL", withName("www.cheap-pills.example"), StatusPublished, []string{"name_is_link"}},
		{"banned email", withEmail("Spammer@Example.com"), StatusSpam, []string{"ban_email"}},
		{"banned network", withIP("198.51.100.23"), StatusSpam, []string{"ban_cidr"}},
		{"lapsed ban", withIP("2001:db8::66"), StatusPublished, nil},
	}
	honeypot := valid()
	honeypot.Honeypot = "http://spam.example"
	fast := valid()
	fast.FormDuration, fast.FormTimed = 800*time.Millisecond, true
	instant := valid()
	instant.FormTimed = true // "0s": the instant bot the rule exists for
	slow := valid()
	slow.FormDuration, slow.FormTimed = 40*time.Second, true
	untimed := valid() // the site does not measure: no signal either way
	cases = append(cases,
		tc{"honeypot", honeypot, StatusSpam, []string{"honeypot", "score"}},
		tc{"too fast", fast, StatusPublished, []string{"too_fast"}},
		tc{"sent at once", instant, StatusPublished, []string{"too_fast"}},
		tc{"human speed", slow, StatusPublished, nil},
		tc{"not measured", untimed, StatusPublished, nil},
	)
	for _, c := range cases {
		st, rs := evaluateWith(t, plain(), lists, ban, c.sub)
		if st != c.want || !slices.Equal(ruleIDs(rs), c.rules) {
			t.Errorf("%s: %v %v, want %v %v", c.name, st, ruleIDs(rs), c.want, c.rules)
		}
		for _, r := range rs {
			if r.Detail == "" {
				t.Errorf("%s: reason %s has no detail", c.name, r.Rule)
			}
			if sp := r.Span; sp != nil {
				text := fieldTexts(c.sub)[fieldIndex(sp.Field)]
				if sp.Start < 0 || sp.End > len(text) || text[sp.Start:sp.End] != sp.Text {
					t.Errorf("%s: reason %s span %+v does not point into the %s", c.name, r.Rule, sp, sp.Field)
				}
			}
		}
	}
}

func TestScoresAddUpToTheThresholds(t *testing.T) {
	// caps (1.5) + repeated (1) + mixed script (2) = 4.5: held.
	st, rs := evaluateWith(t, plain(), nil, nil, comment("CLAIM YOUR PRIZE AT PАYPAL NOW!!!!!!!! HURRY UP FRIENDS"))
	if st != StatusPending || !slices.Contains(ruleIDs(rs), "score") {
		t.Errorf("4.5 points: %v %v, want PENDING by score", st, ruleIDs(rs))
	}
	cfg := plain()
	cfg.HoldScore, cfg.SpamScore = 2, 4
	if st, _ := evaluateWith(t, cfg, nil, nil, comment("CLAIM YOUR PRIZE AT PАYPAL NOW!!!!!!!! HURRY UP FRIENDS")); st != StatusSpam {
		t.Errorf("4.5 points over a spam threshold of 4: %v", st)
	}
}

func TestStarterRules(t *testing.T) {
	cfg := DefaultRuleConfig()
	for body, want := range map[string]Status{
		"Satta King ka result yahan dekho":                        StatusSpam,
		"सट्टा मटका का रिजल्ट":                                    StatusSpam,
		"Paisa double karne ka tarika":                            StatusSpam,
		"Ghar baithe kamaye 5000 roz":                             StatusSpam,
		"Whatsapp me on +91 98765 43210 for details":              StatusPending,
		"टेलीग्राम पर जुड़ें 9876543210":                          StatusPending,
		"The finance minister presented the budget in parliament": StatusPublished,
		"वित्त मंत्री ने संसद में बजट पेश किया":                   StatusPublished,
	} {
		st, rs := evaluateWith(t, cfg, nil, nil, comment(body))
		if st != want {
			t.Errorf("%q: %v %v, want %v", body, st, ruleIDs(rs), want)
		}
	}
	cfg.StarterRules = false
	if st, _ := evaluateWith(t, cfg, nil, nil, comment("Satta King ka result yahan dekho")); st != StatusPublished {
		t.Errorf("starter rules off: %v, want PUBLISHED", st)
	}
	// An ALLOW entry overrides a starter term.
	if st, rs := evaluateWith(t, DefaultRuleConfig(), words(ListAllow, "lottery"), nil, comment("The lottery results are out")); st != StatusPublished {
		t.Errorf("ALLOW lottery: %v %v, want PUBLISHED", st, ruleIDs(rs))
	}
}

func TestPatternRules(t *testing.T) {
	cfg := plain()
	cfg.Patterns = []PatternRule{{ID: "upi", Pattern: `(?i)\b[a-z0-9.]+@(ybl|paytm)\b`, Action: "hold", Fields: []string{"body", "name"}}}
	st, rs := evaluateWith(t, cfg, nil, nil, comment("Send 500 to lucky.draw@ybl to win"))
	if st != StatusPending || !slices.Equal(ruleIDs(rs), []string{"pattern_upi"}) || rs[0].Span.Text != "lucky.draw@ybl" {
		t.Errorf("UPI handle: %v %+v", st, rs)
	}
	for _, bad := range []PatternRule{
		{ID: "", Pattern: "x", Action: "hold"},
		{ID: "p", Pattern: "(", Action: "hold"},
		{ID: "p", Pattern: "x", Action: "ban"},
		{ID: "p", Pattern: "x", Action: "score"},
		{ID: "p", Pattern: "x", Action: "hold", Fields: []string{"referrer"}},
	} {
		c := plain()
		c.Patterns = []PatternRule{bad}
		if err := CheckRuleConfig(c); err == nil {
			t.Errorf("pattern %+v accepted", bad)
		}
	}
}

// comments1KB are realistic comments of about 1 KB each.
var comments1KB = map[string]string{
	"english": about1KB("The budget session raised real questions about rural employment and the fiscal deficit. "),
	"hindi":   about1KB("बजट सत्र में ग्रामीण रोज़गार और राजकोषीय घाटे पर सवाल उठे। "),
	"mixed":   about1KB("Sarkar ne budget mein kisano ke liye kuch nahi kiya, यह बहुत दुख की बात है। "),
}

// about1KB repeats whole sentences up to 1 KB.
func about1KB(sentence string) string {
	var b strings.Builder
	for b.Len()+len(sentence) <= 1024 {
		b.WriteString(sentence)
	}
	return b.String()
}

// listOf makes n distinct terms in English, Hindi and Hinglish shapes.
func listOf(n int) []WordTerm {
	out := make([]WordTerm, 0, n)
	for i := 0; i < n; i++ {
		var term string
		switch i % 3 {
		case 0:
			term = fmt.Sprintf("spamword%d", i)
		case 1:
			term = fmt.Sprintf("सट्टा%d", i)
		default:
			term = fmt.Sprintf("paisa double %d", i)
		}
		out = append(out, WordTerm{List: WordList(1 + i%2), Term: term})
	}
	return out
}

// BenchmarkRules runs the whole content rule set (match keys of every
// field, word lists, patterns, links, heuristics, bans) on 1 KB comments
// with 10, 1,000 and 10,000 listed words.
func BenchmarkRules(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		rs, err := compileRules(DefaultRuleConfig(), listOf(n), nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, lang := range []string{"english", "hindi", "mixed"} {
			sub := comment(comments1KB[lang])
			b.Run(fmt.Sprintf("%s/words=%d", lang, n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(sub.Body)))
				for b.Loop() {
					k := rs.keys(sub)
					_ = rs.bans.match(sub, k[0].String(), time.Time{})
					_ = rs.evaluate(sub, &k)
				}
			})
		}
	}
}

// FuzzRules runs arbitrary comments through the whole content rule set:
// no panic, and every reason's span points into its field.
func FuzzRules(f *testing.F) {
	f.Add("Play at саsinо: hxxp://spam[.]example and bit.ly/x", "प्रिया शर्मा", "a@b.in")
	f.Add("क्\u200Dष THIS IS LOUD!!!!!!!! [url=x]", "www.x.example", "x@y.example")
	f.Add("", "", "")
	f.Add("\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD", "Asha", "a@b.in")
	rs, err := compileRules(DefaultRuleConfig(), slices.Concat(words(ListBlock, "casino", "*coin"), words(ListAllow, "crypto news")), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body, name, email string) {
		sub := comment(body)
		sub.Author.Name, sub.Author.Email = name, email
		k := rs.keys(sub)
		reasons := rs.evaluate(sub, &k)
		texts := fieldTexts(sub)
		for _, r := range reasons {
			if sp := r.Span; sp != nil {
				text := texts[fieldIndex(sp.Field)]
				if sp.Start < 0 || sp.Start > sp.End || sp.End > len(text) || text[sp.Start:sp.End] != sp.Text {
					t.Fatalf("reason %s: span %+v outside its field %q", r.Rule, sp, text)
				}
			}
			// Answers carry details and spans; proto3 refuses to send a
			// string that is not UTF-8, so text in must mean text out.
			if utf8.ValidString(body) && utf8.ValidString(name) && utf8.ValidString(email) {
				if !utf8.ValidString(r.Detail) || r.Span != nil && !utf8.ValidString(r.Span.Text) {
					t.Fatalf("reason %s: detail %q or span %+v is not UTF-8", r.Rule, r.Detail, r.Span)
				}
			}
		}
	})
}

// A body of replacement characters, what a browser makes of mojibake,
// scored as repeated characters with a span that cut U+FFFD in three.
func TestSpanOfReplacementCharacters(t *testing.T) {
	body := strings.Repeat("\uFFFD", 8)
	_, reasons := evaluateWith(t, plain(), nil, nil, comment(body))
	var found bool
	for _, r := range reasons {
		if r.Rule == "repeated_chars" {
			found = true
			if r.Span.Text != body || !utf8.ValidString(r.Span.Text) {
				t.Fatalf("span text %+q, want the whole body", r.Span.Text)
			}
		}
	}
	if !found {
		t.Fatalf("reasons %v, want repeated_chars", ruleIDs(reasons))
	}
}
