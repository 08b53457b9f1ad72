package storetest

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
)

const site = "news.example"

// base is the suite's epoch: microsecond precision, which every store
// must keep.
var base = time.Date(2025, time.March, 14, 9, 26, 53, 123456000, time.UTC)

// at returns base plus i seconds.
func at(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }

// ist is India's time zone; times given in it must come back in UTC.
var ist = time.FixedZone("IST", 5*3600+1800)

// The text that must survive byte for byte: Devanagari with a virama
// conjunct, ZWJ (U+200D) and ZWNJ (U+200C), an emoji ZWJ sequence, an ESC
// control byte, and a tab and line breaks.
const (
	hindiName = "प्रिया शर्मा"
	hindiBody = "बहुत अच्छा लेख! क्ष्\u200dत्र और क्\u200cष — " +
		"family: 👩\u200d👩\u200d👧 🇮🇳\n" +
		"escape: \x1b[31mred\x1b[0m\ttab\r\nend"
)

// newComment returns a plain comment; only its id, article, status and
// time vary.
func newComment(id, article string, status moderation.Status, t time.Time) moderation.Comment {
	return moderation.Comment{
		ID:            id,
		Site:          site,
		ArticleID:     article,
		Author:        moderation.Author{Name: "Reader " + id, Email: id + "@example.com"},
		Body:          "comment " + id,
		Status:        status,
		InitialStatus: status,
		CreateTime:    t,
		UpdateTime:    t,
	}
}

// fullComment returns a comment with every field set.
func fullComment(id string) moderation.Comment {
	return moderation.Comment{
		ID:        id,
		Site:      site,
		ArticleID: "politics/2025/03/budget-बजट",
		ParentID:  "parent-" + id,
		Author: moderation.Author{
			Name:   hindiName,
			Email:  "Priya.Sharma@Example.IN",
			URL:    "https://example.in/~priya?x=1&y=२",
			UserID: "user:प्रिया/42",
		},
		Body: hindiBody,
		Client: moderation.Client{
			IP:        "2001:db8::1",
			UserAgent: "Mozilla/5.0 (Linux; Android 14) क्रोम",
			Referrer:  "https://news.example/politics?utm=हिंदी",
		},
		Status: moderation.StatusPending,
		Reasons: []moderation.Reason{
			{Rule: "links", Action: moderation.RuleHold, Detail: "2 links", Score: 0.5,
				Span: &moderation.Span{Field: "body", Start: 3, End: 17, Text: "क्ष्\u200dत्र"}},
			{Rule: "caps", Action: moderation.RuleScore, Score: 1.0 / 3},
		},
		Score:           2.718281828459045,
		RequestID:       "req-" + id,
		RequestHash:     []byte{0, 1, 2, 0xfe, 0xff, 0},
		InitialStatus:   moderation.StatusPending,
		AuthorKey:       "ak:" + id + ":प्रिया",
		BodyFingerprint: "fp:9f86d081884c7d65:" + id,
		ImportKey:       "wxr:42:" + id,
		CreateTime:      time.Date(2025, time.March, 14, 14, 56, 53, 654321000, ist),
		UpdateTime:      time.Date(2025, time.March, 14, 14, 57, 0, 1000, ist),
		ModeratedBy:     "मॉडरेटर",
		ModerationNote:  "note \x1b with ESC",
	}
}

// stored returns c as a store must return it: times in UTC, no reasons
// and no request hash as nil.
func stored(c moderation.Comment) moderation.Comment {
	c.CreateTime = c.CreateTime.UTC()
	c.UpdateTime = c.UpdateTime.UTC()
	if len(c.Reasons) == 0 {
		c.Reasons = nil
	}
	if len(c.RequestHash) == 0 {
		c.RequestHash = nil
	}
	return c
}

func mustCreate(t *testing.T, s Store, c moderation.Comment) moderation.Comment {
	t.Helper()
	got, conflict, err := s.CreateComment(t.Context(), c)
	if err != nil {
		t.Fatalf("CreateComment(%s): %v", c.ID, err)
	}
	if conflict != moderation.NoConflict {
		t.Fatalf("CreateComment(%s): conflict %v with %s, want none", c.ID, conflict, got.ID)
	}
	return got
}

// checkComment reports every field in which got differs from want. Times
// must be equal instants in UTC.
func checkComment(t *testing.T, got, want moderation.Comment) {
	t.Helper()
	for _, d := range diffComment(got, want) {
		t.Errorf("comment %s: %s", want.ID, d)
	}
}

func diffComment(got, want moderation.Comment) []string {
	var diffs []string
	field := func(name string, g, w any) {
		if !reflect.DeepEqual(g, w) {
			diffs = append(diffs, fmt.Sprintf("%s = %#v, want %#v", name, g, w))
		}
	}
	timeField := func(name string, g, w time.Time) {
		if !g.Equal(w) || g.Location() != time.UTC {
			diffs = append(diffs, fmt.Sprintf("%s = %s (%v), want %s in UTC",
				name, g.Format(time.RFC3339Nano), g.Location(), w.UTC().Format(time.RFC3339Nano)))
		}
	}
	field("ID", got.ID, want.ID)
	field("Site", got.Site, want.Site)
	field("ArticleID", got.ArticleID, want.ArticleID)
	field("ParentID", got.ParentID, want.ParentID)
	field("Author", got.Author, want.Author)
	field("Body", got.Body, want.Body)
	field("Client", got.Client, want.Client)
	field("Status", got.Status, want.Status)
	field("InitialStatus", got.InitialStatus, want.InitialStatus)
	field("Reasons", got.Reasons, want.Reasons)
	if got.Score != want.Score {
		diffs = append(diffs, fmt.Sprintf("Score = %v, want %v", got.Score, want.Score))
	}
	field("RequestID", got.RequestID, want.RequestID)
	field("AuthorKey", got.AuthorKey, want.AuthorKey)
	field("BodyFingerprint", got.BodyFingerprint, want.BodyFingerprint)
	field("ImportKey", got.ImportKey, want.ImportKey)
	if !bytes.Equal(got.RequestHash, want.RequestHash) || (got.RequestHash == nil) != (want.RequestHash == nil) {
		diffs = append(diffs, fmt.Sprintf("RequestHash = %#v, want %#v", got.RequestHash, want.RequestHash))
	}
	timeField("CreateTime", got.CreateTime, want.CreateTime)
	timeField("UpdateTime", got.UpdateTime, want.UpdateTime)
	field("ModeratedBy", got.ModeratedBy, want.ModeratedBy)
	field("ModerationNote", got.ModerationNote, want.ModerationNote)
	return diffs
}

// approve is a moderator's approval of comment id at time tm.
func approve(id, auditID string, tm time.Time) moderation.StatusUpdate {
	return moveTo(id, auditID, moderation.StatusPublished, "comment.approve", tm)
}

func moveTo(id, auditID string, to moderation.Status, action string, tm time.Time) moderation.StatusUpdate {
	return moderation.StatusUpdate{
		ID:    id,
		Next:  func(moderation.Status) (moderation.Status, error) { return to, nil },
		Actor: "mod-asha",
		Note:  "looks fine",
		Time:  tm,
		Audit: moderation.AuditEvent{
			ID:     auditID,
			Time:   tm,
			Actor:  "mod-asha",
			Action: action,
			Target: id,
			Note:   "looks fine",
		},
	}
}

func ids(cs []moderation.Comment) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func eventIDs(es []moderation.AuditEvent) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}
