package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
)

// goBenchmarks runs the repository's testing.B benchmarks once each for a
// short time and prints their result lines. Each package pairs its figure
// with a baseline of its own (BenchmarkRedisPing beside BenchmarkRedisTake,
// BenchmarkNormalize beside BenchmarkRules).
func goBenchmarks(ctx context.Context, w io.Writer) error {
	fmt.Fprintln(w, "\nGo benchmarks (go test -bench . -benchmem -benchtime 1s -run '^$'):")
	cmd := command(ctx, "go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", "1s", "./...")
	cmd.Stdout = nil
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Benchmark") || strings.HasPrefix(line, "pkg:") || strings.HasPrefix(line, "FAIL") {
			fmt.Fprintln(w, line)
		}
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("go benchmarks: %w", err)
	}
	return nil
}

func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
