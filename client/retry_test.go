package client_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/client"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// fakeComments answers GetComment with the next of its planned errors,
// then OK, and counts the calls and the authorization headers seen.
type fakeComments struct {
	pb.UnimplementedCommentServiceServer
	mu    sync.Mutex
	plan  []codes.Code
	calls int
	auth  []string
}

func (f *fakeComments) GetComment(ctx context.Context, req *pb.GetCommentRequest) (*pb.GetCommentResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	md, _ := metadata.FromIncomingContext(ctx)
	f.auth = append(f.auth, md.Get("authorization")...)
	f.calls++
	if f.calls <= len(f.plan) && f.plan[f.calls-1] != codes.OK {
		return nil, status.Errorf(f.plan[f.calls-1], "planned failure %d", f.calls)
	}
	return &pb.GetCommentResponse{Comment: &pb.Comment{Id: req.GetId()}}, nil
}

func (f *fakeComments) seen() (int, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls, append([]string(nil), f.auth...)
}

// startFake serves f on a free loopback port.
func startFake(t *testing.T, f *fakeComments) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	pb.RegisterCommentServiceServer(s, f)
	go s.Serve(lis)
	t.Cleanup(s.Stop)
	return lis.Addr().String()
}

func TestRetriesOnlyUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name      string
		plan      []codes.Code
		wantCode  codes.Code
		wantCalls int
	}{
		{"unavailable twice then ok", []codes.Code{codes.Unavailable, codes.Unavailable}, codes.OK, 3},
		{"invalid argument is not retried", []codes.Code{codes.InvalidArgument}, codes.InvalidArgument, 1},
		{"deadline exceeded is not retried", []codes.Code{codes.DeadlineExceeded}, codes.DeadlineExceeded, 1},
		{"internal is not retried", []codes.Code{codes.Internal}, codes.Internal, 1},
		{"attempts are bounded", []codes.Code{codes.Unavailable, codes.Unavailable, codes.Unavailable, codes.Unavailable, codes.Unavailable, codes.Unavailable}, codes.Unavailable, client.MaxAttempts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeComments{plan: tc.plan}
			c, err := client.Dial(ctxT(t), startFake(t, f))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			resp, err := c.Comments.GetComment(ctxT(t), &pb.GetCommentRequest{Id: "c1"})
			if got := status.Code(err); got != tc.wantCode {
				t.Fatalf("GetComment: %v, want %v", err, tc.wantCode)
			}
			if err == nil && resp.GetComment().GetId() != "c1" {
				t.Errorf("GetComment = %v", resp)
			}
			if calls, _ := f.seen(); calls != tc.wantCalls {
				t.Errorf("server saw %d calls, want %d", calls, tc.wantCalls)
			}
		})
	}
}

func TestToken(t *testing.T) {
	f := &fakeComments{}
	addr := startFake(t, f)
	for _, opts := range [][]client.Option{nil, {client.WithToken("tok-asha")}} {
		c, err := client.Dial(ctxT(t), addr, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Comments.GetComment(ctxT(t), &pb.GetCommentRequest{Id: "c1"}); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	if calls, auth := f.seen(); calls != 2 || len(auth) != 1 || auth[0] != "Bearer tok-asha" {
		t.Errorf("calls %d, authorization headers %q; want 2 calls and one \"Bearer tok-asha\"", calls, auth)
	}
}

func TestDialRefusesPlaintextTokenToRemote(t *testing.T) {
	ctx := ctxT(t)
	for _, target := range []string{"commentd.example.com:50051", "203.0.113.7:50051", "dns:///commentd.internal:50051", "[2001:db8::1]:50051"} {
		c, err := client.Dial(ctx, target, client.WithToken("tok"))
		if !errors.Is(err, client.ErrInsecureToken) {
			t.Errorf("Dial(%q) with a token: %v, want ErrInsecureToken", target, err)
		}
		if err == nil {
			c.Close()
		}
		// Allowed when asked for, and without a token.
		for _, opts := range [][]client.Option{{client.WithToken("tok"), client.WithInsecureToken()}, nil} {
			c, err := client.Dial(ctx, target, opts...)
			if err != nil {
				t.Errorf("Dial(%q): %v", target, err)
				continue
			}
			c.Close()
		}
	}
	for _, target := range []string{"127.0.0.1:50051", "localhost:50051", "[::1]:50051", "dns:///localhost:50051", "unix:///run/commentd.sock", "ipv4:127.0.0.1:1,127.0.0.2:2"} {
		c, err := client.Dial(ctx, target, client.WithToken("tok"))
		if err != nil {
			t.Errorf("Dial(%q) with a token: %v, want it allowed (this machine)", target, err)
			continue
		}
		c.Close()
	}
}
