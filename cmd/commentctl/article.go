package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/commentd/commentd/cmd/commentctl/internal/termsafe"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

func newArticleCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "article",
		Short: "Show or set how an article takes new comments",
		Long: `An article is open (the rules decide), premoderated (every new comment
the rules would publish is held for a moderator) or closed (new comments
are refused). --close-after closes an article a given time after its
first published comment, whatever its mode. Every replica applies a
change within seconds; changes are audited as article.settings.`,
		Example: `  # Hold every comment on a sensitive story for a moderator.
  commentctl article set 2026/11/election-results --mode premoderated

  # Close comments 30 days after the first one.
  commentctl article set 2026/11/budget-session --mode open --close-after 720h

  commentctl article show 2026/11/budget-session`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newArticleSetCmd(a), newArticleShowCmd(a))
	return cmd
}

// articleModes are --mode's values.
var articleModes = map[string]pb.ArticleMode{
	"open":         pb.ArticleMode_ARTICLE_MODE_OPEN,
	"premoderated": pb.ArticleMode_ARTICLE_MODE_PREMODERATED,
	"closed":       pb.ArticleMode_ARTICLE_MODE_CLOSED,
}

func newArticleSetCmd(a *app) *cobra.Command {
	var (
		req        pb.SetArticleSettingsRequest
		mode       string
		closeAfter time.Duration
	)
	cmd := &cobra.Command{
		Use:   "set ARTICLE --mode open|premoderated|closed [--close-after 720h]",
		Short: "Set an article's mode and when it closes",
		Long: `Set an article's mode: open, premoderated or closed. --close-after closes
it that long after its first published comment (0, the default, never);
the settings are replaced as a whole, so give it again to keep it.
ARTICLE is the site's own article id, as its comments carry it.`,
		Example: `  commentctl article set 2026/11/election-results --mode premoderated --note "legal asked"
  commentctl article set 2026/11/budget-session --mode open --close-after 720h
  commentctl article set 2026/11/old-story --mode closed --site news`,
		Args: cobra.ExactArgs(1),
	}
	fs := cmd.Flags()
	fs.StringVar(&mode, "mode", "", "open, premoderated or closed (required)")
	fs.DurationVar(&closeAfter, "close-after", 0, "close the article this long after its first published comment, such as 720h; 0 never")
	fs.StringVar(&req.Site, "site", "default", "the `site` the article belongs to: a site key's name")
	fs.StringVar(&req.Note, "note", "", "why, for the audit trail")
	cmd.RegisterFlagCompletionFunc("mode", fixedCompletions("open", "premoderated", "closed"))
	cmd.RunE = runE(func(ctx context.Context, _ *cobra.Command, args []string) error {
		if err := a.onlyOutputs("article set", outTable, outJSON); err != nil {
			return err
		}
		m, ok := articleModes[strings.ToLower(mode)]
		if !ok {
			return usageErrorf("--mode must be open, premoderated or closed, not %q", mode)
		}
		if closeAfter < 0 {
			return usageErrorf("--close-after must be 0 (never) or more, not %s", closeAfter)
		}
		req.ArticleId, req.Mode = args[0], m
		if closeAfter > 0 {
			req.CloseAfter = durationpb.New(closeAfter)
		}
		c, err := a.dial(ctx)
		if err != nil {
			return err
		}
		resp, err := c.Moderation.SetArticleSettings(ctx, &req)
		if err != nil {
			return fmt.Errorf("set article settings: %w", err)
		}
		return a.printArticle(resp.GetSettings())
	})
	return cmd
}

func newArticleShowCmd(a *app) *cobra.Command {
	var req pb.GetArticleSettingsRequest
	cmd := &cobra.Command{
		Use:   "show ARTICLE",
		Short: "Show an article's mode and when it closes",
		Long: `Show an article's mode (open when no moderator set one), its close-after
with the time of its first published comment and when it closes, whether
it takes new comments now, and who set it when.`,
		Example: `  commentctl article show 2026/11/budget-session --site news`,
		Args:    cobra.ExactArgs(1),
	}
	cmd.Flags().StringVar(&req.Site, "site", "default", "the `site` the article belongs to: a site key's name")
	cmd.RunE = runE(func(ctx context.Context, _ *cobra.Command, args []string) error {
		if err := a.onlyOutputs("article show", outTable, outJSON); err != nil {
			return err
		}
		req.ArticleId = args[0]
		c, err := a.dial(ctx)
		if err != nil {
			return err
		}
		resp, err := c.Moderation.GetArticleSettings(ctx, &req)
		if err != nil {
			return fmt.Errorf("get article settings: %w", err)
		}
		return a.printArticle(resp.GetSettings())
	})
	return cmd
}

func (a *app) printArticle(s *pb.ArticleSettings) error {
	if a.output == outJSON {
		return printJSON(a, s)
	}
	state := "open: takes new comments"
	switch {
	case s.GetClosed():
		state = "closed: refuses new comments"
	case s.GetMode() == pb.ArticleMode_ARTICLE_MODE_PREMODERATED:
		state = "open: holds every new comment for a moderator"
	}
	line := func(k, v string) { a.printf("%-14s %s\n", k+":", v) }
	line("article", termsafe.Line(s.GetArticleId())+" (site "+termsafe.Line(s.GetSite())+")")
	line("mode", strings.ToLower(strings.TrimPrefix(s.GetMode().String(), "ARTICLE_MODE_")))
	if d := s.GetCloseAfter(); d != nil {
		line("close after", d.AsDuration().String()+" after the first published comment")
		switch {
		case s.GetCloseTime() != nil:
			line("first comment", localTime(s.GetFirstCommentTime()))
			line("closes", localTime(s.GetCloseTime()))
		default:
			line("closes", "-, no published comment yet")
		}
	}
	line("now", state)
	if s.GetUpdateTime() != nil {
		line("set", localTime(s.GetUpdateTime())+" by "+termsafe.Line(s.GetUpdatedBy()))
	}
	return nil
}
