package moderation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/commentd/commentd/moderation/textmatch"
)

// MaxTermRunes bounds one word-list term; MaxTermsPerUpdate one update.
const (
	MaxTermRunes      = 100
	MaxTermsPerUpdate = 1000
)

// WordLists returns the terms of every list, the global ones and every
// site's (each term says whose it is in Site), sorted by site (global
// first), list and term. With site, only the terms in force on that site:
// the global ones and its own.
func (s *Service) WordLists(ctx context.Context, site string) ([]WordTerm, error) {
	if p := checkScope(site); p != "" {
		return nil, Invalid(FieldViolation{Field: "site", Description: p})
	}
	terms, err := s.store.WordTerms(ctx)
	if err != nil {
		return nil, fmt.Errorf("list word lists: %w", err)
	}
	if site == "" {
		return terms, nil
	}
	return filter(terms, func(t WordTerm) bool { return t.Site == "" || t.Site == site }), nil
}

// UpdateWordList adds and removes terms of one list: the list for every
// site, or with site that site's own, which its submissions match besides
// the global one (a term may be on both, or on two sites' lists, each
// added and removed on its own). Every term is checked with the same
// normaliser the matcher uses, so a stored term always compiles. Every
// replica uses the change within seconds. The result says what was added
// and removed, and which terms to add were there already and which to
// remove were not; so does the audit event of an update that changed
// anything (one that changed nothing is no event).
func (s *Service) UpdateWordList(ctx context.Context, actor, site string, list WordList, add, remove []string) (WordListResult, error) {
	var v violations
	if !list.Valid() {
		v.check("list", "is required: BLOCK, HOLD, ALLOW or SHADOW")
	}
	v.check("site", checkScope(site))
	if len(add)+len(remove) == 0 {
		v.check("add", "give at least one term to add or remove")
	}
	if len(add)+len(remove) > MaxTermsPerUpdate {
		v.check("add", fmt.Sprintf("at most %d terms in one update", MaxTermsPerUpdate))
	}
	clean := func(field string, terms []string) []string {
		out := make([]string, 0, len(terms))
		for i, t := range terms {
			t = strings.TrimSpace(t)
			switch p := checkText(t, MaxTermRunes); {
			case p != "":
				v.check(fmt.Sprintf("%s[%d]", field, i), p)
			case t == "":
				v.check(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("must be 1 to %d characters", MaxTermRunes))
			default:
				out = append(out, t)
			}
		}
		return out
	}
	add, remove = clean("add", add), clean("remove", remove)
	for i, t := range remove {
		for _, a := range add {
			if a == t {
				v.check(fmt.Sprintf("remove[%d]", i), fmt.Sprintf("%q is also in add; a term is either added or removed", t))
			}
		}
	}
	for i, t := range add {
		if _, err := textmatch.Compile([]string{t}, textmatch.Options{}); err != nil {
			v.check(fmt.Sprintf("add[%d]", i), fmt.Sprintf("cannot be matched: %v", err))
		}
	}
	if len(v) > 0 {
		return WordListResult{}, Invalid(v...)
	}
	now := s.clock()
	res, err := s.store.UpdateWordList(ctx, WordListUpdate{
		Site: site, List: list, Add: add, Remove: remove, Actor: actor, Time: now,
		Audit: s.audit(actor, "wordlist.update", strings.ToLower(list.String()), "", "", now),
	})
	if err != nil {
		return WordListResult{}, fmt.Errorf("update word list: %w", err)
	}
	s.rules.changed(ctx)
	return res, nil
}

// checkScope returns the problem with the site a word list or a ban is
// scoped to, or "": "" is every site, any other is a site id as the
// policy file's sites: take, without the spaces around it that would
// leave it matching no site.
func checkScope(site string) string {
	switch {
	case site == "":
		return ""
	case strings.TrimSpace(site) != site:
		return "must not start or end with a space"
	}
	return ValidateSite(site)
}

func (s *Service) audit(actor, action, target, note, detail string, now time.Time) AuditEvent {
	return AuditEvent{ID: s.newID(), Time: now, Actor: actor, Action: action, Target: target, Note: note, Detail: detail}
}
