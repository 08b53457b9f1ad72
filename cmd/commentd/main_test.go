package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/internal/testcert"
	"github.com/commentd/commentd/internal/testpg"
	"github.com/commentd/commentd/internal/testredis"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

var build struct {
	once sync.Once
	path string
	err  error
}

// binary builds commentd once per test run.
func binary(t *testing.T) string {
	t.Helper()
	build.once.Do(func() {
		dir, err := os.MkdirTemp("", "commentd-bin")
		if err != nil {
			build.err = err
			return
		}
		build.path = filepath.Join(dir, "commentd")
		out, err := exec.Command("go", "build", "-race", "-o", build.path, ".").CombinedOutput()
		if err != nil {
			build.err = &exec.ExitError{Stderr: out}
		}
	})
	if build.err != nil {
		t.Fatalf("build commentd: %v", build.err)
	}
	return build.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if build.path != "" {
		os.RemoveAll(filepath.Dir(build.path))
	}
	os.Exit(code)
}

// proc is a running commentd.
type proc struct {
	cmd  *exec.Cmd
	addr string
	logs chan map[string]any
	seen []map[string]any // every record waitLog read, in order
	done chan error
}

// startCommentd runs the binary with env and args and waits for the
// address it logs.
func startCommentd(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"--log-format", "json"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logs: make(chan map[string]any, 100), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) != nil {
				rec = map[string]any{"msg": sc.Text()}
			}
			select {
			case p.logs <- rec:
			default:
			}
		}
		close(p.logs)
	}()
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	rec := p.waitLog(t, "commentd listening")
	p.addr, _ = rec["addr"].(string)
	if p.addr == "" {
		t.Fatalf("listening log has no addr: %v", rec)
	}
	return p
}

func (p *proc) waitLog(t *testing.T, msg string) map[string]any {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case rec, ok := <-p.logs:
			if !ok {
				t.Fatalf("commentd exited before logging %q", msg)
			}
			p.seen = append(p.seen, rec)
			if rec["msg"] == msg {
				return rec
			}
		case <-timeout:
			t.Fatalf("commentd did not log %q", msg)
		}
	}
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestCommentdServesStopsAndRestarts(t *testing.T) {
	for _, tc := range []struct {
		name string
		db   func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "comments.db") }},
		{"postgres", func(t *testing.T) string { return testpg.NewDatabase(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := tc.db(t)
			// Configuration through the environment, as an operator would.
			env := []string{"COMMENTD_LISTEN=127.0.0.1:0", "COMMENTD_DB=" + db}
			p := startCommentd(t, env)
			conn := dial(t, p.addr)

			h, err := healthpb.NewHealthClient(conn).Check(ctxT(t), &healthpb.HealthCheckRequest{})
			if err != nil || h.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				t.Fatalf("health = %v, %v", h, err)
			}
			if got := listServices(t, conn); !slices.Contains(got, "commentd.v1.CommentService") ||
				!slices.Contains(got, "commentd.v1.ModerationService") || !slices.Contains(got, "grpc.health.v1.Health") {
				t.Errorf("reflection lists %v", got)
			}

			comments := pb.NewCommentServiceClient(conn)
			resp, err := comments.SubmitComment(ctxT(t), &pb.SubmitCommentRequest{
				ArticleId: "restart",
				Author:    &pb.Author{Name: "प्रिया शर्मा", Email: "priya@example.in"},
				Body:      "क्या बात है! यह टिप्पणी रीस्टार्ट के बाद भी रहेगी।",
			})
			if err != nil {
				t.Fatal(err)
			}

			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-p.done:
				if err != nil {
					t.Fatalf("commentd exited with %v after SIGTERM", err)
				}
				p.done <- nil // for the cleanup
			case <-time.After(30 * time.Second):
				t.Fatal("commentd did not exit after SIGTERM")
			}

			// The built-in rules hold a first-time commenter.
			if resp.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING {
				t.Errorf("first comment of a new author: %v, want PENDING", resp.GetStatus())
			}

			p2 := startCommentd(t, env)
			got, err := pb.NewModerationServiceClient(dial(t, p2.addr)).GetCommentDetail(ctxT(t), &pb.GetCommentDetailRequest{Id: resp.GetComment().GetId()})
			if err != nil {
				t.Fatalf("after restart: %v", err)
			}
			if c := got.GetComment().GetComment(); c.GetBody() != resp.GetComment().GetBody() || c.GetAuthorName() != "प्रिया शर्मा" {
				t.Errorf("after restart: %v, want %v", c, resp.GetComment())
			}
		})
	}
}

func listServices(t *testing.T, conn *grpc.ClientConn) []string {
	t.Helper()
	stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	return names
}

func TestFlagsAndEnvironment(t *testing.T) {
	t.Setenv("COMMENTD_LISTEN", "127.0.0.1:6000")
	t.Setenv("COMMENTD_DB", "from-env.db")
	s, err := parseFlags([]string{"--listen", "127.0.0.1:7000"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if s.listen != "127.0.0.1:7000" || s.db != "from-env.db" {
		t.Errorf("listen %q db %q: the flag must win over the environment, the environment over the default", s.listen, s.db)
	}
	if s.httpListen != "" {
		t.Errorf("http-listen %q, want off by default", s.httpListen)
	}
	t.Setenv("COMMENTD_HTTP_LISTEN", "127.0.0.1:8080")
	if s, err = parseFlags(nil, io.Discard); err != nil || s.httpListen != "127.0.0.1:8080" {
		t.Errorf("http-listen %q (%v), want COMMENTD_HTTP_LISTEN's", s.httpListen, err)
	}
	if _, err := parseFlags([]string{"--log-format", "xml"}, io.Discard); err == nil {
		t.Error("--log-format xml accepted")
	}
}

func TestInvalidConfigIsRefusedAtStart(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "commentd.yaml")
	if err := os.WriteFile(cfg, []byte("default_status: maybe\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(binary(t), "--config", cfg, "--db", filepath.Join(t.TempDir(), "x.db"), "--listen", "127.0.0.1:0").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "default_status") {
		t.Errorf("commentd with a bad config: err %v, output %q; want a refusal naming default_status", err, out)
	}
}

// TestTwoProcessesShareOneBudget runs two commentd processes on one Redis:
// a reader's 3-comment burst is spent across both.
func TestTwoProcessesShareOneBudget(t *testing.T) {
	_, prefix := testredis.Shared(t)
	env := []string{"COMMENTD_LISTEN=127.0.0.1:0", "COMMENTD_REDIS=" + testredis.URL(), "COMMENTD_REDIS_PREFIX=" + prefix}
	a := startCommentd(t, append(env, "COMMENTD_DB="+filepath.Join(t.TempDir(), "a.db")))
	b := startCommentd(t, append(env, "COMMENTD_DB="+filepath.Join(t.TempDir(), "b.db")))
	clients := []pb.CommentServiceClient{
		pb.NewCommentServiceClient(dial(t, a.addr)),
		pb.NewCommentServiceClient(dial(t, b.addr)),
	}
	req := func(i int) *pb.SubmitCommentRequest {
		return &pb.SubmitCommentRequest{
			ArticleId: "shared-budget",
			Author:    &pb.Author{Name: "Flood", Email: fmt.Sprintf("flood%d@example.com", i)},
			Body:      "same reader, two replicas",
			Client:    &pb.ClientInfo{Ip: "203.0.113.77"},
		}
	}
	for i, c := range []pb.CommentServiceClient{clients[0], clients[1], clients[0]} {
		if _, err := c.SubmitComment(ctxT(t), req(i)); err != nil {
			t.Fatalf("comment %d: %v", i+1, err)
		}
	}
	_, err := clients[1].SubmitComment(ctxT(t), req(3))
	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("4th comment, on the other process: %v, want RESOURCE_EXHAUSTED", err)
	}
}

func TestRedisFlag(t *testing.T) {
	c, err := newRedisClient("redis://:s3cret@127.0.0.1:6390/2", "")
	if err != nil {
		t.Fatal(err)
	}
	single, ok := c.(*redis.Client)
	if !ok || single.Options().Addr != "127.0.0.1:6390" || single.Options().DB != 2 || !single.Options().ContextTimeoutEnabled {
		t.Errorf("single URL gave %T %+v", c, c)
	}
	c.Close()

	c, err = newRedisClient("redis://user:pw@10.0.0.1:7000, 10.0.0.2:7000,10.0.0.3:7000", "")
	if err != nil {
		t.Fatal(err)
	}
	cl, ok := c.(*redis.ClusterClient)
	if !ok || !slices.Equal(cl.Options().Addrs, []string{"10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000"}) ||
		cl.Options().Password != "pw" || !cl.Options().ContextTimeoutEnabled {
		t.Errorf("cluster list gave %T %+v", c, cl.Options())
	}
	c.Close()

	for _, bad := range []string{"127.0.0.1:6379", "http://:hunter2@x", "redis://:hunter2@x:1,ftp://:hunter2@y"} {
		if _, err := newRedisClient(bad, ""); err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("--redis %q: err %v; want a refusal that does not echo the password", bad, err)
		}
	}
}

// policyUnderTest starts commentd with the policy file policy, and
// returns it, a function that rewrites the file, and one that submits a
// new reader's comment on article and returns its status.
func policyUnderTest(t *testing.T, article, policy string) (p *proc, write func(string), decide func() pb.CommentStatus) {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "commentd.yaml")
	write = func(body string) {
		if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(policy)
	p = startCommentd(t, []string{"COMMENTD_LISTEN=127.0.0.1:0", "COMMENTD_DB=" + filepath.Join(t.TempDir(), "c.db"), "COMMENTD_CONFIG=" + cfg})
	c := pb.NewCommentServiceClient(dial(t, p.addr))
	n := 0
	decide = func() pb.CommentStatus {
		n++
		r, err := c.SubmitComment(ctxT(t), &pb.SubmitCommentRequest{
			ArticleId: article,
			Author:    &pb.Author{Name: "Asha", Email: fmt.Sprintf("asha%d@example.in", n)},
			Body:      fmt.Sprintf("Comment number %d on the %s article", n, article),
			Client:    &pb.ClientInfo{Ip: fmt.Sprintf("203.0.113.%d", n)},
		})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetStatus()
	}
	return p, write, decide
}

// TestPolicyReloadsOnHangup edits the policy file under a running
// commentd: an invalid file is refused and the old rules stay; a valid one
// takes effect without a restart.
func TestPolicyReloadsOnHangup(t *testing.T) {
	p, write, decide := policyUnderTest(t, "reload", "rules:\n  first_time_hold: false\n")
	if st := decide(); st != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
		t.Fatalf("before reload: %v", st)
	}

	write("rules:\n  first_time_hold: false\n  patterns:\n    - {id: broken, pattern: '(', action: hold}\n")
	p.cmd.Process.Signal(syscall.SIGHUP)
	if rec := p.waitLog(t, "policy file not reloaded; the rules in force stay"); !strings.Contains(fmt.Sprint(rec["err"]), "broken") {
		t.Errorf("refusal does not name the broken pattern: %v", rec)
	}
	if st := decide(); st != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
		t.Fatalf("after a refused reload: %v, want the old rules", st)
	}

	write("default_status: pending\nrules:\n  first_time_hold: false\n")
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitLog(t, "policy file reloaded")
	if st := decide(); st != pb.CommentStatus_COMMENT_STATUS_PENDING {
		t.Fatalf("after reloading default_status: pending: %v", st)
	}
}

func TestWithoutCredentialsOnlyLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:50051": true, "[::1]:50051": true, "localhost:0": true, "127.0.0.2:1": true,
		"0.0.0.0:50051": false, ":50051": false, "[::]:50051": false, "192.0.2.10:50051": false,
	} {
		if err := loopbackOnly("--listen", addr); (err == nil) != ok {
			t.Errorf("loopbackOnly(%q) = %v, want allowed %v", addr, err, ok)
		}
	}
	// The real binary refuses to start, and says why, for either listener.
	out, err := exec.Command(binary(t), "--listen", "0.0.0.0:0", "--db", filepath.Join(t.TempDir(), "x.db")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "without credentials") {
		t.Errorf("commentd on 0.0.0.0 without credentials: err %v, output %q", err, out)
	}
	out, err = exec.Command(binary(t), "--listen", "127.0.0.1:0", "--http-listen", "0.0.0.0:0", "--db", filepath.Join(t.TempDir(), "x.db")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "(--http-listen) without credentials") {
		t.Errorf("commentd with HTTP on 0.0.0.0 without credentials: err %v, output %q", err, out)
	}
}

// TestHTTPListen: with COMMENTD_HTTP_LISTEN commentd also answers over
// HTTP/JSON, with the same keys, TLS and metrics as gRPC, and SIGTERM
// stops both listeners.
func TestHTTPListen(t *testing.T) {
	ca := testcert.NewCA(t)
	pair := ca.Server("commentd")
	p := startCommentd(t, []string{"COMMENTD_LISTEN=127.0.0.1:0", "COMMENTD_DB=" + filepath.Join(t.TempDir(), "h.db"),
		"COMMENTD_HTTP_LISTEN=127.0.0.1:0", "COMMENTD_METRICS_LISTEN=127.0.0.1:0",
		"COMMENTD_SITE_KEYS=news:site-key", "COMMENTD_MODERATOR_TOKENS=asha:tok-asha",
		"COMMENTD_TLS_CERT=" + pair.CertPath, "COMMENTD_TLS_KEY=" + pair.KeyPath})
	httpAddr, _ := p.waitLog(t, "http listening")["addr"].(string)
	metricsAddr, _ := p.waitLog(t, "metrics listening")["addr"].(string)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12}}
	defer tr.CloseIdleConnections()
	post := func(key, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, "https://"+httpAddr+"/commentd.v1.CommentService/SubmitComment", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	const sub = `{"articleId": "http", "author": {"name": "Asha", "email": "asha@example.in"}, "body": "over HTTPS"}`
	if code, body := post("site-key", sub); code != http.StatusOK || !strings.Contains(body, "COMMENT_STATUS_PENDING") {
		t.Errorf("SubmitComment over HTTPS: %d %s, want 200 and a held first comment", code, body)
	}
	if code, body := post("", sub); code != http.StatusUnauthorized || !strings.Contains(body, `"unauthenticated"`) {
		t.Errorf("without a key: %d %s, want 401", code, body)
	}
	if resp, err := http.Post("http://"+httpAddr+"/commentd.v1.CommentService/SubmitComment", "application/json", strings.NewReader(sub)); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP was answered on the TLS listener")
		}
	}
	conn, err := grpc.NewClient(p.addr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12})))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = pb.NewCommentServiceClient(conn).SubmitComment(metadata.AppendToOutgoingContext(ctxT(t), "authorization", "Bearer site-key"),
		&pb.SubmitCommentRequest{ArticleId: "http", Author: &pb.Author{Name: "Ravi", Email: "ravi@example.in"}, Body: "over gRPC"})
	if err != nil {
		t.Errorf("SubmitComment over gRPC: %v", err)
	}

	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`grpc_server_handled_total{grpc_code="OK",grpc_method="SubmitComment",grpc_service="commentd.v1.CommentService",grpc_type="unary"} 2`,
		`grpc_server_handled_total{grpc_code="Unauthenticated",grpc_method="SubmitComment",grpc_service="commentd.v1.CommentService",grpc_type="unary"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-p.done; err != nil {
		t.Errorf("commentd exited with %v after SIGTERM", err)
	}
	p.done <- nil // for the cleanup
	if _, err := net.Dial("tcp", httpAddr); err == nil {
		t.Error("the HTTP listener still takes connections after SIGTERM")
	}
}

// TestOneKindOfSecretServesAnywhereWithTheOtherServiceClosed: with only
// site keys or only moderator tokens nothing is open to anyone, so
// commentd may listen on any address; it warns which service is closed,
// and that service refuses callers with no secret.
func TestOneKindOfSecretServesAnywhereWithTheOtherServiceClosed(t *testing.T) {
	for _, tc := range []struct {
		env     []string
		service string
		why     string
		call    func(*grpc.ClientConn) error
	}{
		{[]string{"COMMENTD_SITE_KEYS=news:site-key", "COMMENTD_MODERATOR_TOKENS="}, "commentd.v1.ModerationService",
			"this server has no moderator tokens configured: set COMMENTD_MODERATOR_TOKENS",
			func(conn *grpc.ClientConn) error {
				_, err := pb.NewModerationServiceClient(conn).ExportAuthorData(ctxT(t), &pb.ExportAuthorDataRequest{AuthorEmail: "reader@example.com"})
				return err
			}},
		{[]string{"COMMENTD_SITE_KEYS=", "COMMENTD_MODERATOR_TOKENS=asha:tok-asha"}, "commentd.v1.CommentService",
			"this server has no site keys configured: set COMMENTD_SITE_KEYS",
			func(conn *grpc.ClientConn) error {
				_, err := pb.NewCommentServiceClient(conn).CountComments(ctxT(t), &pb.CountCommentsRequest{ArticleIds: []string{"a"}})
				return err
			}},
	} {
		t.Run(tc.service, func(t *testing.T) {
			p := startCommentd(t, tc.env, "--listen", "0.0.0.0:0", "--db", filepath.Join(t.TempDir(), "x.db"))
			var warnings []map[string]any
			for _, rec := range p.seen {
				if rec["level"] == "WARN" && rec["service"] == tc.service {
					warnings = append(warnings, rec)
				}
			}
			if len(warnings) != 1 || warnings[0]["why"] != tc.why {
				t.Errorf("warnings naming %s = %v, want one saying %q", tc.service, warnings, tc.why)
			}
			_, port, err := net.SplitHostPort(p.addr)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := status.FromError(tc.call(dial(t, "127.0.0.1:"+port)))
			if st.Code() != codes.Unauthenticated || st.Message() != tc.why {
				t.Errorf("a call without a secret: %v %q, want UNAUTHENTICATED %q", st.Code(), st.Message(), tc.why)
			}
		})
	}
}

// TestRedisOverTLS limits through a Redis that speaks only TLS, verified
// with a private CA given as --redis-ca.
func TestRedisOverTLS(t *testing.T) {
	ca := testcert.NewCA(t)
	pair := ca.Server("redis")
	srv := testredis.NewTLSServer(t, pair.CertPath, pair.KeyPath, ca.PEMPath)
	// A limiter deadline for a loaded machine running -race: at the 50ms
	// default, a slow TLS round trip held a comment instead of counting it
	// (about one run in three), and this test is about what Redis decides.
	cfg := filepath.Join(t.TempDir(), "commentd.yaml")
	writeFile(t, cfg, "rate_limits:\n  timeout: 5s\n")
	p := startCommentd(t, []string{"COMMENTD_LISTEN=127.0.0.1:0", "COMMENTD_DB=" + filepath.Join(t.TempDir(), "c.db"),
		"COMMENTD_REDIS=rediss://" + srv.Addr, "COMMENTD_REDIS_CA=" + ca.PEMPath, "COMMENTD_CONFIG=" + cfg})
	c := pb.NewCommentServiceClient(dial(t, p.addr))
	for i := 0; i < 4; i++ {
		r, err := c.SubmitComment(ctxT(t), &pb.SubmitCommentRequest{
			ArticleId: "tls", Body: "over TLS to Redis",
			Author: &pb.Author{Name: "Asha", Email: fmt.Sprintf("asha%d@example.in", i)},
			Client: &pb.ClientInfo{Ip: "203.0.113.61"},
		})
		switch {
		case i < 3 && (err != nil || slices.ContainsFunc(r.GetReasons(), func(x *pb.Reason) bool { return x.GetRule() == "ratelimit_unavailable" })):
			t.Fatalf("comment %d: %v %v; want it limited through Redis, not held for its absence", i+1, r, err)
		case i == 3 && status.Code(err) != codes.ResourceExhausted:
			t.Fatalf("4th comment: %v, want RESOURCE_EXHAUSTED from the TLS Redis", err)
		}
	}
}

// TestMetrics scrapes the metrics port after a submission and a refusal.
func TestMetrics(t *testing.T) {
	p := startCommentd(t, []string{"COMMENTD_LISTEN=127.0.0.1:0", "COMMENTD_DB=" + filepath.Join(t.TempDir(), "m.db"),
		"COMMENTD_METRICS_LISTEN=127.0.0.1:0"})
	rec := p.waitLog(t, "metrics listening")
	c := pb.NewCommentServiceClient(dial(t, p.addr))
	for i := 0; i < 4; i++ {
		c.SubmitComment(ctxT(t), &pb.SubmitCommentRequest{
			ArticleId: "metrics", Body: "counted",
			Author: &pb.Author{Name: "Asha", Email: fmt.Sprintf("asha%d@example.in", i)},
			Client: &pb.ClientInfo{Ip: "203.0.113.70"},
		})
	}
	resp, err := http.Get("http://" + rec["addr"].(string) + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`grpc_server_handled_total{grpc_code="OK",grpc_method="SubmitComment",grpc_service="commentd.v1.CommentService",grpc_type="unary"} 3`,
		`grpc_server_handled_total{grpc_code="ResourceExhausted",grpc_method="SubmitComment"`,
		`grpc_server_handling_seconds_bucket{`,
		`commentd_decisions_total{status="PENDING"} 3`,
		`commentd_decision_reasons_total{rule="first_time_commenter"} 3`,
		`commentd_ratelimit_refusals_total{subject="ip"} 1`,
		`commentd_store_seconds_count{op="create_comment"} 3`,
		`commentd_queue_depth{status="PENDING"} 3`,
		`commentd_queue_depth{status="SPAM"} 0`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestSitePolicyReloadsOnHangup: a site's override decides its comments,
// a SIGHUP that changes it applies to the next one, and a sites: entry no
// key names is warned of.
func TestSitePolicyReloadsOnHangup(t *testing.T) {
	// Without credentials every caller is the site "default".
	p, write, decide := policyUnderTest(t, "site-reload", "rules:\n  first_time_hold: false\nsites:\n  default:\n    default_status: pending\n")
	if st := decide(); st != pb.CommentStatus_COMMENT_STATUS_PENDING {
		t.Fatalf("with the site's default_status: pending: %v", st)
	}

	write("default_status: pending\nrules:\n  first_time_hold: false\nsites:\n  default:\n    default_status: published\n  ghost:\n    rules: {links: {hold: 1}}\n")
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitLog(t, "policy file reloaded")
	if rec := p.waitLog(t, "the policy file's sites: names a site that has no key in COMMENTD_SITE_KEYS; only a client certificate for it or a check naming it reaches its policy"); rec["site"] != "ghost" {
		t.Errorf("warning names %v, want ghost", rec["site"])
	}
	if st := decide(); st != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
		t.Fatalf("after the reload turned the site's override to published: %v", st)
	}
}
