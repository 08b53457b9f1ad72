// Command commentd is the comment moderation server. It serves the
// commentd.v1 gRPC API on one address, and the same API over HTTP (JSON,
// Connect, gRPC-Web) on another when asked, and needs nothing else to
// start: by default it keeps comments in a SQLite file next to it.
//
// Every flag can also be set through an environment variable named
// COMMENTD_ and the flag in capitals with dashes as underscores, such as
// COMMENTD_LISTEN; a flag on the command line wins.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/peterbourgon/ff/v3"
	"github.com/redis/go-redis/v9"

	"github.com/commentd/commentd/config"
	"github.com/commentd/commentd/metrics"
	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/server"
	"github.com/commentd/commentd/store/postgres"
	"github.com/commentd/commentd/store/sqlite"
)

func main() {
	tuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "commentd:", err)
		}
		os.Exit(2)
	}
}

// tuneGC collects less often than Go's default unless GOGC or GOMEMLIMIT
// say otherwise. commentd's live heap is a few MB and each call allocates
// a few KB, so GOGC=100 ran a collection every few thousand calls: 10% of
// the CPU of a refused submission. A heap up to 3× the live one, capped by
// a soft limit, keeps the resident set well under 150 MB.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(64 << 20)
	}
}

// settings are the parsed flags.
type settings struct {
	listen          string
	httpListen      string
	db              string
	configPath      string
	redis           string
	redisPrefix     string
	redisCA         string
	failure         string
	logLevel        slog.Level
	logFormat       string
	shutdownTimeout time.Duration
	rulesPoll       time.Duration
	publicCache     time.Duration
	metricsListen   string
	pprof           bool
	siteKeys        string
	moderatorTokens string
	tlsCert         string
	tlsKey          string
	tlsClientCA     string
}

func parseFlags(args []string, stderr io.Writer) (settings, error) {
	var s settings
	fs := flag.NewFlagSet("commentd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&s.listen, "listen", "127.0.0.1:50051", "`address` to serve gRPC on")
	fs.StringVar(&s.httpListen, "http-listen", "", "also serve the API over HTTP on this `address`: JSON and the Connect protocol, gRPC-Web; off if empty")
	fs.StringVar(&s.db, "db", "commentd.db", "SQLite file `path`, or a postgres:// URL for PostgreSQL")
	fs.StringVar(&s.configPath, "config", "", "policy file (YAML) with rules, limits and thresholds; built-in defaults if empty")
	fs.StringVar(&s.redis, "redis", "", "Redis for rate limits shared by every replica: a redis:// or rediss:// `URL`, or a comma-separated list of cluster nodes; in-process limits if empty")
	fs.StringVar(&s.redisCA, "redis-ca", "", "verify a rediss:// server with this CA certificate `file` (PEM) instead of the system's")
	fs.StringVar(&s.redisPrefix, "redis-prefix", "commentd", "prefix of every Redis key, to share one Redis between deployments")
	fs.StringVar(&s.failure, "ratelimit-failure", "hold", "when Redis fails or is slow: `hold` comments as pending, allow them unlimited, or deny them (UNAVAILABLE)")
	fs.TextVar(&s.logLevel, "log-level", slog.LevelInfo, "log `level`: debug, info, warn or error")
	fs.StringVar(&s.logFormat, "log-format", "text", "log `format`: text or json")
	fs.DurationVar(&s.shutdownTimeout, "shutdown-timeout", 15*time.Second, "how long in-flight calls may run after SIGTERM")
	fs.StringVar(&s.siteKeys, "site-keys", "", "site API keys, `site:key,…` (set it in the environment, not on the command line, where ps shows it)")
	fs.StringVar(&s.moderatorTokens, "moderator-tokens", "", "moderator tokens, `name:token[:role],…`, role moderator (default) or admin")
	fs.StringVar(&s.tlsCert, "tls-cert", "", "serve TLS with this certificate `file` (PEM; with --tls-key)")
	fs.StringVar(&s.tlsKey, "tls-key", "", "the TLS certificate's private key `file` (PEM)")
	fs.StringVar(&s.tlsClientCA, "tls-client-ca", "", "verify client certificates signed by this CA `file` (mTLS); OU site|moderator|admin and CN name identify the caller")
	fs.StringVar(&s.metricsListen, "metrics-listen", "", "serve Prometheus metrics at http://`address`/metrics; off if empty")
	fs.BoolVar(&s.pprof, "pprof", false, "also serve Go's runtime profiles at /debug/pprof/ on --metrics-listen (CPU, heap, goroutines; for profiling under load)")
	fs.DurationVar(&s.publicCache, "public-cache", time.Second, "keep public listings and counts this long; changes through this replica show at once, through others within it; 0 turns it off")
	fs.DurationVar(&s.rulesPoll, "rules-poll", time.Second, "how often to look for word-list, ban and article-settings changes made through other replicas")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: commentd [flags]\n\nEvery flag may be set as COMMENTD_<FLAG> in the environment, e.g. COMMENTD_DB.\n\n")
		fs.PrintDefaults()
	}
	if err := ff.Parse(fs, args, ff.WithEnvVarPrefix("COMMENTD")); err != nil {
		return s, err
	}
	if s.pprof && s.metricsListen == "" {
		return s, errors.New("--pprof serves on --metrics-listen, which is not set")
	}
	if s.logFormat != "text" && s.logFormat != "json" {
		return s, fmt.Errorf("--log-format must be text or json, got %q", s.logFormat)
	}
	return s, nil
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	s, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := newLogger(stderr, s.logFormat, s.logLevel)

	policy, err := config.Load(s.configPath)
	if err != nil {
		return err
	}
	if policy.RateLimits.Failure, err = moderation.ParseFailureMode(s.failure); err != nil {
		return fmt.Errorf("--ratelimit-failure: %w", err)
	}
	store, closeStore, err := openStore(ctx, s.db)
	if err != nil {
		return err
	}
	defer closeStore()

	var rdb redis.UniversalClient
	if s.redis != "" {
		redis.SetLogger(quietRedis{})
		if rdb, err = newRedisClient(s.redis, s.redisCA); err != nil {
			return err
		}
		defer rdb.Close()
	}
	m := metrics.New()
	svc, err := moderation.NewService(m.Store(store),
		moderation.WithObserver(m),
		moderation.WithPolicy(policy),
		moderation.WithLimiter(openLimiter(ctx, log, rdb, s.redisPrefix)),
		moderation.WithBus(openBus(log, rdb, s.redisPrefix, store)),
		moderation.WithPublicCache(s.publicCache),
		moderation.WithRulesPoll(s.rulesPoll),
		moderation.WithLogger(log))
	if err != nil {
		return err
	}
	m.QueueDepth(svc.QueueDepth)
	m.WebhookBacklog(svc.WebhookBacklog)
	if err := svc.LoadRules(ctx); err != nil {
		return err
	}
	// The Service's background work stops with ctx, and run returns only
	// once it has: nothing of commentd's outlives the process's shutdown.
	bctx, stopBackground := context.WithCancel(ctx)
	background := make(chan struct{})
	go func() {
		defer close(background)
		svc.Run(bctx)
	}()
	defer func() { stopBackground(); <-background }()
	creds, err := server.ParseCredentials(s.siteKeys, s.moderatorTokens)
	if err != nil {
		return err
	}
	warnUnknownSites(log, policy, creds)
	go reloadOnHangup(ctx, log, svc, s, creds)
	srvOpts := []server.Option{server.WithLogger(log), server.WithCredentials(creds),
		server.WithInterceptors(m.GRPC.UnaryServerInterceptor(), m.GRPC.StreamServerInterceptor())}
	switch {
	case s.tlsCert != "" || s.tlsKey != "":
		cfg, err := server.TLSConfig(s.tlsCert, s.tlsKey, s.tlsClientCA)
		if err != nil {
			return err
		}
		if s.tlsClientCA != "" {
			creds.AcceptClientCertificates()
		}
		srvOpts = append(srvOpts, server.WithTLS(cfg))
	case s.tlsClientCA != "":
		return errors.New("--tls-client-ca needs --tls-cert and --tls-key")
	}
	if creds.Empty() {
		if err := loopbackOnly("--listen", s.listen); err != nil {
			return err
		}
		if s.httpListen != "" {
			if err := loopbackOnly("--http-listen", s.httpListen); err != nil {
				return err
			}
		}
		log.Warn("no site keys or moderator tokens: every caller is trusted as the default site and the local admin, so commentd serves on loopback only")
	}
	// Some credentials but none of one kind: that service is closed, not
	// open, so any listen address is safe; say which one refuses calls.
	for service, why := range creds.Closed() {
		log.Warn(service+" is closed: it refuses every call", "service", service, "why", why)
	}
	srv := server.New(svc, srvOpts...)

	lis, err := net.Listen("tcp", s.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	log.Info("commentd listening", "addr", lis.Addr().String(), "store", storeKind(s.db),
		"ratelimit", limiterKind(s.redis), "ratelimit_failure", policy.RateLimits.Failure.String(),
		"default_status", policy.DefaultStatus.String())

	serveErr := make(chan error, 3)
	go func() { serveErr <- srv.Serve(lis) }()
	if s.httpListen != "" {
		hlis, err := net.Listen("tcp", s.httpListen)
		if err != nil {
			lis.Close()
			return fmt.Errorf("--http-listen: %w", err)
		}
		log.Info("http listening", "addr", hlis.Addr().String(), "tls", s.tlsCert != "")
		go func() {
			if err := srv.ServeHTTPOn(hlis); err != nil {
				serveErr <- fmt.Errorf("http: %w", err)
			}
		}()
	}
	if s.metricsListen != "" {
		stopMetrics, err := serveMetrics(log, s.metricsListen, s.pprof, m, serveErr)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", s.shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.shutdownTimeout)
	defer cancel()
	srv.Shutdown(sctx)
	log.Info("stopped")
	return nil
}

// serveMetrics serves /metrics on its own port, so that scrapers need no
// gRPC and the API port exposes nothing else.
func serveMetrics(log *slog.Logger, addr string, profiles bool, m *metrics.Metrics, failed chan<- error) (func(), error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	if profiles {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := hs.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			failed <- fmt.Errorf("metrics: %w", err)
		}
	}()
	log.Info("metrics listening", "addr", lis.Addr().String())
	return func() { hs.Close() }, nil
}

// reloadOnHangup rereads the policy file on SIGHUP. A file that does not
// load leaves the rules in force and says why.
func reloadOnHangup(ctx context.Context, log *slog.Logger, svc *moderation.Service, s settings, creds *server.Credentials) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		p, err := config.Load(s.configPath)
		if err == nil {
			p.RateLimits.Failure, err = moderation.ParseFailureMode(s.failure)
		}
		if err == nil {
			err = svc.SetPolicy(p)
		}
		if err != nil {
			log.Error("policy file not reloaded; the rules in force stay", "config", s.configPath, "err", err)
			continue
		}
		log.Info("policy file reloaded", "config", s.configPath)
		warnUnknownSites(log, p, creds)
	}
}

// warnUnknownSites warns of a sites: entry that names no site with a key.
// A warning, not an error: a site may be known by its client certificate
// alone, and a site's key may be added after its policy.
func warnUnknownSites(log *slog.Logger, p moderation.Policy, creds *server.Credentials) {
	known := creds.Sites()
	if creds.Empty() {
		known = []string{server.DefaultSite}
	}
	for site := range p.Sites {
		if !slices.Contains(known, site) {
			log.Warn("the policy file's sites: names a site that has no key in COMMENTD_SITE_KEYS; only a client certificate for it or a check naming it reaches its policy",
				"site", site, "known", strings.Join(known, ","))
		}
	}
}

func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

func storeKind(db string) string {
	if isPostgres(db) {
		return "postgres"
	}
	return "sqlite"
}

// loopbackOnly refuses a listen address (of flag) reachable from other
// machines: without credentials anyone who can connect could moderate.
func loopbackOnly(flag, listen string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("%s %q: %w", flag, listen, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing to serve on %s (%s) without credentials: anyone who can connect could moderate; "+
		"set COMMENTD_SITE_KEYS and COMMENTD_MODERATOR_TOKENS, or listen on 127.0.0.1", listen, flag)
}

func limiterKind(redis string) string {
	if redis == "" {
		return "memory"
	}
	return "redis"
}

// openStore is the one place that picks the storage backend.
func openStore(ctx context.Context, db string) (moderation.Store, func(), error) {
	if isPostgres(db) {
		st, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, nil, fmt.Errorf("open PostgreSQL store: %w", err)
		}
		return st, func() { st.Close() }, nil
	}
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		return nil, nil, fmt.Errorf("open SQLite store %s: %w", db, err)
	}
	return st, func() { st.Close() }, nil
}
