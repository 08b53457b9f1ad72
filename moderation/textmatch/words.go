package textmatch

import "unicode/utf8"

// leet is the leetspeak folding of ASCII; 0 where there is none.
var leet = [utf8.RuneSelf]byte{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', '$': 's'}

// isCollapseSep reports whether r may separate the single letters of a run
// that is joined; ' ' may be combined with any one of the others.
func isCollapseSep(r rune) bool {
	switch r {
	case ' ', '.', '-', '_', '*', '/', '·':
		return true
	}
	return false
}

// words is the second pass, over the key from position from on (a token
// start before which, the first pass found, nothing can change): it joins
// runs of single letters and folds leetspeak. Joining deletes gaps,
// noted as cuts and made in one compaction at the end.
//
// A unit is a token of one letter and its marks (with Leet, also a lone
// leet character). Units separated by gaps of the same kind — white space
// only, or white space and one repeated character of isCollapseSep — form a
// run; a run of three or more units with at least one letter is joined by
// deleting its gaps. When a kind changes inside a run that is not joined,
// its last unit starts the next run, so "a b c.d.e" becomes "abc.d.e" and
// "x y.z.w" becomes "x yzw": no run of three is ever left behind, which is
// what keeps a second normalisation from joining anything more.
func (b *builder) words(from int, leetOn bool) {
	buf := b.buf
	tokASCII, tokInfo := &tokenASCII[0], &tokenInfo[0]
	if leetOn {
		tokASCII, tokInfo = &tokenASCII[1], &tokenInfo[1]
	}
	type cut struct{ start, end int }
	var cutSpace [16]cut
	cuts := cutSpace[:0]

	var (
		runN      int  // units in the current run
		runStart  int  // its first unit
		runEnd    int  // just past its last unit
		runKind   rune // its gap kind (once it has two units)
		runLetter bool // it holds a letter
		runCuts   int  // its gaps are cuts[runCuts:]

		prevUnit   = -1 // the previous token, if a unit outside a joined run
		prevLetter bool
	)
	// finish closes the current run: joined, or its cuts withdrawn. It
	// reports whether it joined.
	finish := func() bool {
		if runN == 0 {
			return false
		}
		joined := runN >= 3 && runLetter
		if joined {
			if leetOn {
				foldLeet(buf[runStart:runEnd])
			}
			prevUnit = -1
		} else {
			cuts = cuts[:runCuts]
		}
		runN = 0
		return joined
	}

	for r := from; r < len(buf); {
		// A gap. Its kind is ' ' for white space only, the separator for
		// white space and one repeated separator, -1 for anything else and
		// for no gap at all (before the first token).
		gapKind, gs := rune(' '), r
		for r < len(buf) {
			x, n := rune(buf[r]), 1
			if x < utf8.RuneSelf {
				if tokASCII[x] {
					break
				}
			} else if x, n = keyRune(buf, r); isWordClass(runeClass(x)) {
				break
			}
			switch {
			case !isCollapseSep(x):
				gapKind = -1
			case x == ' ' || gapKind == -1:
			case gapKind == ' ':
				gapKind = x
			case gapKind != x:
				gapKind = -1
			}
			r += n
		}
		if r == gs {
			gapKind = -1
		}
		if r == len(buf) {
			break
		}

		// A token: is it a unit, has it a letter, has it leet characters?
		ts, flags := r, uint8(0)
		wideBytes, wideBases := 0, 0 // non-ASCII bytes, and code points other than marks
		for r < len(buf) {
			x := buf[r]
			if x < utf8.RuneSelf {
				f := tokInfo[x]
				if f&tokChar == 0 {
					break
				}
				flags |= f
				r++
				continue
			}
			c, n := keyRune(buf, r)
			cls := runeClass(c)
			if !isWordClass(cls) {
				break
			}
			switch cls {
			case classLetter:
				flags |= tokLetter
				wideBases++
			case classDigit:
				wideBases++
			}
			wideBytes += n
			r += n
		}
		letter, leets := flags&tokLetter != 0, flags&tokLeet != 0
		var unit bool
		if x := buf[ts]; wideBytes == 0 {
			unit = r-ts == 1 && (asciiClass[x] == classLetter || leetOn && leet[x] != 0)
		} else {
			// One letter, then only marks and joiners.
			c, _ := keyRune(buf, ts)
			unit = runeClass(c) == classLetter && r-ts-wideBytes+wideBases == 1
		}

		if !unit {
			finish()
			prevUnit = -1
			if leetOn && letter && leets {
				foldLeet(buf[ts:r])
			}
			continue
		}
		if runN > 0 && gapKind != -1 && (runN == 1 || gapKind == runKind) {
			if runN == 1 {
				runKind = gapKind
			}
			runN++
			runLetter = runLetter || letter
			cuts = append(cuts, cut{gs, ts})
		} else if !finish() && prevUnit >= 0 && gapKind != -1 {
			// The previous unit was left alone: it starts this run.
			runStart, runN, runKind = prevUnit, 2, gapKind
			runLetter = prevLetter || letter
			runCuts = len(cuts)
			cuts = append(cuts, cut{gs, ts})
		} else {
			runStart, runN, runLetter, runCuts = ts, 1, letter, len(cuts)
		}
		runEnd = r
		prevUnit, prevLetter = ts, letter
	}
	finish()

	if len(cuts) == 0 {
		return
	}
	// Compact the key and rebuild its map: every kept range [c.end, next)
	// moves back by what was cut before it, splitting the segments it
	// starts inside.
	segs := make([]seg, 0, len(b.segs)+2*len(cuts))
	si := 0 // first segment not yet passed
	keep := func(from, to, shift int) {
		if from >= to {
			return
		}
		for si+1 < len(b.segs) && int(b.segs[si+1].key) <= from {
			si++
		}
		for i := si; i < len(b.segs) && int(b.segs[i].key) < to; i++ {
			s := b.segs[i]
			k := max(int(s.key), from)
			if s.src&pointBit == 0 {
				s.src += int32(k - int(s.key))
			}
			s.key = int32(k - shift)
			segs = append(segs, s)
		}
	}
	keep(0, cuts[0].start, 0)
	w := cuts[0].start
	for i, c := range cuts {
		next := len(buf)
		if i+1 < len(cuts) {
			next = cuts[i+1].start
		}
		keep(c.end, next, c.end-w)
		w += copy(buf[w:], buf[c.end:next])
	}
	b.buf, b.segs = buf[:w], segs
}

// foldLeet folds the leetspeak characters of p in place.
func foldLeet(p []byte) {
	for i, c := range p {
		if c < utf8.RuneSelf && leet[c] != 0 {
			p[i] = leet[c]
		}
	}
}

// tokenInfo[leet][c] describes the ASCII character c in a token: tokChar
// if it belongs to one, tokLetter for a letter, tokLeet for a leet
// character.
var tokenInfo = func() (t [2][utf8.RuneSelf]uint8) {
	for l := range 2 {
		for c := range utf8.RuneSelf {
			if tokenASCII[l][c] {
				t[l][c] |= tokChar
			}
			if asciiClass[c] == classLetter {
				t[l][c] |= tokLetter
			}
			if leet[c] != 0 {
				t[l][c] |= tokLeet
			}
		}
	}
	return
}()

const (
	tokChar = 1 << iota
	tokLetter
	tokLeet
)

// tokenASCII[leet][c] reports whether the ASCII character c belongs to a
// token in the second pass: a word character, and with Leet '@' and '$'.
var tokenASCII = func() (t [2][utf8.RuneSelf]bool) {
	for c := range utf8.RuneSelf {
		t[0][c] = isWordClass(asciiClass[c])
		t[1][c] = t[0][c] || c == '@' || c == '$'
	}
	return
}()

// runeClass returns the class of a code point that stands for itself in a
// key (as every code point of a key does).
func runeClass(r rune) uint8 {
	e := lookup(r)
	if e&mappedFlag != 0 {
		return classOther
	}
	return entryClass(e)
}

// keyRune decodes the code point at p[i] of a key, which is valid UTF-8 by
// construction.
func keyRune(p []byte, i int) (rune, int) {
	switch c := p[i]; {
	case c < 0x80:
		return rune(c), 1
	case c < 0xE0:
		return rune(c&0x1F)<<6 | rune(p[i+1]&0x3F), 2
	case c < 0xF0:
		return rune(c&0x0F)<<12 | rune(p[i+1]&0x3F)<<6 | rune(p[i+2]&0x3F), 3
	default:
		return rune(c&0x07)<<18 | rune(p[i+1]&0x3F)<<12 | rune(p[i+2]&0x3F)<<6 | rune(p[i+3]&0x3F), 4
	}
}

// keyRuneString is keyRune for the key text.
func keyRuneString(p string, i int) (rune, int) {
	switch c := p[i]; {
	case c < 0x80:
		return rune(c), 1
	case c < 0xE0:
		return rune(c&0x1F)<<6 | rune(p[i+1]&0x3F), 2
	case c < 0xF0:
		return rune(c&0x0F)<<12 | rune(p[i+1]&0x3F)<<6 | rune(p[i+2]&0x3F), 3
	default:
		return rune(c&0x07)<<18 | rune(p[i+1]&0x3F)<<12 | rune(p[i+2]&0x3F)<<6 | rune(p[i+3]&0x3F), 4
	}
}
