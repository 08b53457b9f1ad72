package moderation_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/notify"
)

func terms(ts []moderation.WordTerm) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.Term)
	}
	return out
}

// Word-list changes apply to the next submission at once, and every one
// is audited.
func TestWordLists(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, moderation.WithPolicy(policy(returning)))
	mustSubmit(t, svc, submission("Enter the lucky draw"), moderation.StatusPublished)

	got, err := svc.UpdateWordList(ctx, "asha", "", moderation.ListBlock, []string{" lucky draw ", "jackpot*"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"jackpot*", "lucky draw"}; !slices.Equal(terms(got.Terms), want) {
		t.Errorf("block list %q, want %q", terms(got.Terms), want)
	}
	// Adding a listed term again, and removing an unlisted one, is said.
	got, err = svc.UpdateWordList(ctx, "asha", "", moderation.ListBlock, []string{"jackpot*", "free bet"}, []string{"satta"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Added, []string{"free bet"}) || !slices.Equal(got.Present, []string{"jackpot*"}) ||
		len(got.Removed) != 0 || !slices.Equal(got.Absent, []string{"satta"}) {
		t.Errorf("result %+v: want added free bet, present jackpot*, absent satta", got)
	}
	if _, err := svc.UpdateWordList(ctx, "asha", "", moderation.ListBlock, nil, []string{"free bet"}); err != nil {
		t.Fatal(err)
	}
	mustSubmit(t, svc, submission("Enter the lucky draw"), moderation.StatusSpam)
	mustSubmit(t, svc, submission("Jackpots everywhere"), moderation.StatusSpam)

	if _, err := svc.UpdateWordList(ctx, "asha", "", moderation.ListBlock, nil, []string{"lucky draw"}); err != nil {
		t.Fatal(err)
	}
	mustSubmit(t, svc, submission("Enter the lucky draw"), moderation.StatusPublished)

	if _, err := svc.UpdateWordList(ctx, "asha", "", moderation.ListAllow, []string{"jackpot city"}, nil); err != nil {
		t.Fatal(err)
	}
	mustSubmit(t, svc, submission("Jackpot City is a town"), moderation.StatusPublished)

	lists, err := byList(svc.WordLists(ctx, ""))
	if err != nil {
		t.Fatal(err)
	}
	if len(lists) != 2 || !slices.Equal(terms(lists[moderation.ListBlock]), []string{"jackpot*"}) ||
		!slices.Equal(terms(lists[moderation.ListAllow]), []string{"jackpot city"}) || len(lists[moderation.ListHold]) != 0 {
		t.Errorf("word lists %v", lists)
	}
	evs, _, err := svc.AuditEvents(ctx, moderation.AuditQuery{Actor: "asha"}, moderation.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 5 || evs[0].Action != "wordlist.update" || evs[0].Target != "allow" || evs[4].Target != "block" ||
		evs[3].Detail != "added: free bet; already there: jackpot*; not there: satta" {
		t.Errorf("audit %+v, want five wordlist.update events", evs)
	}

	_, err = svc.UpdateWordList(ctx, "asha", "", moderation.ListUnspecified, nil, nil)
	wantError(t, err, moderation.CodeInvalid,
		violation("list", "is required: BLOCK, HOLD, ALLOW or SHADOW"),
		violation("add", "give at least one term to add or remove"))
	_, err = svc.UpdateWordList(ctx, "asha", "", moderation.ListHold,
		[]string{"ok", "  ", strings.Repeat("x", 101), "bad\x07", "gone"}, []string{"gone"})
	wantError(t, err, moderation.CodeInvalid,
		violation("add[1]", "must be 1 to 100 characters"),
		violation("add[2]", "must be at most 100 characters, got 101"),
		violation("add[3]", "must not contain control characters"),
		violation("remove[0]", `"gone" is also in add; a term is either added or removed`))
	_, err = svc.UpdateWordList(ctx, "asha", "", moderation.ListHold, make([]string, moderation.MaxTermsPerUpdate+1), nil)
	if e := wantErrorCode(t, err, moderation.CodeInvalid); e.Violations[0] != violation("add", "at most 1000 terms in one update") {
		t.Errorf("first violation %+v", e.Violations[0])
	}
	if lists, _ := byList(svc.WordLists(ctx, "")); len(lists[moderation.ListHold]) != 0 {
		t.Errorf("a refused update stored %q", terms(lists[moderation.ListHold]))
	}
}

// wantErrorCode is wantError for errors with many violations.
func wantErrorCode(t testing.TB, err error, code moderation.Code) *moderation.Error {
	t.Helper()
	e, ok := err.(*moderation.Error)
	if !ok || e.Code != code || len(e.Violations) == 0 {
		t.Fatalf("error %v, want code %d with violations", err, code)
	}
	return e
}

func TestBans(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	svc := newService(t, clk.Option(), moderation.WithPolicy(policy(returning)))
	sub := submission("A fair point.")
	sub.Client.IP = "192.0.2.55"

	res, err := svc.CreateBan(ctx, moderation.BanRequest{Actor: "asha", Kind: moderation.BanCIDR, Target: " ::ffff:192.0.2.0/120 ", Reason: "a flood"})
	if err != nil {
		t.Fatal(err)
	}
	forever := res.Ban
	if forever.Value != "192.0.2.0/24" || forever.Display != "::ffff:192.0.2.0/120" || forever.CreatedBy != "asha" {
		t.Errorf("ban stored as %+v", forever)
	}
	clk.Advance(time.Second)
	res, err = svc.CreateBan(ctx, moderation.BanRequest{Actor: "asha", Kind: moderation.BanEmail,
		Target: sub.Author.Email, ExpireTime: clk.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	brief := res.Ban
	c := mustSubmit(t, svc, sub, moderation.StatusSpam)
	if !slices.Equal(ruleNames(c.Reasons), []string{"ban_email", "ban_cidr"}) {
		t.Errorf("reasons %q", ruleNames(c.Reasons))
	}
	if d := c.Reasons[1].Detail; d != "the client's network 192.0.2.0/24 is banned: a flood" {
		t.Errorf("detail %q", d)
	}

	bans, next, err := svc.ListBans(ctx, moderation.Page{Size: 1}, "")
	if err != nil || len(bans) != 1 || bans[0].ID != brief.ID || next == nil {
		t.Fatalf("first page %+v, next %v, %v; want the newest ban", bans, next, err)
	}
	bans, next, err = svc.ListBans(ctx, moderation.Page{Size: 1, After: next}, "")
	if err != nil || len(bans) != 1 || bans[0].ID != forever.ID || next != nil {
		t.Fatalf("second page %+v, next %v, %v", bans, next, err)
	}

	// An expired ban no longer applies, nor is it listed.
	clk.Advance(time.Hour)
	sub.Body = "Another point."
	if c := mustSubmit(t, svc, sub, moderation.StatusSpam); !slices.Equal(ruleNames(c.Reasons), []string{"ban_cidr"}) {
		t.Errorf("after expiry: reasons %q", ruleNames(c.Reasons))
	}
	if bans, _, _ := svc.ListBans(ctx, moderation.Page{}, ""); len(bans) != 1 {
		t.Errorf("%d bans listed after one expired", len(bans))
	}

	if _, err := svc.DeleteBan(ctx, "ravi", forever.ID, false); err != nil {
		t.Fatal(err)
	}
	sub.Body = "A third point."
	mustSubmit(t, svc, sub, moderation.StatusPublished)
	_, err = svc.DeleteBan(ctx, "ravi", forever.ID, false)
	wantError(t, err, moderation.CodeNotFound)
	_, err = svc.DeleteBan(ctx, "ravi", "x y", false)
	wantError(t, err, moderation.CodeInvalid, violation("id", "is not a comment id"))
	evs, _, _ := svc.AuditEvents(ctx, moderation.AuditQuery{Target: forever.ID}, moderation.Page{})
	if len(evs) != 2 || evs[0].Action != "ban.delete" || evs[0].Actor != "ravi" || evs[1].Action != "ban.create" ||
		evs[1].Note != "a flood" || evs[1].Detail != "cidr ::ffff:192.0.2.0/120" {
		t.Errorf("audit %+v", evs)
	}
	_, _, err = svc.ListBans(ctx, moderation.Page{Size: -1}, "")
	wantError(t, err, moderation.CodeInvalid, violation("page_size", "must not be negative"))

	for _, tc := range []struct {
		name string
		r    moderation.BanRequest
		want []moderation.FieldViolation
	}{
		{"no kind", moderation.BanRequest{Target: "x"}, []moderation.FieldViolation{violation("ban", "needs exactly one of email, ip, cidr or name")}},
		{"bad email, past expiry, bad reason", moderation.BanRequest{Kind: moderation.BanEmail, Target: "nobody",
			ExpireTime: clk.Now().Add(-time.Second), Reason: "\x00"},
			[]moderation.FieldViolation{
				violation("ban.email", "must be one email address such as name@example.com"),
				violation("ban.expire_time", "must be in the future"),
				violation("ban.reason", "must not contain control characters")}},
		{"bad IP", moderation.BanRequest{Kind: moderation.BanIP, Target: "fe80::1%eth0"},
			[]moderation.FieldViolation{violation("ban.ip", "must be an IPv4 or IPv6 address")}},
		{"bad range", moderation.BanRequest{Kind: moderation.BanCIDR, Target: "192.0.2.0"},
			[]moderation.FieldViolation{violation("ban.cidr", "must be a range such as 203.0.113.0/24 or 2001:db8::/32")}},
		{"range too wide", moderation.BanRequest{Kind: moderation.BanCIDR, Target: "10.0.0.0/7"},
			[]moderation.FieldViolation{violation("ban.cidr", "is too wide: at least /8 for IPv4 and /16 for IPv6")}},
		{"mapped range beyond IPv4", moderation.BanRequest{Kind: moderation.BanCIDR, Target: "::ffff:0:0/95"},
			[]moderation.FieldViolation{violation("ban.cidr", "is an IPv4-mapped range wider than IPv4 itself: give the IPv4 range, such as 203.0.113.0/24")}},
		{"empty name, year 10000", moderation.BanRequest{Kind: moderation.BanName, Target: " ",
			ExpireTime: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
			[]moderation.FieldViolation{violation("ban.name", "is required"), violation("ban.expire_time", "must be a time between the years 1 and 9999")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.CreateBan(ctx, tc.r)
			wantError(t, err, moderation.CodeInvalid, tc.want...)
		})
	}
	if bans, _, _ := svc.ListBans(ctx, moderation.Page{}, ""); len(bans) != 0 {
		t.Errorf("refused bans were stored: %+v", bans)
	}
}

func TestExportAndEraseAuthor(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	svc := newServiceOn(t, st, moderation.WithPolicy(policy(returning)))
	sub := submission("My first comment.")
	sub.RequestID = "req-erase-1"
	first := mustSubmit(t, svc, sub, moderation.StatusPublished)
	sub.RequestID, sub.Body = "", "Join the online casino tonight"
	second := mustSubmit(t, svc, sub, moderation.StatusPending)
	other := mustSubmit(t, svc, submission("Someone else."), moderation.StatusPublished)

	cs, next, err := svc.ExportAuthor(ctx, "asha", strings.ToUpper(sub.Author.Email), moderation.Page{Size: 1})
	if err != nil || len(cs) != 1 || cs[0].ID != first.ID || cs[0].Client.IP != sub.Client.IP || next == nil {
		t.Fatalf("export page 1: %+v, %v, %v", cs, next, err)
	}
	cs, next, err = svc.ExportAuthor(ctx, "asha", sub.Author.Email, moderation.Page{After: next})
	if err != nil || len(cs) != 1 || cs[0].ID != second.ID || next != nil {
		t.Fatalf("export page 2: %+v, %v, %v", cs, next, err)
	}

	n, err := svc.EraseAuthor(ctx, "asha", sub.Author.Email, "reader's request")
	if err != nil || n != 2 {
		t.Fatalf("erased %d, %v; want 2", n, err)
	}
	for _, id := range []string{first.ID, second.ID} {
		c, err := st.Comment(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != moderation.StatusDeleted || c.Body != "" || c.Author != (moderation.Author{}) || c.Client != (moderation.Client{}) {
			t.Errorf("erased comment %+v", c)
		}
	}
	if c, _ := st.Comment(ctx, other.ID); c.Status != moderation.StatusPublished || c.Body != "Someone else." {
		t.Errorf("another author's comment was touched: %+v", c)
	}
	// A retry of the erased request learns nothing of what it carried.
	sub.RequestID, sub.Body = "req-erase-1", "My first comment."
	_, err = svc.Submit(ctx, sub)
	wantError(t, err, moderation.CodeInvalid,
		violation("request_id", "was already used for a different comment; use a new request_id for each submission"))

	evs, _, err := svc.AuditEvents(ctx, moderation.AuditQuery{Actor: "asha"}, moderation.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 || evs[0].Action != "author.erase" || evs[0].Note != "reader's request" ||
		evs[1].Action != "author.export" || evs[2].Action != "author.export" {
		t.Fatalf("audit %+v", evs)
	}
	for _, e := range evs {
		if e.Target != evs[0].Target || !strings.HasPrefix(e.Target, "author:") || strings.Contains(e.Target, "reader") {
			t.Errorf("audit target %q, want one keyed hash for the author", e.Target)
		}
	}

	_, _, err = svc.ExportAuthor(ctx, "asha", "", moderation.Page{})
	wantError(t, err, moderation.CodeInvalid, violation("author_email", "is required"))
	_, _, err = svc.ExportAuthor(ctx, "asha", "a@example.com", moderation.Page{Size: -1})
	wantError(t, err, moderation.CodeInvalid, violation("page_size", "must not be negative"))
	_, err = svc.EraseAuthor(ctx, "asha", "not-an-email", strings.Repeat("n", 1001))
	wantError(t, err, moderation.CodeInvalid,
		violation("author_email", "must be one email address such as name@example.com"),
		violation("note", "must be at most 1000 characters, got 1001"))
}

// Client data is blanked once older than the retention, and kept with
// retention 0.
func TestEraseExpiredClientData(t *testing.T) {
	ctx := context.Background()
	for _, retention := range []time.Duration{0, 24 * time.Hour} {
		clk := newClock()
		st := newStore(t)
		svc := newServiceOn(t, st, clk.Option(), moderation.WithPolicy(policy(func(p *moderation.Policy) {
			returning(p)
			p.ClientDataRetention = retention
		})))
		old := mustSubmit(t, svc, submission("Old comment."), moderation.StatusPublished)
		clk.Advance(time.Hour)
		recent := mustSubmit(t, svc, submission("Recent comment."), moderation.StatusPublished)
		clk.Advance(24*time.Hour - time.Minute) // old is past a day, recent is not

		n, err := svc.EraseExpiredClientData(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantN, wantIP := int64(1), ""
		if retention == 0 {
			wantN, wantIP = 0, old.Client.IP
		}
		o, _ := st.Comment(ctx, old.ID)
		r, _ := st.Comment(ctx, recent.ID)
		if n != wantN || o.Client.IP != wantIP || r.Client.IP != recent.Client.IP || r.Client.UserAgent == "" {
			t.Errorf("retention %s: erased %d; old IP %q, recent %q", retention, n, o.Client.IP, r.Client.IP)
		}
		if retention > 0 && (o.Client.UserAgent != "" || o.Body != "Old comment.") {
			t.Errorf("old comment after erasure: %+v", o)
		}
	}
}

// A policy whose rules do not compile is refused and the old one stays;
// a good one applies to the next submission.
func TestSetPolicy(t *testing.T) {
	svc := newService(t, moderation.WithPolicy(policy(returning)))
	bad := policy(func(p *moderation.Policy) {
		p.DefaultStatus = moderation.StatusPending
		p.Rules.Patterns = []moderation.PatternRule{{ID: "broken", Pattern: "(unclosed", Action: "hold"}}
	})
	err := svc.SetPolicy(bad)
	e := wantError(t, err, moderation.CodeInvalid)
	if e.ClientMessage() != "the policy's rules do not compile" || !strings.Contains(e.Error(), "patterns[1] (broken)") {
		t.Errorf("refused with %q (%v)", e.ClientMessage(), e)
	}
	mustSubmit(t, svc, submission("A fair point."), moderation.StatusPublished)

	good := policy(func(p *moderation.Policy) {
		p.Rules.FirstTimeHold = false
		p.Rules.Patterns = []moderation.PatternRule{{ID: "upi", Pattern: `(?i)\b[a-z0-9.]+@(ybl|paytm)\b`, Action: "spam"}}
	})
	if err := svc.SetPolicy(good); err != nil {
		t.Fatal(err)
	}
	c := mustSubmit(t, svc, submission("Send it to lucky@paytm now"), moderation.StatusSpam)
	if !slices.Equal(ruleNames(c.Reasons), []string{"pattern_upi"}) {
		t.Errorf("reasons %q", ruleNames(c.Reasons))
	}
}

// TestWatch: held comments reach watchers through the bus as the viewer
// may see them, filtered by status and article; published ones do not.
func TestWatch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc := newService(t, moderation.WithBus(notify.NewLocal()), moderation.WithPolicy(policy(returning)))
	ran := make(chan struct{})
	go func() { defer close(ran); svc.Run(ctx) }()
	defer func() { cancel(); <-ran }()

	all, _, err := svc.Watch(ctx, moderator, moderation.WatchQuery{})
	if err != nil {
		t.Fatal(err)
	}
	spamOnOther, _, err := svc.Watch(ctx, admin, moderation.WatchQuery{Statuses: []moderation.Status{moderation.StatusSpam}, ArticleID: "2026/12/other"})
	if err != nil {
		t.Fatal(err)
	}
	mustSubmit(t, svc, submission("A published one is not announced."), moderation.StatusPublished)
	held := mustSubmit(t, svc, submission("Join the online casino tonight"), moderation.StatusPending)
	spamSub := submission("Play satta king tonight")
	spamSub.ArticleID = "2026/12/other"
	spam := mustSubmit(t, svc, spamSub, moderation.StatusSpam)

	for _, want := range []moderation.Comment{held, spam} {
		h := <-all
		got := h.Comment
		if h.Status != want.Status || h.Seq == 0 {
			t.Errorf("watched %s entering %s at %d, want it entering %s at a position", got.ID, h.Status, h.Seq, want.Status)
		}
		if got.ID != want.ID || got.Status != want.Status || got.Author.Email != want.Author.Email {
			t.Errorf("watched %s %s %q, want %s %s %q", got.ID, got.Status, got.Author.Email, want.ID, want.Status, want.Author.Email)
		}
	}
	if got := (<-spamOnOther).Comment; got.ID != spam.ID {
		t.Errorf("spam watcher got %s, want %s", got.ID, spam.ID)
	}

	_, _, err = svc.Watch(ctx, moderator, moderation.WatchQuery{Statuses: []moderation.Status{moderation.StatusPending, moderation.StatusPublished}, ArticleID: "\x01"})
	wantError(t, err, moderation.CodeInvalid,
		violation("statuses[1]", "only PENDING and SPAM comments are announced"),
		violation("article_id", "must be printable text without control characters"))

	// Without a bus the watcher polls the queue's log.
	quiet := newService(t, moderation.WithPolicy(policy(returning)))
	polled, _, err := quiet.Watch(ctx, moderator, moderation.WatchQuery{})
	if err != nil {
		t.Fatal(err)
	}
	again := mustSubmit(t, quiet, submission("Join the online casino tomorrow"), moderation.StatusPending)
	if got := (<-polled).Comment; got.ID != again.ID {
		t.Errorf("a watch without a bus got %s, want %s", got.ID, again.ID)
	}
}

// A limiter that fails is logged once when failures start and once when
// they end, not once per comment.
func TestLimiterFailuresLoggedOnce(t *testing.T) {
	var logs bytes.Buffer
	lim := &stubLimiter{err: context.DeadlineExceeded}
	svc := newService(t, moderation.WithLimiter(lim), moderation.WithPolicy(policy(returning)),
		moderation.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	for range 3 {
		mustSubmit(t, svc, submission("A fair point."), moderation.StatusPending)
	}
	lim.err = nil
	for range 2 {
		mustSubmit(t, svc, submission("A fair point."), moderation.StatusPublished)
	}
	out := logs.String()
	if strings.Count(out, "rate limiter unavailable") != 1 || strings.Count(out, "rate limiter answering again") != 1 ||
		!strings.Contains(out, "failed_calls=3") {
		t.Errorf("log:\n%s", out)
	}
}

// A name ban matches the name as the rules see it: with leetspeak on,
// "C4s1n0 King" is banned as written and as "Casino King", and turning
// leetspeak on or off later changes nothing for a ban already made.
func TestNameBanWithLeetspeak(t *testing.T) {
	ctx := context.Background()
	leet := policy(func(p *moderation.Policy) { returning(p); p.Rules.Leetspeak = true })
	svc := newService(t, moderation.WithPolicy(policy(returning)))
	if _, err := svc.CreateBan(ctx, moderation.BanRequest{Actor: "asha", Kind: moderation.BanName, Target: "R0cky B4lb0a"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []moderation.Policy{policy(returning), leet} {
		if err := svc.SetPolicy(p); err != nil {
			t.Fatal(err)
		}
		s := submission("A fair point.")
		s.Author.Name = "R0cky B4lb0a"
		if c := mustSubmit(t, svc, s, moderation.StatusSpam); !slices.Equal(ruleNames(c.Reasons), []string{"ban_name"}) {
			t.Errorf("leetspeak %v: reasons %q", p.Rules.Leetspeak, ruleNames(c.Reasons))
		}
	}
	s := submission("A fair point.")
	s.Author.Name = "Rocky Balboa"
	mustSubmit(t, svc, s, moderation.StatusSpam)
}
