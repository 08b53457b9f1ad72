package storetest

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/commentd/commentd/moderation"
)

// filing is reader's report of comment at time i, holding at threshold 3
// with an audit event and one outbox message named after the report.
func filing(id, comment, reader string, i int) moderation.ReportFiling {
	return moderation.ReportFiling{
		Report: moderation.Report{ID: id, Site: site, CommentID: comment, ReporterKey: reader,
			Reason: moderation.ReportAbuse, Note: "रिपोर्ट " + id, State: moderation.ReportOpen, CreateTime: at(i).In(ist)},
		Threshold: 3,
		Hold: func(weight float64, readers int) moderation.Reason {
			return moderation.Reason{Rule: "reader_reports", Action: moderation.RuleHold,
				Detail: fmt.Sprintf("%d readers, weight %.1f", readers, weight)}
		},
		Audit: moderation.AuditEvent{ID: "audit-" + id, Time: at(i), Actor: "reader_reports", Action: "comment.reported", Target: comment},
		Outbox: func(c moderation.Comment) []moderation.OutboxMessage {
			return []moderation.OutboxMessage{message("out-"+id, "site", c.ID, at(i))}
		},
	}
}

func file(t *testing.T, s Store, f moderation.ReportFiling) moderation.FiledReport {
	t.Helper()
	got, err := s.FileReport(t.Context(), f)
	if err != nil {
		t.Fatalf("FileReport(%s): %v", f.Report.ID, err)
	}
	return got
}

func reasonRules(rs []moderation.Reason) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Rule
	}
	return out
}

// testReportsHold: reports of distinct readers add up, a reader reports
// once, and the report that reaches the threshold moves a published
// comment to PENDING with its reason, audit event and outbox message, in
// its transaction.
func testReportsHold(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	c := newComment("c-rep", "a1", moderation.StatusPublished, at(0))
	c.Reasons = []moderation.Reason{{Rule: "links", Action: moderation.RuleScore, Score: 1}}
	c.ModeratedBy, c.ModerationNote = "mod-asha", "fine"
	mustCreate(t, s, c)

	if _, err := s.FileReport(ctx, filing("r0", "c-missing", "k1", 1)); !errors.Is(err, moderation.ErrNotFound) {
		t.Fatalf("report of a missing comment: %v, want ErrNotFound", err)
	}
	f1 := file(t, s, filing("r1", c.ID, "k1", 1))
	if f1.Duplicate || f1.Held || f1.Report.ID != "r1" || f1.Report.Weight != 1 || !f1.Report.CreateTime.Equal(at(1)) ||
		f1.Report.CreateTime.Location() != at(1).Location() || f1.Report.Note != "रिपोर्ट r1" || f1.Comment.Status != moderation.StatusPublished {
		t.Fatalf("first report: %+v", f1)
	}
	// The same reader again, under a new id: the first report, nothing new.
	dup := file(t, s, filing("r1-again", c.ID, "k1", 2))
	if !dup.Duplicate || dup.Held || dup.Report.ID != "r1" || dup.Report.Reason != moderation.ReportAbuse {
		t.Fatalf("repeated report: %+v, want r1 as a duplicate", dup)
	}
	if f := file(t, s, filing("r2", c.ID, "k2", 3)); f.Held || f.Duplicate {
		t.Fatalf("second reader's report: %+v, want not held", f)
	}
	f3 := file(t, s, filing("r3", c.ID, "k3", 4))
	if !f3.Held || f3.Comment.Status != moderation.StatusPending || !f3.Comment.UpdateTime.Equal(at(4)) {
		t.Fatalf("third reader's report: held %v, comment %+v", f3.Held, f3.Comment)
	}
	got, err := s.Comment(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != moderation.StatusPending || got.ModeratedBy != "" || got.ModerationNote != "" ||
		!slices.Equal(reasonRules(got.Reasons), []string{"links", "reader_reports"}) || got.Reasons[1].Detail != "3 readers, weight 3.0" {
		t.Errorf("held comment reads %+v", got)
	}
	events, err := s.ListAuditEvents(ctx, moderation.AuditFilter{Target: c.ID, Limit: 10})
	if err != nil || len(events) != 1 || events[0].ID != "audit-r3" || events[0].Detail != "PUBLISHED -> PENDING" {
		t.Errorf("audit events %+v, %v; want audit-r3 only", events, err)
	}
	if ds := deliveries(t, s, moderation.DeliveryFilter{CommentID: c.ID}); !slices.Equal(deliveryIDs(ds), []string{"out-r3"}) {
		t.Errorf("deliveries %v, want out-r3 only", deliveryIDs(ds))
	}
	// A fourth report on the held comment holds nothing again.
	if f := file(t, s, filing("r4", c.ID, "k4", 5)); f.Held || f.Comment.Status != moderation.StatusPending {
		t.Errorf("report on a pending comment: %+v", f)
	}
	rs, err := s.OpenReports(ctx, []string{c.ID, "c-missing"})
	if err != nil {
		t.Fatal(err)
	}
	var rids []string
	for _, r := range rs {
		rids = append(rids, r.ID)
		if r.Weight != 1 || r.State != moderation.ReportOpen || r.Site != site || r.CommentID != c.ID {
			t.Errorf("open report %+v", r)
		}
	}
	if !slices.Equal(rids, []string{"r1", "r2", "r3", "r4"}) {
		t.Errorf("open reports %v, want r1…r4, oldest first", rids)
	}
}

// testReportsSettle: a moderator's verdict settles the open reports in
// its transaction, whether or not the status moved, and reweighs their
// readers; a refused move settles nothing.
func testReportsSettle(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	for _, id := range []string{"c1", "c2", "c3"} {
		mustCreate(t, s, newComment(id, "a1", moderation.StatusPublished, at(0)))
	}
	file(t, s, filing("r1", "c1", "good", 1))
	file(t, s, filing("r2", "c1", "bad", 2))
	halve := &moderation.ReportResolution{State: moderation.ReportDismissed, Reweigh: func(w float64) float64 { return w / 2 }}
	double := &moderation.ReportResolution{State: moderation.ReportUpheld, Reweigh: func(w float64) float64 { return w * 2 }}

	refused := approve("c1", "audit-refused", at(3))
	refused.Next = func(moderation.Status) (moderation.Status, error) { return 0, errors.New("no") }
	refused.Reports = halve
	if _, _, err := s.UpdateStatus(ctx, refused); err == nil {
		t.Fatal("a refused move succeeded")
	}
	if rs, _ := s.OpenReports(ctx, []string{"c1"}); len(rs) != 2 {
		t.Fatalf("after a refused move: %d open reports, want 2", len(rs))
	}
	// Approving the published comment changes no status, yet dismisses.
	u := approve("c1", "audit-1", at(3))
	u.Reports = halve
	if _, changed, err := s.UpdateStatus(ctx, u); err != nil || changed {
		t.Fatalf("approve: %v, %v", changed, err)
	}
	if rs, err := s.OpenReports(ctx, []string{"c1"}); err != nil || len(rs) != 0 {
		t.Fatalf("after approval: open reports %+v, %v; want none", rs, err)
	}
	// "good" reports c2 and is upheld; "bad" keeps its halved weight.
	file(t, s, filing("r3", "c2", "good", 4))
	u = moveTo("c2", "audit-2", moderation.StatusRejected, "comment.reject", at(5))
	u.Reports = double
	if _, changed, err := s.UpdateStatus(ctx, u); err != nil || !changed {
		t.Fatalf("reject: %v, %v", changed, err)
	}
	good := file(t, s, filing("r4", "c3", "good", 6))
	bad := file(t, s, filing("r5", "c3", "bad", 7))
	if good.Report.Weight != 1 || bad.Report.Weight != 0.5 {
		t.Errorf("weights: good %v (want 0.5 × 2 = 1), bad %v (want 0.5)", good.Report.Weight, bad.Report.Weight)
	}
	// A reader's weight is per site.
	other := filing("r6", "c3", "good", 8)
	other.Report.Site = "other.example"
	other.Report.ReporterKey = "good-elsewhere"
	if f := file(t, s, other); f.Report.Weight != 1 {
		t.Errorf("new reader's weight %v, want 1", f.Report.Weight)
	}
	rc, err := s.ReportedComments(ctx, "", 10)
	if err != nil || len(rc) != 1 || rc[0].CommentID != "c3" || rc[0].Reports != 3 || math.Abs(rc[0].Weight-2.5) > 1e-9 {
		t.Errorf("reported comments %+v, %v; want c3 with 3 reports of weight 2.5", rc, err)
	}
}

// testReportedComments: most reported first, by weight then number; the
// article filter; deleted comments and settled reports left out.
func testReportedComments(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	for i, id := range []string{"c1", "c2", "c3", "c4"} {
		art := "a1"
		if id == "c3" {
			art = "a2"
		}
		mustCreate(t, s, newComment(id, art, moderation.StatusPublished, at(i)))
	}
	low := &moderation.ReportResolution{State: moderation.ReportDismissed, Reweigh: func(float64) float64 { return 0.25 }}
	// "light" weighs 0.25 after a dismissal on c4.
	file(t, s, filing("r0", "c4", "light", 1))
	u := approve("c4", "audit-0", at(2))
	u.Reports = low
	if _, _, err := s.UpdateStatus(ctx, u); err != nil {
		t.Fatal(err)
	}
	file(t, s, filing("r1", "c1", "k1", 3))    // c1: 1
	file(t, s, filing("r2", "c2", "light", 4)) // c2: 0.25 + 1
	file(t, s, filing("r3", "c2", "k2", 5))
	file(t, s, filing("r4", "c3", "k3", 6)) // c3: 1 + 1
	file(t, s, filing("r5", "c3", "k4", 7))
	file(t, s, filing("r6", "c4", "k5", 8)) // c4: 1, then deleted
	if _, _, err := s.UpdateStatus(ctx, moveTo("c4", "audit-del", moderation.StatusDeleted, "comment.delete", at(9))); err != nil {
		t.Fatal(err)
	}
	rc, err := s.ReportedComments(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rc {
		got = append(got, fmt.Sprintf("%s:%d:%.2f", r.CommentID, r.Reports, r.Weight))
	}
	if want := []string{"c3:2:2.00", "c2:2:1.25", "c1:1:1.00"}; !slices.Equal(got, want) {
		t.Errorf("reported comments %v, want %v", got, want)
	}
	if rc, _ := s.ReportedComments(ctx, "a1", 1); len(rc) != 1 || rc[0].CommentID != "c2" {
		t.Errorf("on a1, limit 1: %+v, want c2", rc)
	}
}

// testEraseReports: a reader's reports and weights go; others' stay.
func testEraseReports(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	mustCreate(t, s, newComment("c1", "a1", moderation.StatusPublished, at(0)))
	mustCreate(t, s, newComment("c2", "a1", moderation.StatusPublished, at(0)))
	file(t, s, filing("r1", "c1", "gone", 1))
	file(t, s, filing("r2", "c2", "gone", 2))
	file(t, s, filing("r3", "c1", "stays", 3))
	n, err := s.EraseReports(ctx, "gone")
	if err != nil || n != 2 {
		t.Fatalf("EraseReports: %d, %v; want 2", n, err)
	}
	rs, err := s.OpenReports(ctx, []string{"c1", "c2"})
	if err != nil || len(rs) != 1 || rs[0].ID != "r3" {
		t.Errorf("after erasure: %+v, %v; want r3 only", rs, err)
	}
	// The reader may report again, afresh.
	if f := file(t, s, filing("r4", "c1", "gone", 4)); f.Duplicate || f.Report.Weight != 1 {
		t.Errorf("report after erasure: %+v", f)
	}
}

// testReportsRace: readers reporting one comment at once hold it once.
func testReportsRace(t *testing.T, o Opener) {
	s := open(t, o)
	mustCreate(t, s, newComment("c1", "a1", moderation.StatusPublished, at(0)))
	const n = 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		held int
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := s.FileReport(t.Context(), filing(fmt.Sprintf("r%d", i), "c1", fmt.Sprintf("k%d", i), i+1))
			if err != nil {
				t.Errorf("FileReport: %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if f.Held {
				held++
			}
		}()
	}
	wg.Wait()
	if held != 1 {
		t.Errorf("%d reports held the comment, want 1", held)
	}
	events, err := s.ListAuditEvents(t.Context(), moderation.AuditFilter{Target: "c1", Limit: 10})
	if err != nil || len(events) != 1 {
		t.Errorf("audit events %+v, %v; want one", events, err)
	}
}
