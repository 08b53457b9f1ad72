package main

import (
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/commentd/commentd/client/commentdtest"

	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// screen collects what a program writes to its terminal.
type screen struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	more chan struct{}
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.buf.Write(p)
	s.mu.Unlock()
	select {
	case s.more <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitFor waits until the screen shows want after position from, and
// returns the position just past it.
func (s *screen) waitFor(t *testing.T, from int, want string) int {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		if i := strings.Index(s.String()[from:], want); i >= 0 {
			return from + i + len(want)
		}
		select {
		case <-s.more:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("the screen never showed %q; it shows:\n%s", want, s.String()[from:])
		}
	}
}

// TestReviewInATerminal drives review through a pseudo-terminal: keys
// in, screen out, while another moderator changes the queue meanwhile.
func TestReviewInATerminal(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			testReview(t, startCommentd(t, st.db(t)))
		})
	}
}

func testReview(t *testing.T, srv *commentdtest.Server) {
	c := dialT(t, srv.Addr)
	var ids []string
	for _, a := range []struct{ name, email, body string }{
		{"प्रिया शर्मा", "priya@example.in", "बहुत अच्छा विश्लेषण।"},
		{"Lucky Winner", "win@casino.example", "Best online bonus, visit now"},
		{"Anjali", "anjali@example.org", "A reply that will be deleted meanwhile."},
		{"Rahul Verma", "rahul@example.com", "Approved by someone else meanwhile."},
		{"Meera", "meera@example.in", "\x1b[2J\u202Egnp.exe is left alone"},
	} {
		ids = append(ids, submit(t, c, "2026/11/budget-session", a.name, a.email, a.body))
		time.Sleep(2 * time.Millisecond) // distinct creation times: a stable order
	}

	cmd := exec.Command(commentctlBin, "review", "--note", "from review")
	cmd.Env = append(ctlEnv(srv.Addr, ashaToken), "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 120})
	if err != nil {
		t.Fatalf("start review on a pty: %v", err)
	}
	defer tty.Close()
	scr := &screen{more: make(chan struct{}, 1)}
	copied := make(chan struct{})
	go func() {
		io.Copy(scr, tty) // ends with EIO when review exits
		close(copied)
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	key := func(k string) {
		t.Helper()
		if _, err := tty.Write([]byte(k)); err != nil {
			t.Fatalf("type %q: %v", k, err)
		}
	}

	// The oldest first: approve it.
	at := scr.waitFor(t, 0, "5 left")
	at = scr.waitFor(t, at, ids[0])
	at = scr.waitFor(t, at, "प्रिया शर्मा <priya@example.in>")
	at = scr.waitFor(t, at, "q quit")
	key("a")
	at = scr.waitFor(t, at, "approved "+ids[0])

	// The second: mark it spam.
	at = scr.waitFor(t, at, "4 left")
	at = scr.waitFor(t, at, ids[1])
	at = scr.waitFor(t, at, "q quit")
	key("s")
	at = scr.waitFor(t, at, "marked-spam "+ids[1])

	// The third is deleted, and the fourth approved, by someone else
	// while the moderator reads the third.
	at = scr.waitFor(t, at, "3 left")
	at = scr.waitFor(t, at, ids[2])
	at = scr.waitFor(t, at, "q quit")
	for _, m := range []struct {
		id  string
		act pb.ModerationAction
	}{{ids[2], pb.ModerationAction_MODERATION_ACTION_DELETE}, {ids[3], pb.ModerationAction_MODERATION_ACTION_APPROVE}} {
		if _, err := c.Moderation.ModerateComments(ctxT(t), &pb.ModerateCommentsRequest{Ids: []string{m.id}, Action: m.act}); err != nil {
			t.Fatal(err)
		}
	}
	key("a")
	at = scr.waitFor(t, at, "failed "+ids[2]+": FAILED_PRECONDITION")
	at = scr.waitFor(t, at, "skipped "+ids[3]+": already published by asha")

	// The fifth: an unknown key, the help, then quit.
	at = scr.waitFor(t, at, "1 left")
	at = scr.waitFor(t, at, ids[4])
	at = scr.waitFor(t, at, "q quit")
	key("x")
	at = scr.waitFor(t, at, "? shows the keys")
	key("q")
	scr.waitFor(t, at, "reviewed 4: 1 approved, 0 rejected, 1 spam, 0 banned, 0 skipped, 1 already moderated or gone, 1 failed")

	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("review exited with %v:\n%s", err, scr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("review did not exit after q:\n%s", scr.String())
	}
	<-copied

	out := scr.String()
	if strings.ContainsAny(out, "\u202e") || strings.Contains(out, "\x1b[2J") {
		t.Errorf("review printed the body's control characters raw:\n%q", out)
	}
	if !strings.Contains(out, `\x1b[2J\u202egnp.exe is left alone`) {
		t.Errorf("review does not show the body escaped:\n%s", out)
	}
	for id, want := range map[string]pb.CommentStatus{
		ids[0]: pb.CommentStatus_COMMENT_STATUS_PUBLISHED,
		ids[1]: pb.CommentStatus_COMMENT_STATUS_SPAM,
		ids[4]: pb.CommentStatus_COMMENT_STATUS_PENDING,
	} {
		d, err := c.Moderation.GetCommentDetail(ctxT(t), &pb.GetCommentDetailRequest{Id: id})
		if err != nil {
			t.Fatal(err)
		}
		if got := d.GetComment().GetComment().GetStatus(); got != want {
			t.Errorf("comment %s is %v after review, want %v", id, got, want)
		}
		if want != pb.CommentStatus_COMMENT_STATUS_PENDING && (d.GetComment().GetModeratedBy() != "asha" || d.GetComment().GetModerationNote() != "from review") {
			t.Errorf("comment %s moderated by %q with note %q, want asha, \"from review\"", id, d.GetComment().GetModeratedBy(), d.GetComment().GetModerationNote())
		}
	}
}

// TestReviewBans bans an author from review, after a y.
func TestReviewBans(t *testing.T) {
	srv := startCommentd(t, "")
	c := dialT(t, srv.Addr)
	id := submit(t, c, "a", "Lucky Winner", "win@casino.example", "Best online bonus, visit now")

	cmd := exec.Command(commentctlBin, "review", "--ban-ttl", "30d")
	cmd.Env = ctlEnv(srv.Addr, ashaToken)
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	scr := &screen{more: make(chan struct{}, 1)}
	go io.Copy(scr, tty)
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	at := scr.waitFor(t, 0, "q quit")
	tty.Write([]byte("b"))
	at = scr.waitFor(t, at, "ban email win@casino.example and mark this comment spam? [y/N]")
	tty.Write([]byte("n"))
	at = scr.waitFor(t, at, "not banned")
	at = scr.waitFor(t, at, "q quit")
	tty.Write([]byte("b"))
	at = scr.waitFor(t, at, "[y/N]")
	tty.Write([]byte("y"))
	at = scr.waitFor(t, at, "banned email win@casino.example until ")
	scr.waitFor(t, at, "marked-spam "+id)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("review: %v\n%s", err, scr.String())
	}
	var bans []*pb.Ban
	for b, err := range c.Bans(ctxT(t), nil) {
		if err != nil {
			t.Fatal(err)
		}
		bans = append(bans, b)
	}
	if len(bans) != 1 || bans[0].GetEmail() != "win@casino.example" || bans[0].GetExpireTime() == nil {
		t.Errorf("bans after review: %v", bans)
	}
}

// TestReviewCountsWhatIsLeftFromTheTotal: with more held comments than
// review loads at once, it says how many are left from the queue's total,
// and so does its summary.
func TestReviewCountsWhatIsLeftFromTheTotal(t *testing.T) {
	srv := startCommentd(t, stores[0].db(t))
	c := dialT(t, srv.Addr)
	const held = reviewBatch + 30
	for i := range held {
		submit(t, c, "2026/11/long-thread", fmt.Sprintf("Reader %d", i), fmt.Sprintf("reader%d@example.in", i), fmt.Sprintf("comment %d", i))
	}
	cmd := exec.Command(commentctlBin, "review")
	cmd.Env = append(ctlEnv(srv.Addr, ashaToken), "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 120})
	if err != nil {
		t.Fatalf("start review on a pty: %v", err)
	}
	defer tty.Close()
	scr := &screen{more: make(chan struct{}, 1)}
	go io.Copy(scr, tty)
	t.Cleanup(func() { cmd.Process.Kill() })
	key := func(k string) {
		t.Helper()
		if _, err := tty.Write([]byte(k)); err != nil {
			t.Fatalf("type %q: %v", k, err)
		}
	}
	at := scr.waitFor(t, 0, fmt.Sprintf("── %d left", held))
	at = scr.waitFor(t, at, "q quit")
	key("a")
	at = scr.waitFor(t, at, fmt.Sprintf("── %d left", held-1))
	at = scr.waitFor(t, at, "q quit")
	key("q")
	scr.waitFor(t, at, fmt.Sprintf("%d left in the queue", held-1))
	if err := cmd.Wait(); err != nil {
		t.Fatalf("review exited with %v:\n%s", err, scr.String())
	}
}
