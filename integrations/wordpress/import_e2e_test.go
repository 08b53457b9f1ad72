package wordpress_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/commentd/commentd/client"
	"github.com/commentd/commentd/client/commentdtest"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// TestWordPressExportImports writes a post's comment history with
// WordPress's own functions — Hindi names, a reply, approved, pending,
// trashed, spam and a pingback — downloads Tools → Export as a logged-in
// admin would, imports the file with the real commentctl into a real
// commentd, and checks the comments, statuses, threads and article ids;
// then that a second import stores nothing, and that a comment the plugin
// sends afterwards meets the history on the same article, its author
// known from the imported approval.
func TestWordPressExportImports(t *testing.T) {
	tl := findTools(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	commentd, commentctl := buildBinaries(ctx, t)
	wpPort, httpPort := freePort(t), freePort(t)
	home := fmt.Sprintf("http://127.0.0.1:%d", wpPort)
	commentdURL := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	db := startMariaDB(ctx, t, tl)
	wp := startWordPress(ctx, t, tl, db, home, map[string]string{
		"COMMENTD_URL":            commentdURL,
		"COMMENTD_SITE_KEY":       siteKey,
		"COMMENTD_WEBHOOK_SECRET": randomHex(t, 32),
	})
	cd := startCommentd(t, commentdtest.Config{
		Binary: commentd,
		Policy: "rules:\n  first_time_hold: true\n",
		Env: []string{
			"COMMENTD_HTTP_LISTEN=" + strings.TrimPrefix(commentdURL, "http://"),
			"COMMENTD_SITE_KEYS=news:" + siteKey,
			"COMMENTD_MODERATOR_TOKENS=asha:" + modToken + ":admin",
		},
	})
	waitTCP(ctx, t, strings.TrimPrefix(commentdURL, "http://"))
	defer func() {
		if t.Failed() {
			t.Logf("commentd's log:\n%s", cd.Logs())
			wp.logs(t)
		}
	}()

	password := randomHex(t, 12)
	var history struct{ Post int }
	if out := wp.helper(ctx, t, "history", password); json.Unmarshal([]byte(out), &history) != nil || history.Post == 0 {
		t.Fatalf("history printed %q", out)
	}
	export := wp.export(ctx, t, password)
	t.Logf("WordPress exported %d bytes", len(export))
	file := filepath.Join(t.TempDir(), "export.xml")
	if err := os.WriteFile(file, export, 0o600); err != nil {
		t.Fatal(err)
	}

	importFile := func() string {
		t.Helper()
		cmd := exec.CommandContext(ctx, commentctl, "import", "--site", "news", "--format", "wxr", file)
		cmd.Env = append(os.Environ(), "COMMENTCTL_SERVER="+cd.Addr, "COMMENTCTL_TOKEN="+modToken)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("commentctl import: %v\n%s%s", err, stdout.String(), stderr.String())
		}
		return regexp.MustCompile(` in [0-9.]+[mµn]?s:`).ReplaceAllString(stdout.String(), " in T:")
	}
	// Stored: WordPress's own sample comment on "Hello world!", Anita's,
	// Suresh's reply, Farhan's pending one and the trashed one. WordPress's
	// exporter left the spam out; the pingback is skipped.
	out := importFile()
	want := "imported site news in T: 5 stored (0 without their parent), 0 already imported, 1 skipped, of 6 comments read\n" +
		fmt.Sprintf("  skipped 1 pingback: not a reader's comment (wxr:%d:", history.Post)
	if !strings.HasPrefix(out, want) {
		t.Fatalf("import printed\n%s\nwant\n%s…", out, want)
	}

	mod, err := client.Dial(ctx, cd.Addr, client.WithToken(modToken))
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Close()
	stored := map[string]*pb.Comment{}
	for _, st := range []pb.CommentStatus{pb.CommentStatus_COMMENT_STATUS_PUBLISHED, pb.CommentStatus_COMMENT_STATUS_PENDING,
		pb.CommentStatus_COMMENT_STATUS_SPAM, pb.CommentStatus_COMMENT_STATUS_REJECTED} {
		q, err := mod.Moderation.ListQueue(ctx, &pb.ListQueueRequest{Status: st})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range q.GetComments() {
			stored[c.GetComment().GetAuthorName()] = c.GetComment()
		}
	}
	article := strconv.Itoa(history.Post) // what the plugin sends as articleId
	for name, w := range map[string]struct {
		status  pb.CommentStatus
		article string
	}{
		"A WordPress Commenter": {pb.CommentStatus_COMMENT_STATUS_PUBLISHED, "1"},
		"अनीता देशमुख":          {pb.CommentStatus_COMMENT_STATUS_PUBLISHED, article},
		"सुरेश नायर":            {pb.CommentStatus_COMMENT_STATUS_PUBLISHED, article},
		"Farhan Ali":            {pb.CommentStatus_COMMENT_STATUS_PENDING, article},
		"गुस्सैल पाठक":          {pb.CommentStatus_COMMENT_STATUS_REJECTED, article},
	} {
		c := stored[name]
		if c.GetStatus() != w.status || c.GetArticleId() != w.article {
			t.Errorf("%s: %v on %q, want %v on %q", name, c.GetStatus(), c.GetArticleId(), w.status, w.article)
		}
	}
	if len(stored) != 5 {
		t.Errorf("stored %d comments, want 5", len(stored))
	}
	anita, suresh := stored["अनीता देशमुख"], stored["सुरेश नायर"]
	if suresh.GetParentId() != anita.GetId() || anita.GetBody() != "संसद में आज अच्छी बहस हुई, धन्यवाद इस रिपोर्ट के लिए।" {
		t.Errorf("thread: Suresh's reply under %q, want under Anita's %s (%q)", suresh.GetParentId(), anita.GetId(), anita.GetBody())
	}
	if !anita.GetCreateTime().AsTime().Equal(time.Date(2026, time.October, 1, 8, 1, 0, 0, time.UTC)) {
		t.Errorf("Anita's comment was written %v, want its comment_date_gmt", anita.GetCreateTime().AsTime())
	}

	// The same export again stores nothing.
	if out := importFile(); !strings.HasPrefix(out, "imported site news in T: 0 stored (0 without their parent), 5 already imported, 1 skipped, of 6 comments read\n") {
		t.Errorf("the import again printed\n%s", out)
	}

	// Anita comments again through the plugin: the same article in
	// commentd, and published at once, her imported approval making her
	// known to the first-time hold; a new reader is held.
	wp.postID = history.Post
	wp.post(ctx, t, reader{name: "अनीता देशमुख", email: "anita@example.in", text: "आज का सत्र भी अच्छा रहा।"}).wantRedirect(t)
	wp.post(ctx, t, reader{name: "Naya Pathak", email: "naya@example.in", text: "Pehli baar likh raha hoon."}).wantRedirect(t)
	page, err := mod.Moderation.ListQueue(ctx, &pb.ListQueueRequest{Status: pb.CommentStatus_COMMENT_STATUS_PUBLISHED, ArticleId: article})
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, c := range page.GetComments() {
		bodies = append(bodies, c.GetComment().GetBody())
	}
	if len(bodies) != 3 || bodies[0] != "आज का सत्र भी अच्छा रहा।" {
		t.Errorf("published on article %s: %q; want Anita's new comment beside the imported two", article, bodies)
	}
	held, err := mod.Moderation.ListQueue(ctx, &pb.ListQueueRequest{ArticleId: article})
	if err != nil || len(held.GetComments()) != 2 {
		t.Errorf("held on article %s: %v, %v; want Farhan's imported comment and the new reader's", article, held, err)
	}
}

// export logs in as the admin through wp-login.php and downloads Tools →
// Export (all content) as the browser would.
func (w *wordpress) export(ctx context.Context, t *testing.T, password string) []byte {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(w.home)
	jar.SetCookies(base, []*http.Cookie{{Name: "wordpress_test_cookie", Value: "WP Cookie check"}})
	hc := &http.Client{Jar: jar, Timeout: 2 * time.Minute, CheckRedirect: noRedirects.CheckRedirect}
	form := url.Values{"log": {"admin"}, "pwd": {password}, "wp-submit": {"Log In"}, "redirect_to": {w.home + "/wp-admin/"}, "testcookie": {"1"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.home+"/wp-login.php", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("logging in: HTTP %d\n%s", resp.StatusCode, excerpt(string(body), 2000))
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, w.home+"/wp-admin/export.php?download=true&content=all", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), ".xml") {
		t.Fatalf("export: HTTP %d %v %v\n%s", resp.StatusCode, resp.Header, err, excerpt(string(body), 2000))
	}
	return body
}
