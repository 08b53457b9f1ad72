package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/commentd/commentd/client/commentdtest"
	"github.com/commentd/commentd/internal/testpg"
)

// watchProc is a running `commentctl watch -o json`.
type watchProc struct {
	cmd    *exec.Cmd
	out    chan string // stdout lines
	stderr *screen
}

func startWatch(t *testing.T, addr string, args ...string) *watchProc {
	t.Helper()
	cmd := exec.Command(commentctlBin, append([]string{"watch", "-o", "json"}, args...)...)
	cmd.Env = ctlEnv(addr, ashaToken)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	w := &watchProc{cmd: cmd, out: make(chan string, 100), stderr: &screen{more: make(chan struct{}, 1)}}
	cmd.Stderr = w.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			w.out <- sc.Text()
		}
		close(w.out)
	}()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return w
}

// next returns the id of the next comment watch prints.
func (w *watchProc) next(t *testing.T) string {
	t.Helper()
	select {
	case line, ok := <-w.out:
		if !ok {
			t.Fatalf("watch ended; it said:\n%s", w.stderr.String())
		}
		var d struct {
			Comment struct{ ID string }
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil || d.Comment.ID == "" {
			t.Fatalf("watch printed %q, not a comment as one JSON line: %v", line, err)
		}
		return d.Comment.ID
	case <-time.After(30 * time.Second):
		t.Fatalf("watch printed nothing in 30s; it said:\n%s", w.stderr.String())
	}
	return ""
}

// TestWatch streams held comments, and reconnects after commentd
// restarts without missing the comments held meanwhile.
func TestWatch(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			testWatch(t, startCommentd(t, st.db(t)))
		})
	}
}

func testWatch(t *testing.T, srv *commentdtest.Server) {
	w := startWatch(t, srv.Addr)
	at := w.stderr.waitFor(t, 0, "watching pending and spam comments")

	c := dialT(t, srv.Addr)
	first := submit(t, c, "2026/11/budget-session", "प्रिया शर्मा", "priya@example.in", "पहली टिप्पणी")
	if got := w.next(t); got != first {
		t.Fatalf("watch printed %s, want %s", got, first)
	}

	// commentd restarts on the same address and data.
	srv.Stop(t)
	at = w.stderr.waitFor(t, at, "stream lost (UNAVAILABLE")
	srv2 := commentdtest.Start(t, commentdtest.Config{Binary: commentdBin, DB: srv.DB, Listen: srv.Addr, Policy: holdAll, Env: []string{moderators, sites}})
	c2 := dialT(t, srv2.Addr)
	// Held before watch is back, or after: printed either way, once.
	second := submit(t, c2, "2026/11/budget-session", "Rahul Verma", "rahul@example.com", "Second comment, around the restart.")
	if got := w.next(t); got != second {
		t.Fatalf("watch printed %s after the restart, want %s", got, second)
	}
	at = w.stderr.waitFor(t, at, "watch: reconnected")
	third := submit(t, c2, "2026/11/other", "Anjali", "anjali@example.org", "Third comment, on another article.")
	if got := w.next(t); got != third {
		t.Fatalf("watch printed %s, want %s", got, third)
	}
	select {
	case extra := <-w.out:
		t.Errorf("watch printed a comment twice or an extra one: %s", extra)
	case <-time.After(300 * time.Millisecond):
	}
}

// TestWatchTable prints the queue's columns, a line per comment, and
// only the article asked for.
func TestWatchTable(t *testing.T) {
	srv := startCommentd(t, "")
	cmd := exec.Command(commentctlBin, "watch", "--article", "2026/11/budget-session", "--status", "pending")
	cmd.Env = append(ctlEnv(srv.Addr, ashaToken), "COLUMNS=200")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errScr := &screen{more: make(chan struct{}, 1)}
	cmd.Stderr = errScr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	errScr.waitFor(t, 0, "watching pending comments")
	c := dialT(t, srv.Addr)
	submit(t, c, "2026/11/other", "Anjali", "anjali@example.org", "Not on the watched article.")
	id := submit(t, c, "2026/11/budget-session", "Rahul Verma", "rahul@example.com", "Line one\nline two \x1b[2J")
	r := bufio.NewReader(stdout)
	header, _ := r.ReadString('\n')
	line, err := r.ReadString('\n')
	if err != nil && err != io.EOF {
		t.Fatal(err)
	}
	if !strings.HasPrefix(header, "ID ") || !strings.Contains(header, "BODY") {
		t.Errorf("watch header %q", header)
	}
	if !strings.HasPrefix(line, id+" ") || !strings.Contains(line, "Line one⏎line two \\x1b[2J") || strings.Contains(line, "\x1b") {
		t.Errorf("watch line %q", line)
	}
}

// TestWatchSeesAnotherProcess watches one commentd while three comments
// are held by a second commentd process sharing the store (PostgreSQL,
// no Redis: LISTEN/NOTIFY carries them): all three within 2 seconds.
func TestWatchSeesAnotherProcess(t *testing.T) {
	db := testpg.NewDatabase(t)
	a := startCommentd(t, db)
	b := startCommentd(t, db)
	w := startWatch(t, a.Addr)
	w.stderr.waitFor(t, 0, "watching pending and spam comments")

	c := dialT(t, b.Addr)
	want := map[string]bool{}
	for i, name := range []string{"प्रिया शर्मा", "Rahul Verma", "Anjali"} {
		want[submit(t, c, "2026/11/budget-session", name, fmt.Sprintf("reader%d@example.in", i), fmt.Sprintf("Comment %d through the other replica", i))] = true
	}
	sent := time.Now()
	for len(want) > 0 {
		id := w.next(t)
		if !want[id] {
			t.Fatalf("watch printed %s, which was not submitted", id)
		}
		delete(want, id)
	}
	if d := time.Since(sent); d > 2*time.Second {
		t.Errorf("the third comment reached the watcher %v after it was held, want within 2s", d)
	}
}
