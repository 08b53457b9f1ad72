package moderation_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
)

// TestBanHidePast: a ban's look-back hides the published comments it
// would have filed as spam within the window, by IP, range and name as by
// email, and nothing else.
func TestBanHidePast(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	svc := newService(t, clk.Option(), moderation.WithPolicy(policy(returning)))

	byIP := submission("Posted from the banned address.")
	byIP.Client.IP = "192.0.2.77"
	old := submission("Posted from the banned address, long ago.")
	old.Client.IP = "192.0.2.77"
	byName := submission("Signed with the banned name.")
	byName.Author.Name = "Rocky Balboa"
	other := submission("Nothing to do with it.")

	oldC := mustSubmit(t, svc, old, moderation.StatusPublished)
	clk.Advance(48 * time.Hour)
	ipC := mustSubmit(t, svc, byIP, moderation.StatusPublished)
	nameC := mustSubmit(t, svc, byName, moderation.StatusPublished)
	mustSubmit(t, svc, other, moderation.StatusPublished)
	clk.Advance(time.Hour)

	for _, tc := range []struct {
		name string
		r    moderation.BanRequest
		want []string
	}{
		{"cidr", moderation.BanRequest{Kind: moderation.BanCIDR, Target: "192.0.2.0/24", HidePast: 24 * time.Hour, HideAs: moderation.StatusSpam}, []string{ipC.ID}},
		{"name", moderation.BanRequest{Kind: moderation.BanName, Target: "ROCKY  balboa", HidePast: 24 * time.Hour}, []string{nameC.ID}},
		{"ip, wider window", moderation.BanRequest{Kind: moderation.BanIP, Target: "192.0.2.77", HidePast: 72 * time.Hour}, []string{oldC.ID}},
	} {
		tc.r.Actor = "asha"
		res, err := svc.CreateBan(ctx, tc.r)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []string
		for _, c := range res.Moved {
			got = append(got, c.ID)
			want := tc.r.HideAs
			if want == moderation.StatusUnspecified {
				want = moderation.StatusPending
			}
			if c.Status != want {
				t.Errorf("%s: %s is %v, want %v", tc.name, c.ID, c.Status, want)
			}
		}
		// The earlier bans already hid their comments: each finds only
		// what is still published.
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: hid %q, want %q", tc.name, got, tc.want)
		}
	}
	if n, _ := svc.CountPublished(ctx, "news", []string{"2026/12/budget"}); n["2026/12/budget"] != 1 {
		t.Errorf("published after the bans: %v, want only the unrelated comment", n)
	}
}

func TestBanHidePastBounds(t *testing.T) {
	ctx := context.Background()
	svc := newService(t)
	for _, tc := range []struct {
		r    moderation.BanRequest
		want moderation.FieldViolation
	}{
		{moderation.BanRequest{Kind: moderation.BanIP, Target: "192.0.2.1", HidePast: 31 * 24 * time.Hour},
			violation("hide_past", "must be between 0 and 720h0m0s (30 days)")},
		{moderation.BanRequest{Kind: moderation.BanIP, Target: "192.0.2.1", HidePast: -time.Hour},
			violation("hide_past", "must be between 0 and 720h0m0s (30 days)")},
		{moderation.BanRequest{Kind: moderation.BanIP, Target: "192.0.2.1", HidePast: time.Hour, HideAs: moderation.StatusRejected},
			violation("hide_as", "must be PENDING or SPAM")},
	} {
		_, err := svc.CreateBan(ctx, tc.r)
		wantError(t, err, moderation.CodeInvalid, tc.want)
	}
	_, err := svc.CreateBan(ctx, moderation.BanRequest{Kind: moderation.BanIP, Target: "192.0.2.1", HideAs: moderation.StatusSpam})
	wantError(t, err, moderation.CodeInvalid, violation("hide_as", "needs hide_past: how far back to hide the reader's comments"))
	if bans, _, _ := svc.ListBans(ctx, moderation.Page{}, ""); len(bans) != 0 {
		t.Errorf("refused bans were stored: %+v", bans)
	}
}
