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

// WordLists returns every list's terms.
func (s *Service) WordLists(ctx context.Context) (map[WordList][]WordTerm, error) {
	terms, err := s.store.WordTerms(ctx)
	if err != nil {
		return nil, fmt.Errorf("list word lists: %w", err)
	}
	out := map[WordList][]WordTerm{ListBlock: nil, ListHold: nil, ListAllow: nil, ListShadow: nil}
	for _, t := range terms {
		out[t.List] = append(out[t.List], t)
	}
	return out, nil
}

// UpdateWordList adds and removes terms of one list. Every term is checked
// with the same normaliser the matcher uses, so a stored term always
// compiles. Every replica uses the change within seconds.
func (s *Service) UpdateWordList(ctx context.Context, actor string, list WordList, add, remove []string) ([]WordTerm, error) {
	var v violations
	if !list.Valid() {
		v.check("list", "is required: BLOCK, HOLD, ALLOW or SHADOW")
	}
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
		return nil, Invalid(v...)
	}
	now := s.clock()
	terms, err := s.store.UpdateWordList(ctx, WordListUpdate{
		List: list, Add: add, Remove: remove, Actor: actor, Time: now,
		Audit: s.audit(actor, "wordlist.update", strings.ToLower(list.String()), "", "", now),
	})
	if err != nil {
		return nil, fmt.Errorf("update word list: %w", err)
	}
	s.rules.changed(ctx)
	return terms, nil
}

func (s *Service) audit(actor, action, target, note, detail string, now time.Time) AuditEvent {
	return AuditEvent{ID: s.newID(), Time: now, Actor: actor, Action: action, Target: target, Note: note, Detail: detail}
}
