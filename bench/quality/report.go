package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// tally counts one share's answers by truth and decision.
type tally struct {
	decided map[bool]map[pb.CommentStatus]int // by spam, then status
	total   map[bool]int                      // stored comments by spam
	refused map[bool]int                      // ALREADY_EXISTS, by spam
	rules   map[string]*ruleTally
}

// ruleTally is how often one rule fired, on what.
type ruleTally struct {
	rule          string
	actions       map[pb.RuleAction]bool
	onSpam, onHam int
}

func newTally() *tally {
	return &tally{
		decided: map[bool]map[pb.CommentStatus]int{true: {}, false: {}},
		total:   map[bool]int{}, refused: map[bool]int{}, rules: map[string]*ruleTally{},
	}
}

func (t *tally) add(spam bool, resp *pb.SubmitCommentResponse) {
	t.total[spam]++
	t.decided[spam][resp.GetStatus()]++
	seen := map[string]bool{} // a rule counts once per comment
	for _, r := range resp.GetReasons() {
		rt := t.rules[r.GetRule()]
		if rt == nil {
			rt = &ruleTally{rule: r.GetRule(), actions: map[pb.RuleAction]bool{}}
			t.rules[r.GetRule()] = rt
		}
		rt.actions[r.GetAction()] = true
		if seen[r.GetRule()] {
			continue
		}
		seen[r.GetRule()] = true
		if spam {
			rt.onSpam++
		} else {
			rt.onHam++
		}
	}
}

// share is the fraction of the class's stored comments decided st.
func (t *tally) share(spam bool, st pb.CommentStatus) float64 {
	if t.total[spam] == 0 {
		return 0
	}
	return float64(t.decided[spam][st]) / float64(t.total[spam])
}

func (t *tally) cell(spam bool, st pb.CommentStatus) string {
	return fmt.Sprintf("%d (%s)", t.decided[spam][st], pct(t.share(spam, st)))
}

func pct(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }

const (
	published = pb.CommentStatus_COMMENT_STATUS_PUBLISHED
	held      = pb.CommentStatus_COMMENT_STATUS_PENDING
	spamSt    = pb.CommentStatus_COMMENT_STATUS_SPAM
)

// targets are the issue's, on the unseen share after 400 spam and 400
// ham decisions.
var targets = []struct {
	what   string
	spam   bool
	status pb.CommentStatus
	atMost bool
	limit  float64
}{
	{"spam filed as spam", true, spamSt, false, 0.85},
	{"spam published", true, published, true, 0.03},
	{"ham filed as spam", false, spamSt, true, 0.01},
	{"ham held for a moderator", false, held, true, 0.20},
}

func printReport(w io.Writer, o options, r *results) {
	fmt.Fprintf(w, "## Quality: SpamAssassin public corpus (%s@%s, groups spam-1 and easy-ham-1)\n\n", corpusPackage, corpusVersion)
	fmt.Fprintf(w, "%d messages, %d without any text skipped. Seed %d. Policy: rate limits off, first-time hold off, default published.\n",
		r.corpus, r.skipped, o.seed)
	fmt.Fprintf(w, "Training share: %d spam + %d ham, then decided by the moderator: ", r.train.total[true], r.train.total[false])
	var acts []string
	for _, a := range []pb.ModerationAction{pb.ModerationAction_MODERATION_ACTION_MARK_SPAM, pb.ModerationAction_MODERATION_ACTION_APPROVE} {
		m := r.moderated[a]
		acts = append(acts, fmt.Sprintf("%s %d (%d changed)", strings.TrimPrefix(a.String(), "MODERATION_ACTION_"), m.calls, m.changed))
	}
	fmt.Fprintf(w, "%s. Unseen share: %d spam + %d ham.\n", strings.Join(acts, ", "), r.unseen.total[true], r.unseen.total[false])
	if n := r.train.refused[true] + r.train.refused[false] + r.unseen.refused[true] + r.unseen.refused[false]; n > 0 {
		fmt.Fprintf(w, "%d submissions were refused ALREADY_EXISTS (the same sender, text and article) and are not counted.\n", n)
	}

	fmt.Fprintf(w, "\n| share | spam filed as spam | spam held | spam published | ham published | ham held | ham filed as spam |\n")
	fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range []struct {
		name string
		t    *tally
	}{{"training, before learning (as submitted)", r.train}, {"unseen, after learning", r.unseen}} {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", s.name,
			s.t.cell(true, spamSt), s.t.cell(true, held), s.t.cell(true, published),
			s.t.cell(false, published), s.t.cell(false, held), s.t.cell(false, spamSt))
	}

	fmt.Fprintf(w, "\n| target (unseen share) | wanted | measured | met |\n|---|---:|---:|---|\n")
	for _, tg := range targets {
		got := r.unseen.share(tg.spam, tg.status)
		want, met := "≥ "+pct(tg.limit), got >= tg.limit
		if tg.atMost {
			want, met = "≤ "+pct(tg.limit), got <= tg.limit
		}
		mark := "no"
		if met {
			mark = "yes"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", tg.what, want, pct(got), mark)
	}

	printRules(w, "training share, before learning", r.train)
	printRules(w, "unseen share, after learning", r.unseen)
}

// printRules prints every rule that fired in t, most firings first, with
// its precision: the share of its firings that were on spam.
func printRules(w io.Writer, share string, t *tally) {
	rules := make([]*ruleTally, 0, len(t.rules))
	for _, rt := range t.rules {
		rules = append(rules, rt)
	}
	slices.SortFunc(rules, func(a, b *ruleTally) int {
		return cmp.Or(cmp.Compare(b.onSpam+b.onHam, a.onSpam+a.onHam), cmp.Compare(a.rule, b.rule))
	})
	fmt.Fprintf(w, "\nRules, %s (%d spam, %d ham):\n\n", share, t.total[true], t.total[false])
	fmt.Fprintf(w, "| rule | action | fired | on spam | on ham | precision |\n|---|---|---:|---:|---:|---:|\n")
	if len(rules) == 0 {
		fmt.Fprintf(w, "| (none fired) | | 0 | 0 | 0 | – |\n")
	}
	for _, rt := range rules {
		var acts []string
		for a := range rt.actions {
			acts = append(acts, strings.TrimPrefix(a.String(), "RULE_ACTION_"))
		}
		slices.Sort(acts)
		fired := rt.onSpam + rt.onHam
		fmt.Fprintf(w, "| %s | %s | %d | %d | %d | %s |\n", rt.rule, strings.Join(acts, ", "), fired, rt.onSpam, rt.onHam,
			pct(float64(rt.onSpam)/float64(fired)))
	}
}
