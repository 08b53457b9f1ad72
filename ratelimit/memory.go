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
	sets map[string]*set
	ops  int
}

// set is a distinct-count subject: its members and when it lapses.
type set struct {
	members map[string]struct{}
	expires int64
}

// sweepEvery is how many calls pass between removals of expired entries,
// which bounds memory to the subjects active in their last window.
const sweepEvery = 4096

// NewMemory returns an empty in-process limiter.
func NewMemory() *Memory {
	return &Memory{now: time.Now, tats: make(map[string]int64), sets: make(map[string]*set)}
}

// Take implements moderation.Limiter.
func (m *Memory) Take(_ context.Context, site string, subjects []moderation.Subject) ([]moderation.Verdict, error) {
	now := m.now().UnixMicro()
	out := make([]moderation.Verdict, len(subjects))
	var keyBuf [6]string
	keys := keyBuf[:0]
	var nextBuf [6]int64
	next := nextBuf[:0]

	m.mu.Lock()
	defer m.mu.Unlock()
	refused := false
	for i, s := range subjects {
		k := site + "\x00" + s.Kind + "\x00" + s.Key
		var n int64
		if s.Member != "" {
			out[i] = m.count(k, s, now)
		} else {
			n, out[i] = gcra(m.tats[k], now, s.Rate)
		}
		keys, next = append(keys, k), append(next, n)
		if !out[i].Allowed && !s.Hold {
			refused = true
		}
	}
	if refused {
		return out, nil
	}
	for i, k := range keys {
		switch s := subjects[i]; {
		case s.Member != "":
			st := m.sets[k]
			if st == nil {
				st = &set{members: make(map[string]struct{}), expires: now + s.Rate.Every.Microseconds()}
				m.sets[k] = st
			}
			st.members[s.Member] = struct{}{}
		case out[i].Allowed:
			m.tats[k] = next[i]
		}
	}
	if m.ops++; m.ops >= sweepEvery {
		m.ops = 0
		m.sweep(now)
	}
	return out, nil
}

// count is the verdict of a distinct-count subject, as if Member joined.
func (m *Memory) count(k string, s moderation.Subject, now int64) moderation.Verdict {
	st := m.sets[k]
	if st != nil && st.expires <= now {
		delete(m.sets, k)
		st = nil
	}
	n := 1
	if st != nil {
		n = len(st.members)
		if _, ok := st.members[s.Member]; !ok {
			n++
		}
	}
	return moderation.Verdict{Allowed: n < s.Rate.Burst, Remaining: max(s.Rate.Burst-n, 0), Count: n}
}

func (m *Memory) sweep(now int64) {
	for k, tat := range m.tats {
		if tat <= now {
			delete(m.tats, k)
		}
	}
	for k, st := range m.sets {
		if st.expires <= now {
			delete(m.sets, k)
		}
	}
}
