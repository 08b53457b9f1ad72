package main

import (
	"bytes"
	"context"
	"io"
	"os"

	"golang.org/x/term"
)

// keyReader reads single key presses from a terminal in raw mode.
type keyReader struct {
	f   *os.File
	old *term.State
}

// openKeys puts the terminal f in raw mode until Close: keys arrive
// without Enter and are not echoed; Ctrl-C arrives as a key.
func openKeys(f *os.File) (*keyReader, error) {
	old, err := term.MakeRaw(int(f.Fd()))
	if err != nil {
		return nil, err
	}
	return &keyReader{f: f, old: old}, nil
}

// Close restores the terminal.
func (k *keyReader) Close() error { return term.Restore(int(k.f.Fd()), k.old) }

// Key returns the next key press. Of keys typed together it returns the
// first: the others were typed before the moderator saw what they would
// act on. An escape sequence (an arrow key, say) is 0.
func (k *keyReader) Key(ctx context.Context) (byte, error) {
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	go func() { // a read cannot be cancelled; the process ends soon after ctx
		buf := make([]byte, 32)
		n, err := k.f.Read(buf)
		ch <- result{buf[:n], err}
	}()
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case r := <-ch:
		switch {
		case len(r.b) == 0 && r.err == nil:
			return 0, io.EOF
		case len(r.b) == 0:
			return 0, r.err
		case len(r.b) > 1 && r.b[0] == 0x1b:
			return 0, nil
		}
		return r.b[0], nil
	}
}

// Discard drops keys typed ahead, before showing what the next key will
// act on.
func (k *keyReader) Discard() { discardInput(k.f) }

// crlf writes to a terminal in raw mode, where a line feed no longer
// returns the carriage.
type crlf struct{ w io.Writer }

func (c crlf) Write(p []byte) (int, error) {
	if _, err := c.w.Write(bytes.ReplaceAll(p, []byte("\n"), []byte("\r\n"))); err != nil {
		return 0, err
	}
	return len(p), nil
}
