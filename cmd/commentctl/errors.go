package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/cmd/commentctl/internal/termsafe"
)

// Exit statuses.
const (
	exitOK          = 0
	exitFailed      = 1 // the server refused, or an id failed
	exitUsage       = 2 // bad flags or arguments
	exitInterrupted = 130
)

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// runError is a failure while doing the work: exit status 1.
type runError struct{ err error }

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

// errReported means the failures were already printed, one line per id.
var errReported = errors.New("some ids failed")

// exitCode prints err for a person and returns the exit status.
func (a *app) exitCode(cmdPath string, err error) int {
	var ue *usageError
	var re *runError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errReported):
		return exitFailed
	case errors.Is(err, context.Canceled), status.Code(err) == codes.Canceled:
		return exitInterrupted
	case errors.As(err, &ue):
		fmt.Fprintf(a.stderr, "commentctl: %s\nRun '%s --help' for usage.\n", termsafe.Text(ue.msg), cmdPath)
		return exitUsage
	case errors.As(err, &re):
		describe(a.stderr, re.err, a)
		return exitFailed
	}
	// Anything else comes from cobra itself: an unknown command, flag or
	// a wrong number of arguments.
	fmt.Fprintf(a.stderr, "commentctl: %s\nRun '%s --help' for usage.\n", termsafe.Line(err.Error()), cmdPath)
	return exitUsage
}

// describe prints an error: for a gRPC status its code, message and every
// detail a person can act on, and a hint for the usual causes.
func describe(w io.Writer, err error, a *app) {
	var gs interface{ GRPCStatus() *status.Status }
	if !errors.As(err, &gs) {
		fmt.Fprintf(w, "commentctl: %s\n", termsafe.Line(err.Error()))
		return
	}
	st := gs.GRPCStatus()
	prefix := strings.TrimSuffix(err.Error(), st.Err().Error())
	fmt.Fprintf(w, "commentctl: %s%s: %s\n", termsafe.Line(prefix), codeName(st.Code()), termsafe.Line(st.Message()))
	for _, line := range detailLines(st) {
		fmt.Fprintf(w, "  %s\n", termsafe.Line(line))
	}
	if h := hint(st.Code(), a); h != "" {
		fmt.Fprintf(w, "  hint: %s\n", h)
	}
}

// detailLines renders the google.rpc error details commentd sends.
func detailLines(st *status.Status) []string {
	var out []string
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				out = append(out, fmt.Sprintf("%s: %s", v.GetField(), v.GetDescription()))
			}
		case *errdetails.RetryInfo:
			out = append(out, fmt.Sprintf("retry in %s", d.GetRetryDelay().AsDuration()))
		case *errdetails.QuotaFailure:
			for _, v := range d.GetViolations() {
				out = append(out, fmt.Sprintf("quota %s: %s", v.GetSubject(), v.GetDescription()))
			}
		case *errdetails.ResourceInfo:
			out = append(out, fmt.Sprintf("%s %s", d.GetResourceType(), d.GetResourceName()))
		case *errdetails.PreconditionFailure:
			for _, v := range d.GetViolations() {
				out = append(out, fmt.Sprintf("%s %s: %s", v.GetType(), v.GetSubject(), v.GetDescription()))
			}
		case *errdetails.ErrorInfo:
			out = append(out, fmt.Sprintf("reason %s (%s)", d.GetReason(), d.GetDomain()))
		case *errdetails.Help:
			for _, l := range d.GetLinks() {
				out = append(out, fmt.Sprintf("see %s: %s", l.GetDescription(), l.GetUrl()))
			}
		case *errdetails.LocalizedMessage:
			out = append(out, d.GetMessage())
		}
	}
	return out
}

func hint(c codes.Code, a *app) string {
	switch c {
	case codes.Unavailable:
		return fmt.Sprintf("is commentd running at %s? (--server or COMMENTCTL_SERVER)", a.server)
	case codes.Unauthenticated:
		return "pass a moderator token with --token or COMMENTCTL_TOKEN"
	case codes.Unimplemented:
		return "this commentd does not serve that call yet; upgrade the server"
	case codes.DeadlineExceeded:
		return fmt.Sprintf("no answer within --timeout %s", a.timeout)
	}
	return ""
}

// codeName returns a status code's canonical name, such as NOT_FOUND.
func codeName(c codes.Code) string {
	if c == codes.OK {
		return "OK"
	}
	var b strings.Builder
	for i, r := range c.String() {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}
