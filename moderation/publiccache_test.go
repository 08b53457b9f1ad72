package moderation

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The cache stays within its byte budget however many pages go in, and
// keeps its count of bytes equal to what it holds.
func TestPublicCacheBounded(t *testing.T) {
	p := newPublicCache(time.Hour, time.Now)
	body := strings.Repeat("क", 1000) // 3,000 bytes
	page := make([]Comment, 50)
	for i := range page {
		page[i] = Comment{ID: fmt.Sprint(i), Body: body}
	}
	for i := range 2000 {
		k := pageKey{articleKey: articleKey{"s", fmt.Sprint("a", i)}, limit: 50}
		p.putPage(k, cachedPage{v: p.stamp("s", k.article), comments: page})
		if _, ok := p.page(k); !ok {
			t.Fatalf("page %d not served right after it was cached", i)
		}
	}
	held := 0
	for _, e := range p.pages {
		held += e.size
	}
	if p.bytes > publicCacheBytes || held != p.bytes {
		t.Errorf("cache holds %d bytes, counts %d; budget %d", held, p.bytes, publicCacheBytes)
	}
	if len(p.pages) < 50 {
		t.Errorf("only %d pages kept within %d bytes", len(p.pages), publicCacheBytes)
	}
}

// An entry filled under an older stamp is never served, and none is
// served past its time to live.
func TestPublicCacheVersions(t *testing.T) {
	now := time.Unix(0, 0)
	p := newPublicCache(time.Second, func() time.Time { return now })
	k := pageKey{articleKey: articleKey{"s", "a"}, limit: 50}
	v := p.stamp("s", "a")
	p.changed("s", "a") // a comment published while the page was read
	p.putPage(k, cachedPage{v: v, comments: []Comment{{ID: "old"}}})
	if _, ok := p.page(k); ok {
		t.Error("a page read before a change was served after it")
	}
	p.putPage(k, cachedPage{v: p.stamp("s", "a"), comments: []Comment{{ID: "new"}}})
	if e, ok := p.page(k); !ok || e.comments[0].ID != "new" {
		t.Errorf("fresh page not served: %v, %v", e.comments, ok)
	}
	v = p.stamp("s", "a")
	p.changedAll()
	p.putPage(k, cachedPage{v: v, comments: []Comment{{ID: "stale"}}})
	if _, ok := p.page(k); ok {
		t.Error("a page read before an erasure was served after it")
	}
	p.putPage(k, cachedPage{v: p.stamp("s", "a"), comments: []Comment{{ID: "new"}}})
	now = now.Add(time.Second)
	if _, ok := p.page(k); ok {
		t.Error("a page was served past its time to live")
	}
}
