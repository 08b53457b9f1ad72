package moderation

import (
	"slices"
	"testing"
	"time"
)

// TestSiteSnapshots: each site decides with its own merged policy and
// with the global terms and bans plus its own, never another site's.
func TestSiteSnapshots(t *testing.T) {
	p := DefaultPolicy()
	p.Rules.StarterRules = false
	news := p
	news.DefaultStatus = StatusPending
	p.Sites = map[string]SitePolicy{"news": {Policy: news, Overrides: []string{"default_status"}}}
	words := []WordTerm{{List: ListBlock, Term: "casino"}, {List: ListBlock, Term: "lottery", Site: "news"}, {List: ListHold, Term: "raffle", Site: "shop"}}
	bans := []Ban{{Kind: BanEmail, Value: EmailKey("x@example.com"), Site: "shop"}}
	snap, err := compileSnapshot(p, words, bans, nil, 7)
	if err != nil {
		t.Fatal(err)
	}
	if got := snap.forSite("blog"); got != snap {
		t.Error("a site without a policy or lists of its own did not get the global snapshot")
	}
	if n, s := snap.forSite("news"), snap.forSite("shop"); n.site != "news" || n.policy.DefaultStatus != StatusPending ||
		s.site != "shop" || s.policy.DefaultStatus != StatusPublished || n.listsVersion != 7 {
		t.Errorf("news %q %v, shop %q %v", n.site, n.policy.DefaultStatus, s.site, s.policy.DefaultStatus)
	}
	for _, c := range []struct {
		site, body, email string
		want              []string
	}{
		{"blog", "casino lottery raffle", "r@example.com", []string{"wordlist_block"}},
		{"news", "casino lottery raffle", "r@example.com", []string{"wordlist_block", "wordlist_block"}},
		{"shop", "casino lottery raffle", "r@example.com", []string{"wordlist_block", "wordlist_hold"}},
		{"shop", "hello", "x@example.com", []string{"ban_email"}},
		{"news", "hello", "x@example.com", nil},
	} {
		rs := snap.forSite(c.site).rules
		sub := Submission{Site: c.site, Body: c.body, Author: Author{Name: "R", Email: c.email}}
		k := rs.keys(sub)
		reasons := rs.bans.match(sub, k[fieldIndex("name")].String(), time.Now())
		reasons = append(reasons, rs.evaluate(sub, &k)...)
		if got := ruleIDs(reasons); !slices.Equal(got, c.want) {
			t.Errorf("%s %q by %s: %v, want %v", c.site, c.body, c.email, got, c.want)
		}
	}
}
