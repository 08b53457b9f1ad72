package ratelimit

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commentd/commentd/moderation"
)

//go:embed script.lua
var scriptSource string

var script = redis.NewScript(scriptSource)

// Redis is a limiter on Redis, shared by every replica that uses the same
// Redis and prefix. One submission is one EVALSHA, whatever its number of
// subjects; a subject it already saw over its limit is refused from
// memory until its retry time, with no Redis trip at all.
//
// Keys look like "<prefix>{<prefix>:<site>}:<kind>:<hash>". The hash tag
// puts every key of a site in one Redis Cluster slot, which the one-script
// check of several subjects needs; sites spread over the cluster. Subject
// values (emails, IPs) are hashed, so Redis holds no reader data.
type Redis struct {
	client  redis.UniversalClient
	prefix  string
	denials *denials
}

// NewRedis returns a limiter on client whose keys start with prefix.
func NewRedis(client redis.UniversalClient, prefix string) *Redis {
	return &Redis{client: client, prefix: prefix, denials: newDenials(time.Now)}
}

// Load puts the script into Redis's script cache (on every Cluster
// primary), so that the first submissions need no EVAL fallback. A Redis
// restart empties the cache; Take then falls back to EVAL once.
func (r *Redis) Load(ctx context.Context) error {
	if err := script.Load(ctx, r.client).Err(); err != nil {
		return fmt.Errorf("ratelimit: load script: %w", err)
	}
	return nil
}

// Take implements moderation.Limiter.
func (r *Redis) Take(ctx context.Context, site string, subjects []moderation.Subject) ([]moderation.Verdict, error) {
	keys := make([]string, len(subjects))
	for i, s := range subjects {
		keys[i] = r.key(site, s)
	}
	if out, ok := r.denials.check(keys, subjects); ok {
		return out, nil
	}

	args := make([]any, 0, 4*len(subjects))
	for _, s := range subjects {
		hold := "0"
		if s.Hold {
			hold = "1"
		}
		args = append(args, strconv.FormatInt(s.Rate.Every.Microseconds(), 10), strconv.Itoa(s.Rate.Burst), hold, s.Member)
	}
	res, err := script.Run(ctx, r.client, keys, args...).Slice()
	if err != nil {
		return nil, fmt.Errorf("ratelimit: redis: %w", err)
	}
	out, err := parseVerdicts(res, len(subjects))
	if err != nil {
		return nil, err
	}
	for i, v := range out {
		if !v.Allowed && !subjects[i].Hold {
			r.denials.add(keys[i], v.RetryAfter)
		}
	}
	return out, nil
}

func (r *Redis) key(site string, s moderation.Subject) string {
	h := sha256.Sum256([]byte(s.Key))
	return r.prefix + "{" + r.prefix + ":" + site + "}:" + s.Kind + ":" + base64.RawURLEncoding.EncodeToString(h[:16])
}

func parseVerdicts(res []any, n int) ([]moderation.Verdict, error) {
	if len(res) != 4*n {
		return nil, fmt.Errorf("ratelimit: script returned %d numbers for %d subjects, want %d", len(res), n, 4*n)
	}
	out := make([]moderation.Verdict, n)
	for i := range out {
		var v [4]int64
		for j := range v {
			var ok bool
			if v[j], ok = res[4*i+j].(int64); !ok {
				return nil, errors.New("ratelimit: script returned a malformed result")
			}
		}
		out[i] = moderation.Verdict{Allowed: v[0] == 1, Remaining: int(v[1]), RetryAfter: time.Duration(v[2]) * time.Microsecond, Count: int(v[3])}
	}
	return out, nil
}

// Refused implements moderation.RefusalCache: it answers from the refusals
// Take saw, with no Redis trip.
func (r *Redis) Refused(site string, subjects []moderation.Subject) ([]moderation.Verdict, bool) {
	keys := make([]string, len(subjects))
	for i, s := range subjects {
		keys[i] = r.key(site, s)
	}
	return r.denials.check(keys, subjects)
}
