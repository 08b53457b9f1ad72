package moderation

import (
	"strings"
	"sync"
	"sync/atomic"
)

// wordCache is a bounded concurrent map from a word to what a pure
// function of it gave (its loose form, whether that meets a term). Reads
// are a plain map lookup in an immutable snapshot, with no lock: nearly
// every lookup is a hit, as most words of a comment were in an earlier
// one. New words join a copy of the snapshot: at once while it is small,
// in batches once it is large. When it holds wordCacheMax words it starts
// again empty: it only saves work.
type wordCache[V any] struct {
	snap    atomic.Pointer[map[string]V]
	mu      sync.Mutex
	pending map[string]V
}

const (
	wordCacheMax   = 1 << 16
	wordCacheBatch = 256
)

func (w *wordCache[V]) get(word string) (v V, known bool) {
	if m := w.snap.Load(); m != nil {
		if v, known = (*m)[word]; known {
			return v, true
		}
	}
	// Not published yet: the words waiting for the next batch.
	w.mu.Lock()
	v, known = w.pending[word]
	w.mu.Unlock()
	return v, known
}

func (w *wordCache[V]) put(word string, v V) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending == nil {
		w.pending = make(map[string]V, wordCacheBatch)
	}
	w.pending[strings.Clone(word)] = v
	old := w.snap.Load()
	if old != nil && len(*old) >= 8*wordCacheBatch && len(w.pending) < wordCacheBatch {
		return
	}
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
}
