// Package testredis gives tests Redis to work against: the shared server
// (isolated by a key prefix that is deleted afterwards), throwaway servers
// a test may stop and start again, and a throwaway 3-node Redis Cluster.
// Tests never flush a database.
package testredis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// EnvVar names the shared Redis; DefaultURL is used when it is unset.
const (
	EnvVar     = "COMMENTD_TEST_REDIS"
	DefaultURL = "redis://127.0.0.1:6379/0"
)

// URL returns the shared Redis's URL.
func URL() string {
	if u := os.Getenv(EnvVar); u != "" {
		return u
	}
	return DefaultURL
}

// Shared returns a client of the shared Redis and a key prefix unique to
// this test. Every key under the prefix is deleted when the test ends.
func Shared(t testing.TB) (*redis.Client, string) {
	t.Helper()
	opt, err := redis.ParseURL(URL())
	if err != nil {
		t.Fatalf("testredis: %s: %v", EnvVar, err)
	}
	opt.ContextTimeoutEnabled = true
	c := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		t.Fatalf("testredis: cannot reach Redis at %s: %v\n"+
			"These tests need Redis. Run them with `make test`, which uses the server on\n"+
			"127.0.0.1:6379 or starts a throwaway one when redis-server is installed\n"+
			"(apt-get install redis-server), or point %s at another server.", opt.Addr, err, EnvVar)
	}
	prefix := "commentdtest:" + RandomHex(6) + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		DeletePrefix(ctx, t, c, prefix)
		c.Close()
	})
	return c, prefix
}

// DeletePrefix deletes every key starting with prefix, on every node.
func DeletePrefix(ctx context.Context, t testing.TB, c redis.UniversalClient, prefix string) {
	del := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			if err := c.Del(ctx, iter.Val()).Err(); err != nil {
				return err
			}
		}
		return iter.Err()
	}
	var err error
	switch c := c.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, del)
	case *redis.Client:
		err = del(ctx, c)
	}
	if err != nil {
		t.Errorf("testredis: delete %s*: %v", prefix, err)
	}
}

// Server is a throwaway redis-server on a loopback port of its own.
type Server struct {
	Addr string
	t    testing.TB
	dir  string
	args []string
	cmd  *exec.Cmd
}

// NewTLSServer starts a throwaway redis-server that speaks only TLS on its
// address, with the given PEM certificate and key.
func NewTLSServer(t testing.TB, certFile, keyFile, caFile string) *Server {
	t.Helper()
	return newServer(t, true, "--tls-cert-file", certFile, "--tls-key-file", keyFile,
		"--tls-ca-cert-file", caFile, "--tls-auth-clients", "no")
}

// NewServer starts a throwaway redis-server, stopped when the test ends.
func NewServer(t testing.TB, extra ...string) *Server {
	t.Helper()
	return newServer(t, false, extra...)
}

func newServer(t testing.TB, tls bool, extra ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("testredis: redis-server is not installed (apt-get install redis-server): %v", err)
	}
	s := &Server{t: t, dir: t.TempDir(), Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))}
	_, port, _ := net.SplitHostPort(s.Addr)
	ports := []string{"--port", port}
	if tls {
		ports = []string{"--port", "0", "--tls-port", port}
	}
	s.args = append(append([]string{"--bind", "127.0.0.1"}, ports...), append([]string{"--save", "", "--appendonly", "no",
		"--dir", s.dir, "--logfile", filepath.Join(s.dir, "redis.log")}, extra...)...)
	s.cmd = exec.Command(bin)
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start starts the server again on its address after Stop.
func (s *Server) Start() {
	s.t.Helper()
	s.cmd = exec.Command(s.cmd.Path, s.args...)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("testredis: start redis-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			s.t.Fatalf("testredis: redis-server on %s did not start: %v\n%s", s.Addr, err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server at once, as a crash would.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil && s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}

// Cluster starts a 3-primary Redis Cluster on loopback ports and returns
// its node addresses. The nodes stop when the test ends.
func Cluster(t testing.TB) []string {
	t.Helper()
	const n = 3
	nodes := make([]*Server, n)
	clients := make([]*redis.Client, n)
	bus := make([]int, n)
	for i := range nodes {
		// The bus port is free too, not the default port+10000, which may
		// be taken or past 65535.
		bus[i] = freePort(t)
		nodes[i] = NewServer(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "2000", "--cluster-port", strconv.Itoa(bus[i]))
		clients[i] = redis.NewClient(&redis.Options{Addr: nodes[i].Addr})
		defer clients[i].Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const slots = 16384
	for i, c := range clients {
		lo, hi := i*slots/n, (i+1)*slots/n-1
		if err := c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", lo, hi).Err(); err != nil {
			t.Fatalf("testredis: cluster addslotsrange: %v", err)
		}
	}
	for i, s := range nodes[1:] {
		host, port, _ := net.SplitHostPort(s.Addr)
		if err := clients[0].Do(ctx, "CLUSTER", "MEET", host, port, bus[i+1]).Err(); err != nil {
			t.Fatalf("testredis: cluster meet: %v", err)
		}
	}
	for _, c := range clients {
		for {
			info, err := c.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:3") {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("testredis: cluster did not form: %v %q", err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	addrs := make([]string, n)
	for i, s := range nodes {
		addrs[i] = s.Addr
	}
	return addrs
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// RandomHex returns n random bytes in hex, for names unique to a test.
func RandomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}

// Trips is a go-redis hook that counts round trips: a command or a
// pipeline each. Add it with client.AddHook(&trips) and read N.
type Trips struct{ N atomic.Int64 }

func (c *Trips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *Trips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.N.Add(1)
		return next(ctx, cmd)
	}
}

func (c *Trips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.N.Add(1) // one pipeline is one round trip
		return next(ctx, cmds)
	}
}
