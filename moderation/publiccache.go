package moderation

import (
	"context"
	"sync"
	"time"
)

// cachedStore is a Store whose public reads, the published listing of an
// article and the published counts, are served from a publicCache, and
// whose writes invalidate what they change. The pipeline and the reads
// above it do not know it is there.
type cachedStore struct {
	Store
	cache *publicCache
}

func (s *cachedStore) ListComments(ctx context.Context, f Filter) ([]Comment, error) {
	if !f.Public || f.Site == "" || f.ArticleID == "" {
		return s.Store.ListComments(ctx, f)
	}
	k := pageKey{articleKey: articleKey{f.Site, f.ArticleID}, limit: f.Limit}
	if f.After != nil {
		k.after = *f.After
	}
	if e, ok := s.cache.page(k); ok {
		return e.comments, nil
	}
	st := s.cache.stamp(f.Site, f.ArticleID)
	cs, err := s.Store.ListComments(ctx, f)
	if err == nil {
		s.cache.putPage(k, cachedPage{v: st, comments: cs})
	}
	return cs, err
}

func (s *cachedStore) CountPublished(ctx context.Context, site string, articleIDs []string) (map[string]int64, error) {
	out, missing := s.cache.counts(site, articleIDs)
	if len(missing) == 0 {
		return out, nil
	}
	stamps := make(map[string]stamp, len(missing))
	for _, id := range missing {
		stamps[id] = s.cache.stamp(site, id)
	}
	counts, err := s.Store.CountPublished(ctx, site, missing)
	if err != nil {
		return nil, err
	}
	for _, id := range missing {
		out[id] = counts[id] // an article without comments counts 0
	}
	s.cache.putCounts(site, out, stamps)
	return out, nil
}

func (s *cachedStore) CreateComment(ctx context.Context, c Comment, out ...OutboxMessage) (Comment, Conflict, error) {
	stored, conflict, err := s.Store.CreateComment(ctx, c, out...)
	if err == nil && conflict == NoConflict && stored.Status == StatusPublished {
		s.cache.changed(stored.Site, stored.ArticleID)
	}
	return stored, conflict, err
}

func (s *cachedStore) UpdateStatus(ctx context.Context, u StatusUpdate) (Comment, bool, error) {
	c, changed, err := s.Store.UpdateStatus(ctx, u)
	if err == nil && changed {
		// Simpler to forget the article than to work out whether the
		// move touched its public view.
		s.cache.changed(c.Site, c.ArticleID)
	}
	return c, changed, err
}

func (s *cachedStore) FileReport(ctx context.Context, f ReportFiling) (FiledReport, error) {
	filed, err := s.Store.FileReport(ctx, f)
	if err == nil && filed.Held {
		s.cache.changed(filed.Comment.Site, filed.Comment.ArticleID)
	}
	return filed, err
}

func (s *cachedStore) EraseAuthor(ctx context.Context, emailKey string, at time.Time, audit AuditEvent, out ErasureOutbox) (int64, error) {
	defer s.cache.changedAll() // the author's comments may be on any article
	return s.Store.EraseAuthor(ctx, emailKey, at, audit, out)
}

func (s *cachedStore) ImportComments(ctx context.Context, b ImportBatch) ([]ImportResult, error) {
	rs, err := s.Store.ImportComments(ctx, b)
	for i, r := range rs {
		if c := b.Comments[i].Comment; (r == ImportStored || r == ImportOrphan) && c.Status == StatusPublished {
			s.cache.changed(c.Site, c.ArticleID)
		}
	}
	return rs, err
}

func (s *cachedStore) CreateBanSweep(ctx context.Context, b Ban, sw BanSweep) (Ban, []Comment, error) {
	stored, moved, err := s.Store.CreateBanSweep(ctx, b, sw)
	for _, c := range moved {
		s.cache.changed(c.Site, c.ArticleID)
	}
	return stored, moved, err
}

func (s *cachedStore) DeleteBanSweep(ctx context.Context, id string, sw BanSweep) (Ban, []Comment, error) {
	b, moved, err := s.Store.DeleteBanSweep(ctx, id, sw)
	for _, c := range moved {
		s.cache.changed(c.Site, c.ArticleID)
	}
	return b, moved, err
}

// publicCache keeps public listings and counts for a short time. A hot
// article's first page is read far more often than it changes: on a news
// site, every reader who opens the article asks for it.
//
// What this replica changes is never served stale: a comment published,
// approved, rejected or erased here bumps its article's generation, and an
// entry filled under an older generation is not served. Changes made
// through another replica show within the time to live (a second by
// default), as word lists and bans do within seconds.
type publicCache struct {
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	epoch uint64                // bumped by changes to every article
	gen   map[articleKey]uint64 // bumped by every change this replica makes
	pages map[pageKey]cachedPage
	bytes int // the pages' approximate size
	count map[articleKey]cachedCount
}

// publicCacheEntries bounds each map and publicCacheBytes the pages'
// text; when either is reached, arbitrary entries make room. 16 MiB holds
// the first pages of a few hundred busy articles.
const (
	publicCacheEntries = 8192
	publicCacheBytes   = 16 << 20
)

type articleKey struct{ site, article string }

type pageKey struct {
	articleKey
	after Cursor
	limit int
}

// stamp is what an entry was filled under.
type stamp struct{ epoch, gen uint64 }

type cachedPage struct {
	v        stamp
	at       time.Time
	comments []Comment // shared by every reader: never modified
	size     int
}

// pageSize approximates what a page holds in memory.
func pageSize(cs []Comment) int {
	n := 64
	for _, c := range cs {
		n += 160 + len(c.ID) + len(c.Site) + len(c.ArticleID) + len(c.ParentID) + len(c.Author.Name) + len(c.Author.URL) + len(c.Body)
	}
	return n
}

type cachedCount struct {
	v  stamp
	at time.Time
	n  int64
}

func newPublicCache(ttl time.Duration, now func() time.Time) *publicCache {
	return &publicCache{ttl: ttl, now: now, gen: make(map[articleKey]uint64),
		pages: make(map[pageKey]cachedPage), count: make(map[articleKey]cachedCount)}
}

// stamp returns the article's stamp; take it before reading the store
// and fill with it, so that a change made meanwhile makes the entry stale
// at once.
func (p *publicCache) stamp(site, article string) stamp {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stampLocked(articleKey{site, article})
}

func (p *publicCache) stampLocked(k articleKey) stamp { return stamp{p.epoch, p.gen[k]} }

func (p *publicCache) fresh(v stamp, k articleKey, at time.Time) bool {
	return v == p.stampLocked(k) && p.now().Sub(at) < p.ttl
}

func (p *publicCache) page(k pageKey) (cachedPage, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.pages[k]
	return e, ok && p.fresh(e.v, k.articleKey, e.at)
}

func (p *publicCache) putPage(k pageKey, e cachedPage) {
	e.size = pageSize(e.comments)
	if e.size > publicCacheBytes/64 {
		return // a page of very long comments is not worth the room
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.pages[k]; ok {
		p.bytes -= old.size
		delete(p.pages, k)
	}
	for old, oe := range p.pages { // map order: arbitrary victims
		if len(p.pages) < publicCacheEntries && p.bytes+e.size <= publicCacheBytes {
			break
		}
		p.bytes -= oe.size
		delete(p.pages, old)
	}
	e.at = p.now()
	p.pages[k] = e
	p.bytes += e.size
}

// counts returns the cached counts of the articles and the articles it
// has none for.
func (p *publicCache) counts(site string, articles []string) (map[string]int64, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int64, len(articles))
	var missing []string
	for _, a := range articles {
		k := articleKey{site, a}
		if e, ok := p.count[k]; ok && p.fresh(e.v, k, e.at) {
			out[a] = e.n
			continue
		}
		missing = append(missing, a)
	}
	return out, missing
}

func (p *publicCache) putCounts(site string, counts map[string]int64, stamps map[string]stamp) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	for a, v := range stamps {
		if len(p.count) >= publicCacheEntries {
			for old := range p.count {
				delete(p.count, old)
				break
			}
		}
		p.count[articleKey{site, a}] = cachedCount{v: v, at: now, n: counts[a]}
	}
}

// changed marks an article's public view as changed by this replica.
func (p *publicCache) changed(site, article string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := articleKey{site, article}
	p.gen[k]++
	if len(p.gen) > 4*publicCacheEntries {
		// Forget the generations; a new epoch keeps entries filled
		// under the old ones from being served.
		clear(p.gen)
		p.epoch++
	}
}

// changedAll marks every article as changed, for changes across articles
// such as erasing an author.
func (p *publicCache) changedAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.epoch++
	clear(p.pages)
	clear(p.count)
	p.bytes = 0
}
