package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/commentd/commentd/client"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

func newCheckCmd(a *app) *cobra.Command {
	var (
		req     = &pb.SubmitCommentRequest{Author: &pb.Author{}, Client: &pb.ClientInfo{}, ValidateOnly: true}
		siteKey string
	)
	cmd := &cobra.Command{
		Use:   "check --article A --name N --email E [--ip IP] [--url U] TEXT|-",
		Short: "Run a text through the rules without storing anything",
		Long: `Run a comment through every check and rule, as SubmitComment with
validate_only, and print the decision (published, pending or spam) with
every reason: the rule, its action, score and detail, and the text it
matched. Nothing is stored, but the check takes rate-limit budget from the
IP and email given, like a comment. Use it to try a new word-list term
before a reader meets it. A ban shows as the generic reason a site sees.

The text is the argument, or standard input with -. The author's history
counts as for a real comment: a first-time author is held. The policy line
says whose policy decided: a site's own (with the settings its sites: block
in the policy file overrides) or the global one. --site names the site to
check against; a site key checks only against its own site.

check calls CommentService, which site backends call. With a site key
(--site-key or COMMENTCTL_SITE_KEY) it checks as that site; without one,
your moderator token checks against the site --site names, any site.`,
		Example: `  commentctl check --article 2026/11/budget-session --name "Rahul Verma" \
      --email rahul@example.com "Best online casino, join now"

  commentctl check --article test --name Test --email test@example.com --ip 203.0.113.7 - < comment.txt`,
		Args: cobra.ExactArgs(1),
	}
	fs := cmd.Flags()
	fs.StringVar(&req.ArticleId, "article", "", "the article `id` (required)")
	fs.StringVar(&req.Author.Name, "name", "", "the author's `name` (required)")
	fs.StringVar(&req.Author.Email, "email", "", "the author's `email` (required)")
	fs.StringVar(&req.Author.Url, "url", "", "the author's web site")
	fs.StringVar(&req.Client.Ip, "ip", "", "the reader's IP address")
	fs.StringVar(&req.Client.UserAgent, "user-agent", "", "the reader's User-Agent")
	fs.StringVar(&req.Site, "site", "", "check against this `site`'s policy and lists (needed with a moderator token); default the site key's site")
	fs.StringVar(&siteKey, "site-key", "", "a site key for CommentService (env COMMENTCTL_SITE_KEY); default the --token")
	fromEnv(fs, "site-key")
	for _, f := range []string{"article", "name", "email"} {
		cmd.MarkFlagRequired(f)
	}
	cmd.RunE = runE(func(ctx context.Context, _ *cobra.Command, args []string) error {
		if err := a.onlyOutputs("check", outTable, outJSON); err != nil {
			return err
		}
		req.Body = args[0]
		if args[0] == "-" {
			b, err := io.ReadAll(io.LimitReader(a.stdin, 1<<20))
			if err != nil {
				return fmt.Errorf("read standard input: %w", err)
			}
			req.Body = string(b)
		}
		c, err := a.checkClient(ctx, siteKey)
		if err != nil {
			return err
		}
		resp, err := c.Comments.SubmitComment(ctx, req)
		if err != nil {
			return fmt.Errorf("check: %w", err)
		}
		if a.output == outJSON {
			return printJSON(a, resp)
		}
		a.printf("decision  %s", strings.ToUpper(statusName(resp.GetStatus())))
		if resp.GetScore() != 0 {
			a.printf(" (score %s)", strconv.FormatFloat(resp.GetScore(), 'f', -1, 64))
		}
		a.printf("\n")
		if len(resp.GetReasons()) == 0 {
			a.printf("reasons   none: no rule matched\n")
		}
		for i, r := range resp.GetReasons() {
			k := ""
			if i == 0 {
				k = "reasons"
			}
			a.printf("%-9s %s\n", k, reasonLine(r))
		}
		a.printf("%-9s %s\n", "policy", policyLine(resp.GetPolicy()))
		a.printf("(nothing was stored)\n")
		return nil
	})
	return cmd
}

// policyLine says whose policy decided a check.
func policyLine(p *pb.AppliedPolicy) string {
	switch {
	case p.GetSite() == "":
		return "global"
	case len(p.GetOverrides()) == 0:
		return "site " + p.GetSite() + " (its own word lists or bans; no overrides)"
	}
	return "site " + p.GetSite() + " (overrides: " + strings.Join(p.GetOverrides(), ", ") + ")"
}

// checkClient is the moderator's connection, or another one carrying the
// site key when there is one.
func (a *app) checkClient(ctx context.Context, siteKey string) (*client.Client, error) {
	if siteKey == "" || siteKey == a.token {
		return a.dial(ctx)
	}
	return a.dialToken(ctx, siteKey)
}
