package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// TestWatchResumesAcrossReplicasExactlyOnce: two replicas share one
// store while 100 comments are held through both at once. A moderator
// watching the first loses the connection part-way and resumes, with the
// token of the last message it got, on the second replica: every one of
// the 100 arrives, each exactly once. SQLite (one file, two stores) and
// PostgreSQL.
func TestWatchResumesAcrossReplicasExactlyOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := start(t, b.open(t), moderation.WithPolicy(holding()))
		other := start(t, b.open(t), moderation.WithPolicy(holding()))
		const total, dropAfter = 100, 30
		article := "must-show-" + b.name

		dial := func(c *client) (pb.ModerationServiceClient, *grpc.ClientConn) {
			conn, err := grpc.NewClient(c.conn.Target(), grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close() })
			return pb.NewModerationServiceClient(conn), conn
		}
		modA, connA := dial(a)
		w, err := modA.WatchQueue(ctxT(t), &pb.WatchQueueRequest{ArticleId: article})
		if err != nil {
			t.Fatal(err)
		}
		token := resumeToken(t, w)

		// Four writers, two on each replica, hold the 100 at once.
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			held    = map[string]bool{}
			release = make(chan struct{})
		)
		for g := range 4 {
			replica := []*client{a, other}[g%2]
			wg.Go(func() {
				for i := g; i < total; i += 4 {
					if i == 2*dropAfter {
						<-release // the rest once the watcher has dropped
					}
					r := submit(t, replica, submission(article, fmt.Sprintf("held comment %d", i)))
					mu.Lock()
					held[r.GetComment().GetId()] = true
					mu.Unlock()
				}
			})
		}

		got := map[string]int{}
		receive := func(w pb.ModerationService_WatchQueueClient, until int) {
			for len(got) < until {
				m, err := w.Recv()
				if err != nil {
					t.Fatalf("watch ended after %d of %d: %v", len(got), total, err)
				}
				got[m.GetComment().GetComment().GetId()]++
				token = m.GetResumeToken()
			}
		}
		receive(w, dropAfter)
		connA.Close() // the connection drops, mid-stream
		close(release)

		modB, _ := dial(other)
		ctx, cancel := context.WithCancel(ctxT(t))
		defer cancel()
		w, err = modB.WatchQueue(ctx, &pb.WatchQueueRequest{ArticleId: article, ResumeToken: token})
		if err != nil {
			t.Fatal(err)
		}
		receive(w, total)
		wg.Wait()
		// Nothing more of the 100 comes: the next message is a marker held
		// after them all.
		marker := submit(t, a, submission(article, "the marker")).GetComment().GetId()
		m, err := w.Recv()
		if err != nil || m.GetComment().GetComment().GetId() != marker {
			t.Errorf("after the 100: %v, %v; want the marker", m.GetComment().GetComment().GetId(), err)
		}
		if len(held) != total {
			t.Fatalf("%d comments held, want %d", len(held), total)
		}
		for id, n := range got {
			if !held[id] || n != 1 {
				t.Errorf("%s arrived %d times (held here: %v)", id, n, held[id])
			}
		}
		if len(got) != total {
			t.Errorf("%d of the %d arrived", len(got), total)
		}
	})
}
