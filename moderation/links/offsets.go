package links

import "sort"

// A segment is a run of rewritten output and the source bytes it came from.
type segment struct {
	out, n      int // output bytes [out, out+n)
	src, srcEnd int // source bytes [src, srcEnd)
	// rewritten is false for a verbatim copy, where output byte out+k is
	// source byte src+k, and true for a replacement, whose output bytes all
	// stand for the whole source run.
	rewritten bool
}

// An offsetMap maps byte offsets of a rewritten string back to the string it
// was made from. The zero offsetMap is the identity.
type offsetMap struct {
	segs           []segment // ordered by out
	srcLen, outLen int
}

// at returns the segment holding output byte i, 0 <= i < outLen.
func (m *offsetMap) at(i int) segment {
	k := sort.Search(len(m.segs), func(k int) bool { return m.segs[k].out > i })
	return m.segs[k-1]
}

// start returns the source offset where output byte i begins.
func (m *offsetMap) start(i int) int {
	if m.segs == nil {
		return i
	}
	if i >= m.outLen {
		return m.srcLen
	}
	s := m.at(i)
	if s.rewritten {
		return s.src
	}
	return s.src + i - s.out
}

// end returns the source offset just past output byte j-1.
func (m *offsetMap) end(j int) int {
	if m.segs == nil || j <= 0 {
		return j
	}
	if j > m.outLen {
		return m.srcLen
	}
	s := m.at(j - 1)
	if s.rewritten {
		return s.srcEnd
	}
	return s.src + j - s.out
}

// rewrittenIn reports whether anything in output bytes [a, b) was rewritten,
// including a deletion between two of them.
func (m *offsetMap) rewrittenIn(a, b int) bool {
	k := sort.Search(len(m.segs), func(k int) bool { return m.segs[k].out+m.segs[k].n > a })
	for ; k < len(m.segs) && m.segs[k].out < b; k++ {
		s := m.segs[k]
		if s.rewritten && (s.n > 0 || s.out > a) {
			return true
		}
	}
	return false
}

// A builder writes a rewritten copy of src. It copies nothing until the first
// rewrite, so text that needs none costs no allocation.
type builder struct {
	src  string
	buf  []byte
	segs []segment
	pos  int // source bytes consumed
}

// flush copies src[b.pos:to] verbatim.
func (b *builder) flush(to int) {
	if to <= b.pos {
		return
	}
	if b.buf == nil {
		b.buf = make([]byte, 0, len(b.src)+8)
	}
	b.segs = append(b.segs, segment{out: len(b.buf), n: to - b.pos, src: b.pos, srcEnd: to})
	b.buf = append(b.buf, b.src[b.pos:to]...)
	b.pos = to
}

// rewrite replaces src[from:to] with repl; from must be >= b.pos.
func (b *builder) rewrite(from, to int, repl string) {
	b.flush(from)
	if b.buf == nil {
		b.buf = make([]byte, 0, len(b.src)+8)
	}
	b.segs = append(b.segs, segment{out: len(b.buf), n: len(repl), src: from, srcEnd: to, rewritten: true})
	b.buf = append(b.buf, repl...)
	b.pos = to
}

func (b *builder) result() (string, offsetMap) {
	if b.segs == nil {
		return b.src, offsetMap{}
	}
	b.flush(len(b.src))
	return string(b.buf), offsetMap{segs: b.segs, srcLen: len(b.src), outLen: len(b.buf)}
}
