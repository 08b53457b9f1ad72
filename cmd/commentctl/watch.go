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
with backoff, to any replica, and resumes where the stream stopped: every
comment held meanwhile is printed once, none is missed. After more than a
week away it says so and watches from now.`,
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
		w := &watcher{a: a, c: c, req: req, t: queueColumns()}
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
	// resumed is whether a stream was lost and the next one resumes.
	resumed bool
}

func (w *watcher) run(ctx context.Context) error {
	if w.a.output == outTable {
		w.widths = w.t.FixedWidths(w.a.termWidth())
		w.a.printf("%s", w.t.Header(w.widths))
		w.a.stdout.Flush()
	}
	backoff := watchMinBackoff
	for {
		started := time.Now()
		err := w.stream(ctx)
		if ctx.Err() != nil {
			return nil // Ctrl-C
		}
		if errors.Is(err, io.EOF) {
			err = status.Error(codes.Unavailable, "the server ended the stream")
		}
		if status.Code(err) == codes.OutOfRange && w.req.ResumeToken != "" {
			// Away longer than the queue's log reaches back.
			w.a.warnf("watch: cannot resume (%s); watching from now: list what was held meanwhile with commentctl queue",
				status.Convert(err).Message())
			w.req.ResumeToken, w.resumed = "", false
			continue
		}
		if status.Code(err) != codes.Unavailable {
			return fmt.Errorf("watch: %w", err)
		}
		if time.Since(started) >= watchHealthyAfter {
			backoff = watchMinBackoff
		}
		w.resumed = true
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

// stream watches until the stream ends, resuming after the last message
// of the previous stream: the server's queue log sends what was held
// meanwhile, each comment once.
func (w *watcher) stream(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := w.c.Moderation.WatchQueue(ctx, w.req)
	if err != nil {
		return err
	}
	// commentd sends the headers once the subscription is live, with the
	// position it starts from. No headers: the stream failed, and Recv
	// says why.
	md, _ := s.Header()
	if md == nil {
		_, err := s.Recv()
		return err
	}
	if t := md.Get("commentd-resume-token"); len(t) == 1 && w.req.ResumeToken == "" {
		w.req.ResumeToken = t[0]
	}
	if w.resumed {
		w.a.warnf("watch: reconnected")
	} else {
		w.a.warnf("watching %s comments; Ctrl-C to stop", w.watchedStatuses())
	}
	for {
		resp, err := s.Recv()
		if err != nil {
			return err
		}
		w.req.ResumeToken = resp.GetResumeToken()
		// Resumed far back, a comment may have been decided since.
		if st := resp.GetComment().GetComment().GetStatus(); slices.Contains(w.statuses(), st) {
			w.print(resp.GetComment())
		}
	}
}

// statuses are the statuses watched.
func (w *watcher) statuses() []pb.CommentStatus {
	if len(w.req.Statuses) == 0 {
		return []pb.CommentStatus{pb.CommentStatus_COMMENT_STATUS_PENDING, pb.CommentStatus_COMMENT_STATUS_SPAM}
	}
	return w.req.Statuses
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

func (w *watcher) print(d *pb.CommentDetail) {
	id := d.GetComment().GetId()
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
