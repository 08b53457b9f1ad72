// Command commentctl is the moderators' command-line client of commentd:
// list the queue, read a comment in full, approve, reject or file as spam
// one at a time or in bulk, review interactively, watch the queue live,
// and manage bans and word lists.
//
// Run `commentctl --help` for the commands. Exit status: 0 on success, 1
// when the server refused or any id failed, 2 on usage errors.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
