package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// report is the part of ghz's JSON report the bench reads.
type report struct {
	Count       int            `json:"count"`
	RPS         float64        `json:"rps"`
	StatusCodes map[string]int `json:"statusCodeDistribution"`
	ErrorDist   map[string]int `json:"errorDistribution"`
	Latency     []struct {
		Percentage int           `json:"percentage"`
		Latency    time.Duration `json:"latency"`
	} `json:"latencyDistribution"`

	clientCPU time.Duration // ghz's own CPU over the run
}

// runGHZ runs one case against addr with ghz and reads its report.
func runGHZ(ctx context.Context, tmp string, bc benchCase, addr string, o options) (report, error) {
	out := filepath.Join(tmp, "ghz.json")
	span := []string{"--duration", o.duration.String()}
	if o.total > 0 {
		span = []string{"--total", strconv.Itoa(o.total), "--duration", "0s"}
	}
	args := append([]string{"--config", bc.config, "--protoset", "bench/commentd.protoset"}, span...)
	cmd := command(ctx, filepath.Join(tmp, "ghz"), append(args,
		"--concurrency", strconv.Itoa(o.concurrency),
		"--format", "json", "--output", out,
		addr)...)
	if err := cmd.Run(); err != nil {
		return report{}, fmt.Errorf("ghz: %w", err)
	}
	clientCPU := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	b, err := os.ReadFile(out)
	if err != nil {
		return report{}, err
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		return report{}, fmt.Errorf("ghz report: %w", err)
	}
	if r.Count == 0 {
		return r, fmt.Errorf("ghz made no calls")
	}
	r.clientCPU = clientCPU
	return r, nil
}

func (r report) percentile(p int) time.Duration {
	for _, l := range r.Latency {
		if l.Percentage == p {
			return l.Latency
		}
	}
	return 0
}

// errors counts the calls that ended neither OK nor with one of the
// case's expected refusals.
func (r report) errors(bc benchCase) int {
	n := 0
	for code, c := range r.StatusCodes {
		if code != "OK" && !slices.Contains(bc.refusals, code) {
			n += c
		}
	}
	return n
}

// codes lists the status codes and their counts, OK first.
func (r report) codes() string {
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(r.StatusCodes)) {
		if code == "OK" {
			parts = append([]string{fmt.Sprintf("OK %d", r.StatusCodes[code])}, parts...)
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %d", code, r.StatusCodes[code]))
	}
	return strings.Join(parts, ", ")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd
}
