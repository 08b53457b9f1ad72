package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/commentd/commentd/client/commentdtest"
	"github.com/commentd/commentd/client/webhook"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// hookEvent is what a receiver reads of a body.
type hookEvent struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	Moderator   string `json:"moderator"`
	RequestID   string `json:"request_id"`
	AuthorEmail string `json:"author_email"`
	Comment     struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"comment"`
}

// hookRequest is one request a receiver got.
type hookRequest struct {
	event    hookEvent
	body     []byte
	verified bool
	status   int
}

// endpoint is a webhook receiver that answers status, verifies every
// signature and applies each event id once, as a receiver deduplicates.
type endpoint struct {
	*httptest.Server
	secret []byte
	status atomic.Int64

	mu       sync.Mutex
	requests []hookRequest
	applied  []hookEvent
	seen     map[string]bool
	repeats  int // 2xx answers to an event id already applied
}

func newEndpoint(t *testing.T, secret string, status int) *endpoint {
	e := &endpoint{secret: []byte(secret), seen: make(map[string]bool)}
	e.status.Store(int64(status))
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := hookRequest{body: body, status: int(e.status.Load()),
			verified: webhook.Verify(e.secret, body, r.Header.Get(webhook.SignatureHeader), time.Now(), webhook.DefaultTolerance) == nil}
		if err := json.Unmarshal(body, &req.event); err != nil || req.event.ID != r.Header.Get("Commentd-Event-Id") {
			req.status = http.StatusBadRequest
		}
		if !req.verified {
			req.status = http.StatusUnauthorized
		}
		e.mu.Lock()
		e.requests = append(e.requests, req)
		if req.status == http.StatusOK {
			if e.seen[req.event.ID] {
				e.repeats++
			} else {
				e.seen[req.event.ID] = true
				e.applied = append(e.applied, req.event)
			}
		}
		e.mu.Unlock()
		w.WriteHeader(req.status)
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *endpoint) got() ([]hookRequest, []hookEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.requests), slices.Clone(e.applied)
}

// eventually waits until ok, or fails after a minute saying what it
// waited for.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// deliveries runs commentctl webhooks list -o json.
func deliveries(t *testing.T, addr string, args ...string) []*pb.WebhookDelivery {
	t.Helper()
	r := ctl(t, addr, "", append([]string{"webhooks", "list", "--limit", "0", "-o", "json"}, args...)...)
	r.wantCode(t, 0, "webhooks list")
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		t.Fatalf("webhooks list -o json: %v\n%s", err, r.stdout)
	}
	out := make([]*pb.WebhookDelivery, len(raw))
	for i, m := range raw {
		out[i] = &pb.WebhookDelivery{}
		if err := protojson.Unmarshal(m, out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestWebhooks runs commentd with three webhook endpoints against real
// receivers: a site's own that is down, then back after a restart of
// commentd on the same database; one of every site; and one that fails
// until its deliveries are dead, then is fixed and sent them again with
// commentctl.
func TestWebhooks(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			testWebhooks(t, st.db(t))
		})
	}
}

func testWebhooks(t *testing.T, db string) {
	const wpSecret = "wp-secret-from-the-environment-0123"
	wp := newEndpoint(t, wpSecret, http.StatusServiceUnavailable)
	archive := newEndpoint(t, "archive-secret-0123456789", http.StatusOK)
	flaky := newEndpoint(t, "flaky-secret-0123456789", http.StatusInternalServerError)
	policy := holdAll + fmt.Sprintf(`webhooks:
  - name: wordpress
    url: %s/wp-json/commentd/v1/events
    secret: env:TEST_WP_WEBHOOK_SECRET
    site: news
    events: [comment.published, comment.held, comment.spam, comment.approved, comment.rejected, comment.deleted, comment.erased]
    retry: {first: 100ms, max: 400ms, give_up_after: 1h}
  - name: archive
    url: %s
    secret: archive-secret-0123456789
    events: [comment.held, comment.approved]
  - name: flaky
    url: %s
    secret: flaky-secret-0123456789
    site: news
    events: [comment.held]
    retry: {first: 50ms, max: 100ms, give_up_after: 300ms}
`, wp.URL, archive.URL, flaky.URL)
	env := []string{moderators, sites, "TEST_WP_WEBHOOK_SECRET=" + wpSecret, "COMMENTD_METRICS_LISTEN=127.0.0.1:0"}
	srv := commentdtest.Start(t, commentdtest.Config{Binary: commentdBin, DB: db, Policy: policy, Env: env})
	c := dialT(t, srv.Addr)

	const article = "2026/12/monsoon-session"
	a := submit(t, c, article, "प्रिया शर्मा", "priya@example.in", "बहुत अच्छा विश्लेषण। Thanks!")
	b := submit(t, c, article, "Rahul Verma", "rahul@example.com", "Sahi baat hai.")
	ctl(t, srv.Addr, "", "approve", a).wantCode(t, 0, "approve")
	ctl(t, srv.Addr, "", "spam", a).wantCode(t, 0, "spam")
	ctl(t, srv.Addr, "", "reject", b).wantCode(t, 0, "reject")

	// The site's endpoint is down: its first event of each comment is
	// retried, and nothing later of the same comment is sent meanwhile.
	eventually(t, "the site's endpoint to be retrying both held events", func() bool {
		ds := deliveries(t, srv.Addr, "--state", "failed", "--endpoint", "wordpress")
		return len(ds) == 2 && ds[0].GetAttempts() >= 2 && ds[1].GetAttempts() >= 2
	})
	reqs, _ := wp.got()
	for _, r := range reqs {
		if r.event.Type != "comment.held" || r.status != http.StatusServiceUnavailable {
			t.Errorf("while down the site's endpoint got %s (answered %d); want only the held events", r.event.Type, r.status)
		}
	}
	r := ctl(t, srv.Addr, "", "webhooks", "list", "--state", "failed")
	r.wantCode(t, 0, "webhooks list --state failed")
	if !strings.Contains(r.stdout, "wordpress") || !strings.Contains(r.stdout, "HTTP 503 Service Unavailable") || !strings.Contains(r.stdout, "comment.held") {
		t.Errorf("webhooks list --state failed printed:\n%s", r.stdout)
	}

	// The flaky endpoint's deliveries die; their listing says why.
	eventually(t, "the flaky endpoint's deliveries to be dead", func() bool {
		return len(deliveries(t, srv.Addr, "--state", "dead")) == 2
	})
	r = ctl(t, srv.Addr, "", "webhooks", "list", "--state", "dead")
	r.wantCode(t, 0, "webhooks list --state dead")
	if got := lines(r.stdout); len(got) != 3 || !strings.Contains(got[1], "flaky") || !strings.Contains(got[1], "dead") ||
		!strings.Contains(got[1], "HTTP 500 Internal Server Error") {
		t.Errorf("webhooks list --state dead printed:\n%s", r.stdout)
	}

	// commentd restarts on the same database while the site is down; the
	// new one delivers what the old one left once the site is back.
	srv.Stop(t)
	srv = commentdtest.Start(t, commentdtest.Config{Binary: commentdBin, DB: srv.DB, Policy: policy, Env: env})
	wp.status.Store(http.StatusOK)
	eventually(t, "the site's endpoint to apply all five events", func() bool {
		_, applied := wp.got()
		return len(applied) == 5
	})
	eventually(t, "every delivery to the site's endpoint to be recorded", func() bool {
		return len(deliveries(t, srv.Addr, "--state", "delivered", "--endpoint", "wordpress")) == 5
	})
	reqs, applied := wp.got()
	byComment := map[string][]string{}
	for _, e := range applied {
		byComment[e.Comment.ID] = append(byComment[e.Comment.ID], e.Type)
		if e.AuthorEmail == "" || e.RequestID == "" {
			t.Errorf("the site's own endpoint got %s without the author's email or the request id", e.Type)
		}
	}
	if got := byComment[a]; !slices.Equal(got, []string{"comment.held", "comment.approved", "comment.spam"}) {
		t.Errorf("the site applied %v for comment a, want held, approved, spam in order", got)
	}
	if got := byComment[b]; !slices.Equal(got, []string{"comment.held", "comment.rejected"}) {
		t.Errorf("the site applied %v for comment b, want held, rejected in order", got)
	}
	if applied[0].AuthorEmail != "priya@example.in" && applied[0].AuthorEmail != "rahul@example.com" {
		t.Errorf("author_email %q", applied[0].AuthorEmail)
	}
	for _, r := range reqs {
		if !r.verified {
			t.Errorf("a request to the site whose signature does not verify: %s", r.body)
		}
	}
	wp.mu.Lock()
	t.Logf("the site's endpoint got %d requests for 5 events, %d of them repeats", len(reqs), wp.repeats)
	wp.mu.Unlock()

	// The endpoint of every site hears of no email.
	reqs, applied = archive.got()
	if got := types(applied); len(got) != 3 || !slices.Contains(got, "comment.approved") {
		t.Errorf("the archive applied %v, want two held and one approved", got)
	}
	for _, r := range reqs {
		if !r.verified || r.event.AuthorEmail != "" || strings.Contains(string(r.body), `"author_email"`) {
			t.Errorf("the archive got (verified %v): %s", r.verified, r.body)
		}
	}

	// Dead letters come back with commentctl, audited.
	r = ctl(t, srv.Addr, "", "webhooks", "redeliver")
	r.wantCode(t, 2, "webhooks redeliver without an id")
	flaky.status.Store(http.StatusOK)
	r = ctl(t, srv.Addr, "", "webhooks", "redeliver", "--all-dead", "--endpoint", "flaky", "--note", "receiver fixed")
	r.wantCode(t, 0, "webhooks redeliver --all-dead")
	if r.stdout != "redelivered 2 deliveries\n" {
		t.Errorf("webhooks redeliver printed %q", r.stdout)
	}
	eventually(t, "the flaky endpoint to apply the redelivered events", func() bool {
		_, applied := flaky.got()
		return len(applied) == 2
	})
	r = ctl(t, srv.Addr, "", "audit", "--target", "endpoint:flaky")
	r.wantCode(t, 0, "audit")
	if !strings.Contains(r.stdout, "webhook.redeliver") || !strings.Contains(r.stdout, "asha") || !strings.Contains(r.stdout, "receiver fixed") {
		t.Errorf("audit printed:\n%s", r.stdout)
	}
	if ds := deliveries(t, srv.Addr, "--state", "pending"); len(ds) != 0 {
		t.Errorf("%d deliveries still pending", len(ds))
	}

	// The metrics of the replica that delivered.
	metrics := scrape(t, srv)
	for _, want := range []string{
		`commentd_webhook_deliveries_total{endpoint="wordpress",result="delivered"} 5`,
		`commentd_webhook_deliveries_total{endpoint="flaky",result="delivered"} 2`,
		`commentd_webhook_pending{endpoint="wordpress"} 0`,
		`commentd_webhook_oldest_pending_seconds{endpoint="wordpress"} 0`,
		`commentd_webhook_dead{endpoint="flaky"} 0`,
	} {
		if !slices.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func types(evs []hookEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

// scrape reads commentd's metrics, one line each.
func scrape(t *testing.T, srv *commentdtest.Server) []string {
	t.Helper()
	var addr string
	sc := bufio.NewScanner(strings.NewReader(srv.Logs()))
	for sc.Scan() {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "metrics listening" {
			addr = rec.Addr
		}
	}
	if addr == "" {
		t.Fatalf("commentd logged no metrics address:\n%s", srv.Logs())
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(string(b), "\n")
}
