package main

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/client"
	"github.com/commentd/commentd/cmd/commentctl/internal/termsafe"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// Server limits of ModerateComments.
const (
	maxBatch     = 500
	maxNoteRunes = 1000
)

// modAction is one moderation command.
type modAction struct {
	use     string
	aliases []string
	action  pb.ModerationAction
	verb    string // what the outcome line says: "approved"
	short   string
	long    string
}

var (
	approveAction = modAction{use: "approve", action: pb.ModerationAction_MODERATION_ACTION_APPROVE, verb: "approved",
		short: "Publish comments", long: "Publish comments: allowed from pending, spam and rejected."}
	rejectAction = modAction{use: "reject", action: pb.ModerationAction_MODERATION_ACTION_REJECT, verb: "rejected",
		short: "Hide comments as rejected", long: "Hide comments as rejected: allowed from published, pending and spam."}
	spamAction = modAction{use: "spam", action: pb.ModerationAction_MODERATION_ACTION_MARK_SPAM, verb: "marked-spam",
		short: "File comments as spam", long: "File comments as spam: allowed from published, pending and rejected."}
	deleteAction = modAction{use: "delete", aliases: []string{"rm"}, action: pb.ModerationAction_MODERATION_ACTION_DELETE, verb: "deleted",
		short: "Delete comments for good", long: "Delete comments: allowed from every status, and final — a deleted comment\ncannot be approved again. It stays in the audit trail."}
)

const moderateLongTail = `

Give ids as arguments, or - to read them from standard input, one a line
(blank lines and lines starting with # are skipped). Each id gets one line:

  %[1]s 01a21a73-93ba-7eca-85ba-0ef079be6234
  unchanged 01a21a73-7807-7785-ab1d-5024ed3eeb71 (already %[2]s)
  failed 01a21a73-0000-7000-8000-000000000000: NOT_FOUND comment … not found

Doing it twice is harmless. The exit status is 1 when any id failed.
-o ids prints only the ids that succeeded; -o json the results as an array.`

func newModerateCmd(a *app, m modAction) *cobra.Command {
	var note string
	target := map[pb.ModerationAction]string{
		pb.ModerationAction_MODERATION_ACTION_APPROVE:   "published",
		pb.ModerationAction_MODERATION_ACTION_REJECT:    "rejected",
		pb.ModerationAction_MODERATION_ACTION_MARK_SPAM: "spam",
		pb.ModerationAction_MODERATION_ACTION_DELETE:    "deleted",
	}[m.action]
	cmd := &cobra.Command{
		Use:     m.use + " ID…|-",
		Aliases: m.aliases,
		Short:   m.short,
		Long:    m.long + fmt.Sprintf(moderateLongTail, m.verb, target),
		Example: fmt.Sprintf(`  commentctl %[1]s 01a21a73-93ba-7eca-85ba-0ef079be6234 --note "reader complaint"

  # In bulk, from the queue.
  commentctl queue --article 2026/11/budget-session --limit 0 -o ids | commentctl %[1]s -

  # From a file of ids, with # comments.
  commentctl %[1]s - < ids.txt`, m.use),
		Args: cobra.MinimumNArgs(1),
	}
	cmd.Flags().StringVar(&note, "note", "", "a note for the audit trail")
	cmd.RunE = runE(func(ctx context.Context, _ *cobra.Command, args []string) error {
		if n := utf8.RuneCountInString(note); n > maxNoteRunes || !utf8.ValidString(note) {
			return usageErrorf("--note must be valid text of at most %d characters, got %d", maxNoteRunes, n)
		}
		ids, bad, err := a.readIDs(args)
		if err != nil {
			return err
		}
		if len(ids) == 0 && len(bad) == 0 {
			a.warnf("no ids on standard input; nothing to do")
			return nil
		}
		var results []*pb.ModerationResult
		for _, b := range bad {
			results = append(results, &pb.ModerationResult{Id: b, Code: int32(codes.InvalidArgument), Message: "not a comment id"})
		}
		var c *client.Client
		if len(ids) > 0 {
			if c, err = a.dial(ctx); err != nil {
				return err
			}
		}
		var callErr error
		for start := 0; start < len(ids); start += maxBatch {
			batch := ids[start:min(start+maxBatch, len(ids))]
			if callErr != nil {
				results = append(results, failAll(batch, codes.Aborted, "not sent: an earlier batch failed")...)
				continue
			}
			resp, err := c.Moderation.ModerateComments(ctx, &pb.ModerateCommentsRequest{Ids: batch, Action: m.action, Note: note})
			if err != nil {
				callErr = err
				describe(a.stderr, fmt.Errorf("%s: %w", m.use, err), a)
				st := status.Convert(err)
				results = append(results, failAll(batch, st.Code(), st.Message())...)
				continue
			}
			results = append(results, resp.GetResults()...)
		}
		if err := a.printResults(results, m.verb); err != nil {
			return err
		}
		for _, r := range results {
			if r.GetCode() != 0 {
				return errReported
			}
		}
		return nil
	})
	return cmd
}

// failAll gives every id of a batch that failed as a whole its result.
func failAll(ids []string, code codes.Code, msg string) []*pb.ModerationResult {
	out := make([]*pb.ModerationResult, len(ids))
	for i, id := range ids {
		out[i] = &pb.ModerationResult{Id: id, Code: int32(code), Message: msg}
	}
	return out
}

func (a *app) printResults(rs []*pb.ModerationResult, verb string) error {
	switch a.output {
	case outJSON:
		return printJSONList(a, rs)
	case outIDs:
		// Failures go to standard error, to keep standard output ids only.
		for _, r := range rs {
			if r.GetCode() == 0 {
				a.printf("%s\n", r.GetId())
			} else {
				a.warnf("%s", resultLine(r, ""))
			}
		}
		return nil
	}
	for _, r := range rs {
		a.printf("%s\n", resultLine(r, verb))
	}
	return nil
}

// resultLine is one id's outcome: "approved ID", "unchanged ID (already
// published)" or "failed ID: NOT_FOUND message".
func resultLine(r *pb.ModerationResult, verb string) string {
	id := termsafe.Line(r.GetId())
	switch {
	case r.GetCode() != 0:
		return fmt.Sprintf("failed %s: %s %s", id, codeName(codes.Code(r.GetCode())), termsafe.Line(r.GetMessage()))
	case !r.GetChanged():
		return fmt.Sprintf("unchanged %s (already %s)", id, statusName(r.GetStatus()))
	}
	return fmt.Sprintf("%s %s", verb, id)
}
