package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/commentd/commentd/cmd/commentctl/internal/table"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

func newAuditCmd(a *app) *cobra.Command {
	var (
		req   pb.ListAuditEventsRequest
		limit int
	)
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show who did what, when, with their notes",
		Long: `List the audit trail, newest first: every moderator action and rule
change with its time, the moderator (or "system"), the action (such as
comment.approve, ban.create, wordlist.update), its target (a comment id,
a ban id or a word list), what changed and the moderator's note.`,
		Example: `  # The latest 50 events.
  commentctl audit

  # Everything asha did.
  commentctl audit --actor asha --limit 0

  # The history of one comment.
  commentctl audit --target 01a21a73-93ba-7eca-85ba-0ef079be6234`,
		Args: cobra.NoArgs,
	}
	cmd.Flags().StringVar(&req.Actor, "actor", "", "only events by this moderator")
	cmd.Flags().StringVar(&req.Target, "target", "", "only events about this comment id, ban id or word list")
	cmd.Flags().IntVar(&limit, "limit", 50, "the most events to list; 0 lists all")
	cmd.RunE = runE(func(ctx context.Context, _ *cobra.Command, _ []string) error {
		if limit < 0 {
			return usageErrorf("--limit must be 0 (all) or more, not %d", limit)
		}
		c, err := a.dial(ctx)
		if err != nil {
			return err
		}
		req.PageSize = pageSize(limit)
		events, _, err := collect(c.AuditEvents(ctx, &req), limit, "list audit events")
		if err != nil {
			return err
		}
		return a.printAudit(events)
	})
	return cmd
}

func (a *app) printAudit(events []*pb.AuditEvent) error {
	switch a.output {
	case outJSON:
		return printJSONList(a, events)
	case outIDs:
		for _, e := range events {
			a.printf("%s\n", e.GetId())
		}
		return nil
	}
	if len(events) == 0 {
		a.warnf("no audit events")
		return nil
	}
	t := table.New(
		table.Column{Header: "TIME"},
		table.Column{Header: "ACTOR", Max: 16},
		table.Column{Header: "ACTION", Max: 20},
		table.Column{Header: "TARGET"},
		table.Column{Header: "DETAIL", Max: 30},
		table.Column{Header: "NOTE", Max: 60, Flex: true},
	)
	for _, e := range events {
		t.Row(localTime(e.GetCreateTime()), e.GetActor(), e.GetAction(), e.GetTarget(), e.GetDetail(), e.GetNote())
	}
	return t.Write(a.stdout, a.termWidth())
}
