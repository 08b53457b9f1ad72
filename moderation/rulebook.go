package moderation

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
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
	ListBans(ctx context.Context, now time.Time, after *Cursor, limit int, site string) ([]Ban, error)
	ListArticleSettings(ctx context.Context) ([]ArticleSettings, error)
}

// snapshot is what one submission decides with. It is never modified:
// a reload swaps in a new one, so no submission sees a half-built set.
type snapshot struct {
	policy Policy
	rules  *ruleSet
	// words and bans are those rules was compiled with: the global ones,
	// and in a site's snapshot the site's own too.
	words []WordTerm
	bans  []Ban
	// articles is every article's stored settings, read with the lists.
	articles articleIndex
	// listsVersion is the store's RulesVersion the lists were read at.
	listsVersion int64

	// site is the site whose snapshot this is, "" for the global one;
	// overrides names the settings its policy changes.
	site      string
	overrides []string
	// The global snapshot only: every site's snapshot that differs from
	// it (a policy or lists of its own), and every word and ban stored.
	sites    map[string]*snapshot
	allWords []WordTerm
	allBans  []Ban
}

// forSite is the snapshot a site's submissions decide with: a map
// lookup, as every site's rules were merged and compiled at load.
func (s *snapshot) forSite(site string) *snapshot {
	if st, ok := s.sites[site]; ok {
		return st
	}
	return s
}

// compileSnapshot compiles the global rules and those of every site with
// a policy or lists of its own. A site's submissions match the global
// terms and bans and the site's own, never another site's.
func compileSnapshot(p Policy, words []WordTerm, bans []Ban, articles articleIndex, version int64) (*snapshot, error) {
	gw := filter(words, func(w WordTerm) bool { return w.Site == "" })
	gb := filter(bans, func(b Ban) bool { return b.Site == "" })
	rules, err := compileRules(p.Rules, gw, gb)
	if err != nil {
		return nil, err
	}
	global := make(map[listTerm]bool, len(gw))
	for _, w := range gw {
		global[listTerm{w.List, w.Term}] = true
	}
	top := &snapshot{policy: p, rules: rules, words: gw, bans: gb, articles: articles, listsVersion: version, allWords: words, allBans: bans}
	ids := map[string]bool{}
	for id := range p.Sites {
		ids[id] = true
	}
	for _, w := range words {
		if w.Site != "" {
			ids[w.Site] = true
		}
	}
	for _, b := range bans {
		if b.Site != "" {
			ids[b.Site] = true
		}
	}
	for id := range ids {
		sp := p
		var over []string
		if o, ok := p.Sites[id]; ok {
			sp, over = o.Policy, o.Overrides
			// What is not the site's to change stays global.
			sp.ClientDataRetention, sp.Webhooks, sp.RateLimits.Failure = p.ClientDataRetention, p.Webhooks, p.RateLimits.Failure
		}
		sp.Sites = nil
		// A site's term that is also global is matched once, as global.
		sw := append(slices.Clip(gw), filter(words, func(w WordTerm) bool {
			return w.Site == id && !global[listTerm{w.List, w.Term}]
		})...)
		sb := append(slices.Clip(gb), filter(bans, func(b Ban) bool { return b.Site == id })...)
		rs, err := compileRules(sp.Rules, sw, sb)
		if err != nil {
			return nil, fmt.Errorf("site %s: %w", id, err)
		}
		if top.sites == nil {
			top.sites = map[string]*snapshot{}
		}
		top.sites[id] = &snapshot{policy: sp, rules: rs, words: sw, bans: sb, articles: articles, listsVersion: version, site: id, overrides: over}
	}
	return top, nil
}

type listTerm struct {
	list WordList
	term string
}

func filter[T any](all []T, keep func(T) bool) []T {
	var out []T
	for _, x := range all {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

func newRulebook(store rulesStore, log *slog.Logger, now func() time.Time, p Policy) (*rulebook, error) {
	snap, err := compileSnapshot(p, nil, nil, nil, 0)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	if err := CheckWebhooks(p.Webhooks); err != nil {
		return nil, err
	}
	b := &rulebook{store: store, log: log, now: now}
	b.current.Store(snap)
	return b, nil
}

func (b *rulebook) snapshot() *snapshot { return b.current.Load() }

// setPolicy replaces the policy. A policy whose rules do not compile is
// refused and the old one stays in force.
func (b *rulebook) setPolicy(p Policy) error {
	b.reload.Lock()
	defer b.reload.Unlock()
	old := b.snapshot()
	snap, err := compileSnapshot(p, old.allWords, old.allBans, old.articles, old.listsVersion)
	if err != nil {
		return Wrap(CodeInvalid, "the policy's rules do not compile", err)
	}
	if err := CheckWebhooks(p.Webhooks); err != nil {
		return Wrap(CodeInvalid, "the policy's webhooks are not valid", err)
	}
	b.current.Store(snap)
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
		page, err := b.store.ListBans(ctx, b.now().UTC(), after, 1000, "")
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
	snap, err := compileSnapshot(b.snapshot().policy, words, bans, newArticleIndex(articles), version)
	if err != nil {
		return fmt.Errorf("compile rules: %w", err)
	}
	b.current.Store(snap)
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
