package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"golang.org/x/term"
	"google.golang.org/grpc"

	"github.com/commentd/commentd/client"
)

// Output formats of -o.
const (
	outTable = "table"
	outJSON  = "json"
	outIDs   = "ids"
)

// app is one run of commentctl: its streams, global flags and connection.
type app struct {
	stdin  io.Reader
	stdout *bufio.Writer
	stderr io.Writer
	// rawStdout is stdout itself, to ask whether it is a terminal.
	rawStdout io.Writer

	server        string
	token         string
	insecureToken bool
	caCert        string // --cacert
	cert, key     string // --cert, --key
	output        string
	timeout       time.Duration

	client *client.Client   // the moderator's connection, from dial
	conns  []*client.Client // every connection opened, to close
	now    func() time.Time
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *app {
	return &app{
		stdin:     stdin,
		stdout:    bufio.NewWriterSize(stdout, 64<<10),
		rawStdout: stdout,
		stderr:    stderr,
		now:       time.Now,
	}
}

// dial connects on first use; commands that only print help never do.
func (a *app) dial(ctx context.Context) (*client.Client, error) {
	if a.client != nil {
		return a.client, nil
	}
	c, err := a.dialToken(ctx, a.token)
	if err != nil {
		return nil, err
	}
	a.client = c
	return c, nil
}

// dialToken opens a connection sending token; close closes it.
func (a *app) dialToken(ctx context.Context, token string) (*client.Client, error) {
	opts := []client.Option{client.WithDialOptions(
		grpc.WithUserAgent("commentctl"),
		grpc.WithChainUnaryInterceptor(callTimeout(a.timeout)),
	)}
	if token != "" {
		opts = append(opts, client.WithToken(token))
	}
	if a.insecureToken {
		opts = append(opts, client.WithInsecureToken())
	}
	if a.caCert != "" || a.cert != "" || a.key != "" {
		cfg, err := client.TLSConfig(a.caCert, a.cert, a.key)
		if err != nil {
			return nil, usageErrorf("%v", err)
		}
		opts = append(opts, client.WithTLS(cfg))
	}
	c, err := client.Dial(ctx, a.server, opts...)
	if errors.Is(err, client.ErrInsecureToken) {
		return nil, usageErrorf("%v\n(use TLS with --cacert, or pass --insecure-token to send the token in plaintext on a network you trust)", err)
	}
	if err != nil {
		return nil, err
	}
	a.conns = append(a.conns, c)
	return c, nil
}

func (a *app) close() {
	a.stdout.Flush()
	for _, c := range a.conns {
		c.Close()
	}
}

// callTimeout gives every unary call --timeout, retries included, unless
// the caller set a deadline. Streams (watch) have none.
func callTimeout(d time.Duration) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if _, ok := ctx.Deadline(); !ok && d > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

// termWidth is the width of the terminal standard output is, or of
// $COLUMNS, or 0 when unknown.
func (a *app) termWidth() int {
	if f, ok := a.rawStdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 0
}

// stdinTerminal returns standard input's descriptor when it is a
// terminal.
func (a *app) stdinTerminal() (*os.File, bool) {
	f, ok := a.stdin.(*os.File)
	return f, ok && term.IsTerminal(int(f.Fd()))
}

func (a *app) printf(format string, args ...any) {
	fmt.Fprintf(a.stdout, format, args...)
}

func (a *app) warnf(format string, args ...any) {
	a.stdout.Flush() // keep stdout and stderr in order on a terminal
	fmt.Fprintf(a.stderr, "commentctl: "+format+"\n", args...)
}
