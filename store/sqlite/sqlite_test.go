package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/moderation/learn"
	"github.com/commentd/commentd/store/storetest"

	"github.com/pressly/goose/v3"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		path := filepath.Join(t.TempDir(), "commentd.db")
		return func(ctx context.Context) (storetest.Store, error) { return Open(ctx, path) }
	})
}

func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "commentd.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// TestSettings checks the durability and locking settings on the
// connections themselves, since SQLite ignores some failures silently.
func TestSettings(t *testing.T) {
	s, path := openTemp(t)
	ctx := t.Context()
	for _, p := range []struct {
		db   *sql.DB
		name string
		want string
	}{
		{s.write, "journal_mode", "wal"},
		{s.write, "synchronous", "2"}, // FULL
		{s.write, "foreign_keys", "1"},
		{s.write, "busy_timeout", "5000"},
		{s.write, "query_only", "0"},
		{s.read, "journal_mode", "wal"},
		{s.read, "busy_timeout", "5000"},
		{s.read, "query_only", "1"},
	} {
		var got string
		if err := p.db.QueryRowContext(ctx, "PRAGMA "+p.name).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != p.want {
			t.Errorf("PRAGMA %s = %s, want %s", p.name, got, p.want)
		}
	}
	if _, err := s.read.ExecContext(ctx, "DELETE FROM comments"); err == nil {
		t.Error("a reader connection could write")
	}
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %v, want -rw-------: it holds emails and IPs", filepath.Base(name), perm)
		}
	}
}

func TestOpenRefusesNonFiles(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db?mode=memory", filepath.Join(t.TempDir(), "a?b.db")} {
		if s, err := Open(t.Context(), path); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", path)
		}
	}
}

// TestBusyIsUnavailable: a write lock that another process holds past the
// busy timeout is reported as ErrUnavailable.
func TestBusyIsUnavailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "commentd.db")
	s, err := open(t.Context(), path, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	c := moderation.Comment{ID: "c1", Site: "s", ArticleID: "a", Status: moderation.StatusPending, CreateTime: time.Now()}
	if _, _, err := s.CreateComment(ctx, c); err != nil {
		t.Fatal(err)
	}

	other, err := sql.Open("sqlite", writerDSN(path, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	_, _, err = s.UpdateStatus(ctx, moderation.StatusUpdate{
		ID:   "c1",
		Next: func(moderation.Status) (moderation.Status, error) { return moderation.StatusPublished, nil },
	})
	if !errors.Is(err, moderation.ErrUnavailable) {
		t.Errorf("UpdateStatus under a foreign write lock: %v, want ErrUnavailable", err)
	}
	c.ID, c.RequestID = "c2", ""
	if _, _, err := s.CreateComment(ctx, c); !errors.Is(err, moderation.ErrUnavailable) {
		t.Errorf("CreateComment under a foreign write lock: %v, want ErrUnavailable", err)
	}
	// Reads go on: WAL readers do not wait for writers.
	if _, err := s.Comment(ctx, "c1"); err != nil {
		t.Errorf("Comment under a foreign write lock: %v", err)
	}
	tx.Rollback()
	if _, _, err := s.CreateComment(ctx, c); err != nil {
		t.Errorf("CreateComment after the lock went: %v", err)
	}
}

// TestCloseRefusesLaterCreates: after Close, CreateComment fails instead
// of hanging.
func TestCloseRefusesLaterCreates(t *testing.T) {
	s, _ := openTemp(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	_, _, err := s.CreateComment(t.Context(), moderation.Comment{ID: "c1"})
	if !errors.Is(err, errClosed) {
		t.Errorf("CreateComment after Close: %v, want %v", err, errClosed)
	}
}

// BenchmarkCreateComment: group commit makes many concurrent submitters
// much faster than the disk's fsync rate allows for one.
func BenchmarkCreateComment(b *testing.B) {
	storetest.BenchCreateComment(b, func(b *testing.B) storetest.Store {
		s, _ := openTemp(b)
		return s
	})
}

// BenchmarkListComments: a page of an article's comments.
func BenchmarkListComments(b *testing.B) {
	storetest.BenchListComments(b, func(b *testing.B) storetest.Store {
		s, _ := openTemp(b)
		return s
	})
}

// migratedTo returns a fresh database file migrated up to version, and
// its migrator, for tests of later migrations over older data.
func migratedTo(t *testing.T, version int64) (string, *sql.DB, *goose.Provider) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "commentd.db")
	db, err := sql.Open("sqlite", writerDSN(path, defaultBusyTimeout))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p, err := migrator(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(t.Context(), version); err != nil {
		t.Fatalf("migrate to %d: %v", version, err)
	}
	return path, db, p
}

// TestMigrateFromV1: a database written before migration 2 opens with its
// comments intact, the new columns empty and no rules; migration 2 also
// goes down and up again.
func TestMigrateFromV1(t *testing.T) {
	ctx := t.Context()
	path, db, p := migratedTo(t, 1)
	_, err := db.ExecContext(ctx, `INSERT INTO comments (id, site, article_id, author_name, author_email,
	author_email_key, body, status, initial_status, create_time, update_time)
VALUES ('old-1', 's', 'a', 'प्रिया', 'p@example.in', 'p@example.in', 'पुराना', 1, 1, 1000, 1000)`)
	if err != nil {
		t.Fatal(err)
	}

	check := func() {
		t.Helper()
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer s.Close()
		c, err := s.Comment(ctx, "old-1")
		if err != nil {
			t.Fatalf("Comment: %v", err)
		}
		if c.Body != "पुराना" || c.Author.UserID != "" || c.AuthorKey != "" || c.BodyFingerprint != "" {
			t.Errorf("old comment reads %+v", c)
		}
		if p, err := s.Prior(ctx, moderation.PriorQuery{Site: "s", RequestID: "r", ArticleID: "a"}); p.Approved || p.Request != nil || err != nil {
			t.Errorf("Prior of the empty author key = %+v, %v; want nothing", p, err)
		}
		if v, err := s.RulesVersion(ctx); v != 0 || err != nil {
			t.Errorf("RulesVersion = %d, %v; want 0", v, err)
		}
		if ts, err := s.WordTerms(ctx); len(ts) != 0 || err != nil {
			t.Errorf("WordTerms = %v, %v; want none", ts, err)
		}
	}
	check()
	if _, err := p.DownTo(ctx, 1); err != nil {
		t.Fatalf("migrate down to 1: %v", err)
	}
	check()
}

// TestMigrateKeepsOldestDuplicate: a database holding duplicates stored
// before the rule was enforced still migrates.
func TestMigrateKeepsOldestDuplicate(t *testing.T) {
	ctx := t.Context()
	path, db, _ := migratedTo(t, 3)
	for _, d := range storetest.LegacyDuplicates {
		_, err := db.ExecContext(ctx, `INSERT INTO comments (id, site, article_id, author_name, author_email,
	author_email_key, body, status, initial_status, create_time, update_time, author_key, body_fingerprint)
VALUES (?, 's', 'a', 'Reader', 'r@example.com', 'r@example.com', 'the same', ?, ?, ?, ?, 'k', 'f')`,
			d.ID, int64(d.Status), int64(d.Status), d.Seconds*1e6, d.Seconds*1e6)
		if err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	storetest.CheckLegacyDuplicates(t, s)
}

// TestLearnCountsNeverNegative: counts that lost rows (an old backup
// restored under newer labels, an operator's cleanup) are taken down to
// zero, never below, and the decision still goes through.
func TestLearnCountsNeverNegative(t *testing.T) {
	s := func() *Store { s, _ := openTemp(t); return s }()
	ctx := t.Context()
	t0 := time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)
	c := moderation.Comment{ID: "c1", Site: "s", ArticleID: "a", Status: moderation.StatusPending,
		InitialStatus: moderation.StatusPending, CreateTime: t0, UpdateTime: t0}
	if _, _, err := s.CreateComment(ctx, c); err != nil {
		t.Fatal(err)
	}
	label := func(to moderation.Status, l learn.Label, ts ...learn.Token) {
		t.Helper()
		u := moderation.StatusUpdate{
			ID:    c.ID,
			Next:  func(moderation.Status) (moderation.Status, error) { return to, nil },
			Time:  t0,
			Audit: moderation.AuditEvent{ID: "audit-" + to.String(), Time: t0, Actor: "mod", Action: "comment.move", Target: c.ID},
			Train: func(moderation.Comment) (learn.Label, []learn.Token) { return l, ts },
		}
		if _, _, err := s.UpdateStatus(ctx, u); err != nil {
			t.Fatalf("UpdateStatus to %v: %v", to, err)
		}
	}
	label(moderation.StatusSpam, learn.Spam, 1, 2)
	// The counts of token 1 and the totals are lost.
	if _, err := s.write.ExecContext(ctx, `DELETE FROM learned_tokens WHERE token = 1; DELETE FROM learned_totals`); err != nil {
		t.Fatal(err)
	}
	label(moderation.StatusPublished, learn.Ham, 2)

	tokens := map[learn.Token]learn.Counts{}
	var totals []int
	if _, err := s.LearnedModel(ctx, func(_ string, spam, ham int) { totals = append(totals, spam, ham) },
		func(_ string, tok learn.Token, c learn.Counts) { tokens[tok] = c }); err != nil {
		t.Fatal(err)
	}
	if want := map[learn.Token]learn.Counts{2: {Ham: 1}}; !maps.Equal(tokens, want) {
		t.Errorf("tokens %v, want %v", tokens, want)
	}
	if !slices.Equal(totals, []int{0, 1}) {
		t.Errorf("totals (spam, ham) %v, want [0 1]", totals)
	}
}
