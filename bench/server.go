package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// benchCase is one ghz configuration in bench/.
type benchCase struct {
	name   string
	config string
	// articles is the SQL LIKE pattern of the articles the case submits
	// to; empty for read cases.
	articles string
	// refusals are the codes that are the point of the case, not errors.
	refusals []string
	// http sends the case's calls as JSON to commentd's HTTP listener
	// instead of through ghz (http.go); the baselines speak only gRPC.
	http bool
}

var cases = []benchCase{
	{name: "many-readers", config: "bench/many-readers.json", articles: "news-%"},
	{name: "many-readers HTTP/JSON", config: "bench/many-readers.json", articles: "news-%", http: true},
	{name: "surge", config: "bench/surge.json", articles: "breaking-%"},
	{name: "abusive", config: "bench/abusive.json", articles: "abuse-%", refusals: []string{"ResourceExhausted"}},
	{name: "list", config: "bench/list.json"},
	{name: "count", config: "bench/count.json"},
}

// result is one case against one server.
type result struct {
	server   string
	baseline bool
	bc       benchCase
	report   report
	stored   string // the exactly-once check, for commentd's submission cases
	cpu      cpuShare
	peakRSS  int64 // bytes, of the whole server run
}

// running is one server under test, started.
type running struct {
	spec        serverSpec
	addr        string
	httpAddr    string // commentd's --http-listen
	metricsAddr string // with -profile
	cmd         *exec.Cmd
	exited      chan error
	logFile     *os.File
	store       *storeCheck
	// acked counts the calls answered OK on each case's articles: cases
	// may share articles, and the store holds what all of them stored.
	acked map[string]int
}

// startServer starts spec on a free loopback port (commentd on two: gRPC
// and HTTP) and, for commentd, preloads the comments the read cases list.
func startServer(ctx context.Context, o options, tmp string, spec serverSpec) (*running, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	r := &running{spec: spec, addr: addr, exited: make(chan error, 1), acked: map[string]int{}}
	r.cmd = exec.CommandContext(ctx, spec.bin, spec.args...)
	r.cmd.Env = append(os.Environ(), spec.env...)
	if spec.baseline {
		r.cmd.Args = append(r.cmd.Args, "-listen", addr)
	} else {
		if r.httpAddr, err = freeAddr(); err != nil {
			return nil, err
		}
		r.cmd.Env = append(r.cmd.Env, "COMMENTD_LISTEN="+addr, "COMMENTD_HTTP_LISTEN="+r.httpAddr)
		if o.profile != "" {
			if r.metricsAddr, err = freeAddr(); err != nil {
				return nil, err
			}
			r.cmd.Env = append(r.cmd.Env, "COMMENTD_METRICS_LISTEN="+r.metricsAddr, "COMMENTD_PPROF=true")
		}
	}
	if r.logFile, err = os.Create(filepath.Join(tmp, fileName(spec.name)+".log")); err != nil {
		return nil, err
	}
	r.cmd.Stdout, r.cmd.Stderr = r.logFile, r.logFile
	r.cmd.Cancel = func() error { return r.cmd.Process.Signal(syscall.SIGTERM) }
	r.cmd.WaitDelay = 20 * time.Second
	log.Printf("%s on %s", spec.name, addr)
	if err := r.cmd.Start(); err != nil {
		r.logFile.Close()
		return nil, fmt.Errorf("%s: start: %w", spec.name, err)
	}
	go func() { r.exited <- r.cmd.Wait() }()
	if err := waitListening(ctx, addr, r.exited); err != nil {
		r.stop()
		return nil, fmt.Errorf("%s: %w (log: %s)", spec.name, err, tail(r.logFile.Name()))
	}
	if !spec.baseline {
		if r.store, err = openStoreCheck(ctx, spec.store, spec.dsn); err != nil {
			r.stop()
			return nil, err
		}
		if err := preload(ctx, addr); err != nil {
			r.stop()
			return nil, fmt.Errorf("%s: preload: %w", spec.name, err)
		}
	}
	return r, nil
}

// stop ends the server with SIGTERM, as an operator would.
func (r *running) stop() error {
	if r.store != nil {
		r.store.close()
	}
	defer r.logFile.Close()
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-r.exited:
		return err
	case <-time.After(20 * time.Second):
		r.cmd.Process.Kill()
		<-r.exited
		return errors.New("did not stop within 20s of SIGTERM; killed")
	}
}

// measure runs one case against the server and checks what it stored.
func (r *running) measure(ctx context.Context, o options, tmp string, bc benchCase) (result, error) {
	var prof *profiler
	if r.metricsAddr != "" {
		prof = startProfile(ctx, r.metricsAddr, o.duration, filepath.Join(o.profile, fileName(r.spec.name)+"-"+bc.name+".pprof"))
	}
	pid := r.cmd.Process.Pid
	server0, redis0, pg0 := cpuTime(pid), cpuTime(o.redisPID), postgresCPU()
	var rep report
	var err error
	if bc.http {
		rep, err = runHTTP(ctx, bc, r.httpAddr, o)
	} else {
		rep, err = runGHZ(ctx, tmp, bc, r.addr, o)
	}
	server1, redis1, pg1 := cpuTime(pid), cpuTime(o.redisPID), postgresCPU()
	if prof != nil {
		prof.wait()
	}
	if err != nil {
		return result{}, err
	}
	res := result{server: r.spec.name, baseline: r.spec.baseline, bc: bc, report: rep}
	if n := time.Duration(rep.Count); n > 0 {
		res.cpu = cpuShare{server: (server1 - server0) / n, postgres: (pg1 - pg0) / n, client: rep.clientCPU / n}
		if o.redisPID > 0 {
			res.cpu.redis = (redis1 - redis0) / n
		}
	}
	if r.store != nil && bc.articles != "" {
		r.acked[bc.articles] += rep.StatusCodes["OK"]
		if res.stored, err = r.store.exactlyOnce(ctx, bc.articles, r.acked[bc.articles]); err != nil {
			err = fmt.Errorf("exactly once: %w", err)
		}
	}
	res.peakRSS = peakRSS(pid)
	log.Printf("%-20s %-13s %8.0f RPS  p99 %6.1f ms  CPU µs/call %s  %s %s", r.spec.name, bc.name, rep.RPS, ms(rep.percentile(99)), res.cpu, rep.codes(), res.stored)
	return res, err
}

func fileName(s string) string { return strings.ReplaceAll(s, " ", "-") }

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

// peakRSS is the process's peak resident set (VmHWM) in bytes, 0 when
// unknown.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// profiler fetches a CPU profile from commentd's --pprof endpoint while a
// case runs.
type profiler struct{ done chan struct{} }

func startProfile(ctx context.Context, metricsAddr string, d time.Duration, path string) *profiler {
	p := &profiler{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		secs := max(1, int(d.Seconds())-1)
		url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", metricsAddr, secs)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Printf("profile: %v", err)
			return
		}
		defer resp.Body.Close()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			log.Printf("profile: %v", err)
			return
		}
		f, err := os.Create(path)
		if err != nil {
			log.Printf("profile: %v", err)
			return
		}
		defer f.Close()
		if _, err := io.Copy(f, resp.Body); err != nil {
			log.Printf("profile: %v", err)
			return
		}
		log.Printf("CPU profile written to %s", path)
	}()
	return p
}

func (p *profiler) wait() { <-p.done }
