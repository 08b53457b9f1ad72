package moderation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

// state is what one submission decides with: the policy and the rules
// compiled from it and from the store's word lists and bans. It is
// immutable and swapped whole, so a reload never shows a half-built set.
type state struct {
	policy  Policy
	rules   *ruleSet
	words   []WordTerm
	bans    []Ban
	version int64 // the store's RulesVersion the lists were read at
}

func (s *Service) current() *state { return s.state.Load() }

// SetPolicy replaces the policy, for a reload of the policy file. A policy
// whose rules do not compile is refused and the old one stays in force.
func (s *Service) SetPolicy(p Policy) error {
	s.reload.Lock()
	defer s.reload.Unlock()
	old := s.current()
	rules, err := compileRules(p.Rules, old.words, old.bans)
	if err != nil {
		return Wrap(CodeInvalid, "the policy's rules do not compile", err)
	}
	s.state.Store(&state{policy: p, rules: rules, words: old.words, bans: old.bans, version: old.version})
	return nil
}

// LoadRules reads the word lists and bans from the store and compiles
// them with the policy's rules.
func (s *Service) LoadRules(ctx context.Context) error {
	s.reload.Lock()
	defer s.reload.Unlock()
	version, err := s.store.RulesVersion(ctx)
	if err != nil {
		return fmt.Errorf("read rules version: %w", err)
	}
	return s.loadLocked(ctx, version)
}

func (s *Service) loadLocked(ctx context.Context, version int64) error {
	words, err := s.store.WordTerms(ctx)
	if err != nil {
		return fmt.Errorf("read word lists: %w", err)
	}
	var bans []Ban
	var after *Cursor
	for {
		page, err := s.store.ListBans(ctx, s.clock(), after, 1000)
		if err != nil {
			return fmt.Errorf("read bans: %w", err)
		}
		bans = append(bans, page...)
		if len(page) < 1000 {
			break
		}
		last := page[len(page)-1]
		after = &Cursor{Time: last.CreateTime, ID: last.ID}
	}
	old := s.current()
	rules, err := compileRules(old.policy.Rules, words, bans)
	if err != nil {
		return fmt.Errorf("compile rules: %w", err)
	}
	s.state.Store(&state{policy: old.policy, rules: rules, words: words, bans: bans, version: version})
	return nil
}

// WatchRules polls the store every interval and reloads the word lists and
// bans when another replica changed them. It returns when ctx ends.
func (s *Service) WatchRules(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.refreshRules(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("reloading word lists and bans failed; the previous ones stay in force", "err", err)
		}
	}
}

func (s *Service) refreshRules(ctx context.Context) error {
	version, err := s.store.RulesVersion(ctx)
	if err != nil {
		return fmt.Errorf("read rules version: %w", err)
	}
	if version == s.current().version {
		return nil
	}
	s.reload.Lock()
	defer s.reload.Unlock()
	if version == s.current().version {
		return nil
	}
	return s.loadLocked(ctx, version)
}

// rulesChanged reloads at once after a change made through this replica,
// so its own next decision already uses it.
func (s *Service) rulesChanged(ctx context.Context) {
	if err := s.refreshRules(ctx); err != nil {
		s.log.Warn("reloading rules after a change failed; the watcher will retry", "err", err)
	}
}

// authorKey identifies an author for the first-time-commenter rule and for
// duplicates. An email alone is unverified, so the key also takes the
// name's match key and, when the site vouches for one, its user id.
func authorKey(emailKey, nameKey, userID string) string {
	h := sha256.New()
	for _, p := range []string{emailKey, nameKey, userID} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// fingerprint identifies a text by its letters and digits only, so
// spacing, punctuation, case and look-alike characters do not tell two
// copies apart.
func fingerprint(key string) string {
	h := sha256.New()
	var buf [4]byte
	for _, r := range key {
		if unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r) {
			n := utf8.EncodeRune(buf[:], r)
			h.Write(buf[:n])
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
