package ratelimit

import (
	"context"
	"sync"
	"time"

	"github.com/commentd/commentd/moderation"
)

// Memory is an in-process limiter: the same GCRA and semantics as Redis,
// for one replica. With several replicas each keeps its own budget.
type Memory struct {
	now  func() time.Time
	mu   sync.Mutex
	tats map[string]int64
	ops  int
}

// sweepEvery is how many calls pass between removals of expired TATs,
// which bounds memory to the subjects active in the last burst window.
const sweepEvery = 4096

// NewMemory returns an empty in-process limiter.
func NewMemory() *Memory {
	return &Memory{now: time.Now, tats: make(map[string]int64)}
}

// Take implements moderation.Limiter.
func (m *Memory) Take(_ context.Context, site string, subjects []moderation.Subject, dryRun bool) ([]moderation.Verdict, error) {
	now := m.now().UnixMicro()
	out := make([]moderation.Verdict, len(subjects))
	var keyBuf [4]string
	keys := keyBuf[:0]
	var nextBuf [4]int64
	next := nextBuf[:0]

	m.mu.Lock()
	defer m.mu.Unlock()
	refused := false
	for i, s := range subjects {
		k := site + "\x00" + s.Kind + "\x00" + s.Key
		n, v := gcra(m.tats[k], now, s.Rate)
		out[i] = v
		keys, next = append(keys, k), append(next, n)
		if !v.Allowed && !s.Hold {
			refused = true
		}
	}
	if dryRun || refused {
		return out, nil
	}
	for i, k := range keys {
		if out[i].Allowed {
			m.tats[k] = next[i]
		}
	}
	if m.ops++; m.ops >= sweepEvery {
		m.ops = 0
		for k, tat := range m.tats {
			if tat <= now {
				delete(m.tats, k)
			}
		}
	}
	return out, nil
}
