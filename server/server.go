// Package server serves commentd's gRPC API: it translates between the
// commentd.v1 protobuf messages and the moderation domain, maps domain
// errors to gRPC statuses in one place, and owns the gRPC server's life:
// interceptors, health, reflection and graceful shutdown.
package server

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// MaxRequestBytes bounds one request message. The largest valid
// submission (5,000 four-byte characters and every other field at its
// limit) is well under it.
const MaxRequestBytes = 64 << 10

// MaxConcurrentStreams bounds the calls in flight on one connection.
const MaxConcurrentStreams = 256

// MaxCallDuration bounds one unary call, and so the store work it does,
// whatever deadline the client set (or none).
const MaxCallDuration = 15 * time.Second

// Server is commentd's gRPC server, and its HTTP front (http.go).
type Server struct {
	grpc     *grpc.Server
	health   *health.Server
	log      *slog.Logger
	codec    codec
	tls      *tls.Config
	stopping chan struct{}
	stopOnce sync.Once
	// newGRPC builds a grpc.Server with the services and interceptors.
	newGRPC func(reflect bool) *grpc.Server

	mu     sync.Mutex
	front  http.Handler   // built on first use
	web    *grpc.Server   // behind front
	https  []*http.Server // serving front
	closed bool
}

type options struct {
	log      *slog.Logger
	creds    *Credentials
	tls      *tls.Config
	grpcOpts []grpc.ServerOption
	unary    []grpc.UnaryServerInterceptor
	stream   []grpc.StreamServerInterceptor
}

// Option configures a Server.
type Option func(*options)

// WithLogger sets the logger; the default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithCredentials makes the server authenticate sites and moderators.
// Without it every caller is the default site and the local moderator.
func WithCredentials(c *Credentials) Option { return func(o *options) { o.creds = c } }

// WithInterceptors adds interceptors outermost, ahead of logging, for
// concerns such as metrics that must see every call.
func WithInterceptors(unary grpc.UnaryServerInterceptor, stream grpc.StreamServerInterceptor) Option {
	return func(o *options) {
		o.unary = append(o.unary, unary)
		o.stream = append(o.stream, stream)
	}
}

// WithTLS serves gRPC and HTTP over TLS with cfg (see TLSConfig).
func WithTLS(cfg *tls.Config) Option { return func(o *options) { o.tls = cfg } }

// WithGRPCOptions adds gRPC server options.
func WithGRPCOptions(opts ...grpc.ServerOption) Option {
	return func(o *options) { o.grpcOpts = append(o.grpcOpts, opts...) }
}

// New returns a Server serving the domain svc.
func New(svc Domain, opts ...Option) *Server {
	o := options{log: slog.Default(), creds: &Credentials{}}
	for _, opt := range opts {
		opt(&o)
	}
	c := newCodec()
	recoverOpt := recovery.WithRecoveryHandlerContext(func(ctx context.Context, p any) error {
		o.log.ErrorContext(ctx, "panic in handler", "panic", p, "stack", string(debug.Stack()))
		return status.Error(codes.Internal, "internal error")
	})
	gopts := append([]grpc.ServerOption{
		grpc.ForceServerCodecV2(c),
		grpc.MaxRecvMsgSize(MaxRequestBytes),
		// Bounded resources: streams per connection, a handshake deadline,
		// and keepalive rules that close idle or misbehaving connections.
		grpc.MaxConcurrentStreams(MaxConcurrentStreams),
		grpc.ConnectionTimeout(10 * time.Second),
		// Long-lived workers keep the stacks the store's drivers grew;
		// a fresh goroutine per call spent ~15% of the CPU growing them.
		grpc.NumStreamWorkers(streamWorkers),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: 15 * time.Minute, Time: 2 * time.Minute, Timeout: 20 * time.Second}),
		grpc.ChainUnaryInterceptor(o.unary...),
		grpc.ChainStreamInterceptor(o.stream...),
		grpc.ChainUnaryInterceptor(
			boundDeadline,
			logUnary(o.log),
			recovery.UnaryServerInterceptor(recoverOpt),
			o.creds.unaryInterceptor,
			c.unaryInterceptor,
		),
		grpc.ChainStreamInterceptor(
			logStream(o.log),
			recovery.StreamServerInterceptor(recoverOpt),
			o.creds.streamInterceptor,
			c.streamInterceptor,
		),
	}, o.grpcOpts...)
	if o.tls != nil {
		gopts = append(gopts, grpc.Creds(credentials.NewTLS(o.tls)))
	}

	s := &Server{health: health.NewServer(), log: o.log, codec: c, tls: o.tls, stopping: make(chan struct{})}
	comments := &commentService{svc: svc, log: o.log}
	moderating := &moderationService{svc: svc, log: o.log, stopping: s.stopping}
	s.newGRPC = func(reflect bool) *grpc.Server {
		g := grpc.NewServer(gopts...)
		pb.RegisterCommentServiceServer(g, comments)
		pb.RegisterModerationServiceServer(g, moderating)
		healthpb.RegisterHealthServer(g, s.health)
		if reflect {
			reflection.Register(g)
		}
		return g
	}
	s.grpc = s.newGRPC(true)
	for _, name := range []string{"", pb.CommentService_ServiceDesc.ServiceName, pb.ModerationService_ServiceDesc.ServiceName} {
		s.health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	return s
}

// Serve accepts gRPC connections on lis until Shutdown.
func (s *Server) Serve(lis net.Listener) error { return s.grpc.Serve(lis) }

// Shutdown reports NOT_SERVING to health checks, stops accepting new calls
// on every listener and waits for in-flight calls to finish. When ctx ends
// first, it cancels the remaining calls and closes every connection.
func (s *Server) Shutdown(ctx context.Context) {
	s.health.Shutdown()
	s.stopOnce.Do(func() { close(s.stopping) })
	var wg sync.WaitGroup
	wg.Go(s.grpc.GracefulStop)
	wg.Go(func() { s.shutdownHTTP(ctx) })
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.log.Warn("shutdown deadline passed; cancelling in-flight calls")
		s.grpc.Stop()
		s.mu.Lock()
		web := s.web
		s.mu.Unlock()
		if web != nil {
			web.Stop()
		}
		<-done
	}
}

// streamWorkers is how many goroutines serve calls, enough for the calls
// in flight on a busy replica; calls beyond them get a goroutine of their
// own, as without workers.
var streamWorkers = uint32(max(64, 16*runtime.GOMAXPROCS(0)))

// boundDeadline gives every unary call a deadline of at most
// MaxCallDuration.
func boundDeadline(ctx context.Context, req any, _ *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, MaxCallDuration)
	defer cancel()
	return next(ctx, req)
}
