package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/internal/testredis"
	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
	"github.com/commentd/commentd/ratelimit"
)

// limiters returns the rate limiters a gRPC test runs against: the shared
// Redis (isolated by prefix), a throwaway 3-node Redis Cluster, and the
// in-process one.
func limiters(t *testing.T) map[string]func(t *testing.T) moderation.Limiter {
	var clusterOnce sync.Once
	var clusterAddrs []string
	return map[string]func(t *testing.T) moderation.Limiter{
		"memory": func(t *testing.T) moderation.Limiter { return ratelimit.NewMemory() },
		"redis": func(t *testing.T) moderation.Limiter {
			c, prefix := testredis.Shared(t)
			return ratelimit.NewRedis(c, prefix)
		},
		"cluster": func(t *testing.T) moderation.Limiter {
			clusterOnce.Do(func() { clusterAddrs = testredis.Cluster(t) })
			c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: clusterAddrs, ContextTimeoutEnabled: true})
			t.Cleanup(func() { c.Close() })
			return ratelimit.NewRedis(c, "commentdtest"+testredis.RandomHex(4))
		},
	}
}

// testPolicy is the default policy with two changes. A limiter deadline
// long enough for a loaded CI machine running -race: these tests are about
// what the limiter decides, and a missed 50ms deadline would hold comments
// instead (the tests of failures use dead servers, which fail at once).
// And first-time commenters published, so that tests of other things need
// not approve an author first; the rules' tests turn it back on.
func testPolicy() moderation.Policy {
	p := moderation.DefaultPolicy()
	p.RateLimits.Timeout = 5 * time.Second
	p.Rules.FirstTimeHold = false
	return p
}

func sqliteStore(t *testing.T) moderation.Store { return backends(t)[0].open(t) }

// exhausted checks a RESOURCE_EXHAUSTED answer and returns its retry delay
// and quota subjects.
func exhausted(t *testing.T, err error) (time.Duration, []string) {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != codes.ResourceExhausted {
		t.Fatalf("got %v, want RESOURCE_EXHAUSTED", err)
	}
	var retry time.Duration = -1
	var subjects []string
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.RetryInfo:
			retry = d.GetRetryDelay().AsDuration()
		case *errdetails.QuotaFailure:
			for _, v := range d.GetViolations() {
				subjects = append(subjects, v.GetSubject())
			}
		}
	}
	if retry < 0 || len(subjects) == 0 {
		t.Fatalf("RESOURCE_EXHAUSTED without RetryInfo or QuotaFailure: %v", st.Details())
	}
	return retry, subjects
}

func fromIP(article, ip string) *pb.SubmitCommentRequest {
	r := submission(article, "flooding the thread")
	r.Client.Ip = ip
	return r
}

func TestFourQuickCommentsFromOneIP(t *testing.T) {
	for name, newLimiter := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := start(t, sqliteStore(t), moderation.WithLimiter(newLimiter(t)))
			for i := 0; i < 3; i++ {
				if r := submit(t, c, fromIP("flood", "203.0.113.50")); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
					t.Fatalf("comment %d: %v", i+1, r)
				}
			}
			var header metadata.MD
			_, err := c.SubmitComment(ctxT(t), fromIP("flood", "203.0.113.50"), grpc.Header(&header))
			retry, subjects := exhausted(t, err)
			if retry < time.Second || retry > 15*time.Second {
				t.Errorf("retry delay %v, want between 1 and 15 s", retry)
			}
			// The delay in whole seconds, rounded up, as HTTP's Retry-After.
			if got, want := header.Get("retry-after"), []string{fmt.Sprint(int64((retry + time.Second - 1) / time.Second))}; !slices.Equal(got, want) {
				t.Errorf("retry-after header %v, want %v for a delay of %v", got, want, retry)
			}
			if len(subjects) != 1 || subjects[0] != "ip:203.0.113.50" {
				t.Errorf("quota subjects %v, want the client IP", subjects)
			}
			if n := len(listAll(t, c, "flood", 0)); n != 3 {
				t.Errorf("%d comments stored, want 3: a refused comment stores nothing", n)
			}
			time.Sleep(retry)
			if r := submit(t, c, fromIP("flood", "203.0.113.50")); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
				t.Errorf("after waiting the retry delay: %v", r)
			}
		})
	}
}

func TestConcurrentSubmissionsOnOneSubjectLetExactlyTheBurstThrough(t *testing.T) {
	policy := testPolicy()
	policy.RateLimits.ClientIP = moderation.Rate{Burst: 10, Every: time.Minute}
	policy.RateLimits.Network = moderation.Rate{}
	for name, newLimiter := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := start(t, sqliteStore(t), moderation.WithLimiter(newLimiter(t)), moderation.WithPolicy(policy))
			var ok, refused atomic.Int32
			var wg sync.WaitGroup
			for range 100 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := c.SubmitComment(ctxT(t), fromIP("storm", "198.51.100.7"))
					switch status.Code(err) {
					case codes.OK:
						if r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
							t.Errorf("accepted but %v: %v", r.GetStatus(), r.GetReasons())
						}
						ok.Add(1)
					case codes.ResourceExhausted:
						refused.Add(1)
					default:
						t.Errorf("unexpected answer %v", err)
					}
				}()
			}
			wg.Wait()
			if ok.Load() != 10 || refused.Load() != 90 {
				t.Errorf("%d accepted, %d refused; want 10 and 90", ok.Load(), refused.Load())
			}
			if n := len(listAll(t, c, "storm", 0)); n != 10 {
				t.Errorf("%d stored, want 10", n)
			}
		})
	}
}

func TestArticleSurgeHoldsInsteadOfRefusing(t *testing.T) {
	policy := testPolicy()
	policy.RateLimits.ArticleSurge = moderation.Rate{Burst: 2, Every: time.Minute}
	c := start(t, sqliteStore(t), moderation.WithLimiter(ratelimit.NewMemory()), moderation.WithPolicy(policy))
	for i := 0; i < 2; i++ {
		if r := submit(t, c, submission("breaking", "first!")); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
			t.Fatalf("comment %d: %v", i+1, r)
		}
	}
	r := submit(t, c, submission("breaking", "third"))
	if r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING || len(r.GetReasons()) != 1 || r.GetReasons()[0].GetRule() != "article_surge" {
		t.Fatalf("comment beyond the surge limit: %v, want PENDING with reason article_surge", r)
	}
	if r := submit(t, c, submission("quiet", "another article")); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
		t.Errorf("another article: %v, want PUBLISHED", r)
	}
}

// TestValidateOnlyTakesBudgetRetriesDoNot: a validate_only call runs every
// check, bans included, so it is limited like a submission, or a site key
// could probe bans at any rate. A retry of a stored comment costs nothing.
func TestValidateOnlyTakesBudgetRetriesDoNot(t *testing.T) {
	for name, newLimiter := range limiters(t) {
		if name == "cluster" {
			continue // covered by the limiter's own suite
		}
		t.Run(name, func(t *testing.T) {
			c := start(t, sqliteStore(t), moderation.WithLimiter(newLimiter(t)))
			for i := 0; i < 2; i++ {
				r := fromIP("budget", "192.0.2.44")
				r.ValidateOnly = true
				submit(t, c, r)
			}
			req := fromIP("budget", "192.0.2.44")
			req.RequestId = "retry-" + name
			first := submit(t, c, req).GetComment().GetId()
			for i := 0; i < 5; i++ {
				if got := submit(t, c, req).GetComment().GetId(); got != first {
					t.Fatalf("retry %d got %s, want %s", i, got, first)
				}
			}
			// Two checks and one comment used the IP's 3.
			probe := fromIP("budget", "192.0.2.44")
			probe.ValidateOnly = true
			_, err := c.SubmitComment(ctxT(t), probe)
			exhausted(t, err)
		})
	}
}

// TestMintedAddressesAndMissingIPsMeetLimits: plus-addressed emails reach
// one inbox and share its budget, so rotating IPv6 networks with them does
// not escape the per-email limit; submissions without a client IP share
// one network's budget per site.
func TestMintedAddressesAndMissingIPsMeetLimits(t *testing.T) {
	c := start(t, sqliteStore(t), moderation.WithLimiter(ratelimit.NewMemory()))
	for i := 0; i < 4; i++ {
		r := submission("minted", fmt.Sprintf("comment %d", i))
		r.Author.Email = fmt.Sprintf("Rotator+%d@Example.com", i)
		r.Client.Ip = fmt.Sprintf("2001:db8:%x::1", i+1) // a new /64 each time
		_, err := c.SubmitComment(ctxT(t), r)
		if i < 3 && err != nil {
			t.Fatalf("comment %d: %v", i, err)
		}
		if i == 3 {
			if _, subjects := exhausted(t, err); !slices.Equal(subjects, []string{"email:rotator@example.com"}) {
				t.Errorf("refused on %v, want the inbox's email limit", subjects)
			}
		}
	}
	policy := testPolicy()
	policy.RateLimits.Network = moderation.Rate{Burst: 2, Every: time.Minute}
	c = start(t, sqliteStore(t), moderation.WithLimiter(ratelimit.NewMemory()), moderation.WithPolicy(policy))
	for i := 0; i < 3; i++ {
		r := submission("no-ip", fmt.Sprintf("comment %d", i))
		r.Client.Ip = ""
		_, err := c.SubmitComment(ctxT(t), r)
		if i < 2 && err != nil {
			t.Fatalf("comment %d without an IP: %v", i, err)
		}
		if i == 2 {
			if _, subjects := exhausted(t, err); !slices.Equal(subjects, []string{"network:unknown"}) {
				t.Errorf("refused on %v, want the shared network of IP-less submissions", subjects)
			}
		}
	}
}

// TestRedisDyingMidStream kills a throwaway Redis in the middle of a
// stream of submissions: every one is answered within its deadline, every
// acknowledged comment is stored (held once Redis is gone), and limiting
// resumes by itself when a Redis is back on the address.
func TestRedisDyingMidStream(t *testing.T) {
	srv := testredis.NewServer(t)
	rc := redis.NewClient(&redis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { rc.Close() })
	// The production deadline: this test is about answering within it.
	policy := testPolicy()
	policy.RateLimits.Timeout = moderation.DefaultRateLimits().Timeout
	c := start(t, sqliteStore(t), moderation.WithLimiter(ratelimit.NewRedis(rc, "commentd")), moderation.WithPolicy(policy))

	type answer struct {
		resp    *pb.SubmitCommentResponse
		err     error
		took    time.Duration
		stopped bool
	}
	var answers []answer
	var stopped atomic.Bool
	for i := 0; i < 60; i++ {
		if i == 20 {
			srv.Stop()
			stopped.Store(true)
		}
		req := submission("outage", fmt.Sprintf("comment %d", i))
		req.Client.Ip = fmt.Sprintf("198.51.100.%d", i+1) // distinct readers
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		begin := time.Now()
		resp, err := c.SubmitComment(ctx, req)
		cancel()
		answers = append(answers, answer{resp, err, time.Since(begin), stopped.Load()})
	}

	stored := map[string]*pb.Comment{}
	for _, cm := range listAll(t, c, "outage", 0) {
		stored[cm.GetId()] = cm
	}
	held := 0
	for i, a := range answers {
		if a.err != nil {
			// Each call has a 2s deadline; the limiter's own deadline is 50ms,
			// so a dead Redis must never make a call miss its own.
			t.Errorf("submission %d: %v (after %v), want an answer within the call's deadline", i, a.err, a.took)
			continue
		}
		if a.resp.GetStatus() == pb.CommentStatus_COMMENT_STATUS_PENDING {
			if rs := a.resp.GetReasons(); len(rs) != 1 || rs[0].GetRule() != "ratelimit_unavailable" {
				t.Errorf("submission %d held for %v, want ratelimit_unavailable", i, rs)
			}
			held++
			detail, err := c.mod.GetCommentDetail(ctxT(t), &pb.GetCommentDetailRequest{Id: a.resp.GetComment().GetId()})
			if err != nil || detail.GetComment().GetComment().GetStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING {
				t.Errorf("held submission %d not in the store: %v, %v", i, detail, err)
			}
		} else if _, ok := stored[a.resp.GetComment().GetId()]; !ok {
			t.Errorf("published submission %d is not listed", i)
		}
		if a.stopped && a.resp.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING {
			t.Errorf("submission %d after Redis died: %v, want PENDING", i, a.resp.GetStatus())
		}
	}
	// Before the kill a slow moment may miss the 50ms deadline too and
	// hold a comment; after it, every one is held.
	if held < 40 {
		t.Errorf("%d held, want at least the 40 sent after Redis died", held)
	}

	srv.Start()
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var r *pb.SubmitCommentResponse
		r, err = c.SubmitComment(ctxT(t), fromIP("outage-after", "203.0.113.200"))
		if err != nil || r.GetStatus() == pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
			break
		}
	}
	for err == nil {
		_, err = c.SubmitComment(ctxT(t), fromIP("outage-after", "203.0.113.200"))
	}
	exhausted(t, err) // limiting is back
}

func TestRateLimiterFailureModes(t *testing.T) {
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true, MaxRetries: -1})
	t.Cleanup(func() { dead.Close() })
	for _, tc := range []struct {
		mode moderation.FailureMode
		want func(t *testing.T, r *pb.SubmitCommentResponse, err error)
	}{
		{moderation.FailAllow, func(t *testing.T, r *pb.SubmitCommentResponse, err error) {
			if err != nil || r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED ||
				len(r.GetReasons()) != 1 || r.GetReasons()[0].GetAction() != pb.RuleAction_RULE_ACTION_ALLOW {
				t.Errorf("allow: %v, %v; want PUBLISHED with an ALLOW reason", r, err)
			}
		}},
		{moderation.FailDeny, func(t *testing.T, r *pb.SubmitCommentResponse, err error) {
			if st, _ := status.FromError(err); st.Code() != codes.Unavailable || !strings.Contains(st.Message(), "retry") {
				t.Errorf("deny: %v, want UNAVAILABLE", err)
			}
		}},
		{moderation.FailHold, func(t *testing.T, r *pb.SubmitCommentResponse, err error) {
			if err != nil || r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING {
				t.Errorf("hold: %v, %v; want PENDING", r, err)
			}
		}},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			policy := testPolicy()
			policy.RateLimits.Failure = tc.mode
			c := start(t, sqliteStore(t), moderation.WithLimiter(ratelimit.NewRedis(dead, "x")), moderation.WithPolicy(policy))
			r, err := c.SubmitComment(ctxT(t), submission("modes", "Redis is gone"))
			tc.want(t, r, err)
			stored := len(listAll(t, c, "modes", 0))
			if tc.mode == moderation.FailAllow && stored != 1 || tc.mode != moderation.FailAllow && stored != 0 {
				t.Errorf("%d published comments stored", stored)
			}
		})
	}
}

// priorCounter counts the store's pre-submission reads.
type priorCounter struct {
	moderation.Store
	n atomic.Int64
}

func (p *priorCounter) Prior(ctx context.Context, q moderation.PriorQuery) (moderation.Prior, error) {
	p.n.Add(1)
	return p.Store.Prior(ctx, q)
}

// A reader already known to be over a limit is refused from memory: no
// store read, no Redis trip. A retry of the comment that used up the
// budget is still answered with its first answer.
func TestKnownFloodIsRefusedFromMemory(t *testing.T) {
	rc, prefix := testredis.Shared(t)
	var trips testredis.Trips
	rc.AddHook(&trips)
	st := &priorCounter{Store: sqliteStore(t)}
	c := start(t, st, moderation.WithLimiter(ratelimit.NewRedis(rc, prefix)))

	var last *pb.SubmitCommentResponse
	lastReq := fromIP("flood", "203.0.113.77")
	for i := range 3 {
		req := fromIP("flood", "203.0.113.77")
		req.Body = fmt.Sprintf("comment number %d", i)
		req.RequestId = fmt.Sprintf("req-%d", i)
		lastReq, last = req, submit(t, c, req)
	}
	_, err := c.SubmitComment(ctxT(t), fromIP("flood", "203.0.113.77")) // refused by Redis
	exhausted(t, err)

	st.n.Store(0)
	trips.N.Store(0)
	for i := range 50 {
		req := fromIP("flood", "203.0.113.77")
		req.Body = fmt.Sprintf("flood %d", i)
		req.RequestId = fmt.Sprintf("flood-%d", i)
		_, err := c.SubmitComment(ctxT(t), req)
		exhausted(t, err)
	}
	if n, r := st.n.Load(), trips.N.Load(); n != 0 || r != 0 {
		t.Errorf("50 refusals of a known flood: %d store reads, %d Redis round trips; want 0 and 0", n, r)
	}

	again := submit(t, c, lastReq)
	if again.GetComment().GetId() != last.GetComment().GetId() {
		t.Errorf("retry of the last accepted comment while refused: id %s, want the first answer's %s",
			again.GetComment().GetId(), last.GetComment().GetId())
	}
	if n := len(listAll(t, c, "flood", 0)); n != 3 {
		t.Errorf("%d comments stored, want 3", n)
	}
}
