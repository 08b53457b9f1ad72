package main

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/commentd/commentd/client/commentdtest"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// importPolicy holds first-time authors and publishes the rest.
const importPolicy = `default_status: published
rules:
  first_time_hold: true
rate_limits:
  client_ip: {burst: 0, every: 1s}
  author_email: {burst: 0, every: 1s}
  network: {burst: 0, every: 1s}
`

// elapsed is the import's time in its summary, which varies.
var elapsed = regexp.MustCompile(` in [0-9.]+[mµn]?s:`)

func summary(out string) []string {
	return lines(elapsed.ReplaceAllString(out, " in T:"))
}

// TestImportWXR imports a WordPress export (testdata/news.wxr: Hindi
// names and text, a reply, approved, pending, spam and trashed comments,
// a pingback, a comment without an email and a signed-in reader's) with
// the real commentctl into a real commentd, and again.
func TestImportWXR(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			srv := commentdtest.Start(t, commentdtest.Config{Binary: commentdBin, DB: st.db(t), Policy: importPolicy, Env: []string{moderators, sites}})
			c := dialT(t, srv.Addr)

			// Only an admin imports.
			r := ctlWith(t, ctlEnv(srv.Addr, "tok-ravi"), "", "import", "--site", "news", "--format", "wxr", "testdata/news.wxr")
			r.wantCode(t, 1, "import as a moderator")
			if !strings.Contains(r.stderr, "PERMISSION_DENIED") {
				t.Errorf("import as a moderator: %s", r.stderr)
			}

			r = ctl(t, srv.Addr, "", "import", "--site", "news", "--format", "wxr", "testdata/news.wxr")
			r.wantCode(t, 0, "import")
			want := []string{
				"imported site news in T: 5 stored (0 without their parent), 0 already imported, 2 skipped, of 7 comments read",
				"  skipped 1 pingback: not a reader's comment (wxr:42:11)",
				"  skipped 1 invalid author.email: is required (wxr:42:12)",
			}
			if got := summary(r.stdout); !slices.Equal(got, want) {
				t.Errorf("import:\n got %q\nwant %q", got, want)
			}
			if !strings.Contains(r.stderr, "6 comments sent") {
				t.Errorf("progress: %q", r.stderr)
			}

			byBody := map[string]*pb.Comment{}
			for _, status := range []pb.CommentStatus{pb.CommentStatus_COMMENT_STATUS_PUBLISHED, pb.CommentStatus_COMMENT_STATUS_PENDING,
				pb.CommentStatus_COMMENT_STATUS_SPAM, pb.CommentStatus_COMMENT_STATUS_REJECTED} {
				q, err := c.Moderation.ListQueue(ctxT(t), &pb.ListQueueRequest{Status: status})
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range q.GetComments() {
					byBody[m.GetComment().GetBody()] = m.GetComment()
				}
			}
			priya := byBody["बहुत अच्छा लेख। किसानों के लिए यह बजट सही दिशा में है।"]
			reply := byBody["@प्रिया सहमत हूँ, पर MSP का क्या?"]
			if len(byBody) != 5 || priya == nil || reply == nil {
				t.Fatalf("stored: %v", byBody)
			}
			for body, w := range map[string]struct {
				status  pb.CommentStatus
				article string
				name    string
			}{
				priya.GetBody():                       {pb.CommentStatus_COMMENT_STATUS_PUBLISHED, "42", "प्रिया शर्मा"},
				reply.GetBody():                       {pb.CommentStatus_COMMENT_STATUS_PENDING, "42", "राहुल वर्मा"},
				"Aaj ka pakka number, join VIP group": {pb.CommentStatus_COMMENT_STATUS_SPAM, "42", "Lucky 7"},
				"बकवास लेख":                           {pb.CommentStatus_COMMENT_STATUS_REJECTED, "42", "ट्रोल"},
				"Mumbai mein aaj bahut baarish hui":   {pb.CommentStatus_COMMENT_STATUS_PUBLISHED, "43", "Kavita"},
			} {
				got := byBody[body]
				if got.GetStatus() != w.status || got.GetArticleId() != w.article || got.GetAuthorName() != w.name {
					t.Errorf("%q: %v on %q by %q; want %v on %q by %q", body, got.GetStatus(), got.GetArticleId(), got.GetAuthorName(), w.status, w.article, w.name)
				}
			}
			if reply.GetParentId() != priya.GetId() || priya.GetParentId() != "" {
				t.Errorf("thread: reply under %q, want under %s", reply.GetParentId(), priya.GetId())
			}
			if !priya.GetCreateTime().AsTime().Equal(time.Date(2026, time.November, 2, 10, 0, 0, 0, time.UTC)) {
				t.Errorf("create time %v, want comment_date_gmt", priya.GetCreateTime().AsTime())
			}

			// The imported approvals count for the first-time hold: Priya
			// is published at once, Kavita (a signed-in reader, user 3)
			// when the site vouches for her as the plugin does, a stranger
			// is held.
			send := func(name, email, userID, body string) pb.CommentStatus {
				resp, err := c.Comments.SubmitComment(ctxT(t), &pb.SubmitCommentRequest{ArticleId: "42",
					Author: &pb.Author{Name: name, Email: email, UserId: userID}, Body: body})
				if err != nil {
					t.Fatalf("submit as %s: %v", name, err)
				}
				return resp.GetStatus()
			}
			if got := send("प्रिया शर्मा", "priya@example.in", "", "एक और टिप्पणी"); got != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
				t.Errorf("Priya after the import: %v, want published", got)
			}
			if got := send("Kavita", "kavita@mail.example", "3", "Aaj bhi baarish"); got != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
				t.Errorf("Kavita (user 3) after the import: %v, want published", got)
			}
			if got := send("Meera", "meera@example.in", "", "पहली टिप्पणी"); got != pb.CommentStatus_COMMENT_STATUS_PENDING {
				t.Errorf("a new author: %v, want held", got)
			}

			// Again: nothing stored.
			r = ctl(t, srv.Addr, "", "import", "--site", "news", "--format", "wxr", "testdata/news.wxr")
			r.wantCode(t, 0, "import again")
			want[0] = "imported site news in T: 0 stored (0 without their parent), 5 already imported, 2 skipped, of 7 comments read"
			if got := summary(r.stdout); !slices.Equal(got, want) {
				t.Errorf("import again:\n got %q\nwant %q", got, want)
			}

			// Not a WordPress export.
			r = ctl(t, srv.Addr, "<rss><channel><item><wp:comment>", "import", "--site", "news", "--format", "wxr", "-")
			r.wantCode(t, 1, "a broken export")
			if !strings.Contains(r.stderr, "not a WordPress export (WXR) at line 1") {
				t.Errorf("a broken export: %q", r.stderr)
			}
		})
	}
}

// jsonlHistory is n comments as JSON Lines, five an article: every tenth
// spam, every fifth a reply to the one before.
func jsonlHistory(n int) string {
	var b strings.Builder
	for i := range n {
		status, parent := "published", ""
		switch {
		case i%10 == 9:
			status = "spam"
		case i%5 == 4:
			status, parent = "pending", fmt.Sprintf("c-%d", i-1)
		}
		fmt.Fprintf(&b, `{"id": "c-%d", "parent_id": %q, "article_id": "2026/12/a%d", "author_name": "पाठक %d", "author_email": "reader%d@example.in", "body": "टिप्पणी %d: बहुत अच्छा", "create_time": "2026-11-%02dT10:00:00+05:30", "status": %q}`+"\n",
			i, parent, i/5, i, i, i, 1+i%28, status)
	}
	return b.String()
}

// TestImportJSONLResumes: a JSON Lines history, with bad lines reported
// by line; an import interrupted with Ctrl-C keeps what was stored, and
// the same command resumes it.
func TestImportJSONLResumes(t *testing.T) {
	srv := commentdtest.Start(t, commentdtest.Config{Binary: commentdBin, Policy: importPolicy, Env: []string{moderators, sites}})
	const n = 1200
	path := t.TempDir() + "/history.jsonl"
	history := jsonlHistory(n) + `{"id": "x-1", "lable": "oops"}` + "\n" + `{"id": "x-2", "status": "maybe", "create_time": "2026-11-01T00:00:00Z"}` + "\n"
	if err := os.WriteFile(path, []byte(history), 0o600); err != nil {
		t.Fatal(err)
	}

	// Interrupted: the history comes down a pipe that stalls after 1,100
	// lines (two messages of some 400); once commentd stored its first
	// batch of 500, Ctrl-C. The rest it received is not stored.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(commentctlBin, "import", "--site", "news", "--format", "jsonl", "-")
	cmd.Env = ctlEnv(srv.Addr, ashaToken)
	cmd.Stdin = pr
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pr.Close()
	head := strings.SplitAfterN(history, "\n", 1101)
	if _, err := pw.WriteString(strings.Join(head[:1100], "")); err != nil {
		t.Fatal(err)
	}
	c := dialT(t, srv.Addr)
	stored := func() int {
		total := 0
		for _, st := range []pb.CommentStatus{pb.CommentStatus_COMMENT_STATUS_PUBLISHED, pb.CommentStatus_COMMENT_STATUS_PENDING, pb.CommentStatus_COMMENT_STATUS_SPAM} {
			for token := ""; ; {
				q, err := c.Moderation.ListQueue(ctxT(t), &pb.ListQueueRequest{Status: st, PageSize: 100, PageToken: token})
				if err != nil {
					t.Fatal(err)
				}
				total += len(q.GetComments())
				if token = q.GetNextPageToken(); token == "" {
					break
				}
			}
		}
		return total
	}
	for deadline := time.Now().Add(testTimeout); stored() < 500; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first batch was never stored")
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	pw.Close()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted || !strings.Contains(errOut.String(), "run the same command again to resume") {
		t.Fatalf("interrupted: exit %d (%v)\n%s", code, err, errOut.String())
	}
	if got := stored(); got != 500 {
		t.Errorf("after the interruption: %d stored, want the first batch's 500", got)
	}

	// The same command again resumes.
	r := ctl(t, srv.Addr, "", "import", "--site", "news", "--format", "jsonl", path)
	r.wantCode(t, 0, "import again")
	want := []string{
		fmt.Sprintf("imported site news in T: %d stored (0 without their parent), 500 already imported, 2 skipped, of %d comments read", n-500, n+2),
		`  skipped 1 unreadable line: json: unknown field "lable" (line 1201)`,
		"  skipped 1 invalid status: must be published, pending, spam or rejected (x-2)",
	}
	if got := summary(r.stdout); !slices.Equal(got, want) {
		t.Errorf("resumed:\n got %q\nwant %q", got, want)
	}
	if got := stored(); got != n {
		t.Errorf("after resuming: %d stored, want %d", got, n)
	}
	// A reply sits under its parent, across the interruption.
	q, err := c.Moderation.ListQueue(ctxT(t), &pb.ListQueueRequest{ArticleId: "2026/12/a100", Status: pb.CommentStatus_COMMENT_STATUS_PENDING})
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Moderation.ListQueue(ctxT(t), &pb.ListQueueRequest{ArticleId: "2026/12/a100", Status: pb.CommentStatus_COMMENT_STATUS_PUBLISHED})
	if err != nil || len(q.GetComments()) != 1 || len(p.GetComments()) != 4 {
		t.Fatalf("article a100: %v and %v, %v; want 1 pending reply and 4 published", q, p, err)
	}
	parent := p.GetComments()[0].GetComment() // newest first: c-503
	if reply := q.GetComments()[0].GetComment(); reply.GetBody() != "टिप्पणी 504: बहुत अच्छा" || reply.GetParentId() != parent.GetId() || parent.GetBody() != "टिप्पणी 503: बहुत अच्छा" {
		t.Errorf("reply %v under %q, want under c-503 %v", reply, reply.GetParentId(), parent)
	}
}
