package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/commentd/commentd/cmd/commentctl/internal/table"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

func newRulesCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "See how far each spam rule can be trusted",
		Long: `Commands about the spam rules themselves, as opposed to the word lists and
bans moderators keep (see words and ban).`,
		Example: `  commentctl rules stats`,
		Args:    cobra.NoArgs,
	}
	cmd.AddCommand(newRulesStatsCmd(a))
	return cmd
}

func newRulesStatsCmd(a *app) *cobra.Command {
	var site, since string
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "How often each rule fired, and how often moderators agreed",
		Long: `For every rule that fired on the comments created since --since: how many
comments it fired on (FIRED), how many of those a moderator later approved,
rejected or marked as spam (DECIDED; also when that confirmed the status the
comment had, such as spam filed by the rules marked as spam; deleting says
nothing of a rule), and in how many of those the moderator agreed with it
(AGREED). A HOLD, SPAM or SCORE agrees with a comment rejected or marked as
spam, an ALLOW (such as the learned rule vouching for a comment) with one
approved. PRECISION is AGREED / DECIDED: a rule with a low precision holds
what moderators approve.

A rule that took several actions (the learned rule files as spam, vouches
or scores) has one row per action. One call reads at most the newest
200,000 comments of the window, and says so when there were more.`,
		Example: `  # The last 30 days, every site.
  commentctl rules stats

  # One site, the last week, as JSON.
  commentctl rules stats --site news --since 7d -o json`,
		Args: cobra.NoArgs,
	}
	cmd.Flags().StringVar(&site, "site", "", "only comments of this site (default every site)")
	cmd.Flags().StringVar(&since, "since", "720h", "only comments created since `when`: 30m, 2h, 3d ago, an RFC 3339 time or a date")
	cmd.RunE = runE(func(ctx context.Context, _ *cobra.Command, _ []string) error {
		if err := a.onlyOutputs("rules stats", outTable, outJSON); err != nil {
			return err
		}
		start, err := parseSince(since, a.now())
		if err != nil {
			return err
		}
		req := &pb.GetRuleStatsRequest{Site: site}
		if !start.IsZero() {
			req.StartTime = timestamppb.New(start)
		}
		c, err := a.dial(ctx)
		if err != nil {
			return err
		}
		resp, err := c.Moderation.GetRuleStats(ctx, req)
		if err != nil {
			return fmt.Errorf("get rule stats: %w", err)
		}
		if a.output == outJSON {
			return printJSON(a, resp)
		}
		return a.printRuleStats(resp, site)
	})
	return cmd
}

func (a *app) printRuleStats(resp *pb.GetRuleStatsResponse, site string) error {
	where := "every site"
	if site != "" {
		where = "site " + site
	}
	if resp.GetTruncated() {
		a.warnf("the window holds more comments than one call reads: these are the newest %d; give a later --since for all of it", resp.GetCommentsRead())
	}
	if len(resp.GetStats()) == 0 {
		a.warnf("no rule fired on the %d comments read (%s)", resp.GetCommentsRead(), where)
		return nil
	}
	t := table.New(
		table.Column{Header: "RULE", Max: 40},
		table.Column{Header: "ACTION"},
		table.Column{Header: "FIRED", Align: table.Right},
		table.Column{Header: "DECIDED", Align: table.Right},
		table.Column{Header: "AGREED", Align: table.Right},
		table.Column{Header: "PRECISION", Align: table.Right},
	)
	for _, st := range resp.GetStats() {
		precision := "–"
		if st.GetDecided() > 0 {
			precision = fmt.Sprintf("%.1f%%", 100*float64(st.GetAgreed())/float64(st.GetDecided()))
		}
		t.Row(st.GetRule(), ruleActionName(st.GetAction()), strconv.FormatInt(st.GetFired(), 10),
			strconv.FormatInt(st.GetDecided(), 10), strconv.FormatInt(st.GetAgreed(), 10), precision)
	}
	if err := t.Write(a.stdout, a.termWidth()); err != nil {
		return err
	}
	a.printf("%d comments read (%s)\n", resp.GetCommentsRead(), where)
	return nil
}
