package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// maxIDBytes is the longest id commentd accepts.
const maxIDBytes = 64

// validID reports whether s has the form of a commentd id, as the server
// checks it. A malformed id would make the server refuse the whole batch,
// so it is caught here and reported on its own.
func validID(s string) bool {
	if s == "" || len(s) > maxIDBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// readIDs returns the ids of args — or of standard input when args is
// "-" — without duplicates, in order, and the malformed ones apart.
func (a *app) readIDs(args []string) (ids, bad []string, err error) {
	words := args
	if len(args) == 1 && args[0] == "-" {
		if _, tty := a.stdinTerminal(); tty {
			a.warnf("reading ids from the terminal, one a line; end with Ctrl-D")
		}
		if words, err = readLines(a.stdin); err != nil {
			return nil, nil, err
		}
	} else {
		for _, s := range args {
			if s == "-" {
				return nil, nil, usageErrorf("give ids as arguments or - alone to read them from standard input, not both")
			}
		}
	}
	seen := make(map[string]bool, len(words))
	for _, w := range words {
		switch {
		case seen[w]:
		case validID(w):
			ids = append(ids, w)
		default:
			bad = append(bad, w)
		}
		seen[w] = true
	}
	return ids, bad, nil
}

// readLines reads one item a line, trimmed, skipping blank lines and
// lines starting with #.
func readLines(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read standard input: %w", err)
	}
	return out, nil
}
