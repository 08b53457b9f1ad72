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
// that a busy site's window costs a bounded time and memory: about 4 s on
// SQLite, a few pages of comments in memory at a time.
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
	count := func(c Comment) {
		// The same verdict a backtest reads: a status a moderator moved
		// the comment to or confirmed; deleting is none.
		j := judgmentOf(c)
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
			if j == JudgedUndecided {
				continue
			}
			st.Decided++
			// An ALLOW vouches for the comment; every other action
			// (HOLD, SPAM, SCORE, and a shadow rule's would-be hold or
			// block) points toward spam.
			if (r.Action == RuleAllow) != (j == JudgedSpam) {
				st.Agreed++
			}
		}
	}

	// One listing per status, merged newest first: each follows the
	// stores' (status, create_time, id) index, where one listing of every
	// status sorts the rest of the window again for each page (13 s for
	// 100,000 comments on SQLite, against 2 s).
	var streams []*commentStream
	for _, st := range []Status{StatusPublished, StatusPending, StatusSpam, StatusRejected, StatusDeleted} {
		streams = append(streams, &commentStream{store: s.store, f: Filter{
			Statuses: []Status{st}, Site: site, Since: since, NewestFirst: true, Limit: ruleStatsPage,
		}})
	}
	var out RuleStats
	for {
		var next *commentStream
		for _, cs := range streams {
			c, err := cs.head(ctx)
			if err != nil {
				return RuleStats{}, err
			}
			if c != nil && (next == nil || newer(*c, next.buf[0])) {
				next = cs
			}
		}
		if next == nil {
			break
		}
		if out.Read == int64(maxRuleStatsComments) {
			out.Truncated = true
			break
		}
		count(next.buf[0])
		next.buf = next.buf[1:]
		out.Read++
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

// commentStream pages through one listing, newest first.
type commentStream struct {
	store Store
	f     Filter
	buf   []Comment
	done  bool
}

// head returns the stream's next comment without taking it, or nil at
// its end.
func (cs *commentStream) head(ctx context.Context) (*Comment, error) {
	if len(cs.buf) == 0 && !cs.done {
		page, err := cs.store.ListComments(ctx, cs.f)
		if err != nil {
			return nil, fmt.Errorf("list comments for rule stats: %w", err)
		}
		cs.buf, cs.done = page, len(page) < cs.f.Limit
		if n := len(page); n > 0 {
			cs.f.After = &Cursor{Time: page[n-1].CreateTime, ID: page[n-1].ID}
		}
	}
	if len(cs.buf) == 0 {
		return nil, nil
	}
	return &cs.buf[0], nil
}

// newer reports whether a comes before b newest first, by (create_time, id).
func newer(a, b Comment) bool {
	if !a.CreateTime.Equal(b.CreateTime) {
		return a.CreateTime.After(b.CreateTime)
	}
	return a.ID > b.ID
}
