package moderation

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// RuleStatsWindow is the window RuleStats reads when it is given no start.
const RuleStatsWindow = 30 * 24 * time.Hour

// MaxRuleStatsComments bounds the comments one RuleStats call reads, so
// that a busy site's window costs a bounded time and memory: at about
// 2 KB a comment, one page at a time, well under a second per 10,000.
const MaxRuleStatsComments = 200_000

// maxRuleStatsComments is MaxRuleStatsComments, lowered by tests of the
// bound.
var maxRuleStatsComments = MaxRuleStatsComments

// ruleStatsSiteRunes bounds the site filter: site names are the operator's
// own, short words such as "news".
const ruleStatsSiteRunes = 256

// ruleStatsPage is how many comments RuleStats reads per store call.
const ruleStatsPage = 1000

// RuleStat is how one rule, with one action, fared with the moderators.
type RuleStat struct {
	Rule    string
	Action  RuleAction
	Fired   int64 // comments it fired on
	Decided int64 // of those, decided by a moderator (deleting is not deciding)
	Agreed  int64 // of those, decided the way the rule pointed
}

// RuleStats is what RuleStats found in a window.
type RuleStats struct {
	Stats []RuleStat // most firings first
	Read  int64      // comments read
	// Truncated: the window holds more than MaxRuleStatsComments; Stats
	// cover its newest Read comments.
	Truncated bool
}

// RuleStats counts, for every rule and action found in the reasons of
// the comments of site (every site when empty) created at or after since
// (RuleStatsWindow back from now when zero), how often it fired, how often
// a moderator later decided the comment and how often that decision
// agreed with the rule. It reads at most MaxRuleStatsComments comments,
// newest first.
func (s *Service) RuleStats(ctx context.Context, site string, since time.Time) (RuleStats, error) {
	var v violations
	if site != "" {
		v.check("site", checkText(site, ruleStatsSiteRunes))
	}
	v.check("start_time", checkTime(since))
	if len(v) > 0 {
		return RuleStats{}, Invalid(v...)
	}
	if since.IsZero() {
		since = s.clock().Add(-RuleStatsWindow)
	}

	type key struct {
		rule   string
		action RuleAction
	}
	counts := map[key]*RuleStat{}
	var out RuleStats
	f := Filter{
		Statuses:    []Status{StatusPublished, StatusPending, StatusSpam, StatusRejected, StatusDeleted},
		Site:        site,
		Since:       since,
		NewestFirst: true,
		Limit:       ruleStatsPage,
	}
	for {
		f.Limit = min(ruleStatsPage, maxRuleStatsComments-int(out.Read))
		if f.Limit == 0 {
			// One more comment tells a full window from a larger one.
			f.Limit = 1
			more, err := s.store.ListComments(ctx, f)
			if err != nil {
				return RuleStats{}, fmt.Errorf("list comments for rule stats: %w", err)
			}
			out.Truncated = len(more) > 0
			break
		}
		cs, err := s.store.ListComments(ctx, f)
		if err != nil {
			return RuleStats{}, fmt.Errorf("list comments for rule stats: %w", err)
		}
		for _, c := range cs {
			decided, spam := decision(c)
			seen := map[key]bool{} // a rule counts once per comment and action
			for _, r := range c.Reasons {
				k := key{r.Rule, r.Action}
				if seen[k] {
					continue
				}
				seen[k] = true
				st := counts[k]
				if st == nil {
					st = &RuleStat{Rule: r.Rule, Action: r.Action}
					counts[k] = st
				}
				st.Fired++
				if !decided {
					continue
				}
				st.Decided++
				// An ALLOW vouches for the comment; every other action
				// (HOLD, SPAM, SCORE, and a shadow rule's would-be hold or
				// block) points toward spam.
				if (r.Action == RuleAllow) != spam {
					st.Agreed++
				}
			}
		}
		out.Read += int64(len(cs))
		if len(cs) < f.Limit {
			break
		}
		last := cs[len(cs)-1]
		f.After = &Cursor{Time: last.CreateTime, ID: last.ID}
	}

	out.Stats = make([]RuleStat, 0, len(counts))
	for _, st := range counts {
		out.Stats = append(out.Stats, *st)
	}
	slices.SortFunc(out.Stats, func(a, b RuleStat) int {
		return cmp.Or(cmp.Compare(b.Fired, a.Fired), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Action, b.Action))
	})
	return out, nil
}

// decision reports whether a moderator decided c, and if so whether they
// found it unwanted (spam or rejected) rather than published. A deletion,
// or a comment no moderator touched, is no decision.
func decision(c Comment) (decided, spam bool) {
	if c.ModeratedBy == "" {
		return false, false
	}
	switch c.Status {
	case StatusPublished:
		return true, false
	case StatusSpam, StatusRejected:
		return true, true
	}
	return false, false
}
