package textmatch

import (
	"strings"
	"unicode/utf8"
)

// maxNonStarters bounds the combining marks that are reordered as one group,
// as the Stream-Safe Text Format does, so that a flood of marks costs linear
// time. Longer runs are ordered in windows of this size, identically every
// time, which keeps keys idempotent.
const maxNonStarters = 30

// noDelta marks that the last segment is not lockstep.
const noDelta = -1 << 62

// builder accumulates a key and its map to the source.
type builder struct {
	buf  []byte
	segs []seg
	// delta is src-key of the last segment if it is lockstep: a byte
	// copied from source offset i to key offset k extends it when
	// i-k == delta, and needs a new segment otherwise.
	delta int

	space      bool  // a white-space run is pending
	spaceOff   int32 // source offset of its first character
	spacePoint bool  // that character is not ASCII

	// The trailing run of non-starters (ccc > 0) in buf, for canonical
	// ordering: where it starts, and the ccc, byte length and source of
	// each. It is current only while nsEnd == len(buf), so writing a
	// starter needs no bookkeeping.
	nsN     int
	nsStart int
	nsEnd   int
	nsCCC   [maxNonStarters]uint8
	nsLen   [maxNonStarters]uint8
	nsSrc   [maxNonStarters]int32

	// What the second pass needs to look at, over-estimated cheaply:
	// unitRun counts the one-letter tokens in a row so far (from unitFrom
	// on); from is where the first three in a row began, or -1.
	unitRun, unitFrom, from int
	nt                      int                  // non-ASCII letters and digits in the current token
	firstLeet               int                  // key position of the first leet character, or -1
	tok                     *[utf8.RuneSelf]bool // ASCII token characters: tokenASCII[leet]
}

// asciiWordLeet is 1 for ASCII word characters, 2 for those among them
// that leetspeak folds.
var asciiWordLeet = func() (t [utf8.RuneSelf]uint8) {
	for c := range utf8.RuneSelf {
		switch {
		case leet[c] != 0 && asciiWord[c]:
			t[c] = 2
		case asciiWord[c]:
			t[c] = 1
		}
	}
	return
}()

// lock notes that the next key byte is a copy of source byte i (and so are
// the bytes after it, until the next call): it extends the last lockstep
// segment or starts one. This is the whole cost of the source map on the
// common path.
func (b *builder) lock(k, i int) {
	if i-k != b.delta {
		b.segs = append(b.segs, seg{int32(k), int32(i)})
		b.delta = i - k
	}
}

// point notes that the key bytes from k on come from the code point at
// source offset i.
func (b *builder) point(k int, i int32) {
	if n := len(b.segs); n == 0 || b.segs[n-1].src != i|pointBit || b.delta != noDelta {
		b.segs = append(b.segs, seg{int32(k), i | pointBit})
	}
	b.delta = noDelta
}

// asciiKey and asciiClass are the table entries of ASCII, unpacked: ASCII
// maps to at most one byte (upper case to lower case, white space to ' ')
// or to none (the controls, which asciiKey holds as 0). asciiWord marks the
// word characters (letters and digits).
var asciiKey, asciiClass, asciiWord = func() (k [utf8.RuneSelf]byte, c [utf8.RuneSelf]uint8, w [utf8.RuneSelf]bool) {
	for r := range rune(utf8.RuneSelf) {
		e := lookup(r)
		k[r], c[r] = byte(r), entryClass(e)
		if e&mappedFlag != 0 {
			if x := expansion(e); x == "" {
				k[r], c[r] = 0, classOther
			} else {
				k[r], c[r] = x[0], entryClass(lookup(rune(x[0])))
			}
		}
		w[r] = isWordClass(c[r])
	}
	return
}()

// expansionInfo describes each expansion: expSimple if it holds only
// letters, digits and marks of ccc 0 (so it can be copied without further
// ado), plus how many of its code points are non-ASCII letters or digits.
var expansionInfo = func() []uint8 {
	info := make([]uint8, len(expansionOffsets)-1)
	for i := range info {
		x := expansionData[expansionOffsets[i]:expansionOffsets[i+1]]
		simple, n := true, 0
		for _, r := range x {
			e := lookup(r)
			cls := entryClass(e)
			simple = simple && e&mappedFlag == 0 && entryCCC(e) == 0 &&
				(cls == classLetter || cls == classDigit || cls == classMark)
			if r >= utf8.RuneSelf && (cls == classLetter || cls == classDigit) {
				n++
			}
		}
		if simple {
			info[i] = expSimple | uint8(min(n, 2))
		}
	}
	return info
}()

const expSimple = 0x80

// mapText is the first pass: per code point mapping, white space and
// canonical ordering. The common cases — ASCII, and code points that
// stand for themselves and are starters or marks in order — are handled
// inline; the rest goes through emitMapped.
func (b *builder) mapText(s string) {
	buf := b.buf
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if f := asciiWordLeet[c]; f != 0 {
				if f == 2 && b.firstLeet < 0 {
					b.firstLeet = len(buf) // where leetspeak may need folding
				}
				if b.space {
					buf = b.flushSpace(buf)
				}
				if i-len(buf) != b.delta {
					b.lock(len(buf), i)
				}
				buf = append(buf, asciiKey[c])
				i++
				continue
			}
			k := asciiKey[c]
			if k == 0 {
				i++ // a control: dropped, joining what is around it
				continue
			}
			// A separator: a token may have just ended. (With Leet, '@'
			// and '$' belong to tokens.)
			if !b.space && !b.tok[c] {
				b.tokenEnd(buf)
			}
			if k == ' ' {
				if !b.space {
					b.space, b.spaceOff, b.spacePoint = true, int32(i), false
				}
			} else {
				if b.space {
					buf = b.flushSpace(buf)
				}
				if i-len(buf) != b.delta {
					b.lock(len(buf), i)
				}
				if (k == '@' || k == '$') && b.firstLeet < 0 {
					b.firstLeet = len(buf)
				}
				buf = append(buf, k)
			}
			i++
			continue
		}
		// Decode; the three-byte form (all of Devanagari) inline.
		var r rune
		n := 0
		if c >= 0xE0 && c < 0xF0 && i+2 < len(s) {
			c1, c2 := s[i+1], s[i+2]
			r = rune(c&0x0F)<<12 | rune(c1&0x3F)<<6 | rune(c2&0x3F)
			if c1&0xC0 == 0x80 && c2&0xC0 == 0x80 && r >= 0x800 && (r < 0xD800 || r > 0xDFFF) {
				n = 3
			}
		}
		if n == 0 {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		e := lookup(r)
		if e&mappedFlag != 0 && n > 1 {
			if x := expansion(e); x == "" {
				i += n // dropped; a pending space stays pending
				continue
			} else if info := expansionInfo[e&^mappedFlag]; info&expSimple != 0 {
				// Letters, digits and spacing marks only: copy them.
				if b.space {
					buf = b.flushSpace(buf)
				}
				b.buf = buf
				b.point(len(buf), int32(i))
				if b.firstLeet < 0 && b.tok['@'] && strings.ContainsAny(x, "013457") {
					b.firstLeet = len(buf)
				}
				buf = append(buf, x...)
				b.nt += int(info &^ expSimple)
				i += n
				continue
			}
		}
		if e < 1<<3 && n > 1 {
			// Stands for itself, a starter, not white space: copy it.
			switch e {
			case classLetter, classDigit:
				b.nt++
			case classOther:
				if !b.space {
					b.tokenEnd(buf)
				}
			}
			if b.space {
				buf = b.flushSpace(buf)
			}
			if i-len(buf) != b.delta {
				b.lock(len(buf), i)
			}
			buf = append(buf, s[i:i+n]...)
			i += n
			continue
		}
		if e&mappedFlag == 0 && entryClass(e) == classMark && !b.space && n > 1 {
			// A combining mark in canonical order, which is how Indic text
			// is typed: the vowel signs, virama and nukta after a consonant.
			ccc, inWindow := entryCCC(e), b.nsN > 0 && b.nsEnd == len(buf)
			if !inWindow || b.nsN < maxNonStarters && b.nsCCC[b.nsN-1] <= ccc {
				if !inWindow {
					b.nsN, b.nsStart = 0, len(buf)
				}
				b.nsCCC[b.nsN], b.nsLen[b.nsN], b.nsSrc[b.nsN] = ccc, uint8(n), int32(i)
				b.nsN++
				if i-len(buf) != b.delta {
					b.lock(len(buf), i)
				}
				buf = append(buf, s[i:i+n]...)
				b.nsEnd = len(buf)
				i += n
				continue
			}
		}
		b.buf = buf
		if r >= hangulBase && r < hangulEnd {
			// Decompose into two or three jamo, each mapped by the table.
			x := r - hangulBase
			b.emitMapped(jamoLBase+x/jamoVTCount, int32(i))
			b.emitMapped(jamoVBase+x%jamoVTCount/jamoTCount, int32(i))
			if t := x % jamoTCount; t != 0 {
				b.emitMapped(jamoTBase+t, int32(i))
			}
		} else {
			b.emitMapped(r, int32(i)) // r is U+FFFD for an invalid byte
		}
		buf = b.buf
		i += n
	}
	b.buf = buf
	if !b.space {
		b.tokenEnd(buf)
	}
}

// flushSpace writes the pending white space as one ' ', unless the key is
// still empty.
func (b *builder) flushSpace(buf []byte) []byte {
	b.space = false
	if len(buf) == 0 {
		return buf
	}
	b.buf = buf
	if b.spacePoint {
		b.point(len(buf), b.spaceOff)
	} else {
		b.lock(len(buf), int(b.spaceOff))
	}
	return append(buf, ' ')
}

// tokenEnd is called at the first separator after anything else, and at
// the end, with the key so far: if a token of one letter or digit (and its
// marks) just ended, the run of such tokens grows, otherwise a longer token
// ends it. The second pass runs only from the first run of three: this is
// an over-estimate of its units (digits count). ASCII words cost nothing:
// the last two bytes tell, or nt, the count of non-ASCII letters and digits
// in the token; otherwise the token is read backwards.
func (b *builder) tokenEnd(buf []byte) {
	n, nt := len(buf), b.nt
	b.nt = 0
	if n == 0 {
		return
	}
	var unit bool
	switch last := buf[n-1]; {
	case last < utf8.RuneSelf && !b.tok[last]:
		return // a separator: no token ended here
	case last < utf8.RuneSelf && (n == 1 || buf[n-2] < utf8.RuneSelf):
		unit = n == 1 || !b.tok[buf[n-2]]
	case nt >= 2:
		unit = false
	default:
		letters := 0
		for i := n; i > 0 && letters < 2; {
			r, size := rune(buf[i-1]), 1
			if r >= utf8.RuneSelf {
				r, size = utf8.DecodeLastRune(buf[:i])
			}
			cls := runeClass(r)
			if r < utf8.RuneSelf && b.tok[r] {
				cls = classLetter // '@' and '$' with Leet
			}
			if !isWordClass(cls) {
				break
			}
			if cls != classMark && cls != classJoiner {
				letters++
			}
			i -= size
		}
		if letters == 0 {
			return // a separator, or marks alone
		}
		unit = letters == 1
	}
	if !unit {
		b.unitRun = 0
		return
	}
	if b.unitRun == 0 {
		// Find where the token starts, for the second pass.
		i := n
		for i > 0 {
			r, size := rune(buf[i-1]), 1
			if r >= utf8.RuneSelf {
				r, size = utf8.DecodeLastRune(buf[:i])
			} else if b.tok[r] {
				i--
				continue
			}
			if !isWordClass(runeClass(r)) {
				break
			}
			i -= size
		}
		b.unitFrom = i
	}
	if b.unitRun++; b.unitRun == 3 && b.from < 0 {
		b.from = b.unitFrom
	}
}

// emitMapped writes the key of the code point r found at source offset off.
func (b *builder) emitMapped(r rune, off int32) {
	e := lookup(r)
	if e&mappedFlag == 0 {
		b.emit(r, e, off)
		return
	}
	for _, x := range expansion(e) {
		ex := lookup(x)
		if ex&mappedFlag != 0 {
			ex = classOther // cannot happen: expansions are closed (maketables checks)
		}
		b.emit(x, ex, off)
	}
}

// emit writes r, a code point that stands for itself, with entry e, for
// the source code point at off.
func (b *builder) emit(r rune, e uint16, off int32) {
	inWindow := b.nsN > 0 && b.nsEnd == len(b.buf) && !b.space
	switch entryClass(e) {
	case classSpace:
		if !b.space {
			b.tokenEnd(b.buf)
			b.space, b.spaceOff, b.spacePoint = true, off, true
		}
		return
	case classOther:
		if !b.space {
			b.tokenEnd(b.buf)
		}
	case classLetter, classDigit:
		if r >= utf8.RuneSelf {
			b.nt++
		}
	}
	if b.space {
		b.buf = b.flushSpace(b.buf)
	}
	ccc := entryCCC(e)
	if r < utf8.RuneSelf && leet[r] != 0 && b.firstLeet < 0 {
		b.firstLeet = len(b.buf)
	}
	if ccc == 0 {
		b.point(len(b.buf), off)
		b.buf = utf8.AppendRune(b.buf, r)
		return
	}
	if !inWindow || b.nsN == maxNonStarters {
		b.nsN, b.nsStart = 0, len(b.buf)
	}
	// Insert r after the last mark of the run whose ccc is not greater
	// (a stable sort by ccc, as canonical ordering requires).
	j := b.nsN
	for j > 0 && b.nsCCC[j-1] > ccc {
		j--
	}
	n := utf8.RuneLen(r)
	if j == b.nsN {
		b.point(len(b.buf), off)
		b.buf = utf8.AppendRune(b.buf, r)
	} else {
		pos := len(b.buf)
		for _, l := range b.nsLen[j:b.nsN] {
			pos -= int(l)
		}
		b.buf = utf8.AppendRune(b.buf, r)
		copy(b.buf[pos+n:], b.buf[pos:len(b.buf)-n])
		utf8.EncodeRune(b.buf[pos:], r)
		copy(b.nsCCC[j+1:b.nsN+1], b.nsCCC[j:b.nsN])
		copy(b.nsLen[j+1:b.nsN+1], b.nsLen[j:b.nsN])
		copy(b.nsSrc[j+1:b.nsN+1], b.nsSrc[j:b.nsN])
	}
	b.nsCCC[j], b.nsLen[j], b.nsSrc[j] = ccc, uint8(n), off
	b.nsN++
	b.nsEnd = len(b.buf)
	if j < b.nsN-1 {
		// Marks moved: map the window one code point at a time.
		k := len(b.segs)
		for k > 0 && int(b.segs[k-1].key) >= b.nsStart {
			k--
		}
		b.segs = b.segs[:k]
		p := b.nsStart
		for x := range b.nsN {
			b.segs = append(b.segs, seg{int32(p), b.nsSrc[x] | pointBit})
			p += int(b.nsLen[x])
		}
		b.delta = noDelta
	}
}
