package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestBenchRuns runs `make bench` in miniature: every case against every
// server for a moment, with the exactly-once check after each submission
// case. It guards the harness, not the figures.
func TestBenchRuns(t *testing.T) {
	t.Chdir("..") // the configurations name their data files from the root
	var out bytes.Buffer
	err := run(t.Context(), options{total: 40, concurrency: 4}, &out)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	var rows, checked int
	for _, line := range strings.Split(out.String(), "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| case") {
			continue
		}
		rows++
		if strings.Contains(line, "acknowledged") {
			checked++
		}
	}
	httpCases := 0
	for _, bc := range cases {
		if bc.http {
			httpCases++
		}
	}
	if want := (len(cases)-httpCases)*4 + httpCases*2; rows != want {
		t.Errorf("table has %d rows, want %d (every gRPC case on 4 servers, every HTTP case on commentd's 2):\n%s", rows, want, out.String())
	}
	if checked != 8 {
		t.Errorf("%d exactly-once checks in the table, want 8 (4 submission cases on 2 stores):\n%s", checked, out.String())
	}
	if n := strings.Count(out.String(), "the gRPC case's RPS"); n != 2 {
		t.Errorf("%d HTTP/gRPC comparisons, want 2 (one per store):\n%s", n, out.String())
	}
	if !strings.Contains(out.String(), "commentd peak resident memory") {
		t.Errorf("no memory line:\n%s", out.String())
	}
}
