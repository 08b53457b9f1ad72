package moderation_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/ratelimit"
)

// recorder is an Observer that keeps what it heard.
type recorder struct {
	mu       sync.Mutex
	decided  []moderation.Status
	limited  []string
	failures int
	learned  []string
	webhooks []string // endpoint:result
}

func (r *recorder) Decided(st moderation.Status, _ []moderation.Reason) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.decided = append(r.decided, st)
}

func (r *recorder) Limited(kind string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.limited = append(r.limited, kind)
}

func (r *recorder) LimiterFailed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures++
}

func (r *recorder) Learned(verdict string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.learned = append(r.learned, verdict)
}

func (r *recorder) WebhookAttempt(endpoint, result string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.webhooks = append(r.webhooks, endpoint+":"+result)
}

// The observer hears each decision once, refusals by subject, and
// limiter failures; retries and refusals are not decisions.
func TestObserver(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{}
	lim := ratelimit.NewMemory()
	svc := newService(t, moderation.WithObserver(rec), moderation.WithLimiter(lim), moderation.WithPolicy(policy(returning)))
	s := submission("A fair point.")
	s.RequestID = "req-observed"
	mustSubmit(t, svc, s, moderation.StatusPublished)
	mustSubmit(t, svc, s, moderation.StatusPublished) // a retry
	s.RequestID = ""
	s.Body = "Join the online casino tonight"
	mustSubmit(t, svc, s, moderation.StatusPending)
	s.Body = "Play satta king tonight"
	mustSubmit(t, svc, s, moderation.StatusSpam)
	s.Body = "Over the limit."
	if _, err := svc.Submit(ctx, s); moderation.ErrorCode(err) != moderation.CodeResourceExhausted {
		t.Fatalf("fourth comment: %v", err)
	}
	if want := []moderation.Status{moderation.StatusPublished, moderation.StatusPending, moderation.StatusSpam}; !slices.Equal(rec.decided, want) {
		t.Errorf("decided %v, want %v", rec.decided, want)
	}
	if want := []string{"ip", "email"}; !slices.Equal(rec.limited, want) {
		t.Errorf("limited %q, want %q", rec.limited, want)
	}
	down := newService(t, moderation.WithObserver(rec), moderation.WithLimiter(&stubLimiter{err: context.DeadlineExceeded}))
	mustSubmit(t, down, submission("A fair point."), moderation.StatusPending)
	if rec.failures != 1 {
		t.Errorf("%d limiter failures heard, want 1", rec.failures)
	}
}

// A replica that runs picks up word lists and bans changed through
// another replica of the same store.
func TestRulesFollowOtherReplicas(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	st := newStore(t)
	here := newServiceOn(t, st, moderation.WithPolicy(policy(returning)))
	there := newServiceOn(t, st, moderation.WithPolicy(policy(returning)), moderation.WithRulesPoll(time.Millisecond))
	ran := make(chan struct{})
	go func() { defer close(ran); there.Run(ctx) }()
	defer func() { cancel(); <-ran }()

	if _, err := here.UpdateWordList(ctx, "asha", "", moderation.ListBlock, []string{"lucky draw"}, nil); err != nil {
		t.Fatal(err)
	}
	// Wait for the poll, however long the machine takes; the test's own
	// deadline bounds it.
	check := submission("Enter the lucky draw")
	check.ValidateOnly = true
	for {
		res, err := there.Submit(ctx, check)
		if err != nil {
			t.Fatal(err)
		}
		if res.Comment.Status == moderation.StatusSpam {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if !slices.Equal(ruleNames(mustSubmit(t, there, submission("Enter the lucky draw"), moderation.StatusSpam).Reasons), []string{"wordlist_block"}) {
		t.Error("the other replica's term is not the reason")
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want moderation.Status
		ok   bool
	}{{"pending", moderation.StatusPending, true}, {"PUBLISHED", moderation.StatusPublished, true}, {"Spam", moderation.StatusSpam, true},
		{"held", moderation.StatusUnspecified, false}, {"unspecified", moderation.StatusUnspecified, false}} {
		got, err := moderation.ParseStatus(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseStatus(%q) = %s, %v", tc.in, got, err)
		}
	}
	for _, m := range []moderation.FailureMode{moderation.FailHold, moderation.FailAllow, moderation.FailDeny} {
		if got, err := moderation.ParseFailureMode(m.String()); got != m || err != nil {
			t.Errorf("ParseFailureMode(%q) = %v, %v", m, got, err)
		}
	}
	if _, err := moderation.ParseFailureMode("ignore"); err == nil {
		t.Error("ParseFailureMode(ignore) succeeded")
	}
	for _, tc := range []struct {
		c    moderation.Cursor
		want string
	}{
		{moderation.Cursor{Time: time.Unix(1, 0), ID: "01a21a73-7807-7785-ab1d-5024ed3eeb71"}, ""},
		{moderation.Cursor{ID: "01a21a73"}, "holds a position outside any listing"},
		{moderation.Cursor{Time: time.Unix(1, 0), ID: "a/b"}, "is not a comment id"},
	} {
		if got := moderation.CheckCursor(tc.c); got != tc.want {
			t.Errorf("CheckCursor(%+v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}
