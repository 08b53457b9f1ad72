package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/commentd/commentd/cmd/commentctl/internal/termsafe"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

func newBacktestCmd(a *app) *cobra.Command {
	var (
		configPath, since, site string
		examples                int
		add, remove             = map[pb.WordList]*[]string{}, map[pb.WordList]*[]string{}
	)
	cmd := &cobra.Command{
		Use:   "backtest --config FILE",
		Short: "Replay stored comments through a proposed policy, changing nothing",
		Long: `Replay one site's stored comments of a window through a proposed policy
file and word-list changes, and print what would change: the proposed and
the stored decisions against the moderators' (approved, spam or rejected,
undecided), how many comments would move between statuses, and examples
with the rules that made the difference. Nothing is stored or changed.
Needs a token with the admin role.`,
		Example: `  commentctl backtest --config proposed.yaml
  commentctl backtest --config commentd.yaml --since 72h --add-block "cheap watches"`,
		Args: cobra.NoArgs,
		RunE: runE(func(ctx context.Context, _ *cobra.Command, _ []string) error {
			if err := a.onlyOutputs("backtest", outTable, outJSON); err != nil {
				return err
			}
			req := &pb.BacktestRequest{Site: site, MaxExamples: int32(examples)}
			if configPath != "" {
				b, err := os.ReadFile(configPath)
				if err != nil {
					return usageErrorf("--config: %v", err)
				}
				req.PolicyYaml = string(b)
			}
			start, err := parseSince(since, a.now())
			if err != nil {
				return err
			}
			req.StartTime = timestamppb.New(start)
			for _, l := range []pb.WordList{pb.WordList_WORD_LIST_BLOCK, pb.WordList_WORD_LIST_HOLD, pb.WordList_WORD_LIST_ALLOW, pb.WordList_WORD_LIST_SHADOW} {
				if len(*add[l])+len(*remove[l]) > 0 {
					req.WordListChanges = append(req.WordListChanges, &pb.BacktestWordListChange{List: l, Add: *add[l], Remove: *remove[l]})
				}
			}
			c, err := a.dial(ctx)
			if err != nil {
				return err
			}
			stream, err := c.Moderation.Backtest(ctx, req)
			if err != nil {
				return fmt.Errorf("backtest: %w", err)
			}
			bar := newProgressBar(a.stderr)
			for {
				resp, err := stream.Recv()
				if errors.Is(err, io.EOF) {
					bar.done()
					return errors.New("backtest: the server ended without a report")
				}
				if err != nil {
					bar.done()
					return fmt.Errorf("backtest: %w", err)
				}
				if p := resp.GetProgress(); p != nil {
					bar.show(p.GetDone(), p.GetTotal())
					continue
				}
				bar.done()
				if a.output == outJSON {
					return printJSON(a, resp.GetReport())
				}
				printBacktest(a, resp.GetReport())
				return nil
			}
		}),
	}
	f := cmd.Flags()
	f.StringVar(&configPath, "config", "", "the proposed policy `file` (YAML, as commentd's --config); without it, the policy in force")
	f.StringVar(&since, "since", "720h", "replay comments created since: a duration back from now (72h, 30d), an RFC 3339 time or a date")
	f.StringVar(&site, "site", "default", "the `site` whose comments are replayed")
	f.IntVar(&examples, "examples", 20, "how many moved comments to show, at most 100")
	for _, l := range []pb.WordList{pb.WordList_WORD_LIST_BLOCK, pb.WordList_WORD_LIST_HOLD, pb.WordList_WORD_LIST_ALLOW, pb.WordList_WORD_LIST_SHADOW} {
		name := strings.ToLower(wordListName(l))
		add[l], remove[l] = new([]string), new([]string)
		f.StringArrayVar(add[l], "add-"+name, nil, fmt.Sprintf("propose adding this `term` to the %s list (repeatable)", wordListName(l)))
		f.StringArrayVar(remove[l], "remove-"+name, nil, fmt.Sprintf("propose removing this `term` from the %s list (repeatable)", wordListName(l)))
	}
	return cmd
}

// progressBar draws the replay's progress on a terminal, and prints a
// line at every tenth otherwise.
type progressBar struct {
	w      io.Writer
	tty    bool
	drawn  bool
	tenths int64
}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	return &progressBar{w: w, tty: ok && term.IsTerminal(int(f.Fd())), tenths: -1}
}

func (p *progressBar) show(done, total int64) {
	if total <= 0 {
		return
	}
	if p.tty {
		const width = 30
		n := int(done * width / total)
		fmt.Fprintf(p.w, "\r[%s%s] %d/%d comments", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
		p.drawn = true
		return
	}
	if t := done * 10 / total; t > p.tenths {
		p.tenths = t
		fmt.Fprintf(p.w, "replayed %d of %d comments\n", done, total)
	}
}

// showText draws the bar for done of total with text after it on a
// terminal (text alone when the total is unknown), and prints text alone
// at every tenth otherwise (never, when the total is unknown).
func (p *progressBar) showText(done, total int64, text string) {
	if p.tty {
		const width = 30
		bar := ""
		if total > 0 {
			n := int(min(done, total) * width / total)
			bar = "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "] "
		}
		fmt.Fprintf(p.w, "\r%s%s\x1b[K", bar, text)
		p.drawn = true
		return
	}
	if total <= 0 {
		return
	}
	if t := done * 10 / total; t > p.tenths {
		p.tenths = t
		fmt.Fprintln(p.w, text)
	}
}

func (p *progressBar) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

var (
	backtestStatuses  = []pb.CommentStatus{pb.CommentStatus_COMMENT_STATUS_PUBLISHED, pb.CommentStatus_COMMENT_STATUS_PENDING, pb.CommentStatus_COMMENT_STATUS_SPAM}
	backtestJudgments = []pb.BacktestJudgment{pb.BacktestJudgment_BACKTEST_JUDGMENT_HAM, pb.BacktestJudgment_BACKTEST_JUDGMENT_SPAM, pb.BacktestJudgment_BACKTEST_JUDGMENT_UNDECIDED}
)

func judgmentName(j pb.BacktestJudgment) string {
	switch j {
	case pb.BacktestJudgment_BACKTEST_JUDGMENT_HAM:
		return "approved"
	case pb.BacktestJudgment_BACKTEST_JUDGMENT_SPAM:
		return "spam/rejected"
	}
	return "undecided"
}

func printBacktest(a *app, r *pb.BacktestReport) {
	a.printf("replayed %d comments from %s to %s (%d erased skipped); %d would change\n",
		r.GetReplayed(), r.GetStartTime().AsTime().Local().Format("2006-01-02 15:04"), r.GetEndTime().AsTime().Local().Format("2006-01-02 15:04"),
		r.GetSkipped(), r.GetMoved())
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	confusion := func(title string, cells []*pb.BacktestCell) {
		fmt.Fprintf(tw, "\n%s\t", title)
		for _, j := range backtestJudgments {
			fmt.Fprintf(tw, "%s\t", judgmentName(j))
		}
		fmt.Fprintln(tw)
		for _, st := range backtestStatuses {
			fmt.Fprintf(tw, "%s\t", statusName(st))
			for _, j := range backtestJudgments {
				n := int64(0)
				for _, c := range cells {
					if c.GetDecision() == st && c.GetJudgment() == j {
						n = c.GetCount()
					}
				}
				fmt.Fprintf(tw, "%d\t", n)
			}
			fmt.Fprintln(tw)
		}
	}
	confusion("proposed \\ moderator", r.GetProposed())
	confusion("stored \\ moderator", r.GetStored())
	fmt.Fprintf(tw, "\nstored \\ proposed\t")
	for _, st := range backtestStatuses {
		fmt.Fprintf(tw, "%s\t", statusName(st))
	}
	fmt.Fprintln(tw)
	for _, from := range backtestStatuses {
		fmt.Fprintf(tw, "%s\t", statusName(from))
		for _, to := range backtestStatuses {
			n := int64(0)
			for _, m := range r.GetMoves() {
				if m.GetFrom() == from && m.GetTo() == to {
					n = m.GetCount()
				}
			}
			fmt.Fprintf(tw, "%d\t", n)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if len(r.GetExamples()) == 0 {
		return
	}
	a.printf("\nexamples\n")
	for _, e := range r.GetExamples() {
		a.printf("%s  %s -> %s  (moderator: %s)\n", e.GetCommentId(), statusName(e.GetFrom()), statusName(e.GetTo()), judgmentName(e.GetJudgment()))
		for _, rs := range []struct {
			sign    string
			reasons []*pb.Reason
		}{{"+", e.GetGained()}, {"-", e.GetLost()}} {
			for _, r := range rs.reasons {
				a.printf("    %s %s %s: %s\n", rs.sign, ruleActionName(r.GetAction()), r.GetRule(), termsafe.Line(r.GetDetail()))
			}
		}
	}
}
