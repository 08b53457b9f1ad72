package server_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/config"
	"github.com/commentd/commentd/internal/testredis"
	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
	"github.com/commentd/commentd/ratelimit"
)

// sitePolicy is testPolicy with a sites: block from a policy file.
func sitePolicy(t *testing.T, yaml string) moderation.Policy {
	t.Helper()
	p, err := config.Parse([]byte("rules:\n  first_time_hold: false\nrate_limits:\n  timeout: 5s\n" + yaml))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSitesDecideWithTheirOwnPolicy submits the same comments on two
// sites whose keys the server knows: the news site's overrides decide its
// comments, the other site keeps the global policy, and a check says
// which applied.
func TestSitesDecideWithTheirOwnPolicy(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		p := sitePolicy(t, `
sites:
  news:
    default_status: pending
    rules:
      links: {hold: 1}
    rate_limits:
      client_ip: {burst: 1, every: 1h}
`)
		// The Redis limiter: a site's limits travel in the one call.
		rc, prefix := testredis.Shared(t)
		conn := startWithCredentialsOn(t, b.open(t), "news:key-news,shop:key-shop", "",
			moderation.WithPolicy(p), moderation.WithLimiter(ratelimit.NewRedis(rc, prefix)))
		c := pb.NewCommentServiceClient(conn)
		send := func(key string, req *pb.SubmitCommentRequest) (*pb.SubmitCommentResponse, error) {
			return c.SubmitComment(as(t, key), req)
		}

		// One link: held on news (links.hold 1), published on shop.
		body := "Read the minister's statement at https://pib.gov.in/release before you judge"
		news, err := send("key-news", submission("a1", body))
		if err != nil {
			t.Fatal(err)
		}
		if news.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING || !slices.Contains(rules(news.GetReasons()), "links") {
			t.Errorf("news: %v %v, want PENDING by links", news.GetStatus(), rules(news.GetReasons()))
		}
		shop, err := send("key-shop", submission("a1", body))
		if err != nil {
			t.Fatal(err)
		}
		if shop.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED || len(shop.GetReasons()) != 0 {
			t.Errorf("shop: %v %v, want PUBLISHED by the global policy", shop.GetStatus(), rules(shop.GetReasons()))
		}
		// A plain comment: news holds every comment (default_status).
		news, err = send("key-news", submission("a2", "A plain comment about the budget"))
		if err != nil {
			t.Fatal(err)
		}
		if news.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING || !slices.Contains(rules(news.GetReasons()), "default_status") {
			t.Errorf("news plain: %v %v, want PENDING by default_status", news.GetStatus(), rules(news.GetReasons()))
		}
		if news.GetPolicy() != nil {
			t.Errorf("a stored submission says its policy: %v", news.GetPolicy())
		}

		// news's client_ip limit is 1: the same IP twice is refused there,
		// in the one limiter call, and not on shop.
		r1, r2 := submission("a3", "first from this address"), submission("a3", "second from this address")
		r2.Client.Ip = r1.Client.Ip
		if _, err := send("key-news", r1); err != nil {
			t.Fatal(err)
		}
		if _, err := send("key-news", r2); status.Code(err) != codes.ResourceExhausted {
			t.Errorf("news, second from one IP: %v, want RESOURCE_EXHAUSTED", err)
		}
		s1, s2 := submission("a3", "first from this address"), submission("a3", "second from this address")
		s2.Client.Ip = s1.Client.Ip
		for _, r := range []*pb.SubmitCommentRequest{s1, s2} {
			if _, err := send("key-shop", r); err != nil {
				t.Errorf("shop, two from one IP: %v", err)
			}
		}

		// A check says whose policy decided.
		chk := submission("a4", "checking")
		chk.ValidateOnly = true
		got, err := send("key-news", chk)
		if err != nil {
			t.Fatal(err)
		}
		if pol := got.GetPolicy(); pol.GetSite() != "news" ||
			!slices.Equal(pol.GetOverrides(), []string{"default_status", "rate_limits.client_ip", "rules.links"}) {
			t.Errorf("news check policy = %v", pol)
		}
		chk = submission("a4", "checking")
		chk.ValidateOnly = true
		if got, err = send("key-shop", chk); err != nil || got.GetPolicy() == nil || got.GetPolicy().GetSite() != "" {
			t.Errorf("shop check policy = %v, %v; want the global one", got.GetPolicy(), err)
		}
		// A site key checks only against its own site.
		chk.Site = "news"
		if _, err := send("key-shop", chk); status.Code(err) != codes.PermissionDenied {
			t.Errorf("shop checking as news: %v, want PERMISSION_DENIED", err)
		}
		chk.Site, chk.ValidateOnly = "shop", false
		if _, err := send("key-shop", chk); err != nil {
			t.Errorf("naming its own site: %v", err)
		}
	})
}

// TestCheckNamesASiteWithoutCredentials: a server without credentials
// lets its caller check against any site, and a reload of the policy
// changes that site's decisions.
func TestCheckNamesASiteWithoutCredentials(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t), moderation.WithPolicy(sitePolicy(t, "sites:\n  news:\n    default_status: pending\n")))
		check := func(site string) *pb.SubmitCommentResponse {
			req := submission("a", "A plain comment")
			req.ValidateOnly, req.Site = true, site
			return submit(t, c, req)
		}
		if r := check("news"); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING || r.GetPolicy().GetSite() != "news" {
			t.Errorf("news: %v, policy %v", r.GetStatus(), r.GetPolicy())
		}
		if r := check(""); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED || r.GetPolicy().GetSite() != "" {
			t.Errorf("default site: %v, policy %v", r.GetStatus(), r.GetPolicy())
		}
		req := submission("a", "stored on another site")
		req.Site = "news"
		if _, err := c.SubmitComment(ctxT(t), req); status.Code(err) != codes.InvalidArgument {
			t.Errorf("a stored comment naming a site: %v, want INVALID_ARGUMENT", err)
		}
		// The reload turns news's override the other way.
		if err := c.svc.SetPolicy(sitePolicy(t, "default_status: pending\nsites:\n  news:\n    default_status: published\n")); err != nil {
			t.Fatal(err)
		}
		if r := check("news"); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
			t.Errorf("news after the reload: %v %v", r.GetStatus(), rules(r.GetReasons()))
		}
		if r := check(""); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING {
			t.Errorf("default site after the reload: %v", r.GetStatus())
		}
	})
}
