package main

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/commentd/commentd/cmd/commentctl/internal/table"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// queueFilter is the filters queue and review share.
type queueFilter struct {
	status  string
	article string
	email   string
	since   string
}

func (f *queueFilter) register(fs *pflag.FlagSet, cmd *cobra.Command) {
	fs.StringVar(&f.status, "status", "pending", "the `status` to list: "+strings.Join(statusNames, ", "))
	fs.StringVar(&f.article, "article", "", "only comments on this article `id`")
	fs.StringVar(&f.email, "email", "", "only comments by this author `email` (any case)")
	fs.StringVar(&f.since, "since", "", "only comments since `when`: 30m, 2h, 3d ago, an RFC 3339 time or a date")
	cmd.RegisterFlagCompletionFunc("status", fixedCompletions(statusNames...))
}

// request returns the ListQueueRequest for the filters.
func (f *queueFilter) request(now time.Time) (*pb.ListQueueRequest, error) {
	st, err := parseStatus(f.status)
	if err != nil {
		return nil, err
	}
	since, err := parseSince(f.since, now)
	if err != nil {
		return nil, err
	}
	req := &pb.ListQueueRequest{Status: st, ArticleId: f.article, AuthorEmail: f.email, PageSize: 100}
	if !since.IsZero() {
		req.StartTime = timestamppb.New(since)
	}
	return req, nil
}

// queueColumns is the queue's table, shared by queue and watch. ID is
// never truncated: it is what every action takes. On a narrow terminal
// the BODY gives up width first, then REASONS, EMAIL, AUTHOR, ARTICLE.
func queueColumns() *table.Table {
	return table.New(
		table.Column{Header: "ID", Min: 36},
		table.Column{Header: "AGE", Align: table.Right, Min: 3, Max: 4},
		table.Column{Header: "ARTICLE", Max: 24, Flex: true},
		table.Column{Header: "AUTHOR", Max: 20, Flex: true},
		table.Column{Header: "EMAIL", Max: 28, Flex: true},
		table.Column{Header: "REASONS", Max: 28, Flex: true},
		table.Column{Header: "BODY", Max: 80, Flex: true},
	)
}

// queueCells is one comment as the queue table's cells.
func queueCells(d *pb.CommentDetail, now time.Time) []string {
	c := d.GetComment()
	return []string{
		c.GetId(),
		age(c.GetCreateTime(), now),
		c.GetArticleId(),
		c.GetAuthorName(),
		d.GetAuthorEmail(),
		ruleIDs(d.GetReasons()),
		strings.TrimSpace(c.GetBody()),
	}
}

const queueLong = `List comments held for moderation, newest first, with the rules that held
them.

The table shows each comment's full ID (what approve, reject, spam, delete
and show take), its AGE, ARTICLE, AUTHOR, EMAIL, the REASONS (rule ids)
and the start of its BODY on one line; use show for everything else.
-o ids prints only the ids, to pipe into an action; -o json prints every
field as a JSON array.

--limit stops after that many comments (the table says when more are
waiting); --limit 0 lists them all.

--reported lists the comments readers reported instead, in any status,
most reported first: REPORTS is how many readers, the sum of their weights
(a comment goes back to the queue at 3 by default) and their reasons.
Approving one dismisses its reports; rejecting, marking as spam or deleting
it upholds them. Only --article applies with it.`

const queueExample = `  # What is waiting, newest first.
  commentctl queue

  # The backlog of one article, oldest first.
  commentctl queue --article 2026/11/budget-session --oldest

  # Spam filed in the last two hours.
  commentctl queue --status spam --since 2h

  # What readers reported, most reported first.
  commentctl queue --reported

  # Approve everything one reader has waiting.
  commentctl queue --email priya@example.in --limit 0 -o ids | commentctl approve -`

func newQueueCmd(a *app) *cobra.Command {
	var (
		f        queueFilter
		limit    int
		oldest   bool
		reported bool
	)
	cmd := &cobra.Command{
		Use:     "queue",
		Aliases: []string{"q", "ls"},
		Short:   "List held comments with the reasons they were held",
		Long:    queueLong,
		Example: queueExample,
		Args:    cobra.NoArgs,
	}
	f.register(cmd.Flags(), cmd)
	cmd.Flags().IntVar(&limit, "limit", 100, "the most comments to list, following pages; 0 lists all")
	cmd.Flags().BoolVar(&oldest, "oldest", false, "oldest first")
	cmd.Flags().BoolVar(&reported, "reported", false, "the comments readers reported, most reported first")
	cmd.RunE = runE(func(ctx context.Context, cmd *cobra.Command, _ []string) error {
		if limit < 0 {
			return usageErrorf("--limit must be 0 (all) or more, not %d", limit)
		}
		if reported {
			for _, name := range []string{"status", "email", "since", "oldest"} {
				if cmd.Flags().Changed(name) {
					return usageErrorf("--reported lists reported comments of every status; --%s does not apply", name)
				}
			}
			req := &pb.ListQueueRequest{Reported: true, ArticleId: f.article, PageSize: 100}
			if limit > 0 && limit < 100 {
				req.PageSize = int32(limit)
			}
			items, _, err := listQueue(ctx, a, req, limit)
			if err != nil {
				return err
			}
			return a.writeReported(items)
		}
		req, err := f.request(a.now())
		if err != nil {
			return err
		}
		if oldest {
			req.Order = pb.SortOrder_SORT_ORDER_OLDEST_FIRST
		}
		if limit > 0 && limit < int(req.PageSize) {
			req.PageSize = int32(limit)
		}
		items, more, err := listQueue(ctx, a, req, limit)
		if err != nil {
			return err
		}
		return a.printQueue(items, more, req.GetStatus())
	})
	return cmd
}

// listQueue follows the queue's pages until limit comments (0: all), and
// reports whether more were waiting.
func listQueue(ctx context.Context, a *app, req *pb.ListQueueRequest, limit int) ([]*pb.CommentDetail, bool, error) {
	c, err := a.dial(ctx)
	if err != nil {
		return nil, false, err
	}
	return collect(c.Queue(ctx, req), limit, "list queue")
}

// pageSize is the page to ask for when listing up to limit items (0: all).
func pageSize(limit int) int32 {
	if limit > 0 && limit < 100 {
		return int32(limit)
	}
	return 100
}

// collect follows a listing's pages until limit items (0: all), and
// reports whether more were waiting.
func collect[T any](items iter.Seq2[T, error], limit int, what string) ([]T, bool, error) {
	var out []T
	for it, err := range items {
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", what, err)
		}
		if limit > 0 && len(out) == limit {
			return out, true, nil
		}
		out = append(out, it)
	}
	return out, false, nil
}

func (a *app) printQueue(items []*pb.CommentDetail, more bool, st pb.CommentStatus) error {
	if err := a.writeQueue(items, st); err != nil {
		return err
	}
	if more {
		// On standard error, so that scripts reading ids learn it too.
		a.warnf("listed the first %d; more are waiting (--limit 0 lists all)", len(items))
	}
	return nil
}

func (a *app) writeQueue(items []*pb.CommentDetail, st pb.CommentStatus) error {
	switch a.output {
	case outJSON:
		return printJSONList(a, items)
	case outIDs:
		for _, d := range items {
			a.printf("%s\n", d.GetComment().GetId())
		}
		return nil
	}
	if len(items) == 0 {
		a.warnf("no %s comments", statusName(st))
		return nil
	}
	t := queueColumns()
	now := a.now()
	for _, d := range items {
		t.Row(queueCells(d, now)...)
	}
	return t.Write(a.stdout, a.termWidth())
}

// reportedColumns is the table of queue --reported.
func reportedColumns() *table.Table {
	return table.New(
		table.Column{Header: "ID", Min: 36},
		table.Column{Header: "STATUS", Min: 7, Max: 9},
		table.Column{Header: "REPORTS", Max: 32, Flex: true},
		table.Column{Header: "ARTICLE", Max: 24, Flex: true},
		table.Column{Header: "AUTHOR", Max: 20, Flex: true},
		table.Column{Header: "BODY", Max: 80, Flex: true},
	)
}

func (a *app) writeReported(items []*pb.CommentDetail) error {
	switch a.output {
	case outJSON:
		return printJSONList(a, items)
	case outIDs:
		for _, d := range items {
			a.printf("%s\n", d.GetComment().GetId())
		}
		return nil
	}
	if len(items) == 0 {
		a.warnf("no reported comments")
		return nil
	}
	t := reportedColumns()
	for _, d := range items {
		c := d.GetComment()
		t.Row(c.GetId(), statusName(c.GetStatus()), reportsSummary(d), c.GetArticleId(), c.GetAuthorName(), strings.TrimSpace(c.GetBody()))
	}
	return t.Write(a.stdout, a.termWidth())
}
