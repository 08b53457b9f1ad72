package ratelimit

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commentd/commentd/internal/testredis"
	"github.com/commentd/commentd/moderation"
)

func TestGCRA(t *testing.T) {
	r := moderation.Rate{Burst: 3, Every: 15 * time.Second}
	const s = int64(time.Second / time.Microsecond)
	now := int64(1_000_000) * s
	tat := int64(0)
	for i, wantRemaining := range []int{2, 1, 0} {
		var v moderation.Verdict
		tat, v = gcra(tat, now, r)
		if !v.Allowed || v.Remaining != wantRemaining {
			t.Fatalf("request %d: %+v, want allowed with %d remaining", i+1, v, wantRemaining)
		}
	}
	same, v := gcra(tat, now+2*s, r)
	if v.Allowed || v.RetryAfter != 13*time.Second || same != tat {
		t.Fatalf("4th request 2s later: %+v (tat moved %v), want refused for 13s and no change", v, same != tat)
	}
	if _, v := gcra(tat, now+15*s, r); !v.Allowed || v.Remaining != 0 {
		t.Fatalf("after the retry time: %+v, want allowed", v)
	}
	if _, v := gcra(tat, now+60*s, r); !v.Allowed || v.Remaining != 2 {
		t.Fatalf("after a long pause: %+v, want the burst back", v)
	}
}

// limiter is one implementation under test.
type limiter interface {
	moderation.Limiter
}

// TestLimiters runs one suite against every implementation: in process,
// the shared Redis, and a throwaway 3-node Redis Cluster. Each case uses
// a site of its own, so cases share the servers without colliding.
func TestLimiters(t *testing.T) {
	clusterAddrs := testredis.Cluster(t)
	implementations := map[string]func(t *testing.T) limiter{
		"memory": func(t *testing.T) limiter { return NewMemory() },
		"redis": func(t *testing.T) limiter {
			c, prefix := testredis.Shared(t)
			return NewRedis(c, prefix)
		},
		"cluster": func(t *testing.T) limiter {
			c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: clusterAddrs, ContextTimeoutEnabled: true})
			t.Cleanup(func() { c.Close() })
			return NewRedis(c, "commentdtest")
		},
	}
	for name, newLimiter := range implementations {
		t.Run(name, func(t *testing.T) {
			for _, tc := range []struct {
				name string
				fn   func(t *testing.T, l limiter, site string)
			}{
				{"BurstThenRefuse", testBurstThenRefuse},
				{"RefusalCostsOthersNothing", testRefusalCostsOthersNothing},
				{"HoldSubjectsDoNotRefuse", testHoldSubjectsDoNotRefuse},
				{"ExactUnderConcurrency", testExactUnderConcurrency},
				{"SitesAreSeparate", testSitesAreSeparate},
				{"AllowedAgainAfterRetry", testAllowedAgainAfterRetry},
				{"DistinctCounts", testDistinctCounts},
			} {
				t.Run(tc.name, func(t *testing.T) {
					tc.fn(t, newLimiter(t), "site-"+testredis.RandomHex(4))
				})
			}
		})
	}
}

var flood = moderation.Rate{Burst: 3, Every: 15 * time.Second}

func take(t *testing.T, l limiter, site string, subjects ...moderation.Subject) []moderation.Verdict {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := l.Take(ctx, site, subjects)
	if err != nil {
		t.Fatalf("Take: %v", err)
	}
	if len(v) != len(subjects) {
		t.Fatalf("Take returned %d verdicts for %d subjects", len(v), len(subjects))
	}
	return v
}

func subject(kind, key string, r moderation.Rate) moderation.Subject {
	return moderation.Subject{Kind: kind, Key: key, Rate: r}
}

func testBurstThenRefuse(t *testing.T, l limiter, site string) {
	ip := subject("ip", "203.0.113.7", flood)
	for i, want := range []int{2, 1, 0} {
		if v := take(t, l, site, ip)[0]; !v.Allowed || v.Remaining != want {
			t.Fatalf("comment %d: %+v, want allowed with %d left", i+1, v, want)
		}
	}
	v := take(t, l, site, ip)[0]
	if v.Allowed || v.RetryAfter <= 14*time.Second || v.RetryAfter > 15*time.Second {
		t.Fatalf("4th comment: %+v, want refused for just under 15s", v)
	}
}

func testRefusalCostsOthersNothing(t *testing.T, l limiter, site string) {
	tight := subject("ip", "198.51.100.1", moderation.Rate{Burst: 1, Every: time.Minute})
	roomy := subject("email", "priya@example.in", moderation.Rate{Burst: 5, Every: time.Minute})
	take(t, l, site, tight, roomy)
	if v := take(t, l, site, tight, roomy); v[0].Allowed {
		t.Fatalf("second call: %+v, want the tight subject refused", v)
	}
	if v := take(t, l, site, roomy)[0]; !v.Allowed || v.Remaining != 3 {
		t.Fatalf("roomy subject after a refusal: %+v, want 3 left (the refused call took nothing)", v)
	}
}

func testHoldSubjectsDoNotRefuse(t *testing.T, l limiter, site string) {
	article := moderation.Subject{Kind: "article", Key: "breaking-news", Rate: moderation.Rate{Burst: 1, Every: time.Minute}, Hold: true}
	ip := subject("ip", "192.0.2.1", moderation.Rate{Burst: 5, Every: time.Minute})
	take(t, l, site, article, ip)
	v := take(t, l, site, article, ip)
	if v[0].Allowed || !v[1].Allowed || v[1].Remaining != 3 {
		t.Fatalf("over the article's limit: %+v, want the article over and the IP charged (3 left)", v)
	}
	// A held comment is still a comment: the IP was charged.
	if v := take(t, l, site, ip)[0]; v.Remaining != 2 {
		t.Fatalf("IP after a held comment: %+v, want 2 left", v)
	}
}

func testExactUnderConcurrency(t *testing.T, l limiter, site string) {
	ip := subject("ip", "203.0.113.99", moderation.Rate{Burst: 10, Every: time.Minute})
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := l.Take(context.Background(), site, []moderation.Subject{ip})
			if err != nil {
				t.Error(err)
				return
			}
			if v[0].Allowed {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	if got := allowed.Load(); got != 10 {
		t.Fatalf("100 concurrent comments with a burst of 10: %d allowed", got)
	}
}

func testSitesAreSeparate(t *testing.T, l limiter, site string) {
	ip := subject("ip", "203.0.113.5", moderation.Rate{Burst: 1, Every: time.Minute})
	take(t, l, site, ip)
	if v := take(t, l, site+"-other", ip)[0]; !v.Allowed {
		t.Fatalf("same IP on another site: %+v, want allowed", v)
	}
}

func testAllowedAgainAfterRetry(t *testing.T, l limiter, site string) {
	ip := subject("ip", "203.0.113.6", moderation.Rate{Burst: 1, Every: 300 * time.Millisecond})
	take(t, l, site, ip)
	v := take(t, l, site, ip)[0]
	if v.Allowed || v.RetryAfter <= 0 || v.RetryAfter > 300*time.Millisecond {
		t.Fatalf("second: %+v, want refused for at most 300ms", v)
	}
	time.Sleep(v.RetryAfter + 5*time.Millisecond)
	if v := take(t, l, site, ip)[0]; !v.Allowed {
		t.Fatalf("after waiting the retry time: %+v, want allowed", v)
	}
}

func fourSubjects(i int) []moderation.Subject {
	return []moderation.Subject{
		subject("ip", fmt.Sprintf("203.0.113.%d", i%250), flood),
		subject("network", "203.0.113.0/24", moderation.Rate{Burst: 1_000_000, Every: time.Microsecond}),
		subject("email", fmt.Sprintf("reader%d@example.in", i), flood),
		{Kind: "article", Key: "budget", Rate: moderation.Rate{Burst: 1_000_000, Every: time.Microsecond}, Hold: true},
	}
}

func TestRedisRoundTrips(t *testing.T) {
	c, prefix := testredis.Shared(t)
	var trips testredis.Trips
	c.AddHook(&trips)
	l := NewRedis(c, prefix)
	ctx := context.Background()
	if err := l.Load(ctx); err != nil {
		t.Fatal(err)
	}

	trips.N.Store(0)
	if _, err := l.Take(ctx, "site", fourSubjects(1)); err != nil {
		t.Fatal(err)
	}
	if n := trips.N.Load(); n != 1 {
		t.Errorf("allowed submission with 4 subjects: %d round trips, want 1", n)
	}

	abusive := []moderation.Subject{subject("ip", "198.51.100.66", moderation.Rate{Burst: 1, Every: time.Minute})}
	l.Take(ctx, "site", abusive)
	l.Take(ctx, "site", abusive) // refused by Redis: now cached
	trips.N.Store(0)
	for range 100 {
		v, err := l.Take(ctx, "site", abusive)
		if err != nil || v[0].Allowed || v[0].RetryAfter <= 0 {
			t.Fatalf("cached refusal: %+v, %v", v, err)
		}
	}
	if n := trips.N.Load(); n != 0 {
		t.Errorf("100 submissions from a subject known to be over its limit: %d round trips, want 0", n)
	}
}

func TestRedisKeysHoldNoReaderDataAndExpire(t *testing.T) {
	c, prefix := testredis.Shared(t)
	l := NewRedis(c, prefix)
	ctx := context.Background()
	r := moderation.Rate{Burst: 3, Every: 15 * time.Second}
	if _, err := l.Take(ctx, "news", []moderation.Subject{subject("email", "priya.sharma@example.in", r)}); err != nil {
		t.Fatal(err)
	}
	keys, err := c.Keys(ctx, prefix+"*").Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys = %v, %v; want one", keys, err)
	}
	if strings.Contains(keys[0], "priya") || !strings.Contains(keys[0], "{"+prefix+":news}") {
		t.Errorf("key %q: want a hashed subject under the site's hash tag", keys[0])
	}
	ttl, err := c.PTTL(ctx, keys[0]).Result()
	if err != nil || ttl <= 0 || ttl > 15*time.Second {
		t.Errorf("TTL = %v, %v; want at most one interval (15s) after one comment", ttl, err)
	}
}

func TestRedisRecoversFromRestartAndScriptFlush(t *testing.T) {
	srv := testredis.NewServer(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true, MaxRetries: -1})
	defer c.Close()
	l := NewRedis(c, "commentd")
	ip := []moderation.Subject{subject("ip", "203.0.113.1", flood)}

	if err := c.ScriptFlush(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Take(context.Background(), "s", ip); err != nil {
		t.Fatalf("after SCRIPT FLUSH (NOSCRIPT → EVAL): %v", err)
	}

	srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	start := time.Now()
	_, err := l.Take(ctx, "s", ip)
	cancel()
	if err == nil || time.Since(start) > time.Second {
		t.Fatalf("with Redis down: err %v after %v; want an error within the deadline", err, time.Since(start))
	}

	srv.Start()
	var v []moderation.Verdict
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if v, err = l.Take(context.Background(), "s", ip); err == nil {
			break
		}
	}
	if err != nil || !v[0].Allowed || v[0].Remaining != 2 {
		t.Fatalf("after Redis came back (empty): %+v, %v; want a fresh budget", v, err)
	}
}

// BenchmarkRedisPing is the baseline for BenchmarkRedisTake: one bare
// round trip to the same Redis through the same client.
func BenchmarkRedisPing(b *testing.B) {
	c, _ := testredis.Shared(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Ping(ctx).Err(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRedisTake is one submission's limiter check on the allow path:
// four subjects (IP, network, email, article), one EVALSHA that stores four
// TATs.
func BenchmarkRedisTake(b *testing.B) {
	c, prefix := testredis.Shared(b)
	l := NewRedis(c, prefix)
	ctx := context.Background()
	if err := l.Load(ctx); err != nil {
		b.Fatal(err)
	}
	roomy := moderation.Rate{Burst: 1 << 30, Every: time.Microsecond}
	subjects := make([][]moderation.Subject, 1024)
	for i := range subjects {
		subjects[i] = fourSubjects(i)
		for j := range subjects[i] {
			subjects[i][j].Rate = roomy
		}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		v, err := l.Take(ctx, "bench", subjects[i%len(subjects)])
		if err != nil || !v[0].Allowed {
			b.Fatal(v, err)
		}
	}
}

func BenchmarkRedisTakeCachedRefusal(b *testing.B) {
	c, prefix := testredis.Shared(b)
	l := NewRedis(c, prefix)
	ctx := context.Background()
	abusive := fourSubjects(7)
	abusive[0].Rate = moderation.Rate{Burst: 1, Every: time.Hour}
	l.Take(ctx, "bench", abusive)
	l.Take(ctx, "bench", abusive)
	b.ReportAllocs()
	for b.Loop() {
		if v, _ := l.Take(ctx, "bench", abusive); v[0].Allowed {
			b.Fatal("allowed")
		}
	}
}

func BenchmarkMemoryTake(b *testing.B) {
	l := NewMemory()
	subjects := make([][]moderation.Subject, 1024)
	for i := range subjects {
		subjects[i] = fourSubjects(i)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		l.Take(context.Background(), "bench", subjects[i%len(subjects)])
	}
}

func testDistinctCounts(t *testing.T, l limiter, site string) {
	window := moderation.Rate{Burst: 3, Every: time.Hour}
	campaign := func(member string) moderation.Subject {
		return moderation.Subject{Kind: "campaign_article", Key: "fingerprint-1", Member: member, Rate: window, Hold: true}
	}
	ip := subject("ip", "203.0.113.8", moderation.Rate{Burst: 10, Every: time.Minute})
	for i, tc := range []struct {
		member  string
		count   int
		allowed bool
	}{{"a1", 1, true}, {"a1", 1, true}, {"a2", 2, true}, {"a3", 3, false}, {"a2", 3, false}} {
		v := take(t, l, site, campaign(tc.member), ip)
		if v[0].Count != tc.count || v[0].Allowed != tc.allowed || !v[1].Allowed {
			t.Fatalf("step %d (%s): %+v, want count %d allowed %v", i, tc.member, v, tc.count, tc.allowed)
		}
	}
	// A refused submission adds no member either.
	over := subject("email", "x@example.com", moderation.Rate{Burst: 1, Every: time.Minute})
	take(t, l, site, over)
	take(t, l, site, campaign("refused"), over)
	if v := take(t, l, site, campaign("a1"))[0]; v.Count != 3 {
		t.Fatalf("after a refused submission: %+v, want count 3", v)
	}
}
