// Package notify carries the ids of newly held comments to the moderators
// watching them: within one process, or between replicas through Redis
// pub/sub. (store/postgres does the same with LISTEN/NOTIFY.)
package notify

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// subscriberBuffer is how many ids a slow subscriber may lag behind before
// it misses some; a watcher is a person, so this is plenty.
const subscriberBuffer = 256

// Local is a bus within one process.
type Local struct {
	mu   sync.Mutex
	subs map[chan string]struct{}
}

// NewLocal returns an in-process bus.
func NewLocal() *Local { return &Local{subs: make(map[chan string]struct{})} }

// Publish implements moderation.Bus.
func (l *Local) Publish(_ context.Context, ids []string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ch := range l.subs {
		for _, id := range ids {
			select {
			case ch <- id:
			default: // never block a submission on a slow watcher
			}
		}
	}
	return nil
}

// Subscribe implements moderation.Bus.
func (l *Local) Subscribe(ctx context.Context) (<-chan string, error) {
	ch := make(chan string, subscriberBuffer)
	l.mu.Lock()
	l.subs[ch] = struct{}{}
	l.mu.Unlock()
	go func() {
		<-ctx.Done()
		l.mu.Lock()
		delete(l.subs, ch)
		l.mu.Unlock()
		close(ch)
	}()
	return ch, nil
}

// Redis is a bus between replicas sharing one Redis. Only comment ids
// travel; watchers read the comments from the store.
type Redis struct {
	client  redis.UniversalClient
	channel string
}

// NewRedis returns a bus on the pub/sub channel "<prefix>:queue".
func NewRedis(client redis.UniversalClient, prefix string) *Redis {
	return &Redis{client: client, channel: prefix + ":queue"}
}

// Publish implements moderation.Bus.
func (r *Redis) Publish(ctx context.Context, ids []string) error {
	if err := r.client.Publish(ctx, r.channel, JoinIDs(ids)).Err(); err != nil {
		return fmt.Errorf("notify: redis publish: %w", err)
	}
	return nil
}

// Subscribe implements moderation.Bus. go-redis resubscribes by itself
// after a lost connection.
func (r *Redis) Subscribe(ctx context.Context) (<-chan string, error) {
	sub := r.client.Subscribe(ctx, r.channel)
	// Wait for the subscription, so that ids published after Subscribe
	// returns are delivered.
	if _, err := sub.Receive(ctx); err != nil {
		sub.Close()
		return nil, fmt.Errorf("notify: redis subscribe: %w", err)
	}
	out := make(chan string, subscriberBuffer)
	go func() {
		defer close(out)
		defer sub.Close()
		msgs := sub.Channel()
		for {
			select {
			case <-ctx.Done():
				return
			case m, ok := <-msgs:
				if !ok {
					return
				}
				for _, id := range SplitIDs(m.Payload) {
					select {
					case out <- id:
					default:
					}
				}
			}
		}
	}()
	return out, nil
}

// JoinIDs is the payload of one message carrying ids; SplitIDs reads it.
// Comment ids hold no newline.
func JoinIDs(ids []string) string { return strings.Join(ids, "\n") }

// SplitIDs returns the ids of a JoinIDs payload.
func SplitIDs(payload string) []string {
	if payload == "" {
		return nil
	}
	return strings.Split(payload, "\n")
}
