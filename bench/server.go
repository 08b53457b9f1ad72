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
}

var cases = []benchCase{
	{name: "many-readers", config: "bench/many-readers.json", articles: "news-%"},
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
	peakRSS  int64  // bytes, of the whole server run
}

func benchServer(ctx context.Context, o options, tmp string, spec serverSpec) ([]result, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, spec.bin, spec.args...)
	cmd.Env = append(os.Environ(), spec.env...)
	var metricsAddr string
	if spec.baseline {
		cmd.Args = append(cmd.Args, "-listen", addr)
	} else {
		cmd.Env = append(cmd.Env, "COMMENTD_LISTEN="+addr)
		if o.profile != "" {
			if metricsAddr, err = freeAddr(); err != nil {
				return nil, err
			}
			cmd.Env = append(cmd.Env, "COMMENTD_METRICS_LISTEN="+metricsAddr, "COMMENTD_PPROF=true")
		}
	}
	logFile, err := os.Create(filepath.Join(tmp, strings.ReplaceAll(spec.name, " ", "-")+".log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 20 * time.Second
	log.Printf("%s on %s", spec.name, addr)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() error {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			return err
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
			return errors.New("did not stop within 20s of SIGTERM; killed")
		}
	}
	if err := waitListening(ctx, addr, exited); err != nil {
		stop()
		return nil, fmt.Errorf("%w (log: %s)", err, tail(logFile.Name()))
	}

	var store *storeCheck
	if !spec.baseline {
		if store, err = openStoreCheck(ctx, spec.store, spec.dsn); err != nil {
			stop()
			return nil, err
		}
		defer store.close()
		if err := preload(ctx, addr); err != nil {
			stop()
			return nil, fmt.Errorf("preload: %w", err)
		}
	}

	var out []result
	var errs []error
	for _, bc := range cases {
		var prof *profiler
		if metricsAddr != "" {
			prof = startProfile(ctx, metricsAddr, o.duration, filepath.Join(o.profile, strings.ReplaceAll(spec.name, " ", "-")+"-"+bc.name+".pprof"))
		}
		rep, err := runGHZ(ctx, tmp, bc, addr, o)
		if prof != nil {
			prof.wait()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", bc.name, err))
			continue
		}
		r := result{server: spec.name, baseline: spec.baseline, bc: bc, report: rep}
		if store != nil && bc.articles != "" {
			r.stored, err = store.exactlyOnce(ctx, bc.articles, rep.StatusCodes["OK"])
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", bc.name, err))
			}
		}
		log.Printf("%-20s %-13s %8.0f RPS  p99 %6.1f ms  %s %s", spec.name, bc.name, rep.RPS, ms(rep.percentile(99)), rep.codes(), r.stored)
		out = append(out, r)
	}
	rss := peakRSS(cmd.Process.Pid)
	for i := range out {
		out[i].peakRSS = rss
	}
	if err := stop(); err != nil {
		errs = append(errs, fmt.Errorf("stop: %w", err))
	}
	return out, errors.Join(errs...)
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
