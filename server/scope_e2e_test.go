package server_test

import (
	"slices"
	"strings"
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
