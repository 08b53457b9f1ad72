// Package wordpress_test runs the commentd Moderation plugin
// (commentd-moderation/) in a real, throwaway WordPress against a real
// commentd: Debian's wordpress package served by PHP's built-in server on a
// MariaDB whose data directory is a temporary folder.
package wordpress_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/commentd/commentd/client/commentdtest"
)

const (
	plugin      = "commentd-moderation"
	siteKey     = "wp-site-key-for-the-e2e-test"
	modToken    = "asha-token-for-the-e2e-test"
	wpModToken  = "wordpress-token-for-the-e2e-test"
	wordpressUA = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
)

// tools are the programs and files the test needs, found on this machine.
type tools struct {
	php, mariadbd, installDB string
	wordpress                string // the wordpress package's document root
}

// findTools finds what the test needs, or says what is missing. The test
// skips without them unless COMMENTD_TEST_WORDPRESS=require (as CI sets),
// where it fails instead, so CI cannot pass by skipping.
func findTools(t *testing.T) tools {
	t.Helper()
	var tl tools
	var missing []string
	look := func(names ...string) string {
		for _, n := range names {
			if p, err := exec.LookPath(n); err == nil {
				return p
			}
		}
		return ""
	}
	if tl.php = look("php"); tl.php == "" {
		missing = append(missing, "php (package php-cli)")
	} else if err := exec.Command(tl.php, "-r", `exit(extension_loaded("mysqli") ? 0 : 1);`).Run(); err != nil {
		missing = append(missing, "PHP's mysqli extension (package php-mysql)")
	}
	// mariadbd lives in sbin, which is not on every user's PATH.
	if tl.mariadbd = look("mariadbd", "/usr/sbin/mariadbd"); tl.mariadbd == "" {
		missing = append(missing, "mariadbd (package mariadb-server)")
	}
	if tl.installDB = look("mariadb-install-db"); tl.installDB == "" {
		missing = append(missing, "mariadb-install-db (package mariadb-server)")
	}
	tl.wordpress = os.Getenv("COMMENTD_TEST_WORDPRESS_DIR")
	if tl.wordpress == "" {
		tl.wordpress = "/usr/share/wordpress" // Debian's wordpress package
	}
	if _, err := os.Stat(filepath.Join(tl.wordpress, "wp-includes", "version.php")); err != nil {
		missing = append(missing, "WordPress in "+tl.wordpress+" (package wordpress, or set COMMENTD_TEST_WORDPRESS_DIR)")
	}
	if len(missing) > 0 {
		msg := "WordPress end-to-end test skipped: missing " + strings.Join(missing, ", ") +
			"; as root, scripts/install-wordpress-deps.sh installs them"
		if os.Getenv(requireEnv) == "require" {
			t.Fatal(msg + " (" + requireEnv + "=require)")
		}
		t.Skip(msg)
	}
	return tl
}

// buildBinaries builds commentd, which must serve HTTP/JSON, and commentctl
// from this tree.
func buildBinaries(ctx context.Context, t *testing.T) (commentd, commentctl string) {
	t.Helper()
	bin := t.TempDir()
	commentd, err := commentdtest.Build(ctx, bin, commentdtest.Package)
	if err != nil {
		t.Fatal(err)
	}
	needHTTP(t, commentd)
	commentctl, err = commentdtest.Build(ctx, bin, "github.com/commentd/commentd/cmd/commentctl")
	if err != nil {
		t.Fatal(err)
	}
	return commentd, commentctl
}

// TestWordPress posts comments through wp-comments-post.php as a reader's
// browser would and checks what WordPress stored: commentd's published,
// held and spam as WordPress's approved, pending and spam; commentd's rate
// limit as WordPress's "slow down" page; a moderator's approval in
// commentctl reaching WordPress through the signed webhook; and, with
// commentd down, the comment held in WordPress and sent to commentd once it
// is back.
func TestWordPress(t *testing.T) {
	tl := findTools(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	commentd, commentctl := buildBinaries(ctx, t)

	secret := randomHex(t, 32)
	wpPort, httpPort := freePort(t), freePort(t)
	home := fmt.Sprintf("http://127.0.0.1:%d", wpPort)
	commentdURL := fmt.Sprintf("http://127.0.0.1:%d", httpPort)

	db := startMariaDB(ctx, t, tl)
	wp := startWordPress(ctx, t, tl, db, home, map[string]string{
		"COMMENTD_URL":             commentdURL,
		"COMMENTD_SITE_KEY":        siteKey,
		"COMMENTD_WEBHOOK_SECRET":  secret,
		"COMMENTD_MODERATOR_TOKEN": wpModToken,
	})

	// The reader's email limit is one comment an hour, so the second
	// comment of one reader meets commentd's rate limit; the other limits
	// are wide, as every reader here posts from 127.0.0.1.
	policy := fmt.Sprintf(`rate_limits:
  client_ip: {burst: 100, every: 1s}
  author_email: {burst: 1, every: 1h}
  network: {burst: 100, every: 1s}
rules:
  first_time_hold: false
webhooks:
  - name: wordpress
    url: %s/?rest_route=/commentd/v1/events
    secret: %q
    site: news
    events: [comment.approved, comment.spam, comment.rejected, comment.deleted, comment.erased]
`, home, secret)
	cfg := commentdtest.Config{
		Binary: commentd,
		Policy: policy,
		Env: []string{
			"COMMENTD_HTTP_LISTEN=" + strings.TrimPrefix(commentdURL, "http://"),
			"COMMENTD_SITE_KEYS=news:" + siteKey,
			"COMMENTD_MODERATOR_TOKENS=asha:" + modToken + ":admin,wordpress:" + wpModToken,
		},
	}
	cd := startCommentd(t, cfg)
	waitTCP(ctx, t, strings.TrimPrefix(commentdURL, "http://"))
	ctl := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, commentctl, args...)
		cmd.Env = append(os.Environ(), "COMMENTCTL_SERVER="+cd.Addr, "COMMENTCTL_TOKEN="+modToken)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("commentctl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	defer func() {
		if t.Failed() {
			t.Logf("commentd's log:\n%s", cd.Logs())
			wp.logs(t)
		}
	}()

	vikram := reader{
		name: "Vikram Singh", email: "vikram@example.net",
		text: "Railway budget ka koi zikr nahi, ye theek nahi hai.",
	}

	// A normal Hindi comment: published by commentd, approved in WordPress.
	// The name, email and URL have what WordPress escapes when it stores
	// them; commentd gets them as the reader typed them.
	priya := reader{
		name: "प्रिया शर्मा & परिवार", email: "priya@example.in", url: "https://example.in/priya?a=1&b=2",
		text: "बहुत अच्छा विश्लेषण। किसानों के लिए यह बजट सच में राहत देगा, धन्यवाद!",
	}
	r := wp.post(ctx, t, priya)
	r.wantRedirect(t)
	// Spam by commentd's starter rules: WordPress's spam.
	spammer := reader{
		name: "Lucky Bhai", email: "lucky@example.com",
		text: "सट्टा मटका खेलो, पैसा डबल पक्का! Online satta king result, WhatsApp now for the number.",
	}
	wp.post(ctx, t, spammer).wantRedirect(t)
	// Two links: held by commentd, pending in WordPress.
	rahul := reader{
		name: "Rahul Verma", email: "rahul@example.com",
		text: "पूरा बजट भाषण यहाँ पढ़ें https://www.indiabudget.gov.in/speech.pdf और विश्लेषण यहाँ https://prsindia.org/budgets",
	}
	wp.post(ctx, t, rahul).wantRedirect(t)

	comments := wp.dump(ctx, t)
	t.Logf("WordPress after three readers posted:\n%s", comments.transcript())
	pc := comments.by(t, priya.email, priya.text)
	sc := comments.by(t, spammer.email, spammer.text)
	rc := comments.by(t, rahul.email, rahul.text)
	for _, c := range []struct {
		c            wpComment
		approved, cs string
	}{{pc, "1", "published"}, {sc, "spam", "spam"}, {rc, "0", "pending"}} {
		if c.c.Approved != c.approved || c.c.Meta["_commentd_status"] != c.cs || c.c.Meta["_commentd_id"] == "" || !strings.HasPrefix(c.c.Meta["_commentd_request_id"], "wp-") {
			t.Errorf("comment %s by %s: comment_approved %q, commentd %q (id %q, request %q); want %q, %q and both ids",
				c.c.ID, c.c.Author, c.c.Approved, c.c.Meta["_commentd_status"], c.c.Meta["_commentd_id"], c.c.Meta["_commentd_request_id"], c.approved, c.cs)
		}
	}
	if !strings.Contains(rc.Meta["_commentd_rules"], "links") {
		t.Errorf("the held comment's rules are %q, want links among them", rc.Meta["_commentd_rules"])
	}
	if pc.Author != "प्रिया शर्मा &amp; परिवार" {
		t.Errorf("WordPress stored the author as %q; want its own escaping, &amp;", pc.Author)
	}
	// What commentd got is what the reader typed, and WordPress's idea of
	// the reader's IP.
	var detail struct {
		Detail struct {
			Comment struct {
				AuthorName string `json:"author_name"`
				AuthorURL  string `json:"author_url"`
				Body       string `json:"body"`
			} `json:"comment"`
			AuthorEmail string `json:"author_email"`
			Client      struct {
				IP        string `json:"ip"`
				UserAgent string `json:"user_agent"`
			} `json:"client"`
		} `json:"comment"`
	}
	if err := json.Unmarshal([]byte(ctl("show", pc.Meta["_commentd_id"], "-o", "json")), &detail); err != nil {
		t.Fatalf("commentctl show -o json: %v", err)
	}
	d := detail.Detail
	if d.Comment.AuthorName != priya.name || d.AuthorEmail != priya.email || d.Comment.AuthorURL != priya.url ||
		d.Comment.Body != priya.text || d.Client.IP != "127.0.0.1" || d.Client.UserAgent != wordpressUA {
		t.Errorf("commentd has name %q, email %q, url %q, body %q, ip %q, agent %q;\nwant what the reader sent: %q, %q, %q, %q, 127.0.0.1, %q",
			d.Comment.AuthorName, d.AuthorEmail, d.Comment.AuthorURL, d.Comment.Body, d.Client.IP, d.Client.UserAgent,
			priya.name, priya.email, priya.url, priya.text, wordpressUA)
	}

	// The same reader again within the hour: commentd's rate limit, shown
	// as WordPress's own "slow down" page with the retry time; nothing
	// stored.
	again := priya
	again.text = "और एक बात: सिंचाई के लिए आवंटन पिछले साल से कम है।"
	r = wp.post(ctx, t, again)
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "Slow down.") || !strings.Contains(r.body, "Please try again in") ||
		!strings.Contains(r.body, "Comment Submission Failure") || r.header.Get("Retry-After") == "" {
		t.Errorf("a rate-limited comment got HTTP %d, Retry-After %q:\n%s", r.status, r.header.Get("Retry-After"), excerpt(r.body, 2000))
	}
	if n := len(wp.dump(ctx, t)); n != len(comments) {
		t.Errorf("WordPress has %d comments after a rate-limited one, want %d", n, len(comments))
	}

	// A webhook with a wrong signature is refused and changes nothing.
	if code := wp.webhook(ctx, t, "not-the-secret", time.Now(), rc.Meta["_commentd_id"], "comment.approved"); code != http.StatusUnauthorized {
		t.Errorf("a webhook signed with the wrong secret got HTTP %d, want 401", code)
	}
	if code := wp.webhook(ctx, t, secret, time.Now().Add(-10*time.Minute), rc.Meta["_commentd_id"], "comment.approved"); code != http.StatusUnauthorized {
		t.Errorf("a webhook signed 10 minutes ago got HTTP %d, want 401", code)
	}
	if c := wp.dump(ctx, t).by(t, rahul.email, rahul.text); c.Approved != "0" {
		t.Fatalf("after refused webhooks the held comment has comment_approved %q, want 0", c.Approved)
	}

	// A moderator approves the held comment in commentctl; the webhook
	// approves it in WordPress.
	if out := ctl("approve", rc.Meta["_commentd_id"], "--note", "sources are official"); !strings.Contains(out, "approved "+rc.Meta["_commentd_id"]) {
		t.Fatalf("commentctl approve printed %q", out)
	}
	rc = wp.waitFor(ctx, t, "the webhook to approve the held comment", func(cs wpComments) (wpComment, bool) {
		c := cs.by(t, rahul.email, rahul.text)
		return c, c.Approved == "1"
	})
	if rc.Meta["_commentd_status"] != "published" || !strings.Contains(rc.Meta["_commentd_event"], "comment.approved by asha") {
		t.Errorf("after the webhook, commentd status %q, event %q", rc.Meta["_commentd_status"], rc.Meta["_commentd_event"])
	}

	// Moderation in WordPress's own admin flows back to commentd: the admin
	// marks one held comment spam and approves another, with the functions
	// the Comments screen calls; commentd files them so, its audit trail
	// naming the WordPress user. commentd's webhook for each then finds
	// WordPress already there and changes nothing.
	neha := reader{name: "Neha Gupta", email: "neha@example.in", text: "सस्ते फ़ोन यहाँ https://deals.example/a और यहाँ https://deals.example/b"}
	sunil := reader{name: "Sunil Rao", email: "sunil@example.com", text: "आँकड़े यहाँ https://data.gov.in/budget और यहाँ https://rbi.org.in/reports"}
	meera := reader{name: "Meera Iyer", email: "meera@example.org", text: "तुलना यहाँ https://prsindia.org/a और यहाँ https://prsindia.org/b"}
	kabir := reader{name: "Kabir Khan", email: "kabir@example.net", text: "स्रोत यहाँ https://pib.gov.in/a और यहाँ https://pib.gov.in/b"}
	for _, r := range []reader{neha, sunil, meera, kabir} {
		wp.post(ctx, t, r).wantRedirect(t)
	}
	held := wp.dump(ctx, t)
	nc, uc, mc, kc := held.by(t, neha.email, neha.text), held.by(t, sunil.email, sunil.text), held.by(t, meera.email, meera.text), held.by(t, kabir.email, kabir.text)
	for _, c := range []wpComment{nc, uc, mc, kc} {
		if c.Approved != "0" || c.Meta["_commentd_status"] != "pending" || c.Meta["_commentd_id"] == "" {
			t.Fatalf("comment %s by %s: comment_approved %q, meta %v; want held by commentd", c.ID, c.Author, c.Approved, c.Meta)
		}
	}
	wp.helper(ctx, t, "moderate", "spam", nc.ID)
	wp.helper(ctx, t, "moderate", "approve", uc.ID)
	commentdDetail := func(id string) (status, moderatedBy string) {
		t.Helper()
		var d struct {
			Comment struct {
				Comment struct {
					Status string `json:"status"`
				} `json:"comment"`
				ModeratedBy string `json:"moderated_by"`
			} `json:"comment"`
		}
		if err := json.Unmarshal([]byte(ctl("show", id, "-o", "json")), &d); err != nil {
			t.Fatalf("commentctl show -o json: %v", err)
		}
		return d.Comment.Comment.Status, d.Comment.ModeratedBy
	}
	commentdStatus := func(id string) string {
		t.Helper()
		status, _ := commentdDetail(id)
		return status
	}
	type auditEvent struct{ Actor, Action, Note string }
	audit := func(id string) []auditEvent {
		t.Helper()
		var events []auditEvent
		if err := json.Unmarshal([]byte(ctl("audit", "--target", id, "-o", "json")), &events); err != nil {
			t.Fatalf("commentctl audit -o json: %v", err)
		}
		return events
	}
	for _, c := range []struct {
		c            wpComment
		status, meta string
		event        string
	}{{nc, "COMMENT_STATUS_SPAM", "spam", "comment.spam by wordpress"}, {uc, "COMMENT_STATUS_PUBLISHED", "published", "comment.approved by wordpress"}} {
		id := c.c.Meta["_commentd_id"]
		if got := commentdStatus(id); got != c.status {
			t.Errorf("after the WordPress admin's decision commentd has %s as %s, want %s", id, got, c.status)
		}
		if ev := audit(id); len(ev) != 1 || ev[0].Actor != "wordpress" || ev[0].Note != "WordPress: admin" {
			t.Errorf("commentd's audit of %s: %+v; want one event by wordpress noted \"WordPress: admin\"", id, ev)
		}
		got := wp.waitFor(ctx, t, "commentd's webhook for the WordPress decision", func(cs wpComments) (wpComment, bool) {
			x := cs.by(t, c.c.Email, c.c.Content)
			return x, strings.Contains(x.Meta["_commentd_event"], c.event)
		})
		if got.Meta["_commentd_status"] != c.meta {
			t.Errorf("comment %s: commentd status %q in WordPress, want %q", got.ID, got.Meta["_commentd_status"], c.meta)
		}
	}

	// commentd slow: a listener that never answers. After the plugin's
	// timeout (3 s) the comment is held in WordPress, with why.
	cd.Stop(t)
	blackHole(t, strings.TrimPrefix(commentdURL, "http://"), func() {
		wp.post(ctx, t, vikram).wantRedirect(t)
	})
	vc := wp.dump(ctx, t).by(t, vikram.email, vikram.text)
	if vc.Approved != "0" || vc.Meta["_commentd_status"] != "unanswered" || !strings.Contains(vc.Meta["_commentd_error"], "unreachable") || vc.Meta["_commentd_retry"] == "" {
		t.Fatalf("with commentd slow: comment_approved %q, meta %v; want held (0), unanswered, an error and a request to send again", vc.Approved, vc.Meta)
	}

	// commentd down: the admin's bulk approval of two comments waits in
	// WordPress as one batch, and the settings page says so.
	wp.helper(ctx, t, "moderate", "approve", mc.ID, kc.ID)
	var outbox []struct {
		IDs    []string `json:"ids"`
		Action string   `json:"action"`
		Note   string   `json:"note"`
	}
	if out := wp.helper(ctx, t, "outbox"); json.Unmarshal([]byte(out), &outbox) != nil || len(outbox) != 1 || len(outbox[0].IDs) != 2 ||
		outbox[0].Action != "MODERATION_ACTION_APPROVE" || outbox[0].Note != "WordPress: admin" {
		t.Errorf("with commentd down, the waiting decisions are %s; want one APPROVE batch of two, noted WordPress: admin", out)
	}
	if page := wp.helper(ctx, t, "settings"); !strings.Contains(page, "2 decisions made here wait to be sent to commentd") {
		t.Errorf("with commentd down the settings page does not count the waiting decisions:\n%s", page)
	}

	// commentd down: the comment is held in WordPress, with why.
	anjali := reader{
		name: "अंजलि", email: "anjali@example.org",
		text: "रक्षा बजट पर कोई चर्चा नहीं हुई, यह निराशाजनक है।",
	}
	wp.post(ctx, t, anjali).wantRedirect(t)
	down := wp.dump(ctx, t)
	t.Logf("WordPress with commentd slow, then down:\n%s", down[len(down)-2:].transcript())
	ac := down.by(t, anjali.email, anjali.text)
	if ac.Approved != "0" || ac.Meta["_commentd_status"] != "unanswered" || !strings.Contains(ac.Meta["_commentd_error"], "unreachable") || ac.Meta["_commentd_retry"] == "" {
		t.Fatalf("with commentd down: comment_approved %q, meta %v; want held (0), unanswered, an error and a request to send again", ac.Approved, ac.Meta)
	}

	// commentd back: WP-Cron's retry sends it with the same request id;
	// commentd publishes it and WordPress approves it. Nothing was lost.
	cfg.DB = cd.DB
	cd = startCommentd(t, cfg)
	waitTCP(ctx, t, strings.TrimPrefix(commentdURL, "http://"))
	wp.helper(ctx, t, "cron")
	if vc = wp.dump(ctx, t).by(t, vikram.email, vikram.text); vc.Approved != "1" || vc.Meta["_commentd_status"] != "published" {
		t.Errorf("after commentd came back and WP-Cron ran, the comment sent while it was slow: comment_approved %q, meta %v; want approved", vc.Approved, vc.Meta)
	}
	ac = wp.dump(ctx, t).by(t, anjali.email, anjali.text)
	if ac.Approved != "1" || ac.Meta["_commentd_status"] != "published" || ac.Meta["_commentd_id"] == "" || ac.Meta["_commentd_retry"] != "" {
		t.Errorf("after commentd came back and WP-Cron ran: comment_approved %q, meta %v; want approved and commentd's id", ac.Approved, ac.Meta)
	}
	if out := ctl("show", ac.Meta["_commentd_id"]); !strings.Contains(out, anjali.text) {
		t.Errorf("commentd does not have the comment sent while it was down:\n%s", out)
	}

	// The decision made while commentd was down is applied, once; and no
	// decision came back as a second one: a change WordPress applied from
	// commentd's webhook is not sent back.
	for _, c := range []wpComment{mc, kc} {
		if got := commentdStatus(c.Meta["_commentd_id"]); got != "COMMENT_STATUS_PUBLISHED" {
			t.Errorf("after commentd came back and WP-Cron ran, the decision made while it was down left %s by %s %s", c.Meta["_commentd_id"], c.Author, got)
		}
	}
	if out := wp.helper(ctx, t, "outbox"); strings.TrimSpace(out) != "[]" {
		t.Errorf("after WP-Cron ran with commentd back, decisions still wait: %s", out)
	}
	for _, c := range []struct {
		c     wpComment
		actor string
	}{{nc, "wordpress"}, {uc, "wordpress"}, {mc, "wordpress"}, {kc, "wordpress"}, {rc, "asha"}} {
		if ev := audit(c.c.Meta["_commentd_id"]); len(ev) != 1 || ev[0].Actor != c.actor {
			t.Errorf("commentd's audit of %s by %s: %+v; want one event by %s", c.c.Meta["_commentd_id"], c.c.Author, ev, c.actor)
		}
		// A decision sent again unchanged is not audited, but would make
		// its sender the comment's moderator.
		if _, by := commentdDetail(c.c.Meta["_commentd_id"]); by != c.actor {
			t.Errorf("commentd has %s by %s moderated by %q, want %s", c.c.Meta["_commentd_id"], c.c.Author, by, c.actor)
		}
	}

	// What an admin sees: the settings page names the wp-config constants
	// and the webhook's URL, shows no secret, and the Comments screen has a
	// commentd column.
	page := wp.helper(ctx, t, "settings")
	for _, want := range []string{"<code>COMMENTD_URL</code> is set in wp-config.php", "<code>COMMENTD_WEBHOOK_SECRET</code> is set in wp-config.php", "<code>COMMENTD_MODERATOR_TOKEN</code> is set in wp-config.php",
		home + "/index.php?rest_route=/commentd/v1/events", "columns: commentd", "comment " + rc.ID + ": published<br /><small>links</small>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the admin pages lack %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, secret) || strings.Contains(page, siteKey) || strings.Contains(page, wpModToken) || strings.Contains(page, "decisions made here wait") {
		t.Errorf("the settings page shows a secret:\n%s", page)
	}
	if b, err := os.ReadFile(wp.debug); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.Contains(l, "PHP ") && !strings.Contains(l, "PHP Deprecated:") {
				t.Errorf("PHP complained: %s", l)
			}
		}
	}

	final := wp.dump(ctx, t)
	if len(final) != 10 { // WordPress's sample comment and our nine
		t.Errorf("WordPress has %d comments, want 10", len(final))
	}
	t.Logf("WordPress at the end (wp_comments and the plugin's comment meta):\n%s", final.transcript())
}

// needHTTP skips the test (fails it with COMMENTD_TEST_WORDPRESS=require)
// when this commentd cannot serve HTTP/JSON, which the plugin speaks.
func needHTTP(t *testing.T, commentd string) {
	t.Helper()
	out, _ := exec.Command(commentd, "--help").CombinedOutput()
	if !strings.Contains(string(out), "-http-listen") {
		lacking(t, "this commentd has no --http-listen, which the WordPress plugin needs")
	}
}

// startCommentd starts commentd, skipping the test (failing it with
// COMMENTD_TEST_WORDPRESS=require) when its policy file has no webhooks.
func startCommentd(t *testing.T, cfg commentdtest.Config) *commentdtest.Server {
	t.Helper()
	if cfg.DB == "" {
		cfg.DB = filepath.Join(t.TempDir(), "commentd.db")
	}
	s, err := commentdtest.Launch(cfg, t.TempDir())
	if err != nil && strings.Contains(err.Error(), "field webhooks not found") {
		lacking(t, "this commentd's policy file has no webhooks, which carry moderators' decisions to WordPress")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Kill)
	return s
}

func lacking(t *testing.T, what string) {
	t.Helper()
	msg := "WordPress end-to-end test skipped: " + what
	if os.Getenv(requireEnv) == "require" {
		t.Fatal(msg + " (" + requireEnv + "=require)")
	}
	t.Skip(msg)
}

// reader is what a reader types into the comment form.
type reader struct{ name, email, url, text string }

// response is WordPress's answer to a form post.
type response struct {
	status int
	header http.Header
	body   string
}

// wantRedirect checks that WordPress took the comment: it redirects the
// browser to the comment.
func (r response) wantRedirect(t *testing.T) {
	t.Helper()
	if r.status != http.StatusFound || !strings.Contains(r.header.Get("Location"), "#comment-") {
		t.Fatalf("posting a comment got HTTP %d, Location %q:\n%s", r.status, r.header.Get("Location"), excerpt(r.body, 2000))
	}
}

// wordpress is a running throwaway WordPress.
type wordpress struct {
	tl      tools
	home    string
	docroot string
	helperF string
	debug   string
	postID  int
	server  *proc
}

func startWordPress(ctx context.Context, t *testing.T, tl tools, db *mariadb, home string, constants map[string]string) *wordpress {
	t.Helper()
	dir := t.TempDir()
	w := &wordpress{tl: tl, home: home, docroot: filepath.Join(dir, "www"), debug: filepath.Join(dir, "debug.log")}

	// A copy, not symlinks: WordPress finds its wp-config.php next to the
	// real path of wp-load.php, and Debian's own wp-config.php reads
	// /etc/wordpress.
	if err := copyTree(tl.wordpress, w.docroot, func(rel string) bool {
		return rel == "wp-config.php" || strings.HasPrefix(rel, filepath.Join("wp-content", "plugins")+string(filepath.Separator))
	}); err != nil {
		t.Fatal(err)
	}
	if err := copyTree(plugin, filepath.Join(w.docroot, "wp-content", "plugins", plugin), nil); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("<?php\n// A throwaway WordPress for commentd's end-to-end test.\n")
	def := func(name, value string) { fmt.Fprintf(&b, "define( %s, %s );\n", phpString(name), phpString(value)) }
	def("DB_NAME", "wordpress")
	def("DB_USER", "root")
	def("DB_PASSWORD", "")
	def("DB_HOST", "localhost:"+db.socket)
	def("DB_CHARSET", "utf8mb4")
	def("DB_COLLATE", "")
	for _, k := range []string{"AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"} {
		def(k, randomHex(t, 32))
	}
	def("WP_HOME", home)
	def("WP_SITEURL", home)
	def("WP_DEBUG_LOG", w.debug)
	for k, v := range constants {
		def(k, v)
	}
	b.WriteString("define( 'WP_DEBUG', true );\ndefine( 'WP_DEBUG_DISPLAY', false );\n")
	b.WriteString("define( 'DISABLE_WP_CRON', true ); // the test runs the plugin's retries itself\n")
	b.WriteString("define( 'AUTOMATIC_UPDATER_DISABLED', true );\ndefine( 'WP_HTTP_BLOCK_EXTERNAL', true );\n")
	b.WriteString("$table_prefix = 'wp_';\nif ( ! defined( 'ABSPATH' ) ) {\n\tdefine( 'ABSPATH', __DIR__ . '/' );\n}\nrequire_once ABSPATH . 'wp-settings.php';\n")
	if err := os.WriteFile(filepath.Join(w.docroot, "wp-config.php"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	helper, err := os.ReadFile(filepath.Join("testdata", "wp-helper.php"))
	if err != nil {
		t.Fatal(err)
	}
	w.helperF = filepath.Join(dir, "wp-helper.php")
	if err := os.WriteFile(w.helperF, helper, 0o600); err != nil {
		t.Fatal(err)
	}

	var installed struct{ Post int }
	out := w.helper(ctx, t, "install", "commentd e2e", "admin@example.com")
	if err := json.Unmarshal([]byte(out), &installed); err != nil || installed.Post == 0 {
		t.Fatalf("installing WordPress printed %q: %v", out, err)
	}
	w.postID = installed.Post

	// PHP's built-in server with a few workers, so a webhook can arrive
	// while a comment is being posted.
	w.server = start(t, "php -S", []string{"PHP_CLI_SERVER_WORKERS=4"}, tl.php, "-S", strings.TrimPrefix(home, "http://"), "-t", w.docroot)
	waitTCP(ctx, t, strings.TrimPrefix(home, "http://"))
	return w
}

// helper runs wp-helper.php with php-cli.
func (w *wordpress) helper(ctx context.Context, t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, w.tl.php, append([]string{w.helperF, w.docroot}, args...)...)
	cmd.Env = append(os.Environ(), "WP_E2E_HOME="+w.home)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		w.logs(t)
		t.Fatalf("php wp-helper.php %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

func (w *wordpress) logs(t *testing.T) {
	t.Helper()
	if b, err := os.ReadFile(w.debug); err == nil {
		// WordPress 6.1's bundled libraries are noisy on PHP 8.2.
		var keep []string
		for _, l := range strings.Split(string(b), "\n") {
			if !strings.Contains(l, "PHP Deprecated:") {
				keep = append(keep, l)
			}
		}
		t.Logf("WordPress's debug.log, less PHP's deprecation notices:\n%s", strings.Join(keep, "\n"))
	}
	if w.server != nil {
		t.Logf("php -S:\n%s", excerpt(w.server.output(), 8000))
	}
}

var noRedirects = &http.Client{
	Timeout:       2 * time.Minute,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// post sends the comment form as a browser would.
func (w *wordpress) post(ctx context.Context, t *testing.T, r reader) response {
	t.Helper()
	form := url.Values{
		"comment":         {r.text},
		"author":          {r.name},
		"email":           {r.email},
		"url":             {r.url},
		"submit":          {"Post Comment"},
		"comment_post_ID": {strconv.Itoa(w.postID)},
		"comment_parent":  {"0"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.home+"/wp-comments-post.php", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", wordpressUA)
	req.Header.Set("Referer", fmt.Sprintf("%s/?p=%d", w.home, w.postID))
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatalf("posting a comment: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return response{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

// webhook sends a signed event of its own to the plugin's REST route.
func (w *wordpress) webhook(ctx context.Context, t *testing.T, secret string, at time.Time, commentID, typ string) int {
	t.Helper()
	body := fmt.Sprintf(`{"id":"evt-test-%s","type":%q,"moderator":"mallory","comment":{"id":%q}}`, randomHex(t, 4), typ, commentID)
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + body))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.home+"/?rest_route=/commentd/v1/events", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Commentd-Signature", "t="+ts+",v1="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// wpComment is one row of wp_comments with the plugin's meta.
type wpComment struct {
	ID       string            `json:"comment_ID"`
	Author   string            `json:"comment_author"`
	Email    string            `json:"comment_author_email"`
	URL      string            `json:"comment_author_url"`
	IP       string            `json:"comment_author_IP"`
	Content  string            `json:"comment_content"`
	Approved string            `json:"comment_approved"`
	Type     string            `json:"comment_type"`
	Meta     map[string]string `json:"meta"`
}

type wpComments []wpComment

func (w *wordpress) dump(ctx context.Context, t *testing.T) wpComments {
	t.Helper()
	var cs wpComments
	out := w.helper(ctx, t, "dump")
	if err := json.Unmarshal([]byte(out), &cs); err != nil {
		t.Fatalf("dump printed %q: %v", out, err)
	}
	return cs
}

// by finds the comment of an email with a text; WordPress stores the text
// with its own filters applied, which leave these texts alone.
func (cs wpComments) by(t *testing.T, email, text string) wpComment {
	t.Helper()
	for _, c := range cs {
		if c.Email == email && c.Content == text {
			return c
		}
	}
	t.Fatalf("WordPress has no comment by %s with %q; it has:\n%s", email, text, cs.transcript())
	return wpComment{}
}

// waitFor polls WordPress until ok says so, for at most a minute.
func (w *wordpress) waitFor(ctx context.Context, t *testing.T, what string, ok func(wpComments) (wpComment, bool)) wpComment {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		cs := w.dump(ctx, t)
		if c, done := ok(cs); done {
			return c
		} else if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s; WordPress has:\n%s", what, cs.transcript())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// transcript is a table of what WordPress stored.
func (cs wpComments) transcript() string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "comment %s  comment_approved=%-4s  author=%q  email=%s  ip=%s\n", c.ID, c.Approved, c.Author, c.Email, c.IP)
		fmt.Fprintf(&b, "    content: %s\n", excerpt(c.Content, 90))
		keys := []string{"_commentd_status", "_commentd_id", "_commentd_request_id", "_commentd_rules", "_commentd_event", "_commentd_error"}
		for _, k := range keys {
			if v, ok := c.Meta[k]; ok && v != "" {
				fmt.Fprintf(&b, "    %s: %s\n", k, v)
			}
		}
		if v := c.Meta["_commentd_retry"]; v != "" {
			fmt.Fprintf(&b, "    _commentd_retry: (the request to send again, %d bytes)\n", len(v))
		}
	}
	return b.String()
}

// mariadb is a throwaway MariaDB on a Unix socket, with no network port.
type mariadb struct{ socket string }

func startMariaDB(ctx context.Context, t *testing.T, tl tools) *mariadb {
	t.Helper()
	data := t.TempDir()
	// A Unix socket's path has at most 107 bytes; t.TempDir's can be longer.
	sockDir, err := os.MkdirTemp("", "wpdb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	m := &mariadb{socket: filepath.Join(sockDir, "mysqld.sock")}

	install := exec.CommandContext(ctx, tl.installDB, "--no-defaults", "--datadir="+data, "--auth-root-authentication-method=normal",
		"--skip-test-db", "--skip-name-resolve", "--user="+currentUser())
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	p := start(t, "mariadbd", nil, tl.mariadbd, "--no-defaults", "--datadir="+data, "--socket="+m.socket, "--skip-networking",
		"--skip-grant-tables", "--user="+currentUser(), "--pid-file="+filepath.Join(sockDir, "mysqld.pid"),
		"--innodb-buffer-pool-size=32M", "--character-set-server=utf8mb4")

	// Ready when it answers; create the database then.
	deadline := time.Now().Add(time.Minute)
	for {
		cmd := exec.CommandContext(ctx, tl.php, "-r", `$m = @new mysqli("localhost", "root", "", "", 0, $argv[1]);
if ($m->connect_errno) { fwrite(STDERR, $m->connect_error); exit(1); }
exit($m->query("CREATE DATABASE IF NOT EXISTS wordpress CHARACTER SET utf8mb4") ? 0 : 1);`, m.socket)
		out, err := cmd.CombinedOutput()
		if err == nil {
			return m
		}
		if p.exited() || time.Now().After(deadline) {
			t.Fatalf("MariaDB did not answer on %s: %v %s\n%s", m.socket, err, out, excerpt(p.output(), 4000))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func currentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	if os.Getuid() == 0 {
		return "root"
	}
	return strconv.Itoa(os.Getuid())
}

// proc is a process the test started, in its own process group so that its
// children (PHP's server workers) end with it.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	out  strings.Builder
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.out.Len() < 1<<20 {
		p.out.Write(b)
	}
	return len(b), nil
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func start(t *testing.T, name string, env []string, path string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(path, args...), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	})
	return p
}

// blackHole listens on addr while f runs, taking connections and never
// answering, as a commentd that hangs would.
func blackHole(t *testing.T, addr string, f func()) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	defer func() {
		l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}()
	f()
}

func waitTCP(ctx context.Context, t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		c, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s after a minute: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// phpString quotes s as a PHP single-quoted string.
func phpString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func excerpt(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// copyTree copies the directory src to dst, symbolic links as links,
// leaving out what skip says (paths relative to src).
func copyTree(src, dst string, skip func(rel string) bool) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if skip != nil && rel != "." && skip(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		default:
			return copyFile(path, target)
		}
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
