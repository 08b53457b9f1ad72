package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/commentd/commentd/client"
	"github.com/commentd/commentd/cmd/commentctl/internal/table"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// Reconnection backoff of watch.
const (
	watchMinBackoff = 500 * time.Millisecond
	watchMaxBackoff = 30 * time.Second
	// A stream that lived this long was healthy: start the backoff over.
	watchHealthyAfter = 30 * time.Second
	// catchUpMargin reaches back before a lost stream's end, for clock
	// skew and comments in flight.
	catchUpMargin = 10 * time.Second
)

func newWatchCmd(a *app) *cobra.Command {
	var (
		statuses []string
		article  string
	)
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Stream newly held comments as they arrive",
		Long: `Print each comment as it is held (pending) or filed as spam, on any
commentd replica, one line each in the queue's table format — or one JSON
object a line with -o json, or its id with -o ids — until Ctrl-C.

When the connection is lost (commentd restarting, say) watch reconnects
with backoff and first lists the comments held meanwhile, so none is
missed.`,
		Example: `  commentctl watch
  commentctl watch --status pending --article 2026/11/budget-session
  commentctl watch -o json | jq -r .comment.body`,
		Args: cobra.NoArgs,
	}
	cmd.Flags().StringSliceVar(&statuses, "status", []string{"pending", "spam"}, "the statuses to watch, comma-separated: pending, spam")
	cmd.Flags().StringVar(&article, "article", "", "only comments on this article `id`")
	cmd.RegisterFlagCompletionFunc("status", fixedCompletions("pending", "spam"))
	cmd.RunE = runE(func(ctx context.Context, _ *cobra.Command, _ []string) error {
		req := &pb.WatchQueueRequest{ArticleId: article}
		for _, s := range statuses {
			st, err := parseStatus(s)
			if err != nil {
				return err
			}
			if !slices.Contains(req.Statuses, st) {
				req.Statuses = append(req.Statuses, st)
			}
		}
		c, err := a.dial(ctx)
		if err != nil {
			return err
		}
		w := &watcher{a: a, c: c, req: req, t: queueColumns(), seen: map[string]bool{}}
		return w.run(ctx)
	})
	return cmd
}

type watcher struct {
	a      *app
	c      *client.Client
	req    *pb.WatchQueueRequest
	t      *table.Table
	widths []int
	// seen holds the ids printed, so that catching up after a reconnect
	// prints nothing twice; order bounds it.
	seen  map[string]bool
	order []string
}

func (w *watcher) run(ctx context.Context) error {
	if w.a.output == outTable {
		w.widths = w.t.FixedWidths(w.a.termWidth())
		w.a.printf("%s", w.t.Header(w.widths))
		w.a.stdout.Flush()
	}
	backoff := watchMinBackoff
	var lost time.Time // when the last stream ended; zero before the first
	for {
		started := time.Now()
		err := w.stream(ctx, lost)
		if ctx.Err() != nil {
			return nil // Ctrl-C
		}
		if errors.Is(err, io.EOF) {
			err = status.Error(codes.Unavailable, "the server ended the stream")
		}
		if status.Code(err) != codes.Unavailable {
			return fmt.Errorf("watch: %w", err)
		}
		if time.Since(started) >= watchHealthyAfter {
			backoff = watchMinBackoff
		}
		if lost.IsZero() || time.Since(started) >= watchHealthyAfter {
			lost = w.a.now()
		}
		// ±20% jitter, so that many moderators do not come back at once.
		d := time.Duration(float64(backoff) * (0.8 + 0.4*rand.Float64()))
		st := status.Convert(err)
		w.a.warnf("watch: stream lost (%s: %s); reconnecting in %s", codeName(st.Code()), st.Message(), d.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(d):
		}
		backoff = min(2*backoff, watchMaxBackoff)
	}
}

// stream watches until the stream ends. After a lost stream (lost not
// zero) it first prints what was held since then.
func (w *watcher) stream(ctx context.Context, lost time.Time) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := w.c.Moderation.WatchQueue(ctx, w.req)
	if err != nil {
		return err
	}
	// commentd sends the headers once the subscription is live: from then
	// on every held comment reaches this stream. No headers: the stream
	// failed, and Recv says why.
	if md, _ := s.Header(); md == nil {
		_, err := s.Recv()
		return err
	}
	if lost.IsZero() {
		w.a.warnf("watching %s comments; Ctrl-C to stop", w.watchedStatuses())
	} else {
		if err := w.catchUp(ctx, lost.Add(-catchUpMargin)); err != nil {
			return err
		}
		w.a.warnf("watch: reconnected")
	}
	for {
		resp, err := s.Recv()
		if err != nil {
			return err
		}
		w.print(resp.GetComment())
	}
}

// watchedStatuses names the statuses watched: "pending and spam".
func (w *watcher) watchedStatuses() string {
	var names []string
	for _, s := range w.req.Statuses {
		names = append(names, statusName(s))
	}
	if len(names) == 0 {
		names = []string{"pending", "spam"}
	}
	return strings.Join(names, " and ")
}

// catchUp prints the comments held since t that were not printed.
func (w *watcher) catchUp(ctx context.Context, since time.Time) error {
	statuses := w.req.Statuses
	if len(statuses) == 0 {
		statuses = []pb.CommentStatus{pb.CommentStatus_COMMENT_STATUS_PENDING, pb.CommentStatus_COMMENT_STATUS_SPAM}
	}
	var missed []*pb.CommentDetail
	for _, st := range statuses {
		req := &pb.ListQueueRequest{Status: st, ArticleId: w.req.ArticleId, StartTime: timestamppb.New(since),
			Order: pb.SortOrder_SORT_ORDER_OLDEST_FIRST, PageSize: 100}
		for d, err := range w.c.Queue(ctx, req) {
			if err != nil {
				return err
			}
			missed = append(missed, d)
		}
	}
	slices.SortStableFunc(missed, func(x, y *pb.CommentDetail) int {
		return x.GetComment().GetCreateTime().AsTime().Compare(y.GetComment().GetCreateTime().AsTime())
	})
	for _, d := range missed {
		w.print(d)
	}
	return nil
}

// maxSeen bounds the ids remembered.
const maxSeen = 10000

func (w *watcher) print(d *pb.CommentDetail) {
	id := d.GetComment().GetId()
	if w.seen[id] {
		return
	}
	w.seen[id] = true
	w.order = append(w.order, id)
	if len(w.order) > maxSeen {
		delete(w.seen, w.order[0])
		w.order = w.order[1:]
	}
	switch w.a.output {
	case outJSON:
		b, err := jsonLine(d)
		if err != nil {
			w.a.warnf("%v", err)
			return
		}
		w.a.stdout.Write(b)
	case outIDs:
		w.a.printf("%s\n", id)
	default:
		w.a.printf("%s", w.t.Line(w.widths, queueCells(d, w.a.now())...))
	}
	w.a.stdout.Flush()
}
