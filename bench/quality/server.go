package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// policy is the setting: every comment is judged on its text
// alone. Rate limits are off (the corpus' senders write in bursts no
// reader would, and a refusal is not a judgment), first-time authors are
// not held, and what no rule holds is published.
const policy = `default_status: published
rate_limits:
  client_ip: {burst: 0}
  author_email: {burst: 0}
  network: {burst: 0}
  article_surge: {burst: 0}
rules:
  first_time_hold: false
`

// server is one commentd started for the run.
type server struct {
	addr   string
	cmd    *exec.Cmd
	exited chan error
	log    *os.File
}

// buildCommentd compiles commentd from the tree into dir.
func buildCommentd(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "commentd")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/commentd")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build commentd: %w", err)
	}
	return bin, nil
}

// startServer runs bin on a free loopback port over a SQLite database in
// dir, with the benchmark's policy and in-process limits.
func startServer(ctx context.Context, bin, dir string) (*server, error) {
	pol := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(pol, []byte(policy), 0o600); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s := &server{addr: addr, exited: make(chan error, 1)}
	if s.log, err = os.Create(filepath.Join(dir, "commentd.log")); err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin)
	s.cmd.Env = append(cleanEnv(),
		"COMMENTD_LISTEN="+addr,
		"COMMENTD_DB="+filepath.Join(dir, "quality.db"),
		"COMMENTD_CONFIG="+pol,
		"COMMENTD_LOG_LEVEL=warn",
	)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		s.log.Close()
		return nil, fmt.Errorf("start commentd: %w", err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	if err := waitListening(ctx, addr, s.exited); err != nil {
		s.stop()
		b, _ := os.ReadFile(s.log.Name())
		return nil, fmt.Errorf("commentd: %w\n%s", err, b)
	}
	return s, nil
}

// cleanEnv is the environment without commentd's own variables, so that
// an operator's settings (a Redis, site keys) cannot change what is
// measured.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "COMMENTD_") {
			env = append(env, kv)
		}
	}
	return env
}

// stop ends commentd with SIGTERM, as an operator would.
func (s *server) stop() error {
	defer s.log.Close()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		return err
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		return errors.New("commentd did not stop within 20s of SIGTERM; killed")
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitListening(ctx context.Context, addr string, exited <-chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		select {
		case err := <-exited:
			return fmt.Errorf("exited before listening: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("not listening on %s after 30s", addr)
}
