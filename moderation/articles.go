package moderation

import (
	"context"
	"fmt"
	"time"
)

// ArticleMode is how an article takes new comments.
type ArticleMode int8

// The modes. Their numeric values are stored; never renumber them.
const (
	ArticleModeUnspecified  ArticleMode = 0
	ArticleOpen             ArticleMode = 1 // the rules decide, as for any article
	ArticlePremoderated     ArticleMode = 2 // every new comment is held for a moderator
	ArticleClosed           ArticleMode = 3 // new comments are refused
	articleModeLast                     = ArticleClosed
	ruleArticlePremoderated             = "article_premoderated"
)

var articleModeNames = [...]string{"unspecified", "open", "premoderated", "closed"}

func (m ArticleMode) String() string {
	if m >= 0 && int(m) < len(articleModeNames) {
		return articleModeNames[m]
	}
	return fmt.Sprintf("ArticleMode(%d)", int8(m))
}

// Valid reports whether m is a real mode.
func (m ArticleMode) Valid() bool { return m >= ArticleOpen && m <= articleModeLast }

// MaxCloseAfter bounds ArticleSettings.CloseAfter: ten years.
const MaxCloseAfter = 10 * 365 * 24 * time.Hour

// ArticleSettings is how one article of one site takes comments. An
// article with none stored is open.
type ArticleSettings struct {
	Site      string
	ArticleID string
	Mode      ArticleMode
	// CloseAfter, when positive, closes the article this long after its
	// first published comment (see Store.Prior), whatever Mode says.
	CloseAfter time.Duration
	UpdateTime time.Time
	UpdatedBy  string
}

// String is the settings as the audit trail shows them.
func (a ArticleSettings) String() string {
	if a.CloseAfter > 0 {
		return fmt.Sprintf("%s, close after %s", a.Mode, a.CloseAfter)
	}
	return a.Mode.String()
}

// closeTime is when an article whose first published comment was at
// first closes, or the zero time when it does not close by time.
func (a ArticleSettings) closeTime(first time.Time) time.Time {
	if a.CloseAfter <= 0 || first.IsZero() {
		return time.Time{}
	}
	return first.Add(a.CloseAfter)
}

type articleRef struct{ site, article string }

// articleIndex is the stored article settings by article, in the rules
// snapshot: a submission finds its article's without a store read.
type articleIndex map[articleRef]ArticleSettings

func newArticleIndex(all []ArticleSettings) articleIndex {
	idx := make(articleIndex, len(all))
	for _, a := range all {
		idx[articleRef{a.Site, a.ArticleID}] = a
	}
	return idx
}

// of returns an article's settings; open when none are stored.
func (idx articleIndex) of(site, article string) ArticleSettings {
	if a, ok := idx[articleRef{site, article}]; ok {
		return a
	}
	return DefaultArticleSettings(site, article)
}

// articleGate is what an article's settings do to one submission, given
// what Store.Prior found: an error when it is closed, a reason when it is
// premoderated.
func articleGate(a ArticleSettings, first, now time.Time) ([]Reason, error) {
	closes := a.closeTime(first)
	switch {
	case a.Mode == ArticleClosed:
		return nil, articleClosed(a, "the article is closed to new comments")
	case !closes.IsZero() && !now.Before(closes):
		return nil, articleClosed(a, fmt.Sprintf("the article closed to new comments at %s, %s after its first comment",
			closes.Format(time.RFC3339), a.CloseAfter))
	case a.Mode == ArticlePremoderated:
		return []Reason{{Rule: ruleArticlePremoderated, Action: RuleHold,
			Detail: "the article is premoderated: every new comment is held for a moderator"}}, nil
	}
	return nil, nil
}

// articleClosed is the refusal of a comment on a closed article.
func articleClosed(a ArticleSettings, msg string) *Error {
	return &Error{Code: CodeFailedPrecondition, Message: msg,
		Precondition: []PreconditionViolation{{Type: "ARTICLE_CLOSED", Subject: a.ArticleID,
			Description: msg}}}
}

// ArticleSettingsRequest is a moderator's change of an article's settings.
type ArticleSettingsRequest struct {
	Site, ArticleID string
	Mode            ArticleMode
	CloseAfter      time.Duration
	Actor           string
	Note            string
}

// ArticleState is an article's settings with what they mean now.
type ArticleState struct {
	ArticleSettings
	// FirstCommentTime is when its first published comment was made; zero
	// when it has none.
	FirstCommentTime time.Time
	// CloseTime is when CloseAfter closes it; zero when it does not.
	CloseTime time.Time
	// Closed reports whether it refuses new comments now.
	Closed bool
}

func (r ArticleSettingsRequest) validate() error {
	var v violations
	if r.Site == "" {
		v.check("site", "is required")
	} else {
		v.check("site", checkLine(r.Site, maxSiteBytes))
	}
	v.check("article_id", ValidateArticleID(r.ArticleID))
	if !r.Mode.Valid() {
		v.check("mode", "must be OPEN, PREMODERATED or CLOSED")
	}
	switch {
	case r.CloseAfter < 0:
		v.check("close_after", "must not be negative")
	case r.CloseAfter > MaxCloseAfter:
		v.check("close_after", fmt.Sprintf("must be at most %s", MaxCloseAfter))
	case r.CloseAfter%time.Second != 0:
		v.check("close_after", "must be whole seconds")
	}
	v.check("note", checkText(r.Note, MaxBanReasonRunes))
	if len(v) > 0 {
		return Invalid(v...)
	}
	return nil
}

// SetArticleSettings stores an article's settings and audits the change
// (article.settings, "OLD -> NEW"); every replica applies them within a
// rules poll, this one at once.
func (s *Service) SetArticleSettings(ctx context.Context, r ArticleSettingsRequest) (ArticleState, error) {
	if err := r.validate(); err != nil {
		return ArticleState{}, err
	}
	now := s.clock()
	a := ArticleSettings{Site: r.Site, ArticleID: r.ArticleID, Mode: r.Mode, CloseAfter: r.CloseAfter,
		UpdateTime: now, UpdatedBy: r.Actor}
	audit := s.audit(r.Actor, "article.settings", r.Site+"/"+r.ArticleID, r.Note, "", now)
	if _, err := s.store.SetArticleSettings(ctx, a, audit); err != nil {
		return ArticleState{}, fmt.Errorf("set article settings: %w", err)
	}
	s.rules.changed(ctx)
	return s.articleState(ctx, r.Site, r.ArticleID)
}

// GetArticleSettings returns an article's settings as stored (open when
// none are) and what they mean now.
func (s *Service) GetArticleSettings(ctx context.Context, site, articleID string) (ArticleState, error) {
	var v violations
	if site == "" {
		v.check("site", "is required")
	} else {
		v.check("site", checkLine(site, maxSiteBytes))
	}
	v.check("article_id", ValidateArticleID(articleID))
	if len(v) > 0 {
		return ArticleState{}, Invalid(v...)
	}
	return s.articleState(ctx, site, articleID)
}

// articleState reads the store's settings, not this replica's copy, which
// may be a poll old.
func (s *Service) articleState(ctx context.Context, site, articleID string) (ArticleState, error) {
	a, err := s.store.ArticleSettings(ctx, site, articleID)
	if err != nil {
		return ArticleState{}, fmt.Errorf("get article settings: %w", err)
	}
	return s.stateOf(ctx, a)
}

func (s *Service) stateOf(ctx context.Context, a ArticleSettings) (ArticleState, error) {
	st := ArticleState{ArticleSettings: a}
	if a.CloseAfter > 0 {
		p, err := s.store.Prior(ctx, PriorQuery{Site: a.Site, ArticleID: a.ArticleID, FirstComment: true})
		if err != nil {
			return ArticleState{}, fmt.Errorf("look up the article's first comment: %w", err)
		}
		st.FirstCommentTime = p.FirstCommentTime
		st.CloseTime = a.closeTime(p.FirstCommentTime)
	}
	_, err := articleGate(a, st.FirstCommentTime, s.clock())
	st.Closed = err != nil
	return st, nil
}

// IsDefault reports whether a is what an article without stored settings
// has: open, never closing. Stores keep no row for it.
func (a ArticleSettings) IsDefault() bool { return a.Mode == ArticleOpen && a.CloseAfter <= 0 }

// Same reports whether a and b take comments alike.
func (a ArticleSettings) Same(b ArticleSettings) bool {
	return a.Mode == b.Mode && a.CloseAfter == b.CloseAfter
}

// ArticleSettingsDetail is the audit detail of a change from old to new.
func ArticleSettingsDetail(old, new ArticleSettings) string {
	return old.String() + " -> " + new.String()
}

// DefaultArticleSettings is what an article without stored settings has.
func DefaultArticleSettings(site, articleID string) ArticleSettings {
	return ArticleSettings{Site: site, ArticleID: articleID, Mode: ArticleOpen}
}
