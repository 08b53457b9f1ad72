package moderation

import (
	"sync"
	"sync/atomic"
	"time"
)

// wordCache is a bounded concurrent map from a word (or a key standing
// for one) to what a pure function of it gave (its loose form, whether that meets a term). Reads
// are a plain map lookup in an immutable snapshot, with no lock: nearly
// every lookup is a hit, as most words of a comment were in an earlier
// one. New words wait in a small map and join a copy of the snapshot in
// batches, or within wordCachePublish when few new words come. When it
// holds wordCacheMax words it starts again empty: it only saves work.
type wordCache[K comparable, V any] struct {
	snap    atomic.Pointer[map[K]V]
	mu      sync.Mutex
	pending map[K]V
	last    time.Time // when pending was last published
}

const (
	wordCacheMax     = 1 << 16
	wordCacheBatch   = 256
	wordCachePublish = 100 * time.Millisecond
)

func (w *wordCache[K, V]) get(word K) (v V, known bool) {
	if m := w.snap.Load(); m != nil {
		if v, known = (*m)[word]; known {
			return v, true
		}
	}
	// Not published yet: the words waiting for the next batch.
	w.mu.Lock()
	defer w.mu.Unlock()
	if v, known = w.pending[word]; known && time.Since(w.last) >= wordCachePublish {
		w.publishLocked()
	}
	return v, known
}

// put remembers v for word. A string key must not share memory with a
// comment's text (strings.Clone it), or the cache would keep that alive.
func (w *wordCache[K, V]) put(word K, v V) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending == nil {
		w.pending = make(map[K]V, wordCacheBatch)
	}
	w.pending[word] = v
	if old := w.snap.Load(); old == nil || len(*old) < 8*wordCacheBatch || len(w.pending) >= wordCacheBatch ||
		time.Since(w.last) >= wordCachePublish {
		w.publishLocked()
	}
}

// publishLocked makes the pending words part of a new snapshot.
func (w *wordCache[K, V]) publishLocked() {
	old := w.snap.Load()
	next := make(map[K]V, wordCacheBatch)
	if old != nil && len(*old)+len(w.pending) <= wordCacheMax {
		next = make(map[K]V, len(*old)+len(w.pending))
		for k, x := range *old {
			next[k] = x
		}
	}
	for k, x := range w.pending {
		next[k] = x
	}
	w.snap.Store(&next)
	clear(w.pending)
	w.last = time.Now()
}
