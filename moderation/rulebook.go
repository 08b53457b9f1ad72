package moderation

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// rulebook holds the rules in force and keeps them current: the policy
// (from the policy file) and the moderators' word lists and bans (from the
// store), compiled together into one immutable snapshot that a submission
// reads without a lock. It reloads when the policy file changes
// (SetPolicy), at once when this replica changed a list, a ban or an
// article's settings (changed), and within a poll interval when another replica did (watch).
type rulebook struct {
	store rulesStore
	log   *slog.Logger
	now   func() time.Time

	current atomic.Pointer[snapshot]
	reload  sync.Mutex // serialises reloads
}

// rulesStore is what the rulebook reads of the store.
type rulesStore interface {
	RulesVersion(ctx context.Context) (int64, error)
	WordTerms(ctx context.Context) ([]WordTerm, error)
	ListBans(ctx context.Context, now time.Time, after *Cursor, limit int) ([]Ban, error)
	ListArticleSettings(ctx context.Context) ([]ArticleSettings, error)
}

// snapshot is what one submission decides with. It is never modified:
// a reload swaps in a new one, so no submission sees a half-built set.
type snapshot struct {
	policy Policy
	rules  *ruleSet
	words  []WordTerm
	bans   []Ban
	// articles is every article's stored settings, read with the lists.
	articles articleIndex
	// listsVersion is the store's RulesVersion the lists were read at.
	listsVersion int64
}

func newRulebook(store rulesStore, log *slog.Logger, now func() time.Time, p Policy) (*rulebook, error) {
	rules, err := compileRules(p.Rules, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	if err := CheckWebhooks(p.Webhooks); err != nil {
		return nil, err
	}
	b := &rulebook{store: store, log: log, now: now}
	b.current.Store(&snapshot{policy: p, rules: rules})
	return b, nil
}

func (b *rulebook) snapshot() *snapshot { return b.current.Load() }

// setPolicy replaces the policy. A policy whose rules do not compile is
// refused and the old one stays in force.
func (b *rulebook) setPolicy(p Policy) error {
	b.reload.Lock()
	defer b.reload.Unlock()
	old := b.snapshot()
	rules, err := compileRules(p.Rules, old.words, old.bans)
	if err != nil {
		return Wrap(CodeInvalid, "the policy's rules do not compile", err)
	}
	if err := CheckWebhooks(p.Webhooks); err != nil {
		return Wrap(CodeInvalid, "the policy's webhooks are not valid", err)
	}
	b.current.Store(&snapshot{policy: p, rules: rules, words: old.words, bans: old.bans, articles: old.articles,
		listsVersion: old.listsVersion})
	return nil
}

// load reads the word lists and bans and compiles them with the policy.
func (b *rulebook) load(ctx context.Context) error {
	b.reload.Lock()
	defer b.reload.Unlock()
	version, err := b.store.RulesVersion(ctx)
	if err != nil {
		return fmt.Errorf("read rules version: %w", err)
	}
	return b.loadLocked(ctx, version)
}

func (b *rulebook) loadLocked(ctx context.Context, version int64) error {
	words, err := b.store.WordTerms(ctx)
	if err != nil {
		return fmt.Errorf("read word lists: %w", err)
	}
	var bans []Ban
	var after *Cursor
	for {
		page, err := b.store.ListBans(ctx, b.now().UTC(), after, 1000)
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
	articles, err := b.store.ListArticleSettings(ctx)
	if err != nil {
		return fmt.Errorf("read article settings: %w", err)
	}
	old := b.snapshot()
	rules, err := compileRules(old.policy.Rules, words, bans)
	if err != nil {
		return fmt.Errorf("compile rules: %w", err)
	}
	b.current.Store(&snapshot{policy: old.policy, rules: rules, words: words, bans: bans,
		articles: newArticleIndex(articles), listsVersion: version})
	return nil
}

// refresh reloads when the store's lists changed since the last load.
func (b *rulebook) refresh(ctx context.Context) error {
	version, err := b.store.RulesVersion(ctx)
	if err != nil {
		return fmt.Errorf("read rules version: %w", err)
	}
	if version == b.snapshot().listsVersion {
		return nil
	}
	b.reload.Lock()
	defer b.reload.Unlock()
	if version == b.snapshot().listsVersion {
		return nil
	}
	return b.loadLocked(ctx, version)
}

// changed reloads at once after a change made through this replica, so
// that its own next decision already uses it.
func (b *rulebook) changed(ctx context.Context) {
	if err := b.refresh(ctx); err != nil {
		b.log.Warn("reloading rules after a change failed; the watcher will retry", "err", err)
	}
}

// watch polls the store every interval and reloads the word lists and
// bans when another replica changed them, until ctx ends.
func (b *rulebook) watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := b.refresh(ctx); err != nil && ctx.Err() == nil {
			b.log.Warn("reloading word lists and bans failed; the previous ones stay in force", "err", err)
		}
	}
}
