package moderation

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"
)

// Issue 13, class 9: a word-list term also matches its spellings in the
// other script (Devanagari ↔ Hinglish), on by default, off with a leading
// '='.
func TestEvasionOtherScript(t *testing.T) {
	withName := func(name string) Submission { s := valid(); s.Author.Name = name; return s }
	type tc struct {
		class    string
		name     string
		starter  bool
		words    []WordTerm
		sub      Submission
		want     Status
		spanText string // of the first word-list reason, when set
	}
	block := func(t ...string) []WordTerm { return words(ListBlock, t...) }
	cases := []tc{
		{"9 other script", "Devanagari BLOCK term in Hinglish", false, block("सट्टा"), comment("aaj satta khelo"), StatusSpam, "satta"},
		{"9 other script", "Devanagari BLOCK term, long vowels written", false, block("सट्टा"), comment("aaj SATTAA khelo"), StatusSpam, "SATTAA"},
		{"9 other script", "Devanagari BLOCK phrase in Hinglish", false, block("सट्टा मटका"), comment("best sattaa matkaa tips"), StatusSpam, "sattaa matkaa"},
		{"9 other script", "Devanagari BLOCK term in a name", false, block("मटका"), withName("Matka King"), StatusSpam, "Matka"},
		{"9 other script", "Hinglish BLOCK term in Devanagari", false, block("matka"), comment("मटका खेलो और जीतो"), StatusSpam, "मटका"},
		{"9 other script", "Hinglish BLOCK phrase with a loanword in Devanagari", false, block("paisa double"), comment("अपना पैसा डबल करो"), StatusSpam, "पैसा डबल"},
		{"9 other script", "Devanagari BLOCK phrase with a loanword in Hinglish", false, block("पैसा डबल"), comment("apna paisa double karo"), StatusSpam, "paisa double"},
		{"9 other script", "half in each script", false, block("paisa double"), comment("अपना पैसा double karo"), StatusSpam, "पैसा double"},
		{"9 other script", "starter BLOCK phrase in Hinglish", true, nil, comment("sattaa matkaa ka result"), StatusSpam, ""},
		{"9 other script", "starter BLOCK phrase, spelt loosely", true, nil, comment("ghar baithe kamaaye roz"), StatusSpam, ""},
		{"9 other script", "starter BLOCK loanword phrase", true, nil, comment("paisaa dabal karo"), StatusSpam, ""},
		{"9 other script", "starter HOLD loanword in Hinglish", true, nil, comment("lautri jeeto abhi"), StatusPending, ""},
		{"9 other script", "starter HOLD term in Hinglish", true, nil, comment("aaj ka matkaa number"), StatusPending, ""},
		// Ham and opt-outs.
		{"9 ham", "'=' keeps a term to its script", false, block("=सट्टा"), comment("aaj satta khelo"), StatusPublished, ""},
		{"9 ham", "'=' still matches the term's own script", false, block("=सट्टा"), comment("आज सट्टा खेलो"), StatusSpam, "सट्टा"},
		{"9 ham", "a Latin term does not loosen within Latin", false, block("matka"), comment("matkaa tips"), StatusPublished, ""},
		{"9 ham", "a Devanagari term does not loosen within Devanagari", false, block("सट्टा"), comment("सत्ता में बैठी सरकार"), StatusPublished, ""},
		{"9 ham", "'satta' listed with 'सट्टा' leaves सत्ता (power) alone", true, nil, comment("सत्ता में बैठी सरकार जवाब दे"), StatusPublished, ""},
		{"9 ham", "short words stay in their script", false, words(ListHold, "मत"), comment("a yoga mat for sale"), StatusPublished, ""},
		{"9 ham", "an English term meets no Hindi word", false, block("casino"), comment("कसीनो और कैसे"), StatusPublished, ""},
		{"9 ham", "wildcard terms stay in their script", false, block("सट्टा*"), comment("satta khelo"), StatusPublished, ""},
	}
	counts := map[string]int{}
	for _, c := range cases {
		cfg := plain()
		cfg.StarterRules = c.starter
		st, rs := evaluateWith(t, cfg, c.words, nil, c.sub)
		counts[c.class]++
		if st != c.want {
			t.Errorf("class %s, %s: %v %v, want %v", c.class, c.name, st, ruleIDs(rs), c.want)
			continue
		}
		for _, r := range rs {
			if sp := r.Span; sp != nil {
				text := fieldTexts(c.sub)[fieldIndex(sp.Field)]
				if sp.Start < 0 || sp.End > len(text) || text[sp.Start:sp.End] != sp.Text {
					t.Errorf("class %s, %s: reason %s span %+v does not point into the %s", c.class, c.name, r.Rule, sp, sp.Field)
				}
			}
		}
		if c.spanText != "" {
			i := slices.IndexFunc(rs, func(r Reason) bool { return strings.HasPrefix(r.Rule, "wordlist_") })
			if i < 0 || rs[i].Span == nil || rs[i].Span.Text != c.spanText {
				t.Errorf("class %s, %s: reasons %+v, want a word-list span %q", c.class, c.name, rs, c.spanText)
			}
		}
	}
	t.Logf("cases per class: %v", counts)
}

// The reason says which script the term was found in.
func TestOtherScriptDetail(t *testing.T) {
	_, rs := evaluateWith(t, plain(), words(ListBlock, "सट्टा"), nil, comment("aaj satta khelo"))
	want := `BLOCK term "सट्टा" (word list) in the body, written in Latin letters`
	if len(rs) != 1 || rs[0].Detail != want {
		t.Fatalf("reasons %+v, want one with detail %q", rs, want)
	}
	_, rs = evaluateWith(t, plain(), words(ListBlock, "matka"), nil, comment("मटका खेलो"))
	want = `BLOCK term "matka" (word list) in the body, written in Devanagari`
	if len(rs) != 1 || rs[0].Detail != want {
		t.Fatalf("reasons %+v, want one with detail %q", rs, want)
	}
}

// An ALLOW entry covers a term found in the other script.
func TestOtherScriptAllow(t *testing.T) {
	lists := slices.Concat(words(ListBlock, "satta"), words(ListAllow, "सत्ता पक्ष"))
	st, rs := evaluateWith(t, plain(), lists, nil, comment("सत्ता पक्ष को जवाब देना होगा"))
	if st != StatusPublished || !slices.Equal(ruleIDs(rs), []string{"wordlist_allow"}) {
		t.Fatalf("%v %v, want PUBLISHED by wordlist_allow", st, ruleIDs(rs))
	}
}

// Common Hindi and Hinglish comments get no match in the other script
// from the starter rules (a few are held by the exact starter terms
// "satta" and "लॉटरी", as before).
func TestOtherScriptHam(t *testing.T) {
	f, err := os.Open("textmatch/translit/testdata/common_words.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg := DefaultRuleConfig()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		_, rs := evaluateWith(t, cfg, nil, nil, comment(line))
		for _, r := range rs {
			if strings.Contains(r.Detail, ", written in ") {
				t.Errorf("%q: %s %s", line, r.Rule, r.Detail)
			}
		}
	}
	t.Logf("%d ham comments", n)
}
