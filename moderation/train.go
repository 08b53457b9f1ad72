package moderation

import (
	"context"
	"fmt"
	"strings"

	"github.com/commentd/commentd/moderation/learn"
)

// MaxTrainExamples is the most examples one TrainComments call takes: one
// store transaction, well within a request's size limit for comments of
// ordinary length.
const MaxTrainExamples = 500

// maxSiteBytes bounds the site a training request names.
const maxSiteBytes = 128

// Training is an administrator's request to train a site's learned rule
// from labelled history kept elsewhere (an export of another system's
// spam and approved comments).
type Training struct {
	Actor    string
	Site     string
	Examples []Example
	// ValidateOnly checks the examples and counts them, and changes
	// nothing.
	ValidateOnly bool
}

// Example is one labelled comment from a site's history.
type Example struct {
	Author Author // Name, Email and URL, each optional
	Body   string
	Label  learn.Label // Spam or Ham
}

// Trained counts the examples a Training accepted, by label.
type Trained struct {
	Spam, Ham int
}

// TrainComments counts t's examples into the site's learned rule as if a
// moderator had marked each spam or approved it: the tokens are computed
// from a comment built from the example with the rules in force, and the
// counts move through the store's training path, which logs every example
// for the other replicas to follow. The batch is one transaction and one
// audit event; an invalid example refuses the whole batch, naming it.
func (s *Service) TrainComments(ctx context.Context, t Training) (Trained, error) {
	snap := s.rules.snapshot().forSite(t.Site)
	lim := snap.policy.Limits
	var v violations
	switch {
	case t.Site == "":
		v.check("site", "is required")
	default:
		v.check("site", checkLine(t.Site, maxSiteBytes))
	}
	switch {
	case len(t.Examples) == 0:
		v.check("examples", "is required: give at least one example")
	case len(t.Examples) > MaxTrainExamples:
		v.check("examples", fmt.Sprintf("must hold at most %d examples, got %d", MaxTrainExamples, len(t.Examples)))
	}
	var n Trained
	for i, e := range t.Examples {
		f := func(name string) string { return fmt.Sprintf("examples[%d].%s", i, name) }
		switch e.Label {
		case learn.Spam:
			n.Spam++
		case learn.Ham:
			n.Ham++
		default:
			v.check(f("label"), "is required: SPAM or HAM")
		}
		v.check(f("body"), checkBody(e.Body, lim.BodyMaxRunes))
		if e.Author.Name != "" {
			v.check(f("author.name"), checkName(e.Author.Name, lim.NameMaxRunes))
		}
		if e.Author.Email != "" {
			v.check(f("author.email"), checkEmail(e.Author.Email, lim.EmailMaxBytes))
		}
		if e.Author.URL != "" {
			v.check(f("author.url"), checkURL(e.Author.URL, lim.URLMaxBytes))
		}
	}
	if len(v) > 0 {
		return Trained{}, Invalid(v...)
	}
	if t.ValidateOnly {
		return n, nil
	}

	now := s.clock()
	b := TrainingBatch{
		Site:     t.Site,
		Examples: make([]TrainingExample, len(t.Examples)),
		Time:     now,
		Audit: AuditEvent{
			ID: s.newID(), Time: now, Actor: t.Actor, Action: "learned.train", Target: t.Site,
			Detail: fmt.Sprintf("spam %d, ham %d", n.Spam, n.Ham),
		},
	}
	for i, e := range t.Examples {
		// The same comment a submission would have stored, so the tokens
		// are those a moderator's decision on it would count.
		c := Comment{Site: t.Site, Author: Author{Name: strings.TrimSpace(e.Author.Name), Email: e.Author.Email, URL: e.Author.URL}, Body: e.Body}
		b.Examples[i] = TrainingExample{Label: e.Label, Tokens: snap.rules.tokensOf(c)}
	}
	if err := s.store.TrainExamples(ctx, b); err != nil {
		return Trained{}, fmt.Errorf("train from history: %w", err)
	}
	// This replica's next decision already knows; others within a poll.
	if err := s.learner.catchUp(ctx); err != nil {
		s.log.Warn("reading the learned rule's training after an import failed; the watcher will retry", "err", err)
	}
	return n, nil
}
