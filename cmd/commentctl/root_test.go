package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestCommandTreesAreIndependent builds command trees side by side, as
// tests do: flags parsed by one never reach another, and no tree writes
// state the others read.
func TestCommandTreesAreIndependent(t *testing.T) {
	for _, server := range []string{"a.example:1", "b.example:2", "c.example:3"} {
		t.Run(server, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			a := newApp(strings.NewReader(""), &out, &out)
			root := newRootCmd(a)
			root.SetOut(&out)
			root.SetErr(&out)
			// ban add without a target fails once the flags are parsed,
			// before anything reads the environment or dials.
			root.SetArgs([]string{"--server", server, "--timeout", "3s", "ban", "add"})
			if err := root.Execute(); err == nil {
				t.Fatal("ban add without a target succeeded")
			}
			if a.server != server || a.timeout != 3*time.Second {
				t.Errorf("app has --server %q --timeout %s, want %q 3s", a.server, a.timeout, server)
			}
			fresh := newApp(strings.NewReader(""), &out, &out)
			newRootCmd(fresh)
			if fresh.server != "127.0.0.1:50051" || fresh.timeout != 15*time.Second {
				t.Errorf("a fresh tree has --server %q --timeout %s, want the defaults", fresh.server, fresh.timeout)
			}

			// Commands are listed in the order of a moderator's day.
			var help bytes.Buffer
			if code := run(t.Context(), []string{"--help"}, strings.NewReader(""), &help, &help); code != 0 {
				t.Fatalf("--help: exit %d", code)
			}
			if q, ap := strings.Index(help.String(), "\n  queue "), strings.Index(help.String(), "\n  approve "); q < 0 || ap < 0 || q > ap {
				t.Errorf("--help does not list queue before approve:\n%s", help.String())
			}
		})
	}
}
