package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/commentd/commentd/cmd/commentctl/internal/termsafe"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

const showExample = `  # Everything about one comment: author, email, IP, reasons, history, body.
  commentctl show 01a21a73-93ba-7eca-85ba-0ef079be6234

  # Several, as JSON.
  commentctl queue --limit 5 -o ids | commentctl show - -o json`

func newShowCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID…",
		Short: "Show every field of comments, their reasons and their author's history",
		Long: `Show every field of one or more comments (any status): the author's name,
email and web site, the client's IP, user agent and referrer, the site,
every rule that matched with its action, score, detail and the text it
matched, the last moderator's name and note, the author's history (their
comments by status, by email), and the body in full, each line behind a
bar so that nothing in it can pass for commentctl's own output.

Give ids as arguments, or - to read them from standard input, one a line.
-o json prints the GetCommentDetail answer: one object for one id, an
array for several.`,
		Example: showExample,
		Args:    cobra.MinimumNArgs(1),
		RunE: runE(func(ctx context.Context, _ *cobra.Command, args []string) error {
			ids, bad, err := a.readIDs(args)
			if err != nil {
				return err
			}
			c, err := a.dial(ctx)
			if err != nil {
				return err
			}
			failed := len(bad) > 0
			for _, b := range bad {
				a.warnf("failed %s: INVALID_ARGUMENT not a comment id", termsafe.Line(b))
			}
			var found []*pb.GetCommentDetailResponse
			for _, id := range ids {
				resp, err := c.Moderation.GetCommentDetail(ctx, &pb.GetCommentDetailRequest{Id: id})
				if code := status.Code(err); code == codes.NotFound || code == codes.InvalidArgument {
					a.warnf("failed %s: %s %s", id, codeName(code), termsafe.Line(status.Convert(err).Message()))
					failed = true
					continue
				}
				if err != nil {
					return fmt.Errorf("get comment %s: %w", id, err)
				}
				found = append(found, resp)
			}
			if err := a.printDetails(found, len(args) > 1 || args[0] == "-"); err != nil {
				return err
			}
			if failed {
				return errReported
			}
			return nil
		}),
	}
}

func (a *app) printDetails(ds []*pb.GetCommentDetailResponse, list bool) error {
	switch {
	case a.output == outJSON && list:
		return printJSONList(a, ds)
	case a.output == outJSON && len(ds) == 1:
		return printJSON(a, ds[0])
	case a.output == outJSON:
		return nil // the one id failed
	case a.output == outIDs:
		for _, d := range ds {
			a.printf("%s\n", d.GetComment().GetComment().GetId())
		}
		return nil
	}
	for i, d := range ds {
		if i > 0 {
			a.printf("\n")
		}
		writeDetail(a.stdout, d.GetComment(), d.GetAuthorHistory(), a.now())
	}
	return nil
}

// writeDetail writes one comment in full, every reader-written string
// escaped.
func writeDetail(w io.Writer, d *pb.CommentDetail, h *pb.AuthorHistory, now time.Time) {
	c := d.GetComment()
	kv := func(k, v string) {
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(w, "%-10s %s\n", k, v)
	}
	kv("id", c.GetId())
	kv("status", strings.ToUpper(statusName(c.GetStatus())))
	kv("article", termsafe.Line(c.GetArticleId()))
	kv("parent", c.GetParentId())
	kv("created", fmt.Sprintf("%s (%s ago)", localTime(c.GetCreateTime()), age(c.GetCreateTime(), now)))
	if !proto.Equal(c.GetUpdateTime(), c.GetCreateTime()) {
		kv("updated", localTime(c.GetUpdateTime()))
	}
	kv("author", termsafe.Line(c.GetAuthorName()))
	kv("email", termsafe.Line(d.GetAuthorEmail()))
	kv("url", termsafe.Line(c.GetAuthorUrl()))
	kv("ip", termsafe.Line(d.GetClient().GetIp()))
	kv("agent", termsafe.Line(d.GetClient().GetUserAgent()))
	kv("referrer", termsafe.Line(d.GetClient().GetReferrer()))
	kv("site", termsafe.Line(d.GetSite()))
	if d.GetModeratedBy() != "" {
		m := termsafe.Line(d.GetModeratedBy())
		if n := d.GetModerationNote(); n != "" {
			m += ": “" + termsafe.Line(n) + "”"
		}
		kv("moderated", m)
	}
	if h != nil {
		kv("history", historyLine(h))
	}
	kv("score", strconv.FormatFloat(d.GetScore(), 'f', -1, 64))
	if len(d.GetReasons()) == 0 {
		kv("reasons", "none")
	}
	for i, r := range d.GetReasons() {
		k := ""
		if i == 0 {
			k = "reasons"
		}
		fmt.Fprintf(w, "%-10s %s\n", k, reasonLine(r))
	}
	for i, r := range d.GetReports() {
		k := ""
		if i == 0 {
			k = "reports"
		}
		fmt.Fprintf(w, "%-10s %s\n", k, reportLine(r))
	}
	fmt.Fprintf(w, "body\n")
	writeBody(w, c.GetBody(), 0)
}

// historyLine is an author's comments by status.
func historyLine(h *pb.AuthorHistory) string {
	return fmt.Sprintf("%d published · %d pending · %d spam · %d rejected · %d deleted (by this email)",
		h.GetPublished(), h.GetPending(), h.GetSpam(), h.GetRejected(), h.GetDeleted())
}

// writeBody writes a body escaped, each line behind a bar; maxLines > 0
// cuts it short.
func writeBody(w io.Writer, body string, maxLines int) {
	lines := strings.Split(termsafe.Text(strings.TrimRight(body, "\n")), "\n")
	for i, l := range lines {
		if maxLines > 0 && i == maxLines {
			fmt.Fprintf(w, "  ┆ … %d more lines (commentctl show)\n", len(lines)-i)
			break
		}
		fmt.Fprintf(w, "  │ %s\n", strings.ReplaceAll(l, "\t", "    "))
	}
}
