package moderation_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commentd/commentd/client/webhook"
	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/memory"
)

// event is a webhook body as a receiver reads it.
type event struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	Time        string `json:"time"`
	Site        string `json:"site"`
	Moderator   string `json:"moderator"`
	RequestID   string `json:"request_id"`
	AuthorEmail string `json:"author_email"`
	Comment     struct {
		ID         string `json:"id"`
		ArticleID  string `json:"article_id"`
		AuthorName string `json:"author_name"`
		Body       string `json:"body"`
		Status     string `json:"status"`
	} `json:"comment"`
	Reasons []struct {
		Rule   string `json:"rule"`
		Action string `json:"action"`
	} `json:"reasons"`
}

// received is one request a receiver got, and its answer.
type received struct {
	header http.Header
	body   []byte
	event  event
	status int
}

// receiver is a webhook endpoint that answers with status, records every
// request, and accepts each event id once, as a receiver deduplicates.
type receiver struct {
	*httptest.Server
	secret []byte
	now    func() time.Time
	status atomic.Int64

	mu       sync.Mutex
	requests []received
	accepted []event
	seen     map[string]bool
}

func newReceiver(t *testing.T, secret string, now func() time.Time) *receiver {
	r := &receiver{secret: []byte(secret), now: now, seen: make(map[string]bool)}
	r.status.Store(http.StatusOK)
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var ev event
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("a body that is not JSON: %v: %q", err, body)
		}
		status := int(r.status.Load())
		if err := webhook.Verify(r.secret, body, req.Header.Get(webhook.SignatureHeader), r.now(), webhook.DefaultTolerance); err != nil {
			t.Errorf("a request whose signature does not verify: %q", req.Header.Get("Commentd-Signature"))
			status = http.StatusUnauthorized
		}
		r.mu.Lock()
		r.requests = append(r.requests, received{header: req.Header.Clone(), body: body, event: ev, status: status})
		if status == http.StatusOK && !r.seen[ev.ID] {
			r.seen[ev.ID] = true
			r.accepted = append(r.accepted, ev)
		}
		r.mu.Unlock()
		if status != http.StatusOK {
			http.Error(w, "down for maintenance", status)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() ([]received, []event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.requests), slices.Clone(r.accepted)
}

func hook(name, url, site string, events ...string) moderation.Webhook {
	return moderation.Webhook{Name: name, URL: url, Secret: []byte("secret-of-" + name + "-0123456789"), Site: site, Events: events,
		Retry: moderation.WebhookRetry{First: time.Second, Max: 4 * time.Second, GiveUpAfter: time.Hour}, Timeout: 5 * time.Second}
}

// holding holds every comment for a moderator and sends to hooks.
func holding(hooks ...moderation.Webhook) moderation.Option {
	return moderation.WithPolicy(policy(func(p *moderation.Policy) {
		returning(p)
		p.DefaultStatus = moderation.StatusPending
		p.Webhooks = hooks
	}))
}

// deliverAll runs rounds until one sends nothing.
func deliverAll(t *testing.T, svc *moderation.Service, rs ...*receiver) {
	t.Helper()
	count := func() int {
		n := 0
		for _, r := range rs {
			reqs, _ := r.got()
			n += len(reqs)
		}
		return n
	}
	for range 20 {
		before := count()
		svc.DeliverWebhooksOnce(t.Context())
		if count() == before {
			return
		}
	}
	t.Fatal("deliveries did not stop after 20 rounds")
}

func types(evs []event) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func deliveriesOf(t *testing.T, svc *moderation.Service, q moderation.DeliveryQuery) []moderation.Delivery {
	t.Helper()
	ds, _, err := svc.WebhookDeliveries(t.Context(), q, moderation.Page{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// Every event reaches the endpoints that want it, signed, in each
// comment's order; the author's email only the site's own endpoint.
func TestWebhookEvents(t *testing.T) {
	ctx := t.Context()
	clk := newClock()
	own := newReceiver(t, "secret-of-own-0123456789", clk.Now)
	all := newReceiver(t, "secret-of-all-0123456789", clk.Now)
	other := newReceiver(t, "secret-of-other-0123456789", clk.Now)
	rec := &recorder{}
	svc := newService(t, clk.Option(), moderation.WithObserver(rec), holding(
		hook("own", own.URL, "news", moderation.EventTypes...),
		hook("all", all.URL, "", moderation.EventApproved, moderation.EventErased),
		hook("other", other.URL, "elsewhere", moderation.EventTypes...)))

	sub := submission("A fair point about the budget.")
	sub.RequestID = "wp-comment-42"
	res, err := svc.Submit(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	id := res.Comment.ID
	for _, a := range []moderation.Action{moderation.ActionApprove, moderation.ActionApprove, moderation.ActionMarkSpam} {
		if _, err := svc.Moderate(ctx, moderation.Moderation{Actor: "asha", IDs: []string{id}, Action: a}); err != nil {
			t.Fatal(err)
		}
	}
	deliverAll(t, svc, own, all, other)

	reqs, evs := own.got()
	if got, want := types(evs), []string{"comment.held", "comment.approved", "comment.spam"}; !slices.Equal(got, want) {
		t.Fatalf("own endpoint heard %v, want %v (the second approval changed nothing)", got, want)
	}
	if len(reqs) != 3 {
		t.Errorf("own endpoint got %d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		e := r.event
		if r.header.Get("Commentd-Event-Id") != e.ID || e.ID == "" || r.header.Get("Content-Type") != "application/json" ||
			!strings.HasPrefix(r.header.Get("User-Agent"), "commentd/") {
			t.Errorf("request %d headers: %v, body id %q", i, r.header, e.ID)
		}
		if e.Site != "news" || e.RequestID != "wp-comment-42" || e.Comment.ID != id || e.AuthorEmail != sub.Author.Email ||
			e.Comment.Body != sub.Body || e.Comment.ArticleID != sub.ArticleID || e.Time != clk.Now().Format(time.RFC3339) {
			t.Errorf("own event %d: %+v", i, e)
		}
	}
	held, approved, spam := evs[0], evs[1], evs[2]
	if held.Moderator != "" || held.Comment.Status != "COMMENT_STATUS_PENDING" || len(held.Reasons) == 0 ||
		held.Reasons[0].Rule != "default_status" || held.Reasons[0].Action != "RULE_ACTION_HOLD" {
		t.Errorf("held: %+v", held)
	}
	if approved.Moderator != "asha" || approved.Comment.Status != "COMMENT_STATUS_PUBLISHED" {
		t.Errorf("approved: %+v", approved)
	}
	if spam.Moderator != "asha" || spam.Comment.Status != "COMMENT_STATUS_SPAM" {
		t.Errorf("spam: %+v", spam)
	}

	_, allEvs := all.got()
	if len(allEvs) != 1 || allEvs[0].Type != "comment.approved" || allEvs[0].AuthorEmail != "" || allEvs[0].Moderator != "asha" ||
		allEvs[0].ID != approved.ID || bytes.Contains(mustJSON(t, allEvs[0]), []byte(sub.Author.Email)) {
		t.Errorf("the endpoint of every site heard %+v; want the approval, the same event id, no email", allEvs)
	}
	if reqs, _ := other.got(); len(reqs) != 0 {
		t.Errorf("another site's endpoint got %d requests", len(reqs))
	}

	// An erasure tells both who want it; what it tells names no one.
	if _, err := svc.EraseAuthor(ctx, "asha", sub.Author.Email, ""); err != nil {
		t.Fatal(err)
	}
	deliverAll(t, svc, own, all, other)
	reqs, evs = own.got()
	erased := evs[len(evs)-1]
	if erased.Type != "comment.erased" || erased.Comment.ID != id || erased.RequestID != "wp-comment-42" ||
		erased.Comment.Status != "COMMENT_STATUS_DELETED" || erased.Moderator != "asha" {
		t.Errorf("erased: %+v", erased)
	}
	for _, personal := range []string{sub.Author.Email, sub.Author.Name, sub.Body} {
		if bytes.Contains(reqs[len(reqs)-1].body, []byte(personal)) {
			t.Errorf("the erasure's body quotes %q: %s", personal, reqs[len(reqs)-1].body)
		}
	}
	if _, allEvs := all.got(); len(allEvs) != 2 || allEvs[1].Type != "comment.erased" {
		t.Errorf("the endpoint of every site heard %v", types(allEvs))
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if got, want := rec.webhooks, []string{"own:delivered", "all:delivered"}; len(got) != 6 || !slices.Contains(got, want[0]) || !slices.Contains(got, want[1]) {
		t.Errorf("observer heard %v, want 6 deliveries", got)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A receiver that is down gets its deliveries again, later each time and
// in each comment's order, and everything once it is back.
func TestWebhookRetries(t *testing.T) {
	ctx := t.Context()
	clk := newClock()
	r := newReceiver(t, "secret-of-wp-0123456789", clk.Now)
	r.status.Store(http.StatusServiceUnavailable)
	rec := &recorder{}
	svc := newService(t, clk.Option(), moderation.WithObserver(rec), holding(hook("wp", r.URL, "news", moderation.EventTypes...)))
	a, err := svc.Submit(ctx, submission("First comment."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Moderate(ctx, moderation.Moderation{Actor: "asha", IDs: []string{a.Comment.ID}, Action: moderation.ActionApprove}); err != nil {
		t.Fatal(err)
	}
	b, err := svc.Submit(ctx, submission("Second comment."))
	if err != nil {
		t.Fatal(err)
	}

	// Each round sends what is due: the first event of each comment.
	var requests int
	wantMoreRequests := func(n int, what string) {
		t.Helper()
		reqs, _ := r.got()
		if len(reqs) != requests+n {
			t.Fatalf("%s: %d requests, want %d more than %d", what, len(reqs), n, requests)
		}
		for _, q := range reqs[requests:] {
			if q.event.Type != "comment.held" {
				t.Errorf("%s: sent %s of %s while its held event was not delivered", what, q.event.Type, q.event.Comment.ID)
			}
		}
		requests = len(reqs)
	}
	for attempt, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		start := clk.Now()
		svc.DeliverWebhooksOnce(ctx)
		wantMoreRequests(2, "a round")
		failing := deliveriesOf(t, svc, moderation.DeliveryQuery{Retrying: true})
		if len(failing) != 2 {
			t.Fatalf("retrying: %d deliveries, want 2", len(failing))
		}
		for _, d := range failing {
			if d.Attempts != attempt+1 || d.LastError != "HTTP 503 Service Unavailable: down for maintenance" ||
				d.NextAttempt.Before(start.Add(wait/2)) || d.NextAttempt.After(start.Add(wait)) {
				t.Errorf("after attempt %d: %d attempts, %q, next in %s; want between %s and %s",
					attempt+1, d.Attempts, d.LastError, d.NextAttempt.Sub(start), wait/2, wait)
			}
		}
		// Nothing is due before the wait.
		clk.Advance(wait/2 - time.Millisecond)
		svc.DeliverWebhooksOnce(ctx)
		wantMoreRequests(0, "a round before the retries are due")
		clk.Advance(wait/2 + time.Millisecond)
	}

	r.status.Store(http.StatusOK)
	deliverAll(t, svc, r)
	_, evs := r.got()
	byComment := make(map[string][]string)
	for _, e := range evs {
		byComment[e.Comment.ID] = append(byComment[e.Comment.ID], e.Type)
	}
	if got := byComment[a.Comment.ID]; !slices.Equal(got, []string{"comment.held", "comment.approved"}) {
		t.Errorf("accepted of comment a: %v, want held, approved", got)
	}
	if got := byComment[b.Comment.ID]; !slices.Equal(got, []string{"comment.held"}) {
		t.Errorf("accepted of comment b: %v, want held", got)
	}
	for _, d := range deliveriesOf(t, svc, moderation.DeliveryQuery{}) {
		if d.State != moderation.DeliveryDelivered {
			t.Errorf("delivery %s (%s): %v, want delivered", d.ID, d.EventType, d.State)
		}
	}
	if n := len(deliveriesOf(t, svc, moderation.DeliveryQuery{State: moderation.DeliveryPending})); n != 0 {
		t.Errorf("%d pending after the receiver came back", n)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	failed := 0
	for _, w := range rec.webhooks {
		if w == "wp:failed" {
			failed++
		}
	}
	if failed != 8 {
		t.Errorf("observer heard %d failures, want 8: %v", failed, rec.webhooks)
	}
}

// An endpoint that fails rests until its soonest retry: the others of its
// deliveries that are due wait too, and other endpoints go on.
func TestWebhookDownEndpointRests(t *testing.T) {
	ctx := t.Context()
	clk := newClock()
	down := newReceiver(t, "secret-of-down-0123456789", clk.Now)
	down.status.Store(http.StatusServiceUnavailable)
	up := newReceiver(t, "secret-of-up-0123456789", clk.Now)
	svc := newService(t, clk.Option(), holding(hook("down", down.URL, "", moderation.EventHeld), hook("up", up.URL, "", moderation.EventHeld)))
	for range 10 {
		if _, err := svc.Submit(ctx, submission("A comment.")); err != nil {
			t.Fatal(err)
		}
	}
	svc.DeliverWebhooksOnce(ctx)
	svc.DeliverWebhooksOnce(ctx)
	if reqs, _ := down.got(); len(reqs) != 4 {
		t.Errorf("the endpoint that is down got %d requests in two rounds, want one wave of 4", len(reqs))
	}
	if _, evs := up.got(); len(evs) != 10 {
		t.Errorf("the endpoint that is up got %d events, want all 10", len(evs))
	}
	clk.Advance(time.Second)
	svc.DeliverWebhooksOnce(ctx)
	if reqs, _ := down.got(); len(reqs) != 8 {
		t.Errorf("after its rest the endpoint that is down got %d requests, want 8", len(reqs))
	}
}

// The wait doubles from First up to Max, and is a random half or more of
// it.
func TestWebhookBackoff(t *testing.T) {
	r := moderation.WebhookRetry{First: time.Second, Max: 5 * time.Minute, GiveUpAfter: 24 * time.Hour}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 9: 256 * time.Second,
		10: 5 * time.Minute, 300: 5 * time.Minute} {
		lo, hi := want, time.Duration(0)
		for range 200 {
			d := moderation.Backoff(r, n)
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo < want/2 || hi > want || hi-lo < want/10 {
			t.Errorf("wait after %d failures: from %s to %s; want spread between %s and %s", n, lo, hi, want/2, want)
		}
	}
	// A receiver down for an hour still gets everything: by default the
	// first attempt after an hour down comes long before the delivery is
	// given up.
	r = moderation.DefaultWebhookRetry()
	var total time.Duration
	n := 0
	for total < time.Hour {
		n++
		total += moderation.Backoff(r, n)
	}
	if total > time.Hour+r.Max || total >= r.GiveUpAfter {
		t.Errorf("after an hour down the next attempt comes %s after the event, %d attempts in; want within %s of the hour", total, n, r.Max)
	}
}

// Deliveries that keep failing are given up with the later ones of their
// comment, and come back in order when redelivered, audited.
func TestWebhookDeadLetters(t *testing.T) {
	ctx := t.Context()
	clk := newClock()
	r := newReceiver(t, "secret-of-wp-0123456789", clk.Now)
	r.status.Store(http.StatusInternalServerError)
	h := hook("wp", r.URL, "news", moderation.EventTypes...)
	h.Retry = moderation.WebhookRetry{First: time.Second, Max: 2 * time.Second, GiveUpAfter: 5 * time.Second}
	rec := &recorder{}
	svc := newService(t, clk.Option(), moderation.WithObserver(rec), holding(h))
	a, _ := svc.Submit(ctx, submission("First comment."))
	if _, err := svc.Moderate(ctx, moderation.Moderation{Actor: "asha", IDs: []string{a.Comment.ID}, Action: moderation.ActionReject}); err != nil {
		t.Fatal(err)
	}
	b, _ := svc.Submit(ctx, submission("Second comment."))
	for range 10 {
		svc.DeliverWebhooksOnce(ctx)
		clk.Advance(2 * time.Second)
	}
	dead := deliveriesOf(t, svc, moderation.DeliveryQuery{State: moderation.DeliveryDead})
	if len(dead) != 3 {
		t.Fatalf("%d dead, want 3: %+v", len(dead), dead)
	}
	var heldA, rejectedA moderation.Delivery
	for _, d := range dead {
		if d.CommentID == a.Comment.ID && d.EventType == moderation.EventHeld {
			heldA = d
		}
		if d.EventType == moderation.EventRejected {
			rejectedA = d
		}
	}
	if heldA.Attempts < 3 || !strings.Contains(heldA.LastError, "500") || rejectedA.Attempts != 0 || !strings.Contains(rejectedA.LastError, heldA.ID) {
		t.Errorf("dead: held %+v, rejected %+v; want the rejection given up with the held event", heldA, rejectedA)
	}
	if reqs, _ := r.got(); slices.ContainsFunc(reqs, func(q received) bool { return q.event.Type == "comment.rejected" }) {
		t.Error("the rejection was sent while the held event was undelivered")
	}
	rec.mu.Lock()
	if !slices.Contains(rec.webhooks, "wp:dead") {
		t.Errorf("observer heard %v, want a dead delivery", rec.webhooks)
	}
	rec.mu.Unlock()

	// Bad requests.
	_, err := svc.Redeliver(ctx, moderation.RedeliveryRequest{Actor: "asha"})
	wantError(t, err, moderation.CodeInvalid, violation("id", "is required: give a delivery id, or all_dead"))
	_, err = svc.Redeliver(ctx, moderation.RedeliveryRequest{Actor: "asha", ID: heldA.ID, Endpoint: "wp"})
	wantError(t, err, moderation.CodeInvalid, violation("endpoint", "goes with all_dead only"))
	_, err = svc.Redeliver(ctx, moderation.RedeliveryRequest{Actor: "asha", ID: "01a21a73-93ba-7eca-85ba-0ef079be6234"})
	wantError(t, err, moderation.CodeNotFound)

	// One comment's, in order, once the receiver is back.
	r.status.Store(http.StatusOK)
	n, err := svc.Redeliver(ctx, moderation.RedeliveryRequest{Actor: "asha", ID: heldA.ID, Note: "receiver fixed"})
	if err != nil || n != 2 {
		t.Fatalf("Redeliver(held) = %d, %v; want 2, with the rejection", n, err)
	}
	deliverAll(t, svc, r)
	_, evs := r.got()
	if got := types(evs); !slices.Equal(got, []string{"comment.held", "comment.rejected"}) {
		t.Errorf("accepted %v after redelivering comment a's", got)
	}
	if n, err := svc.Redeliver(ctx, moderation.RedeliveryRequest{Actor: "asha", AllDead: true, Endpoint: "wp"}); err != nil || n != 1 {
		t.Fatalf("Redeliver(all dead) = %d, %v; want comment b's", n, err)
	}
	// Pending now: a redelivery of it is refused.
	bHeld := deliveriesOf(t, svc, moderation.DeliveryQuery{CommentID: b.Comment.ID})
	_, err = svc.Redeliver(ctx, moderation.RedeliveryRequest{Actor: "asha", ID: bHeld[0].ID})
	wantError(t, err, moderation.CodeFailedPrecondition)
	deliverAll(t, svc, r)
	if _, evs := r.got(); len(evs) != 3 || evs[2].Comment.ID != b.Comment.ID {
		t.Errorf("accepted %v, want comment b's held event last", types(evs))
	}
	audit, _, err := svc.AuditEvents(ctx, moderation.AuditQuery{}, moderation.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var redeliveries []string
	for _, e := range audit {
		if e.Action == "webhook.redeliver" {
			redeliveries = append(redeliveries, e.Target+" "+e.Detail+" "+e.Note)
		}
	}
	want := []string{"endpoint:wp 1 delivery pending again ", heldA.ID + " 2 deliveries pending again receiver fixed"}
	if !slices.Equal(redeliveries, want) {
		t.Errorf("audit of redeliveries = %q, want %q (a redelivered delivery is delivered again)", redeliveries, want)
	}
}

// countingTransport counts the requests one replica sends.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// Two replicas on one database: the one holding the lease delivers, the
// other takes over when it is released or expires.
func TestWebhookOneReplicaDelivers(t *testing.T) {
	ctx := t.Context()
	clk := newClock()
	r := newReceiver(t, "secret-of-wp-0123456789", clk.Now)
	db := memory.New()
	var sentA, sentB countingTransport
	opts := []moderation.Option{clk.Option(), holding(hook("wp", r.URL, "news", moderation.EventTypes...))}
	a := newServiceOn(t, db.Open(), append(opts, moderation.WithWebhookClient(&http.Client{Transport: &sentA}))...)
	b := newServiceOn(t, db.Open(), append(opts, moderation.WithWebhookClient(&http.Client{Transport: &sentB}))...)
	submit := func() {
		t.Helper()
		if _, err := a.Submit(ctx, submission("A comment.")); err != nil {
			t.Fatal(err)
		}
	}
	submit()
	a.DeliverWebhooksOnce(ctx)
	submit()
	b.DeliverWebhooksOnce(ctx)
	if sentA.n.Load() != 1 || sentB.n.Load() != 0 {
		t.Fatalf("sent: a %d, b %d; want only a, which holds the lease", sentA.n.Load(), sentB.n.Load())
	}
	a.DeliverWebhooksOnce(ctx)
	submit()
	a.ReleaseWebhookLease()
	b.DeliverWebhooksOnce(ctx)
	if sentA.n.Load() != 2 || sentB.n.Load() != 1 {
		t.Fatalf("sent: a %d, b %d; want b to take over a released lease", sentA.n.Load(), sentB.n.Load())
	}
	// b stops without releasing: a takes over once the lease expires.
	submit()
	a.DeliverWebhooksOnce(ctx)
	if sentA.n.Load() != 2 {
		t.Fatalf("a sent while b's lease ran")
	}
	clk.Advance(31 * time.Second)
	a.DeliverWebhooksOnce(ctx)
	if sentA.n.Load() != 3 || sentB.n.Load() != 1 {
		t.Fatalf("sent: a %d, b %d; want a to take over an expired lease", sentA.n.Load(), sentB.n.Load())
	}
	if _, evs := r.got(); len(evs) != 4 {
		t.Errorf("accepted %d events, want 4", len(evs))
	}
}

// An erasure scrubs what waits to be delivered of the author's comments.
func TestWebhookErasureScrubsWaitingBodies(t *testing.T) {
	ctx := t.Context()
	clk := newClock()
	r := newReceiver(t, "secret-of-wp-0123456789", clk.Now)
	r.status.Store(http.StatusServiceUnavailable)
	svc := newService(t, clk.Option(), holding(hook("wp", r.URL, "news", moderation.EventTypes...)))
	sub := submission("My phone number is 98100 12345, call me")
	sub.RequestID = "wp-comment-7"
	res, err := svc.Submit(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Moderate(ctx, moderation.Moderation{Actor: "asha", IDs: []string{res.Comment.ID}, Action: moderation.ActionApprove}); err != nil {
		t.Fatal(err)
	}
	svc.DeliverWebhooksOnce(ctx) // fails: the bodies wait
	if _, err := svc.EraseAuthor(ctx, "asha", sub.Author.Email, "reader's request"); err != nil {
		t.Fatal(err)
	}
	ds := deliveriesOf(t, svc, moderation.DeliveryQuery{})
	if len(ds) != 3 {
		t.Fatalf("%d deliveries, want held, approved, erased", len(ds))
	}
	for _, d := range ds {
		for _, personal := range []string{sub.Author.Email, sub.Author.Name, "98100", "default_status"} {
			if bytes.Contains(d.Payload, []byte(personal)) {
				t.Errorf("%s's body still holds %q: %s", d.EventType, personal, d.Payload)
			}
		}
		var e event
		if err := json.Unmarshal(d.Payload, &e); err != nil || e.RequestID != "wp-comment-7" || e.Comment.ID != res.Comment.ID || e.Type != d.EventType {
			t.Errorf("%s's body lost its place: %v, %s", d.EventType, err, d.Payload)
		}
	}
	r.status.Store(http.StatusOK)
	clk.Advance(time.Minute)
	deliverAll(t, svc, r)
	_, evs := r.got()
	if got := types(evs); !slices.Equal(got, []string{"comment.held", "comment.approved", "comment.erased"}) {
		t.Errorf("accepted %v", got)
	}
	if evs[1].Comment.Status != "COMMENT_STATUS_PUBLISHED" || evs[1].Moderator != "asha" {
		t.Errorf("the scrubbed approval: %+v; want what happened kept", evs[1])
	}
}

// Endpoints follow the policy: a reload applies to the next events, and a
// delivery to an endpoint no longer configured waits for it.
func TestWebhookPolicyReload(t *testing.T) {
	ctx := t.Context()
	clk := newClock()
	r := newReceiver(t, "secret-of-wp-0123456789", clk.Now)
	p := policy(func(p *moderation.Policy) {
		returning(p)
		p.Webhooks = []moderation.Webhook{hook("wp", r.URL, "news", moderation.EventPublished)}
	})
	svc := newService(t, clk.Option(), moderation.WithPolicy(p))
	if _, err := svc.Submit(ctx, submission("One.")); err != nil {
		t.Fatal(err)
	}
	without := p
	without.Webhooks = nil
	if err := svc.SetPolicy(without); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Submit(ctx, submission("Two.")); err != nil {
		t.Fatal(err)
	}
	svc.DeliverWebhooksOnce(ctx)
	ds := deliveriesOf(t, svc, moderation.DeliveryQuery{})
	if len(ds) != 1 || ds[0].State != moderation.DeliveryPending || ds[0].LastError != `no endpoint named "wp" in the policy file` {
		t.Fatalf("deliveries %+v; want the first event waiting for its endpoint", ds)
	}
	if reqs, _ := r.got(); len(reqs) != 0 {
		t.Errorf("sent %d requests to an endpoint no longer configured", len(reqs))
	}
	bad := p
	bad.Webhooks = []moderation.Webhook{hook("wp", "ftp://example.com/", "", moderation.EventPublished)}
	if err := svc.SetPolicy(bad); err == nil {
		t.Error("SetPolicy took an ftp:// endpoint")
	}
	if err := svc.SetPolicy(p); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	deliverAll(t, svc, r)
	if _, evs := r.got(); len(evs) != 1 {
		t.Errorf("accepted %d events, want the first one", len(evs))
	}
}

// Redirects are not followed, and a receiver that does not answer in time
// has failed.
func TestWebhookRedirectsAndTimeouts(t *testing.T) {
	ctx := t.Context()
	clk := newClock()
	var elsewhere atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	defer target.Close()
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	defer redirect.Close()
	stop := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer silent.Close()
	defer close(stop)
	slow := hook("silent", silent.URL, "", moderation.EventPublished)
	slow.Timeout = 50 * time.Millisecond
	svc := newService(t, clk.Option(), moderation.WithPolicy(policy(func(p *moderation.Policy) {
		returning(p)
		p.Webhooks = []moderation.Webhook{hook("moved", redirect.URL, "", moderation.EventPublished), slow}
	})))
	if _, err := svc.Submit(ctx, submission("One.")); err != nil {
		t.Fatal(err)
	}
	svc.DeliverWebhooksOnce(ctx)
	for _, d := range deliveriesOf(t, svc, moderation.DeliveryQuery{}) {
		want := map[string]string{
			"moved":  "HTTP 307 Temporary Redirect to " + target.URL + " (redirects are not followed: put the final URL in the policy file)",
			"silent": "no answer within 50ms",
		}[d.Endpoint]
		if d.State != moderation.DeliveryPending || d.Attempts != 1 || d.LastError != want {
			t.Errorf("%s: %v, %d attempts, %q; want %q", d.Endpoint, d.State, d.Attempts, d.LastError, want)
		}
	}
	if elsewhere.Load() != 0 {
		t.Error("a redirect was followed")
	}
}

func TestCheckWebhooks(t *testing.T) {
	ok := hook("wp", "https://news.example/wp-json/commentd/v1/events", "news", moderation.EventHeld)
	for _, tt := range []struct {
		edit func(w *moderation.Webhook)
		want string
	}{
		{func(w *moderation.Webhook) {}, ""},
		{func(w *moderation.Webhook) { w.URL = "news.example/events" }, `webhooks[0] (wp): url must be an http:// or https:// URL with a host, got "news.example/events"`},
		{func(w *moderation.Webhook) { w.Secret = []byte("short") }, "webhooks[0] (wp): secret must be at least 16 bytes (32 random bytes, hex-encoded, is a good secret)"},
		{func(w *moderation.Webhook) { w.Events = []string{"comment.held", "comment.approve"} }, `webhooks[0] (wp): events[1]: unknown event "comment.approve" (want comment.published, comment.held, comment.spam, comment.approved, comment.rejected, comment.deleted, comment.erased)`},
		{func(w *moderation.Webhook) { w.Events = nil }, "webhooks[0] (wp): events is required: one or more of comment.published, comment.held, comment.spam, comment.approved, comment.rejected, comment.deleted, comment.erased"},
		{func(w *moderation.Webhook) { w.Retry.Max = time.Millisecond }, "webhooks[0] (wp): retry.max (1ms) must be at least retry.first (1s)"},
		{func(w *moderation.Webhook) { w.Timeout = time.Minute }, "webhooks[0] (wp): timeout must be more than 0 and at most 20s, got 1m0s"},
		{func(w *moderation.Webhook) { w.Name = "" }, "webhooks[0]: name is required"},
	} {
		w := ok
		tt.edit(&w)
		err := moderation.CheckWebhooks([]moderation.Webhook{w})
		if got := ""; err != nil {
			got = err.Error()
			if got != tt.want {
				t.Errorf("CheckWebhooks = %q, want %q", got, tt.want)
			}
		} else if tt.want != "" {
			t.Errorf("CheckWebhooks = nil, want %q", tt.want)
		}
	}
	err := moderation.CheckWebhooks([]moderation.Webhook{ok, ok})
	if err == nil || err.Error() != `webhooks[1] (wp): another endpoint has the name "wp"; give each its own name` {
		t.Errorf("two of one name: %v", err)
	}
	if _, err := moderation.NewService(memory.New().Open(), holding(hook("wp", "http://", "", moderation.EventHeld))); err == nil ||
		!strings.Contains(err.Error(), "url must be") {
		t.Errorf("NewService with a bad endpoint: %v", err)
	}
}
