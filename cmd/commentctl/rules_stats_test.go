package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRulesStats decides a few held comments and reads the rules'
// precision back, as a moderator without the admin role, on both stores.
func TestRulesStats(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			srv := startCommentd(t, st.db(t))
			c := dialT(t, srv.Addr)
			const article = "2026/12/rule-stats"
			const links = "see https://one.example/a and https://two.example/b"
			// Everything is submitted before anything is decided, so that
			// what the decisions teach the learned rule changes no reasons.
			fair := submit(t, c, article, "प्रिया शर्मा", "priya@example.in", "A fair report, thank you.")
			spam := submit(t, c, article, "Lucky Winner", "win@example.net", "Big prizes: "+links)
			sources := submit(t, c, article, "Rahul Verma", "rahul@example.com", "The sources: "+links)
			submit(t, c, article, "Anjali", "anjali@example.org", "Waiting for the second part.")
			ctlAs(t, srv.Addr, "tok-ravi", "approve", fair, sources).wantCode(t, 0, "approve")
			ctlAs(t, srv.Addr, "tok-ravi", "spam", spam).wantCode(t, 0, "spam")

			r := ctlAs(t, srv.Addr, "tok-ravi", "rules", "stats", "--site", "news")
			r.wantCode(t, 0, "rules stats")
			// Every comment is held, by the links rule or else by the
			// policy's default_status: pending.
			want := `RULE            ACTION  FIRED  DECIDED  AGREED  PRECISION
default_status  HOLD        2        1       0       0.0%
links           HOLD        2        2       1      50.0%
4 comments read (site news)
`
			if r.stdout != want || r.stderr != "" {
				t.Errorf("rules stats printed\n%s\nstderr %q\nwant\n%s", r.stdout, r.stderr, want)
			}

			r = ctlAs(t, srv.Addr, "tok-ravi", "rules", "stats", "-o", "json")
			r.wantCode(t, 0, "rules stats -o json")
			var got struct {
				Stats []struct {
					Rule, Action           string
					Fired, Decided, Agreed string // int64 in JSON
				}
				CommentsRead string `json:"comments_read"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatalf("rules stats -o json: %v\n%s", err, r.stdout)
			}
			if got.CommentsRead != "4" || len(got.Stats) != 2 || got.Stats[1].Rule != "links" ||
				got.Stats[1].Action != "RULE_ACTION_HOLD" || got.Stats[1].Fired != "2" || got.Stats[1].Decided != "2" || got.Stats[1].Agreed != "1" {
				t.Errorf("rules stats -o json:\n%s", r.stdout)
			}

			// Another site's window is empty, and says so.
			r = ctlAs(t, srv.Addr, "tok-ravi", "rules", "stats", "--site", "sport", "--since", "1h")
			r.wantCode(t, 0, "rules stats of a quiet site")
			if r.stdout != "" || r.stderr != "commentctl: no rule fired on the 0 comments read (site sport)\n" {
				t.Errorf("rules stats of a quiet site: stdout %q, stderr %q", r.stdout, r.stderr)
			}

			r = ctlAs(t, srv.Addr, "tok-ravi", "rules", "stats", "-o", "ids")
			r.wantCode(t, 2, "rules stats -o ids")
			if !strings.Contains(r.stderr, "rules stats does not support -o ids") {
				t.Errorf("rules stats -o ids: %q", r.stderr)
			}
			r = ctlAs(t, srv.Addr, "tok-ravi", "rules", "stats", "--since", "yesterday")
			r.wantCode(t, 2, "rules stats --since yesterday")
			if !strings.Contains(r.stderr, `--since "yesterday": give a duration back from now`) {
				t.Errorf("rules stats --since yesterday: %q", r.stderr)
			}
		})
	}
}
