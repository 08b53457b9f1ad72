package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
)

// wordUpdate is a moderator's change of one word list at time tm.
func wordUpdate(list moderation.WordList, add, remove []string, actor, auditID string, tm time.Time) moderation.WordListUpdate {
	return moderation.WordListUpdate{
		List: list, Add: add, Remove: remove, Actor: actor, Time: tm,
		Audit: moderation.AuditEvent{
			ID: auditID, Time: tm, Actor: actor, Action: "wordlist.update",
			Target: "wordlist/" + list.String(), Note: "नोट " + auditID,
		},
	}
}

func rulesVersion(t *testing.T, s Store) int64 {
	t.Helper()
	v, err := s.RulesVersion(t.Context())
	if err != nil {
		t.Fatalf("RulesVersion: %v", err)
	}
	return v
}

// auditEvents returns every audit event by id.
func auditEvents(t *testing.T, s Store) map[string]moderation.AuditEvent {
	t.Helper()
	es, err := s.ListAuditEvents(t.Context(), moderation.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatalf("ListAuditEvents: %v", err)
	}
	m := make(map[string]moderation.AuditEvent, len(es))
	for _, e := range es {
		m[e.ID] = e
	}
	return m
}

func sortTerms(ts []moderation.WordTerm) {
	slices.SortFunc(ts, func(a, b moderation.WordTerm) int {
		return cmp.Or(cmp.Compare(a.List, b.List), strings.Compare(a.Term, b.Term))
	})
}

// checkTerms compares term lists in order: every field, times as equal
// instants in UTC.
func checkTerms(t *testing.T, what string, got, want []moderation.WordTerm) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d terms %q, want %d %q", what, len(got), termNames(got), len(want), termNames(want))
		return
	}
	for i := range got {
		g, w := got[i], want[i]
		if !g.CreateTime.Equal(w.CreateTime) || g.CreateTime.Location() != time.UTC {
			t.Errorf("%s: term %q: CreateTime %v, want %v in UTC", what, w.Term, g.CreateTime, w.CreateTime.UTC())
		}
		g.CreateTime, w.CreateTime = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("%s: term %d = %+q, want %+q", what, i, g, w)
		}
	}
}

func termNames(ts []moderation.WordTerm) []string {
	out := make([]string, len(ts))
	for i, w := range ts {
		out[i] = w.List.String() + ":" + w.Term
	}
	return out
}

func testWordLists(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	if ts, err := s.WordTerms(ctx); err != nil || len(ts) != 0 {
		t.Fatalf("WordTerms of a new store: %q, %v; want none", termNames(ts), err)
	}

	// model is what the lists must hold.
	model := map[moderation.WordList]map[string]moderation.WordTerm{}
	listOf := func(l moderation.WordList) []moderation.WordTerm {
		out := []moderation.WordTerm{}
		for _, w := range model[l] {
			out = append(out, w)
		}
		sortTerms(out)
		return out
	}
	changes := 0
	// step applies u, which changes the list when changed; wantDetail is
	// what the result says it did and did not do, and the audit detail.
	step := func(u moderation.WordListUpdate, wantDetail string, changed bool) {
		t.Helper()
		before := rulesVersion(t, s)
		res, err := s.UpdateWordList(ctx, u)
		got := res.Terms
		if err != nil {
			t.Fatalf("UpdateWordList(%s +%q -%q): %v", u.List, u.Add, u.Remove, err)
		}
		if model[u.List] == nil {
			model[u.List] = map[string]moderation.WordTerm{}
		}
		for _, term := range u.Add {
			if _, ok := model[u.List][term]; !ok {
				model[u.List][term] = moderation.WordTerm{List: u.List, Term: term, CreateTime: u.Time, CreatedBy: u.Actor}
			}
		}
		for _, term := range u.Remove {
			delete(model[u.List], term)
		}
		checkTerms(t, "UpdateWordList "+u.Audit.ID, got, listOf(u.List))

		if d := res.Detail(u.Site); d != wantDetail {
			t.Errorf("%s: the result says %q, want %q", u.Audit.ID, d, wantDetail)
		}
		after := rulesVersion(t, s)
		e, logged := auditEvents(t, s)[u.Audit.ID]
		if !changed {
			if after != before {
				t.Errorf("%s changed nothing, but the rules version went %d -> %d", u.Audit.ID, before, after)
			}
			if logged {
				t.Errorf("%s changed nothing, but was audited: %+q", u.Audit.ID, e)
			}
			return
		}
		changes++
		if after != before+1 {
			t.Errorf("%s: rules version %d -> %d, want +1", u.Audit.ID, before, after)
		}
		if !logged {
			t.Errorf("%s: no audit event", u.Audit.ID)
			return
		}
		w := u.Audit
		w.Detail = wantDetail
		checkEvent(t, e, w)
	}

	block, hold, allow := moderation.ListBlock, moderation.ListHold, moderation.ListAllow
	// Terms are exact bytes: case, a term given twice, and the same
	// letters composed and decomposed are the moderator's business.
	step(wordUpdate(block, []string{"viagra", "कैसीनो", "free money", "viagra", "Viagra"}, nil, "mod-asha", "w-1", at(1).In(ist)),
		"added: viagra, कैसीनो, free money, Viagra", true)
	// Present terms stay as they were added; removing an absent term is
	// no change either, and the result says which were which.
	step(wordUpdate(block, []string{"viagra", "कैसीनो"}, []string{"absent", "VIAGRA", "absent"}, "mod-ravi", "w-2", at(2)),
		"already there: viagra, कैसीनो; not there: absent, VIAGRA", false)
	// The lists are independent: a term may be on two at once.
	step(wordUpdate(hold, []string{"viagra", "क्ष्\u200dत्र", "\u00e9t\u00e9", "e\u0301te\u0301"}, []string{"free money"}, "मॉडरेटर", "w-3", at(3)),
		"added: viagra, क्ष्\u200dत्र, \u00e9t\u00e9, e\u0301te\u0301; not there: free money", true)
	step(wordUpdate(block, []string{"casino", "viagra"}, []string{"viagra", "absent"}, "mod-asha", "w-4", at(4)),
		"added: casino; already there: viagra; removed: viagra; not there: absent", true)
	step(wordUpdate(block, nil, []string{"free money", "free money"}, "mod-ravi", "w-5", at(5)),
		"removed: free money", true)
	step(wordUpdate(allow, nil, nil, "mod-ravi", "w-6", at(6)), "", false)
	step(wordUpdate(allow, []string{"नमस्ते दुनिया", " spaced  phrase "}, nil, "mod-asha", "w-7", at(7).Add(time.Microsecond)),
		"added: नमस्ते दुनिया,  spaced  phrase ", true)
	step(wordUpdate(hold, []string{"e\u0301te\u0301"}, []string{"\u00e9t\u00e9"}, "mod-asha", "w-8", at(8)),
		"already there: e\u0301te\u0301; removed: \u00e9t\u00e9", true)

	// Not a list: refused, and nothing changes.
	before := rulesVersion(t, s)
	if _, err := s.UpdateWordList(ctx, wordUpdate(moderation.ListUnspecified, []string{"x"}, nil, "mod-asha", "w-bad", at(9))); err == nil {
		t.Error("UpdateWordList of ListUnspecified succeeded")
	}
	if v := rulesVersion(t, s); v != before {
		t.Errorf("a refused update moved the rules version %d -> %d", before, v)
	}

	want := slices.Concat(listOf(block), listOf(hold), listOf(allow))
	got, err := s.WordTerms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkTerms(t, "WordTerms", got, want)
	if v := rulesVersion(t, s); v != int64(changes) {
		t.Errorf("rules version %d after %d changes from 0", v, changes)
	}
	if n := len(auditEvents(t, s)); n != changes {
		t.Errorf("%d audit events, want one per change: %d", n, changes)
	}
}

// testWordListsConcurrent: moderators changing lists at once lose none of
// their changes, and each change bumps the version once.
func testWordListsConcurrent(t *testing.T, o Opener) {
	s := open(t, o)
	const n = 20
	before := rulesVersion(t, s)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			u := wordUpdate(moderation.ListBlock, []string{fmt.Sprintf("term-%02d", i)}, nil,
				fmt.Sprintf("mod-%02d", i), fmt.Sprintf("w-%02d", i), at(i))
			<-start
			res, err := s.UpdateWordList(t.Context(), u)
			if err != nil {
				t.Errorf("moderator %d: %v", i, err)
				return
			}
			if !slices.ContainsFunc(res.Terms, func(w moderation.WordTerm) bool { return w.Term == u.Add[0] }) {
				t.Errorf("moderator %d: %q missing from the list returned", i, u.Add[0])
			}
		})
	}
	close(start)
	wg.Wait()

	got, err := s.WordTerms(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("BLOCK:term-%02d", i))
	}
	if !slices.Equal(termNames(got), want) {
		t.Errorf("WordTerms = %q, want %q", termNames(got), want)
	}
	if v := rulesVersion(t, s); v != before+n {
		t.Errorf("rules version %d -> %d, want +%d", before, v, n)
	}
	if es := auditEvents(t, s); len(es) != n {
		t.Errorf("%d audit events, want %d", len(es), n)
	}
}

func newBan(id string, kind moderation.BanKind, value string, created, expires time.Time) moderation.Ban {
	return moderation.Ban{
		ID: id, Kind: kind, Value: value, Display: value, ExpireTime: expires,
		Reason: "spam run " + id, CreateTime: created, CreatedBy: "mod-asha",
	}
}

func banAudit(id, action, banID string, tm time.Time) moderation.AuditEvent {
	return moderation.AuditEvent{
		ID: id, Time: tm, Actor: "mod-asha", Action: action, Target: "ban/" + banID,
		Note: "नोट", Detail: "detail of " + id,
	}
}

// storedBan returns b as a store must return it: times in UTC.
func storedBan(b moderation.Ban) moderation.Ban {
	b.CreateTime = b.CreateTime.UTC()
	if !b.ExpireTime.IsZero() {
		b.ExpireTime = b.ExpireTime.UTC()
	}
	return b
}

func checkBan(t *testing.T, got, want moderation.Ban) {
	t.Helper()
	if !got.CreateTime.Equal(want.CreateTime) || got.CreateTime.Location() != time.UTC {
		t.Errorf("ban %s: CreateTime %v, want %v in UTC", want.ID, got.CreateTime, want.CreateTime.UTC())
	}
	if !got.ExpireTime.Equal(want.ExpireTime) || got.ExpireTime.IsZero() != want.ExpireTime.IsZero() ||
		(!got.ExpireTime.IsZero() && got.ExpireTime.Location() != time.UTC) {
		t.Errorf("ban %s: ExpireTime %v, want %v in UTC", want.ID, got.ExpireTime, want.ExpireTime.UTC())
	}
	got.CreateTime, want.CreateTime = time.Time{}, time.Time{}
	got.ExpireTime, want.ExpireTime = time.Time{}, time.Time{}
	if got != want {
		t.Errorf("ban:\n got %+q\nwant %+q", got, want)
	}
}

func banIDs(bs []moderation.Ban) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.ID
	}
	return out
}

func testBans(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	now := at(1000)
	never := time.Time{}
	name := newBan("b-4", moderation.BanName, "प्रिया", at(3), now.Add(time.Microsecond))
	name.Display, name.Reason, name.CreatedBy = "प्रिया शर्मा", "बार-बार स्पैम", "मॉडरेटर"
	all := []moderation.Ban{
		newBan("b-1", moderation.BanEmail, "spammer@example.com", at(1).In(ist), never),
		newBan("b-2", moderation.BanIP, "203.0.113.7", at(2), at(999)),   // expired
		newBan("b-3", moderation.BanCIDR, "198.51.100.0/24", at(2), now), // expires at now: no longer in force
		name,
		newBan("b-5", moderation.BanEmail, "other@example.com", at(3), at(2000).In(ist)),
		newBan("b-0", moderation.BanIP, "2001:db8::1", at(4), never), // the newest, whatever its id
	}
	if v := rulesVersion(t, s); v != 0 {
		t.Errorf("rules version of a new store = %d, want 0", v)
	}
	for i, b := range all {
		if _, err := s.CreateBan(ctx, b, banAudit(fmt.Sprintf("a-%d", i), "ban.create", b.ID, b.CreateTime)); err != nil {
			t.Fatalf("CreateBan(%s): %v", b.ID, err)
		}
		if v := rulesVersion(t, s); v != int64(i+1) {
			t.Errorf("rules version %d after %d bans, want %d", v, i+1, i+1)
		}
	}
	events := auditEvents(t, s)
	for i, b := range all {
		id := fmt.Sprintf("a-%d", i)
		w := banAudit(id, "ban.create", b.ID, b.CreateTime)
		w.Time = w.Time.UTC()
		checkEvent(t, events[id], w)
	}

	// A taken id: refused, with no version bump and no audit event.
	dup := newBan("b-1", moderation.BanIP, "192.0.2.1", at(5), never)
	if _, err := s.CreateBan(ctx, dup, banAudit("a-dup", "ban.create", "b-1", at(5))); err == nil {
		t.Error("CreateBan with a taken id succeeded")
	} else if errors.Is(err, moderation.ErrNotFound) || errors.Is(err, moderation.ErrUnavailable) {
		t.Errorf("duplicate ban id error %v wraps a sentinel it should not", err)
	}
	if v := rulesVersion(t, s); v != int64(len(all)) {
		t.Errorf("a refused ban moved the rules version to %d", v)
	}
	if _, ok := auditEvents(t, s)["a-dup"]; ok {
		t.Error("a refused ban was audited")
	}

	byID := map[string]moderation.Ban{}
	for _, b := range all {
		byID[b.ID] = storedBan(b)
	}
	list := func(now time.Time, after *moderation.Cursor, limit int) []moderation.Ban {
		t.Helper()
		bs, err := s.ListBans(ctx, now, after, limit, "")
		if err != nil {
			t.Fatalf("ListBans: %v", err)
		}
		for _, b := range bs {
			checkBan(t, b, byID[b.ID])
		}
		return bs
	}
	// Newest first by (create_time, id): b-5 and b-4 share a time.
	inForce := []string{"b-0", "b-5", "b-4", "b-1"}
	if got := banIDs(list(now, nil, 100)); !slices.Equal(got, inForce) {
		t.Errorf("ListBans at now = %v, want %v", got, inForce)
	}
	if got := banIDs(list(now.In(ist), nil, 100)); !slices.Equal(got, inForce) {
		t.Errorf("ListBans at now in IST = %v, want %v", got, inForce)
	}
	if got, want := banIDs(list(at(500), nil, 100)), []string{"b-0", "b-5", "b-4", "b-3", "b-2", "b-1"}; !slices.Equal(got, want) {
		t.Errorf("ListBans earlier = %v, want %v", got, want)
	}
	if got, want := banIDs(list(at(5000), nil, 100)), []string{"b-0", "b-1"}; !slices.Equal(got, want) {
		t.Errorf("ListBans much later = %v, want %v", got, want)
	}
	if got, want := banIDs(list(now, &moderation.Cursor{Time: at(3), ID: "b-5"}, 100)), []string{"b-4", "b-1"}; !slices.Equal(got, want) {
		t.Errorf("ListBans after (at 3, b-5) = %v, want %v", got, want)
	}
	for _, size := range []int{1, 2, 3, 4} {
		var got []string
		var after *moderation.Cursor
		for page := 0; ; page++ {
			if page > len(all) {
				t.Fatalf("size %d: no end after %d pages", size, page)
			}
			bs := list(now, after, size)
			if len(bs) > size {
				t.Fatalf("size %d: page of %d", size, len(bs))
			}
			got = append(got, banIDs(bs)...)
			if len(bs) < size {
				break
			}
			last := bs[len(bs)-1]
			after = &moderation.Cursor{Time: last.CreateTime, ID: last.ID}
		}
		if !slices.Equal(got, inForce) {
			t.Errorf("pages of %d gave %v, want %v", size, got, inForce)
		}
	}
	if _, err := s.ListBans(ctx, now, nil, 0, ""); err == nil {
		t.Error("ListBans with limit 0 succeeded")
	}

	// Deleting returns the ban as it was, bumps the version and audits.
	v := rulesVersion(t, s)
	got, err := s.DeleteBan(ctx, "b-5", banAudit("a-del", "ban.delete", "b-5", at(1001)))
	if err != nil {
		t.Fatalf("DeleteBan: %v", err)
	}
	checkBan(t, got, byID["b-5"])
	if after := rulesVersion(t, s); after != v+1 {
		t.Errorf("DeleteBan: rules version %d -> %d, want +1", v, after)
	}
	w := banAudit("a-del", "ban.delete", "b-5", at(1001))
	checkEvent(t, auditEvents(t, s)["a-del"], w)
	if got, want := banIDs(list(now, nil, 100)), []string{"b-0", "b-4", "b-1"}; !slices.Equal(got, want) {
		t.Errorf("ListBans after deleting b-5 = %v, want %v", got, want)
	}
	// An expired ban can be deleted too.
	if got, err := s.DeleteBan(ctx, "b-2", banAudit("a-del-2", "ban.delete", "b-2", at(1002))); err != nil || got.ID != "b-2" {
		t.Errorf("DeleteBan of an expired ban: %q, %v", got.ID, err)
	}

	// Deleting a missing ban: ErrNotFound, no bump, no audit.
	v = rulesVersion(t, s)
	_, err = s.DeleteBan(ctx, "b-5", banAudit("a-del-again", "ban.delete", "b-5", at(1003)))
	checkNotFound(t, "DeleteBan of a deleted ban", err)
	_, err = s.DeleteBan(ctx, "missing", banAudit("a-del-missing", "ban.delete", "missing", at(1003)))
	checkNotFound(t, "DeleteBan of a missing ban", err)
	if after := rulesVersion(t, s); after != v {
		t.Errorf("deleting missing bans moved the rules version %d -> %d", v, after)
	}
	events = auditEvents(t, s)
	for _, id := range []string{"a-del-again", "a-del-missing"} {
		if _, ok := events[id]; ok {
			t.Errorf("%s: deleting a missing ban was audited", id)
		}
	}
}
