package server_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// reasonDetails returns each reason's rule and detail.
func reasonDetails(rs []*pb.Reason) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.GetRule()+": "+r.GetDetail())
	}
	return out
}

// TestSiteScopedWordsAndBans: two sites submit the same text and the same
// author; a BLOCK term and a ban scoped to news file news's comments as
// spam and leave shop's alone, a check on news says the term is news's,
// a site's ban with a look-back hides only news's comments, the audit
// names the site, and listings filter by site.
func TestSiteScopedWordsAndBans(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		conn := startWithCredentialsOn(t, b.open(t), "news:key-news,shop:key-shop", "asha:tok-asha:admin",
			moderation.WithPolicy(sitePolicy(t, "")))
		c, mod := pb.NewCommentServiceClient(conn), pb.NewModerationServiceClient(conn)
		admin := as(t, "tok-asha")
		send := func(key string, req *pb.SubmitCommentRequest) *pb.SubmitCommentResponse {
			t.Helper()
			resp, err := c.SubmitComment(as(t, key), req)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			return resp
		}
		spam, published := pb.CommentStatus_COMMENT_STATUS_SPAM, pb.CommentStatus_COMMENT_STATUS_PUBLISHED

		// Published on both before any ban: the look-back finds them.
		early := map[string]string{}
		for _, key := range []string{"key-news", "key-shop"} {
			req := submission("budget", "An early comment from the troll on "+key)
			req.Author.Email = "troll@example.com"
			early[key] = send(key, req).GetComment().GetId()
		}

		if _, err := mod.UpdateWordList(admin, &pb.UpdateWordListRequest{
			Site: "news", List: pb.WordList_WORD_LIST_BLOCK, Add: []string{"golden ticket"},
		}); err != nil {
			t.Fatal(err)
		}
		body := "Buy a golden ticket tonight and win"
		if r := send("key-news", submission("a", body)); r.GetStatus() != spam ||
			!slices.Contains(reasonDetails(r.GetReasons()), `wordlist_block: BLOCK term "golden ticket" (word list of site news) in the body`) {
			t.Errorf("news: %v %q, want SPAM by news's term", r.GetStatus(), reasonDetails(r.GetReasons()))
		}
		if r := send("key-shop", submission("a", body)); r.GetStatus() != published {
			t.Errorf("shop: %v %q, want PUBLISHED: news's term is not shop's", r.GetStatus(), reasonDetails(r.GetReasons()))
		}

		// A check on news names the site's list and the site's policy.
		chk := submission("a", body)
		chk.ValidateOnly = true
		r := send("key-news", chk)
		if r.GetPolicy().GetSite() != "news" || !strings.Contains(strings.Join(reasonDetails(r.GetReasons()), "\n"), "word list of site news") {
			t.Errorf("news check: policy %v, reasons %q", r.GetPolicy(), reasonDetails(r.GetReasons()))
		}

		// A ban of news alone, with a look-back: it hides news's comment.
		ban, err := mod.CreateBan(admin, &pb.CreateBanRequest{
			Ban:      &pb.Ban{Target: &pb.Ban_Email{Email: "troll@example.com"}, Site: "news", Reason: "abuse"},
			HidePast: durationpb.New(time.Hour),
		})
		if err != nil {
			t.Fatal(err)
		}
		if ban.GetBan().GetSite() != "news" || !slices.Equal(ban.GetHiddenCommentIds(), []string{early["key-news"]}) {
			t.Errorf("ban: site %q, hid %v; want news and only news's comment %s", ban.GetBan().GetSite(), ban.GetHiddenCommentIds(), early["key-news"])
		}
		shopEarly, err := mod.GetCommentDetail(admin, &pb.GetCommentDetailRequest{Id: early["key-shop"]})
		if err != nil || shopEarly.GetComment().GetComment().GetStatus() != published {
			t.Errorf("shop's early comment after news's ban: %v, %v; want PUBLISHED", shopEarly.GetComment().GetComment().GetStatus(), err)
		}
		troll := func() *pb.SubmitCommentRequest {
			req := submission("b", "Another comment from the troll")
			req.Author.Email = "troll@example.com"
			return req
		}
		news := send("key-news", troll())
		if news.GetStatus() != spam || !slices.Equal(rules(news.GetReasons()), []string{"ban"}) {
			t.Errorf("news, banned author: %v %v, want SPAM by the generic ban reason", news.GetStatus(), rules(news.GetReasons()))
		}
		if r := send("key-shop", troll()); r.GetStatus() != published {
			t.Errorf("shop, same author: %v %v, want PUBLISHED", r.GetStatus(), rules(r.GetReasons()))
		}
		// Moderators read which site's ban it was.
		d, err := mod.GetCommentDetail(admin, &pb.GetCommentDetailRequest{Id: news.GetComment().GetId()})
		if err != nil || !slices.Contains(reasonDetails(d.GetComment().GetReasons()), "ban_email: the author's email is banned on site news: abuse") {
			t.Errorf("news's banned comment for moderators: %q, %v", reasonDetails(d.GetComment().GetReasons()), err)
		}

		// The audit names the site.
		ev, err := mod.ListAuditEvents(admin, &pb.ListAuditEventsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var details []string
		for _, e := range ev.GetEvents() {
			if strings.HasPrefix(e.GetAction(), "wordlist.") || e.GetAction() == "ban.create" {
				details = append(details, e.GetAction()+": "+e.GetDetail())
			}
		}
		for _, want := range []string{
			"wordlist.update: site news; added: golden ticket",
			"ban.create: email troll@example.com on site news; hid 1 published comments of the past 1h0m0s as PENDING",
		} {
			if !slices.Contains(details, want) {
				t.Errorf("audit %q lacks %q", details, want)
			}
		}

		// Listings: every site's, or what is in force on one.
		if _, err := mod.CreateBan(admin, &pb.CreateBanRequest{Ban: &pb.Ban{Target: &pb.Ban_Ip{Ip: "192.0.2.9"}}}); err != nil {
			t.Fatal(err)
		}
		for site, want := range map[string]int{"": 2, "news": 2, "shop": 1} {
			l, err := mod.ListBans(admin, &pb.ListBansRequest{Site: site})
			if err != nil || len(l.GetBans()) != want {
				t.Errorf("ListBans(%q): %d bans, %v; want %d", site, len(l.GetBans()), err, want)
			}
		}
		lists, err := mod.ListWordLists(admin, &pb.ListWordListsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range lists.GetLists() {
			got = append(got, l.GetSite()+"/"+l.GetList().String()+":"+strings.Join(l.GetTerms(), ","))
		}
		want := []string{"/WORD_LIST_BLOCK:", "/WORD_LIST_HOLD:", "/WORD_LIST_ALLOW:", "/WORD_LIST_SHADOW:", "news/WORD_LIST_BLOCK:golden ticket"}
		if !slices.Equal(got, want) {
			t.Errorf("ListWordLists = %q, want %q", got, want)
		}
		if lists, err = mod.ListWordLists(admin, &pb.ListWordListsRequest{Site: "shop"}); err != nil || len(lists.GetLists()) != 8 || len(lists.GetLists()[4].GetTerms()) != 0 {
			t.Errorf("ListWordLists(shop) = %v, %v; want the global lists and shop's four, empty", lists, err)
		}
	})
}

// TestSiteScopeRefusesBadSites: a site id is checked as the policy
// file's sites: ids are, with a field violation naming the field.
func TestSiteScopeRefusesBadSites(t *testing.T) {
	c := start(t, sqliteStore(t))
	bad := strings.Repeat("s", 129)
	for name, call := range map[string]func() error{
		"ban.site": func() error {
			_, err := c.mod.CreateBan(ctxT(t), &pb.CreateBanRequest{Ban: &pb.Ban{Target: &pb.Ban_Ip{Ip: "192.0.2.1"}, Site: bad}})
			return err
		},
		"site": func() error {
			_, err := c.mod.UpdateWordList(ctxT(t), &pb.UpdateWordListRequest{List: pb.WordList_WORD_LIST_BLOCK, Add: []string{"x"}, Site: "news\u202e"})
			return err
		},
	} {
		err := call()
		if status.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: %v, want INVALID_ARGUMENT", name, err)
			continue
		}
		var fields []string
		for _, d := range status.Convert(err).Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, v := range br.GetFieldViolations() {
					fields = append(fields, v.GetField())
				}
			}
		}
		if !slices.Equal(fields, []string{name}) {
			t.Errorf("%s: violations on %q, want %s", name, fields, name)
		}
	}
	for _, call := range []func() error{
		func() error {
			_, err := c.mod.ListBans(ctxT(t), &pb.ListBansRequest{Site: "a\x00b"})
			return err
		},
		func() error {
			_, err := c.mod.ListWordLists(ctxT(t), &pb.ListWordListsRequest{Site: bad})
			return err
		},
		func() error { // no site key is named so: a typo
			_, err := c.mod.UpdateWordList(ctxT(t), &pb.UpdateWordListRequest{List: pb.WordList_WORD_LIST_BLOCK, Add: []string{"x"}, Site: "news "})
			return err
		},
	} {
		if err := call(); status.Code(err) != codes.InvalidArgument {
			t.Errorf("a listing of a bad site: %v, want INVALID_ARGUMENT", err)
		}
	}
}

// TestCreateBanRequestID: a retry of CreateBan with its request id, on
// the same replica or another, returns the first ban (and what it hid)
// and stores nothing; the same request id with another ban is refused;
// replicas racing with one request id store one ban.
func TestCreateBanRequestID(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		one, two := start(t, b.open(t)), start(t, b.open(t)) // two replicas of one store
		req := func(email, id string) *pb.CreateBanRequest {
			return &pb.CreateBanRequest{Ban: &pb.Ban{Target: &pb.Ban_Email{Email: email}, Reason: "spam run"}, RequestId: id}
		}
		first, err := one.mod.CreateBan(ctxT(t), req("a@example.com", "6f1c2a9e-3b7d-4e58-9a41-0c2d8e7f1b23"))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []*client{one, two} {
			again, err := c.mod.CreateBan(ctxT(t), req("a@example.com", "6f1c2a9e-3b7d-4e58-9a41-0c2d8e7f1b23"))
			if err != nil || again.GetBan().GetId() != first.GetBan().GetId() {
				t.Errorf("retry: ban %q, %v; want the first, %s", again.GetBan().GetId(), err, first.GetBan().GetId())
			}
		}
		_, err = two.mod.CreateBan(ctxT(t), req("b@example.com", "6f1c2a9e-3b7d-4e58-9a41-0c2d8e7f1b23"))
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), "request_id") {
			t.Errorf("a request id reused for another ban: %v, want INVALID_ARGUMENT on request_id", err)
		}
		_, err = one.mod.CreateBan(ctxT(t), req("c@example.com", "not an id"))
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), "request_id") {
			t.Errorf("a request id with spaces: %v, want INVALID_ARGUMENT on request_id", err)
		}

		// A ban that hides: its retry answers with what the first hid,
		// and hides nothing more.
		sub := submission("a", "A comment from the troll")
		sub.Author.Email = "troll@example.com"
		c := submit(t, one, sub)
		if c.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
			t.Fatalf("the troll's comment: %v", c.GetStatus())
		}
		hide := req("troll@example.com", "req-hide")
		hide.HidePast = durationpb.New(time.Hour)
		h1, err := one.mod.CreateBan(ctxT(t), hide)
		if err != nil || !slices.Equal(h1.GetHiddenCommentIds(), []string{c.GetComment().GetId()}) {
			t.Fatalf("ban with a look-back: %v, %v", h1.GetHiddenCommentIds(), err)
		}
		h2, err := two.mod.CreateBan(ctxT(t), hide)
		if err != nil || h2.GetBan().GetId() != h1.GetBan().GetId() || !slices.Equal(h2.GetHiddenCommentIds(), h1.GetHiddenCommentIds()) {
			t.Errorf("retry of the ban with a look-back: %q %v, %v; want %q %v", h2.GetBan().GetId(), h2.GetHiddenCommentIds(), err,
				h1.GetBan().GetId(), h1.GetHiddenCommentIds())
		}
		ev, err := one.mod.ListAuditEvents(ctxT(t), &pb.ListAuditEventsRequest{Target: c.GetComment().GetId()})
		if err != nil || len(ev.GetEvents()) != 1 {
			t.Errorf("the hidden comment's audit: %d events, %v; want one ban.hide", len(ev.GetEvents()), err)
		}

		// Racing replicas: one ban.
		var wg sync.WaitGroup
		ids := make([]string, 8)
		for i := range ids {
			wg.Go(func() {
				r, err := []*client{one, two}[i%2].mod.CreateBan(ctxT(t), req("race@example.com", "req-race"))
				if err != nil {
					t.Errorf("racing ban %d: %v", i, err)
				}
				ids[i] = r.GetBan().GetId()
			})
		}
		wg.Wait()
		if u := slices.Compact(slices.Sorted(slices.Values(ids))); len(u) != 1 || u[0] == "" {
			t.Errorf("racing retries returned bans %q, want one", ids)
		}
		list, err := one.mod.ListBans(ctxT(t), &pb.ListBansRequest{})
		if err != nil || len(list.GetBans()) != 3 {
			t.Errorf("ListBans: %d bans, %v; want 3 (a@, troll@, race@)", len(list.GetBans()), err)
		}
	})
}
