package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/notify"
	"github.com/commentd/commentd/ratelimit"
)

// newRedisClient parses --redis: one redis://, rediss:// or unix:// URL
// for a single server, or a comma-separated list of cluster nodes, each a
// host:port or a URL (credentials and TLS come from the first).
func newRedisClient(spec, caFile string) (redis.UniversalClient, error) {
	var roots *x509.CertPool
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("--redis-ca: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--redis-ca: %s holds no PEM certificate", caFile)
		}
	}
	withRoots := func(cfg *tls.Config) {
		if cfg != nil && roots != nil {
			cfg.RootCAs = roots
		}
	}
	parts := strings.Split(spec, ",")
	if len(parts) == 1 {
		o, err := redis.ParseURL(strings.TrimSpace(spec))
		if err != nil {
			// The URL may hold a password: do not echo it.
			return nil, fmt.Errorf("--redis: want a redis://, rediss:// or unix:// URL, or a comma-separated list of cluster nodes")
		}
		withRoots(o.TLSConfig)
		// Without this go-redis ignores context deadlines, and the
		// limiter's deadline of tens of milliseconds would not hold.
		o.ContextTimeoutEnabled = true
		o.DialTimeout = 2 * time.Second
		return redis.NewClient(o), nil
	}
	o := &redis.ClusterOptions{ContextTimeoutEnabled: true, DialTimeout: 2 * time.Second}
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if !strings.Contains(p, "://") {
			o.Addrs = append(o.Addrs, p)
			continue
		}
		u, err := redis.ParseURL(p)
		if err != nil {
			return nil, fmt.Errorf("--redis: cluster node %d is not a valid Redis URL", i+1)
		}
		o.Addrs = append(o.Addrs, u.Addr)
		if i == 0 {
			o.Username, o.Password, o.TLSConfig = u.Username, u.Password, u.TLSConfig
			withRoots(o.TLSConfig)
		}
	}
	return redis.NewClusterClient(o), nil
}

// openLimiter is the one place that picks the rate limiter: Redis when
// there is one, else in process.
func openLimiter(ctx context.Context, log *slog.Logger, client redis.UniversalClient, prefix string) moderation.Limiter {
	if client == nil {
		log.Warn("no --redis given: rate limits are kept in this process only; with several replicas each has its own budget")
		return ratelimit.NewMemory()
	}
	l := ratelimit.NewRedis(client, prefix)
	lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := l.Load(lctx); err != nil {
		// Not fatal: the failure mode covers a Redis that is down, and
		// limiting starts by itself when it comes up.
		log.Warn("Redis did not answer at start; the rate-limit failure mode applies until it does", "err", err)
	}
	return l
}

// openBus is the one place that picks how watchers on every replica hear
// at once of held comments: Redis pub/sub, else the store's own
// (PostgreSQL LISTEN/NOTIFY), else this process only. Watchers read what
// was held from the store's queue log, which they also poll every second.
func openBus(log *slog.Logger, client redis.UniversalClient, prefix string, store moderation.Store) moderation.Bus {
	if client != nil {
		return notify.NewRedis(client, prefix)
	}
	if b, ok := store.(moderation.Bus); ok {
		return b
	}
	log.Info("no --redis and a SQLite store: WatchQueue hears at once of the comments held by this process, within a second of those held by others sharing the file")
	return notify.NewLocal()
}

// quietRedis drops go-redis's own log lines: it prints one per failed dial,
// and the service already logs limiter failures once per burst.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}
