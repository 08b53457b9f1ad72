package moderation

import (
	"slices"
	"testing"
)

// A SHADOW term or a pattern with action shadow records where it would
// have fired and never changes a decision.
func TestShadowRulesNeverDecide(t *testing.T) {
	cfg := plain()
	cfg.FirstTimeHold = false
	shadowed := cfg
	shadowed.Patterns = []PatternRule{{ID: "phone", Pattern: `\d{10}`, Action: "shadow", Score: 9, Detail: "a phone number"}}
	base := append(words(ListBlock, "casino"), words(ListHold, "free recharge")...)
	base = append(base, words(ListAllow, "crypto news")...)
	trial := append(slices.Clone(base), words(ListShadow, "lottery", "casino", "crypto")...)

	for _, tc := range []struct {
		body       string
		wantShadow []string // the shadow reasons' matched texts
	}{
		{"win the lottery, call 9876543210", []string{"lottery", "9876543210"}},
		{"best casino in town", []string{"casino"}},
		{"free recharge and a LOTTERY ticket", []string{"LOTTERY"}},
		{"read the crypto news today", nil}, // the ALLOW term covers it
		{"a thoughtful comment on the budget", nil},
	} {
		sub := comment(tc.body)
		wantSt, wantReasons := evaluateWith(t, cfg, base, nil, sub)
		gotSt, gotReasons := evaluateWith(t, shadowed, trial, nil, sub)
		if gotSt != wantSt {
			t.Errorf("%q: %s with shadow rules, %s without", tc.body, gotSt, wantSt)
		}
		var acting, shadow []string
		for _, r := range gotReasons {
			if r.Action != RuleShadow {
				acting = append(acting, r.Rule)
				continue
			}
			if r.Rule != "wordlist_shadow" && r.Rule != "pattern_phone" {
				t.Errorf("%q: shadow reason %q", tc.body, r.Rule)
			}
			if r.Span == nil {
				t.Fatalf("%q: shadow reason %s without a span", tc.body, r.Rule)
			}
			shadow = append(shadow, r.Span.Text)
		}
		if !slices.Equal(acting, ruleIDs(wantReasons)) {
			t.Errorf("%q: acting reasons %q with shadow rules, %q without", tc.body, acting, ruleIDs(wantReasons))
		}
		if !slices.Equal(shadow, tc.wantShadow) {
			t.Errorf("%q: shadow reasons matched %q, want %q", tc.body, shadow, tc.wantShadow)
		}
	}
}

func TestShadowReasonDetail(t *testing.T) {
	_, reasons := evaluateWith(t, plain(), words(ListShadow, "lottery"), nil, comment("the lottery"))
	i := slices.IndexFunc(reasons, func(r Reason) bool { return r.Rule == "wordlist_shadow" })
	if i < 0 {
		t.Fatalf("no wordlist_shadow reason in %q", ruleIDs(reasons))
	}
	if want := `SHADOW term "lottery" (word list) in the body`; reasons[i].Detail != want {
		t.Errorf("detail %q, want %q", reasons[i].Detail, want)
	}
}

func TestShadowPatternCompiles(t *testing.T) {
	cfg := plain()
	cfg.Patterns = []PatternRule{{ID: "p", Pattern: "x", Action: "maybe"}}
	if err := CheckRuleConfig(cfg); err == nil || err.Error() != `patterns[0] (p): action must be hold, spam, score or shadow, got "maybe"` {
		t.Errorf("CheckRuleConfig: %v", err)
	}
	cfg.Patterns[0].Action = "shadow"
	if err := CheckRuleConfig(cfg); err != nil {
		t.Errorf("a shadow pattern: %v", err)
	}
}
