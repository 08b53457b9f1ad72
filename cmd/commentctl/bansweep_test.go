package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/commentd/commentd/client/commentdtest"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// TestBanHidesAndRestores bans a reader with a look-back through
// commentctl against commentd on both stores: the reader's published
// comments are hidden, nothing else; lifting the ban with --restore puts
// back those no moderator decided on since; audit and webhooks tell of
// each move.
func TestBanHidesAndRestores(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			hook := newEndpoint(t, "hook-secret-0123456789", http.StatusOK)
			policy := holdAll + fmt.Sprintf(`webhooks:
  - name: site
    url: %s
    secret: hook-secret-0123456789
    events: [comment.held, comment.spam, comment.approved]
`, hook.URL)
			srv := commentdtest.Start(t, commentdtest.Config{Binary: commentdBin, DB: st.db(t), Policy: policy, Env: []string{moderators, sites}})
			c := dialT(t, srv.Addr)
			const article = "2026/12/monsoon-session"
			troll := []string{
				submit(t, c, article, "Troll", "troll@example.com", "First jab."),
				submit(t, c, article, "Troll", "Troll+x@Example.com", "Second jab."), // the same inbox
				submit(t, c, "2026/12/other", "Troll", "troll@example.com", "Third jab."),
			}
			held := submit(t, c, article, "Troll", "troll@example.com", "Still in the queue.")
			other := submit(t, c, article, "प्रिया शर्मा", "priya@example.in", "A fair point.")
			ctl(t, srv.Addr, "", append([]string{"approve", other}, troll...)...).wantCode(t, 0, "approve")

			r := ctl(t, srv.Addr, "", "ban", "add", "--email", "troll@example.com", "--hide-past", "72h", "--reason", "abuse")
			r.wantCode(t, 0, "ban add --hide-past")
			out := lines(r.stdout)
			if len(out) != 5 || !strings.HasPrefix(out[0], "banned email troll@example.com for ever (ban ") ||
				out[1] != "hid 3 published comments of the past 72h as pending" {
				t.Fatalf("ban add printed:\n%s", r.stdout)
			}
			banID := strings.TrimSuffix(out[0][strings.LastIndex(out[0], " ")+1:], ")")
			if got := slices.Sorted(slices.Values([]string{strings.TrimSpace(out[2]), strings.TrimSpace(out[3]), strings.TrimSpace(out[4])})); !slices.Equal(got, slices.Sorted(slices.Values(troll))) {
				t.Errorf("hid %q, want %q", got, troll)
			}
			wantStatus := func(when string, want map[string]pb.CommentStatus) {
				t.Helper()
				for id, s := range want {
					resp, err := c.Moderation.GetCommentDetail(ctxT(t), &pb.GetCommentDetailRequest{Id: id})
					if err != nil {
						t.Fatal(err)
					}
					if got := resp.GetComment().GetComment().GetStatus(); got != s {
						t.Errorf("%s: %s is %v, want %v", when, id, got, s)
					}
				}
			}
			pending, published := pb.CommentStatus_COMMENT_STATUS_PENDING, pb.CommentStatus_COMMENT_STATUS_PUBLISHED
			wantStatus("after the ban", map[string]pb.CommentStatus{troll[0]: pending, troll[1]: pending, troll[2]: pending, held: pending, other: published})

			// A moderator approves one of them again: it stays approved.
			ctl(t, srv.Addr, "", "approve", troll[2], "--note", "this one was fine").wantCode(t, 0, "approve")

			r = ctl(t, srv.Addr, "", "ban", "rm", "--restore", banID)
			r.wantCode(t, 0, "ban rm --restore")
			out = lines(r.stdout)
			if len(out) != 3 || out[0] != "removed "+banID+"; restored 2 hidden comments, kept 1 decided since" {
				t.Fatalf("ban rm --restore printed:\n%s", r.stdout)
			}
			wantStatus("after restore", map[string]pb.CommentStatus{troll[0]: published, troll[1]: published, troll[2]: published, held: pending, other: published})
			if resp, _ := c.Moderation.GetCommentDetail(ctxT(t), &pb.GetCommentDetailRequest{Id: troll[2]}); resp.GetComment().GetModerationNote() != "this one was fine" {
				t.Errorf("the moderator's approval of %s was overwritten", troll[2])
			}

			r = ctl(t, srv.Addr, "", "audit", "--target", troll[0])
			r.wantCode(t, 0, "audit")
			if !strings.Contains(r.stdout, "ban.hide") || !strings.Contains(r.stdout, "ban.restore") || !strings.Contains(r.stdout, "PUBLISHED -> PENDING") {
				t.Errorf("audit of a hidden and restored comment:\n%s", r.stdout)
			}
			r = ctl(t, srv.Addr, "", "audit", "--target", banID, "-o", "json")
			if !strings.Contains(r.stdout, "hid 3 published comments") || !strings.Contains(r.stdout, "restored 2 hidden comments; kept 1") {
				t.Errorf("audit of the ban:\n%s", r.stdout)
			}

			// Webhooks: each hidden comment held, each restored approved.
			eventually(t, "the site to hear of every move", func() bool {
				_, applied := hook.got()
				return len(applied) == 5+4+3+1+2 // five held, four approved, three hidden, one approved again, two restored
			})
			_, applied := hook.got()
			var got []string
			for _, e := range applied {
				if e.Comment.ID == troll[0] {
					got = append(got, e.Type)
				}
			}
			if want := []string{"comment.held", "comment.approved", "comment.held", "comment.approved"}; !slices.Equal(got, want) {
				t.Errorf("the site heard %v of %s, want %v", got, troll[0], want)
			}
		})
	}
}
