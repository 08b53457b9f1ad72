package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/commentd/commentd/internal/testcert"
	"github.com/commentd/commentd/metrics"
	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/notify"
	pb "github.com/commentd/commentd/proto/commentd/v1"
	"github.com/commentd/commentd/server"
)

// frame is a gRPC-Web or Connect streaming envelope.
func frame(flags byte, payload []byte) []byte {
	b := append([]byte{flags}, binary.BigEndian.AppendUint32(nil, uint32(len(payload)))...)
	return append(b, payload...)
}

// readFrame reads one envelope.
func readFrame(t *testing.T, r io.Reader) (byte, []byte) {
	t.Helper()
	var head [5]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		t.Fatalf("reading an envelope: %v", err)
	}
	payload := make([]byte, binary.BigEndian.Uint32(head[1:]))
	if _, err := io.ReadFull(r, payload); err != nil {
		t.Fatalf("reading an envelope's %d bytes: %v", len(payload), err)
	}
	return head[0], payload
}

// TestGRPCWebCall submits a comment as a browser's gRPC-Web client does:
// binary protobuf in envelopes, the status in a trailer frame.
func TestGRPCWebCall(t *testing.T) {
	d := startDualOn(t, sqliteStore(t), "news:site-key-1", "ravi:tok-ravi")
	call := func(token string, req proto.Message) (*http.Response, []byte) {
		b, err := proto.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		return d.post(t, commentSvc+"SubmitComment", token, "application/grpc-web+proto", frame(0, b))
	}

	resp, body := call("site-key-1", submission("web", "from a browser"))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/grpc-web+proto" {
		t.Fatalf("HTTP %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	r := bytes.NewReader(body)
	flags, msg := readFrame(t, r)
	var got pb.SubmitCommentResponse
	if err := proto.Unmarshal(msg, &got); flags != 0 || err != nil {
		t.Fatalf("first frame: flags %x, %v", flags, err)
	}
	if got.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED || got.GetComment().GetBody() != "from a browser" {
		t.Errorf("answer %v, want the published comment", &got)
	}
	flags, trailer := readFrame(t, r)
	if flags != 0x80 || !strings.Contains(strings.ToLower(string(trailer)), "grpc-status: 0") && !strings.Contains(strings.ToLower(string(trailer)), "grpc-status:0") {
		t.Errorf("trailer frame %x %q, want grpc-status 0", flags, trailer)
	}

	resp, body = call("", submission("web", "no key"))
	if st := resp.Header.Get("Grpc-Status") + resp.Trailer.Get("Grpc-Status"); st != "16" && !strings.Contains(string(body), "grpc-status:16") {
		t.Errorf("without a key: HTTP %d, headers %v, body %q; want grpc-status 16 (UNAUTHENTICATED)", resp.StatusCode, resp.Header, body)
	}
}

// TestHTTPOverMutualTLS: with TLS the HTTP listener speaks HTTPS only, and
// a verified client certificate identifies its caller over HTTP as over
// gRPC.
func TestHTTPOverMutualTLS(t *testing.T) {
	ca := testcert.NewCA(t)
	srvPair := ca.Server("server")
	cfg, err := server.TLSConfig(srvPair.CertPath, srvPair.KeyPath, ca.PEMPath)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := server.ParseCredentials("", "ravi:tok-ravi")
	if err != nil {
		t.Fatal(err)
	}
	creds.AcceptClientCertificates()
	svc, err := moderation.NewService(sqliteStore(t), moderation.WithPolicy(testPolicy()))
	if err != nil {
		t.Fatal(err)
	}
	run(t, svc)
	srv := server.New(svc, server.WithCredentials(creds), server.WithTLS(cfg), server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	glis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hlis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(glis)
	go srv.ServeHTTPOn(hlis)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})

	site := ca.Client("site", pkix.Name{OrganizationalUnit: []string{"site"}, CommonName: "news"})
	admin := ca.Client("asha", pkix.Name{OrganizationalUnit: []string{"admin"}, CommonName: "asha"})
	client := func(certs ...tls.Certificate) *http.Client {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool(), Certificates: certs, MinVersion: tls.VersionTLS12}}
		t.Cleanup(tr.CloseIdleConnections)
		return &http.Client{Transport: tr}
	}
	post := func(c *http.Client, method, token, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, "https://"+hlis.Addr().String()+"/"+method, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	sub, err := protojson.Marshal(submission("tls", "over HTTPS"))
	if err != nil {
		t.Fatal(err)
	}
	words := `{"list": "WORD_LIST_HOLD", "add": ["jackpot"]}`
	for _, tc := range []struct {
		name         string
		client       *http.Client
		method, body string
		token        string
		want         int
	}{
		{"site certificate submits", client(site.TLS), commentSvc + "SubmitComment", string(sub), "", http.StatusOK},
		{"site certificate on moderation", client(site.TLS), modSvc + "ListQueue", "{}", "", http.StatusForbidden},
		{"admin certificate changes word lists", client(admin.TLS), modSvc + "UpdateWordList", words, "", http.StatusOK},
		{"no certificate, no token", client(), modSvc + "ListQueue", "{}", "", http.StatusUnauthorized},
		{"no certificate, a token", client(), modSvc + "ListQueue", "{}", "tok-ravi", http.StatusOK},
	} {
		if code, body := post(tc.client, tc.method, tc.token, tc.body); code != tc.want {
			t.Errorf("%s: HTTP %d %s, want %d", tc.name, code, body, tc.want)
		}
	}
	_, body := post(client(), modSvc+"ListAuditEvents", "tok-ravi", "{}")
	if !strings.Contains(body, `"actor":"asha"`) && !strings.Contains(body, `"actor": "asha"`) {
		t.Errorf("audit %s: want asha's change, named from her certificate", body)
	}

	// Plain HTTP to the TLS listener gets no answer in HTTP.
	if resp, err := http.Post("http://"+hlis.Addr().String()+"/"+modSvc+"ListQueue", "application/json", strings.NewReader("{}")); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("plain HTTP to the TLS listener: HTTP %d", resp.StatusCode)
		}
	}
	// And gRPC is on TLS too, with the same certificates.
	conn, err := grpc.NewClient(glis.Addr().String(), grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{
		RootCAs: ca.Pool(), Certificates: []tls.Certificate{site.TLS}, MinVersion: tls.VersionTLS12,
	})))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := pb.NewCommentServiceClient(conn).SubmitComment(ctxT(t), submission("tls", "over gRPC")); err != nil {
		t.Errorf("gRPC with the site certificate: %v", err)
	}
}

// TestHTTPCallsAreLoggedAndCountedAsGRPCCalls: an HTTP call's log line
// names the HTTP client's own address, not the transcoder's, and the
// metrics count it under the same method as a gRPC call.
func TestHTTPCallsAreLoggedAndCountedAsGRPCCalls(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := metrics.New()
	svc, err := moderation.NewService(sqliteStore(t), moderation.WithPolicy(testPolicy()))
	if err != nil {
		t.Fatal(err)
	}
	run(t, svc)
	d := startDual(t, svc, "news:site-key-1", "ravi:tok-ravi", server.WithLogger(log),
		server.WithInterceptors(m.GRPC.UnaryServerInterceptor(), m.GRPC.StreamServerInterceptor()))

	// An HTTP client whose connection's own address is known.
	var mu sync.Mutex
	var local string
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			mu.Lock()
			local = c.LocalAddr().String()
			mu.Unlock()
		}
		return c, err
	}}
	t.Cleanup(tr.CloseIdleConnections)
	d.http = &http.Client{Transport: tr}

	if _, st, _ := d.callHTTP(t, commentSvc+"CountComments", "site-key-1", &pb.CountCommentsRequest{ArticleIds: []string{"a"}}); st != nil {
		t.Fatal(st.Err())
	}
	if _, st := d.callGRPC(t, commentSvc+"CountComments", "site-key-1", &pb.CountCommentsRequest{ArticleIds: []string{"a"}}); st != nil {
		t.Fatal(st.Err())
	}
	d.callHTTP(t, commentSvc+"CountComments", "", &pb.CountCommentsRequest{ArticleIds: []string{"a"}})

	var peers []string
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["grpc.method"] == "/"+commentSvc+"CountComments" {
			peers = append(peers, rec["peer.address"].(string))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(peers) != 3 || peers[0] != local || peers[2] != local || peers[1] == local {
		t.Errorf("logged peers %v, want the HTTP client's %s for the first and last calls", peers, local)
	}

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{
		`grpc_server_handled_total{grpc_code="OK",grpc_method="CountComments",grpc_service="commentd.v1.CommentService",grpc_type="unary"} 2`,
		`grpc_server_handled_total{grpc_code="Unauthenticated",grpc_method="CountComments",grpc_service="commentd.v1.CommentService",grpc_type="unary"} 1`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// slowCounts is a domain whose CountPublished waits to be let go.
type slowCounts struct {
	server.Domain
	entered, release chan struct{}
}

func (s *slowCounts) CountPublished(ctx context.Context, site string, ids []string) (map[string]int64, error) {
	close(s.entered)
	<-s.release
	return s.Domain.CountPublished(ctx, site, ids)
}

// TestShutdownLetsHTTPCallsFinish: on shutdown the HTTP listener takes no
// new connections, and a call in flight finishes with its answer, not
// cancelled.
func TestShutdownLetsHTTPCallsFinish(t *testing.T) {
	svc, err := moderation.NewService(sqliteStore(t), moderation.WithPolicy(testPolicy()))
	if err != nil {
		t.Fatal(err)
	}
	run(t, svc)
	slow := &slowCounts{Domain: svc, entered: make(chan struct{}), release: make(chan struct{})}
	srv := server.New(slow, server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	hlis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeHTTPOn(hlis) }()
	url := "http://" + hlis.Addr().String() + "/" + commentSvc + "CountComments"

	type answer struct {
		code int
		body string
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.Post(url, "application/json", strings.NewReader(`{"articleIds": ["a"]}`))
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		answered <- answer{resp.StatusCode, string(b), err}
	}()
	<-slow.entered

	stopped := make(chan struct{})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		srv.Shutdown(ctx)
		close(stopped)
	}()
	// Wait until the listener is closed: new connections are refused.
	for {
		c, err := net.Dial("tcp", hlis.Addr().String())
		if err != nil {
			break
		}
		c.Close()
		select {
		case a := <-answered:
			t.Fatalf("the call in flight ended before it was let go: HTTP %d %q %v", a.code, a.body, a.err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	select {
	case <-stopped:
		t.Fatal("shutdown returned with a call in flight")
	case a := <-answered:
		t.Fatalf("the call in flight ended before it was let go: HTTP %d %q %v", a.code, a.body, a.err)
	default:
	}
	close(slow.release)
	a := <-answered
	if a.err != nil || a.code != http.StatusOK || !strings.Contains(a.body, `"a":"0"`) && !strings.Contains(a.body, `"a": "0"`) {
		t.Errorf("the call in flight: HTTP %d %q %v, want its counts", a.code, a.body, a.err)
	}
	<-stopped
	if err := <-served; err != nil {
		t.Errorf("ServeHTTPOn after shutdown: %v", err)
	}
}

// TestHTTPRequestBounds: bodies over the limit are refused, whether their
// length is declared, not declared, or hidden in gzip.
func TestHTTPRequestBounds(t *testing.T) {
	d := startDualOn(t, sqliteStore(t), "news:site-key-1", "ravi:tok-ravi")
	huge := append(append([]byte(`{"articleId": "a", "body": "`), bytes.Repeat([]byte("x"), server.MaxHTTPRequestBytes)...), `"}`...)

	resp, ce := httpError(t, d, commentSvc+"SubmitComment", "site-key-1", "application/json", huge)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || ce.Code != "resource_exhausted" {
		t.Errorf("declared length: HTTP %d %+v, want 413 resource_exhausted", resp.StatusCode, ce)
	}

	// Within the HTTP bound but over the message bound once decoded: the
	// gRPC server's own limit.
	big := append(append([]byte(`{"articleId": "a", "body": "`), bytes.Repeat([]byte("x"), server.MaxRequestBytes)...), `"}`...)
	resp, ce = httpError(t, d, commentSvc+"SubmitComment", "site-key-1", "application/json", big)
	if ce.Code != "resource_exhausted" {
		t.Errorf("a message over MaxRequestBytes: HTTP %d %+v, want resource_exhausted", resp.StatusCode, ce)
	}

	// No declared length.
	req, err := http.NewRequest(http.MethodPost, d.base+"/"+commentSvc+"SubmitComment", io.MultiReader(bytes.NewReader(huge)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer site-key-1")
	if r, err := d.http.Do(req); err == nil {
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode == http.StatusOK {
			t.Errorf("a chunked body over the limit: HTTP %d %s", r.StatusCode, b)
		}
	}

	// A small gzip body that inflates past the limit.
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(huge)
	w.Close()
	req, err = http.NewRequest(http.MethodPost, d.base+"/"+commentSvc+"SubmitComment", bytes.NewReader(gz.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer site-key-1")
	r, err := d.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode == http.StatusOK || !strings.Contains(string(b), "resource_exhausted") {
		t.Errorf("a gzip bomb: HTTP %d %s, want resource_exhausted", r.StatusCode, b)
	}

	// A reasonable gzip body works.
	gz.Reset()
	w = gzip.NewWriter(&gz)
	w.Write([]byte(`{"articleIds": ["a"]}`))
	w.Close()
	req, err = http.NewRequest(http.MethodPost, d.base+"/"+commentSvc+"CountComments", bytes.NewReader(gz.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer site-key-1")
	r, err = d.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		t.Errorf("a gzip body: HTTP %d %s", r.StatusCode, b)
	}
}

// TestWatchQueueOverConnectStreaming: the server-streaming methods are
// served in the Connect streaming protocol over HTTP/1.1; a held comment
// reaches the watcher as a JSON envelope. The transcoder sends the
// response headers with the first message, not when the watch is live, so
// the test holds comments until one arrives.
func TestWatchQueueOverConnectStreaming(t *testing.T) {
	d := startDualOn(t, sqliteStore(t), "news:site-key-1", "ravi:tok-ravi", moderation.WithBus(notify.NewLocal()))
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.base+"/"+modSvc+"WatchQueue", bytes.NewReader(frame(0, []byte(`{}`))))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/connect+json")
	req.Header.Set("Authorization", "Bearer tok-ravi")
	type watched struct {
		code  int
		flags byte
		msg   []byte
		err   error
	}
	first := make(chan watched, 1)
	go func() {
		resp, err := d.http.Do(req)
		if err != nil {
			first <- watched{err: err}
			return
		}
		defer resp.Body.Close()
		var head [5]byte
		if _, err := io.ReadFull(resp.Body, head[:]); err != nil {
			first <- watched{code: resp.StatusCode, err: err}
			return
		}
		msg := make([]byte, binary.BigEndian.Uint32(head[1:]))
		_, err = io.ReadFull(resp.Body, msg)
		first <- watched{resp.StatusCode, head[0], msg, err}
	}()
	const body = "two links hold it: https://one.example/a https://two.example/b"
	var w watched
	for held := false; !held; {
		if _, st := d.callGRPC(t, commentSvc+"SubmitComment", "site-key-1", submission("watched", body)); st != nil {
			t.Fatal(st.Err())
		}
		select {
		case w = <-first:
			held = true
		case <-time.After(20 * time.Millisecond):
		}
	}
	var got pb.WatchQueueResponse
	if w.err != nil || w.code != http.StatusOK || w.flags != 0 {
		t.Fatalf("HTTP %d, envelope %x %s: %v", w.code, w.flags, w.msg, w.err)
	}
	if err := protojson.Unmarshal(w.msg, &got); err != nil || got.GetComment().GetComment().GetBody() != body {
		t.Errorf("watched %s (%v), want a held comment", w.msg, err)
	}

	// Without a token the stream ends at once with the refusal.
	resp, b := d.post(t, modSvc+"WatchQueue", "", "application/connect+json", frame(0, []byte(`{}`)))
	flags, end := readFrame(t, bytes.NewReader(b))
	if flags != 2 || !strings.Contains(string(end), `"unauthenticated"`) {
		t.Errorf("without a token: HTTP %d, envelope %x %s; want the end of stream with unauthenticated", resp.StatusCode, flags, end)
	}
}
