package server_test

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// The inputs of these tests came from testing commentd as an attacker
// would. Each must get the same answer from both stores: where PostgreSQL
// once answered INTERNAL ("timestamp out of range", "invalid byte
// sequence") and SQLite stored the value, both now refuse it in the domain.

// forgeToken re-signs a real page token with another position: tokens are
// opaque but not secret, so a client can build one.
func forgeToken(t *testing.T, real string, micros int64) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(real)
	if err != nil || len(b) < 10 {
		t.Fatalf("token %q: %v", real, err)
	}
	_, n := binary.Varint(b[9:])
	out := append(append([]byte{}, b[:9]...), binary.AppendVarint(nil, micros)...)
	out = append(out, b[9+n:]...)
	return base64.RawURLEncoding.EncodeToString(out)
}

func TestForgedPagePositionsAreInvalidOnEveryStore(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		for i := 0; i < 2; i++ {
			submit(t, c, submission("tokens", "a comment to page through"))
			if _, err := c.mod.CreateBan(ctxT(t), &pb.CreateBanRequest{Ban: &pb.Ban{Target: &pb.Ban_Ip{Ip: "192.0.2." + string(rune('1'+i))}}}); err != nil {
				t.Fatal(err)
			}
		}
		comments, err := c.ListComments(ctxT(t), &pb.ListCommentsRequest{ArticleId: "tokens", PageSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		events, err := c.mod.ListAuditEvents(ctxT(t), &pb.ListAuditEventsRequest{PageSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		bans, err := c.mod.ListBans(ctxT(t), &pb.ListBansRequest{PageSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, micros := range []int64{-1 << 62, math.MinInt64, math.MaxInt64, 1 << 62} {
			_, err := c.ListComments(ctxT(t), &pb.ListCommentsRequest{ArticleId: "tokens", PageToken: forgeToken(t, comments.GetNextPageToken(), micros)})
			if got := violations(t, err); !slices.Equal(got, []string{"page_token"}) {
				t.Errorf("ListComments at %d: %v", micros, got)
			}
			_, err = c.mod.ListAuditEvents(ctxT(t), &pb.ListAuditEventsRequest{PageToken: forgeToken(t, events.GetNextPageToken(), micros)})
			if got := violations(t, err); !slices.Equal(got, []string{"page_token"}) {
				t.Errorf("ListAuditEvents at %d: %v", micros, got)
			}
			_, err = c.mod.ListBans(ctxT(t), &pb.ListBansRequest{PageToken: forgeToken(t, bans.GetNextPageToken(), micros)})
			if got := violations(t, err); !slices.Equal(got, []string{"page_token"}) {
				t.Errorf("ListBans at %d: %v", micros, got)
			}
		}
	})
}

func TestNULInModeratorTextIsInvalidOnEveryStore(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		held := submission("nul", "hold me")
		updateWords(t, c, pb.WordList_WORD_LIST_HOLD, "hold me")
		id := submit(t, c, held).GetComment().GetId()

		_, err := c.mod.ModerateComments(ctxT(t), &pb.ModerateCommentsRequest{Ids: []string{id}, Action: pb.ModerationAction_MODERATION_ACTION_APPROVE, Note: "ok\x00"})
		if got := violations(t, err); !slices.Equal(got, []string{"note"}) {
			t.Errorf("ModerateComments note: %v", got)
		}
		// Nothing of the batch was applied.
		d, err := c.mod.GetCommentDetail(ctxT(t), &pb.GetCommentDetailRequest{Id: id})
		if err != nil || d.GetComment().GetComment().GetStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING {
			t.Errorf("after a refused batch: %v, %v; want the comment still pending", d, err)
		}
		_, err = c.mod.CreateBan(ctxT(t), &pb.CreateBanRequest{Ban: &pb.Ban{Target: &pb.Ban_Ip{Ip: "192.0.2.9"}, Reason: "spam\x00"}})
		if got := violations(t, err); !slices.Equal(got, []string{"ban.reason"}) {
			t.Errorf("CreateBan reason: %v", got)
		}
		_, err = c.mod.UpdateWordList(ctxT(t), &pb.UpdateWordListRequest{List: pb.WordList_WORD_LIST_BLOCK, Add: []string{"cas\x00ino"}})
		if got := violations(t, err); !slices.Equal(got, []string{"add[0]"}) {
			t.Errorf("UpdateWordList term: %v", got)
		}
		_, err = c.mod.ListAuditEvents(ctxT(t), &pb.ListAuditEventsRequest{Actor: "local\x00"})
		if got := violations(t, err); !slices.Equal(got, []string{"actor"}) {
			t.Errorf("ListAuditEvents actor: %v", got)
		}
		bans, err := c.mod.ListBans(ctxT(t), &pb.ListBansRequest{})
		if err != nil || len(bans.GetBans()) != 0 {
			t.Errorf("ListBans after refused bans: %v, %v", bans, err)
		}
	})
}

func TestBanTimesAndMappedRanges(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		for _, ts := range []*timestamppb.Timestamp{
			{Seconds: 1 << 62},
			{Seconds: 253402300800}, // year 10000
			{Seconds: 100, Nanos: -1},
		} {
			_, err := c.mod.CreateBan(ctxT(t), &pb.CreateBanRequest{Ban: &pb.Ban{Target: &pb.Ban_Ip{Ip: "192.0.2.10"}, ExpireTime: ts}})
			if got := violations(t, err); !slices.Equal(got, []string{"ban.expire_time"}) {
				t.Errorf("expire_time %v: %v", ts, got)
			}
		}
		// The last moment of the range is a valid expiry, listed as given.
		last := timestamppb.New(time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC))
		if _, err := c.mod.CreateBan(ctxT(t), &pb.CreateBanRequest{Ban: &pb.Ban{Target: &pb.Ban_Ip{Ip: "192.0.2.11"}, ExpireTime: last}}); err != nil {
			t.Fatal(err)
		}
		list, err := c.mod.ListBans(ctxT(t), &pb.ListBansRequest{})
		if err != nil || len(list.GetBans()) != 1 || !list.GetBans()[0].GetExpireTime().AsTime().Equal(last.AsTime()) {
			t.Fatalf("ListBans = %v, %v; want the ban until 9999", list, err)
		}

		// An IPv4-mapped range bans the IPv4 addresses it stands for.
		if _, err := c.mod.CreateBan(ctxT(t), &pb.CreateBanRequest{Ban: &pb.Ban{Target: &pb.Ban_Cidr{Cidr: "::ffff:203.0.113.0/120"}}}); err != nil {
			t.Fatal(err)
		}
		r := submission("mapped", "from inside the mapped range")
		r.Client.Ip = "203.0.113.77"
		if got := rules(submit(t, c, r).GetReasons()); !slices.Equal(got, []string{"ban"}) {
			t.Errorf("address in a mapped ban: %v, want ban", got)
		}
		for _, cidr := range []string{"::ffff:0:0/96", "::ffff:0:0/95", "::ffff:10.0.0.0/100"} {
			_, err := c.mod.CreateBan(ctxT(t), &pb.CreateBanRequest{Ban: &pb.Ban{Target: &pb.Ban_Cidr{Cidr: cidr}}})
			if got := violations(t, err); !slices.Equal(got, []string{"ban.cidr"}) {
				t.Errorf("cidr %s: %v", cidr, got)
			}
		}
	})
}

func TestSubmissionsAsAnAttackerSendsThem(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))

		// Mojibake: a body of replacement characters is a comment like any
		// other, answered and stored, not INTERNAL.
		moji := submission("hostile", strings.Repeat("\uFFFD", 6))
		for _, validateOnly := range []bool{true, false} {
			moji.ValidateOnly = validateOnly
			resp, err := c.SubmitComment(ctxT(t), moji)
			if err != nil {
				t.Fatalf("U+FFFD body (validate_only %v): %v", validateOnly, err)
			}
			if !slices.Contains(rules(resp.GetReasons()), "repeated_chars") {
				t.Errorf("U+FFFD body: %v, want repeated_chars", rules(resp.GetReasons()))
			}
		}

		// The name is stored as validated: without the white space around it.
		padded := submission("hostile", "a padded name")
		padded.Author.Name = strings.Repeat("\n", 20000) + "Asha" + strings.Repeat(" ", 10000)
		if got := submit(t, c, padded).GetComment().GetAuthorName(); got != "Asha" {
			t.Errorf("stored name %q, want Asha", got)
		}
		notice := submission("hostile", "an admin notice")
		notice.Author.Name = "\n\r\tAdmin notice\n\n\u0085"
		if got := submit(t, c, notice).GetComment().GetAuthorName(); got != "Admin notice" {
			t.Errorf("stored name %q, want %q", got, "Admin notice")
		}

		// Names and bodies that show nothing.
		for _, name := range []string{"\u3164", "\u115F", "\u3164 \u115F"} {
			r := submission("hostile", "an invisible author")
			r.Author.Name = name
			_, err := c.SubmitComment(ctxT(t), r)
			if got := violations(t, err); !slices.Equal(got, []string{"author.name"}) {
				t.Errorf("name %+q: %v", name, got)
			}
		}
		for _, body := range []string{"\u3164", "\u2800\u2800", "\u0301\u0301", "\u180B", "\x7F", "\x1b", " \u200B\n"} {
			_, err := c.SubmitComment(ctxT(t), submission("hostile", body))
			if got := violations(t, err); !slices.Equal(got, []string{"body"}) {
				t.Errorf("body %+q: %v", body, got)
			}
		}

		// A form sent in no time at all is the instant bot too_fast exists for.
		instant := submission("hostile", "sent the moment the page loaded")
		instant.FormDuration = durationpb.New(0)
		if got := rules(submit(t, c, instant).GetReasons()); !slices.Contains(got, "too_fast") {
			t.Errorf("form_duration 0s: %v, want too_fast", got)
		}
		untimed := submission("hostile", "from a site that does not time its form")
		if got := rules(submit(t, c, untimed).GetReasons()); slices.Contains(got, "too_fast") {
			t.Errorf("no form_duration: %v, want no too_fast", got)
		}

		// Quoted local parts are valid addresses; bidi overrides in
		// machine text are not.
		quoted := submission("hostile", "from a quoted local part")
		quoted.Author.Email = `"asha sharma"@example.in`
		submit(t, c, quoted)
		bidi := submission("hostile", "with a reversed url")
		bidi.Author.Url = "https://example.com/\u202Egpj.exe"
		bidi.Client.UserAgent = "Mozilla/5.0 \u202E"
		_, err := c.SubmitComment(ctxT(t), bidi)
		if got := violations(t, err); !slices.Equal(got, []string{"author.url", "client.user_agent"}) {
			t.Errorf("bidi overrides: %v", got)
		}
		if st, _ := status.FromError(err); st.Code() == codes.Internal {
			t.Errorf("INTERNAL for bad input: %v", err)
		}
	})
}
