package moderation

import "sync"

// recentRequests remembers the request ids of the last comments this
// replica stored, so that a retry of one is answered from the store even
// when its reader is being refused from memory. It holds at most size
// ids and forgets the oldest first.
type recentRequests struct {
	mu   sync.Mutex
	seen map[string]struct{}
	ring []string
	next int
}

const recentRequestIDs = 1 << 16

func newRecentRequests(size int) *recentRequests {
	return &recentRequests{seen: make(map[string]struct{}, size), ring: make([]string, size)}
}

func recentKey(site, requestID string) string { return site + "\x00" + requestID }

func (r *recentRequests) add(site, requestID string) {
	k := recentKey(site, requestID)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.seen[k]; ok {
		return
	}
	if old := r.ring[r.next]; old != "" {
		delete(r.seen, old)
	}
	r.ring[r.next] = k
	r.seen[k] = struct{}{}
	r.next = (r.next + 1) % len(r.ring)
}

func (r *recentRequests) has(site, requestID string) bool {
	k := recentKey(site, requestID)
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.seen[k]
	return ok
}
