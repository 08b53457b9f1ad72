package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
	"github.com/commentd/commentd/server"
	"github.com/commentd/commentd/store/sqlite"
)

// answerCheck is an outermost interceptor that checks every answer the
// server is about to send: the response and the status with its details
// must marshal, so grpc-go neither fails the call with INTERNAL nor drops
// the details.
type answerCheck struct {
	mu  sync.Mutex
	bad error
}

func (a *answerCheck) unary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
	resp, err := next(ctx, req)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.bad = checkAnswer(resp, err)
	return resp, err
}

func (a *answerCheck) last() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.bad
}

func passStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, next grpc.StreamHandler) error {
	return next(srv, ss)
}

func checkAnswer(resp any, err error) error {
	if m, ok := resp.(proto.Message); ok && err == nil {
		if _, merr := proto.Marshal(m); merr != nil {
			return fmt.Errorf("response %v does not marshal: %w", m, merr)
		}
	}
	if err == nil {
		return nil
	}
	st := status.Convert(err)
	if st.Code() == codes.Internal {
		return fmt.Errorf("INTERNAL: %v", err)
	}
	if _, merr := proto.Marshal(st.Proto()); merr != nil {
		return fmt.Errorf("status %v does not marshal: %w", st.Proto(), merr)
	}
	switch st.Code() {
	case codes.InvalidArgument, codes.AlreadyExists, codes.NotFound, codes.ResourceExhausted:
		// toStatus drops every detail when one does not marshal.
		if len(st.Details()) == 0 {
			return fmt.Errorf("%v came without its details", err)
		}
	}
	for _, d := range st.Details() {
		if derr, ok := d.(error); ok {
			return fmt.Errorf("a detail of %v: %w", err, derr)
		}
	}
	return nil
}

// FuzzSubmitAnswer runs whole submissions, validate-only and stored, over
// a real SQLite store and a real connection, with fuzzed text in every
// field a reader writes. The answer path must hold whatever the input:
// never INTERNAL, and every answer (response, status, details) marshals.
func FuzzSubmitAnswer(f *testing.F) {
	f.Add(strings.Repeat("\uFFFD", 12), "Priya", "priya@example.in", "", "Mozilla/5.0", true)
	f.Add(strings.Repeat("\uFFFD", 12), "Priya", "priya@example.in", "", "Mozilla/5.0", false)
	f.Add("aaaaaaa\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD", "\uFFFD\uFFFD", "x@example.com", "https://bit.ly/\uFFFD", "", false)
	f.Add("CHEAP CASINO BONUS visit https://bit.ly/x https://tinyurl.com/y", "प्रिया शर्मा", "p@example.in", "https://example.in", "curl/8", true)
	f.Add("बहुत अच्छा विश्लेषण। c4s1n0 !!!!!!!!", "Rahul", "rahul@example.com", "", "Mozilla/5.0", false)
	f.Add("b\xc3", "\xff", "x@example.com", "", "", false)

	st, err := sqlite.Open(context.Background(), filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	policy := testPolicy()
	policy.Rules.Leetspeak = true
	svc, err := moderation.NewService(st, moderation.WithPolicy(policy))
	if err != nil {
		f.Fatal(err)
	}
	if err := svc.LoadRules(context.Background()); err != nil {
		f.Fatal(err)
	}
	check := &answerCheck{}
	srv := server.New(svc, server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		server.WithInterceptors(check.unary, passStream))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	go srv.Serve(lis)
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { conn.Close() })
	comments := pb.NewCommentServiceClient(conn)

	var n int
	f.Fuzz(func(t *testing.T, body, name, email, url, ua string, validateOnly bool) {
		// A reader address of its own each time keeps the flood limits
		// from refusing most calls before the rules run.
		n++
		ip := fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255|1)
		// Text that is not UTF-8 stops at the codec (FuzzSubmitBytes covers
		// that); here it becomes U+FFFD, which once broke the answer.
		valid := func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
		req := &pb.SubmitCommentRequest{
			ArticleId:    "fuzz-answer",
			Author:       &pb.Author{Name: valid(name), Email: valid(email), Url: valid(url)},
			Body:         valid(body),
			Client:       &pb.ClientInfo{Ip: ip, UserAgent: valid(ua)},
			RequestId:    fmt.Sprintf("req-%d", n),
			ValidateOnly: validateOnly,
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		resp, err := comments.SubmitComment(ctx, req)
		if bad := check.last(); bad != nil {
			t.Fatalf("server's answer to %v: %v", req, bad)
		}
		if bad := checkAnswer(resp, err); bad != nil {
			t.Fatalf("client saw: %v", bad)
		}
	})
}
