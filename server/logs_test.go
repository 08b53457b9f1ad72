package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
	"github.com/commentd/commentd/server"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startLogged serves with credentials and a debug log captured in buf.
func startLogged(t *testing.T, buf *syncBuffer) string {
	t.Helper()
	creds, err := server.ParseCredentials("news:site-secret-key", "asha:moderator-secret:admin")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, err := moderation.NewService(sqliteStore(t), moderation.WithPolicy(testPolicy()), moderation.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(svc, server.WithCredentials(creds), server.WithLogger(log))
	go srv.Serve(lis)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return lis.Addr().String()
}

// TestLogsHoldNoReaderDataOrSecrets runs submissions, refusals and
// moderation with debug logging on: no email, reader IP or secret appears
// in the log.
func TestLogsHoldNoReaderDataOrSecrets(t *testing.T) {
	var buf syncBuffer
	addr := startLogged(t, &buf)
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	comments, mod := pb.NewCommentServiceClient(conn), pb.NewModerationServiceClient(conn)

	req := submission("logs", "a comment to log about")
	req.Author.Email, req.Client.Ip = "secret.reader@example.in", "198.51.100.201"
	if _, err := comments.SubmitComment(as(t, "site-secret-key"), req); err != nil {
		t.Fatal(err)
	}
	bad := submission("logs", "")
	bad.Author.Email = "secret.reader@example"
	comments.SubmitComment(as(t, "site-secret-key"), bad)
	comments.SubmitComment(as(t, "wrong-secret-guess"), req)
	mod.ListQueue(as(t, "moderator-secret"), &pb.ListQueueRequest{AuthorEmail: "secret.reader@example.in"})
	mod.ExportAuthorData(as(t, "moderator-secret"), &pb.ExportAuthorDataRequest{AuthorEmail: "secret.reader@example.in"})

	log := buf.String()
	if !strings.Contains(log, "SubmitComment") {
		t.Fatalf("the debug log shows no calls; the test would prove nothing:\n%s", log)
	}
	for _, secret := range []string{"secret.reader", "198.51.100.201", "site-secret-key", "moderator-secret", "wrong-secret-guess"} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}

// TestInvalidUTF8Metadata sends an authorization header that is not UTF-8,
// which gRPC libraries refuse to send, over raw HTTP/2.
func TestInvalidUTF8Metadata(t *testing.T) {
	var buf syncBuffer
	addr := startLogged(t, &buf)
	h2 := &http2.Transport{AllowHTTP: true, DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	msg, _ := proto.Marshal(submission("raw", "hello"))
	frame := make([]byte, 5+len(msg))
	binary.BigEndian.PutUint32(frame[1:5], uint32(len(msg)))
	copy(frame[5:], msg)
	httpReq, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/commentd.v1.CommentService/SubmitComment", bytes.NewReader(frame))
	httpReq.Header.Set("content-type", "application/grpc")
	httpReq.Header.Set("te", "trailers")
	httpReq.Header["Authorization"] = []string{"Bearer \xff\xfe"}
	resp, err := h2.RoundTrip(httpReq)
	if err != nil {
		t.Fatalf("raw HTTP/2 call: %v", err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	code := resp.Trailer.Get("grpc-status")
	if code == "" {
		code = resp.Header.Get("grpc-status")
	}
	message := resp.Header.Get("grpc-message") + resp.Trailer.Get("grpc-message")
	if code != "3" || !strings.Contains(message, "UTF-8") { // 3 is INVALID_ARGUMENT
		t.Errorf("grpc-status %q (%s), want 3 (INVALID_ARGUMENT) about UTF-8", code, message)
	}
}
