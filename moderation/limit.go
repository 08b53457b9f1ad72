package moderation

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Limiter enforces rate limits. The ratelimit package holds a Redis
// implementation (shared by every replica) and an in-process one.
type Limiter interface {
	// Take checks every subject of one submission at once and returns one
	// verdict per subject, in order. Only when no refusing subject (Hold
	// false) is over its limit, it takes one unit from every subject that
	// is under its limit: a refused submission costs the other subjects
	// nothing.
	Take(ctx context.Context, site string, subjects []Subject) ([]Verdict, error)
}

// Subject is one thing a submission is limited on: its client IP, its
// author's email, its network, its article.
//
// A subject with a Member is a distinct count instead: the limiter adds
// Member to the set named by Key, which lives for Rate.Every from its first
// member, and reports the set's size in Verdict.Count; Allowed is false
// from Rate.Burst members on. Campaign detection counts the articles and
// authors of one text this way, in the same round trip as the limits.
type Subject struct {
	Kind   string // "ip", "email", "network", "article", "campaign_article", …
	Key    string // the value limited, such as the IP address
	Member string
	Rate   Rate
	// Hold makes an exceeded limit hold the comment instead of refusing it.
	Hold bool
}

// Rate is a GCRA limit: Burst submissions at once, then one every Every.
type Rate struct {
	Burst int           `yaml:"burst"`
	Every time.Duration `yaml:"every"`
}

// Enabled reports whether the rate limits anything.
func (r Rate) Enabled() bool { return r.Burst > 0 && r.Every > 0 }

func (r Rate) String() string {
	return fmt.Sprintf("%d at once, then 1 every %s", r.Burst, r.Every)
}

// Verdict is a limiter's answer for one subject.
type Verdict struct {
	Allowed bool
	// Remaining is how many more the subject may send right now.
	Remaining int
	// RetryAfter is how long until the subject may send again, when it
	// may not now.
	RetryAfter time.Duration
	// Count is the size of a distinct-count subject's set, this member
	// included.
	Count int
}

// FailureMode says what to do with a submission when the limiter cannot
// answer in time.
type FailureMode int8

// The failure modes.
const (
	// FailHold stores the comment as pending with reason
	// ratelimit_unavailable: nothing is lost and abuse is contained.
	FailHold FailureMode = iota
	// FailAllow goes on as if no limit applied.
	FailAllow
	// FailDeny answers UNAVAILABLE; the site retries.
	FailDeny
)

// ParseFailureMode parses "hold", "allow" or "deny".
func ParseFailureMode(s string) (FailureMode, error) {
	switch s {
	case "hold":
		return FailHold, nil
	case "allow":
		return FailAllow, nil
	case "deny":
		return FailDeny, nil
	}
	return FailHold, fmt.Errorf("rate-limit failure mode must be hold, allow or deny, got %q", s)
}

func (m FailureMode) String() string { return [...]string{"hold", "allow", "deny"}[m] }

// RateLimits configures the limits of every submission.
type RateLimits struct {
	// ClientIP limits each reader IP; AuthorEmail each author email.
	ClientIP    Rate `yaml:"client_ip"`
	AuthorEmail Rate `yaml:"author_email"`
	// Network limits each IPv4 /IPv4Prefix or IPv6 /IPv6Prefix.
	Network    Rate `yaml:"network"`
	IPv4Prefix int  `yaml:"ipv4_prefix"`
	IPv6Prefix int  `yaml:"ipv6_prefix"`
	// ArticleSurge holds every comment on an article beyond its rate
	// instead of refusing them.
	ArticleSurge Rate `yaml:"article_surge"`
	// ReportIP limits the reader reports from each IP, Reporter those of
	// each reader (ReportComment).
	ReportIP Rate `yaml:"report_ip"`
	Reporter Rate `yaml:"reporter"`
	// Timeout bounds one limiter call.
	Timeout time.Duration `yaml:"timeout"`
	// Failure is what happens when the limiter fails or times out.
	Failure FailureMode `yaml:"-"`
}

// DefaultRateLimits follow what WordPress site owners know: its flood
// interval per IP and per email (3 at once, then one every 15 s), 30 a
// minute per network, and a surge limit per article that holds rather
// than refuses.
func DefaultRateLimits() RateLimits {
	return RateLimits{
		ClientIP:     Rate{Burst: 3, Every: 15 * time.Second},
		AuthorEmail:  Rate{Burst: 3, Every: 15 * time.Second},
		Network:      Rate{Burst: 30, Every: 2 * time.Second},
		IPv4Prefix:   24,
		IPv6Prefix:   64,
		ArticleSurge: Rate{Burst: 120, Every: 500 * time.Millisecond},
		ReportIP:     Rate{Burst: 10, Every: 30 * time.Second},
		Reporter:     Rate{Burst: 5, Every: time.Minute},
		Timeout:      50 * time.Millisecond,
	}
}

// noIP is the network key of every submission of a site that carries no
// client IP: they share one network's budget, so that leaving the IP out
// does not leave the per-email limit as the only one.
const noIP = "unknown"

// subjects lists what sub is limited on. The caller reuses buf.
func (l RateLimits) subjects(sub Submission, buf []Subject) []Subject {
	out := buf[:0]
	if sub.Client.IP == "" && l.Network.Enabled() {
		out = append(out, Subject{Kind: "network", Key: noIP, Rate: l.Network})
	}
	if ip, err := netip.ParseAddr(sub.Client.IP); err == nil {
		ip = ip.Unmap()
		if l.ClientIP.Enabled() {
			out = append(out, Subject{Kind: "ip", Key: ip.String(), Rate: l.ClientIP})
		}
		bits := l.IPv4Prefix
		if ip.Is6() {
			bits = l.IPv6Prefix
		}
		if p, err := ip.Prefix(bits); err == nil && l.Network.Enabled() {
			out = append(out, Subject{Kind: "network", Key: p.String(), Rate: l.Network})
		}
	}
	if l.AuthorEmail.Enabled() {
		out = append(out, Subject{Kind: "email", Key: mailboxKey(sub.Author.Email), Rate: l.AuthorEmail})
	}
	if l.ArticleSurge.Enabled() {
		out = append(out, Subject{Kind: "article", Key: sub.ArticleID, Rate: l.ArticleSurge, Hold: true})
	}
	return out
}

var subjectNames = map[string]string{
	"ip":      "client IP",
	"email":   "author email",
	"network": "network",
	"article": "article",

	"report_ip": "IP",
	"reporter":  "reader",
}

// limitedNoun is what a subject's limit counts.
func limitedNoun(kind string) string {
	if strings.HasPrefix(kind, "report") {
		return "reports"
	}
	return "comments"
}

// limit runs the limiter for one submission, with the campaign counters
// in extra, and returns the reasons it adds, or a RESOURCE_EXHAUSTED error
// when a subject is over its limit.
func (s *Service) limit(ctx context.Context, st *snapshot, sub Submission, extra []Subject) ([]Reason, error) {
	if s.limiter == nil {
		return nil, nil
	}
	var buf [6]Subject
	subjects := append(st.policy.RateLimits.subjects(sub, buf[:]), extra...)
	if len(subjects) == 0 {
		return nil, nil
	}
	lctx, cancel := context.WithTimeout(ctx, st.policy.RateLimits.Timeout)
	// validate_only calls take budget like submissions: they run every
	// check, bans included, so a free dry run would let a site key probe
	// bans and rules at any rate.
	verdicts, err := s.limiter.Take(lctx, sub.Site, subjects)
	cancel()
	if err == nil && len(verdicts) != len(subjects) {
		err = fmt.Errorf("limiter returned %d verdicts for %d subjects", len(verdicts), len(subjects))
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err() // the caller gave up; not the limiter's fault
		}
		s.limitFailures.failed(err)
		s.observe.LimiterFailed()
		switch st.policy.RateLimits.Failure {
		case FailAllow:
			return []Reason{{Rule: "ratelimit_unavailable", Action: RuleAllow,
				Detail: "the rate limiter did not answer; allowed without limits (ratelimit failure mode allow)"}}, nil
		case FailDeny:
			return nil, Wrap(CodeUnavailable, "the rate limiter is unavailable; retry with the same request_id later", err)
		}
		return []Reason{{Rule: "ratelimit_unavailable", Action: RuleHold,
			Detail: "the rate limiter did not answer, so the comment is held rather than published unchecked"}}, nil
	}
	s.limitFailures.succeeded()
	reasons, refused := s.judge(subjects, verdicts)
	if refused != nil {
		return nil, refused
	}
	return reasons, nil
}

// RefusalCache is a Limiter that remembers the subjects it refused and
// can answer for them from memory.
type RefusalCache interface {
	// Refused returns the verdicts for subjects and true when one of them
	// is known to be over its limit; false means ask Take.
	Refused(site string, subjects []Subject) ([]Verdict, bool)
}

// refusedFromMemory refuses a submission whose client or author the
// limiter already knows to be over a limit, before any store read or
// Redis trip: a flood is refused at the cost of a map lookup. A retry of
// a comment this replica stored recently is let through to be answered
// from the store.
func (s *Service) refusedFromMemory(st *snapshot, sub Submission) error {
	rc, ok := s.limiter.(RefusalCache)
	if !ok || (sub.RequestID != "" && s.recent.has(sub.Site, sub.RequestID)) {
		return nil
	}
	var buf [6]Subject
	subjects := st.policy.RateLimits.subjects(sub, buf[:])
	verdicts, ok := rc.Refused(sub.Site, subjects)
	if !ok || len(verdicts) != len(subjects) {
		return nil
	}
	if _, refused := s.judge(subjects, verdicts); refused != nil {
		return refused
	}
	return nil
}

// judge turns the limiter's verdicts into hold and spam reasons, or into
// a RESOURCE_EXHAUSTED error when a refusing subject is over its limit.
func (s *Service) judge(subjects []Subject, verdicts []Verdict) ([]Reason, *Error) {
	var refused *Error
	var reasons []Reason
	var camp campaignCounts
	for i, v := range verdicts {
		sj := subjects[i]
		if sj.Member != "" {
			camp.add(sj, v)
			continue
		}
		if v.Allowed {
			continue
		}
		if sj.Hold {
			reasons = append(reasons, Reason{Rule: sj.Kind + "_surge", Action: RuleHold,
				Detail: fmt.Sprintf("the %s is receiving more than %s; new comments are held", subjectNames[sj.Kind], sj.Rate)})
			continue
		}
		s.observe.Limited(sj.Kind)
		if refused == nil {
			refused = &Error{Code: CodeResourceExhausted}
		}
		refused.RetryAfter = max(refused.RetryAfter, v.RetryAfter)
		refused.Quota = append(refused.Quota, QuotaViolation{
			Subject:     sj.Kind + ":" + sj.Key,
			Description: fmt.Sprintf("%s per %s: %s", limitedNoun(sj.Kind), subjectNames[sj.Kind], sj.Rate),
		})
	}
	if refused != nil {
		kinds := make([]string, len(refused.Quota))
		for i, q := range refused.Quota {
			kinds[i] = subjectNames[q.Subject[:strings.IndexByte(q.Subject, ':')]]
		}
		refused.Message = fmt.Sprintf("too many %s from this %s; retry in %s",
			limitedNoun(refused.Quota[0].Subject), strings.Join(kinds, " and "), refused.RetryAfter.Round(time.Second))
		return nil, refused
	}
	if r, ok := camp.reason(); ok {
		reasons = append(reasons, r)
	}
	return reasons, nil
}

// campaignCounts are the limiter's distinct counts of one text: the
// articles it came on and the authors it came from.
type campaignCounts struct {
	articles, authors Verdict
	rate              Rate
}

func (c *campaignCounts) add(sj Subject, v Verdict) {
	c.rate = sj.Rate
	switch sj.Kind {
	case "campaign_article":
		c.articles = v
	case "campaign_author":
		c.authors = v
	}
}

// reason is the campaign reason, if a count is over. A text from the
// threshold's number of authors is spam: several identities do not write
// the same long text independently, and that flood is what the rule is
// for. A text on that many articles from fewer authors is a reader
// repeating themselves — cross-posting, or a feed — whose flood the
// per-reader rate limits already bound: held for a moderator, not filed as
// spam on this evidence alone.
func (c *campaignCounts) reason() (Reason, bool) {
	// An over count has Allowed false and a Count of at least 1; a count
	// the limiter was not asked for has neither.
	over := func(v Verdict) bool { return !v.Allowed && v.Count > 0 }
	switch {
	case over(c.authors):
		return Reason{Rule: "campaign", Action: RuleSpam,
			Detail: fmt.Sprintf("the same text came from %d authors within %s", c.authors.Count, c.rate.Every)}, true
	case over(c.articles):
		from := "its author alone"
		if c.authors.Count > 1 {
			from = fmt.Sprintf("only %d authors", c.authors.Count)
		}
		return Reason{Rule: "campaign", Action: RuleHold,
			Detail: fmt.Sprintf("the same text came on %d articles within %s, from %s: held for a moderator (from %d authors it is spam)",
				c.articles.Count, c.rate.Every, from, c.rate.Burst)}, true
	}
	return Reason{}, false
}

// campaignSubjects counts the articles and authors that sent this text,
// when it is long enough to be telling.
func (s *Service) campaignSubjects(st *snapshot, sub Submission, c Comment) []Subject {
	cr := st.policy.Rules.Campaign
	if cr.Threshold <= 0 || utf8.RuneCountInString(sub.Body) < cr.MinRunes {
		return nil
	}
	r := Rate{Burst: cr.Threshold, Every: cr.Window}
	return []Subject{
		{Kind: "campaign_article", Key: c.BodyFingerprint, Member: sub.ArticleID, Rate: r, Hold: true},
		{Kind: "campaign_author", Key: c.BodyFingerprint, Member: c.AuthorKey, Rate: r, Hold: true},
	}
}

// failureLog logs limiter failures once per burst: when they start and
// when they end, with how many there were, not once per comment.
type failureLog struct {
	log     *slog.Logger
	failing atomic.Bool // read on every call; the mutex only while failing
	mu      sync.Mutex
	count   int
	since   time.Time
}

func (f *failureLog) failed(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count++
	if f.count == 1 {
		f.since = time.Now()
		f.failing.Store(true)
		f.log.Warn("rate limiter unavailable; applying the failure mode until it answers again", "err", err)
	}
}

func (f *failureLog) succeeded() {
	if !f.failing.Load() {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.count > 0 {
		f.log.Info("rate limiter answering again", "failed_calls", f.count, "for", time.Since(f.since).Round(time.Millisecond).String())
		f.count = 0
		f.failing.Store(false)
	}
}
