package moderation

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// stuckBus never finishes publishing, like a Redis that stopped answering.
type stuckBus struct{ release chan struct{} }

func (b stuckBus) Publish(ctx context.Context, ids []string) error {
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	return ctx.Err()
}

func (stuckBus) Subscribe(context.Context) (<-chan string, error) { return nil, nil }

// A stuck bus neither blocks submissions nor floods the log: the ids that
// do not fit the queue are counted and logged once.
func TestAnnounceWithAStuckBus(t *testing.T) {
	var logs bytes.Buffer
	bus := stuckBus{release: make(chan struct{})}
	defer close(bus.release)
	a := newAnnouncer(bus, slog.New(slog.NewTextHandler(&logs, nil)), time.Now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	const n = 2 * announceQueue
	for range n {
		a.announce(Comment{ID: "c", Status: StatusPending})
	}
	dropped := a.dropped.Load()
	if dropped < n-announceQueue-announceBatch || dropped > n-announceQueue {
		t.Errorf("%d of %d ids dropped with a queue of %d", dropped, n, announceQueue)
	}
	if lines := strings.Count(logs.String(), "announce queue full"); lines != 1 {
		t.Errorf("%d warnings for %d dropped ids, want 1:\n%s", lines, dropped, logs.String())
	}
}
