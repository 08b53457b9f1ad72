package textmatch

import (
	"math/rand/v2"
	"strings"
)

// Realistic comments of about 1 KB for tests and benchmarks.
var (
	commentEnglish = "This budget is a joke. The finance minister talks about growth but petrol prices are still sky high " +
		"and the middle class gets nothing. My family runs a small shop in Lucknow and GST filing alone eats two days " +
		"every month. Why not simplify the slabs first? The railway allocation looks bigger on paper, but the new trains " +
		"never reach our district. Anyway, if you want to EARN extra income from home, check my profile: easy work from " +
		"home, 5000 rupees daily guaranteed!!! Visit w w w . quick-cash . com for details. I have been reading this paper " +
		"for twenty years and the comment section is now full of such spam, please moderate it properly. Back to the " +
		"topic: the fiscal deficit target of 4.5% is ambitious, and the opposition is right to ask where the money for " +
		"the new schemes will come from. Farmers need MSP guarantees, not more announcements. Let us see what happens " +
		"in the monsoon session, and whether the states get their share of taxes on time this year. Jai Hind."

	commentHindi = "संसद के बजट सत्र में आज वित्त मंत्री ने नई कर व्यवस्था पर विस्तार से जवाब दिया। विपक्ष ने महंगाई " +
		"और बेरोज़गारी के मुद्दे पर सरकार को घेरा और सदन से बहिर्गमन किया। मेरे गाँव में अब भी सड़कें टूटी हुई हैं और " +
		"बिजली दिन में केवल आठ घंटे आती है। किसानों को न्यूनतम समर्थन मूल्य की कानूनी गारंटी चाहिए, केवल घोषणाओं से " +
		"काम नहीं चलेगा। शिक्षा और स्वास्थ्य पर खर्च बढ़ाना स्वागत योग्य कदम है।"

	commentHinglish = "Bhai ye budget sirf amiron ke liye hai, middle class ko kuch nahi mila. Petrol ka rate dekho, " +
		"ghar chalana mushkil ho gaya hai. Sarkar kehti hai vikas ho raha hai lekin hamare sheher mein naukri nahi hai. " +
		"Mere bhai ne do saal se exam diya par result abhi tak nahi aaya. Aap log sirf TV debate dekhte ho, zameen par " +
		"kuch nahi badla. Waise agar jaldi paise chahiye to s.a.t.t.a m.a.t.k.a khelo aur paisa double karo, ghar " +
		"baithe kamaye roz ka 5000, abhi call karo!!! सट्टा किंग नंबर यहाँ मिलेगा। Lekin seriously, ye spam band karo " +
		"moderator ji. Kisan bhaiyon ke liye MSP ki guarantee honi chahiye, aur yuvaon ke liye rozgar. बहुत बढ़िया " +
		"लेख है, धन्यवाद। Agli baar infrastructure aur railway par bhi detail mein likhiye please. Sach bolne ke liye " +
		"shukriya, aise hi likhte rahiye, hum sab padhte hain aur share bhi karte hain."
)

// spamTerms is a realistic block list: English, Hinglish and Hindi.
var spamTerms = []string{
	"casino", "online casino", "viagra", "cialis", "work from home", "earn money", "make money fast", "bitcoin*",
	"*coin", "crypto", "forex", "payday loan", "free gift", "click here", "weight loss", "escort", "hot singles",
	"porn*", "lottery", "jackpot", "betting", "bet365", "seo services", "backlinks", "cheap pills", "replica watches",
	"guaranteed income", "call girl", "double your money", "whatsapp me", "buy followers", "instant loan",
	"satta matka", "satta king", "paisa double", "ghar baithe kamaye", "kalyan matka", "teen patti", "rummy",
	"loan app", "sasta loan", "free recharge", "lottery jeeto", "matka result",
	"सट्टा", "मटका", "जुआ", "लॉटरी", "पैसा डबल", "घर बैठे कमाएं", "फ्री रिचार्ज", "कॉल गर्ल", "ऑनलाइन कैसीनो", "सट्टा किंग",
}

// vocabulary holds the words of generated terms: the content words of spam
// in the three kinds of comment, many of which ordinary comments use too
// (money, home, work, budget, सरकार), so that terms share prefixes with
// ordinary text as real lists do. Real lists rarely start with stop words.
var vocabulary = strings.Fields("money cash free win earn online loan bet play game click buy cheap offer deal " +
	"price best new now fast easy " +
	"home work job income bonus gift prize lucky number result king boss call girl hot sexy dating chat " +
	"paisa kamao jeeto khelo matka satta bhai yaar sasta mast ghar baithe roz din raat naukri sarkar budget " +
	"सट्टा मटका पैसा कमाओ जीतो खेलो नंबर किंग भाई घर बैठे रोज़ नौकरी सरकार बजट मुफ्त इनाम लॉटरी")

// genTerms returns n distinct terms: spamTerms first, then generated
// phrases of one to three words, some with wildcards, from a fixed seed.
func genTerms(n int) []string {
	terms := make([]string, 0, n)
	seen := map[string]bool{}
	add := func(t string) {
		if len(terms) < n && !seen[t] {
			seen[t] = true
			terms = append(terms, t)
		}
	}
	for _, t := range spamTerms {
		add(t)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	syll := strings.Fields("ka ki ku ra ro ma mo na ni pa pi sa so ta to la li da de ba bo ga go ha ja jo va ya ze xo")
	for len(terms) < n {
		// Single words are made-up names (brands, sites); phrases mix in
		// the vocabulary.
		var words []string
		nw := 1 + rng.IntN(3)
		for range nw {
			if nw == 1 || rng.IntN(3) == 0 {
				var w strings.Builder
				for range 2 + rng.IntN(3) {
					w.WriteString(syll[rng.IntN(len(syll))])
				}
				words = append(words, w.String())
			} else {
				words = append(words, vocabulary[rng.IntN(len(vocabulary))])
			}
		}
		t := strings.Join(words, " ")
		switch rng.IntN(50) {
		case 0, 1:
			t += "*"
		case 2:
			t = "*" + t // rarer: most lists have few or none
		}
		add(t)
	}
	return terms
}
