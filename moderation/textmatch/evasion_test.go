package textmatch

import (
	"slices"
	"strings"
	"testing"
)

// An evasion is a spelling of a listed word that a reader sees as the word.
// Each case names its class (the classes of issue 13); the test logs how
// many cases each class has.
type evasion struct {
	class string
	text  string // the word as the attacker wrote it
	term  string // the listed word it must match
}

const (
	classAccents    = "1 accents and combining marks"
	classCase       = "2 case-mapping oddities"
	classDecorative = "3 enclosed and decorative letters"
	classHidden     = "4 characters hidden inside a word"
	classDevanagari = "7 Devanagari joiners and nukta"
)

var evasions = []evasion{
	{classAccents, "casíno", "casino"},
	{classAccents, "casino\u0300", "casino"},
	{classAccents, "\u0301casino", "casino"},
	{classAccents, "ćáśíńó", "casino"},
	{classAccents, "c\u0327a\u0308s\u030Ci\u0323n\u0303o\u20DD", "casino"}, // cedilla, diaeresis, caron, dot below, tilde, enclosing circle
	{classAccents, "ca\u1DC4sino\u1AB0", "casino"},                         // Supplement and Extended blocks
	{classAccents, "çàşīñø", "casino"},                                     // precomposed, and ø whose stroke is fused
	{classAccents, "cаsіnо\u0301", "casino"},                               // Cyrillic look-alikes with an accent
	{classAccents, "κάσινο", "κασινο"},                                     // Greek tonos
	{classAccents, "казино\u0306", "казино"},                               // Cyrillic with a breve
	{classAccents, "сasinо\u0483", "casino"},                               // Cyrillic titlo
	{classAccents, "łøţţëŗÿ", "lottery"},
	{classCase, "CASİNO", "casino"},         // U+0130, whose folding keeps a dot above
	{classCase, "casıno", "casino"},         // dotless ı
	{classCase, "CAſINO", "casino"},         // long s
	{classCase, "ＣＡＳＩＮＯ", "casino"},         // full width capitals
	{classCase, "\u212Aing", "king"},        // Kelvin sign
	{classDecorative, "🅒🅐🅢🅘🅝🅞", "casino"},   // negative circled
	{classDecorative, "🅲🅰🆂🅸🅽🅾", "casino"},   // negative squared
	{classDecorative, "🇨🇦🇸🇮🇳🇴", "casino"},   // regional indicators
	{classDecorative, "⒞⒜⒮⒤⒩⒪", "casino"},   // parenthesized small
	{classDecorative, "🄒🄐🄢🄘🄝🄞", "casino"},   // parenthesized capital
	{classDecorative, "ᴄᴀꜱɪɴᴏ", "casino"},   // small capitals
	{classDecorative, "casiɴo", "casino"},   // one small capital
	{classDecorative, "ᴄᴀsɪɴᴏ", "casino"},   // mixed
	{classDecorative, "🅒asino", "casino"},   // one negative circled
	{classDecorative, "Ⓒⓐⓢⓘⓝⓞ", "casino"},   // circled (decomposed already)
	{classDecorative, "ʙᴇᴛ❸❻❺", "bet365"},   // small capitals and dingbat digits
	{classDecorative, "🅲ᴀsino", "casino"},   // mixed kinds
	{classHidden, "c\u2800asino", "casino"}, // braille blank
	{classHidden, "c\x7Fasino", "casino"},   // DEL
	{classHidden, "ca\x1Bsino", "casino"},   // ESC
	{classHidden, "cas\x07ino", "casino"},   // BEL
	{classHidden, "casi\rno", "casino"},     // CR
	{classHidden, "casin\vo", "casino"},     // VT
	{classHidden, "c\fasino", "casino"},     // FF
	{classHidden, "ca\u0085sino", "casino"}, // NEL
	{classHidden, "cas\u2028ino", "casino"}, // line separator
	{classHidden, "cas\u2029ino", "casino"}, // paragraph separator
	{classHidden, "casi\uFFFCno", "casino"}, // object replacement
	{classHidden, "ca\u0640sino", "casino"}, // tatweel
	{classHidden, "ca\u07FAsino", "casino"}, // N'Ko lajanyalan
	{classHidden, "c\x00a\x01s\x1Fi\u0080n\u009Fo", "casino"},
	{classHidden, "c\u200Da\u200Cs\u2063ino", "casino"},             // joiners and an invisible separator
	{classHidden, "c\u180Ea\u3164s\uFFA0i\u115Fn\u1160o", "casino"}, // Mongolian separator, Hangul fillers
	{classHidden, "सट्\u2800टा", "सट्टा"},
	{classHidden, "सट्ट\x1Bा", "सट्टा"},
	{classDevanagari, "सट्\u200Dटा", "सट्टा"},       // ZWJ after the virama
	{classDevanagari, "सट्\u200Cटा", "सट्टा"},       // ZWNJ after the virama
	{classDevanagari, "स\u093Cट्टा", "सट्टा"},       // a stray nukta
	{classDevanagari, "सट\u093C्टा", "सट्टा"},       // nukta before the virama
	{classDevanagari, "स\u200Dट्\u200Dटा", "सट्टा"}, // joiners anywhere
	{classDevanagari, "सट्\u200D\u200Cटा", "सट्टा"}, // two joiners
	{classDevanagari, "म\u093Cट\u093Cका", "मटका"},
	{classDevanagari, "सट्टेबाजी", "सट्टेबाज़ी"}, // the nukta left out
	{classDevanagari, "क्\u200Dष", "क्ष"},        // a half form is the conjunct
}

// keptApart are words that must stay different: the folding stops where
// matching would start to hit innocent words.
var keptApart = []struct{ text, term string }{
	{"मतदान", "मत"},          // a word is whole: vowel-less letters are no boundary
	{"मति", "मत"},            // vowel signs are kept
	{"सट्टेबाज़ी", "सट्टा"},  // a different vowel sign
	{"सट्ट", "सट्टा"},        // the vowel sign makes the word
	{"सटटा", "सट्टा"},        // and so does the virama
	{"मंत", "मत"},            // and the anusvara
	{"casinos", "casino"},    // no stemming
	{"casinoा", "casino"},    // an Indic mark is a word character
	{"casino🇮🇳", "casinoin"}, // a flag stays apart from the word before it
	{"hind🇮🇳", "hindi"},
	{"c\na\nsino", "casino"},
}

func TestEvasions(t *testing.T) {
	counts := map[string]int{}
	for _, e := range evasions {
		counts[e.class]++
		for _, o := range []Options{{}, {Leet: true}} {
			m, err := Compile([]string{e.term}, o)
			if err != nil {
				t.Fatalf("%s: term %q: %v", e.class, e.term, err)
			}
			text := "join " + e.text + " tonight"
			k := checkKey(t, text, o)
			got := m.AppendMatches(nil, k)
			if len(got) != 1 {
				t.Errorf("%s: %+q (key %+q) does not match %q (key %+q)", e.class, e.text, k, e.term, Normalize(e.term, o))
				continue
			}
			// The span is what the reader wrote: all of the word, less
			// what the key dropped at its ends.
			if a, b := k.Source(got[0].Start, got[0].End); !strings.Contains(e.text, text[a:b]) || len(text[a:b]) < len(e.text)-3 {
				t.Errorf("%s: %+q matched as %+q", e.class, e.text, text[a:b])
			}
		}
		// A term written the evasive way matches the plain word too, so an
		// admin can list what they were sent.
		m, err := Compile([]string{e.text}, Options{})
		if err != nil {
			t.Errorf("%s: term %+q refused: %v", e.class, e.text, err)
			continue
		}
		if got := m.AppendMatches(nil, Normalize("join "+e.term+" tonight", Options{})); len(got) != 1 {
			t.Errorf("%s: term %+q does not match %q", e.class, e.text, e.term)
		}
	}
	classes := make([]string, 0, len(counts))
	for c := range counts {
		classes = append(classes, c)
	}
	slices.Sort(classes)
	for _, c := range classes {
		t.Logf("%-36s %2d cases", c, counts[c])
	}
	for _, k := range keptApart {
		m, err := Compile([]string{k.term}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := m.AppendMatches(nil, checkKey(t, k.text, Options{})); len(got) != 0 {
			t.Errorf("%+q matches %q: %v", k.text, k.term, got)
		}
	}
	// ... so a flag does not hide a word either.
	m, _ := Compile([]string{"casino"}, Options{})
	if got := m.AppendMatches(nil, Normalize("casino🇮🇳🇮🇳 tonight", Options{})); len(got) != 1 {
		t.Errorf("a flag after casino hides it: %v", got)
	}
}
