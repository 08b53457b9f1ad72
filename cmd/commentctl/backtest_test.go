package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	pb "github.com/commentd/commentd/proto/commentd/v1"
)

func TestBacktestPrintsWhatWouldChange(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			srv := startCommentd(t, s.db(t))
			c := dialT(t, srv.Addr)
			var ham, watches []string
			for i := range 3 {
				ham = append(ham, submit(t, c, "budget", fmt.Sprintf("Reader %d", i), fmt.Sprintf("reader%d@example.in", i), fmt.Sprintf("The farm budget, point %d, deserves a closer look", i)))
				watches = append(watches, submit(t, c, "budget", fmt.Sprintf("Seller %d", i), fmt.Sprintf("seller%d@example.in", i), fmt.Sprintf("Cheap watches for sale, model %d", i)))
			}
			ctl(t, srv.Addr, "", append([]string{"approve"}, ham...)...).wantCode(t, 0, "approve")
			ctl(t, srv.Addr, "", append([]string{"spam"}, watches[:2]...)...).wantCode(t, 0, "spam")

			proposed := filepath.Join(t.TempDir(), "proposed.yaml")
			if err := os.WriteFile(proposed, []byte("default_status: published\nrules:\n  first_time_hold: false\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			r := ctl(t, srv.Addr, "", "backtest", "--config", proposed, "--site", "news", "--since", "1h", "--add-block", "watches", "--examples", "2")
			r.wantCode(t, 0, "backtest")
			t.Logf("transcript:\n%s%s", r.stderr, r.stdout)
			for _, want := range []string{
				"6 comments from ", "; 6 would change\n",
				"proposed \\ moderator  approved  spam/rejected  undecided\n",
				"            published         3              0          0\n",
				"                 spam         0              2          1\n",
				"  stored \\ moderator  approved  spam/rejected  undecided\n",
				"         pending         3              2          1\n", // stored: all held
				"stored \\ proposed  published  pending  spam\n",
				"          pending          3        0     3\n",
				"examples\n",
				"  pending -> published  (moderator: approved)\n",
				"    - HOLD default_status: every comment is held for a moderator (default_status: pending)\n",
				"  pending -> spam  (moderator: spam/rejected)\n",
				`    + SPAM wordlist_block: BLOCK term "watches" (word list) in the body` + "\n",
			} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("backtest output lacks %q:\n%s", want, r.stdout)
				}
			}
			// Not a terminal: progress as plain lines on stderr.
			if !strings.HasSuffix(r.stderr, "replayed 6 of 6 comments\n") {
				t.Errorf("stderr %q, want progress lines ending at 6 of 6", r.stderr)
			}

			r = ctl(t, srv.Addr, "", "backtest", "--site", "news", "-o", "json", "--add-shadow", "watches")
			r.wantCode(t, 0, "backtest -o json")
			var rep struct{ Replayed, Moved string }
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Replayed != "6" || rep.Moved != "0" {
				t.Errorf("backtest -o json with a shadow term: %v %+v\n%s", err, rep, r.stdout)
			}
			// A word list is as it was.
			lists, err := c.Moderation.ListWordLists(ctxT(t), &pb.ListWordListsRequest{})
			if err != nil || len(lists.GetLists()[0].GetTerms()) != 0 || len(lists.GetLists()[3].GetTerms()) != 0 {
				t.Errorf("word lists after backtests: %v, %v", lists.GetLists(), err)
			}

			r = ctlWith(t, ctlEnv(srv.Addr, "tok-ravi"), "", "backtest", "--site", "news")
			r.wantCode(t, 1, "backtest as a moderator")
			if !strings.Contains(r.stderr, "PERMISSION_DENIED") || !strings.Contains(r.stderr, "Backtest needs the admin role") {
				t.Errorf("backtest as a moderator: %q", r.stderr)
			}
		})
	}
}
