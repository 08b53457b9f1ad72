package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/commentd/commentd/cmd/commentctl/internal/termsafe"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

func newAuthorCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "author",
		Short: "Export or erase one author's data, for data protection requests",
		Long: `Answer a reader's data protection request by their email address. Both
commands need the admin role and are recorded in the audit trail (which
names the author by a hash, never the email).`,
		Example: `  commentctl author export priya@example.in -o json > priya.json
  commentctl author erase priya@example.in --note "request #42" --yes`,
	}
	cmd.AddCommand(newAuthorExportCmd(a), newAuthorEraseCmd(a))
	return cmd
}

func newAuthorExportCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "export EMAIL",
		Short: "Print everything stored about an author: every comment, in every status",
		Long: `Print every comment stored under an email address, in every status,
oldest first, with everything kept about each: for a reader's access
request. The export is recorded in the audit trail.`,
		Example: `  # Everything, as JSON, for the reader's access request.
  commentctl author export priya@example.in -o json > priya.json`,
		Args: cobra.ExactArgs(1),
		RunE: runE(func(ctx context.Context, _ *cobra.Command, args []string) error {
			c, err := a.dial(ctx)
			if err != nil {
				return err
			}
			req := &pb.ExportAuthorDataRequest{AuthorEmail: args[0], PageSize: 100}
			var all []*pb.CommentDetail
			for {
				page, err := c.Moderation.ExportAuthorData(ctx, req)
				if err != nil {
					return fmt.Errorf("export author data: %w", err)
				}
				all = append(all, page.GetComments()...)
				if req.PageToken = page.GetNextPageToken(); req.PageToken == "" {
					break
				}
			}
			if a.output == outJSON {
				return printJSONList(a, all)
			}
			return a.printQueue(all, false, pb.CommentStatus_COMMENT_STATUS_UNSPECIFIED)
		}),
	}
}

func newAuthorEraseCmd(a *app) *cobra.Command {
	var note string
	var yes bool
	cmd := &cobra.Command{
		Use:   "erase EMAIL",
		Short: "Erase an author's comments and personal data (they become deleted tombstones)",
		Long: `Erase every comment of an author: each becomes a DELETED tombstone with its
text, name, email, URL, IP, user agent and referrer blanked. The ids stay,
so replies keep their threads. This cannot be undone.`,
		Example: `  commentctl author erase priya@example.in --note "erasure request #42" --yes`,
		Args:    cobra.ExactArgs(1),
	}
	cmd.Flags().StringVar(&note, "note", "", "why, for the audit trail (such as the request's reference)")
	cmd.Flags().BoolVar(&yes, "yes", false, "really erase; without it nothing is changed")
	cmd.RunE = runE(func(ctx context.Context, _ *cobra.Command, args []string) error {
		if !yes {
			return usageErrorf("erasing cannot be undone: add --yes to erase %s", termsafe.Line(args[0]))
		}
		c, err := a.dial(ctx)
		if err != nil {
			return err
		}
		r, err := c.Moderation.EraseAuthorData(ctx, &pb.EraseAuthorDataRequest{AuthorEmail: args[0], Note: note})
		if err != nil {
			return fmt.Errorf("erase author data: %w", err)
		}
		a.printf("erased %d comments of %s\n", r.GetErasedCount(), termsafe.Line(args[0]))
		return nil
	})
	return cmd
}
