package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
	"github.com/commentd/commentd/ratelimit"
)

func rules(rs []*pb.Reason) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.GetRule())
	}
	return out
}

func updateWords(t *testing.T, c *client, list pb.WordList, add ...string) {
	t.Helper()
	if _, err := c.mod.UpdateWordList(ctxT(t), &pb.UpdateWordListRequest{List: list, Add: add}); err != nil {
		t.Fatalf("UpdateWordList: %v", err)
	}
}

func TestBlockedWordIsSpamWithItsReason(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		updateWords(t, c, pb.WordList_WORD_LIST_BLOCK, "casino")
		for _, body := range []string{"Play at саsinо tonight", "ｃａｓｉｎｏ bonus", "best c\u200Basino", "visit c.a.s.i.n.o now"} {
			r := submit(t, c, submission("words", body))
			if r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_SPAM || !slices.Contains(rules(r.GetReasons()), "wordlist_block") {
				t.Errorf("%q: %v %v, want SPAM by wordlist_block", body, r.GetStatus(), rules(r.GetReasons()))
				continue
			}
			sp := r.GetReasons()[0].GetSpan()
			if sp.GetField() != "body" || body[sp.GetStart():sp.GetEnd()] != sp.GetText() || sp.GetText() == "" {
				t.Errorf("%q: span %v does not point at the matched text", body, sp)
			}
		}
		if r := submit(t, c, submission("words", "The casinos of Goa were closed")); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
			t.Errorf("a longer word: %v %v, want PUBLISHED", r.GetStatus(), rules(r.GetReasons()))
		}
		// A blocked comment is stored for moderators, not shown to readers.
		q, err := c.mod.ListQueue(ctxT(t), &pb.ListQueueRequest{Status: pb.CommentStatus_COMMENT_STATUS_SPAM})
		if err != nil || len(q.GetComments()) != 4 || len(q.GetComments()[0].GetReasons()) == 0 {
			t.Errorf("spam queue: %d comments, %v", len(q.GetComments()), err)
		}
		lists, err := c.mod.ListWordLists(ctxT(t), &pb.ListWordListsRequest{})
		if err != nil || len(lists.GetLists()) != 4 || !slices.Equal(lists.GetLists()[0].GetTerms(), []string{"casino"}) {
			t.Errorf("ListWordLists = %v, %v", lists, err)
		}
	})
}

func TestHindiCommentsArePublishedUntouched(t *testing.T) {
	c := start(t, sqliteStore(t))
	updateWords(t, c, pb.WordList_WORD_LIST_HOLD, "मत")
	body := "संसद के बजट सत्र में वित्त मंत्री ने किसानों के लिए नई योजनाओं की घोषणा की। मतदान अगले सप्ताह होगा, और विपक्ष ने क्‍षेत्रीय असमानता पर सवाल उठाए।"
	r := submit(t, c, submission("budget", body))
	if r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED || len(r.GetReasons()) != 0 || r.GetComment().GetBody() != body {
		t.Fatalf("Hindi news comment: %v %v; want PUBLISHED, no reasons, body byte for byte", r.GetStatus(), r.GetReasons())
	}
	r = submit(t, c, submission("budget", "आप किसे मत देंगे?"))
	if r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING || !slices.Contains(rules(r.GetReasons()), "wordlist_hold") {
		t.Errorf("the whole word मत: %v %v, want PENDING", r.GetStatus(), rules(r.GetReasons()))
	}
}

func TestTwoLinksAreHeld(t *testing.T) {
	c := start(t, sqliteStore(t))
	r := submit(t, c, submission("links", "Read https://one.example/a and also hxxp://two[.]example/b for more"))
	if r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING || !slices.Contains(rules(r.GetReasons()), "links") {
		t.Fatalf("two links: %v %v, want PENDING with reason links", r.GetStatus(), rules(r.GetReasons()))
	}
	if r := submit(t, c, submission("links", "One source is enough: https://pib.gov.in/release")); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
		t.Errorf("one link: %v %v, want PUBLISHED", r.GetStatus(), rules(r.GetReasons()))
	}
}

// The same text from three authors is a campaign, filed as spam; from one
// author on three articles it is held for a moderator.
func TestSameTextOnThreeArticlesIsACampaign(t *testing.T) {
	for name, newLimiter := range limiters(t) {
		if name == "cluster" {
			continue // the limiter's own suite covers distinct counts on a cluster
		}
		for _, tc := range []struct {
			by     string
			author *pb.Author // nil: a new author each time
			third  pb.CommentStatus
			action pb.RuleAction
		}{
			{"three authors", nil, pb.CommentStatus_COMMENT_STATUS_SPAM, pb.RuleAction_RULE_ACTION_SPAM},
			{"one author", &pb.Author{Name: "Ravi", Email: "ravi@example.com"}, pb.CommentStatus_COMMENT_STATUS_PENDING, pb.RuleAction_RULE_ACTION_HOLD},
		} {
			t.Run(name+"/"+tc.by, func(t *testing.T) {
				c := start(t, sqliteStore(t), moderation.WithLimiter(newLimiter(t)))
				text := "Earn lakhs every month with this simple trick, my cousin did it last week"
				for i, article := range []string{"a1", "a2", "a3"} {
					req := submission(article, text)
					if tc.author != nil {
						req.Author = tc.author
					}
					r := submit(t, c, req)
					want := pb.CommentStatus_COMMENT_STATUS_PUBLISHED
					if i == 2 {
						want = tc.third
					}
					if r.GetStatus() != want {
						t.Fatalf("copy %d: %v %v, want %v", i+1, r.GetStatus(), rules(r.GetReasons()), want)
					}
					if i < 2 {
						continue
					}
					i := slices.IndexFunc(r.GetReasons(), func(r *pb.Reason) bool { return r.GetRule() == "campaign" })
					if i < 0 || r.GetReasons()[i].GetAction() != tc.action {
						t.Errorf("third copy's reasons %v, want campaign with %v", r.GetReasons(), tc.action)
					}
				}
			})
		}
	}
}

func TestSameAuthorSameTextIsAlreadyExists(t *testing.T) {
	c := start(t, sqliteStore(t))
	req := submission("dup", "I said this already")
	first := submit(t, c, req).GetComment().GetId()
	again := submission("dup", "i said   THIS already!")
	again.Author = req.GetAuthor()
	_, err := c.SubmitComment(ctxT(t), again)
	st, _ := status.FromError(err)
	if st.Code() != codes.AlreadyExists {
		t.Fatalf("duplicate: %v, want ALREADY_EXISTS", err)
	}
	var named string
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.ResourceInfo); ok {
			named = ri.GetResourceName()
		}
	}
	if named != first {
		t.Errorf("ALREADY_EXISTS names %q, want the existing comment %q", named, first)
	}
	other := submission("dup-other-article", "I said this already")
	other.Author = req.GetAuthor()
	submit(t, c, other)
}

func TestFirstTimeCommentersAreHeldUntilApproved(t *testing.T) {
	policy := testPolicy()
	policy.Rules.FirstTimeHold = true
	c := start(t, sqliteStore(t), moderation.WithPolicy(policy))
	req := submission("first", "My first comment here")
	r := submit(t, c, req)
	if r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING || !slices.Contains(rules(r.GetReasons()), "first_time_commenter") {
		t.Fatalf("first comment: %v %v", r.GetStatus(), rules(r.GetReasons()))
	}
	if _, err := c.mod.ModerateComments(ctxT(t), &pb.ModerateCommentsRequest{Ids: []string{r.GetComment().GetId()}, Action: pb.ModerationAction_MODERATION_ACTION_APPROVE}); err != nil {
		t.Fatal(err)
	}
	second := submission("first", "And my second one")
	second.Author = req.GetAuthor()
	if r := submit(t, c, second); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
		t.Errorf("after approval: %v %v, want PUBLISHED", r.GetStatus(), rules(r.GetReasons()))
	}
	// Knowing the email is not enough to pass as the author.
	impostor := submission("first", "Trust me, I am them")
	impostor.Author.Email = req.GetAuthor().GetEmail()
	if r := submit(t, c, impostor); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING {
		t.Errorf("same email, other name: %v, want PENDING", r.GetStatus())
	}
}

func TestBansFileAsSpamUntilLifted(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		req := submission("bans", "hello again")
		ban, err := c.mod.CreateBan(ctxT(t), &pb.CreateBanRequest{Ban: &pb.Ban{
			Target: &pb.Ban_Email{Email: strings.ToUpper(req.GetAuthor().GetEmail())}, Reason: "repeat spammer",
			ExpireTime: timestamppb.New(time.Now().Add(time.Hour)),
		}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.mod.CreateBan(ctxT(t), &pb.CreateBanRequest{Ban: &pb.Ban{Target: &pb.Ban_Cidr{Cidr: "192.0.2.0/24"}}}); err != nil {
			t.Fatal(err)
		}
		r := submit(t, c, req)
		if r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_SPAM || !slices.Equal(rules(r.GetReasons()), []string{"ban"}) {
			t.Errorf("banned email: %v %v", r.GetStatus(), rules(r.GetReasons()))
		}
		// The site learns that a ban matched, not which one nor the
		// moderator's reason; the moderator sees both.
		if got := r.GetReasons()[0].GetDetail(); got != "the comment matches a moderator's ban" {
			t.Errorf("the site's ban detail = %q", got)
		}
		d, err := c.mod.GetCommentDetail(ctxT(t), &pb.GetCommentDetailRequest{Id: r.GetComment().GetId()})
		if err != nil {
			t.Fatal(err)
		}
		if rs := d.GetComment().GetReasons(); len(rs) != 1 || rs[0].GetRule() != "ban_email" || !strings.Contains(rs[0].GetDetail(), "repeat spammer") {
			t.Errorf("the moderator's reasons = %v, want ban_email with the ban's reason", rs)
		}
		fromNet := submission("bans", "from a banned network")
		fromNet.Client.Ip = "192.0.2.200"
		if r := submit(t, c, fromNet); !slices.Equal(rules(r.GetReasons()), []string{"ban"}) {
			t.Errorf("banned network: %v", rules(r.GetReasons()))
		}
		// Both the email and the network banned: still one generic reason.
		both := submission("bans", "hello from both")
		both.Author, both.Client.Ip = req.GetAuthor(), "192.0.2.201"
		if r := submit(t, c, both); !slices.Equal(rules(r.GetReasons()), []string{"ban"}) {
			t.Errorf("banned email and network: %v", rules(r.GetReasons()))
		}
		list, err := c.mod.ListBans(ctxT(t), &pb.ListBansRequest{})
		if err != nil || len(list.GetBans()) != 2 {
			t.Fatalf("ListBans = %v, %v", list, err)
		}
		if _, err := c.mod.DeleteBan(ctxT(t), &pb.DeleteBanRequest{Id: ban.GetBan().GetId()}); err != nil {
			t.Fatal(err)
		}
		again := submission("bans", "hello once more")
		again.Author = req.GetAuthor()
		if r := submit(t, c, again); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
			t.Errorf("after the ban was lifted: %v %v", r.GetStatus(), rules(r.GetReasons()))
		}
		if _, err := c.mod.DeleteBan(ctxT(t), &pb.DeleteBanRequest{Id: ban.GetBan().GetId()}); status.Code(err) != codes.NotFound {
			t.Errorf("deleting twice: %v, want NOT_FOUND", err)
		}
		_, err = c.mod.CreateBan(ctxT(t), &pb.CreateBanRequest{Ban: &pb.Ban{Target: &pb.Ban_Cidr{Cidr: "0.0.0.0/0"}}})
		if got := violations(t, err); !slices.Equal(got, []string{"ban.cidr"}) {
			t.Errorf("banning the internet: %v", got)
		}
	})
}

// TestWordListChangeReachesAnotherReplica runs two services on one store,
// as two commentd processes would: a BLOCK word added through one changes
// the other's next decision within 2 seconds.
func TestWordListChangeReachesAnotherReplica(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := start(t, b.open(t), moderation.WithLimiter(ratelimit.NewMemory()))
		other := start(t, b.open(t), moderation.WithLimiter(ratelimit.NewMemory()), moderation.WithRulesPoll(time.Second))

		if r := submit(t, other, submission("replicas", "try the jackpotwala app")); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
			t.Fatalf("before: %v", r.GetStatus())
		}
		updateWords(t, a, pb.WordList_WORD_LIST_BLOCK, "jackpotwala")
		changed := time.Now()
		for {
			r := submit(t, other, submission("replicas", "try the jackpotwala app"))
			if r.GetStatus() == pb.CommentStatus_COMMENT_STATUS_SPAM {
				break
			}
			if time.Since(changed) > 2*time.Second {
				t.Fatalf("the other replica still publishes 2s after the change")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// TestRetentionErasesClientData ages comments past the retention: their IP
// and user agent are erased, everything else stays, and a ban on that IP
// still files the reader's next comment as spam.
func TestRetentionErasesClientData(t *testing.T) {
	var clock struct {
		sync.Mutex
		now time.Time
	}
	clock.now = time.Now()
	now := func() time.Time { clock.Lock(); defer clock.Unlock(); return clock.now }
	c := start(t, sqliteStore(t), moderation.WithClock(now))
	req := submission("retention", "a comment from last month")
	req.Client.Ip, req.Client.UserAgent = "198.51.100.77", "Mozilla/5.0 (old)"
	id := submit(t, c, req).GetComment().GetId()
	if _, err := c.mod.CreateBan(ctxT(t), &pb.CreateBanRequest{Ban: &pb.Ban{Target: &pb.Ban_Ip{Ip: "198.51.100.77"}}}); err != nil {
		t.Fatal(err)
	}

	clock.Lock()
	clock.now = clock.now.Add(moderation.DefaultClientDataRetention + time.Hour)
	clock.Unlock()
	n, err := c.svc.EraseExpiredClientData(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("EraseExpiredClientData = %d, %v; want 1", n, err)
	}
	d, err := c.mod.GetCommentDetail(ctxT(t), &pb.GetCommentDetailRequest{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	if cl := d.GetComment().GetClient(); cl.GetIp() != "" || cl.GetUserAgent() != "" || d.GetComment().GetAuthorEmail() == "" ||
		d.GetComment().GetComment().GetBody() != req.GetBody() {
		t.Errorf("after the retention: %v; want the IP and user agent gone and the comment kept", d.GetComment())
	}
	again := submission("retention", "back again")
	again.Client.Ip = "198.51.100.77"
	if r := submit(t, c, again); !slices.Equal(rules(r.GetReasons()), []string{"ban"}) {
		t.Errorf("the IP ban after erasure: %v, want ban", rules(r.GetReasons()))
	}
}

// TestAuthorExportAndErasure answers a data subject's requests: export
// lists every comment of theirs in every status; erasure leaves tombstones,
// audited without the email, and is harmless twice.
func TestAuthorExportAndErasure(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		var ids []string
		for i := 0; i < 3; i++ {
			r := submission("gdpr", fmt.Sprintf("my comment %d", i))
			r.Author.Email, r.Author.Name = "Priya@Example.in", "प्रिया शर्मा"
			ids = append(ids, submit(t, c, r).GetComment().GetId())
		}
		if _, err := c.mod.ModerateComments(ctxT(t), &pb.ModerateCommentsRequest{Ids: ids[:1], Action: pb.ModerationAction_MODERATION_ACTION_REJECT}); err != nil {
			t.Fatal(err)
		}
		submit(t, c, submission("gdpr", "someone else"))

		var exported []string
		token := ""
		for {
			page, err := c.mod.ExportAuthorData(ctxT(t), &pb.ExportAuthorDataRequest{AuthorEmail: "priya@example.IN", PageSize: 2, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range page.GetComments() {
				exported = append(exported, d.GetComment().GetId())
			}
			if token = page.GetNextPageToken(); token == "" {
				break
			}
		}
		if !slices.Equal(exported, ids) {
			t.Errorf("export = %v, want %v (every status, oldest first)", exported, ids)
		}

		r, err := c.mod.EraseAuthorData(ctxT(t), &pb.EraseAuthorDataRequest{AuthorEmail: "PRIYA@example.in", Note: "request #42"})
		if err != nil || r.GetErasedCount() != 3 {
			t.Fatalf("EraseAuthorData = %v, %v; want 3", r, err)
		}
		for _, id := range ids {
			d, err := c.mod.GetCommentDetail(ctxT(t), &pb.GetCommentDetailRequest{Id: id})
			if err != nil {
				t.Fatal(err)
			}
			if cm := d.GetComment(); cm.GetComment().GetBody() != "" || cm.GetComment().GetAuthorName() != "" || cm.GetAuthorEmail() != "" ||
				cm.GetComment().GetStatus() != pb.CommentStatus_COMMENT_STATUS_DELETED {
				t.Errorf("after erasure: %v", cm)
			}
		}
		if got := listAll(t, c, "gdpr", 0); len(got) != 1 || got[0].GetBody() != "someone else" {
			t.Errorf("public listing after erasure: %v", got)
		}
		ev, err := c.mod.ListAuditEvents(ctxT(t), &pb.ListAuditEventsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range ev.GetEvents() {
			if strings.Contains(strings.ToLower(e.String()), "priya@example") {
				t.Errorf("audit event %v holds the erased email", e)
			}
			actions = append(actions, e.GetAction())
		}
		if !slices.Contains(actions, "author.erase") || !slices.Contains(actions, "author.export") {
			t.Errorf("audit actions %v lack the export and the erasure", actions)
		}
		if r, err := c.mod.EraseAuthorData(ctxT(t), &pb.EraseAuthorDataRequest{AuthorEmail: "priya@example.in"}); err != nil || r.GetErasedCount() != 0 {
			t.Errorf("erasing again = %v, %v; want 0", r, err)
		}
		_, err = c.mod.EraseAuthorData(ctxT(t), &pb.EraseAuthorDataRequest{AuthorEmail: "not an email"})
		if got := violations(t, err); !slices.Equal(got, []string{"author_email"}) {
			t.Errorf("bad email: %v", got)
		}
	})
}
