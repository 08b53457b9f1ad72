package moderation

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
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
	s, err := NewService(nil, WithBus(bus), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	const n = 2 * announceQueue
	for range n {
		s.announce(Comment{ID: "c", Status: StatusPending})
	}
	dropped := s.unannounced.Load()
	if dropped < n-announceQueue-announceBatch || dropped > n-announceQueue {
		t.Errorf("%d of %d ids dropped with a queue of %d", dropped, n, announceQueue)
	}
	if lines := strings.Count(logs.String(), "announce queue full"); lines != 1 {
		t.Errorf("%d warnings for %d dropped ids, want 1:\n%s", lines, dropped, logs.String())
	}
}
