package server

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/commentd/commentd/moderation"
)

// grpcCodes is the one table from domain error codes to gRPC codes.
var grpcCodes = map[moderation.Code]codes.Code{
	moderation.CodeInternal:           codes.Internal,
	moderation.CodeInvalid:            codes.InvalidArgument,
	moderation.CodeNotFound:           codes.NotFound,
	moderation.CodeAlreadyExists:      codes.AlreadyExists,
	moderation.CodeFailedPrecondition: codes.FailedPrecondition,
	moderation.CodeResourceExhausted:  codes.ResourceExhausted,
	moderation.CodeUnavailable:        codes.Unavailable,
	moderation.CodePermissionDenied:   codes.PermissionDenied,
	moderation.CodeOutOfRange:         codes.OutOfRange,
}

// toStatus turns any error from the domain into a gRPC status with the
// details a client needs to act on it. Internal errors are logged here and
// reach the client only as "internal error".
func toStatus(ctx context.Context, log *slog.Logger, err error) error {
	var de *moderation.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de):
		// The domain classified it, whatever it wraps.
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "the call was cancelled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "the call's deadline passed")
	default:
		// An adapter's sentinel (not found, unavailable) or a bug: its
		// text is the adapter's, for the log; the client gets the code's.
		de = &moderation.Error{Message: "not found"}
	}
	code := grpcCodes[moderation.ErrorCode(err)]
	switch code {
	case codes.Internal:
		log.ErrorContext(ctx, "internal error", "err", err)
		return status.Error(codes.Internal, "internal error")
	case codes.Unavailable:
		log.WarnContext(ctx, "backend unavailable", "err", err)
		if de.Code != moderation.CodeUnavailable || de.Message == "" {
			// A bare ErrUnavailable comes from the store; its text is the
			// driver's, for the log only.
			return status.Error(codes.Unavailable, "the comment store is unavailable; retry with the same request_id")
		}
	}
	st := status.New(code, de.ClientMessage())
	var details []protoadapt.MessageV1
	if len(de.Violations) > 0 {
		br := &errdetails.BadRequest{}
		for _, v := range de.Violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
				Field: v.Field, Description: v.Description,
			})
		}
		details = append(details, br)
	}
	if de.Resource.Type != "" {
		details = append(details, &errdetails.ResourceInfo{
			ResourceType: de.Resource.Type, ResourceName: de.Resource.Name,
		})
	}
	if de.RetryAfter > 0 {
		details = append(details, &errdetails.RetryInfo{RetryDelay: durationpb.New(de.RetryAfter)})
		// The same delay as a header, in whole seconds rounded up: HTTP
		// clients get it as Retry-After. Outside a call (tests) there is
		// no header to set.
		_ = grpc.SetHeader(ctx, metadata.Pairs("retry-after", retryAfterSeconds(de.RetryAfter)))
	}
	if len(de.Quota) > 0 {
		qf := &errdetails.QuotaFailure{}
		for _, q := range de.Quota {
			qf.Violations = append(qf.Violations, &errdetails.QuotaFailure_Violation{
				Subject: q.Subject, Description: q.Description,
			})
		}
		details = append(details, qf)
	}
	if len(de.Precondition) > 0 {
		pf := &errdetails.PreconditionFailure{}
		for _, p := range de.Precondition {
			pf.Violations = append(pf.Violations, &errdetails.PreconditionFailure_Violation{
				Type: p.Type, Subject: p.Subject, Description: p.Description,
			})
		}
		details = append(details, pf)
	}
	if len(details) > 0 {
		if withDetails, derr := st.WithDetails(details...); derr == nil {
			st = withDetails
		}
	}
	return st.Err()
}

// retryAfterSeconds is d as an HTTP Retry-After: whole seconds, at least
// one, never less than d.
func retryAfterSeconds(d time.Duration) string {
	return strconv.FormatInt(int64(max(time.Second, d+time.Second-1)/time.Second), 10)
}

// clientMessage is the text of err a client may see: a domain error's own
// message, never its cause's.
func clientMessage(err error) string {
	var de *moderation.Error
	if errors.As(err, &de) {
		return de.ClientMessage()
	}
	return "internal error"
}

// invalid builds an INVALID_ARGUMENT status for violations found in the
// transport layer (page tokens, enum values, bad UTF-8).
func invalid(vs ...moderation.FieldViolation) error {
	return moderation.Invalid(vs...)
}
