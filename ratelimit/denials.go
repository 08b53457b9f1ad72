package ratelimit

import (
	"sync"
	"time"

	"github.com/commentd/commentd/moderation"
)

// maxDenials bounds the denial cache. Past it, new denials are not cached
// (they cost a Redis trip each, nothing worse).
const maxDenials = 100_000

// denials remembers subjects that Redis refused, until their retry time.
// A refusal stays true until then whatever other replicas do, because
// requests only ever move a subject's TAT later; so answering from memory
// is exact, and an abusive reader costs no Redis trip.
type denials struct {
	now   func() time.Time
	mu    sync.Mutex
	until map[string]time.Time
}

func newDenials(now func() time.Time) *denials {
	return &denials{now: now, until: make(map[string]time.Time)}
}

// check answers from the cache when one of the refusing subjects is known
// to be over its limit. The other subjects' verdicts are then unknown and
// reported as allowed: the submission is refused whatever they are.
func (d *denials) check(keys []string, subjects []moderation.Subject) ([]moderation.Verdict, bool) {
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.until) == 0 {
		return nil, false
	}
	var out []moderation.Verdict
	for i, k := range keys {
		until, ok := d.until[k]
		if !ok || subjects[i].Hold {
			continue
		}
		if !now.Before(until) {
			delete(d.until, k)
			continue
		}
		if out == nil {
			out = make([]moderation.Verdict, len(keys))
			for j := range out {
				out[j].Allowed = true
			}
		}
		out[i] = moderation.Verdict{RetryAfter: until.Sub(now)}
	}
	return out, out != nil
}

func (d *denials) add(key string, retryAfter time.Duration) {
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.until) >= maxDenials {
		for k, u := range d.until {
			if !now.Before(u) {
				delete(d.until, k)
			}
		}
		if len(d.until) >= maxDenials {
			return
		}
	}
	d.until[key] = now.Add(retryAfter)
}
