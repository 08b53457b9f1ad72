package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/commentd/commentd/cmd/commentctl/internal/table"
	"github.com/commentd/commentd/cmd/commentctl/internal/termsafe"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

func newWebhooksCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhooks",
		Short: "List webhook deliveries; send dead ones again",
		Long: `commentd tells the endpoints of its policy file's webhooks of every
comment published, held, filed as spam, approved, rejected, deleted or
erased. Each event for each endpoint is a delivery: pending until the
endpoint answers 2xx, retried with backoff, dead once retried for the
endpoint's give_up_after. Dead deliveries wait here to be sent again.`,
		Example: `  commentctl webhooks list --state dead
  commentctl webhooks redeliver --all-dead --endpoint wordpress`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newWebhooksListCmd(a), newWebhooksRedeliverCmd(a))
	return cmd
}

// deliveryStates are --state's values.
var deliveryStates = map[string]pb.WebhookDeliveryState{
	"pending":   pb.WebhookDeliveryState_WEBHOOK_DELIVERY_STATE_PENDING,
	"failed":    pb.WebhookDeliveryState_WEBHOOK_DELIVERY_STATE_PENDING, // and retrying
	"dead":      pb.WebhookDeliveryState_WEBHOOK_DELIVERY_STATE_DEAD,
	"delivered": pb.WebhookDeliveryState_WEBHOOK_DELIVERY_STATE_DELIVERED,
}

func newWebhooksListCmd(a *app) *cobra.Command {
	var (
		req   pb.ListWebhookDeliveriesRequest
		state string
		limit int
	)
	cmd := &cobra.Command{
		Use:     "list [--state pending|failed|dead|delivered] [--endpoint NAME] [--comment ID]",
		Aliases: []string{"ls"},
		Short:   "List webhook deliveries, newest first",
		Long: `List webhook deliveries, newest first: when the event happened, the
endpoint, the event, the comment, the state, the attempts, when the next
is due and why the last one failed. --state failed lists the pending
deliveries that failed at least once and are being retried.`,
		Example: `  # What was given up, to send again.
  commentctl webhooks list --state dead

  # What one endpoint is retrying.
  commentctl webhooks list --state failed --endpoint wordpress

  # Everything one comment sent.
  commentctl webhooks list --comment 01a21a73-93ba-7eca-85ba-0ef079be6234`,
		Args: cobra.NoArgs,
	}
	fs := cmd.Flags()
	fs.StringVar(&state, "state", "", "only deliveries that are pending, failed (pending, failed at least once), dead or delivered")
	fs.StringVar(&req.Endpoint, "endpoint", "", "only this endpoint's (its name in the policy file)")
	fs.StringVar(&req.CommentId, "comment", "", "only this comment's")
	fs.IntVar(&limit, "limit", 50, "the most deliveries to list; 0 lists all")
	cmd.RegisterFlagCompletionFunc("state", fixedCompletions("pending", "failed", "dead", "delivered"))
	cmd.RunE = runE(func(ctx context.Context, _ *cobra.Command, _ []string) error {
		if limit < 0 {
			return usageErrorf("--limit must be 0 (all) or more, not %d", limit)
		}
		if state != "" {
			s, ok := deliveryStates[strings.ToLower(state)]
			if !ok {
				return usageErrorf("--state must be pending, failed, dead or delivered, not %q", state)
			}
			req.State, req.Retrying = s, strings.EqualFold(state, "failed")
		}
		c, err := a.dial(ctx)
		if err != nil {
			return err
		}
		req.PageSize = pageSize(limit)
		ds, _, err := collect(c.WebhookDeliveries(ctx, &req), limit, "list webhook deliveries")
		if err != nil {
			return err
		}
		return a.printDeliveries(ds)
	})
	return cmd
}

func (a *app) printDeliveries(ds []*pb.WebhookDelivery) error {
	switch a.output {
	case outJSON:
		return printJSONList(a, ds)
	case outIDs:
		for _, d := range ds {
			a.printf("%s\n", d.GetId())
		}
		return nil
	}
	if len(ds) == 0 {
		a.warnf("no webhook deliveries")
		return nil
	}
	now := a.now()
	t := table.New(
		table.Column{Header: "ID"},
		table.Column{Header: "AGE", Align: table.Right},
		table.Column{Header: "ENDPOINT", Max: 24},
		table.Column{Header: "EVENT"},
		table.Column{Header: "COMMENT"},
		table.Column{Header: "STATE"},
		table.Column{Header: "TRIES", Align: table.Right},
		table.Column{Header: "NEXT"},
		table.Column{Header: "LAST ERROR", Max: 80, Flex: true},
	)
	for _, d := range ds {
		next := "-"
		if d.GetNextAttemptTime() != nil {
			next = "in " + shortDuration(d.GetNextAttemptTime().AsTime().Sub(now))
		}
		t.Row(d.GetId(), age(d.GetCreateTime(), now), d.GetEndpoint(), d.GetEventType(), d.GetCommentId(),
			deliveryState(d.GetState()), fmt.Sprint(d.GetAttempts()), next, d.GetLastError())
	}
	return t.Write(a.stdout, a.termWidth())
}

func deliveryState(s pb.WebhookDeliveryState) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "WEBHOOK_DELIVERY_STATE_"))
}

func newWebhooksRedeliverCmd(a *app) *cobra.Command {
	var req pb.RedeliverWebhooksRequest
	cmd := &cobra.Command{
		Use:   "redeliver ID | --all-dead [--endpoint NAME]",
		Short: "Send webhook deliveries again",
		Long: `Send one delivery again by id, delivered or dead: the later dead
deliveries of its comment to its endpoint come with it, so that the
endpoint still hears of the comment in order. Or, with --all-dead, every
dead delivery (of --endpoint only, when given). They are due at once and
retried afresh. Needs the admin role; audited as webhook.redeliver.`,
		Example: `  # The endpoint was down all night: send it what was given up.
  commentctl webhooks redeliver --all-dead --endpoint wordpress --note "host moved"

  # One event the site says it never got.
  commentctl webhooks redeliver 01a2302f-8a1b-7c3d-9e4f-5a6b7c8d9e0f`,
		Args: cobra.MaximumNArgs(1),
	}
	fs := cmd.Flags()
	fs.BoolVar(&req.AllDead, "all-dead", false, "every dead delivery, instead of one id")
	fs.StringVar(&req.Endpoint, "endpoint", "", "with --all-dead: only this endpoint's")
	fs.StringVar(&req.Note, "note", "", "why, for the audit trail")
	cmd.RunE = runE(func(ctx context.Context, _ *cobra.Command, args []string) error {
		if err := a.onlyOutputs("webhooks redeliver", outTable, outJSON); err != nil {
			return err
		}
		switch {
		case len(args) == 1 && req.AllDead:
			return usageErrorf("give a delivery id or --all-dead, not both")
		case len(args) == 0 && !req.AllDead:
			return usageErrorf("give a delivery id or --all-dead")
		case req.Endpoint != "" && !req.AllDead:
			return usageErrorf("--endpoint goes with --all-dead")
		case len(args) == 1:
			req.Id = args[0]
		}
		c, err := a.dial(ctx)
		if err != nil {
			return err
		}
		resp, err := c.Moderation.RedeliverWebhooks(ctx, &req)
		if err != nil {
			return fmt.Errorf("redeliver webhooks: %w", err)
		}
		if a.output == outJSON {
			return printJSON(a, resp)
		}
		n := resp.GetRedelivered()
		switch {
		case n == 0:
			a.warnf("no dead deliveries")
		case n == 1:
			a.printf("redelivered 1 delivery\n")
		default:
			a.printf("redelivered %d deliveries\n", n)
		}
		if req.Id != "" && n > 1 {
			a.warnf("%s came back with the %d later dead deliveries of its comment to its endpoint", termsafe.Line(req.Id), n-1)
		}
		return nil
	})
	return cmd
}
