package moderation

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Code classifies an Error for transports; server maps each to a gRPC code
// in one table.
type Code uint8

// The error codes.
const (
	CodeInternal           Code = iota // a bug or an unexpected failure
	CodeInvalid                        // bad input; see Violations
	CodeNotFound                       // see Resource
	CodeAlreadyExists                  // see Resource
	CodeFailedPrecondition             // a state change that is not allowed
	CodeResourceExhausted              // rate limited; see RetryAfter and Quota
	CodeUnavailable                    // the store (or another backend) is down
	CodePermissionDenied               // the caller's role does not allow it
	CodeOutOfRange                     // a position past what is kept; see Violations
)

// Sentinel errors that adapters wrap with %w so the domain and the server
// can classify them without knowing the adapter.
var (
	// ErrNotFound: the store has no such record.
	ErrNotFound = errors.New("not found")
	// ErrUnavailable: the backend could not be reached or timed out.
	ErrUnavailable = errors.New("unavailable")
)

// FieldViolation says what is wrong with one request field. Field uses
// proto field names with dots for nesting, such as "author.email".
type FieldViolation struct {
	Field       string
	Description string
}

// Resource names the record an error is about.
type Resource struct {
	Type string // for example "comment"
	Name string // its id
}

// QuotaViolation names one exhausted limit.
type QuotaViolation struct {
	Subject     string
	Description string
}

// PreconditionViolation names one unmet precondition, such as a closed
// article: Type is a stable code clients may branch on, Subject what it is
// about.
type PreconditionViolation struct {
	Type        string
	Subject     string
	Description string
}

// Error is the domain's error. Everything a transport needs to build a
// helpful status is here. Message is shown to clients and must not carry
// private data, so it never holds the cause's text; Err is the cause,
// kept for logs (Error) and errors.Is.
type Error struct {
	Code       Code
	Message    string
	Violations []FieldViolation
	Resource   Resource
	RetryAfter time.Duration
	Quota      []QuotaViolation
	// Precondition, for CodeFailedPrecondition, says which.
	Precondition []PreconditionViolation
	Err          error
}

// Error is the client's text followed by the cause's, for logs.
func (e *Error) Error() string {
	if e.Err == nil {
		return e.ClientMessage()
	}
	return e.ClientMessage() + ": " + e.Err.Error()
}

// ClientMessage is what a client is told: Message and the violations,
// never the cause.
func (e *Error) ClientMessage() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for i, v := range e.Violations {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(v.Field)
		b.WriteString(" ")
		b.WriteString(v.Description)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Invalid returns a CodeInvalid error listing every violation.
func Invalid(violations ...FieldViolation) *Error {
	return &Error{Code: CodeInvalid, Message: "invalid request", Violations: violations}
}

// NotFound returns a CodeNotFound error for the named record.
func NotFound(typ, name string) *Error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf("%s %q not found", typ, name), Resource: Resource{Type: typ, Name: name}}
}

// Errorf returns an Error of the given code with a formatted message. It
// wraps nothing: use Wrap to keep a cause.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error of the given code that tells clients message and
// keeps cause for logs and errors.Is, out of the client's sight.
func Wrap(code Code, message string, cause error) *Error {
	return &Error{Code: code, Message: message, Err: cause}
}

// ErrorCode classifies any error: a domain Error by its code, the adapter
// sentinels by what they mean, everything else as internal.
func ErrorCode(err error) Code {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e.Code
	case errors.Is(err, ErrNotFound):
		return CodeNotFound
	case errors.Is(err, ErrUnavailable):
		return CodeUnavailable
	default:
		return CodeInternal
	}
}
