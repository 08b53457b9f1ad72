package textmatch

import (
	"errors"
	"slices"
	"unicode/utf8"
)

// automaton is an Aho–Corasick automaton over symbols: the code points of a
// key's words and the word separator ' ' (see Matcher).
//
// Symbols are first mapped to classes, numbered from 1 in the order they
// occur in the patterns; a symbol in no pattern has class 0 and always
// leads back to the root. States are positions in a double array (Aoe,
// 1989): the edge of state s on class c, if any, leads to t = base(s)+c,
// and exists exactly when da[t].check == s. Without an edge the automaton
// follows failure links, to the state of the longest proper suffix that is
// a pattern prefix. The root is state 0. da holds only what every symbol
// needs, 8 bytes a state, so that large lists stay cache-friendly.
type automaton struct {
	ascii   [utf8.RuneSelf]int32 // class of each ASCII character
	runeIdx []uint16             // non-ASCII r: block runeIdx[r>>7] of runeCls (0: none)
	runeCls []int32              // blocks of 128 classes; block 0 is all 0
	space   int32                // class of ' '

	da   []daCell
	fail []int32
	// first[s] is the first state, among s and those reached from it by
	// failure links, that ends a pattern (-1: none; base(s) then carries
	// outFlag); dict[s] is the same but strictly after s, so that reports
	// follow dict links. pat[s] is the pattern ending at s, or -1.
	first, dict, pat []int32
	// gap[s] is the state after reading ' ' in state s: that column of the
	// full transition table, because every gap needs it and it would often
	// take a chain of failure links.
	gap []int32
	// root[c] is the state after reading class c at the root: that row of
	// the table, because an automaton that can start anywhere spends most
	// of its time there.
	root []int32
}

type daCell struct {
	base  int32 // with outFlag set when the state reports a pattern
	check int32 // the parent state; -1 for a free cell
}

const (
	outFlag   = 1 << 30
	maxStates = outFlag / 2 // keeps base+class below outFlag
)

// classOf returns the class of the symbol r.
func (a *automaton) classOf(r rune) int32 {
	if r < utf8.RuneSelf {
		return a.ascii[r]
	}
	if b := int(r >> 7); b < len(a.runeIdx) {
		return a.runeCls[int(a.runeIdx[b])<<7|int(r&127)]
	}
	return 0
}

// step returns the state after reading class c (not 0) in state s.
func (a *automaton) step(s, c int32) int32 {
	da := a.da
	for {
		t := da[s].base&^outFlag + c
		if da[t].check == s { // t > 0, since classes start at 1
			return t
		}
		if s == 0 {
			return 0
		}
		s = a.fail[s]
	}
}

// maxClassOf returns the largest class of a.
func maxClassOf(a *automaton) int32 {
	m := slices.Max(a.ascii[:])
	if len(a.runeCls) > 0 {
		m = max(m, slices.Max(a.runeCls))
	}
	return m
}

// reports tells whether state s ends a pattern.
func (a *automaton) reports(s int32) bool { return a.da[s].base&outFlag != 0 }

// trieNode is a node of the trie the automaton is built from.
type trieNode struct {
	child, sibling int32 // first child, next sibling (-1: none)
	label          int32 // class of the edge into this node
	pat            int32
}

// newAutomaton builds the automaton for patterns; the pattern ending in a
// state is reported by its index in ids.
func newAutomaton(patterns []string, ids []int32) (*automaton, error) {
	a := &automaton{runeIdx: []uint16{0}, runeCls: make([]int32, 128)}
	n := int32(0)
	classify := func(r rune) int32 {
		if c := a.classOf(r); c != 0 {
			return c
		}
		n++
		if r < utf8.RuneSelf {
			a.ascii[r] = n
			return n
		}
		b := int(r >> 7)
		for len(a.runeIdx) <= b {
			a.runeIdx = append(a.runeIdx, 0)
		}
		if a.runeIdx[b] == 0 {
			a.runeIdx[b] = uint16(len(a.runeCls) >> 7)
			a.runeCls = append(a.runeCls, make([]int32, 128)...)
		}
		a.runeCls[int(a.runeIdx[b])<<7|int(r&127)] = n
		return n
	}

	// The trie.
	nodes := []trieNode{{child: -1, sibling: -1, pat: -1}}
	for pi, p := range patterns {
		u := int32(0)
		for _, r := range p {
			c := classify(r)
			v := nodes[u].child
			for v >= 0 && nodes[v].label != c {
				v = nodes[v].sibling
			}
			if v < 0 {
				v = int32(len(nodes))
				nodes = append(nodes, trieNode{child: -1, sibling: nodes[u].child, label: c, pat: -1})
				nodes[u].child = v
			}
			u = v
		}
		nodes[u].pat = ids[pi]
	}
	a.space = a.ascii[' ']
	if len(nodes)+int(n) >= maxStates/2 {
		return nil, errors.New("textmatch: word list too large")
	}
	pos := a.place(nodes, n)
	if len(a.da) >= maxStates {
		return nil, errors.New("textmatch: word list too large")
	}
	a.link(nodes, pos)
	return a, nil
}

// place lays the trie out in the double array, depth first, each node's
// children at the first free slots after it: a chain of single children —
// the tail of every long term — then lies in consecutive cells, so walking
// it touches few cache lines. It returns each node's state.
func (a *automaton) place(nodes []trieNode, maxClass int32) []int32 {
	a.da = make([]daCell, 0, len(nodes)+int(maxClass)+1)
	var next []int32 // next[p]: no free slot in [p, next[p]); path-compressed
	grow := func(size int32) {
		for int32(len(a.da)) < size {
			next = append(next, int32(len(a.da)))
			a.da = append(a.da, daCell{check: -1})
		}
	}
	findFree := func(p int32) int32 {
		grow(p + 1)
		r := p
		for a.da[r].check >= 0 {
			grow(next[r] + 1)
			r = next[r]
		}
		for p != r {
			p, next[p] = next[p], r
		}
		return r
	}
	grow(1)
	a.da[0].check = 0 // the root owns position 0; no edge leads there
	next[0] = 1
	pos := make([]int32, len(nodes))
	stack := []int32{0}
	var labels []int32
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		s := pos[u]
		labels = labels[:0]
		for v := nodes[u].child; v >= 0; v = nodes[v].sibling {
			labels = append(labels, nodes[v].label)
		}
		if len(labels) == 0 {
			continue
		}
		slices.Sort(labels)
		// First fit from just after s: the lowest base whose slots for all
		// labels are free.
		p := findFree(max(s+1, labels[0]))
	search:
		for ; ; p = findFree(p + 1) {
			base := p - labels[0]
			grow(base + maxClass + 1)
			for _, c := range labels[1:] {
				if a.da[base+c].check >= 0 {
					continue search
				}
			}
			break
		}
		base := p - labels[0]
		a.da[s].base = base
		for v := nodes[u].child; v >= 0; v = nodes[v].sibling {
			t := base + nodes[v].label
			a.da[t].check = s
			next[t] = t + 1
			pos[v] = t
			stack = append(stack, v)
		}
	}
	// Every base+class must be a valid index, even for leaves (base 0).
	grow(maxClass + 1)
	return pos
}

// link computes the failure, report and dictionary links and the gap
// column, breadth first: a state's failure target is shallower, so it is
// done first.
func (a *automaton) link(nodes []trieNode, pos []int32) {
	size := len(a.da)
	a.fail = make([]int32, size)
	a.first = make([]int32, size)
	a.dict = make([]int32, size)
	a.pat = make([]int32, size)
	a.gap = make([]int32, size)
	for i := range size {
		a.first[i], a.dict[i], a.pat[i] = -1, -1, -1
	}
	for u, p := range pos {
		a.pat[p] = nodes[u].pat
	}
	edge := func(s, c int32) int32 { // the goto edge, or -1
		if t := a.da[s].base&^outFlag + c; c != 0 && a.da[t].check == s {
			return t
		}
		return -1
	}
	if t := edge(0, a.space); t > 0 {
		a.gap[0] = t
	}
	a.root = make([]int32, maxClassOf(a)+1)
	for c := range int32(len(a.root)) {
		if t := edge(0, c); t > 0 {
			a.root[c] = t
		}
	}
	queue := []int32{0}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		s := pos[u]
		for v := nodes[u].child; v >= 0; v = nodes[v].sibling {
			c, t := nodes[v].label, pos[v]
			f := int32(0)
			if s != 0 {
				for f = a.fail[s]; ; f = a.fail[f] {
					if g := edge(f, c); g > 0 {
						f = g
						break
					}
					if f == 0 {
						break
					}
				}
			}
			a.fail[t] = f
			a.dict[t] = a.first[f]
			a.first[t] = a.dict[t]
			if a.pat[t] >= 0 {
				a.first[t] = t
			}
			if a.first[t] >= 0 {
				a.da[t].base |= outFlag
			}
			a.gap[t] = a.gap[f]
			if g := edge(t, a.space); g > 0 {
				a.gap[t] = g
			}
			queue = append(queue, v)
		}
	}
}
