package server_test

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/ratelimit"
	"github.com/commentd/commentd/store/sqlite"
)

// wantStatus fails unless err is exactly code with text.
func wantStatus(t *testing.T, err error, code codes.Code, text string) {
	t.Helper()
	if st, _ := status.FromError(err); st.Code() != code || st.Message() != text {
		t.Errorf("got %v %q, want %v %q", st.Code(), st.Message(), code, text)
	}
}

// With Redis unreachable and the deny failure mode, the client is told the
// limiter is down (not the store), without Redis's own words.
func TestLimiterDownWithDenyNamesTheLimiter(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true, MaxRetries: -1})
		t.Cleanup(func() { dead.Close() })
		policy := testPolicy()
		policy.RateLimits.Failure = moderation.FailDeny
		c := start(t, b.open(t), moderation.WithLimiter(ratelimit.NewRedis(dead, "x")), moderation.WithPolicy(policy))
		_, err := c.SubmitComment(ctxT(t), submission("limiter-down", "Redis is gone"))
		wantStatus(t, err, codes.Unavailable, "the rate limiter is unavailable; retry with the same request_id later")
		if n := len(listAll(t, c, "limiter-down", 0)); n != 0 {
			t.Errorf("%d comments stored", n)
		}
	})
}

// A store that cannot take the write (another process holds SQLite's write
// lock past the busy timeout) is named as the store, without its driver's
// words.
func TestStoreDownNamesTheStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "commentd.db")
	st, err := sqlite.Open(ctxT(t), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := start(t, st)
	submit(t, c, submission("store-down", "before the lock"))

	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.BeginTx(ctxT(t), nil) // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	_, err = c.SubmitComment(ctxT(t), submission("store-down", "under the lock"))
	wantStatus(t, err, codes.Unavailable, "the comment store is unavailable; retry with the same request_id")
	if st, _ := status.FromError(err); strings.Contains(st.Message(), "locked") || strings.Contains(st.Message(), "sqlite") {
		t.Errorf("the driver's words reached the client: %q", st.Message())
	}
}
