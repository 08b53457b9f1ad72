package server

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// Call logging. One line per finished call, at a level chosen by its code,
// built only when that level is enabled: the refusals of a flood are
// counted by the metrics, and logging them would cost more than refusing
// them. (go-grpc-middleware's logging interceptor gathered its fields for
// every call, logged or not: 14% of the CPU of a refused submission.)

// logLevel keeps successful calls and the answers a client caused
// (invalid input, duplicates, rate limits) out of the default (info) log:
// under load they would drown everything else.
func logLevel(code codes.Code) slog.Level {
	switch code {
	case codes.OK, codes.Canceled, codes.InvalidArgument, codes.NotFound, codes.AlreadyExists,
		codes.FailedPrecondition, codes.ResourceExhausted, codes.OutOfRange:
		return slog.LevelDebug
	case codes.Internal, codes.Unknown, codes.DataLoss, codes.Unimplemented:
		return slog.LevelError
	case codes.Unavailable, codes.DeadlineExceeded:
		return slog.LevelWarn
	default: // Unauthenticated, PermissionDenied, Aborted
		return slog.LevelInfo
	}
}

func logCall(ctx context.Context, l *slog.Logger, method string, start time.Time, err error) {
	code := status.Code(err)
	lvl := logLevel(code)
	if !l.Enabled(ctx, lvl) {
		return
	}
	attrs := []slog.Attr{
		slog.String("grpc.method", method),
		slog.String("grpc.code", code.String()),
		slog.Float64("grpc.time_ms", float64(time.Since(start).Microseconds())/1000),
	}
	if p, ok := peer.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("peer.address", p.Addr.String()))
	}
	if err != nil {
		attrs = append(attrs, slog.String("grpc.error", status.Convert(err).Message()))
	}
	l.LogAttrs(ctx, lvl, "finished call", attrs...)
}

func logUnary(l *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := next(ctx, req)
		logCall(ctx, l, info.FullMethod, start, err)
		return resp, err
	}
}

func logStream(l *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, next grpc.StreamHandler) error {
		start := time.Now()
		err := next(srv, ss)
		logCall(ss.Context(), l, info.FullMethod, start, err)
		return err
	}
}
