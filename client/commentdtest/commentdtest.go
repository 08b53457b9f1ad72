// Package commentdtest runs a real commentd for tests in this repository:
// it builds the binary from the module's source once and starts it on a
// free loopback port, on SQLite by default.
package commentdtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Package is the import path of the commentd command.
const Package = "github.com/commentd/commentd/cmd/commentd"

// Build builds pkg (a main package of this module) into dir and returns
// the binary's path. extra flags, such as "-race", go before the package.
func Build(ctx context.Context, dir, pkg string, extra ...string) (string, error) {
	path := filepath.Join(dir, filepath.Base(pkg))
	args := append(append([]string{"build", "-o", path}, extra...), pkg)
	out, err := exec.CommandContext(ctx, "go", args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
	}
	return path, nil
}

// Config says how to start commentd.
type Config struct {
	// Binary is the commentd binary, from Build.
	Binary string
	// DB is --db: a SQLite path or a postgres:// URL. Empty means a new
	// SQLite file in a temporary directory of the test.
	DB string
	// Policy is the policy file's YAML, when not empty.
	Policy string
	// Listen is --listen; empty means 127.0.0.1:0.
	Listen string
	// Env is added to the environment, such as
	// "COMMENTD_MODERATOR_TOKENS=asha:tok-asha:admin". Commentd's own
	// variables are not inherited from the caller's environment, so that
	// an operator's settings (a Redis, site keys) cannot change a run.
	Env []string
}

// Server is a running commentd.
type Server struct {
	// Addr is the address it listens on, from its log.
	Addr string
	// DB is its --db, to restart it on the same data.
	DB string

	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	logs bytes.Buffer
	err  error // from Wait
}

// Start starts commentd and waits until it listens. It is killed when the
// test ends.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.DB == "" {
		cfg.DB = filepath.Join(t.TempDir(), "commentd.db")
	}
	s, err := Launch(cfg, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Kill)
	return s
}

// Launch starts commentd and waits until it listens, for callers without a
// testing.TB such as TestMain; they Kill it. dir holds its policy file and,
// when cfg.DB is empty, its SQLite file.
func Launch(cfg Config, dir string) (*Server, error) {
	if cfg.DB == "" {
		cfg.DB = filepath.Join(dir, "commentd.db")
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	args := []string{"--log-format", "json", "--listen", cfg.Listen, "--db", cfg.DB}
	if cfg.Policy != "" {
		path := filepath.Join(dir, "policy.yaml")
		if err := os.WriteFile(path, []byte(cfg.Policy), 0o600); err != nil {
			return nil, err
		}
		args = append(args, "--config", path)
	}
	s := &Server{DB: cfg.DB, done: make(chan struct{})}
	s.cmd = exec.Command(cfg.Binary, args...)
	s.cmd.Env = append(withoutCommentdVars(os.Environ()), cfg.Env...)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start commentd: %w", err)
	}
	addr := make(chan string, 1)
	go s.readLog(stderr, addr)
	select {
	case s.Addr = <-addr:
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("commentd exited before listening: %v\n%s", s.err, s.Logs())
	case <-time.After(60 * time.Second):
		s.Kill()
		return nil, fmt.Errorf("commentd did not listen within a minute\n%s", s.Logs())
	}
}

// Kill kills commentd and waits for it to exit.
func (s *Server) Kill() {
	s.cmd.Process.Kill()
	<-s.done
}

func (s *Server) readLog(stderr io.Reader, addr chan<- string) {
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		s.mu.Lock()
		s.logs.Write(line)
		s.logs.WriteByte('\n')
		s.mu.Unlock()
		var rec struct{ Msg, Addr string }
		if json.Unmarshal(line, &rec) == nil && rec.Msg == "commentd listening" && rec.Addr != "" {
			select {
			case addr <- rec.Addr:
			default:
			}
		}
	}
	s.err = s.cmd.Wait()
	close(s.done)
}

// Logs returns what commentd has logged so far.
func (s *Server) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.String()
}

// Stop stops commentd with SIGTERM and waits for it to exit.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if err := s.Shutdown(); err != nil {
		t.Fatal(err)
	}
}

// Shutdown stops commentd with SIGTERM, as an operator would, and waits
// for it to exit; after 30 s it kills it and says so.
func (s *Server) Shutdown() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop commentd: %w", err)
	}
	select {
	case <-s.done:
		return nil
	case <-time.After(30 * time.Second):
		s.Kill()
		return fmt.Errorf("commentd did not stop within 30s of SIGTERM; killed\n%s", s.Logs())
	}
}

// withoutCommentdVars drops COMMENTD_* from an environment.
func withoutCommentdVars(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "COMMENTD_") {
			out = append(out, kv)
		}
	}
	return out
}
