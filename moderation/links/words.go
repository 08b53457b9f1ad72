package links

import (
	"strings"
	"sync"

	"mvdan.cc/xurls/v2"
)

// functionWords are English and Hinglish words that stand before "dot" in
// prose ("the dot com era", "a dot in the sky", "ek dot") and before a full
// stop that lost its space ("it.It was"). No domain is made of one of them.
var functionWords = setOf(
	// English articles, determiners, possessives, prepositions, conjunctions.
	"a", "an", "the", "this", "that", "these", "those", "each", "every", "any",
	"some", "no", "one", "another", "other", "same", "more", "last", "first",
	"next", "single", "my", "your", "his", "her", "its", "our", "their", "of",
	"on", "in", "at", "to", "by", "for", "with", "from", "into", "onto", "per",
	"and", "or", "but", "nor", "is", "was", "are", "were", "be", "been", "like",
	"than", "as", "it",
	// Hinglish.
	"ek", "ye", "yeh", "wo", "woh", "us", "ka", "ki", "ke", "ko", "se", "me",
	"mein", "par", "aur", "ya",
)

// commonWordTLDs are TLDs that are also everyday words and so turn up after
// a "dot" or a missing space in prose: "red dot in the corner", "very bad.It
// was", "hiring dot net developers". The Devanagari ones are Hindi words
// ("भारत" is India), and Hindi typists often end a sentence with "." and no
// space. Every entry is a TLD on xurls's list; the tests check that.
var commonWordTLDs = setOf(
	"am", "as", "at", "be", "by", "do", "in", "is", "it", "me", "my", "no",
	"so", "to", "us", "new", "now", "one", "how", "you", "win", "top", "live",
	"best", "here", "click", "like", "free", "love", "life", "today", "buy",
	"watch", "net",
	"भारत", "भारतम्", "संगठन", "नेट",
)

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// asciiTLDs holds xurls's TLDs and pseudo-TLDs (example, test, local...)
// that are ASCII; the word form "dot" is only taken before ASCII words.
var asciiTLDs = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool, len(xurls.TLDs)+len(xurls.PseudoTLDs))
	for _, list := range [][]string{xurls.TLDs, xurls.PseudoTLDs} {
		for _, tld := range list {
			if isASCII([]byte(tld)) {
				m[tld] = true
			}
		}
	}
	return m
})

// isTLD reports whether the ASCII word w is a TLD, in any case.
func isTLD(w string) bool {
	var buf [64]byte // longer than any TLD; lower-casing into it costs no allocation
	if len(w) > len(buf) {
		return false
	}
	for i := 0; i < len(w); i++ {
		buf[i] = lower(w[i])
	}
	return asciiTLDs()[string(buf[:len(w)])]
}

func isFunctionWord(w string) bool { return functionWords[lowerASCII(w)] }

func isCommonWordTLD(w string) bool { return commonWordTLDs[lowerASCII(w)] }

// lowerASCII lower-cases ASCII letters only, allocating only when it must.
func lowerASCII(w string) string {
	for i := 0; i < len(w); i++ {
		if 'A' <= w[i] && w[i] <= 'Z' {
			return strings.ToLower(w)
		}
	}
	return w
}

// shorteners are well-known URL shorteners: a shortened link hides where it
// goes, so spam rules score it. The list is deliberately short and only
// names services that redirect arbitrary URLs. wa.me is left out: it is
// WhatsApp's click-to-chat link, which opens a chat with a phone number and
// redirects nowhere else; a rule that cares about it should say so itself.
var shorteners = setOf(
	"bit.ly", "bitly.com", "buff.ly", "cutt.ly", "goo.gl", "is.gd",
	"lnkd.in", "ow.ly", "rb.gy", "rebrand.ly", "s.id", "shorturl.at",
	"t.co", "t.ly", "tiny.cc", "tinyurl.com", "v.gd",
)
