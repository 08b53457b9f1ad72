package server

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/vanguard"
	"connectrpc.com/vanguard/vanguardgrpc"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// HTTP: every method of both services for clients without gRPC — a PHP
// site with curl, a browser — in the Connect protocol (JSON or binary
// bodies over HTTP/1.1 or HTTP/2), gRPC-Web and gRPC. A vanguard
// transcoder turns each call into a gRPC call to a grpc.Server with the
// same services and interceptors as the gRPC listener's, so it meets the
// same credentials, limits, logging, metrics and bounds. That server is a
// second one only so that shutdown can let HTTP calls finish first:
// grpc.Server's GracefulStop cancels calls it was handed by ServeHTTP.

// MaxHTTPRequestBytes bounds one HTTP request body. JSON spells a
// character in up to 12 bytes (a \ud83d\ude00 pair), so a valid submission
// may take more bytes as JSON than the MaxRequestBytes it decodes into;
// the decoded message must still fit MaxRequestBytes.
const MaxHTTPRequestBytes = 2 * MaxRequestBytes

// The HTTP listener's bounds. There is no write timeout: WatchQueue and
// Backtest stream for as long as they run, and a unary call is bounded by
// MaxCallDuration.
const (
	httpReadHeaderTimeout = 10 * time.Second
	httpReadTimeout       = 30 * time.Second // headers and body
	httpIdleTimeout       = 2 * time.Minute
	httpMaxHeaderBytes    = 16 << 10
)

// webHandler returns the HTTP front, building it and the gRPC server
// behind it on first use.
func (s *Server) webHandler() (http.Handler, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return nil, http.ErrServerClosed
	case s.front != nil:
		return s.front, nil
	}
	web := s.newGRPC(false)
	t, err := vanguardgrpc.NewTranscoder(web,
		vanguard.WithCodec(func(res vanguard.TypeResolver) vanguard.Codec { return newJSONCodec(res, s.codec.seal) }),
		vanguard.WithCompression(vanguard.CompressionGzip, func() connect.Compressor { return gzip.NewWriter(io.Discard) }, newBoundedGunzip),
		vanguard.WithDefaultServiceOptions(
			// The gRPC server takes binary protobuf only: its codec is
			// forced, whatever the content type says.
			vanguard.WithTargetCodecs(vanguard.CodecProto),
			// It has no decompressors; the transcoder inflates requests,
			// within bounds.
			vanguard.WithNoTargetCompression(),
		))
	if err != nil {
		web.Stop()
		return nil, fmt.Errorf("http: %w", err)
	}
	s.web = web
	s.front = plainHTTP(t)
	return s.front, nil
}

// ServeHTTPOn serves the HTTP front on lis until Shutdown, over TLS with
// the configuration of WithTLS, if any. It returns nil after Shutdown, and
// http.ErrServerClosed when called after it.
func (s *Server) ServeHTTPOn(lis net.Listener) error {
	h, err := s.webHandler()
	if err != nil {
		lis.Close()
		return err
	}
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: httpReadHeaderTimeout,
		ReadTimeout:       httpReadTimeout,
		IdleTimeout:       httpIdleTimeout,
		MaxHeaderBytes:    httpMaxHeaderBytes,
		HTTP2:             &http.HTTP2Config{MaxConcurrentStreams: MaxConcurrentStreams},
		ErrorLog:          slogErrorLog(s.log),
	}
	hs.Protocols = new(http.Protocols)
	hs.Protocols.SetHTTP1(true)
	hs.Protocols.SetHTTP2(true)
	if s.tls == nil {
		// HTTP/2 without TLS too, for Connect and gRPC clients that use it.
		hs.Protocols.SetUnencryptedHTTP2(true)
	} else {
		hs.TLSConfig = s.tls.Clone()
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		lis.Close()
		return http.ErrServerClosed
	}
	s.https = append(s.https, hs)
	s.mu.Unlock()
	if s.tls != nil {
		err = hs.ServeTLS(lis, "", "")
	} else {
		err = hs.Serve(lis)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// shutdownHTTP lets the HTTP listeners' calls finish, then stops the gRPC
// server behind them; when ctx ends first, it closes every connection.
func (s *Server) shutdownHTTP(ctx context.Context) {
	s.mu.Lock()
	s.closed = true
	https, web := s.https, s.web
	s.mu.Unlock()
	for _, hs := range https {
		if err := hs.Shutdown(ctx); err != nil {
			hs.Close()
		}
	}
	if web == nil {
		return
	}
	if ctx.Err() != nil {
		web.Stop()
		return
	}
	web.GracefulStop()
}

// plainHTTP lets a plain HTTP client call a method as the Connect
// protocol's own clients do, and bounds the request body. Vanguard takes a
// POST with a body in application/json or application/proto as a Connect
// call only with the header Connect-Protocol-Version: 1 (otherwise as REST,
// which commentd does not map); a site's curl call need not know that,
// nor send "{}" for an empty request. A
// body over MaxHTTPRequestBytes is refused before any of it is read when
// its length is declared, and cut off there when not.
func plainHTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > MaxHTTPRequestBytes {
			tooLarge(w)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxHTTPRequestBytes)
		mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		isJSON := mt == "application/json" && (params["charset"] == "" || strings.EqualFold(params["charset"], "utf-8"))
		if r.Method == http.MethodPost && (isJSON || mt == "application/proto" && len(params) == 0) {
			r.Header.Set("Content-Type", mt) // the transcoder knows no other spelling
			if r.Header.Get("Connect-Protocol-Version") == "" {
				r.Header.Set("Connect-Protocol-Version", "1")
			}
			if isJSON && r.ContentLength == 0 {
				// No body is the empty message, as in protobuf; the
				// transcoder would pass the gRPC server no message at all.
				r.Body, r.ContentLength = io.NopCloser(strings.NewReader("{}")), 2
			}
		}
		next.ServeHTTP(w, r)
	})
}

// tooLarge answers as a Connect unary error, with the code gRPC gives a
// message over its limit; gRPC-Web and gRPC clients see the HTTP status.
func tooLarge(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusRequestEntityTooLarge)
	fmt.Fprintf(w, `{"code":"resource_exhausted","message":"the request body is larger than %d bytes"}`+"\n", MaxHTTPRequestBytes)
}

// jsonCodec is protojson as the transcoder's JSON codec, with the gRPC
// codec's manners: a body that is not the method's request in JSON — bad
// syntax, an unknown field, a wrong type, bad UTF-8 — decodes into an empty
// request carrying a BadRequest, sealed, so the call goes on to the
// credentials check and is answered INVALID_ARGUMENT after it, as a
// request the gRPC codec cannot decode is. Unknown fields are refused, as
// proto3 JSON parsers do by default: a misspelt field would otherwise be
// dropped without a word.
type jsonCodec struct {
	vanguard.JSONCodec
	seal []byte
}

func newJSONCodec(res vanguard.TypeResolver, seal []byte) jsonCodec {
	return jsonCodec{
		JSONCodec: vanguard.JSONCodec{
			// Every field is in every answer, so that a caller in PHP or
			// JavaScript can read one without checking that it is there.
			MarshalOptions:   protojson.MarshalOptions{Resolver: res, EmitUnpopulated: true},
			UnmarshalOptions: protojson.UnmarshalOptions{Resolver: res},
		},
		seal: seal,
	}
}

func (c jsonCodec) Unmarshal(data []byte, msg proto.Message) error {
	err := c.UnmarshalOptions.Unmarshal(data, msg)
	if err == nil {
		return nil
	}
	// protojson's texts start with "proto:" and a space or, at random, a
	// no-break space.
	why := strings.TrimLeft(strings.TrimPrefix(err.Error(), "proto:"), " \u00a0")
	setProblems(msg, c.seal, &errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{
		Field:       "request",
		Description: "is not a valid " + string(msg.ProtoReflect().Descriptor().FullName()) + " in JSON: " + why,
	}}})
	return nil
}

// boundedGunzip inflates a request to at most MaxHTTPRequestBytes, so a
// small compressed body cannot become a large one.
type boundedGunzip struct {
	gz gzip.Reader
	r  io.Reader
}

func newBoundedGunzip() connect.Decompressor { return &boundedGunzip{} }

func (b *boundedGunzip) Reset(r io.Reader) error {
	if err := b.gz.Reset(r); err != nil {
		return err
	}
	b.r = io.LimitReader(&b.gz, MaxHTTPRequestBytes+1)
	return nil
}

func (b *boundedGunzip) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if lr, ok := b.r.(*io.LimitedReader); ok && lr.N == 0 {
		return n, connect.NewError(connect.CodeResourceExhausted,
			fmt.Errorf("the request inflates to more than %d bytes", MaxHTTPRequestBytes))
	}
	return n, err
}

func (b *boundedGunzip) Close() error { return b.gz.Close() }

// slogErrorLog sends net/http's own complaints (a failed TLS handshake, a
// malformed request) to the log at debug level: they are the clients'.
func slogErrorLog(l *slog.Logger) *log.Logger {
	return slog.NewLogLogger(l.Handler(), slog.LevelDebug)
}
