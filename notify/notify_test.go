package notify

import (
	"context"
	"testing"
	"time"

	"github.com/commentd/commentd/internal/testredis"
)

type bus interface {
	Publish(ctx context.Context, ids []string) error
	Subscribe(ctx context.Context) (<-chan string, error)
}

func TestBuses(t *testing.T) {
	rc, prefix := testredis.Shared(t)
	for name, b := range map[string]bus{"local": NewLocal(), "redis": NewRedis(rc, prefix)} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			one, err := b.Subscribe(ctx)
			if err != nil {
				t.Fatal(err)
			}
			two, err := b.Subscribe(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, ids := range [][]string{{"a"}, {"b", "c"}} {
				if err := b.Publish(context.Background(), ids); err != nil {
					t.Fatal(err)
				}
			}
			for _, ch := range []<-chan string{one, two} {
				for _, want := range []string{"a", "b", "c"} {
					select {
					case got := <-ch:
						if got != want {
							t.Fatalf("got %q, want %q", got, want)
						}
					case <-time.After(5 * time.Second):
						t.Fatalf("subscriber did not get %q", want)
					}
				}
			}
			cancel()
			for _, ch := range []<-chan string{one, two} {
				select {
				case _, open := <-ch:
					for open {
						_, open = <-ch
					}
				case <-time.After(5 * time.Second):
					t.Fatal("the channel stayed open after its context ended")
				}
			}
		})
	}
}

// A subscriber that never reads must not block publishers.
func TestLocalNeverBlocks(t *testing.T) {
	l := NewLocal()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := l.Subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		for i := 0; i < 10*subscriberBuffer; i++ {
			l.Publish(context.Background(), []string{"id"})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("publishing blocked on a subscriber that does not read")
	}
}
