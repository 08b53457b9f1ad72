package main

import (
	"strings"
	"testing"
)

// TestArticleModes sets an article premoderated, then closed, as the
// moderator ravi, and checks what a comment on it gets each time.
func TestArticleModes(t *testing.T) {
	srv := startCommentd(t, "")
	const art = "2026/11/election-results"

	r := ctl(t, srv.Addr, "", "article", "show", art, "--site", "news")
	r.wantCode(t, 0, "article show of an article never set")
	if !strings.Contains(r.stdout, "mode:          open\n") || !strings.Contains(r.stdout, "open: takes new comments") {
		t.Errorf("article show:\n%s", r.stdout)
	}

	r = ctlAs(t, srv.Addr, "tok-ravi", "article", "set", art, "--site", "news", "--mode", "premoderated", "--close-after", "720h", "--note", "legal asked")
	r.wantCode(t, 0, "article set premoderated")
	for _, want := range []string{"mode:          premoderated\n", "close after:   720h0m0s after the first published comment",
		"closes:        -, no published comment yet", "holds every new comment for a moderator", " by ravi\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("article set premoderated lacks %q:\n%s", want, r.stdout)
		}
	}
	r = ctl(t, srv.Addr, "", "check", "--site-key", siteKey, "--article", art, "--name", "Priya", "--email", "priya@example.in", "A fair report.")
	r.wantCode(t, 0, "check on a premoderated article")
	if !strings.HasPrefix(r.stdout, "decision  PENDING") || !strings.Contains(r.stdout, "article_premoderated") {
		t.Errorf("check on a premoderated article:\n%s", r.stdout)
	}

	ctl(t, srv.Addr, "", "article", "set", art, "--site", "news", "--mode", "closed").wantCode(t, 0, "article set closed")
	r = ctl(t, srv.Addr, "", "check", "--site-key", siteKey, "--article", art, "--name", "Priya", "--email", "priya@example.in", "Too late?")
	r.wantCode(t, 1, "check on a closed article")
	for _, want := range []string{"FAILED_PRECONDITION: the article is closed to new comments", "ARTICLE_CLOSED " + art} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("check on a closed article lacks %q:\n%s", want, r.stderr)
		}
	}
	r = ctl(t, srv.Addr, "", "article", "show", art, "--site", "news", "-o", "json")
	r.wantCode(t, 0, "article show -o json")
	if !strings.Contains(r.stdout, `"mode": "ARTICLE_MODE_CLOSED"`) || !strings.Contains(r.stdout, `"closed": true`) {
		t.Errorf("article show -o json:\n%s", r.stdout)
	}

	r = ctl(t, srv.Addr, "", "audit", "--target", "news/"+art, "-o", "json")
	r.wantCode(t, 0, "audit of the article")
	if !strings.Contains(r.stdout, "premoderated, close after 720h0m0s -> closed") || !strings.Contains(r.stdout, "open -> premoderated, close after 720h0m0s") {
		t.Errorf("audit of the article:\n%s", r.stdout)
	}

	ctl(t, srv.Addr, "", "article", "set", art, "--mode", "shut").wantCode(t, 2, "article set --mode shut")
	ctl(t, srv.Addr, "", "article", "set", art).wantCode(t, 2, "article set without --mode")
}
