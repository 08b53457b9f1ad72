package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commentd/commentd/internal/testpg"
)

// environment is the Redis and the PostgreSQL database the bench uses,
// isolated by a key prefix and a database of its own.
type environment struct {
	redisURL string
	prefix   string
	redis    *redis.Client
	pgDSN    string
	dropPG   func(context.Context) error
}

func newEnvironment(ctx context.Context) (*environment, error) {
	e := &environment{redisURL: os.Getenv("COMMENTD_TEST_REDIS"), prefix: "commentd-bench-" + randomHex(6) + ":"}
	if e.redisURL == "" {
		e.redisURL = "redis://127.0.0.1:6379/0"
	}
	o, err := redis.ParseURL(e.redisURL)
	if err != nil {
		return nil, fmt.Errorf("COMMENTD_TEST_REDIS: %w", err)
	}
	e.redis = redis.NewClient(o)
	if err := e.redis.Ping(ctx).Err(); err != nil {
		e.redis.Close()
		return nil, fmt.Errorf("the bench needs Redis at %s (make bench starts one when redis-server is installed): %w", o.Addr, err)
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	e.pgDSN, e.dropPG, err = testpg.Create(cctx, testpg.AdminDSN())
	if err != nil {
		e.redis.Close()
		return nil, err
	}
	return e, nil
}

// close drops the database and deletes every key under the prefix.
func (e *environment) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.dropPG(ctx); err != nil {
		log.Print(err)
	}
	iter := e.redis.Scan(ctx, 0, e.prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		if err := e.redis.Unlink(ctx, keys[:n]...).Err(); err != nil {
			log.Printf("delete bench keys: %v", err)
			break
		}
		keys = keys[n:]
	}
	if err := iter.Err(); err != nil {
		log.Printf("scan bench keys: %v", err)
	}
	e.redis.Close()
}

// serverSpec is one server under test.
type serverSpec struct {
	name     string
	baseline bool
	bin      string
	args     []string
	env      []string
	// store is "sqlite" or "postgres" for commentd; dsn is where its
	// comments are, for the exactly-once check.
	store string
	dsn   string
}

const (
	echoName      = "echo"
	echoRedisName = "echo+EVALSHA"
)

func (e *environment) servers(bin string) []serverSpec {
	commentd := func(name, store, db string) serverSpec {
		return serverSpec{
			name: name, bin: filepath.Join(bin, "commentd"), store: store, dsn: db,
			env: []string{
				"COMMENTD_DB=" + db,
				"COMMENTD_REDIS=" + e.redisURL,
				"COMMENTD_REDIS_PREFIX=" + e.prefix + store,
				"COMMENTD_LOG_LEVEL=warn",
			},
		}
	}
	return []serverSpec{
		{name: echoName, baseline: true, bin: filepath.Join(bin, "echo")},
		{name: echoRedisName, baseline: true, bin: filepath.Join(bin, "echo"),
			args: []string{"-redis", e.redisURL, "-redis-prefix", e.prefix + "echo:"}},
		commentd("commentd SQLite", "sqlite", filepath.Join(bin, "bench.db")),
		commentd("commentd PostgreSQL", "postgres", e.pgDSN),
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
