package moderation_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/ratelimit"
)

// campaignText is long enough (40 runes or more) for campaign counting.
const campaignText = "Get the full list of budget winners and losers on my page today"

// TestSubmitOutcomes runs every decision Submit makes through a fresh
// Service and checks the answer and what was stored: the status, and the
// rule of every reason, in order.
func TestSubmitOutcomes(t *testing.T) {
	ctx := context.Background()
	limiterDown := errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")
	ban := func(kind moderation.BanKind, target string) func(t *testing.T, svc *moderation.Service) {
		return func(t *testing.T, svc *moderation.Service) {
			if _, err := svc.CreateBan(ctx, moderation.BanRequest{Actor: "asha", Kind: kind, Target: target, Reason: "casino links"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	word := func(list moderation.WordList, term string) func(t *testing.T, svc *moderation.Service) {
		return func(t *testing.T, svc *moderation.Service) {
			if _, err := svc.UpdateWordList(ctx, "asha", "", list, []string{term}, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	// sameAuthor, sameText and othersElsewhere post campaignText twice
	// before the case's submission: by the case's author on two other
	// articles, by two other authors on its article, or by two other
	// authors on two other articles.
	sameAuthor := func(t *testing.T, svc *moderation.Service) {
		for _, a := range []string{"2026/12/other-1", "2026/12/other-2"} {
			s := campaignBy()
			s.ArticleID = a
			mustSubmit(t, svc, s, moderation.StatusPublished)
		}
	}
	sameText := func(t *testing.T, svc *moderation.Service) {
		for range 2 {
			mustSubmit(t, svc, submission(campaignText), moderation.StatusPublished)
		}
	}
	othersElsewhere := func(t *testing.T, svc *moderation.Service) {
		for _, a := range []string{"2026/12/other-1", "2026/12/other-2"} {
			s := submission(campaignText)
			s.ArticleID = a
			mustSubmit(t, svc, s, moderation.StatusPublished)
		}
	}
	withIP := func(ip string) moderation.Submission { s := submission("A fair point."); s.Client.IP = ip; return s }
	withName := func(name string) moderation.Submission {
		s := submission("A fair point.")
		s.Author.Name = name
		return s
	}
	withEmail := func(email string) moderation.Submission {
		s := submission("A fair point.")
		s.Author.Email = email
		return s
	}
	fastCaps := submission("WHY DOES NOBODY TALK ABOUT THE DEFICIT IN THIS BUDGET")
	fastCaps.FormTimed, fastCaps.FormDuration = true, time.Second
	honeypot := submission("A fair point.")
	honeypot.Honeypot = "https://casino.example"

	cases := []struct {
		name    string
		policy  func(*moderation.Policy) // on top of returning
		opts    []moderation.Option
		limiter bool // the in-process limiter, fresh for the case
		setup   func(t *testing.T, svc *moderation.Service)
		sub     moderation.Submission
		status  moderation.Status
		rules   []string
		actions []moderation.RuleAction // of the reasons, when it matters
	}{
		{name: "published", sub: submission("A clear and fair analysis of the budget, thank you."),
			status: moderation.StatusPublished, rules: []string{}},
		{name: "published in Hindi", sub: submission("संसद में आज बजट पेश हुआ। किसानों के लिए यह अच्छी खबर है।"),
			status: moderation.StatusPublished, rules: []string{}},
		{name: "HOLD word of a moderator", setup: word(moderation.ListHold, "lucky draw"),
			sub: submission("Enter the Lucky Draw on my page"), status: moderation.StatusPending, rules: []string{"wordlist_hold"}},
		{name: "HOLD word of the starter list", sub: submission("Join the online casino tonight"),
			status: moderation.StatusPending, rules: []string{"wordlist_hold"}},
		{name: "ALLOW covers a HOLD word", setup: word(moderation.ListAllow, "casino royale"),
			sub:    submission("Casino Royale was the best of the films"),
			status: moderation.StatusPublished, rules: []string{"wordlist_allow"}, actions: []moderation.RuleAction{moderation.RuleAllow}},
		{name: "links", sub: submission("Read more at https://news.example.com/a and https://blog.example.org/b for the full numbers and context on this."),
			status: moderation.StatusPending, rules: []string{"links"}},
		{name: "score over the hold threshold", sub: fastCaps,
			status: moderation.StatusPending, rules: []string{"caps", "too_fast", "score"}},
		{name: "mixed scripts", sub: submission("Pay me on pаypal todaaaaaaay, friend"),
			status: moderation.StatusPending, rules: []string{"repeated_chars", "mixed_script", "score"}},
		{name: "pattern", sub: submission("WhatsApp me on 98765 43210 for tips"),
			status: moderation.StatusPending, rules: []string{"wordlist_hold", "pattern_messenger_number"}},
		{name: "first-time commenter", policy: func(p *moderation.Policy) { p.Rules.FirstTimeHold = true },
			sub: submission("A fair point."), status: moderation.StatusPending, rules: []string{"first_time_commenter"}},
		{name: "default_status pending", policy: func(p *moderation.Policy) { p.DefaultStatus = moderation.StatusPending },
			sub: submission("A fair point."), status: moderation.StatusPending, rules: []string{"default_status"}},
		{name: "article surge", limiter: true,
			policy: func(p *moderation.Policy) { p.RateLimits.ArticleSurge = moderation.Rate{Burst: 1, Every: time.Hour} },
			setup: func(t *testing.T, svc *moderation.Service) {
				mustSubmit(t, svc, submission("First!"), moderation.StatusPublished)
			},
			sub: submission("A fair point."), status: moderation.StatusPending, rules: []string{"article_surge"}},
		{name: "limiter down, hold", opts: []moderation.Option{moderation.WithLimiter(&stubLimiter{err: limiterDown})},
			sub: submission("A fair point."), status: moderation.StatusPending, rules: []string{"ratelimit_unavailable"},
			actions: []moderation.RuleAction{moderation.RuleHold}},
		{name: "limiter down, allow", opts: []moderation.Option{moderation.WithLimiter(&stubLimiter{err: limiterDown})},
			policy: func(p *moderation.Policy) { p.RateLimits.Failure = moderation.FailAllow },
			sub:    submission("A fair point."), status: moderation.StatusPublished, rules: []string{"ratelimit_unavailable"},
			actions: []moderation.RuleAction{moderation.RuleAllow}},
		{name: "BLOCK word", setup: word(moderation.ListBlock, "lucky draw"),
			sub: submission("Enter the lucky draw on my page"), status: moderation.StatusSpam, rules: []string{"wordlist_block"}},
		{name: "ban on the email, any +tag", setup: ban(moderation.BanEmail, "Spammer@example.com"),
			sub: withEmail("spammer+x@example.com"), status: moderation.StatusSpam, rules: []string{"ban_email"}},
		{name: "ban on the IP", setup: ban(moderation.BanIP, "2001:db8::66"),
			sub: withIP("2001:db8::66"), status: moderation.StatusSpam, rules: []string{"ban_ip"}},
		{name: "ban on the network", setup: ban(moderation.BanCIDR, "198.51.100.0/24"),
			sub: withIP("::ffff:198.51.100.7"), status: moderation.StatusSpam, rules: []string{"ban_cidr"}},
		{name: "ban on the name", setup: ban(moderation.BanName, "Lucky Winner"),
			sub: withName("  lucky   WINNER "), status: moderation.StatusSpam, rules: []string{"ban_name"}},
		{name: "ban on a name with digits, leetspeak on", setup: ban(moderation.BanName, "C4s1n0 King"),
			policy: func(p *moderation.Policy) { p.Rules.Leetspeak = true },
			sub:    withName("C4s1n0 King"), status: moderation.StatusSpam, rules: []string{"ban_name", "wordlist_hold"}},
		{name: "score over the spam threshold", sub: honeypot,
			status: moderation.StatusSpam, rules: []string{"honeypot", "score"}},
		// One author repeating a text is held for a moderator; the same
		// text from three authors is spam, whatever the articles.
		{name: "one author's text across articles", limiter: true, setup: sameAuthor,
			sub: campaignBy(), status: moderation.StatusPending, rules: []string{"campaign"},
			actions: []moderation.RuleAction{moderation.RuleHold}},
		{name: "two authors' text across articles", limiter: true, setup: sameAuthor,
			sub:    func() moderation.Submission { s := submission(campaignText); s.ArticleID = "2026/12/other-3"; return s }(),
			status: moderation.StatusPending, rules: []string{"campaign"}, actions: []moderation.RuleAction{moderation.RuleHold}},
		{name: "campaign across authors", limiter: true, setup: sameText,
			sub: submission(campaignText), status: moderation.StatusSpam, rules: []string{"campaign"},
			actions: []moderation.RuleAction{moderation.RuleSpam}},
		{name: "campaign across authors, by a known author", limiter: true,
			setup: func(t *testing.T, svc *moderation.Service) {
				s := campaignBy()
				s.Body = "An earlier comment of mine, published."
				mustSubmit(t, svc, s, moderation.StatusPublished)
				sameText(t, svc)
			},
			sub: campaignBy(), status: moderation.StatusPending, rules: []string{"campaign"},
			actions: []moderation.RuleAction{moderation.RuleHold}},
		{name: "campaign across authors and articles", limiter: true, setup: othersElsewhere,
			sub: submission(campaignText), status: moderation.StatusSpam, rules: []string{"campaign"},
			actions: []moderation.RuleAction{moderation.RuleSpam}},
		{name: "spam wins over hold", setup: ban(moderation.BanEmail, "spammer@example.com"),
			policy: func(p *moderation.Policy) { p.Rules.FirstTimeHold = true; p.DefaultStatus = moderation.StatusPending },
			sub:    func() moderation.Submission { s := withEmail("spammer@example.com"); s.Body = "casino"; return s }(),
			status: moderation.StatusSpam, rules: []string{"ban_email", "wordlist_hold"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			p := policy(returning)
			if tc.policy != nil {
				tc.policy(&p)
			}
			opts := append([]moderation.Option{moderation.WithPolicy(p)}, tc.opts...)
			if tc.limiter {
				opts = append(opts, moderation.WithLimiter(ratelimit.NewMemory()))
			}
			svc := newServiceOn(t, st, opts...)
			if tc.setup != nil {
				tc.setup(t, svc)
			}
			res, err := svc.Submit(ctx, tc.sub)
			if err != nil {
				t.Fatal(err)
			}
			got := res.Comment
			if got.Status != tc.status || !slices.Equal(ruleNames(got.Reasons), tc.rules) {
				t.Fatalf("answer %s %q, want %s %q", got.Status, ruleNames(got.Reasons), tc.status, tc.rules)
			}
			for i, a := range tc.actions {
				if got.Reasons[i].Action != a {
					t.Errorf("reason %s has action %d, want %d", got.Reasons[i].Rule, got.Reasons[i].Action, a)
				}
			}
			stored, err := st.Comment(ctx, got.ID)
			if err != nil {
				t.Fatalf("the answered comment is not stored: %v", err)
			}
			if stored.Status != tc.status || stored.InitialStatus != tc.status || !slices.Equal(ruleNames(stored.Reasons), tc.rules) {
				t.Errorf("stored %s (first %s) %q, want %s %q", stored.Status, stored.InitialStatus, ruleNames(stored.Reasons), tc.status, tc.rules)
			}
			if stored.Body != tc.sub.Body || stored.Author.Email != tc.sub.Author.Email || stored.Client.IP != tc.sub.Client.IP {
				t.Errorf("stored %q by %q from %q, want the submission as written", stored.Body, stored.Author.Email, stored.Client.IP)
			}
		})
	}
}

// campaignBy returns campaignText by one fixed author.
func campaignBy() moderation.Submission {
	s := submission(campaignText)
	s.Author = moderation.Author{Name: "Campaigner", Email: "campaign@example.com"}
	return s
}

// mustSubmit submits sub and checks its status.
func mustSubmit(t testing.TB, svc *moderation.Service, sub moderation.Submission, want moderation.Status) moderation.Comment {
	t.Helper()
	res, err := svc.Submit(context.Background(), sub)
	if err != nil {
		t.Fatal(err)
	}
	if res.Comment.Status != want {
		t.Fatalf("submitted %q: %s %q, want %s", sub.Body, res.Comment.Status, ruleNames(res.Comment.Reasons), want)
	}
	return res.Comment
}

// A ban's reason and field are for moderators: the site sees one generic
// reason however many bans matched.
func TestForSite(t *testing.T) {
	rs := []moderation.Reason{
		{Rule: "ban_email", Action: moderation.RuleSpam, Detail: "the author's email is banned: casino links"},
		{Rule: "wordlist_hold", Action: moderation.RuleHold},
		{Rule: "ban_ip", Action: moderation.RuleSpam, Detail: "the client IP is banned"},
	}
	got := moderation.ForSite(rs)
	want := []moderation.Reason{
		{Rule: "ban", Action: moderation.RuleSpam, Detail: "the comment matches a moderator's ban"},
		{Rule: "wordlist_hold", Action: moderation.RuleHold},
	}
	if !slices.EqualFunc(got, want, func(a, b moderation.Reason) bool {
		return a.Rule == b.Rule && a.Action == b.Action && a.Detail == b.Detail
	}) {
		t.Errorf("ForSite = %+v, want %+v", got, want)
	}
}

// A reader who posted an approved comment is no longer held as a
// first-time commenter; the same email with another name still is.
func TestSubmitFirstTimeCommenter(t *testing.T) {
	ctx := context.Background()
	svc := newService(t)
	first := submission("My first comment here.")
	c := mustSubmit(t, svc, first, moderation.StatusPending)
	if _, err := svc.Moderate(ctx, moderation.Moderation{Actor: "asha", IDs: []string{c.ID}, Action: moderation.ActionApprove}); err != nil {
		t.Fatal(err)
	}
	again := first
	again.Body = "And my second one."
	mustSubmit(t, svc, again, moderation.StatusPublished)

	impostor := again
	impostor.Author.Name = "Someone Else"
	impostor.Body = "I know their email."
	got := mustSubmit(t, svc, impostor, moderation.StatusPending)
	if !slices.Equal(ruleNames(got.Reasons), []string{"first_time_commenter"}) {
		t.Errorf("impostor held for %q", ruleNames(got.Reasons))
	}
}

// TestSubmitRefusals covers the answers that store nothing.
func TestSubmitRefusals(t *testing.T) {
	ctx := context.Background()
	t.Run("invalid, every field at once", func(t *testing.T) {
		st := newStore(t)
		svc := newServiceOn(t, st)
		s := moderation.Submission{
			Site: "news", ArticleID: "", ParentID: "not/an/id",
			Author:    moderation.Author{Name: "  ", Email: "Priya <priya@example.in>", URL: "javascript:alert(1)"},
			Body:      " \u200b ",
			Client:    moderation.Client{IP: "203.0.113.7:443", UserAgent: "Mozilla\n"},
			RequestID: "has space", FormDuration: -time.Second,
		}
		_, err := svc.Submit(ctx, s)
		wantError(t, err, moderation.CodeInvalid,
			violation("article_id", "is required"),
			violation("parent_id", "is not a comment id"),
			violation("author.name", "is required"),
			violation("author.email", "must be one email address such as name@example.com"),
			violation("author.url", "must be an http or https URL such as https://example.com/"),
			violation("body", "is required (and must show some text, not only white space, marks or invisible characters)"),
			violation("client.ip", "must be an IPv4 or IPv6 address without a port"),
			violation("client.user_agent", "must not contain control characters"),
			violation("request_id", "must be printable ASCII without spaces, such as a UUID"),
			violation("form_duration", "must not be negative"),
		)
		if n := len(everyComment(t, st)); n != 0 {
			t.Errorf("%d comments stored", n)
		}
	})

	t.Run("limiter down, deny", func(t *testing.T) {
		st := newStore(t)
		lim := &stubLimiter{err: errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")}
		svc := newServiceOn(t, st, moderation.WithLimiter(lim),
			moderation.WithPolicy(policy(func(p *moderation.Policy) { p.RateLimits.Failure = moderation.FailDeny })))
		_, err := svc.Submit(ctx, submission("A fair point."))
		e := wantError(t, err, moderation.CodeUnavailable)
		if got, want := e.ClientMessage(), "the rate limiter is unavailable; retry with the same request_id later"; got != want {
			t.Errorf("client told %q, want %q", got, want)
		}
		if n := len(everyComment(t, st)); n != 0 || lim.calls.Load() != 1 {
			t.Errorf("%d comments stored, %d limiter calls; want 0 and 1", n, lim.calls.Load())
		}
	})

	t.Run("limiter answers badly", func(t *testing.T) {
		svc := newService(t, moderation.WithLimiter(shortLimiter{}), moderation.WithPolicy(policy(returning)))
		got := mustSubmit(t, svc, submission("A fair point."), moderation.StatusPending)
		if !slices.Equal(ruleNames(got.Reasons), []string{"ratelimit_unavailable"}) {
			t.Errorf("held for %q", ruleNames(got.Reasons))
		}
	})

	t.Run("caller gave up", func(t *testing.T) {
		st := newStore(t)
		svc := newServiceOn(t, st, moderation.WithLimiter(&stubLimiter{err: context.Canceled}))
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := svc.Submit(cctx, submission("A fair point."))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
	})

	t.Run("rate limited", func(t *testing.T) {
		st := newStore(t)
		svc := newServiceOn(t, st, moderation.WithLimiter(ratelimit.NewMemory()), moderation.WithPolicy(policy(returning)))
		s := submission("A fair point.")
		for i := range 3 {
			s.Body = strings.Repeat("Fair point! ", i+1)
			mustSubmit(t, svc, s, moderation.StatusPublished)
		}
		s.Body = "One more point."
		_, err := svc.Submit(ctx, s)
		e := wantError(t, err, moderation.CodeResourceExhausted)
		if e.RetryAfter <= 0 || e.RetryAfter > 15*time.Second {
			t.Errorf("retry after %s, want up to 15s", e.RetryAfter)
		}
		wantQuota := []moderation.QuotaViolation{
			{Subject: "ip:" + s.Client.IP, Description: "comments per client IP: 3 at once, then 1 every 15s"},
			{Subject: "email:" + s.Author.Email, Description: "comments per author email: 3 at once, then 1 every 15s"},
		}
		if !slices.Equal(e.Quota, wantQuota) {
			t.Errorf("quota %q, want %q", e.Quota, wantQuota)
		}
		wantMsg := "too many comments from this client IP and author email; retry in " + e.RetryAfter.Round(time.Second).String()
		if e.ClientMessage() != wantMsg {
			t.Errorf("client told %q, want %q", e.ClientMessage(), wantMsg)
		}
		if n := len(everyComment(t, st)); n != 3 {
			t.Errorf("%d comments stored, want 3", n)
		}
	})

	t.Run("refused from memory", func(t *testing.T) {
		st := &countingStore{Store: newStore(t)}
		lim := &refusingLimiter{refusedIPs: map[string]bool{"198.51.100.7": true}, retry: 9 * time.Second}
		svc := newServiceOn(t, st, moderation.WithLimiter(lim), moderation.WithPolicy(policy(returning)))
		before := st.n()
		s := submission("A fair point.")
		s.Client.IP = "::ffff:198.51.100.7"
		_, err := svc.Submit(ctx, s)
		e := wantError(t, err, moderation.CodeResourceExhausted)
		if e.RetryAfter != 9*time.Second || len(e.Quota) != 1 || e.Quota[0].Subject != "ip:198.51.100.7" {
			t.Errorf("retry after %s, quota %q", e.RetryAfter, e.Quota)
		}
		if st.n() != before || lim.calls.Load() != 0 {
			t.Errorf("refused from memory after %d store calls and %d limiter calls, want none", st.n()-before, lim.calls.Load())
		}
		// Another reader is not refused.
		mustSubmit(t, svc, submission("Another point."), moderation.StatusPublished)
	})
}

// shortLimiter answers with fewer verdicts than subjects: a broken
// limiter, treated as one that failed.
type shortLimiter struct{}

func (shortLimiter) Take(context.Context, string, []moderation.Subject) ([]moderation.Verdict, error) {
	return []moderation.Verdict{{Allowed: true}}, nil
}

// A retry of a comment this replica stored is answered from the store even
// while its reader is refused from memory: a retry never loses its answer.
func TestSubmitRetryWhileRefused(t *testing.T) {
	ctx := context.Background()
	lim := &refusingLimiter{refusedIPs: map[string]bool{}, retry: time.Minute}
	svc := newService(t, moderation.WithLimiter(lim), moderation.WithPolicy(policy(returning)))
	s := submission("A fair point.")
	s.RequestID = "req-retry-while-refused"
	first := mustSubmit(t, svc, s, moderation.StatusPublished)
	lim.refusedIPs[s.Client.IP] = true

	res, err := svc.Submit(ctx, s)
	if err != nil || res.Comment.ID != first.ID {
		t.Fatalf("retry got %v, %v; want comment %s", res.Comment.ID, err, first.ID)
	}
	s.RequestID = "req-new"
	_, err = svc.Submit(ctx, s)
	wantError(t, err, moderation.CodeResourceExhausted)
}

// TestSubmitIdempotent: a duplicate names the comment it repeats, a retry
// gets the first answer, a reused request id is refused, and nothing is
// stored twice.
func TestSubmitIdempotent(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	svc := newServiceOn(t, st)

	s := submission("A fair point about the deficit.")
	s.RequestID = "6f1c2a9e-3b7d-4e58-9a41-0c2d8e7f1b23"
	first := mustSubmit(t, svc, s, moderation.StatusPending) // a first-time commenter

	t.Run("replay", func(t *testing.T) {
		res, err := svc.Submit(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if res.Comment.ID != first.ID || res.Comment.Status != moderation.StatusPending ||
			!slices.Equal(ruleNames(res.Comment.Reasons), []string{"first_time_commenter"}) {
			t.Errorf("retry answered %s %s %q, want the first answer %s PENDING", res.Comment.ID, res.Comment.Status, ruleNames(res.Comment.Reasons), first.ID)
		}
	})

	t.Run("replay after a moderator's change", func(t *testing.T) {
		if _, err := svc.Moderate(ctx, moderation.Moderation{Actor: "asha", IDs: []string{first.ID}, Action: moderation.ActionApprove}); err != nil {
			t.Fatal(err)
		}
		res, err := svc.Submit(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if res.Comment.ID != first.ID || res.Comment.Status != moderation.StatusPending {
			t.Errorf("retry answered %s %s, want %s PENDING as first decided", res.Comment.ID, res.Comment.Status, first.ID)
		}
	})

	t.Run("replay with another body", func(t *testing.T) {
		other := s
		other.Body = "Something else entirely."
		_, err := svc.Submit(ctx, other)
		wantError(t, err, moderation.CodeInvalid,
			violation("request_id", "was already used for a different comment; use a new request_id for each submission"))
	})

	t.Run("duplicate", func(t *testing.T) {
		dup := s
		dup.RequestID = ""
		dup.Body = "a FAIR point, about the deficit!" // the same letters
		_, err := svc.Submit(ctx, dup)
		e := wantError(t, err, moderation.CodeAlreadyExists)
		if e.Resource != (moderation.Resource{Type: "comment", Name: first.ID}) {
			t.Errorf("resource %+v, want comment %s", e.Resource, first.ID)
		}
		if want := "the same author already posted this text on this article as comment " + first.ID; e.ClientMessage() != want {
			t.Errorf("client told %q, want %q", e.ClientMessage(), want)
		}
	})

	t.Run("the same text elsewhere is no duplicate", func(t *testing.T) {
		other := s
		other.RequestID = ""
		other.ArticleID = "2026/12/other"
		mustSubmit(t, svc, other, moderation.StatusPublished) // approved before
	})

	if cs := everyComment(t, st); len(cs) != 2 {
		t.Errorf("%d comments stored, want 2", len(cs))
	}
}

// A validate_only submission is decided like any other and stores
// nothing, not even for a later retry to find.
func TestSubmitValidateOnly(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	svc := newServiceOn(t, st, moderation.WithPolicy(policy(returning)))
	s := submission("Join the online casino tonight")
	s.ValidateOnly = true
	s.RequestID = "req-validate"
	res, err := svc.Submit(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if res.Comment.ID != "" || res.Comment.Status != moderation.StatusPending || !slices.Equal(ruleNames(res.Comment.Reasons), []string{"wordlist_hold"}) {
		t.Errorf("validate_only answered %q %s %q", res.Comment.ID, res.Comment.Status, ruleNames(res.Comment.Reasons))
	}
	if n := len(everyComment(t, st)); n != 0 {
		t.Fatalf("%d comments stored", n)
	}
	s.ValidateOnly = false
	c := mustSubmit(t, svc, s, moderation.StatusPending)
	if c.ID == "" {
		t.Error("the real submission after a dry run got no id")
	}
}

// Replies answer published comments of the same article only, and a
// comment elsewhere looks exactly like a missing one.
func TestSubmitReply(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	svc := newServiceOn(t, st, moderation.WithPolicy(policy(returning)))
	parent := mustSubmit(t, svc, submission("The parent comment."), moderation.StatusPublished)
	heldParent := mustSubmit(t, svc, submission("Join the online casino tonight"), moderation.StatusPending)

	reply := submission("I agree with you.")
	reply.ParentID = parent.ID
	got := mustSubmit(t, svc, reply, moderation.StatusPublished)
	if got.ParentID != parent.ID {
		t.Errorf("reply stored with parent %q, want %q", got.ParentID, parent.ID)
	}
	for _, tc := range []struct {
		name, parent, article, site string
		want                        moderation.FieldViolation
	}{
		{"held parent", heldParent.ID, reply.ArticleID, "news", violation("parent_id", "is not a published comment, so it cannot be replied to")},
		{"other article", parent.ID, "2026/12/other", "news", violation("parent_id", "is not a comment on this article")},
		{"other site", parent.ID, reply.ArticleID, "sports", violation("parent_id", "is not a comment on this article")},
		{"missing parent", "01a21a73-7807-7785-ab1d-5024ed3eeb71", reply.ArticleID, "news", violation("parent_id", "is not a comment on this article")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := submission("I agree with you too.")
			s.ParentID, s.ArticleID, s.Site = tc.parent, tc.article, tc.site
			_, err := svc.Submit(ctx, s)
			wantError(t, err, moderation.CodeInvalid, tc.want)
		})
	}
	if n := len(everyComment(t, st)); n != 3 {
		t.Errorf("%d comments stored, want 3", n)
	}
}
