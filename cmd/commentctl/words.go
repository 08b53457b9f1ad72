package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/commentd/commentd/client"
	"github.com/commentd/commentd/cmd/commentctl/internal/table"
	"github.com/commentd/commentd/cmd/commentctl/internal/termsafe"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

var wordListNames = []string{"block", "hold", "allow", "shadow"}

// parseWordList reads a word list's name in any case: block, HOLD,
// WORD_LIST_ALLOW.
func parseWordList(s string) (pb.WordList, error) {
	name := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "WORD_LIST_")
	if v, ok := pb.WordList_value["WORD_LIST_"+name]; ok && v != 0 {
		return pb.WordList(v), nil
	}
	return 0, usageErrorf("the word list must be BLOCK, HOLD, ALLOW or SHADOW (any case), not %q", s)
}

func wordListName(l pb.WordList) string { return strings.TrimPrefix(l.String(), "WORD_LIST_") }

func newWordsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "words",
		Short: "List and edit the BLOCK, HOLD, ALLOW and SHADOW word lists",
		Long: `A comment containing a BLOCK term is filed as spam, one containing a HOLD
term is held for a moderator, an ALLOW term is never a reason to hold
or block, and a SHADOW term only records that it would have fired (a
reason, no change to the decision), to try a term before it acts. Terms are words or phrases matched as whole words in every
script, after folding case, look-alike letters and spacing tricks; * at
the start or end of a word matches any letters. Every commentd replica
uses a change within seconds. Editing needs a token with the admin role.

A list is global, for every site, or with --site one site's own: that
site's comments are matched against the global terms and its own, other
sites' comments never see them. A term may be on both, or on two sites'
lists, and each is added and removed on its own.`,
		Example: `  commentctl words list
  commentctl words add block "online casino" "satta king"
  commentctl words add hold मत
  commentctl words add block --site news "lucky draw"
  commentctl words rm allow "bet*"`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newWordsListCmd(a), newWordsEditCmd(a, true), newWordsEditCmd(a, false))
	return cmd
}

func newWordsListCmd(a *app) *cobra.Command {
	var site string
	cmd := &cobra.Command{
		Use:     "list [BLOCK|HOLD|ALLOW|SHADOW] [--site S]",
		Aliases: []string{"ls"},
		Short:   "List the terms of every word list, or of one",
		Long: `List the terms of every word list, or of one: the global lists and every
site's own, the SITE column saying whose ("*" for every site). --site lists
only what applies to that site: the global terms and its own. -o ids prints
the terms alone, one a line; -o json the lists as an array.`,
		Example: `  commentctl words list
  commentctl words list --site news
  commentctl words list hold -o ids > hold.txt`,
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: wordListNames,
		RunE: runE(func(ctx context.Context, _ *cobra.Command, args []string) error {
			var only pb.WordList
			if len(args) == 1 {
				var err error
				if only, err = parseWordList(args[0]); err != nil {
					return err
				}
			}
			c, err := a.dial(ctx)
			if err != nil {
				return err
			}
			lists, err := wordLists(ctx, c, site, only)
			if err != nil {
				return err
			}
			switch a.output {
			case outJSON:
				return printJSONList(a, lists)
			case outIDs:
				for _, l := range lists {
					for _, t := range l.GetTerms() {
						a.printf("%s\n", t)
					}
				}
				return nil
			}
			t := table.New(table.Column{Header: "LIST"}, table.Column{Header: "SITE", Max: 32}, table.Column{Header: "TERM"})
			for _, l := range lists {
				for _, term := range l.GetTerms() {
					t.Row(wordListName(l.GetList()), siteName(l.GetSite()), term)
				}
			}
			if t.Len() == 0 {
				a.warnf("no terms")
				return nil
			}
			return t.Write(a.stdout, 0)
		}),
	}
	cmd.Flags().StringVar(&site, "site", "", "only the terms that apply to this `site`: the global ones and its own")
	return cmd
}

// siteName is a list's or a ban's site for people: "*" is every site.
func siteName(site string) string {
	if site == "" {
		return "*"
	}
	return site
}

// wordLists returns every list, or only one, of every site or of what
// applies to one.
func wordLists(ctx context.Context, c *client.Client, site string, only pb.WordList) ([]*pb.WordListTerms, error) {
	resp, err := c.Moderation.ListWordLists(ctx, &pb.ListWordListsRequest{Site: site})
	if err != nil {
		return nil, fmt.Errorf("list word lists: %w", err)
	}
	var out []*pb.WordListTerms
	for _, l := range resp.GetLists() {
		if only == 0 || l.GetList() == only {
			out = append(out, l)
		}
	}
	return out, nil
}

func newWordsEditCmd(a *app, add bool) *cobra.Command {
	use, short, verb := "rm LIST [--site S] TERM…|-", "Remove terms from a word list", "removed"
	if add {
		use, short, verb = "add LIST [--site S] TERM…|-", "Add terms to a word list", "added"
	}
	name := strings.Fields(use)[0]
	var site string
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Aliases: map[bool][]string{true: nil, false: {"remove"}}[add],
		Long: short + ` (BLOCK, HOLD, ALLOW or SHADOW, any case). Quote phrases; - reads
terms from standard input, one a line (blank lines and lines starting with
# are skipped). Prints how many terms changed and how many did not (added
terms already there, removed terms not there, named on a second line), with
the list's size before and after. --site changes that site's own list
instead of the one for every site. -o json prints the list after.`,
		Example: fmt.Sprintf(`  commentctl words %[1]s block "online casino" satta
  commentctl words %[1]s block --site news "lucky draw"
  commentctl words %[1]s hold - < terms.txt`, name),
		Args:      cobra.MinimumNArgs(2),
		ValidArgs: wordListNames,
		RunE: runE(func(ctx context.Context, _ *cobra.Command, args []string) error {
			if err := a.onlyOutputs("words "+name, outTable, outJSON); err != nil {
				return err
			}
			list, err := parseWordList(args[0])
			if err != nil {
				return err
			}
			terms := args[1:]
			if len(terms) == 1 && terms[0] == "-" {
				if terms, err = readLines(a.stdin); err != nil {
					return err
				}
			}
			if len(terms) == 0 {
				a.warnf("no terms on standard input; nothing to do")
				return nil
			}
			c, err := a.dial(ctx)
			if err != nil {
				return err
			}
			req := &pb.UpdateWordListRequest{List: list, Site: site}
			if add {
				req.Add = terms
			} else {
				req.Remove = terms
			}
			resp, err := c.Moderation.UpdateWordList(ctx, req)
			if err != nil {
				return fmt.Errorf("update word list %s: %w", wordListName(list), err)
			}
			if a.output == outJSON {
				return printJSON(a, resp.GetList())
			}
			changed, same, sameName := resp.GetAdded(), resp.GetPresent(), "already there"
			if !add {
				changed, same, sameName = resp.GetRemoved(), resp.GetAbsent(), "not there"
			}
			whose := wordListName(list)
			if site != "" {
				whose += " of site " + termsafe.Line(site)
			}
			now := len(resp.GetList().GetTerms())
			was := now - len(resp.GetAdded()) + len(resp.GetRemoved())
			a.printf("%s %d, %s %d: %s now has %d (was %d)\n", verb, len(changed), sameName, len(same), whose, now, was)
			if len(same) > 0 {
				safe := make([]string, len(same))
				for i, t := range same {
					safe[i] = termsafe.Line(t)
				}
				a.printf("  %s: %s\n", sameName, strings.Join(safe, ", "))
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&site, "site", "", "change this `site`'s own list; default the list for every site")
	return cmd
}
