package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// Option configures Dial.
type Option func(*options)

type options struct {
	token         string
	insecureToken bool
	// transport secures the connection. Nil means plaintext; WithTLS will
	// set it, and everything that asks "is the connection secure?" already
	// asks it.
	transport credentials.TransportCredentials
	dialOpts  []grpc.DialOption
}

// WithToken sends token as `authorization: Bearer <token>` metadata on
// every call: a site key for CommentService or a moderator token for
// ModerationService. Over a plaintext connection Dial refuses to send it
// anywhere but a loopback address or a Unix socket, unless
// WithInsecureToken is given too.
func WithToken(token string) Option {
	return func(o *options) { o.token = token }
}

// WithTLS secures the connection with cfg (its RootCAs verify the server;
// its Certificates, if any, identify the caller by mTLS). A token then
// travels encrypted to any address.
func WithTLS(cfg *tls.Config) Option {
	return func(o *options) { o.transport = credentials.NewTLS(cfg) }
}

// TLSConfig builds a TLS configuration from PEM files: caFile verifies the
// server (empty: the system's roots), certFile and keyFile (both or
// neither) are the client's certificate for mTLS.
func TLSConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("client: read CA: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("client: %s holds no PEM certificate", caFile)
		}
	}
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("client: a client certificate needs both its certificate and its key")
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("client: load certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// WithInsecureToken allows WithToken's token over a plaintext connection
// to any address. Anyone on the network path can read it: use it only on a
// network you trust, until the connection can be secured.
func WithInsecureToken() Option {
	return func(o *options) { o.insecureToken = true }
}

// WithDialOptions adds gRPC dial options, such as interceptors or a user
// agent. They come after the client's own, so they win where they clash;
// do not disable retries or replace the transport credentials through
// them, or the token check in Dial no longer tells the truth.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *options) { o.dialOpts = append(o.dialOpts, opts...) }
}

// ErrInsecureToken is returned by Dial when a token would be sent in
// plaintext to an address that is not this machine.
var ErrInsecureToken = errors.New("refusing to send a token in plaintext to a non-loopback address")

func (o *options) secure() bool {
	return o.transport != nil && o.transport.Info().SecurityProtocol != "insecure"
}

// dialOptions checks the options against target and returns the gRPC dial
// options they stand for.
func (o *options) dialOptions(target string) ([]grpc.DialOption, error) {
	transport := o.transport
	if transport == nil {
		transport = insecure.NewCredentials()
	}
	opts := []grpc.DialOption{
		grpc.WithTransportCredentials(transport),
		grpc.WithDefaultServiceConfig(RetryServiceConfig),
	}
	if o.token != "" {
		if !o.secure() && !o.insecureToken && !isLocal(target) {
			return nil, fmt.Errorf("client: %w %q; use a loopback address, or WithInsecureToken on a network you trust", ErrInsecureToken, target)
		}
		opts = append(opts, grpc.WithPerRPCCredentials(bearer{token: o.token, secure: o.secure()}))
	}
	return append(opts, o.dialOpts...), nil
}
