// Package table lays out rows in columns aligned by display width — the
// cells a terminal gives each grapheme cluster — so that "प्रिया शर्मा"
// and "Rahul Verma" line up the same. Every cell goes through
// termsafe.Line first: a table cannot print a control character.
package table

import (
	"bufio"
	"io"
	"strings"

	"github.com/commentd/commentd/cmd/commentctl/internal/termsafe"
)

// Gap is the space between two columns.
const Gap = "  "

// minFlex is the narrowest a flexible column shrinks to.
const minFlex = 12

// Align says which side of its column a cell keeps to.
type Align int8

// The alignments.
const (
	Left Align = iota
	Right
)

// Column describes one column.
type Column struct {
	Header string
	// Min and Max bound the column's width in cells; Max 0 means no
	// limit: the cells are never truncated.
	Min, Max int
	Align    Align
	// Flex columns give up width when a row would be wider than the
	// terminal.
	Flex bool
}

// Table collects rows and writes them aligned.
type Table struct {
	cols []Column
	rows [][]string
}

// New returns an empty table with the columns.
func New(cols ...Column) *Table { return &Table{cols: cols} }

// Row adds a row; missing cells are empty, extra ones dropped.
func (t *Table) Row(cells ...string) {
	row := make([]string, len(t.cols))
	for i := range row {
		if i < len(cells) {
			row[i] = termsafe.Line(cells[i])
		}
	}
	t.rows = append(t.rows, row)
}

// Len returns the number of rows.
func (t *Table) Len() int { return len(t.rows) }

// Widths returns each column's width: its widest cell or header, within
// Min and Max, with the Flex columns shrunk so that a row fits in total
// cells (when total > 0).
func (t *Table) Widths(total int) []int {
	w := make([]int, len(t.cols))
	for i, c := range t.cols {
		w[i] = Width(c.Header)
		for _, r := range t.rows {
			w[i] = max(w[i], Width(r[i]))
		}
		w[i] = clamp(w[i], c)
	}
	return fit(t.cols, w, total)
}

// FixedWidths returns widths that do not depend on the rows, for tables
// written a row at a time: Max (or Min when there is none) of each
// column, fitted to total cells.
func (t *Table) FixedWidths(total int) []int {
	w := make([]int, len(t.cols))
	for i, c := range t.cols {
		w[i] = clamp(max(Width(c.Header), c.Max, c.Min), c)
	}
	return fit(t.cols, w, total)
}

func clamp(w int, c Column) int {
	w = max(w, c.Min)
	if c.Max > 0 {
		w = min(w, c.Max)
	}
	return w
}

// fit shrinks the flexible columns until the row fits in total cells,
// a cell at a time from whichever has the most to spare, so they end up
// balanced rather than one of them squeezed to nothing. The last column,
// where tables keep their free text, counts its spare at half: it ends up
// about twice as wide as the others.
func fit(cols []Column, w []int, total int) []int {
	if total <= 0 {
		return w
	}
	over := len(Gap)*(len(w)-1) - total
	for _, x := range w {
		over += x
	}
	for ; over > 0; over-- {
		best, spare := -1, 0
		for i, c := range cols {
			s := 2 * (w[i] - max(minFlex, Width(c.Header)))
			if i == len(cols)-1 {
				s = (s + 1) / 2
			}
			if c.Flex && s >= spare && s > 0 {
				best, spare = i, s
			}
		}
		if best < 0 {
			break // nothing left to give: the row stays too wide
		}
		w[best]--
	}
	return w
}

// Write writes the header and the rows, with widths from Widths(total).
func (t *Table) Write(w io.Writer, total int) error {
	widths := t.Widths(total)
	bw := bufio.NewWriter(w)
	bw.WriteString(t.Header(widths))
	for _, r := range t.rows {
		bw.WriteString(Format(t.cols, widths, r))
	}
	return bw.Flush()
}

// Header returns the header line for widths.
func (t *Table) Header(widths []int) string {
	h := make([]string, len(t.cols))
	for i, c := range t.cols {
		h[i] = c.Header
	}
	return Format(t.cols, widths, h)
}

// Line returns one row laid out in widths, for tables written a row at a
// time; its cells are made safe as in Row.
func (t *Table) Line(widths []int, cells ...string) string {
	row := make([]string, len(t.cols))
	for i := range row {
		if i < len(cells) {
			row[i] = termsafe.Line(cells[i])
		}
	}
	return Format(t.cols, widths, row)
}

// Format lays out safe cells in widths as one line ending in a newline,
// truncating cells of columns with a Max, without trailing spaces.
func Format(cols []Column, widths []int, cells []string) string {
	var b strings.Builder
	last := len(cols) - 1
	for last > 0 && cells[last] == "" {
		last--
	}
	for i := 0; i <= last; i++ {
		if i > 0 {
			b.WriteString(Gap)
		}
		cell := cells[i]
		if cols[i].Max > 0 || cols[i].Flex {
			cell = Truncate(cell, widths[i])
		}
		switch {
		case cols[i].Align == Right:
			b.WriteString(PadLeft(cell, widths[i]))
		case i == last:
			b.WriteString(cell)
		default:
			b.WriteString(Pad(cell, widths[i]))
		}
	}
	b.WriteByte('\n')
	return b.String()
}
