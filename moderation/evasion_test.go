package moderation

import (
	"maps"
	"slices"
	"testing"
)

// keyEvasion is a spelling that a reader sees as a listed word, or as a
// banned name, and the plain spelling it must be judged as.
type keyEvasion struct {
	class string // the class of issue 13
	field string // body or name
	text  string
	plain string
}

// keyEvasions are the evasions the match key folds (classes 1–4 and 7),
// run through the whole rule set.
var keyEvasions = []keyEvasion{
	{"1 accents and combining marks", "body", "Join the casíno tonight", "Join the casino tonight"},
	{"1 accents and combining marks", "body", "Join the casino\u0300 tonight", "Join the casino tonight"},
	{"1 accents and combining marks", "body", "Join the \u0301casino tonight", "Join the casino tonight"},
	{"1 accents and combining marks", "body", "Join the ćáśíńó tonight", "Join the casino tonight"},
	{"1 accents and combining marks", "name", "Rócky Spammer", "Rocky Spammer"},
	{"1 accents and combining marks", "name", "ℜøçky Spämmér", "Rocky Spammer"},
	{"2 case-mapping oddities", "body", "CASİNO bonus", "CASINO bonus"},
	{"2 case-mapping oddities", "body", "casıno bonus", "casino bonus"},
	{"3 enclosed and decorative letters", "body", "Play 🅒🅐🅢🅘🅝🅞 now", "Play casino now"},
	{"3 enclosed and decorative letters", "body", "Play 🅲🅰🆂🅸🅽🅾 now", "Play casino now"},
	{"3 enclosed and decorative letters", "body", "Play 🇨🇦🇸🇮🇳🇴 now", "Play casino now"},
	{"3 enclosed and decorative letters", "body", "Play ⒞⒜⒮⒤⒩⒪ now", "Play casino now"},
	{"3 enclosed and decorative letters", "body", "Play ᴄᴀꜱɪɴᴏ now", "Play casino now"},
	{"3 enclosed and decorative letters", "body", "Play casiɴo now", "Play casino now"},
	{"3 enclosed and decorative letters", "name", "ʀᴏᴄᴋʏ sᴘᴀᴍᴍᴇʀ", "Rocky Spammer"},
	{"4 characters hidden inside a word", "body", "Play c\u2800asino now", "Play casino now"},
	{"4 characters hidden inside a word", "body", "Play c\x7Fa\x1Bs\x07i\rno now", "Play casino now"},
	{"4 characters hidden inside a word", "body", "Play ca\vsi\fno now", "Play casino now"},
	{"4 characters hidden inside a word", "body", "Play cas\u0085i\u2028no now", "Play casino now"},
	{"4 characters hidden inside a word", "body", "Play ca\uFFFCsi\u0640no now", "Play casino now"},
	{"4 characters hidden inside a word", "name", "Rocky Spam\u2800mer", "Rocky Spammer"},
	{"7 Devanagari joiners and nukta", "body", "आज सट्\u200Dटा खेलो", "आज सट्टा खेलो"},
	{"7 Devanagari joiners and nukta", "body", "आज सट्\u200Cटा खेलो", "आज सट्टा खेलो"},
	{"7 Devanagari joiners and nukta", "body", "आज स\u093Cट्टा खेलो", "आज सट्टा खेलो"},
}

// keyStarterEvasions run against the starter rules alone.
var keyStarterEvasions = []keyEvasion{
	{"1 accents and combining marks", "body", "sáttá mátká ka result yahan", "satta matka ka result yahan"},
	{"1 accents and combining marks", "body", "Best onlíne casínó in India", "Best online casino in India"},
	{"1 accents and combining marks", "body", "Ínstánt lóán in 5 minutes, WhátsApp mé on +91 98765 43210",
		"Instant loan in 5 minutes, WhatsApp me on +91 98765 43210"},
	{"3 enclosed and decorative letters", "body", "ꜱᴀᴛᴛᴀ ᴋɪɴɢ ka number", "satta king ka number"},
	{"7 Devanagari joiners and nukta", "body", "स\u093Cट्\u200Dटा म\u093Cटका का रिजल्ट", "सट्टा मटका का रिजल्ट"},
}

func TestKeyEvasions(t *testing.T) {
	lists := words(ListBlock, "casino", "सट्टा")
	bans := []Ban{{ID: "n1", Kind: BanName, Display: "Rocky Spammer", Value: "rocky spammer"}}
	judge := func(cfg RuleConfig, field, text string) (Status, []Reason) {
		sub := valid()
		if field == "name" {
			sub.Author.Name = text
		} else {
			sub.Body = text
		}
		return evaluateWith(t, cfg, lists, bans, sub)
	}
	counts := map[string]int{}
	run := func(cfg RuleConfig, cases []keyEvasion) {
		for _, e := range cases {
			counts[e.class]++
			want, wantReasons := judge(cfg, e.field, e.plain)
			if want == StatusPublished {
				t.Fatalf("%q: the plain spelling is published: the case tests nothing", e.plain)
			}
			got, reasons := judge(cfg, e.field, e.text)
			if got != want {
				t.Errorf("%s: %+q is %v %v, but %q is %v", e.class, e.text, got, ruleIDs(reasons), e.plain, want)
				continue
			}
			// The listed word or the ban is what decided, as for the plain
			// spelling.
			for _, r := range wantReasons {
				if (r.Rule == "wordlist_block" || r.Rule == "wordlist_hold" || r.Rule == "ban_name") && !slices.Contains(ruleIDs(reasons), r.Rule) {
					t.Errorf("%s: %+q lacks reason %s: %v", e.class, e.text, r.Rule, ruleIDs(reasons))
				}
			}
			for _, r := range reasons {
				if sp := r.Span; sp != nil && (sp.Field == "body" && e.field == "body" || sp.Field == "name" && e.field == "name") {
					if sp.Start < 0 || sp.End > len(e.text) || e.text[sp.Start:sp.End] != sp.Text {
						t.Errorf("%s: reason %s span %+v does not point into %+q", e.class, r.Rule, sp, e.text)
					}
				}
			}
		}
	}
	run(plain(), keyEvasions)
	run(DefaultRuleConfig(), keyStarterEvasions)
	for _, c := range slices.Sorted(maps.Keys(counts)) {
		t.Logf("%-36s %2d cases", c, counts[c])
	}
}
