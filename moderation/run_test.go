package moderation_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/notify"
)

// ownGoroutines lists the stacks of live goroutines running commentd's
// code, other than the caller's own.
func ownGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i > 0 && strings.Contains(g, "github.com/commentd/commentd/") {
			out = append(out, g)
		}
	}
	return out
}

// TestNothingOutlivesShutdown: Run starts every background goroutine of
// the Service and returns only when all of them have stopped; watchers
// stop with their context, the store's goroutines with Close. Afterwards
// no goroutine of commentd's is left.
func TestNothingOutlivesShutdown(t *testing.T) {
	if g := ownGoroutines(); len(g) != 0 {
		t.Fatalf("goroutines before the test:\n%s", strings.Join(g, "\n\n"))
	}
	policy := moderation.DefaultPolicy()
	policy.DefaultStatus = moderation.StatusPending // every comment is announced
	st := newStore(t)
	svc, err := moderation.NewService(st, moderation.WithBus(notify.NewLocal()), moderation.WithPolicy(policy),
		moderation.WithPublicCache(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		svc.Run(ctx)
	}()
	watchCtx, stopWatching := context.WithCancel(ctx)
	comments, _, err := svc.Watch(watchCtx, moderation.Viewer{Name: "asha"}, moderation.WatchQuery{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Submit(ctx, submission("an announced comment"))
	if err != nil {
		t.Fatal(err)
	}
	if c := (<-comments).Comment; c.ID != res.Comment.ID {
		t.Fatalf("watched %s, want %s", c.ID, res.Comment.ID)
	}
	if len(ownGoroutines()) == 0 {
		t.Fatal("no background goroutine was running: the test proves nothing")
	}

	stopWatching()
	for range comments { // closed when the watcher's goroutine ends
	}
	cancel()
	<-ran
	st.Close() // as commentd does last: the store's own goroutines stop too
	// The goroutines have returned; give the scheduler a moment to reap
	// the last one's frame.
	var left []string
	for range 100 {
		if left = ownGoroutines(); len(left) == 0 {
			return
		}
		runtime.Gosched()
	}
	t.Fatalf("%d goroutines outlived shutdown:\n%s", len(left), strings.Join(left, "\n\n"))
}
