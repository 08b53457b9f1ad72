package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/client/commentdtest"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// TestModeratorWorkflow runs commentctl as a moderator would, against a
// real commentd on SQLite and on PostgreSQL that holds every comment.
func TestModeratorWorkflow(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			srv := startCommentd(t, st.db(t))
			c := dialT(t, srv.Addr)
			const article = "2026/11/budget-session"
			ids := []string{
				submit(t, c, article, "प्रिया शर्मा", "priya@example.in", "बहुत अच्छा विश्लेषण। Thanks for the clear explanation!"),
				submit(t, c, article, "Rahul Verma", "rahul@example.com", "Sahi baat hai, bilkul sahi analysis!"),
				submit(t, c, article, "Anjali", "anjali@example.org", "I disagree with the second point.\nHere is why."),
			}

			// queue lists all three, full ids, newest first.
			r := ctl(t, srv.Addr, "", "queue")
			r.wantCode(t, 0, "queue")
			out := lines(r.stdout)
			if len(out) != 4 || !strings.HasPrefix(out[0], "ID ") || !strings.Contains(out[0], "REASONS") {
				t.Fatalf("queue printed:\n%s", r.stdout)
			}
			for i, id := range ids {
				if !strings.HasPrefix(out[3-i], id+" ") {
					t.Errorf("queue row %d = %q, want it to start with %s", 3-i, out[3-i], id)
				}
			}
			if !strings.Contains(r.stdout, "प्रिया शर्मा") || !strings.Contains(r.stdout, "Here is why.") && !strings.Contains(r.stdout, "point.⏎Here") {
				t.Errorf("queue lacks the author or the body on one line:\n%s", r.stdout)
			}

			// queue -o ids | approve - approves the two oldest.
			r = ctl(t, srv.Addr, "", "queue", "-o", "ids", "--oldest", "--limit", "2")
			r.wantCode(t, 0, "queue -o ids")
			if got := lines(r.stdout); !slices.Equal(got, ids[:2]) {
				t.Fatalf("queue -o ids --oldest --limit 2 = %q, want %q", got, ids[:2])
			}
			r = ctl(t, srv.Addr, "# from the queue\n"+r.stdout+"\n", "approve", "-", "--note", "looks fine")
			r.wantCode(t, 0, "approve -")
			if got, want := lines(r.stdout), []string{"approved " + ids[0], "approved " + ids[1]}; !slices.Equal(got, want) {
				t.Errorf("approve printed %q, want %q", got, want)
			}
			var published []string
			for cm, err := range c.PublishedComments(ctxT(t), &pb.ListCommentsRequest{ArticleId: article}) {
				if err != nil {
					t.Fatal(err)
				}
				published = append(published, cm.GetId())
			}
			if !slices.Equal(published, ids[:2]) {
				t.Errorf("ListComments = %v, want the two approved %v", published, ids[:2])
			}
			// Again: harmless, and said so.
			r = ctl(t, srv.Addr, "", "approve", ids[0])
			r.wantCode(t, 0, "approve again")
			if want := "unchanged " + ids[0] + " (already published)\n"; r.stdout != want {
				t.Errorf("approve again printed %q, want %q", r.stdout, want)
			}

			// reject hides the third.
			r = ctl(t, srv.Addr, "", "reject", ids[2], "--note", "off topic")
			r.wantCode(t, 0, "reject")
			if r.stdout != "rejected "+ids[2]+"\n" {
				t.Errorf("reject printed %q", r.stdout)
			}
			if _, err := c.Comments.GetComment(ctxT(t), &pb.GetCommentRequest{Id: ids[2]}); status.Code(err) != codes.NotFound {
				t.Errorf("GetComment of the rejected comment: %v, want NOT_FOUND", err)
			}
			r = ctl(t, srv.Addr, "", "queue")
			r.wantCode(t, 0, "empty queue")
			if r.stdout != "" || !strings.Contains(r.stderr, "no pending comments") {
				t.Errorf("empty queue printed %q, %q", r.stdout, r.stderr)
			}

			// audit names the moderator of each of the three actions.
			r = ctl(t, srv.Addr, "", "audit")
			r.wantCode(t, 0, "audit")
			for _, want := range []struct{ action, id, note string }{
				{"comment.approve", ids[0], "looks fine"},
				{"comment.approve", ids[1], "looks fine"},
				{"comment.reject", ids[2], "off topic"},
			} {
				found := false
				for _, l := range lines(r.stdout) {
					f := strings.Fields(l)
					if slices.Contains(f, want.action) && slices.Contains(f, want.id) && strings.Contains(l, want.note) {
						found = true
						if !slices.Contains(f, "asha") {
							t.Errorf("audit names the wrong moderator for %s %s (want asha): %q", want.action, want.id, l)
						}
					}
				}
				if !found {
					t.Errorf("audit lacks %s of %s with note %q:\n%s", want.action, want.id, want.note, r.stdout)
				}
			}

			// -o json is JSON.
			var queue []map[string]any
			r = ctl(t, srv.Addr, "", "queue", "--status", "published", "-o", "json")
			r.wantCode(t, 0, "queue -o json")
			if err := json.Unmarshal([]byte(r.stdout), &queue); err != nil || len(queue) != 2 {
				t.Errorf("queue -o json: %v, %d items:\n%s", err, len(queue), r.stdout)
			}
			var show struct {
				Comment struct {
					Comment     struct{ ID string }
					AuthorEmail string `json:"author_email"`
				}
				AuthorHistory struct{ Published string } `json:"author_history"`
			}
			r = ctl(t, srv.Addr, "", "show", ids[0], "-o", "json")
			r.wantCode(t, 0, "show -o json")
			if err := json.Unmarshal([]byte(r.stdout), &show); err != nil || show.Comment.Comment.ID != ids[0] ||
				show.Comment.AuthorEmail != "priya@example.in" || show.AuthorHistory.Published != "1" {
				t.Errorf("show -o json: %v, %+v:\n%s", err, show, r.stdout)
			}
			var audit []struct{ Actor, Action, Target string }
			r = ctl(t, srv.Addr, "", "audit", "-o", "json")
			r.wantCode(t, 0, "audit -o json")
			if err := json.Unmarshal([]byte(r.stdout), &audit); err != nil || len(audit) != 3 {
				t.Errorf("audit -o json: %v, %d events:\n%s", err, len(audit), r.stdout)
			}
			for _, e := range audit {
				if e.Actor != "asha" {
					t.Errorf("audit -o json: actor %q of %s %s, want asha", e.Actor, e.Action, e.Target)
				}
			}

			// show prints every field, the reasons and the history.
			r = ctl(t, srv.Addr, "", "show", ids[2])
			r.wantCode(t, 0, "show")
			for _, want := range []string{"id         " + ids[2], "status     REJECTED", "anjali@example.org", "203.0.113.7",
				"Mozilla/5.0", "moderated  asha: “off topic”", "0 published · 0 pending · 0 spam · 1 rejected · 0 deleted",
				"HOLD   default_status", "  │ I disagree with the second point.\n  │ Here is why.\n"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("show lacks %q:\n%s", want, r.stdout)
				}
			}

			// A hostile body cannot reach the terminal raw.
			evil := submit(t, c, "2026/11/cricket-final", "Evil", "evil@example.net", "\x1b[2J\x1b]0;pwned\x07 look at \u202Egnp.exe")
			for _, args := range [][]string{{"queue"}, {"show", evil}, {"queue", "-o", "json"}, {"show", evil, "-o", "json"}} {
				r = ctl(t, srv.Addr, "", args...)
				r.wantCode(t, 0, strings.Join(args, " "))
				if strings.ContainsAny(r.stdout, "\x1b\x07\u202e") {
					t.Errorf("%s printed a raw control character:\n%q", strings.Join(args, " "), r.stdout)
				}
			}
			r = ctl(t, srv.Addr, "", "show", evil)
			if !strings.Contains(r.stdout, `\x1b[2J\x1b]0;pwned\x07 look at \u202egnp.exe`) {
				t.Errorf("show does not show the escapes:\n%s", r.stdout)
			}
			var evilJSON struct {
				Comment struct{ Comment struct{ Body string } }
			}
			r = ctl(t, srv.Addr, "", "show", evil, "-o", "json")
			if err := json.Unmarshal([]byte(r.stdout), &evilJSON); err != nil || evilJSON.Comment.Comment.Body != "\x1b[2J\x1b]0;pwned\x07 look at \u202Egnp.exe" {
				t.Errorf("-o json is not lossless: %v %q", err, evilJSON.Comment.Comment.Body)
			}

			// Exit statuses.
			unknown := "01a21a73-0000-7000-8000-000000000000"
			r = ctl(t, srv.Addr, "", "approve", unknown, evil)
			r.wantCode(t, 1, "approve of an unknown id")
			if !strings.Contains(r.stdout, "failed "+unknown+": NOT_FOUND") || !strings.Contains(r.stdout, "approved "+evil) {
				t.Errorf("approve of an unknown and a known id printed:\n%s", r.stdout)
			}
			ctl(t, srv.Addr, "", "approve").wantCode(t, 2, "approve without ids")
			ctl(t, srv.Addr, "", "queue", "--status", "bogus").wantCode(t, 2, "queue --status bogus")
			ctl(t, srv.Addr, "", "queue", "-o", "yaml").wantCode(t, 2, "queue -o yaml")
			ctl(t, srv.Addr, "", "frobnicate").wantCode(t, 2, "an unknown command")
			r = ctl(t, srv.Addr, "", "review")
			r.wantCode(t, 2, "review without a terminal")
			if !strings.Contains(r.stderr, "needs a terminal") {
				t.Errorf("review without a terminal said %q", r.stderr)
			}
		})
	}
}

// TestErrorsAreReadable checks what a moderator sees when the server
// refuses: the status code, the message, the details, and no stack.
func TestErrorsAreReadable(t *testing.T) {
	srv := startCommentd(t, "")
	// No token.
	r := ctlAs(t, srv.Addr, "", "queue")
	r.wantCode(t, 1, "queue without a token")
	if !strings.Contains(r.stderr, "UNAUTHENTICATED") || !strings.Contains(r.stderr, "--token") {
		t.Errorf("without a token: %q", r.stderr)
	}
	// A moderator without the admin role cannot ban.
	r = ctlAs(t, srv.Addr, "tok-ravi", "ban", "add", "--email", "x@example.com")
	r.wantCode(t, 1, "ban add as a moderator")
	if !strings.Contains(r.stderr, "PERMISSION_DENIED") {
		t.Errorf("ban as a moderator: %q", r.stderr)
	}
	// Field violations, one a line.
	r = ctl(t, srv.Addr, "", "check", "--article", "a", "--name", "N", "--email", "not-an-email", "--ip", "nope", "hello")
	r.wantCode(t, 1, "check with bad fields")
	for _, want := range []string{"INVALID_ARGUMENT", "\n  author.email: ", "\n  client.ip: "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("check with bad fields lacks %q:\n%s", want, r.stderr)
		}
	}
	// Nobody there.
	r = ctl(t, "127.0.0.1:1", "", "queue", "--timeout", "5s")
	r.wantCode(t, 1, "queue with no server")
	if !strings.Contains(r.stderr, "UNAVAILABLE") || !strings.Contains(r.stderr, "is commentd running at 127.0.0.1:1") {
		t.Errorf("no server: %q", r.stderr)
	}
	// A plaintext token to another machine is refused before sending.
	r = ctl(t, "203.0.113.9:50051", "", "queue")
	r.wantCode(t, 2, "token to a remote server")
	if !strings.Contains(r.stderr, "--insecure-token") {
		t.Errorf("token to a remote server: %q", r.stderr)
	}
}

// ctlAs runs commentctl with another token ("" for none).
func ctlAs(t *testing.T, addr, token string, args ...string) result {
	t.Helper()
	return ctlWith(t, ctlEnv(addr, token), "", args...)
}

// TestBulkIsBatched sends more ids than one ModerateComments call takes.
func TestBulkIsBatched(t *testing.T) {
	srv := startCommentd(t, "")
	var b strings.Builder
	for i := range 1201 {
		fmt.Fprintf(&b, "01a21a73-0000-7000-8000-%012d\n", i)
	}
	r := ctl(t, srv.Addr, b.String(), "spam", "-")
	r.wantCode(t, 1, "spam of 1201 unknown ids")
	out := lines(r.stdout)
	if len(out) != 1201 {
		t.Fatalf("got %d lines for 1201 ids", len(out))
	}
	for _, l := range out {
		if !strings.HasPrefix(l, "failed ") || !strings.Contains(l, ": NOT_FOUND ") {
			t.Fatalf("line %q, want NOT_FOUND for every id (a batch over 500 would be INVALID_ARGUMENT)", l)
		}
	}
	// Malformed ids are reported alone; the rest still go.
	c := dialT(t, srv.Addr)
	id := submit(t, c, "a", "Reader", "reader@example.com", "A fine comment.")
	r = ctl(t, srv.Addr, "", "approve", "not an id", id)
	r.wantCode(t, 1, "approve with a malformed id")
	if !strings.Contains(r.stdout, "failed not an id: INVALID_ARGUMENT") || !strings.Contains(r.stdout, "approved "+id) {
		t.Errorf("approve with a malformed id:\n%s", r.stdout)
	}
}

// TestBansWordsAndCheck covers the rule commands.
func TestBansWordsAndCheck(t *testing.T) {
	srv := startCommentd(t, "")

	r := ctl(t, srv.Addr, "", "ban", "add", "--email", "spammer@example.com", "--ttl", "7d", "--reason", "casino links")
	r.wantCode(t, 0, "ban add")
	if !strings.HasPrefix(r.stdout, "banned email spammer@example.com until ") {
		t.Errorf("ban add printed %q", r.stdout)
	}
	ctl(t, srv.Addr, "", "ban", "add", "--cidr", "198.51.100.0/24").wantCode(t, 0, "ban add --cidr")
	ctl(t, srv.Addr, "", "ban", "add", "--email", "a@example.com", "--ip", "192.0.2.1").wantCode(t, 2, "ban add with two targets")
	ctl(t, srv.Addr, "", "ban", "add").wantCode(t, 2, "ban add without a target")
	r = ctl(t, srv.Addr, "", "ban", "list")
	r.wantCode(t, 0, "ban list")
	if len(lines(r.stdout)) != 3 || !strings.Contains(r.stdout, "spammer@example.com") || !strings.Contains(r.stdout, "never") ||
		!strings.Contains(r.stdout, "casino links") || !strings.Contains(r.stdout, "asha") {
		t.Errorf("ban list:\n%s", r.stdout)
	}

	// check: the banned email is spam, and nothing is stored. check asks
	// as a site does, so the ban is generic: its reason is the moderators'.
	r = ctl(t, srv.Addr, "", "check", "--article", "a", "--name", "Spammer", "--email", "Spammer@Example.com", "Hello there")
	r.wantCode(t, 0, "check")
	if !strings.HasPrefix(r.stdout, "decision  SPAM") || !strings.Contains(r.stdout, "ban: the comment matches a moderator's ban") || strings.Contains(r.stdout, "casino links") {
		t.Errorf("check of a banned email:\n%s", r.stdout)
	}
	r = ctl(t, srv.Addr, "", "queue", "--status", "spam", "-o", "ids")
	if r.stdout != "" {
		t.Errorf("check stored a comment: %q", r.stdout)
	}

	ids := ctl(t, srv.Addr, "", "ban", "list", "-o", "ids")
	r = ctl(t, srv.Addr, ids.stdout, "ban", "rm", "-")
	r.wantCode(t, 0, "ban rm -")
	if n := strings.Count(r.stdout, "removed "); n != 2 {
		t.Errorf("ban rm printed:\n%s", r.stdout)
	}
	r = ctl(t, srv.Addr, "", "ban", "rm", lines(ids.stdout)[0])
	r.wantCode(t, 1, "ban rm of a lifted ban")
	if !strings.Contains(r.stdout, "failed "+lines(ids.stdout)[0]+": NOT_FOUND") {
		t.Errorf("ban rm of a lifted ban: %q", r.stdout)
	}

	r = ctl(t, srv.Addr, "", "words", "add", "Block", "online casino", "सट्टा")
	r.wantCode(t, 0, "words add")
	r = ctl(t, srv.Addr, "", "words", "list", "BLOCK", "-o", "ids")
	if got := lines(r.stdout); !slices.Contains(got, "online casino") || !slices.Contains(got, "सट्टा") {
		t.Errorf("words list BLOCK -o ids = %q", got)
	}
	r = ctl(t, srv.Addr, "", "check", "--article", "a", "--name", "Reader", "--email", "r@example.com", "play online  CASINO now")
	if !strings.HasPrefix(r.stdout, "decision  SPAM") || !strings.Contains(r.stdout, "wordlist_block") || !strings.Contains(r.stdout, "“online  CASINO”") {
		t.Errorf("check of a BLOCK term:\n%s", r.stdout)
	}
	ctl(t, srv.Addr, "online casino\n", "words", "rm", "block", "-").wantCode(t, 0, "words rm -")
	r = ctl(t, srv.Addr, "", "words", "list", "block", "-o", "json")
	var lists []struct {
		List  string
		Terms []string
	}
	if err := json.Unmarshal([]byte(r.stdout), &lists); err != nil || len(lists) != 1 || slices.Contains(lists[0].Terms, "online casino") {
		t.Errorf("words list block -o json after rm: %v %+v", err, lists)
	}
	ctl(t, srv.Addr, "", "words", "add", "grey", "x").wantCode(t, 2, "words add to an unknown list")
}

// TestCheckSaysWhichSitePolicyApplied: the site news overrides the
// global policy, and check says so; --site naming another site is refused
// to a site key.
func TestCheckSaysWhichSitePolicyApplied(t *testing.T) {
	srv := commentdtest.Start(t, commentdtest.Config{Binary: commentdBin, Policy: holdAll + `sites:
  news:
    default_status: published
    rules:
      links: {hold: 1}
`, Env: []string{moderators, sites}})
	r := ctl(t, srv.Addr, "", "check", "--site-key", siteKey, "--site", "news", "--article", "a", "--name", "Reader", "--email", "r@example.com",
		"see https://example.org/report")
	r.wantCode(t, 0, "check --site news")
	if !strings.HasPrefix(r.stdout, "decision  PENDING") || !strings.Contains(r.stdout, "links:") ||
		!strings.Contains(r.stdout, "policy    site news (overrides: default_status, rules.links)\n") {
		t.Errorf("check --site news:\n%s", r.stdout)
	}
	r = ctl(t, srv.Addr, "", "check", "--site-key", siteKey, "--site", "shop", "--article", "a", "--name", "Reader", "--email", "r@example.com", "hello")
	r.wantCode(t, 1, "check --site shop with news's key")
	if !strings.Contains(r.stderr, "PERMISSION_DENIED") {
		t.Errorf("check --site shop with news's key: %q", r.stderr)
	}

	// A moderator needs no site key: --site with the moderator's token
	// checks against any site's rules (ravi is no admin).
	var noKey []string
	for _, kv := range ctlEnv(srv.Addr, "tok-ravi") {
		if !strings.HasPrefix(kv, "COMMENTCTL_SITE_KEY=") {
			noKey = append(noKey, kv)
		}
	}
	for site, policy := range map[string]string{"news": "site news (overrides: default_status, rules.links)", "shop": "global"} {
		r = ctlWith(t, noKey, "", "check", "--site", site, "--article", "a", "--name", "Reader", "--email", "r@example.com", "see https://example.org/report")
		r.wantCode(t, 0, "a moderator's check --site "+site)
		if !strings.HasPrefix(r.stdout, "decision  PENDING") || !strings.Contains(r.stdout, "policy    "+policy+"\n") {
			t.Errorf("a moderator's check --site %s:\n%s", site, r.stdout)
		}
	}
	r = ctlWith(t, noKey, "", "check", "--article", "a", "--name", "Reader", "--email", "r@example.com", "hello")
	r.wantCode(t, 1, "a moderator's check without --site")
	if !strings.Contains(r.stderr, "site is required") {
		t.Errorf("a moderator's check without --site: %q", r.stderr)
	}
	if r := ctl(t, srv.Addr, "", "queue", "-o", "ids"); r.stdout != "" {
		t.Errorf("checks stored comments: %q", r.stdout)
	}
}
