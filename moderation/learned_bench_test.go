package moderation

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation/learn"
)

// BenchmarkLearnedRule is the learned rule's cost on comments of about
// 1 KB with a reader's variety of words, beside a model trained on 2,000
// decisions over a 20,000-word vocabulary that holds those comments'
// words too (so that their tokens are found, as on a real site):
// features of the match keys (with their loose forms), and the verdict
// with its evidence. rules/ is the other rules on the same comments.
func BenchmarkLearnedRule(b *testing.B) {
	rs, err := compileRules(DefaultRuleConfig(), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var vocab []string
	for i := range 20000 {
		vocab = append(vocab, fmt.Sprintf("w%d", i))
	}
	var real []string
	for _, text := range varied1KB {
		real = append(real, strings.Fields(text)...)
	}
	m := learn.NewModel(modelOptions())
	for i := range 2000 {
		var body strings.Builder
		for j := range 60 {
			w := vocab[r.IntN(len(vocab))]
			if j%3 == 0 {
				w = real[r.IntN(len(real))]
			}
			body.WriteString(w + " ")
		}
		label := learn.Ham
		if i%2 == 0 {
			label = learn.Spam
		}
		m.Learn(rs.tokensOf(Comment{Site: "s", Author: Author{Name: "Reader", Email: "r@example.in"}, Body: body.String()}), learn.None, label)
	}
	l := newLearner(nil, slog.Default(), time.Now)
	l.models["s"] = m
	cfg := DefaultLearnedRule()
	for _, lang := range []string{"english", "hindi", "mixed"} {
		sub := comment(varied1KB[lang])
		sub.Site = "s"
		k := rs.keys(sub)
		found := rs.assess(sub, &k).links
		b.Run("learned/"+lang, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(sub.Body)))
			for b.Loop() {
				if _, ok := l.judge(cfg, "s", sub, &k, found); !ok {
					b.Fatal("the rule abstained")
				}
			}
		})
		// The yardstick: today's other rules on the same comment, as
		// BenchmarkRules runs them.
		b.Run("rules/"+lang, func(b *testing.B) {
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

// varied1KB are comments of about 1 KB whose words mostly differ, as a
// real reader's do: the learned rule's cost grows with distinct words,
// which comments1KB (one sentence repeated) has few of.
var varied1KB = map[string]string{
	"english": "The budget session raised real questions about rural employment and the fiscal deficit, but the " +
		"finance minister spent most of her speech on infrastructure. My village in Bihar still waits for the " +
		"road promised three years ago; the contractor left after the monsoon washed away the first layer. " +
		"Farmers here need cold storage and fair prices far more than another expressway. Your reporter should " +
		"visit the district hospital too, where two doctors serve forty thousand people and the ambulance has " +
		"been broken since March. I appreciate that this newspaper publishes such detailed analysis, yet I wish " +
		"the article had compared the allocation with last year's revised estimates instead of the original " +
		"ones. Teachers in government schools were not paid for two months during the election, and nobody " +
		"asked why. Please follow up on the irrigation scheme announced in 2019: the canal exists on paper " +
		"only. Thank you for listening to readers from small towns; we rarely see our problems in national news.",
	"hindi": "बजट सत्र में ग्रामीण रोज़गार और राजकोषीय घाटे पर गंभीर सवाल उठे, लेकिन वित्त मंत्री ने अपने भाषण का " +
		"ज़्यादातर हिस्सा बुनियादी ढांचे पर लगाया। हमारे गाँव की सड़क तीन साल से अधूरी पड़ी है और ठेकेदार बारिश के " +
		"बाद लौटा ही नहीं। किसानों को ठंडे भंडारण और उचित दाम चाहिए, नया राजमार्ग नहीं। ज़िला अस्पताल में दो डॉक्टर " +
		"चालीस हज़ार लोगों को देखते हैं और एम्बुलेंस मार्च से खराब है। आपके संवाददाता को वहाँ भी जाना चाहिए। " +
		"सरकारी स्कूलों के शिक्षकों को चुनाव के दौरान दो महीने वेतन नहीं मिला, इस पर कोई नहीं बोलता।",
	"mixed": "Sarkar ne budget mein kisano ke liye kuch khaas nahi kiya, यह बहुत दुख की बात है। Hamare gaon mein " +
		"sadak teen saal se adhuri hai aur thekedar baarish ke baad wapas hi nahi aaya. Mandi mein sahi daam " +
		"milta nahi, cold storage ka naam bhi kisi ne nahi suna. ज़िला अस्पताल में सिर्फ़ दो डॉक्टर हैं, " +
		"ambulance March se kharab padi hai. Aapke reporter ko ek baar yahan aana chahiye, asli halat dekhni " +
		"chahiye. Schools mein teachers ko do mahine salary nahi mili election ke time, par koi sawal nahi " +
		"puchta. Irrigation wali yojana sirf kagaz par hai, nahar ka koi pata nahi. Phir bhi shukriya ki aap " +
		"chhote shehron ki baat chhapte ho; national news mein hamari problems kabhi dikhti nahi. Bijli bhi " +
		"din mein sirf chaar ghante aati hai, bachche lantern mein padhte hain. Corruption ki wajah se har " +
		"yojana adhuri reh jaati hai, aur log ab thak chuke hain.",
}
