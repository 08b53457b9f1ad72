package moderation

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// announcer tells watchers on every replica about comments that need a
// moderator's eye. A submission only queues the id; run publishes
// everything queued in one bus message, so a submission waits for no bus
// round trip of its own and a burst of held comments costs a few. Losing
// an announcement loses nothing: watchers read the queue's log, which
// they also poll every second; an announcement only wakes them sooner.
type announcer struct {
	bus   Bus
	log   *slog.Logger
	now   func() time.Time
	queue chan string
	// dropped counts ids dropped because the queue was full; logged is
	// when that was last logged (Unix ns).
	dropped, logged atomic.Int64
}

const (
	announceQueue = 4096 // ids waiting to be published
	announceBatch = 512  // ids in one bus message at most
)

func newAnnouncer(bus Bus, log *slog.Logger, now func() time.Time) *announcer {
	return &announcer{bus: bus, log: log, now: now, queue: make(chan string, announceQueue)}
}

// announce queues a held comment's id, never blocking the submission.
func (a *announcer) announce(c Comment) {
	if c.Status != StatusPending && c.Status != StatusSpam {
		return
	}
	select {
	case a.queue <- c.ID:
	default:
		// The bus is down or slow. Say so once every 10 s, not per comment.
		n := a.dropped.Add(1)
		now := a.now().UnixNano()
		if last := a.logged.Load(); now-last >= int64(10*time.Second) && a.logged.CompareAndSwap(last, now) {
			a.log.Warn("announce queue full: held comments are not announced to watchers, who will find them in the queue",
				"unannounced_so_far", n)
		}
	}
}

// run publishes queued ids until ctx ends.
func (a *announcer) run(ctx context.Context) {
	batch := make([]string, 0, announceBatch)
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-a.queue:
			batch = append(batch[:0], id)
		}
	drain:
		for len(batch) < announceBatch {
			select {
			case id := <-a.queue:
				batch = append(batch, id)
			default:
				break drain
			}
		}
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if err := a.bus.Publish(pctx, batch); err != nil && ctx.Err() == nil {
			a.log.Warn("announcing held comments to watchers failed", "comments", len(batch), "err", err)
		}
		cancel()
	}
}
