package client_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/commentd/commentd/client/commentdtest"
)

// commentdBin is the commentd binary built for these tests, and
// commentdAddr a commentd on its defaults that the examples use.
var (
	commentdBin  string
	commentdAddr string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "commentd-client-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if commentdBin, err = commentdtest.Build(ctx, dir, commentdtest.Package); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv, err := commentdtest.Launch(commentdtest.Config{Binary: commentdBin}, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srv.Kill()
	commentdAddr = srv.Addr
	return m.Run()
}
