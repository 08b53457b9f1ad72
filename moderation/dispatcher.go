package moderation

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The dispatcher delivers the webhooks' outbox. One replica at a time
// delivers: the one holding the store's lease, which it takes only when
// something is due, renews while it works and releases when it stops.
// Each endpoint gets a pass of its own, so a slow or dead receiver holds
// up no other; within a pass up to passParallel deliveries go at once,
// never two of one comment (the store hands out only the first pending
// delivery of each comment per endpoint), and a failure ends the pass: a
// receiver that is down gets a few requests a poll, not a flood.

const (
	leaseName = "webhooks"
	// leaseTTL outlasts any attempt: MaxWebhookTimeout is under two
	// thirds of it, and the lease is renewed when less is left.
	leaseTTL     = 30 * time.Second
	dueBatch     = 256
	passBatch    = 32
	passParallel = 4
	// What an answer's body may add to the error recorded.
	errorBodyBytes = 200
	maxErrorBytes  = 500
	// How long finished deliveries are kept for listing.
	keepDelivered = 7 * 24 * time.Hour
	keepDead      = 30 * 24 * time.Hour
	pruneEvery    = time.Hour
)

// userAgent names commentd and its version to receivers.
var userAgent = func() string {
	v := "dev"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	return "commentd/" + v
}()

type dispatcher struct {
	store   Store
	rules   *rulebook
	observe Observer
	log     *slog.Logger
	now     func() time.Time
	client  *http.Client
	holder  string
	poll    time.Duration
	wakeup  chan struct{}
	passes  sync.WaitGroup

	mu         sync.Mutex
	leaseUntil time.Time
	busy       map[string]bool // endpoints with a pass running
	failing    map[string]bool // endpoints whose last attempt failed, to log changes only
	soonest    time.Time       // the earliest retry this replica scheduled
	lastPrune  time.Time
}

func newDispatcher(s *Service, client *http.Client, poll time.Duration) *dispatcher {
	if client == nil {
		client = &http.Client{}
	}
	// Never follow a redirect: the body and signature are for the URL
	// configured, and a 3xx is an answer to fix in the policy file.
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &dispatcher{
		store: s.store, rules: s.rules, observe: s.observe, log: s.log, now: s.clock, client: &c,
		holder: s.newID(), poll: poll, wakeup: make(chan struct{}, 1),
		busy: make(map[string]bool), failing: make(map[string]bool),
	}
}

// wake asks for a round now: this replica stored something to deliver.
func (d *dispatcher) wake() {
	select {
	case d.wakeup <- struct{}{}:
	default:
	}
}

// run delivers until ctx ends, then waits for the passes and releases
// the lease, so that another replica takes over at once.
func (d *dispatcher) run(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			d.passes.Wait()
			d.release()
			return
		case <-timer.C:
		case <-d.wakeup:
		}
		d.round(ctx)
		d.prune(ctx)
		timer.Reset(d.nextRound())
	}
}

// nextRound is the wait before the next round: the poll, or less when a
// retry this replica scheduled comes sooner.
func (d *dispatcher) nextRound() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	wait := d.poll
	if !d.soonest.IsZero() {
		if w := d.soonest.Sub(d.now()); w < wait {
			wait = max(w, 10*time.Millisecond)
		}
		d.soonest = time.Time{}
	}
	return wait
}

// round starts a pass for every endpoint with deliveries due and none
// running.
func (d *dispatcher) round(ctx context.Context) {
	due, err := d.due(ctx)
	if err != nil || len(due) == 0 {
		return
	}
	held, fresh := d.hold(ctx)
	if !held {
		return
	}
	if fresh {
		// Read again: what was read before the lease was this replica's
		// may have been delivered since by the replica that held it.
		if due, err = d.due(ctx); err != nil {
			return
		}
	}
	hooks := d.rules.snapshot().policy.Webhooks
	var order []string
	groups := make(map[string][]Delivery)
	for _, del := range due {
		if _, ok := groups[del.Endpoint]; !ok {
			order = append(order, del.Endpoint)
		}
		if len(groups[del.Endpoint]) < passBatch {
			groups[del.Endpoint] = append(groups[del.Endpoint], del)
		}
	}
	for _, name := range order {
		d.mu.Lock()
		if d.busy[name] {
			d.mu.Unlock()
			continue
		}
		d.busy[name] = true
		d.mu.Unlock()
		var hook *Webhook
		for i := range hooks {
			if hooks[i].Name == name {
				hook = &hooks[i]
			}
		}
		list := groups[name]
		d.passes.Go(func() {
			more := d.pass(ctx, name, hook, list)
			d.mu.Lock()
			delete(d.busy, name)
			d.mu.Unlock()
			if more {
				d.wake()
			}
		})
	}
}

func (d *dispatcher) due(ctx context.Context) ([]Delivery, error) {
	d.mu.Lock()
	except := make([]string, 0, len(d.busy))
	for name := range d.busy {
		except = append(except, name)
	}
	d.mu.Unlock()
	due, err := d.store.DueDeliveries(ctx, d.now(), except, dueBatch)
	if err != nil && ctx.Err() == nil {
		d.log.Warn("reading the webhook deliveries due failed; retrying", "err", err)
	}
	return due, err
}

// hold reports whether this replica holds the lease long enough for an
// attempt, taking or renewing it when less than two thirds are left, and
// whether it has just taken it.
func (d *dispatcher) hold(ctx context.Context) (held, fresh bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	if d.leaseUntil.Sub(now) > leaseTTL*2/3 {
		return true, false
	}
	had := d.leaseUntil.After(now)
	until := now.Add(leaseTTL)
	ok, err := d.store.Lease(ctx, leaseName, d.holder, now, until)
	if err != nil && ctx.Err() == nil {
		d.log.Warn("taking the webhook dispatcher's lease failed; retrying", "err", err)
	}
	if err != nil || !ok {
		d.leaseUntil = time.Time{}
		return false, false
	}
	d.leaseUntil = until
	return true, !had
}

// release gives the lease up, if held.
func (d *dispatcher) release() {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	if !d.leaseUntil.After(now) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := d.store.Lease(ctx, leaseName, d.holder, now, now); err != nil {
		d.log.Warn("releasing the webhook dispatcher's lease failed; another replica takes over when it expires", "err", err)
	}
	d.leaseUntil = time.Time{}
}

// pass delivers list, deliveries due to one endpoint, a few at a time,
// and reports whether more may be due: it ran through a full batch
// without a failure.
func (d *dispatcher) pass(ctx context.Context, name string, hook *Webhook, list []Delivery) bool {
	for start := 0; start < len(list); start += passParallel {
		if held, _ := d.hold(ctx); !held || ctx.Err() != nil {
			return false
		}
		wave := list[start:min(start+passParallel, len(list))]
		attempts := make([]DeliveryAttempt, len(wave))
		var wg sync.WaitGroup
		for i, del := range wave {
			wg.Go(func() { attempts[i] = d.attempt(ctx, hook, del) })
		}
		wg.Wait()
		if ctx.Err() != nil {
			// Shutting down: what was cut short is not the receiver's
			// failure. Whoever delivers next sends it again.
			return false
		}
		if err := d.store.RecordAttempts(ctx, attempts); err != nil {
			d.log.Warn("recording webhook deliveries failed; they will be sent again", "endpoint", name, "err", err)
			return false
		}
		if failed := d.heard(name, wave, attempts); failed {
			return false
		}
	}
	return len(list) == passBatch
}

// heard counts, logs and schedules what a wave's attempts came to, and
// reports whether any failed.
func (d *dispatcher) heard(name string, wave []Delivery, attempts []DeliveryAttempt) (failed bool) {
	for i, a := range attempts {
		switch {
		case a.Error == "":
			d.observe.WebhookAttempt(name, "delivered")
		case a.Dead:
			d.observe.WebhookAttempt(name, "dead")
			d.log.Warn("webhook delivery given up; commentctl webhooks redeliver sends it again", "endpoint", name,
				"delivery", a.ID, "event", wave[i].EventType, "comment", wave[i].CommentID, "attempts", wave[i].Attempts+1, "err", a.Error)
		default:
			d.observe.WebhookAttempt(name, "failed")
		}
		failed = failed || a.Error != ""
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, a := range attempts {
		if a.Error != "" && !a.Dead && (d.soonest.IsZero() || a.Next.Before(d.soonest)) {
			d.soonest = a.Next
		}
	}
	switch {
	case failed && !d.failing[name]:
		d.failing[name] = true
		d.log.Warn("webhook endpoint failing; its deliveries are retried with backoff", "endpoint", name, "err", attempts[0].Error)
	case !failed && d.failing[name]:
		delete(d.failing, name)
		d.log.Info("webhook endpoint delivering again", "endpoint", name)
	}
	return failed
}

// attempt sends one delivery and returns its outcome: when it failed, when
// to try again or that it is given up.
func (d *dispatcher) attempt(ctx context.Context, hook *Webhook, del Delivery) DeliveryAttempt {
	retry := DefaultWebhookRetry()
	var err error
	if hook == nil {
		err = fmt.Errorf("no endpoint named %q in the policy file", del.Endpoint)
	} else {
		retry = hook.Retry
		err = d.send(ctx, hook, del)
	}
	a := DeliveryAttempt{ID: del.ID, Time: d.now()}
	if err == nil {
		return a
	}
	a.Error = truncate(err.Error(), maxErrorBytes)
	a.Next = a.Time.Add(backoff(retry, del.Attempts+1))
	a.Dead = a.Next.After(del.RetrySince.Add(retry.GiveUpAfter))
	return a
}

// backoff is the wait after the nth failed attempt in a row: retry.First
// doubled n-1 times, at most retry.Max, of which a random half or more
// ("equal jitter"), so that deliveries that failed together do not all
// come back together.
func backoff(retry WebhookRetry, n int) time.Duration {
	wait := retry.First
	for i := 1; i < n && wait < retry.Max; i++ {
		wait *= 2
	}
	wait = min(wait, retry.Max)
	return wait/2 + rand.N(wait/2+1)
}

// Sign returns the Commentd-Signature header of body sent at t with
// secret: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">.
func Sign(secret, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// send posts one delivery, signed, and reports why it failed: no 2xx
// answer within the endpoint's timeout.
func (d *dispatcher) send(ctx context.Context, hook *Webhook, del Delivery) error {
	ctx, cancel := context.WithTimeout(ctx, hook.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(del.Payload))
	if err != nil {
		return fmt.Errorf("build the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Commentd-Event-Id", del.EventID)
	req.Header.Set("Commentd-Signature", Sign(hook.Secret, del.Payload, d.now()))
	resp, err := d.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may carry a token
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("no answer within %s", hook.Timeout)
		}
		return err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyBytes))
	// Read a little more, so that the connection can be used again.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return fmt.Errorf("HTTP %s to %s (redirects are not followed: put the final URL in the policy file)", resp.Status, resp.Header.Get("Location"))
	}
	msg := "HTTP " + resp.Status
	if text := printable(snippet); text != "" {
		msg += ": " + text
	}
	return errors.New(msg)
}

// printable is the start of a receiver's answer as one line of valid text.
func printable(b []byte) string {
	s := strings.ToValidUTF8(string(b), "")
	s = strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// prune deletes old finished deliveries, hourly, on the replica that
// delivers.
func (d *dispatcher) prune(ctx context.Context) {
	d.mu.Lock()
	now := d.now()
	due := now.Sub(d.lastPrune) >= pruneEvery && d.leaseUntil.After(now)
	if due {
		d.lastPrune = now
	}
	d.mu.Unlock()
	if !due {
		return
	}
	n, err := d.store.PruneDeliveries(ctx, now.Add(-keepDelivered), now.Add(-keepDead))
	switch {
	case err != nil && ctx.Err() == nil:
		d.log.Warn("pruning old webhook deliveries failed; retrying in an hour", "err", err)
	case n > 0:
		d.log.Info("pruned old webhook deliveries", "deliveries", n)
	}
}
