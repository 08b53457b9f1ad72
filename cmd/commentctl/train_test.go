package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/commentd/commentd/client/commentdtest"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// learnSoon lets the learned rule speak after 10 examples of each.
const learnSoon = `rules:
  learned: {min_spam: 10, min_ham: 10}
rate_limits:
  client_ip: {burst: 0, every: 1s}
  author_email: {burst: 0, every: 1s}
  network: {burst: 0, every: 1s}
`

// historyFile is n spam and n ham examples as JSON Lines.
func historyFile(n int) string {
	var b strings.Builder
	for i := range n {
		for _, l := range []map[string]string{
			{"body": fmt.Sprintf("sattaking lucky number %d pakka, join vip group for free tips and bonus", i),
				"author_name": fmt.Sprintf("Winner %d", i), "author_email": fmt.Sprintf("win%d@bonus.example", i), "label": "spam"},
			{"body": fmt.Sprintf("बहुत अच्छी रिपोर्ट %d, sahi baat hai kisan ke liye budget", i),
				"author_name": fmt.Sprintf("Kavita %d", i), "author_email": fmt.Sprintf("kavita%d@mail.example", i), "label": "ham"},
		} {
			line, _ := json.Marshal(l)
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// TestTrainFromHistory: commentctl train checks the whole file, refuses
// one with bad lines naming each, and trains a site in batches so that its
// learned rule speaks before any moderator decision.
func TestTrainFromHistory(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			srv := commentdtest.Start(t, commentdtest.Config{Binary: commentdBin, DB: st.db(t), Policy: learnSoon, Env: []string{moderators, sites}})
			c := dialT(t, srv.Addr)

			// Bad lines, found by commentctl: every one named, nothing sent.
			bad := `{"body": "fine", "label": "ham"}
{"body": "typo", "lable": "spam"}

{"body": "no label"}
{"label": "spam"}
{"body": "odd", "label": "maybe"}
not json
`
			r := ctl(t, srv.Addr, bad, "train", "--from", "-", "--site", "news")
			r.wantCode(t, 1, "train with bad lines")
			want := []string{
				`line 2: not a JSON object of body, author_name, author_email, author_url and label: json: unknown field "lable"`,
				`line 4: label is required: "spam" or "ham"`,
				`line 5: body is required`,
				`line 6: label must be "spam" or "ham", not "maybe"`,
				`line 7: not a JSON object of body, author_name, author_email, author_url and label: invalid character 'o' in literal null (expecting 'u')`,
				`commentctl: 5 bad lines; nothing was trained`,
			}
			if got := lines(r.stderr); !slices.Equal(got, want) {
				t.Errorf("bad lines:\n got %q\nwant %q", got, want)
			}

			// Bad fields, found by commentd: named by line, nothing trained.
			r = ctl(t, srv.Addr, historyFile(600)+`{"body": "x", "author_email": "not-an-email", "label": "spam"}`+"\n", "train", "--from", "-", "--site", "news")
			r.wantCode(t, 1, "train with a bad email")
			if got := lines(r.stderr); !slices.Equal(got, []string{
				"line 1201: author.email: must be one email address such as name@example.com",
				"commentctl: commentd refused the lines above; nothing was trained",
			}) {
				t.Errorf("bad email: %q", got)
			}

			r = ctl(t, srv.Addr, historyFile(600), "train", "--from", "-", "--site", "news", "--dry-run")
			r.wantCode(t, 0, "train --dry-run")
			if r.stdout != "would train site news: 600 spam, 600 ham (1200 examples)\n" {
				t.Errorf("dry run printed %q", r.stdout)
			}
			audit, err := c.Moderation.ListAuditEvents(ctxT(t), &pb.ListAuditEventsRequest{Target: "news"})
			if err != nil || len(audit.GetEvents()) != 0 {
				t.Fatalf("audit after refusals and a dry run: %v, %v; want nothing trained", audit, err)
			}

			r = ctl(t, srv.Addr, historyFile(600), "train", "--from", "-", "--site", "news")
			r.wantCode(t, 0, "train")
			if r.stdout != "trained site news: 600 spam, 600 ham (1200 examples)\n" {
				t.Errorf("train printed %q", r.stdout)
			}
			progress := lines(r.stderr)
			if len(progress) < 3 || progress[len(progress)-1] != "trained 1200 of 1200 examples (100%)" {
				t.Errorf("progress %q, want one line a batch of at most 500", progress)
			}
			audit, err = c.Moderation.ListAuditEvents(ctxT(t), &pb.ListAuditEventsRequest{Target: "news"})
			if err != nil || len(audit.GetEvents()) != len(progress) {
				t.Errorf("audit: %v, %v; want one learned.train event a batch", audit, err)
			}

			resp, err := c.Comments.SubmitComment(ctxT(t), &pb.SubmitCommentRequest{
				ArticleId: "2026/12/satta", Author: &pb.Author{Name: "Lucky", Email: "lucky@bonus.example"},
				Body: "sattaking lucky number pakka, join vip group for free tips", Client: &pb.ClientInfo{Ip: "203.0.113.9"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if resp.GetStatus() != pb.CommentStatus_COMMENT_STATUS_SPAM || !slices.ContainsFunc(resp.GetReasons(), func(r *pb.Reason) bool {
				return r.GetRule() == "learned" && strings.Contains(r.GetDetail(), "learned from 600 spam and 600 ham decisions")
			}) {
				t.Errorf("after training: %v %v, want spam by the learned rule", resp.GetStatus(), resp.GetReasons())
			}
		})
	}
}
