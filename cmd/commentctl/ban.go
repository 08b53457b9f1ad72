package main

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/commentd/commentd/cmd/commentctl/internal/table"
	"github.com/commentd/commentd/cmd/commentctl/internal/termsafe"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

func newBanCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ban",
		Short: "Ban emails, IPs, ranges and names; list and lift bans",
		Long: `Comments from a banned email, IP address, CIDR range or author name are
filed as spam until the ban expires. A ban is for every site, or with
--site for one site's comments only. Bans need a token with the admin role.`,
		Example: `  commentctl ban add --email spammer@example.com --ttl 30d --reason "casino links"
  commentctl ban list
  commentctl ban rm 01a21b00-1c2d-7e3f-8a9b-0c1d2e3f4a5b`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newBanAddCmd(a), newBanListCmd(a), newBanRmCmd(a))
	return cmd
}

func newBanAddCmd(a *app) *cobra.Command {
	var email, ip, cidr, name, ttl, reason, hidePast, hideAs, site string
	cmd := &cobra.Command{
		Use:   "add (--email E | --ip IP | --cidr C | --name N) [--site S] [--ttl 24h] [--reason …] [--hide-past 72h [--hide-as pending|spam]]",
		Short: "Ban an email, an IP address, a CIDR range or an author name",
		Long: `Ban exactly one email, IP address, CIDR range or author name. Without
--ttl the ban never expires. The reason is for other moderators. --site bans
on that site alone: other sites' comments from the same reader are published
as before.

--hide-past (at most 30d) also hides, in the same step, the comments the ban
would have filed as spam that were published that far back, on every site
(on the ban's site alone with --site): they go to the queue as pending, or with --hide-as spam to spam. IPs are
matched only while commentd still keeps them. "ban rm --restore" puts back
those that no moderator has decided on since.`,
		Example: `  commentctl ban add --email spammer@example.com --reason "casino links"
  commentctl ban add --email troll@example.com --hide-past 72h
  commentctl ban add --email troll@example.com --site news --reason "abuse of reporters"
  commentctl ban add --ip 203.0.113.7 --ttl 24h
  commentctl ban add --cidr 198.51.100.0/24 --ttl 7d --reason "bot network"
  commentctl ban add --name "Free Recharge" --ttl 30d`,
		Args: cobra.NoArgs,
	}
	fs := cmd.Flags()
	fs.StringVar(&email, "email", "", "an email address (any case)")
	fs.StringVar(&ip, "ip", "", "one IPv4 or IPv6 address")
	fs.StringVar(&cidr, "cidr", "", "an IPv4 or IPv6 range, such as 203.0.113.0/24")
	fs.StringVar(&name, "name", "", "an author name (compared on its normalised form)")
	fs.StringVar(&ttl, "ttl", "", "how long the ban lasts, such as 24h or 30d; none means for ever")
	fs.StringVar(&reason, "reason", "", "why, for other moderators")
	fs.StringVar(&hidePast, "hide-past", "", "also hide the matching comments published this far back, such as 72h or 7d (at most 30d)")
	fs.StringVar(&hideAs, "hide-as", "pending", "what hidden comments become: pending or spam")
	fs.StringVar(&site, "site", "", "ban on this `site` alone; default every site")
	cmd.MarkFlagsOneRequired("email", "ip", "cidr", "name")
	cmd.MarkFlagsMutuallyExclusive("email", "ip", "cidr", "name")
	cmd.RunE = runE(func(ctx context.Context, _ *cobra.Command, _ []string) error {
		if err := a.onlyOutputs("ban add", outTable, outJSON, outIDs); err != nil {
			return err
		}
		d, err := parseTTL("--ttl", ttl)
		if err != nil {
			return err
		}
		req := &pb.CreateBanRequest{}
		if hidePast != "" {
			hp, err := parseTTL("--hide-past", hidePast)
			if err != nil {
				return err
			}
			req.HidePast = durationpb.New(hp)
		}
		switch hideAs {
		case "pending":
			req.HideAs = pb.CommentStatus_COMMENT_STATUS_PENDING
		case "spam":
			req.HideAs = pb.CommentStatus_COMMENT_STATUS_SPAM
		default:
			return usageErrorf("--hide-as must be pending or spam, got %q", hideAs)
		}
		if hidePast == "" {
			if cmd.Flags().Changed("hide-as") {
				return usageErrorf("--hide-as needs --hide-past")
			}
			req.HideAs = pb.CommentStatus_COMMENT_STATUS_UNSPECIFIED
		}
		ban := &pb.Ban{Reason: reason, Site: site}
		switch {
		case email != "":
			ban.Target = &pb.Ban_Email{Email: email}
		case ip != "":
			ban.Target = &pb.Ban_Ip{Ip: ip}
		case cidr != "":
			ban.Target = &pb.Ban_Cidr{Cidr: cidr}
		default:
			ban.Target = &pb.Ban_Name{Name: name}
		}
		if d > 0 {
			ban.ExpireTime = timestamppb.New(a.now().Add(d))
		}
		c, err := a.dial(ctx)
		if err != nil {
			return err
		}
		req.Ban = ban
		// A fresh request id: the client's retries of this request, after
		// UNAVAILABLE, then return the first ban rather than make two.
		req.RequestId = uuid.NewString()
		resp, err := c.Moderation.CreateBan(ctx, req)
		if err != nil {
			return fmt.Errorf("create ban: %w", err)
		}
		switch a.output {
		case outJSON:
			return printJSON(a, resp.GetBan())
		case outIDs:
			a.printf("%s\n", resp.GetBan().GetId())
			return nil
		}
		b := resp.GetBan()
		until := "for ever"
		if b.GetExpireTime() != nil {
			until = "until " + expiry(b, a.now())
		}
		where := ""
		if b.GetSite() != "" {
			where = " on site " + termsafe.Line(b.GetSite())
		}
		a.printf("banned %s %s%s %s (ban %s)\n", banKind(b), termsafe.Line(banTarget(b)), where, until, b.GetId())
		if req.HidePast != nil {
			a.printf("hid %d published comments of the past %s as %s\n", len(resp.GetHiddenCommentIds()), hidePast, hideAs)
			for _, id := range resp.GetHiddenCommentIds() {
				a.printf("  %s\n", id)
			}
		}
		return nil
	})
	return cmd
}

func newBanListCmd(a *app) *cobra.Command {
	var site string
	cmd := &cobra.Command{
		Use:     "list [--site S]",
		Aliases: []string{"ls"},
		Short:   "List the bans in force",
		Long: `List the bans in force: what is banned, on which site ("*" for every
site), until when, by whom and why. --site lists only the bans in force on
that site: the global ones and its own.`,
		Example: `  commentctl ban list
  commentctl ban list --site news
  commentctl ban list -o json`,
		Args: cobra.NoArgs,
		RunE: runE(func(ctx context.Context, _ *cobra.Command, _ []string) error {
			c, err := a.dial(ctx)
			if err != nil {
				return err
			}
			var bans []*pb.Ban
			for b, err := range c.Bans(ctx, &pb.ListBansRequest{PageSize: 100, Site: site}) {
				if err != nil {
					return fmt.Errorf("list bans: %w", err)
				}
				bans = append(bans, b)
			}
			switch a.output {
			case outJSON:
				return printJSONList(a, bans)
			case outIDs:
				for _, b := range bans {
					a.printf("%s\n", b.GetId())
				}
				return nil
			}
			if len(bans) == 0 {
				a.warnf("no bans")
				return nil
			}
			now := a.now()
			t := table.New(
				table.Column{Header: "ID"},
				table.Column{Header: "KIND"},
				table.Column{Header: "TARGET", Max: 40},
				table.Column{Header: "SITE", Max: 32},
				table.Column{Header: "EXPIRES"},
				table.Column{Header: "BY", Max: 16},
				table.Column{Header: "AGE", Align: table.Right},
				table.Column{Header: "REASON", Max: 60, Flex: true},
			)
			for _, b := range bans {
				t.Row(b.GetId(), banKind(b), banTarget(b), siteName(b.GetSite()), expiry(b, now), b.GetCreatedBy(), age(b.GetCreateTime(), now), b.GetReason())
			}
			return t.Write(a.stdout, a.termWidth())
		}),
	}
	cmd.Flags().StringVar(&site, "site", "", "only the bans in force on this `site`: the global ones and its own")
	return cmd
}

func newBanRmCmd(a *app) *cobra.Command {
	var restore bool
	cmd := &cobra.Command{
		Use:     "rm ID…|-",
		Aliases: []string{"delete", "lift"},
		Short:   "Lift bans",
		Long: `Lift bans by id (see ban list); - reads ids from standard input, one a
line. Each id gets a line, "removed ID" or "failed ID: …"; the exit status
is 1 when any failed. --restore also puts back the comments the ban hid
(ban add --hide-past) that no moderator has moved or confirmed since.`,
		Example: `  commentctl ban rm 01a21b00-1c2d-7e3f-8a9b-0c1d2e3f4a5b
  commentctl ban rm --restore 01a21b00-1c2d-7e3f-8a9b-0c1d2e3f4a5b
  commentctl ban list -o ids | commentctl ban rm -`,
		Args: cobra.MinimumNArgs(1),
		RunE: runE(func(ctx context.Context, _ *cobra.Command, args []string) error {
			if err := a.onlyOutputs("ban rm", outTable, outIDs); err != nil {
				return err
			}
			ids, bad, err := a.readIDs(args)
			if err != nil {
				return err
			}
			failed := false
			fail := func(id string, code codes.Code, msg string) {
				line := fmt.Sprintf("failed %s: %s %s", termsafe.Line(id), codeName(code), termsafe.Line(msg))
				if a.output == outIDs {
					a.warnf("%s", line) // keep standard output ids only
				} else {
					a.printf("%s\n", line)
				}
				failed = true
			}
			for _, b := range bad {
				fail(b, codes.InvalidArgument, "not a ban id")
			}
			if len(ids) == 0 {
				return nil
			}
			c, err := a.dial(ctx)
			if err != nil {
				return err
			}
			for _, id := range ids {
				resp, err := c.Moderation.DeleteBan(ctx, &pb.DeleteBanRequest{Id: id, Restore: restore})
				switch code := status.Code(err); {
				case code == codes.OK && a.output == outIDs:
					a.printf("%s\n", id)
				case code == codes.OK && restore:
					a.printf("removed %s; restored %d hidden comments, kept %d decided since\n",
						id, len(resp.GetRestoredCommentIds()), resp.GetKeptCount())
					for _, cid := range resp.GetRestoredCommentIds() {
						a.printf("  %s\n", cid)
					}
				case code == codes.OK:
					a.printf("removed %s\n", id)
				case code == codes.NotFound, code == codes.InvalidArgument:
					fail(id, code, status.Convert(err).Message())
				default:
					return fmt.Errorf("delete ban %s: %w", id, err)
				}
			}
			if failed {
				return errReported
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&restore, "restore", false, "put back the comments the ban hid that are still as it left them")
	return cmd
}

func banKind(b *pb.Ban) string {
	switch b.GetTarget().(type) {
	case *pb.Ban_Email:
		return "email"
	case *pb.Ban_Ip:
		return "ip"
	case *pb.Ban_Cidr:
		return "cidr"
	case *pb.Ban_Name:
		return "name"
	}
	return "?"
}

func banTarget(b *pb.Ban) string {
	switch t := b.GetTarget().(type) {
	case *pb.Ban_Email:
		return t.Email
	case *pb.Ban_Ip:
		return t.Ip
	case *pb.Ban_Cidr:
		return t.Cidr
	case *pb.Ban_Name:
		return t.Name
	}
	return ""
}

// expiry is when a ban ends, for people.
func expiry(b *pb.Ban, now time.Time) string {
	if b.GetExpireTime() == nil {
		return "never"
	}
	t := b.GetExpireTime().AsTime()
	return fmt.Sprintf("%s (in %s)", t.Local().Format("2006-01-02 15:04 MST"), shortDuration(t.Sub(now)))
}
