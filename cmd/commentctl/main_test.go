package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commentd/commentd/client"
	"github.com/commentd/commentd/client/commentdtest"
	"github.com/commentd/commentd/internal/testpg"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// The binaries the end-to-end tests run, built once by TestMain.
var commentdBin, commentctlBin string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "commentctl-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var (
		wg         sync.WaitGroup
		err1, err2 error
	)
	wg.Go(func() { commentdBin, err1 = commentdtest.Build(ctx, dir, commentdtest.Package) })
	wg.Go(func() {
		var flags []string
		if raceEnabled {
			flags = []string{"-race"}
		}
		commentctlBin, err2 = commentdtest.Build(ctx, dir, "github.com/commentd/commentd/cmd/commentctl", flags...)
	})
	wg.Wait()
	if err := errors.Join(err1, err2); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// Moderator tokens and the site key of the test servers.
const (
	ashaToken  = "tok-asha"
	moderators = "COMMENTD_MODERATOR_TOKENS=asha:tok-asha:admin,ravi:tok-ravi"
	siteKey    = "site-key-news"
	sites      = "COMMENTD_SITE_KEYS=news:" + siteKey
	// holdAll holds every comment; the tests submit faster than a reader.
	holdAll = `default_status: pending
rate_limits:
  client_ip: {burst: 0, every: 1s}
  author_email: {burst: 0, every: 1s}
  network: {burst: 0, every: 1s}
`
	testTimeout = 60 * time.Second
)

// stores are the two stores every end-to-end test runs on.
var stores = []struct {
	name string
	db   func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "commentd.db") }},
	{"postgres", func(t *testing.T) string { return testpg.NewDatabase(t) }},
}

func startCommentd(t *testing.T, db string) *commentdtest.Server {
	t.Helper()
	return commentdtest.Start(t, commentdtest.Config{Binary: commentdBin, DB: db, Policy: holdAll, Env: []string{moderators, sites}})
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// dialT connects as the moderator asha, and to CommentService as the
// site news.
func dialT(t *testing.T, addr string) *client.Client {
	t.Helper()
	c, err := client.Dial(ctxT(t), addr, client.WithToken(ashaToken))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	site, err := client.Dial(ctxT(t), addr, client.WithToken(siteKey))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { site.Close() })
	c.Comments = site.Comments
	return c
}

// submit submits a comment and returns its id.
func submit(t *testing.T, c *client.Client, article, name, email, body string) string {
	t.Helper()
	resp, err := c.Comments.SubmitComment(ctxT(t), &pb.SubmitCommentRequest{
		ArticleId: article,
		Author:    &pb.Author{Name: name, Email: email},
		Body:      body,
		Client:    &pb.ClientInfo{Ip: "203.0.113.7", UserAgent: "Mozilla/5.0"},
		RequestId: fmt.Sprintf("%s-%s-%d", email, article, time.Now().UnixNano()),
	})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return resp.GetComment().GetId()
}

// result is what one commentctl run printed and how it exited.
type result struct {
	stdout, stderr string
	code           int
}

// ctl runs commentctl against addr as asha (unless args say otherwise),
// with stdin, and returns what it printed.
func ctl(t *testing.T, addr, stdin string, args ...string) result {
	t.Helper()
	return ctlWith(t, ctlEnv(addr, ashaToken), stdin, args...)
}

// ctlWith runs commentctl in env.
func ctlWith(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, commentctlBin, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("commentctl %s: %v", strings.Join(args, " "), err)
	}
	r := result{stdout: out.String(), stderr: errOut.String(), code: cmd.ProcessState.ExitCode()}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic:") || strings.Contains(r.stderr, "DATA RACE") {
		t.Errorf("commentctl %s crashed:\n%s", strings.Join(args, " "), r.stderr)
	}
	return r
}

// ctlEnv is the environment commentctl runs in: the server, token and site key
// through the environment, as a moderator sets them once.
func ctlEnv(addr, token string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "COMMENTCTL_") && !strings.HasPrefix(kv, "COLUMNS=") {
			env = append(env, kv)
		}
	}
	env = append(env, "COMMENTCTL_SERVER="+addr, "COMMENTCTL_SITE_KEY="+siteKey)
	if token != "" {
		env = append(env, "COMMENTCTL_TOKEN="+token)
	}
	return env
}

// lines splits output into its lines.
func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// wantCode fails unless r exited with code.
func (r result) wantCode(t *testing.T, code int, what string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", what, r.code, code, r.stdout, r.stderr)
	}
}
