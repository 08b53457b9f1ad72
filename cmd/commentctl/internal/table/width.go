package table

import (
	"strings"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Ellipsis ends a truncated cell.
const Ellipsis = "…"

// Width returns the number of terminal cells s takes: grapheme cluster by
// cluster, East Asian wide characters two cells, combining marks (such as
// the Devanagari virama and vowel signs above and below) none. It expects
// text without control characters (see termsafe).
func Width(s string) int {
	if isASCII(s) {
		return len(s)
	}
	return uniseg.StringWidth(s)
}

// Truncate returns s cut to at most w cells, ending in … when cut. It
// cuts only between grapheme clusters, and never inside an Indic conjunct
// such as "प्र" (a consonant, a virama and a consonant): the segmentation
// rules of Unicode 15.0, which uniseg follows, allow a break after the
// virama (rule GB9c came in Unicode 15.1), and a cut there would leave a
// dangling virama on screen.
func Truncate(s string, w int) string {
	if Width(s) <= w {
		return s
	}
	if w <= 0 {
		return ""
	}
	room := w - Width(Ellipsis)
	// A unit is a cluster, or the clusters of one conjunct.
	cut, used, unit := 0, 0, 0 // bytes kept, cells kept, cells of the unit so far
	state := -1
	for rest := s; rest != ""; {
		var cluster string
		var cw int
		cluster, rest, cw, state = uniseg.FirstGraphemeClusterInString(rest, state)
		unit += cw
		if endsInLinker(cluster) && startsWithConsonant(rest) {
			continue // the conjunct goes on
		}
		if used+unit > room {
			break
		}
		used, unit, cut = used+unit, 0, len(s)-len(rest)
	}
	return s[:cut] + Ellipsis
}

// Pad returns s followed by spaces up to w cells.
func Pad(s string, w int) string {
	if n := w - Width(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

// PadLeft returns s preceded by spaces up to w cells.
func PadLeft(s string, w int) string {
	if n := w - Width(s); n > 0 {
		return strings.Repeat(" ", n) + s
	}
	return s
}

// isLinker reports the viramas that join consonants into conjuncts (Unicode's
// Indic_Conjunct_Break=Linker): Devanagari, Bengali, Gujarati, Oriya,
// Telugu and Malayalam.
func isLinker(r rune) bool {
	switch r {
	case 0x094d, 0x09cd, 0x0acd, 0x0b4d, 0x0c4d, 0x0d4d:
		return true
	}
	return false
}

func endsInLinker(cluster string) bool {
	r, _ := utf8.DecodeLastRuneInString(cluster)
	return isLinker(r)
}

func startsWithConsonant(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isIndicConsonant(r)
}

// isIndicConsonant approximates Indic_Conjunct_Break=Consonant for the
// scripts of isLinker: their letters other than independent vowels.
func isIndicConsonant(r rune) bool {
	switch {
	case 0x0915 <= r && r <= 0x0939, 0x0958 <= r && r <= 0x095f, 0x0978 <= r && r <= 0x097f, // Devanagari
		0x0995 <= r && r <= 0x09b9, 0x09dc <= r && r <= 0x09df, 0x09f0 <= r && r <= 0x09f1, // Bengali
		0x0a95 <= r && r <= 0x0ab9, 0x0af9 == r, // Gujarati
		0x0b15 <= r && r <= 0x0b39, 0x0b5c <= r && r <= 0x0b5f, 0x0b71 == r, // Oriya
		0x0c15 <= r && r <= 0x0c39, 0x0c58 <= r && r <= 0x0c5a, // Telugu
		0x0d15 <= r && r <= 0x0d3a: // Malayalam
		return true
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
