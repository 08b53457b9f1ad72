package moderation

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// wordCache is a bounded concurrent map from a word to what a pure
// function of it gave (its loose form, whether that meets a term). Reads
// are a plain map lookup in an immutable snapshot, with no lock: nearly
// every lookup is a hit, as most words of a comment were in an earlier
// one. New words wait in a small map and join a copy of the snapshot in
// batches, or within wordCachePublish when few new words come. When it
// holds wordCacheMax words it starts again empty: it only saves work.
type wordCache[V any] struct {
	snap    atomic.Pointer[map[string]V]
	mu      sync.Mutex
	pending map[string]V
	last    time.Time // when pending was last published
}

const (
	wordCacheMax     = 1 << 16
	wordCacheBatch   = 256
	wordCachePublish = 100 * time.Millisecond
)

func (w *wordCache[V]) get(word string) (v V, known bool) {
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

func (w *wordCache[V]) put(word string, v V) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending == nil {
		w.pending = make(map[string]V, wordCacheBatch)
	}
	w.pending[strings.Clone(word)] = v
	if old := w.snap.Load(); old == nil || len(*old) < 8*wordCacheBatch || len(w.pending) >= wordCacheBatch ||
		time.Since(w.last) >= wordCachePublish {
		w.publishLocked()
	}
}

// publishLocked makes the pending words part of a new snapshot.
func (w *wordCache[V]) publishLocked() {
	old := w.snap.Load()
	next := make(map[string]V, wordCacheBatch)
	if old != nil && len(*old)+len(w.pending) <= wordCacheMax {
		next = make(map[string]V, len(*old)+len(w.pending))
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
