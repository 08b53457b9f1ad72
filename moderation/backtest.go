package moderation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/commentd/commentd/moderation/textmatch"
)

// Backtest bounds.
const (
	DefaultBacktestExamples = 20
	MaxBacktestExamples     = 100
	// backtestPage is how many stored comments one read brings: memory
	// stays bounded whatever the window holds.
	backtestPage = 2000
)

// Judgment is what a moderator said of a comment, for a backtest and the
// rules' precision (RuleStats).
type Judgment int8

const (
	JudgedUndecided Judgment = 0 // no moderator decided it, or only deleted it
	JudgedHam       Judgment = 1 // approved, whether or not it was already published
	JudgedSpam      Judgment = 2 // marked as spam or rejected
)

var judgmentNames = [...]string{"undecided", "ham", "spam"}

func (v Judgment) String() string { return judgmentNames[v] }

// judgmentOf reads a moderator's decision off a stored comment: the status
// a moderator left it in, whether they moved it there or confirmed it
// where the rules had put it (the store records the moderator of both).
// RuleStats reads the same.
func judgmentOf(c Comment) Judgment {
	if c.ModeratedBy == "" {
		return JudgedUndecided
	}
	switch c.Status {
	case StatusPublished:
		return JudgedHam
	case StatusSpam, StatusRejected:
		return JudgedSpam
	}
	return JudgedUndecided
}

// WordListChange is a proposed change of one word list.
type WordListChange struct {
	List        WordList
	Add, Remove []string
}

// BacktestRequest proposes a policy and word-list changes to replay the
// stored comments of one site through.
type BacktestRequest struct {
	Site  string
	Since time.Time
	// Policy is the proposed policy; nil keeps the one in force.
	Policy *Policy
	// Changes are applied to the word lists in force, in order.
	Changes []WordListChange
	// Examples is how many moves to report: 0 means
	// DefaultBacktestExamples, at most MaxBacktestExamples.
	Examples int
}

// Move is a change of decision from From (the stored initial decision)
// to To (the proposed one).
type Move struct{ From, To Status }

// Cell is one cell of a confusion table: a decision against a moderator's
// verdict.
type Cell struct {
	Decision Status
	Judgment Judgment
}

// BacktestExample is one comment that would move, with the rules that
// made the difference.
type BacktestExample struct {
	ID       string
	From, To Status
	Judgment Judgment
	// Gained are the acting reasons of the proposed decision the stored
	// one lacks; Lost the stored ones it no longer has.
	Gained, Lost []Reason
}

// BacktestReport is what a proposed policy would have changed.
type BacktestReport struct {
	Since, Until time.Time
	// Replayed counts the comments replayed; Skipped those that cannot be
	// (erased: no text left to judge).
	Replayed, Skipped int
	// Proposed and Stored are the confusion tables of the proposed and of
	// the stored initial decisions against the moderators' verdicts.
	Proposed, Stored map[Cell]int
	// Moves counts the comments by stored and proposed decision, moved or
	// not; Moved those whose decision changes.
	Moves    map[Move]int
	Moved    int
	Examples []BacktestExample
}

// Backtest replays the stored comments of a site created since req.Since
// through a proposed policy and word lists, and reports what would
// change. It writes nothing and calls no rate limiter. Per comment it
// re-runs what the stored text decides — normalising, the bans in force,
// the content rules and the learned rule as it now is — and decides with
// the proposed policy. What the text does not decide is kept as stored:
// the limiter's campaign reason, the site's honeypot and form-time
// signals (not stored), and whether the author was a first-time
// commenter (held as one then: held as one again when the proposed policy
// holds first-timers) or known (see replay). progress, when set, is told
// after each page.
func (s *Service) Backtest(ctx context.Context, req BacktestRequest, progress func(done, total int)) (BacktestReport, error) {
	snap := s.rules.snapshot().forSite(req.Site)
	policy := snap.policy
	if req.Policy != nil {
		policy = *req.Policy
		if sp, ok := policy.Sites[req.Site]; ok {
			policy = sp.Policy
		}
	}
	if err := checkBacktest(&req, s.clock()); err != nil {
		return BacktestReport{}, err
	}
	rules, err := compileRules(policy.Rules, applyChanges(snap.words, req.Changes), snap.bans)
	if err != nil {
		return BacktestReport{}, Wrap(CodeInvalid, "the proposed rules do not compile", err)
	}
	until := s.clock()
	window := Filter{Statuses: allStatuses, Site: req.Site, Since: req.Since, Until: until, Limit: backtestPage}

	total, err := s.countComments(ctx, window)
	if err != nil {
		return BacktestReport{}, err
	}
	rep := BacktestReport{Since: req.Since, Until: until,
		Proposed: map[Cell]int{}, Stored: map[Cell]int{}, Moves: map[Move]int{}}
	done := 0
	for f := window; ; {
		page, err := s.store.ListComments(ctx, f)
		if err != nil {
			return BacktestReport{}, fmt.Errorf("backtest: list comments: %w", err)
		}
		for _, c := range page {
			if err := s.replay(ctx, policy, rules, c, until, req.Examples, &rep); err != nil {
				return BacktestReport{}, err
			}
		}
		done += len(page)
		if progress != nil {
			progress(done, max(total, done))
		}
		if len(page) < f.Limit {
			return rep, nil
		}
		if err := ctx.Err(); err != nil {
			return BacktestReport{}, err
		}
		last := page[len(page)-1]
		f.After = &Cursor{Time: last.CreateTime, ID: last.ID}
	}
}

// countComments counts the comments in f's window, page by page: the
// total a progress bar needs, at a fraction of the replay's cost.
func (s *Service) countComments(ctx context.Context, f Filter) (int, error) {
	n := 0
	for {
		page, err := s.store.ListComments(ctx, f)
		if err != nil {
			return 0, fmt.Errorf("backtest: count comments: %w", err)
		}
		n += len(page)
		if len(page) < f.Limit {
			return n, nil
		}
		last := page[len(page)-1]
		f.After = &Cursor{Time: last.CreateTime, ID: last.ID}
	}
}

// keptRules are the stored reasons a replay keeps: what the stored text
// alone does not decide.
var keptRules = map[string]bool{"campaign": true, "honeypot": true, "too_fast": true, "ratelimit_unavailable": true}

// replay decides one stored comment with the proposed rules and adds it
// to the report.
func (s *Service) replay(ctx context.Context, p Policy, rules *ruleSet, c Comment, now time.Time, examples int, rep *BacktestReport) error {
	from := c.InitialStatus
	if from == StatusDeleted || !from.Valid() {
		rep.Skipped++ // erased: a tombstone with nothing to judge
		return nil
	}
	sub := Submission{Site: c.Site, ArticleID: c.ArticleID, ParentID: c.ParentID, Author: c.Author, Body: c.Body, Client: c.Client}
	k := rules.keys(sub)
	reasons := rules.bans.match(sub, k[fieldIndex("name")].String(), now)
	firstTime := false
	for _, r := range c.Reasons {
		if keptRules[r.Rule] {
			reasons = append(reasons, r)
		}
		firstTime = firstTime || r.Rule == "first_time_commenter"
	}
	ruled := rules.assess(sub, &k)
	reasons = append(reasons, ruled.reasons...)
	if p.Rules.Learned.Enabled {
		if r, ok := s.learnedReason(p.Rules.Learned, sub, &k, ruled); ok {
			reasons = append(reasons, r)
		}
	}
	// A guess that files the comment as spam holds it instead for a
	// known author. Whether the author had a published comment then is
	// not stored: one held as a first-time author had none, nor had one a
	// guess filed as spam; of the others, an author counts as known when
	// the site holds a published comment of theirs now (after the
	// moderators' decisions since) — the store's own answer, asked only
	// for the few comments a guess would file as spam.
	if !firstTime && slices.ContainsFunc(reasons, isSpamGuess) && !slices.ContainsFunc(c.Reasons, isSpamGuess) {
		prior, err := s.store.Prior(ctx, PriorQuery{Site: c.Site, AuthorKey: c.AuthorKey})
		if err != nil {
			return fmt.Errorf("backtest: look up the author: %w", err)
		}
		if prior.Approved {
			holdGuesses(reasons)
		}
	}
	to, reasons, _ := decide(p, reasons, !firstTime)

	v := judgmentOf(c)
	rep.Replayed++
	rep.Proposed[Cell{to, v}]++
	rep.Stored[Cell{from, v}]++
	rep.Moves[Move{from, to}]++
	if from == to {
		return nil
	}
	rep.Moved++
	if len(rep.Examples) < examples {
		rep.Examples = append(rep.Examples, BacktestExample{ID: c.ID, From: from, To: to, Judgment: v,
			Gained: difference(reasons, c.Reasons), Lost: difference(c.Reasons, reasons)})
	}
	return nil
}

// difference returns the reasons of a that act on a decision and that b
// has not: the same rule, action and matched text.
func difference(a, b []Reason) []Reason {
	var out []Reason
	for _, r := range a {
		if r.Action == RuleShadow || r.Action == RuleUnspecified {
			continue
		}
		if !slices.ContainsFunc(b, func(o Reason) bool { return sameReason(r, o) }) {
			out = append(out, r)
		}
	}
	return out
}

func sameReason(a, b Reason) bool {
	if a.Rule != b.Rule || a.Action != b.Action {
		return false
	}
	if a.Span == nil || b.Span == nil {
		return a.Span == nil && b.Span == nil
	}
	return a.Span.Field == b.Span.Field && a.Span.Text == b.Span.Text
}

// applyChanges returns the word lists with the proposed changes made.
func applyChanges(words []WordTerm, changes []WordListChange) []WordTerm {
	out := slices.Clone(words)
	for _, ch := range changes {
		out = slices.DeleteFunc(out, func(w WordTerm) bool { return w.List == ch.List && slices.Contains(ch.Remove, w.Term) })
		for _, t := range ch.Add {
			if !slices.ContainsFunc(out, func(w WordTerm) bool { return w.List == ch.List && w.Term == t }) {
				out = append(out, WordTerm{List: ch.List, Term: t})
			}
		}
	}
	return out
}

// checkBacktest checks a request, trims its terms and sets its defaults.
func checkBacktest(req *BacktestRequest, now time.Time) error {
	var v violations
	if req.Site == "" {
		v.check("site", "is required")
	}
	switch {
	case req.Since.IsZero():
		v.check("start_time", "is required")
	case !req.Since.Before(now):
		v.check("start_time", "must be in the past")
	}
	switch {
	case req.Examples < 0 || req.Examples > MaxBacktestExamples:
		v.check("max_examples", fmt.Sprintf("must be 0 to %d", MaxBacktestExamples))
	case req.Examples == 0:
		req.Examples = DefaultBacktestExamples
	}
	n := 0
	for i, ch := range req.Changes {
		field := fmt.Sprintf("word_list_changes[%d]", i)
		if !ch.List.Valid() {
			v.check(field+".list", "is required: BLOCK, HOLD, ALLOW or SHADOW")
		}
		n += len(ch.Add) + len(ch.Remove)
		req.Changes[i].Add = checkTerms(&v, field+".add", ch.Add)
		req.Changes[i].Remove = checkTerms(&v, field+".remove", ch.Remove)
	}
	if n > MaxTermsPerUpdate {
		v.check("word_list_changes", fmt.Sprintf("at most %d terms in all", MaxTermsPerUpdate))
	}
	if len(v) > 0 {
		return Invalid(v...)
	}
	return nil
}

// checkTerms checks and trims proposed terms as UpdateWordList does.
func checkTerms(v *violations, field string, terms []string) []string {
	out := make([]string, 0, len(terms))
	for i, t := range terms {
		t = strings.TrimSpace(t)
		switch p := checkText(t, MaxTermRunes); {
		case p != "":
			v.check(fmt.Sprintf("%s[%d]", field, i), p)
		case t == "":
			v.check(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("must be 1 to %d characters", MaxTermRunes))
		default:
			if p := termProblem(t); p != "" {
				v.check(fmt.Sprintf("%s[%d]", field, i), p)
				continue
			}
			out = append(out, t)
		}
	}
	return out
}

// termProblem is why a term cannot be matched, or "".
func termProblem(t string) string {
	if _, err := textmatch.Compile([]string{t}, textmatch.Options{}); err != nil {
		return fmt.Sprintf("cannot be matched: %v", err)
	}
	return ""
}
