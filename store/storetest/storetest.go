// Package storetest is the conformance suite for moderation.Store. Every
// store implementation runs it from its own tests:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Opener {
//			path := filepath.Join(t.TempDir(), "commentd.db")
//			return func(ctx context.Context) (storetest.Store, error) { return sqlite.Open(ctx, path) }
//		})
//	}
package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/commentd/commentd/moderation"
)

// Store is a moderation.Store that can be closed.
type Store interface {
	moderation.Store
	Close() error
}

// Opener opens one database. Called again after the store it returned was
// closed, it opens the same database, with everything stored before.
type Opener func(ctx context.Context) (Store, error)

// Run runs the conformance suite. newDatabase is called once per subtest
// with that subtest's t; it returns an Opener for a fresh, empty database
// that it removes when t ends. Subtests run in parallel.
func Run(t *testing.T, newDatabase func(t *testing.T) Opener) {
	tests := []struct {
		name string
		run  func(t *testing.T, o Opener)
	}{
		{"RoundTrip", testRoundTrip},
		{"EmptyOptionalFields", testEmptyOptionalFields},
		{"NotFound", testNotFound},
		{"DuplicateID", testDuplicateID},
		{"RequestIDIdempotent", testRequestIDIdempotent},
		{"RequestIDPerSite", testRequestIDPerSite},
		{"RequestIDRace", testRequestIDRace},
		{"ConcurrentCreates", testConcurrentCreates},
		{"ListFilters", testListFilters},
		{"ListPagination", testListPagination},
		{"CountPublished", testCountPublished},
		{"CountByStatus", testCountByStatus},
		{"UpdateStatus", testUpdateStatus},
		{"UpdateStatusUnchanged", testUpdateStatusUnchanged},
		{"UpdateStatusConfirm", testUpdateStatusConfirm},
		{"UpdateStatusNextError", testUpdateStatusNextError},
		{"UpdateStatusRace", testUpdateStatusRace},
		{"AuditEvents", testAuditEvents},
		{"PriorDuplicate", testFindDuplicate},
		{"DuplicateRule", testDuplicateRule},
		{"DuplicateRace", testDuplicateRace},
		{"PriorApproved", testHasApproved},
		{"PriorAllThree", testPriorAllThree},
		{"AuthorHistory", testAuthorHistory},
		{"WordLists", testWordLists},
		{"WordListsConcurrent", testWordListsConcurrent},
		{"Bans", testBans},
		{"SiteWordLists", testSiteWordLists},
		{"SiteBans", testSiteBans},
		{"BanRequestID", testBanRequestID},
		{"BanRequestIDRace", testBanRequestIDRace},
		{"EraseClientData", testEraseClientData},
		{"EraseAuthor", testEraseAuthor},
		{"Secret", testSecret},
		{"AuditIDTaken", testAuditIDTaken},
		{"Reopen", testReopen},
		{"LearnRelabel", testLearnRelabel},
		{"LearnUnchangedStatus", testLearnUnchangedStatus},
		{"LearnNextError", testLearnNextError},
		{"LearnRandom", testLearnRandom},
		{"LearnConcurrent", testLearnConcurrent},
		{"LearnEraseAuthor", testLearnEraseAuthor},
		{"LearnPrune", testLearnPrune},
		{"LearnReopen", testLearnReopen},
		{"TrainExamples", testTrainExamples},
		{"TrainExamplesSites", testTrainExamplesSites},
		{"ImportComments", testImportComments},
		{"ImportCommentsAtomic", testImportCommentsAtomic},
		{"OutboxWrites", testOutboxWrites},
		{"OutboxAtomic", testOutboxAtomic},
		{"OutboxDue", testOutboxDue},
		{"OutboxAttempts", testOutboxAttempts},
		{"OutboxRedeliver", testOutboxRedeliver},
		{"OutboxBacklog", testOutboxBacklog},
		{"OutboxErase", testOutboxErase},
		{"OutboxCommentOrder", testOutboxCommentOrder},
		{"OutboxReopen", testOutboxReopen},
		{"Lease", testLease},
		{"ArticleSettings", testArticleSettings},
		{"ArticleSettingsConcurrent", testArticleSettingsConcurrent},
		{"PriorFirstComment", testPriorFirstComment},
		{"BanSweep", testBanSweep},
		{"BanSweepAtomic", testBanSweepAtomic},
		{"ReportsHold", testReportsHold},
		{"ReportsSettle", testReportsSettle},
		{"ReportedComments", testReportedComments},
		{"EraseReports", testEraseReports},
		{"ReportsRace", testReportsRace},
		{"QueueLog", testQueueLog},
		{"QueuePrune", testQueuePrune},
		{"QueueConcurrent", testQueueConcurrent},
		{"CountComments", testCountComments},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newDatabase(t))
		})
	}
}

// open opens the store and closes it when t ends.
func open(t *testing.T, o Opener) Store {
	t.Helper()
	s, err := o(t.Context())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// testReopen closes the store and opens the same database again: what was
// acknowledged must still be there, including the idempotency keys.
func testReopen(t *testing.T, o Opener) {
	ctx := t.Context()
	s, err := o(ctx)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			s.Close()
		}
	})

	c := fullComment("reopen-1")
	mustCreate(t, s, c)
	other := newComment("reopen-2", "article-r", moderation.StatusPending, at(1))
	mustCreate(t, s, other)
	u := approve("reopen-2", "audit-reopen", at(2))
	want, _, err := s.UpdateStatus(ctx, u)
	if err != nil {
		t.Fatalf("UpdateStatus: %v", err)
	}
	wantTerms, err := s.UpdateWordList(ctx, wordUpdate(moderation.ListHold, []string{"कैसीनो", "free money"}, nil, "mod-asha", "audit-words", at(3)))
	if err != nil {
		t.Fatalf("UpdateWordList: %v", err)
	}
	ban := newBan("ban-1", moderation.BanCIDR, "2001:db8::/64", at(4), at(5000))
	if _, err := s.CreateBan(ctx, ban, banAudit("audit-ban", "ban.create", ban.ID, at(4))); err != nil {
		t.Fatalf("CreateBan: %v", err)
	}
	wantVersion := rulesVersion(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	closed = true

	s = open(t, o)
	got, err := s.Comment(ctx, c.ID)
	if err != nil {
		t.Fatalf("Comment after reopen: %v", err)
	}
	checkComment(t, got, stored(c))
	got, err = s.Comment(ctx, other.ID)
	if err != nil {
		t.Fatalf("Comment after reopen: %v", err)
	}
	checkComment(t, got, want)

	retry := fullComment("reopen-3")
	retry.RequestID = c.RequestID
	got, conflict, err := s.CreateComment(ctx, retry)
	if err != nil || conflict != moderation.ConflictRequestID || got.ID != c.ID {
		t.Errorf("retry after reopen: got id %q, conflict %v, err %v; want %q, ConflictRequestID, nil", got.ID, conflict, err, c.ID)
	}
	events, err := s.ListAuditEvents(ctx, moderation.AuditFilter{Limit: 10})
	if got, want := eventIDs(events), []string{"audit-ban", "audit-words", u.Audit.ID}; err != nil || !slices.Equal(got, want) {
		t.Errorf("audit after reopen: %v, %v; want %v", got, err, want)
	}
	terms, err := s.WordTerms(ctx)
	if err != nil {
		t.Fatalf("WordTerms after reopen: %v", err)
	}
	checkTerms(t, "WordTerms after reopen", terms, wantTerms.Terms)
	bans, err := s.ListBans(ctx, at(10), nil, 10, "")
	if err != nil || len(bans) != 1 {
		t.Fatalf("ListBans after reopen: %v, %v; want %s", banIDs(bans), err, ban.ID)
	}
	checkBan(t, bans[0], storedBan(ban))
	if v := rulesVersion(t, s); v != wantVersion || v == 0 {
		t.Errorf("rules version after reopen = %d, want %d", v, wantVersion)
	}
	if dup := duplicateID(t, s, c.Site, c.ArticleID, c.AuthorKey, c.BodyFingerprint); dup != c.ID {
		t.Errorf("duplicate after reopen: %q, want %q", dup, c.ID)
	}
	counts, err := s.CountPublished(ctx, site, []string{"article-r"})
	if err != nil || counts["article-r"] != 1 {
		t.Errorf("CountPublished after reopen: %v, %v; want article-r: 1", counts, err)
	}
}
