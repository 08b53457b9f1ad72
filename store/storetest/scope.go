package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
)

// siteUpdate is wordUpdate of site's list.
func siteUpdate(site string, list moderation.WordList, add, remove []string, auditID string, tm time.Time) moderation.WordListUpdate {
	u := wordUpdate(list, add, remove, "mod-asha", auditID, tm)
	u.Site = site
	return u
}

func siteTermNames(ts []moderation.WordTerm) []string {
	out := make([]string, len(ts))
	for i, w := range ts {
		out[i] = w.Site + "/" + w.List.String() + ":" + w.Term
	}
	return out
}

// testSiteWordLists: a term is keyed by site, list and term, so the same
// term on the global list and on one or two sites' is added and removed
// on its own; a site's term comes back with its site, every change bumps
// the rules version once and its audit names the site.
func testSiteWordLists(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	block, hold := moderation.ListBlock, moderation.ListHold
	step := func(u moderation.WordListUpdate, want []string, wantDetail string) {
		t.Helper()
		before := rulesVersion(t, s)
		res, err := s.UpdateWordList(ctx, u)
		got := res.Terms
		if err != nil {
			t.Fatalf("UpdateWordList(%s %q): %v", u.Site, u.Audit.ID, err)
		}
		if names := siteTermNames(got); !slices.Equal(names, want) {
			t.Errorf("%s: the list after = %q, want %q", u.Audit.ID, names, want)
		}
		for _, w := range got {
			if w.CreatedBy != "mod-asha" || w.CreateTime.IsZero() {
				t.Errorf("%s: term %+q lost who added it or when", u.Audit.ID, w)
			}
		}
		after := rulesVersion(t, s)
		e, logged := auditEvents(t, s)[u.Audit.ID]
		if wantDetail == "" {
			if after != before || logged {
				t.Errorf("%s changed nothing, but the version went %d -> %d (audited %v)", u.Audit.ID, before, after, logged)
			}
			return
		}
		if after != before+1 {
			t.Errorf("%s: rules version %d -> %d, want +1, so that every replica recompiles", u.Audit.ID, before, after)
		}
		if e.Detail != wantDetail {
			t.Errorf("%s: audit detail %q, want %q", u.Audit.ID, e.Detail, wantDetail)
		}
	}

	step(siteUpdate("", block, []string{"satta", "casino"}, nil, "s-1", at(1)),
		[]string{"/BLOCK:casino", "/BLOCK:satta"}, "added: satta, casino")
	// The same term for a site, and for another: each its own row.
	step(siteUpdate("news", block, []string{"satta", "matka"}, nil, "s-2", at(2)),
		[]string{"news/BLOCK:matka", "news/BLOCK:satta"}, "site news; added: satta, matka")
	step(siteUpdate("shop", block, []string{"satta"}, nil, "s-3", at(3)),
		[]string{"shop/BLOCK:satta"}, "site shop; added: satta")
	step(siteUpdate("news", hold, []string{"casino"}, nil, "s-4", at(4)),
		[]string{"news/HOLD:casino"}, "site news; added: casino")
	// Adding again where it is is no change, for the site as globally.
	step(siteUpdate("news", block, []string{"satta"}, nil, "s-5", at(5)),
		[]string{"news/BLOCK:matka", "news/BLOCK:satta"}, "")
	// Removing the site's term leaves the global one and the other site's.
	step(siteUpdate("news", block, nil, []string{"satta", "casino"}, "s-6", at(6)),
		[]string{"news/BLOCK:matka"}, "site news; removed: satta; not there: casino")
	// Removing the global term leaves the sites' own.
	step(siteUpdate("", block, nil, []string{"satta"}, "s-7", at(7)),
		[]string{"/BLOCK:casino"}, "removed: satta")

	got, err := s.WordTerms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/BLOCK:casino", "news/BLOCK:matka", "news/HOLD:casino", "shop/BLOCK:satta"}
	if names := siteTermNames(got); !slices.Equal(names, want) {
		t.Errorf("WordTerms = %q, want %q (by site, list, term)", names, want)
	}
}

// testSiteBans: a site's ban is stored and listed with its site; a
// listing for a site holds the global bans and that site's, not
// another's; deleting returns it with its site.
func testSiteBans(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	never := time.Time{}
	global := newBan("b-1", moderation.BanEmail, "a@example.com", at(1), never)
	news := newBan("b-2", moderation.BanEmail, "a@example.com", at(2), never)
	news.Site = "news"
	shop := newBan("b-3", moderation.BanIP, "203.0.113.7", at(3), never)
	shop.Site = "shop"
	for i, b := range []moderation.Ban{global, news, shop} {
		v := rulesVersion(t, s)
		if _, err := s.CreateBan(ctx, b, banAudit("a-"+b.ID, "ban.create", b.ID, b.CreateTime)); err != nil {
			t.Fatalf("CreateBan(%s): %v", b.ID, err)
		}
		if after := rulesVersion(t, s); after != v+1 {
			t.Errorf("ban %d: rules version %d -> %d, want +1", i, v, after)
		}
	}
	// A site's ban made with a sweep keeps its site too.
	swept := newBan("b-4", moderation.BanName, "troll", at(4), never)
	swept.Site = "news"
	if _, _, err := s.CreateBanSweep(ctx, swept, sweep("create", nil, moderation.StatusPending, at(4), "ban b-4")); err != nil {
		t.Fatalf("CreateBanSweep: %v", err)
	}
	byID := map[string]moderation.Ban{}
	for _, b := range []moderation.Ban{global, news, shop, swept} {
		byID[b.ID] = storedBan(b)
	}
	for _, tc := range []struct {
		site string
		want []string
	}{
		{"", []string{"b-4", "b-3", "b-2", "b-1"}},
		{"news", []string{"b-4", "b-2", "b-1"}},
		{"shop", []string{"b-3", "b-1"}},
		{"blog", []string{"b-1"}},
	} {
		bs, err := s.ListBans(ctx, at(10), nil, 10, tc.site)
		if err != nil {
			t.Fatalf("ListBans(%q): %v", tc.site, err)
		}
		if got := banIDs(bs); !slices.Equal(got, tc.want) {
			t.Errorf("ListBans(%q) = %v, want %v", tc.site, got, tc.want)
		}
		for _, b := range bs {
			checkBan(t, b, byID[b.ID])
		}
	}
	// Pages of a site's listing.
	bs, err := s.ListBans(ctx, at(10), &moderation.Cursor{Time: at(4), ID: "b-4"}, 1, "news")
	if err != nil || !slices.Equal(banIDs(bs), []string{"b-2"}) {
		t.Errorf("ListBans(news) after b-4 = %v, %v; want b-2", banIDs(bs), err)
	}
	got, err := s.DeleteBan(ctx, "b-2", banAudit("a-del", "ban.delete", "b-2", at(11)))
	if err != nil {
		t.Fatal(err)
	}
	checkBan(t, got, byID["b-2"])
}

// requestBan is newBan made by a CreateBan call with request id req,
// which asked for what hash says.
func requestBan(id, req, hash string, tm time.Time) moderation.Ban {
	b := newBan(id, moderation.BanEmail, "troll@example.com", tm, time.Time{})
	b.RequestID, b.RequestHash = req, hash
	return b
}

// testBanRequestID: a request id stores one ban; a second call with it,
// plain or sweeping, stores nothing, moves nothing and returns the first
// ban (and what it hid), whatever it asks; bans without one never clash.
func testBanRequestID(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	first := requestBan("b-1", "req-1", "hash-1", at(1))
	got, err := s.CreateBan(ctx, first, banAudit("a-1", "ban.create", "b-1", at(1)))
	if err != nil {
		t.Fatal(err)
	}
	checkBan(t, got, storedBan(first))
	v := rulesVersion(t, s)
	// The retry asks for another ban: the store answers with the first,
	// and the domain tells them apart by the hash.
	got, err = s.CreateBan(ctx, requestBan("b-2", "req-1", "hash-2", at(2)), banAudit("a-2", "ban.create", "b-2", at(2)))
	if err != nil {
		t.Fatal(err)
	}
	checkBan(t, got, storedBan(first))
	got, hidden, err := s.CreateBanSweep(ctx, requestBan("b-3", "req-1", "hash-1", at(3)), sweep("retry", nil, moderation.StatusPending, at(3), "ban b-3"))
	if err != nil || len(hidden) != 0 {
		t.Fatalf("sweep retry: %v, hid %q", err, ids(hidden))
	}
	checkBan(t, got, storedBan(first))
	if after := rulesVersion(t, s); after != v {
		t.Errorf("retries moved the rules version %d -> %d", v, after)
	}
	if es := auditEvents(t, s); len(es) != 1 {
		t.Errorf("%d audit events after retries, want the first ban's alone", len(es))
	}

	// A sweep's retry returns the comments the first one hid, as they
	// now are, and moves none again.
	mustCreate(t, s, newComment("c-1", "a", moderation.StatusPublished, at(4)))
	mustCreate(t, s, newComment("c-2", "a", moderation.StatusPublished, at(5)))
	sweeper := requestBan("b-4", "req-2", "hash-4", at(10))
	if _, moved, err := s.CreateBanSweep(ctx, sweeper, sweep("create", []string{"c-1"}, moderation.StatusPending, at(10), "ban b-4")); err != nil || len(moved) != 1 {
		t.Fatalf("sweep: %v, moved %q", err, ids(moved))
	}
	v = rulesVersion(t, s)
	got, hidden, err = s.CreateBanSweep(ctx, requestBan("b-5", "req-2", "hash-4", at(11)), sweep("again", []string{"c-2"}, moderation.StatusSpam, at(11), "ban b-5"))
	if err != nil {
		t.Fatal(err)
	}
	checkBan(t, got, storedBan(sweeper))
	if !slices.Equal(ids(hidden), []string{"c-1"}) || hidden[0].Status != moderation.StatusPending {
		t.Errorf("sweep retry returned %q, want c-1 as the first sweep left it", ids(hidden))
	}
	if c := statusOf(t, s, "c-2"); c.Status != moderation.StatusPublished {
		t.Errorf("the retry moved c-2 to %v", c.Status)
	}
	if after := rulesVersion(t, s); after != v {
		t.Errorf("the sweep's retry moved the rules version %d -> %d", v, after)
	}

	// Bans without a request id do not clash with one another.
	for _, id := range []string{"b-6", "b-7"} {
		if _, err := s.CreateBan(ctx, requestBan(id, "", "", at(20)), banAudit("a-"+id, "ban.create", id, at(20))); err != nil {
			t.Fatalf("CreateBan(%s) without a request id: %v", id, err)
		}
	}
	bs, err := s.ListBans(ctx, at(30), nil, 10, "")
	if got, want := banIDs(bs), []string{"b-7", "b-6", "b-4", "b-1"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("ListBans = %v, %v; want %v", got, err, want)
	}
}

// testBanRequestIDRace: replicas storing bans with one request id at
// once store one, and every call returns it.
func testBanRequestIDRace(t *testing.T, o Opener) {
	s := open(t, o)
	const n = 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	got := make([]string, n)
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("b-%d", i)
			<-start
			b, err := s.CreateBan(t.Context(), requestBan(id, "req-race", "hash", at(i)), banAudit("a-"+id, "ban.create", id, at(i)))
			if err != nil {
				t.Errorf("%s: %v", id, err)
			}
			got[i] = b.ID
		})
	}
	close(start)
	wg.Wait()
	bs, err := s.ListBans(t.Context(), at(100), nil, 100, "")
	if err != nil || len(bs) != 1 {
		t.Fatalf("%d bans stored, %v; want one", len(bs), err)
	}
	for i, id := range got {
		if id != bs[0].ID {
			t.Errorf("call %d returned ban %q, want the one stored, %s", i, id, bs[0].ID)
		}
	}
	if v := rulesVersion(t, s); v != 1 {
		t.Errorf("rules version %d, want 1: one ban stored", v)
	}
}
