package moderation

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// Service is the decision pipeline (Submit) and the moderators' actions
// and reads. What outlives one call is owned by a part of its own — the
// rulebook, the announcer, the public cache (a decorator over the store),
// the recent-request ring — and every background goroutine runs under Run.
type Service struct {
	store   Store
	limiter Limiter
	observe Observer
	bus     Bus
	now     func() time.Time
	newID   func() string
	log     *slog.Logger

	rules         *rulebook
	learner       *learner
	webhooks      *dispatcher
	announcer     *announcer // nil without a bus
	recent        *recentRequests
	limitFailures failureLog
	auditKey      atomic.Pointer[[]byte] // see authorTarget

	// Options read once by NewService.
	policy     Policy
	publicTTL  time.Duration
	rulesPoll  time.Duration
	retainPoll time.Duration
	hookClient *http.Client
	hookPoll   time.Duration
}

// Option configures a Service.
type Option func(*Service)

// WithPolicy sets the policy; the default is DefaultPolicy().
func WithPolicy(p Policy) Option { return func(s *Service) { s.policy = p } }

// WithLimiter sets the rate limiter; without one nothing is rate limited.
func WithLimiter(l Limiter) Option { return func(s *Service) { s.limiter = l } }

// WithPublicCache keeps public listings and counts for up to ttl. Changes
// made through this Service show at once; changes made through another
// replica show within ttl. Off (0) by default.
func WithPublicCache(ttl time.Duration) Option { return func(s *Service) { s.publicTTL = ttl } }

// WithRulesPoll sets how often Run looks for word-list and ban changes
// made through other replicas; the default is 2 seconds.
func WithRulesPoll(every time.Duration) Option { return func(s *Service) { s.rulesPoll = every } }

// WithLogger sets the logger for events worth an operator's attention;
// the default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithWebhookClient sets the HTTP client that delivers webhooks; the
// default is a plain http.Client. Redirects are never followed, whatever
// the client says.
func WithWebhookClient(c *http.Client) Option { return func(s *Service) { s.hookClient = c } }

// WithWebhookPoll sets how often Run looks for webhook deliveries that
// are due, when nothing wakes it sooner; the default is 1 second.
func WithWebhookPoll(every time.Duration) Option { return func(s *Service) { s.hookPoll = every } }

// WithClock sets the clock, for tests.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// NewService returns a Service storing into store, with the built-in and
// configured rules compiled. Call LoadRules to add the store's word lists
// and bans, and Run for the background work.
func NewService(store Store, opts ...Option) (*Service, error) {
	s := &Service{
		store:      store,
		policy:     DefaultPolicy(),
		now:        time.Now,
		newID:      func() string { return uuid.Must(uuid.NewV7()).String() },
		log:        slog.Default(),
		observe:    noObserver{},
		recent:     newRecentRequests(recentRequestIDs),
		rulesPoll:  2 * time.Second,
		retainPoll: time.Hour,
		hookPoll:   time.Second,
	}
	for _, o := range opts {
		o(s)
	}
	s.limitFailures.log = s.log
	if s.publicTTL > 0 {
		s.store = &cachedStore{Store: s.store, cache: newPublicCache(s.publicTTL, s.now)}
	}
	if s.bus != nil {
		s.announcer = newAnnouncer(s.bus, s.log, s.now)
	}
	var err error
	if s.rules, err = newRulebook(s.store, s.log, s.now, s.policy); err != nil {
		return nil, err
	}
	s.learner = newLearner(s.store, s.log, s.now)
	s.webhooks = newDispatcher(s, s.hookClient, s.hookPoll)
	return s, nil
}

// LoadRules reads the word lists and bans from the store and compiles
// them with the policy's rules, and reads the learned rule's models. Call
// it once before serving, to fail at start when the store cannot be read;
// Run keeps them current after.
func (s *Service) LoadRules(ctx context.Context) error {
	if err := s.rules.load(ctx); err != nil {
		return err
	}
	return s.learner.load(ctx)
}

// SetPolicy replaces the policy, for a reload of the policy file. A policy
// whose rules do not compile is refused and the old one stays in force.
func (s *Service) SetPolicy(p Policy) error { return s.rules.setPolicy(p) }

// Run does the Service's background work until ctx ends, and returns
// when all of it has stopped: it follows other replicas' word-list and
// ban changes, announces held comments to watchers, erases expired
// client data and delivers webhooks. A Service that is not run still
// decides and stores (webhook events included), but learns of other
// replicas' rule changes only through its own, and does not announce
// held comments or deliver webhooks.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { s.rules.watch(ctx, s.rulesPoll) })
	wg.Go(func() { s.learner.watch(ctx, learnPoll) })
	wg.Go(func() { s.runRetention(ctx, s.retainPoll) })
	wg.Go(func() { s.webhooks.run(ctx) })
	if s.announcer != nil {
		wg.Go(func() { s.announcer.run(ctx) })
	}
	wg.Wait()
}

// clock returns the current time as stored: UTC, microsecond precision
// (what PostgreSQL keeps).
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
