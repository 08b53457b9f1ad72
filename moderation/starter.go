package moderation

// The starter rule set for a Hindi/English news site, on unless the policy
// file sets starter_rules: false. It holds what spam on Indian news
// comment threads is made of: betting and satta/matka, instant-loan apps,
// crypto doubling, work-from-home offers, WhatsApp/Telegram number bait and
// adult services, in English, Hinglish and Hindi. Moderators add their own
// terms through UpdateWordList; an ALLOW entry overrides a starter term.
//
// Terms are matched as whole words on the match key, so case, spacing
// tricks and look-alike letters do not get past them, and a term never
// matches inside a longer word.

// starterBlock files a comment as spam: no reader writes these in earnest.
var starterBlock = []string{
	// Betting and satta/matka.
	"satta matka", "sattamatka", "satta king", "kalyan matka", "matka result", "matka tips",
	"सट्टा मटका", "सट्टा किंग", "मटका रिजल्ट",
	"betting tips", "cricket betting id", "online betting id", "betting id", "fixed match", "fix match report",
	"100% sure number", "leak number",
	// Instant loans and money doubling.
	"instant loan app", "loan without cibil", "paisa double", "paise double", "money double", "double your money",
	"पैसा डबल", "पैसे डबल",
	"crypto doubling", "double your bitcoin", "guaranteed returns", "guaranteed profit",
	// Work from home offers.
	"work from home and earn", "earn daily from home", "ghar baithe kamaye", "ghar baithe paise kamaye",
	"घर बैठे कमाएं", "घर बैठे पैसे कमाएं",
	// Adult services.
	"call girls", "call girl service", "escort service", "escorts service", "कॉल गर्ल",
}

// starterHold holds a comment for a person to judge: these are common in
// spam but also in honest comments.
var starterHold = []string{
	"whatsapp me", "whatsapp now", "telegram channel", "join my telegram", "dm me",
	"earn money", "make money online", "free recharge", "lottery", "jackpot",
	"casino", "bitcoin investment", "crypto investment", "forex signals",
	"loan app", "instant loan", "satta", "matka", "सट्टा", "मटका", "लॉटरी",
}

// starterPatterns find what a word list cannot: phone numbers offered with
// a messaging app.
var starterPatterns = []PatternRule{{
	ID:       "messenger_number",
	Pattern:  `(?i)(whats\s*app|telegram|wa\.me|व्हाट्सएप|टेलीग्राम)\D{0,30}(\+?91[\s-]*)?[6-9](\d[\s-]*){9}`,
	Action:   "hold",
	Detail:   "a phone number offered with WhatsApp or Telegram, the usual bait of scam comments",
	Requires: []string{"whats", "telegram", "wa.me", "व्हाट्सएप", "टेलीग्राम"},
}}
