// Package translit projects match keys into a loose Latin phonetic form in
// which a Devanagari word and its common Hinglish spellings meet:
// "सट्टा", "satta" and "sattaa" all become "sata"; "पैसा" and "paisaa"
// become "paisa".
//
// The input is a match key (textmatch.Normalize: folded, decomposed), so
// Latin letters are lower case and Devanagari nuktas are separate marks.
// Devanagari is first romanised the way Hinglish writes it (ITRANS-like:
// "aa" for ा, "ai" for ै, "kh" for ख, "sh" for श and ष), with the inherent
// vowel dropped at word ends and in the context vowel–consonant–_–
// consonant–vowel, scanned from the right ("मटका" → "matkaa", "सरकार" →
// "sarkaar", "समझ" → "samajh"); nasalisation at a word end is dropped
// ("हैं" → "hai"), elsewhere it is "n" ("संसद" → "sansad"); the visarga
// is not written ("दुःख" → "dukh"). The key's confusable skeleton spells
// some independent vowels as a vowel and a sign (आ as अा); they are read
// back as the vowel. Then Latin,
// whether written so or romanised, is loosened by the few rules on which
// Hinglish spellings vary:
//
//   - aspiration is not written: an "h" after a consonant goes, except
//     that "ph" is "f" ("bhai" → "bai", "ghar" → "gar");
//   - "c" is "k" unless it is "ch" (→ "c"); "q" is "k", "z" is "j", "w" is
//     "v", "x" is "ks";
//   - vowel length is not written: "aa" → "a", "ee"/"ii" → "i",
//     "oo"/"uu" → "u"; "ei" → "e" ("mein"), "au" → "o" ("kaun", "kon");
//   - a "y" between vowels goes ("kamaye" and "कमाए" → "kamae");
//   - doubled letters are single ("satta" → "sata").
//
// A short table of English loanwords gives their Hindi spelling
// ("double" → "dabal", as in "डबल"), so that a Hinglish phrase with an
// English word meets its Devanagari spelling.
//
// Words in other scripts become the placeholder word "0", so that a phrase
// never matches across them; digits stay (Devanagari digits as ASCII);
// every run of other characters is one space. The functions are pure and
// allocate nothing beyond the slices they append to.
package translit

import (
	"unicode/utf8"
)

// Script is a set of scripts found in a text.
type Script uint8

// The scripts a loose form tells apart.
const (
	Latin      Script = 1 << iota // ASCII letters
	Devanagari                    // letters and signs of U+0900–U+097F
	Other                         // letters of any other script
)

// Scripts returns the scripts of the letters in s.
func Scripts(s string) Script {
	var sc Script
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if isASCIILetter(c) {
				sc |= Latin
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch runeKind(r) {
		case kDev:
			sc |= Devanagari
		case kOther:
			sc |= Other
		}
	}
	return sc
}

// Loose appends the loose form of the key text key to dst, and to offs
// the offset in key of the code point that produced each appended byte, so
// that len(offs) grows by what len(dst) does; the first byte of a loose
// word comes from the start of its key word. Span maps a match back.
func Loose(dst []byte, offs []int32, key string) ([]byte, []int32) {
	var w wordBuf
	gap := true // at the start, or after a space already written
	for i := 0; i < len(key); {
		r, n := rune(key[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(key[i:])
		}
		k := runeKind(r)
		if k == kGap {
			if !gap && len(dst) > 0 {
				dst, offs = append(dst, ' '), append(offs, int32(i))
				gap = true
			}
			i += n
			continue
		}
		// A word: runs of one script each.
		start := i
		for i < len(key) {
			r, n = rune(key[i]), 1
			if r >= utf8.RuneSelf {
				r, n = utf8.DecodeRuneInString(key[i:])
			}
			k2 := runeKind(r)
			if k2 == kGap {
				break
			}
			if k2 == kMark || k2 == kJoiner || k2 == kDigit || k2 == k {
				i += n
				continue
			}
			if k == kDigit || k == kMark || k == kJoiner {
				k = k2
				i += n
				continue
			}
			break
		}
		dst, offs = w.run(dst, offs, key, start, i, k)
		gap = false
	}
	return dst, offs
}

// Span returns the span of key that the loose bytes [s, e) came from,
// given the offsets Loose recorded: for a span of whole loose words, whole
// key words, from the start of the first to the end of the last (with its
// signs and joiners).
func Span(key string, offs []int32, s, e int) (start, end int) {
	if s >= e || e > len(offs) {
		return 0, 0
	}
	start, end = int(offs[s]), int(offs[e-1])
	for end < len(key) {
		r, n := utf8.DecodeRuneInString(key[end:])
		if runeKind(r) == kGap {
			break
		}
		end += n
	}
	return start, end
}

// Word returns the loose form of one term or phrase, for comparing terms.
func Word(s string) string {
	b, _ := Loose(nil, nil, s)
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return string(b)
}

// Letters counts the letters of a loose form (not digits, spaces or
// placeholders).
func Letters(loose string) int {
	n := 0
	for i := 0; i < len(loose); i++ {
		if isASCIILetter(loose[i]) {
			n++
		}
	}
	return n
}

// Rune kinds.
const (
	kGap    = iota // not a word character
	kLatin         // an ASCII letter
	kDigit         // a digit, ASCII or Devanagari
	kDev           // a Devanagari letter or sign
	kMark          // a combining mark outside Devanagari (an accent)
	kJoiner        // ZWJ, ZWNJ
	kOther         // a letter of another script
)

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func runeKind(r rune) int {
	switch {
	case r < utf8.RuneSelf:
		c := byte(r)
		switch {
		case isASCIILetter(c):
			return kLatin
		case c >= '0' && c <= '9':
			return kDigit
		}
		return kGap
	case r >= 0x966 && r <= 0x96F:
		return kDigit
	case r >= 0x900 && r <= 0x97F && r != 0x964 && r != 0x965 && r != 0x970:
		return kDev
	case r == 0x200C || r == 0x200D:
		return kJoiner
	case r >= 0x300 && r <= 0x36F, r >= 0x1AB0 && r <= 0x1AFF, r >= 0x1DC0 && r <= 0x1DFF, r >= 0x20D0 && r <= 0x20FF:
		return kMark
	}
	if isWordRune(r) {
		return kOther
	}
	return kGap
}
