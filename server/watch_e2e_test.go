package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/commentd/commentd/internal/testpg"
	"github.com/commentd/commentd/internal/testredis"
	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/notify"
	pb "github.com/commentd/commentd/proto/commentd/v1"
	"github.com/commentd/commentd/store/postgres"
)

// TestWatchQueueAcrossReplicas watches one replica while three comments are
// held on another sharing the store: all three arrive within 2 seconds,
// through PostgreSQL LISTEN/NOTIFY and through Redis pub/sub.
func TestWatchQueueAcrossReplicas(t *testing.T) {
	dsn := testpg.NewDatabase(t)
	openPG := func(t *testing.T) *postgres.Store {
		st, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	rc, prefix := testredis.Shared(t)
	pending := testPolicy()
	pending.DefaultStatus = moderation.StatusPending
	for _, tc := range []struct {
		name string
		bus  func(st *postgres.Store) moderation.Bus
	}{
		{"postgres", func(st *postgres.Store) moderation.Bus { return st }},
		{"redis", func(*postgres.Store) moderation.Bus { return notify.NewRedis(rc, prefix) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stA, stB := openPG(t), openPG(t)
			a := start(t, stA, moderation.WithBus(tc.bus(stA)), moderation.WithPolicy(pending))
			b := start(t, stB, moderation.WithBus(tc.bus(stB)), moderation.WithPolicy(pending))

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			article := "watched-" + tc.name
			w, err := a.mod.WatchQueue(ctx, &pb.WatchQueueRequest{ArticleId: article})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Header(); err != nil { // the subscription is live
				t.Fatal(err)
			}
			want := map[string]bool{}
			for i := 0; i < 3; i++ {
				r := submit(t, b, submission(article, fmt.Sprintf("held comment %d", i)))
				want[r.GetComment().GetId()] = true
			}
			submit(t, b, submission("another-article", "not watched"))
			sent := time.Now()
			for len(want) > 0 {
				m, err := w.Recv()
				if err != nil {
					t.Fatalf("watch ended with %d comments missing: %v", len(want), err)
				}
				id := m.GetComment().GetComment().GetId()
				if !want[id] {
					t.Fatalf("watch delivered %s, which it should not have", id)
				}
				if m.GetComment().GetAuthorEmail() == "" || len(m.GetComment().GetReasons()) == 0 {
					t.Errorf("watched comment lacks moderator detail: %v", m.GetComment())
				}
				delete(want, id)
			}
			if d := time.Since(sent); d > 2*time.Second {
				t.Errorf("the last comment arrived %v after it was held", d)
			}
		})
	}
}
