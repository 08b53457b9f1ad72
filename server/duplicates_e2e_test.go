package server_test

import (
	"context"
	"sync"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/internal/testpg"
	pb "github.com/commentd/commentd/proto/commentd/v1"
	"github.com/commentd/commentd/store/postgres"
)

// submitAtOnce sends req n times at once, spread over the clients, and
// checks that exactly one call stored it and every other got
// ALREADY_EXISTS naming that comment. It returns the stored id.
func submitAtOnce(t *testing.T, req *pb.SubmitCommentRequest, n int, clients ...*client) string {
	t.Helper()
	resps := make([]*pb.SubmitCommentResponse, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			resps[i], errs[i] = clients[i%len(clients)].SubmitComment(ctxT(t), req)
		})
	}
	close(start)
	wg.Wait()

	var id string
	for i, err := range errs {
		if err == nil {
			if id != "" {
				t.Errorf("call %d stored %s, but %s was stored already", i, resps[i].GetComment().GetId(), id)
			}
			id = resps[i].GetComment().GetId()
		}
	}
	if id == "" {
		t.Fatalf("no call stored the comment: first error %v", errs[0])
	}
	want := "the same author already posted this text on this article as comment " + id
	for i, err := range errs {
		if err == nil {
			continue
		}
		st, _ := status.FromError(err)
		var named string
		for _, d := range st.Details() {
			if ri, ok := d.(*errdetails.ResourceInfo); ok {
				named = ri.GetResourceName()
			}
		}
		if st.Code() != codes.AlreadyExists || st.Message() != want || named != id {
			t.Errorf("call %d: %v (resource %q); want ALREADY_EXISTS %q naming %s", i, err, named, want, id)
		}
	}
	return id
}

// TestIdenticalSubmissionsAtOnceStoreOne: the duplicate rule holds under
// concurrency, without request ids.
func TestIdenticalSubmissionsAtOnceStoreOne(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		req := submission("at-once", "Posted twice by a double click")
		id := submitAtOnce(t, req, 50, c)
		if got := listAll(t, c, "at-once", 0); len(got) != 1 || got[0].GetId() != id {
			t.Errorf("listed %d comments, want only %s", len(got), id)
		}
	})
}

// TestIdenticalSubmissionsAcrossReplicasStoreOne: two replicas over one
// PostgreSQL database keep the duplicate rule between them.
func TestIdenticalSubmissionsAcrossReplicasStoreOne(t *testing.T) {
	dsn := testpg.NewDatabase(t)
	var clients []*client
	for range 2 {
		st, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		clients = append(clients, start(t, st))
	}
	req := submission("replicas", "Sent to two replicas at once")
	id := submitAtOnce(t, req, 50, clients...)
	for i, c := range clients {
		if got := listAll(t, c, "replicas", 0); len(got) != 1 || got[0].GetId() != id {
			t.Errorf("replica %d lists %d comments, want only %s", i, len(got), id)
		}
	}
}
