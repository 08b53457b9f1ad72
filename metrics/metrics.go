// Package metrics exposes commentd's Prometheus metrics: gRPC calls by
// method and code, decisions by status and rule, limiter refusals and
// failures, store latency and the depth of the moderation queue.
package metrics

import (
	"context"
	"net/http"
	"sync"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/commentd/commentd/moderation"
)

// Metrics is one registry of commentd's metrics. It observes the pipeline
// (moderation.Observer) and instruments the store.
type Metrics struct {
	Registry  *prometheus.Registry
	GRPC      *grpcprom.ServerMetrics
	decisions *prometheus.CounterVec
	reasons   *prometheus.CounterVec
	limited   *prometheus.CounterVec
	limiterKO prometheus.Counter
	learned   *prometheus.CounterVec
	store     *prometheus.HistogramVec
	webhooks  *prometheus.CounterVec
}

var _ moderation.Observer = (*Metrics)(nil)

// New registers every metric, Go runtime and process ones included.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		GRPC: grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(
			grpcprom.WithHistogramBuckets([]float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}))),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "commentd_decisions_total", Help: "Submissions decided, by status.",
		}, []string{"status"}),
		reasons: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "commentd_decision_reasons_total", Help: "Rules that contributed to decisions, by rule.",
		}, []string{"rule"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "commentd_ratelimit_refusals_total", Help: "Submissions refused by a rate limit, by subject kind.",
		}, []string{"subject"}),
		limiterKO: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "commentd_ratelimit_failures_total", Help: "Limiter calls that failed or missed their deadline.",
		}),
		learned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "commentd_learned_verdicts_total",
			Help: "What the learned rule did with each decided submission: abstained (too few decisions on the site yet), spam, ham, scored, off.",
		}, []string{"verdict"}),
		store: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "commentd_store_seconds", Help: "Latency of store operations, by operation.",
			Buckets: []float64{.0002, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"op"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "commentd_webhook_deliveries_total",
			Help: "Attempts at webhook deliveries by this replica, by endpoint and result: delivered, failed (to be retried) or dead (given up).",
		}, []string{"endpoint", "result"}),
	}
	m.Registry.MustRegister(m.GRPC, m.decisions, m.reasons, m.limited, m.limiterKO, m.learned, m.store, m.webhooks,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// QueueDepth registers commentd_queue_depth, the number of pending and
// spam comments, read from depth when scraped. A count is at most 10 s
// old, so frequent scrapes by several Prometheus servers cost the store
// one count every 10 s.
func (m *Metrics) QueueDepth(depth func(context.Context) (map[moderation.Status]int64, error)) {
	m.Registry.MustRegister(&queueDepth{depth: depth, desc: prometheus.NewDesc("commentd_queue_depth",
		"Comments waiting for a moderator (PENDING) and filed as SPAM, over every site.", []string{"status"}, nil)})
}

type queueDepth struct {
	depth func(context.Context) (map[moderation.Status]int64, error)
	desc  *prometheus.Desc

	mu   sync.Mutex
	at   time.Time
	last map[moderation.Status]int64
}

func (q *queueDepth) Describe(ch chan<- *prometheus.Desc) { ch <- q.desc }

func (q *queueDepth) Collect(ch chan<- prometheus.Metric) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.last == nil || time.Since(q.at) > 10*time.Second {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		n, err := q.depth(ctx)
		cancel()
		if err != nil {
			ch <- prometheus.NewInvalidMetric(q.desc, err)
			return
		}
		q.last, q.at = n, time.Now()
	}
	for _, st := range []moderation.Status{moderation.StatusPending, moderation.StatusSpam} {
		ch <- prometheus.MustNewConstMetric(q.desc, prometheus.GaugeValue, float64(q.last[st]), st.String())
	}
}

// WebhookBacklog registers commentd_webhook_pending,
// commentd_webhook_oldest_pending_seconds and commentd_webhook_dead, per
// endpoint, read from backlog when scraped, at most every 10 s. They
// count the store's deliveries, so every replica reports the same: take
// the max across replicas, not the sum.
func (m *Metrics) WebhookBacklog(backlog func(context.Context) ([]moderation.EndpointBacklog, error)) {
	m.Registry.MustRegister(&webhookBacklog{backlog: backlog,
		pending: prometheus.NewDesc("commentd_webhook_pending",
			"Webhook deliveries waiting to be delivered, by endpoint.", []string{"endpoint"}, nil),
		oldest: prometheus.NewDesc("commentd_webhook_oldest_pending_seconds",
			"Age of the oldest webhook delivery waiting, by endpoint; 0 when none waits.", []string{"endpoint"}, nil),
		dead: prometheus.NewDesc("commentd_webhook_dead",
			"Webhook deliveries given up on (dead letters), by endpoint, until redelivered or pruned after 30 days.", []string{"endpoint"}, nil),
	})
}

type webhookBacklog struct {
	backlog               func(context.Context) ([]moderation.EndpointBacklog, error)
	pending, oldest, dead *prometheus.Desc

	mu   sync.Mutex
	at   time.Time
	last []moderation.EndpointBacklog
}

func (w *webhookBacklog) Describe(ch chan<- *prometheus.Desc) {
	ch <- w.pending
	ch <- w.oldest
	ch <- w.dead
}

func (w *webhookBacklog) Collect(ch chan<- prometheus.Metric) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.at.IsZero() || time.Since(w.at) > 10*time.Second {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		b, err := w.backlog(ctx)
		cancel()
		if err != nil {
			ch <- prometheus.NewInvalidMetric(w.pending, err)
			return
		}
		w.last, w.at = b, time.Now()
	}
	for _, b := range w.last {
		age := 0.0
		if !b.OldestPending.IsZero() {
			age = max(time.Since(b.OldestPending).Seconds(), 0)
		}
		ch <- prometheus.MustNewConstMetric(w.pending, prometheus.GaugeValue, float64(b.Pending), b.Endpoint)
		ch <- prometheus.MustNewConstMetric(w.oldest, prometheus.GaugeValue, age, b.Endpoint)
		ch <- prometheus.MustNewConstMetric(w.dead, prometheus.GaugeValue, float64(b.Dead), b.Endpoint)
	}
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// Decided implements moderation.Observer.
func (m *Metrics) Decided(st moderation.Status, reasons []moderation.Reason) {
	m.decisions.WithLabelValues(st.String()).Inc()
	for _, r := range reasons {
		m.reasons.WithLabelValues(r.Rule).Inc()
	}
}

// Limited implements moderation.Observer.
func (m *Metrics) Limited(kind string) { m.limited.WithLabelValues(kind).Inc() }

// LimiterFailed implements moderation.Observer.
func (m *Metrics) LimiterFailed() { m.limiterKO.Inc() }

// Learned implements moderation.Observer.
func (m *Metrics) Learned(verdict string) { m.learned.WithLabelValues(verdict).Inc() }

// WebhookAttempt implements moderation.Observer.
func (m *Metrics) WebhookAttempt(endpoint, result string) {
	m.webhooks.WithLabelValues(endpoint, result).Inc()
}

// Store wraps s so that the operations on the submission path report their
// latency; the rest pass through.
func (m *Metrics) Store(s moderation.Store) moderation.Store { return &timedStore{Store: s, m: m} }

type timedStore struct {
	moderation.Store
	m *Metrics
}

func (t *timedStore) since(op string, start time.Time) {
	t.m.store.WithLabelValues(op).Observe(time.Since(start).Seconds())
}

func (t *timedStore) CreateComment(ctx context.Context, c moderation.Comment, out ...moderation.OutboxMessage) (moderation.Comment, moderation.Conflict, error) {
	defer t.since("create_comment", time.Now())
	return t.Store.CreateComment(ctx, c, out...)
}

func (t *timedStore) Prior(ctx context.Context, q moderation.PriorQuery) (moderation.Prior, error) {
	defer t.since("prior", time.Now())
	return t.Store.Prior(ctx, q)
}

func (t *timedStore) Comment(ctx context.Context, id string) (moderation.Comment, error) {
	defer t.since("comment", time.Now())
	return t.Store.Comment(ctx, id)
}

func (t *timedStore) ListComments(ctx context.Context, f moderation.Filter) ([]moderation.Comment, error) {
	defer t.since("list_comments", time.Now())
	return t.Store.ListComments(ctx, f)
}

func (t *timedStore) UpdateStatus(ctx context.Context, u moderation.StatusUpdate) (moderation.Comment, bool, error) {
	defer t.since("update_status", time.Now())
	return t.Store.UpdateStatus(ctx, u)
}
