package textmatch

//go:generate go run maketables.go

// Character classes, as stored in the generated tables (they mirror
// internal/derive.Class).
const (
	classOther  = iota // punctuation, symbols, controls: separates words
	classSpace         // U+0020; every other white space maps to it
	classLetter        // \p{L}
	classMark          // \p{M}
	classDigit         // \p{N}
	classJoiner        // ZWJ, ZWNJ
)

// A table entry (uint16) is either mappedFlag|i, meaning the code point is
// replaced by expansion i (possibly empty: the code point is dropped), or
// class | ccc<<3 for a code point that stands for itself in a key.
const (
	tableLimit = 0x40000
	blockBits  = 7
	mappedFlag = 0x8000

	// entryHangul marks the precomposed Hangul syllables, which are
	// decomposed in code (a ccc of 255 does not exist).
	entryHangul = 0x7FF8

	// Entries for code points beyond the table: plane 14 holds tags and
	// variation selectors, all default-ignorable; the rest is unassigned or
	// private use. maketables.go checks both claims.
	entryOther = classOther
)

// lookup returns the table entry of r.
func lookup(r rune) uint16 {
	if uint32(r) >= tableLimit {
		if r >= 0xE0000 && r <= 0xE0FFF {
			return entryIgnorable
		}
		return entryOther
	}
	return keyBlocks[int(keyIndex[r>>blockBits])<<blockBits|int(r&(1<<blockBits-1))]
}

// expansion returns the key of a mapped code point, given its entry.
func expansion(e uint16) string {
	i := int(e &^ mappedFlag)
	return expansionData[expansionOffsets[i]:expansionOffsets[i+1]]
}

func entryClass(e uint16) uint8 { return uint8(e & 7) }
func entryCCC(e uint16) uint8   { return uint8(e >> 3) }

// isWordClass reports whether a class is a word character: letters, marks,
// digits and the joiners.
func isWordClass(c uint8) bool { return c >= classLetter }

// Hangul syllables decompose algorithmically (Unicode §3.12) rather than
// through the table: 11,172 expansions would triple its size.
const (
	hangulBase  = 0xAC00
	hangulEnd   = 0xD7A4
	jamoLBase   = 0x1100
	jamoVBase   = 0x1161
	jamoTBase   = 0x11A7
	jamoTCount  = 28
	jamoVTCount = 21 * jamoTCount
)
