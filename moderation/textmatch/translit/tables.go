package translit

// consonants romanises Devanagari consonants the way Hinglish writes them,
// aspirates with "h" (loosen drops it again). Nuktas are separate marks in
// a match key and add nothing.
var consonants = [0x80]string{
	'क' - 0x900: "k", 'ख' - 0x900: "kh", 'ग' - 0x900: "g", 'घ' - 0x900: "gh", 'ङ' - 0x900: "n",
	'च' - 0x900: "ch", 'छ' - 0x900: "chh", 'ज' - 0x900: "j", 'झ' - 0x900: "jh", 'ञ' - 0x900: "n",
	'ट' - 0x900: "t", 'ठ' - 0x900: "th", 'ड' - 0x900: "d", 'ढ' - 0x900: "dh", 'ण' - 0x900: "n",
	'त' - 0x900: "t", 'थ' - 0x900: "th", 'द' - 0x900: "d", 'ध' - 0x900: "dh", 'न' - 0x900: "n", 'ऩ' - 0x900: "n",
	'प' - 0x900: "p", 'फ' - 0x900: "ph", 'ब' - 0x900: "b", 'भ' - 0x900: "bh", 'म' - 0x900: "m",
	'य' - 0x900: "y", 'र' - 0x900: "r", 'ऱ' - 0x900: "r", 'ल' - 0x900: "l", 'ळ' - 0x900: "l", 'ऴ' - 0x900: "l", 'व' - 0x900: "v",
	'श' - 0x900: "sh", 'ष' - 0x900: "sh", 'स' - 0x900: "s", 'ह' - 0x900: "h",
	'\u0958' - 0x900: "k", '\u0959' - 0x900: "kh", '\u095A' - 0x900: "g", '\u095B' - 0x900: "z", '\u095C' - 0x900: "d", '\u095D' - 0x900: "dh", '\u095E' - 0x900: "f", '\u095F' - 0x900: "y",
}

// vowelSigns romanises the dependent vowel signs (matras).
var vowelSigns = [0x80]string{
	'ा' - 0x900: "aa", 'ि' - 0x900: "i", 'ी' - 0x900: "ii", 'ु' - 0x900: "u", 'ू' - 0x900: "uu", 'ृ' - 0x900: "ri", 'ॄ' - 0x900: "rii",
	'ॅ' - 0x900: "e", 'ॆ' - 0x900: "e", 'े' - 0x900: "e", 'ै' - 0x900: "ai", 'ॉ' - 0x900: "o", 'ॊ' - 0x900: "o", 'ो' - 0x900: "o", 'ौ' - 0x900: "au",
	'ॢ' - 0x900: "li", 'ॣ' - 0x900: "lii", 'ॏ' - 0x900: "au", 'ॖ' - 0x900: "u", 'ॗ' - 0x900: "uu",
}

// vowels romanises the independent vowels.
var vowels = [0x80]string{
	'ऄ' - 0x900: "a", 'अ' - 0x900: "a", 'आ' - 0x900: "aa", 'इ' - 0x900: "i", 'ई' - 0x900: "ii", 'उ' - 0x900: "u", 'ऊ' - 0x900: "uu",
	'ऋ' - 0x900: "ri", 'ॠ' - 0x900: "rii", 'ऌ' - 0x900: "li", 'ॡ' - 0x900: "lii", 'ऍ' - 0x900: "e", 'ऎ' - 0x900: "e", 'ए' - 0x900: "e", 'ऐ' - 0x900: "ai",
	'ऑ' - 0x900: "o", 'ऒ' - 0x900: "o", 'ओ' - 0x900: "o", 'औ' - 0x900: "au", 'ॲ' - 0x900: "e",
}

// loanwords gives the Hindi spelling of English words that Hindi writes
// as loanwords, so that "paisa double" meets "पैसा डबल". Each entry is
// checked against its Devanagari spelling by the tests; keep it to words
// of spam that are written both ways.
var loanwords = map[string]string{
	"double":   "dabal",    // डबल
	"lottery":  "lautrii",  // लॉटरी
	"result":   "rijalt",   // रिजल्ट
	"call":     "kaul",     // कॉल
	"girl":     "garl",     // गर्ल
	"girls":    "garls",    // गर्ल्स
	"casino":   "kaisiino", // कैसीनो
	"online":   "onlaain",  // ऑनलाइन
	"loan":     "lon",      // लोन
	"number":   "nambar",   // नंबर
	"free":     "frii",     // फ्री
	"recharge": "richaarj", // रिचार्ज
	"money":    "manii",    // मनी
	"jackpot":  "jaikpot",  // जैकपॉट
}
