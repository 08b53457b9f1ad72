// Command bench is `make bench`: it load-tests commentd with ghz beside two
// baselines measured in the same run, and submissions over HTTP/JSON beside
// the same over gRPC, checks that every acknowledged comment was stored
// exactly once, and prints one table.
//
// Everything runs on loopback, one server at a time so that none competes
// with another for the machine: the echo baseline, the echo baseline with
// one Redis EVALSHA per call, commentd on SQLite and commentd on
// PostgreSQL, both with the Redis limiter. Each runs every case in bench/
// for -duration at -concurrency. The Redis and PostgreSQL to use come from
// COMMENTD_TEST_REDIS and COMMENTD_TEST_POSTGRES (scripts/with-services.sh
// sets them); the bench keeps to its own key prefix and its own database
// and removes both when it ends.
//
// Run it from the repository root: go run ./bench [-duration 10s].
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long each case runs against each server")
	flag.IntVar(&o.concurrency, "concurrency", 50, "concurrent calls ghz keeps in flight")
	flag.BoolVar(&o.goBench, "go-bench", true, "also run the Go benchmarks and print their figures")
	flag.StringVar(&o.profile, "profile", "", "write a CPU profile of commentd during each case into this `directory`")
	flag.StringVar(&o.commentd, "commentd", "", "measure this commentd `binary` instead of building one from the tree (to compare two versions)")
	flag.StringVar(&o.only, "only", "", "run only the commentd servers whose name contains this text (e.g. sqlite), beside both baselines")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("bench: ")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

type options struct {
	duration time.Duration
	// total, when set, runs each case for that many calls instead of for
	// duration: the harness's own test, which must make calls however
	// loaded the machine is.
	total       int
	concurrency int
	goBench     bool
	profile     string
	only        string
	commentd    string
	redisPID    int // for CPU accounting; 0 when Redis is not local
}

func run(ctx context.Context, o options, w io.Writer) error {
	if _, err := os.Stat("bench/many-readers.json"); err != nil {
		return errors.New("run me from the repository root (make bench)")
	}
	tmp, err := os.MkdirTemp("", "commentd-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	log.Printf("building commentd, the echo baseline and ghz")
	if err := build(ctx, tmp); err != nil {
		return err
	}
	if o.commentd != "" {
		b, err := os.ReadFile(o.commentd)
		if err != nil {
			return fmt.Errorf("-commentd: %w", err)
		}
		if err := os.WriteFile(filepath.Join(tmp, "commentd"), b, 0o755); err != nil {
			return err
		}
	}
	env, err := newEnvironment(ctx)
	if err != nil {
		return err
	}
	defer env.close()

	o.redisPID = redisPID(ctx, env.redis)

	// Every server runs from the start, idle but for the one measured,
	// and each case runs against each in turn: a baseline and commentd
	// are measured seconds apart, not minutes, on a machine whose other
	// tenants come and go.
	var servers []*running
	defer func() {
		for _, r := range servers {
			if err := r.stop(); err != nil {
				log.Printf("%s: stop: %v", r.spec.name, err)
			}
		}
	}()
	for _, spec := range env.servers(tmp) {
		if o.only != "" && !spec.baseline && !containsFold(spec.name, o.only) {
			continue
		}
		r, err := startServer(ctx, o, tmp, spec)
		if err != nil {
			return err
		}
		servers = append(servers, r)
	}
	var results []result
	var failures []error
	for _, bc := range cases {
		for _, r := range servers {
			if bc.http && r.spec.baseline {
				continue
			}
			res, err := r.measure(ctx, o, tmp, bc)
			if err != nil {
				failures = append(failures, fmt.Errorf("%s, %s: %w", r.spec.name, bc.name, err))
			}
			if res.report.Count > 0 {
				results = append(results, res)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	printTable(w, o, results)
	printTargets(w, results)
	printHTTP(w, results)

	if o.goBench {
		if err := goBenchmarks(ctx, w); err != nil {
			failures = append(failures, err)
		}
	}
	return errors.Join(failures...)
}

// build compiles the binaries into dir, so that no `go run` shares the
// machine with the measurement.
func build(ctx context.Context, dir string) error {
	if err := command(ctx, "go", "build", "-o", dir+string(filepath.Separator), "./cmd/commentd", "./bench/echo").Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	if err := command(ctx, "go", "build", "-modfile=tools/go.mod", "-o", filepath.Join(dir, "ghz"), "github.com/bojand/ghz/cmd/ghz").Run(); err != nil {
		return fmt.Errorf("build ghz: %w", err)
	}
	return nil
}
