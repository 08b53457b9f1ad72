package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

// printTable prints every result as one Markdown table, with each
// commentd figure as a ratio to the baselines' figures for the same case.
func printTable(w io.Writer, o options, results []result) {
	base := map[string]map[string]report{}
	for _, r := range results {
		if r.baseline {
			if base[r.server] == nil {
				base[r.server] = map[string]report{}
			}
			base[r.server][r.bc.name] = r.report
		}
	}
	ratio := func(server string, r result) string {
		b, ok := base[server][r.bc.name]
		if !ok || b.RPS == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f× / %.2f×", r.report.RPS/b.RPS, ms(r.report.percentile(99))/ms(b.percentile(99)))
	}
	fmt.Fprintf(w, "\n%s, %d CPUs, %s, concurrency %d, %s per case; ratios are RPS / p99 against the baseline's run of the same case;\n"+
		"CPU is per call, in µs, of the server / Redis / PostgreSQL / ghz processes (all share the machine).\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), cpuModel(), o.concurrency, o.duration)
	fmt.Fprintln(w, "| case | server | RPS | p50 ms | p99 ms | errors | vs echo | vs echo+EVALSHA | CPU µs/call | answers | peak RSS |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---|---|---|---|---:|")
	for _, bc := range cases {
		for _, r := range results {
			if r.bc.name != bc.name {
				continue
			}
			rss := "–"
			if !r.baseline && r.peakRSS > 0 {
				rss = fmt.Sprintf("%.0f MB", float64(r.peakRSS)/1e6)
			}
			answers := r.report.codes()
			if r.stored != "" {
				answers += "; " + r.stored
			}
			fmt.Fprintf(w, "| %s | %s | %.0f | %.1f | %.1f | %d | %s | %s | %s | %s | %s |\n",
				bc.name, r.server, r.report.RPS, ms(r.report.percentile(50)), ms(r.report.percentile(99)),
				r.report.errors(bc), ratio(echoName, r), ratio(echoRedisName, r), r.cpu, answers, rss)
		}
	}
}

// target is one of the goals of issue 7, as a ratio to a baseline.
type target struct {
	what     string
	server   string
	bcase    string
	baseline string
	minRPS   float64 // minimum RPS ratio
	maxP99   float64 // maximum p99 ratio; 0 for none
}

var targets = []target{
	{"many readers, SQLite + Redis", "commentd SQLite", "many-readers", echoRedisName, 0.80, 2},
	{"many readers, PostgreSQL + Redis", "commentd PostgreSQL", "many-readers", echoRedisName, 0.60, 0},
	{"abusive reader refused, SQLite", "commentd SQLite", "abusive", echoName, 0.90, 0},
	{"abusive reader refused, PostgreSQL", "commentd PostgreSQL", "abusive", echoName, 0.90, 0},
	{"ListComments, SQLite", "commentd SQLite", "list", echoName, 0.70, 0},
	{"ListComments, PostgreSQL", "commentd PostgreSQL", "list", echoName, 0.70, 0},
}

// printTargets says which goals this run met. They are ratios on a shared
// machine, so they are reported, not enforced.
func printTargets(w io.Writer, results []result) {
	find := func(server, bcase string) (result, bool) {
		for _, r := range results {
			if r.server == server && r.bc.name == bcase {
				return r, true
			}
		}
		return result{}, false
	}
	fmt.Fprintln(w)
	for _, t := range targets {
		r, ok1 := find(t.server, t.bcase)
		b, ok2 := find(t.baseline, t.bcase)
		if !ok1 || !ok2 {
			continue
		}
		rps := r.report.RPS / b.report.RPS
		met := rps >= t.minRPS && r.report.errors(r.bc) == 0
		line := fmt.Sprintf("%.2f× %s RPS (goal ≥ %.2f×)", rps, t.baseline, t.minRPS)
		if t.maxP99 > 0 {
			p99 := ms(r.report.percentile(99)) / ms(b.report.percentile(99))
			met = met && p99 <= t.maxP99
			line += fmt.Sprintf(", p99 %.2f× (goal ≤ %.0f×)", p99, t.maxP99)
		}
		line += fmt.Sprintf(", %d errors", r.report.errors(r.bc))
		fmt.Fprintf(w, "%-6s %-36s %s\n", map[bool]string{true: "met", false: "MISSED"}[met], t.what, line)
	}
	var peak int64
	for _, r := range results {
		if !r.baseline {
			peak = max(peak, r.peakRSS)
		}
	}
	// VmHWM is the peak of the whole run so far, so the last reading is the
	// run's peak.
	if peak > 0 {
		fmt.Fprintf(w, "%-6s %-36s %.0f MB (goal < 150 MB)\n", map[bool]string{true: "met", false: "MISSED"}[peak < 150e6], "commentd peak resident memory", float64(peak)/1e6)
	}
}

func cpuModel() string {
	b, err := readFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(b, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// printHTTP sets each HTTP/JSON case beside the gRPC case it mirrors, on
// the same server: what the HTTP front costs.
func printHTTP(w io.Writer, results []result) {
	find := func(server, bcase string) (result, bool) {
		for _, r := range results {
			if r.server == server && r.bc.name == bcase {
				return r, true
			}
		}
		return result{}, false
	}
	for _, h := range results {
		if !h.bc.http {
			continue
		}
		g, ok := find(h.server, strings.TrimSuffix(h.bc.name, " HTTP/JSON"))
		if !ok || g.report.RPS == 0 || g.cpu.server == 0 {
			continue
		}
		fmt.Fprintf(w, "%-6s %-36s %.2f× the gRPC case's RPS, p99 %.2f×, server CPU per call %.2f× (%d µs vs %d µs), %d errors\n",
			"http", h.bc.name+", "+strings.TrimPrefix(h.server, "commentd "), h.report.RPS/g.report.RPS,
			ms(h.report.percentile(99))/ms(g.report.percentile(99)), float64(h.cpu.server)/float64(g.cpu.server),
			h.cpu.server.Microseconds(), g.cpu.server.Microseconds(), h.report.errors(h.bc))
	}
}
