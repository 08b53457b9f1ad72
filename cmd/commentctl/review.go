package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/commentd/commentd/client"
	"github.com/commentd/commentd/cmd/commentctl/internal/termsafe"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// reviewBatch is how many comments review loads at a time; the queue's
// total (ListQueue's total_size) says how many are left beyond them.
const reviewBatch = 100

// reviewBodyLines is how much of a body review shows.
const reviewBodyLines = 40

const reviewLong = `Go through the queue one comment at a time, one key per decision, no Enter:

  a  approve            r  reject         s  spam
  b  ban the author's email (asks y to confirm) and mark spam
  n  or space: skip     q  quit           ?  help

Each comment shows how many are left, the author, email, IP, article, age,
the author's history, every reason with the text it matched, and the body.
After each key review prints what it did to which id; at the end, a
summary. Oldest first, so the backlog is worked in order; comments that
arrive meanwhile are reviewed after it. A comment another moderator acted
on meanwhile is skipped, and a failed action is shown, not fatal.

review needs a terminal. For scripts: commentctl queue -o ids | commentctl approve -`

func newReviewCmd(a *app) *cobra.Command {
	var (
		f      queueFilter
		newest bool
		note   string
		banTTL string
	)
	cmd := &cobra.Command{
		Use:     "review",
		Aliases: []string{"r"},
		Short:   "Review held comments one key press at a time",
		Long:    reviewLong,
		Example: `  commentctl review
  commentctl review --article 2026/11/budget-session --note "budget thread"
  commentctl review --status spam --since 1d      # rescue false positives`,
		Args: cobra.NoArgs,
	}
	f.register(cmd.Flags(), cmd)
	cmd.Flags().BoolVar(&newest, "newest", false, "newest first")
	cmd.Flags().StringVar(&note, "note", "", "a note for the audit trail, on every action")
	cmd.Flags().StringVar(&banTTL, "ban-ttl", "", "how long b bans for, such as 30d; none means for ever")
	cmd.RunE = runE(func(ctx context.Context, _ *cobra.Command, _ []string) error {
		tty, ok := a.stdinTerminal()
		if !ok {
			return usageErrorf("review reads single keys and needs a terminal on standard input\n" +
				"(for scripts: commentctl queue -o ids | commentctl approve -)")
		}
		if err := a.onlyOutputs("review", outTable); err != nil {
			return err
		}
		ttl, err := parseTTL("--ban-ttl", banTTL)
		if err != nil {
			return err
		}
		req, err := f.request(a.now())
		if err != nil {
			return err
		}
		req.Order = pb.SortOrder_SORT_ORDER_OLDEST_FIRST
		if newest {
			req.Order = pb.SortOrder_SORT_ORDER_NEWEST_FIRST
		}
		c, err := a.dial(ctx)
		if err != nil {
			return err
		}
		r := &reviewer{a: a, c: c, req: req, note: note, banTTL: ttl}
		if req.GetStatus() == pb.CommentStatus_COMMENT_STATUS_PENDING && req.GetAuthorEmail() == "" && req.GetStartTime() == nil {
			r.reported = &pb.ListQueueRequest{Reported: true, ArticleId: req.GetArticleId(), PageSize: 100}
		}
		return r.run(ctx, tty)
	})
	return cmd
}

type reviewer struct {
	a   *app
	c   *client.Client
	req *pb.ListQueueRequest
	// reported lists the reported comments, shown first; nil when the
	// review is of another status than pending or of one author.
	reported *pb.ListQueueRequest
	note     string
	banTTL   time.Duration
	keys     *keyReader
	out      *bufio.Writer // crlf over standard output while raw
	n        tally
}

// tally counts what review did. notInQueue are the comments another
// moderator acted on, or that were gone, before they came up.
type tally struct {
	reviewed, approved, rejected, spam, banned, skipped, notInQueue, failed int
}

func (r *reviewer) run(ctx context.Context, tty *os.File) error {
	seen := map[string]bool{}
	b, err := r.load(ctx, seen)
	if err != nil {
		return err
	}
	if len(b.items) == 0 {
		r.a.warnf("nothing to review: no %s comments", statusName(r.req.GetStatus()))
		return nil
	}
	keys, err := openKeys(tty)
	if err != nil {
		return fmt.Errorf("review: terminal: %w", err)
	}
	defer keys.Close()
	r.keys = keys
	r.a.stdout.Flush()
	r.out = bufio.NewWriter(crlf{r.a.rawStdout})
	defer r.out.Flush()

	for len(b.items) > 0 {
		for i, d := range b.items {
			seen[d.GetComment().GetId()] = true
			left := b.left(i)
			quit, err := r.one(ctx, d.GetComment().GetId(), b.show(left))
			if err != nil {
				r.summary(left)
				return err
			}
			if quit {
				r.summary(left)
				return nil
			}
		}
		// The end of what was loaded: the rest, and anything new meanwhile.
		if b, err = r.load(ctx, seen); err != nil {
			r.summary(0)
			return err
		}
	}
	r.summary(0)
	return nil
}

// batch is what review loaded: the comments to show and how many more
// were in the queue beyond them when it was listed.
type batch struct {
	items    []*pb.CommentDetail
	beyond   int64
	estimate bool // the queue's total was an estimate: at least that many
}

// left is how many are left at items[i], that one included.
func (b batch) left(i int) int {
	return len(b.items) - i + int(b.beyond)
}

func (b batch) show(left int) string {
	if b.estimate {
		return fmt.Sprintf("%d+", left)
	}
	return fmt.Sprintf("%d", left)
}

// load lists up to reviewBatch comments of the queue not seen yet, and
// reads from the queue's total how many are left beyond them.
func (r *reviewer) load(ctx context.Context, seen map[string]bool) (batch, error) {
	var b batch
	// Reported comments first, most reported first: readers are waiting.
	if r.reported != nil {
		for d, err := range r.c.Queue(ctx, r.reported) {
			if err != nil {
				return batch{}, fmt.Errorf("list reported comments: %w", err)
			}
			if !seen[d.GetComment().GetId()] {
				b.items = append(b.items, d)
				seen[d.GetComment().GetId()] = true
			}
		}
	}
	req := proto.Clone(r.req).(*pb.ListQueueRequest)
	req.PageSize = reviewBatch
	var total, listed int64
	for first := true; ; first = false {
		resp, err := r.c.Moderation.ListQueue(ctx, req)
		if err != nil {
			return batch{}, fmt.Errorf("list queue: %w", err)
		}
		if first {
			total, b.estimate = resp.GetTotalSize(), resp.GetTotalIsEstimate()
		}
		for _, d := range resp.GetComments() {
			if len(b.items) >= reviewBatch {
				break
			}
			listed++ // the skipped ones too: they are still in the total
			if !seen[d.GetComment().GetId()] {
				b.items = append(b.items, d)
			}
		}
		if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" || len(b.items) >= reviewBatch {
			break
		}
	}
	b.beyond = max(0, total-listed)
	return b, nil
}

func (r *reviewer) printf(format string, args ...any) {
	fmt.Fprintf(r.out, format, args...)
}

// one reviews one comment; quit is true when the moderator quits.
func (r *reviewer) one(ctx context.Context, id, left string) (quit bool, err error) {
	// Fresh: the queue may have changed since it was listed.
	resp, err := r.c.Moderation.GetCommentDetail(ctx, &pb.GetCommentDetailRequest{Id: id})
	if status.Code(err) == codes.NotFound {
		r.printf("gone %s: NOT_FOUND %s\n", id, termsafe.Line(status.Convert(err).Message()))
		r.n.notInQueue++
		return false, r.out.Flush()
	}
	if err != nil {
		return false, fmt.Errorf("get comment %s: %w", id, err)
	}
	d := resp.GetComment()
	if st := d.GetComment().GetStatus(); st != r.req.GetStatus() && len(d.GetReports()) == 0 {
		by := ""
		if d.GetModeratedBy() != "" {
			by = " by " + termsafe.Line(d.GetModeratedBy())
		}
		r.printf("skipped %s: already %s%s\n", id, statusName(st), by)
		r.n.notInQueue++
		return false, r.out.Flush()
	}
	r.keys.Discard()
	r.draw(d, resp.GetAuthorHistory(), left)
	r.n.reviewed++
	for {
		r.printf("a approve · r reject · s spam · b ban email+spam · n skip · q quit › ")
		r.out.Flush()
		k, err := r.keys.Key(ctx)
		if err != nil {
			return true, err
		}
		r.printf("%s\n", keyName(k))
		done := false
		switch k {
		case 'a':
			done = r.moderate(ctx, id, pb.ModerationAction_MODERATION_ACTION_APPROVE, "approved", &r.n.approved)
		case 'r':
			done = r.moderate(ctx, id, pb.ModerationAction_MODERATION_ACTION_REJECT, "rejected", &r.n.rejected)
		case 's':
			done = r.moderate(ctx, id, pb.ModerationAction_MODERATION_ACTION_MARK_SPAM, "marked-spam", &r.n.spam)
		case 'b':
			done = r.ban(ctx, d)
		case 'n', ' ':
			r.printf("skipped %s\n", id)
			r.n.skipped++
			done = true
		case 'q', 0x03, 0x04: // q, Ctrl-C, Ctrl-D
			return true, r.out.Flush()
		case '?', 'h':
			r.printf("%s\n", reviewKeys)
		default:
			r.printf("that key does nothing here; ? shows the keys\n")
		}
		if done {
			return false, r.out.Flush()
		}
	}
}

const reviewKeys = `  a  approve      r  reject      s  mark spam
  b  ban the author's email (asks to confirm) and mark spam
  n  or space: skip to the next     q  quit (Ctrl-C too)`

func keyName(k byte) string {
	switch {
	case k == ' ':
		return "space"
	case k == 0:
		return "(escape sequence)"
	case k < 0x20 || k >= 0x7f:
		return termsafe.Line(string(rune(k)))
	}
	return string(k)
}

// draw shows one comment.
func (r *reviewer) draw(d *pb.CommentDetail, h *pb.AuthorHistory, left string) {
	c := d.GetComment()
	width := r.a.termWidth()
	if width <= 0 || width > 100 {
		width = 100
	}
	head := fmt.Sprintf("── %s left ── %s ", left, statusName(c.GetStatus()))
	r.printf("\n%s%s\n", head, strings.Repeat("─", max(width-len([]rune(head)), 3)))
	kv := func(k, v string) { r.printf("%-9s %s\n", k, v) }
	kv("id", c.GetId())
	kv("author", fmt.Sprintf("%s <%s>", termsafe.Line(c.GetAuthorName()), termsafe.Line(d.GetAuthorEmail())))
	if u := c.GetAuthorUrl(); u != "" {
		kv("url", termsafe.Line(u))
	}
	ip := d.GetClient().GetIp()
	if ip == "" {
		ip = "-"
	}
	kv("ip", termsafe.Line(ip))
	kv("article", termsafe.Line(c.GetArticleId()))
	kv("age", fmt.Sprintf("%s (%s)", age(c.GetCreateTime(), r.a.now()), localTime(c.GetCreateTime())))
	if h != nil {
		kv("history", historyLine(h))
	}
	for i, rs := range d.GetReasons() {
		k := ""
		if i == 0 {
			k = "reasons"
		}
		kv(k, reasonLine(rs))
	}
	if len(d.GetReports()) > 0 {
		kv("reported", reportsSummary(d))
		for _, rep := range d.GetReports() {
			kv("", reportLine(rep))
		}
	}
	writeBody(r.out, c.GetBody(), reviewBodyLines)
}

// moderate applies an action to one id and prints its outcome. It
// returns false when the call failed as a whole, so the moderator can try
// again or skip; an id's own failure is shown and counted.
func (r *reviewer) moderate(ctx context.Context, id string, act pb.ModerationAction, verb string, count *int) bool {
	resp, err := r.c.Moderation.ModerateComments(ctx, &pb.ModerateCommentsRequest{Ids: []string{id}, Action: act, Note: r.note})
	if err != nil {
		r.out.Flush()
		describe(crlf{r.a.stderr}, err, r.a)
		r.printf("nothing done; try again, or n to skip\n")
		return false
	}
	for _, res := range resp.GetResults() {
		r.printf("%s\n", resultLine(res, verb))
		if res.GetCode() != 0 {
			r.n.failed++
		} else {
			*count++
		}
	}
	return true
}

// ban asks, bans the author's email and marks the comment spam.
func (r *reviewer) ban(ctx context.Context, d *pb.CommentDetail) bool {
	email := d.GetAuthorEmail()
	r.printf("ban email %s and mark this comment spam? [y/N] ", termsafe.Line(email))
	r.out.Flush()
	k, err := r.keys.Key(ctx)
	if err != nil || (k != 'y' && k != 'Y') {
		r.printf("%s\nnot banned\n", keyName(k))
		return false
	}
	r.printf("y\n")
	reason := r.note
	if reason == "" {
		reason = "banned while reviewing comment " + d.GetComment().GetId()
	}
	ban := &pb.Ban{Target: &pb.Ban_Email{Email: email}, Reason: reason}
	if r.banTTL > 0 {
		ban.ExpireTime = timestamppb.New(r.a.now().Add(r.banTTL))
	}
	resp, err := r.c.Moderation.CreateBan(ctx, &pb.CreateBanRequest{Ban: ban})
	if err != nil {
		r.out.Flush()
		describe(crlf{r.a.stderr}, fmt.Errorf("ban: %w", err), r.a)
		r.printf("not banned, nothing done\n")
		return false
	}
	until := "for ever"
	if b := resp.GetBan(); b.GetExpireTime() != nil {
		until = "until " + expiry(b, r.a.now())
	}
	r.printf("banned email %s %s (ban %s)\n", termsafe.Line(email), until, resp.GetBan().GetId())
	r.n.banned++
	r.moderate(ctx, d.GetComment().GetId(), pb.ModerationAction_MODERATION_ACTION_MARK_SPAM, "marked-spam", &r.n.spam)
	return true
}

func (r *reviewer) summary(left int) {
	n := r.n
	r.printf("\nreviewed %d: %d approved, %d rejected, %d spam, %d banned, %d skipped",
		n.reviewed, n.approved, n.rejected, n.spam, n.banned, n.skipped)
	if n.notInQueue > 0 {
		r.printf(", %d already moderated or gone", n.notInQueue)
	}
	if n.failed > 0 {
		r.printf(", %d failed", n.failed)
	}
	r.printf("\n")
	if left > 0 {
		r.printf("%d left in the queue\n", left)
	}
	r.out.Flush()
}
