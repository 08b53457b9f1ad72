package postgres

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/commentd/commentd/internal/testpg"
	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/storetest"

	"database/sql"
	"github.com/pressly/goose/v3"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		dsn := testpg.NewDatabase(t)
		return func(ctx context.Context) (storetest.Store, error) { return Open(ctx, dsn) }
	})
}

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(t.Context(), testpg.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestConcurrentOpen: replicas starting at once against an empty
// database all come up; the migration runs once.
func TestConcurrentOpen(t *testing.T) {
	dsn := testpg.NewDatabase(t)
	const n = 4
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), dsn) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		defer stores[i].Close()
	}
	if t.Failed() {
		return
	}
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("embedded migrations: %v, %v", files, err)
	}
	var applied, distinct int
	err = stores[0].pool.QueryRow(t.Context(),
		"SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0 AND is_applied").Scan(&applied, &distinct)
	if err != nil || applied != len(files) || distinct != len(files) {
		t.Errorf("%d migrations applied, %d distinct (err %v); want each of the %d once", applied, distinct, err, len(files))
	}
}

func TestSynchronousCommit(t *testing.T) {
	s := openTemp(t)
	var v string
	if err := s.pool.QueryRow(t.Context(), "SHOW synchronous_commit").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != "on" {
		t.Errorf("synchronous_commit = %s, want on", v)
	}
}

func TestUnavailable(t *testing.T) {
	t.Run("nothing listening", func(t *testing.T) {
		_, err := Open(t.Context(), "postgres://commentd@127.0.0.1:1/commentd?sslmode=disable&connect_timeout=5")
		if !errors.Is(err, moderation.ErrUnavailable) {
			t.Errorf("Open: %v, want ErrUnavailable", err)
		}
	})

	t.Run("deadline", func(t *testing.T) {
		s := openTemp(t)
		ctx, cancel := context.WithTimeout(t.Context(), time.Millisecond)
		defer cancel()
		<-ctx.Done()
		_, err := s.Comment(ctx, "c1")
		if !errors.Is(err, moderation.ErrUnavailable) {
			t.Errorf("Comment with an expired deadline: %v, want ErrUnavailable", err)
		}
		_, err = s.pool.Exec(t.Context(), "SELECT pg_sleep(0)")
		if err != nil {
			t.Fatal(err)
		}
		slow, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err = s.pool.Exec(slow, "SELECT pg_sleep(5)")
		if err == nil || !errors.Is(wrap("sleep", err), moderation.ErrUnavailable) {
			t.Errorf("a query past its deadline: %v, want it classed unavailable", err)
		}
	})

	t.Run("server closed the connections", func(t *testing.T) {
		s := openTemp(t)
		ctx := t.Context()
		c := moderation.Comment{ID: "c1", Site: "s", ArticleID: "a", Status: moderation.StatusPublished, CreateTime: time.Now()}
		if _, _, err := s.CreateComment(ctx, c); err != nil {
			t.Fatal(err)
		}
		// An administrator (or a failover) ends every session of ours.
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
		if err != nil {
			t.Fatal(err)
		}
		_, err = conn.Exec(ctx, "SELECT pg_terminate_backend(pg_backend_pid())")
		conn.Release()
		if err == nil {
			t.Fatal("terminating our own session did not fail")
		}
		if err := wrap("terminate", err); !errors.Is(err, moderation.ErrUnavailable) {
			t.Errorf("error of a terminated session: %v, want ErrUnavailable", err)
		}
		// The pool recovers on its own.
		var got moderation.Comment
		for range 3 {
			if got, err = s.Comment(ctx, "c1"); err == nil {
				break
			}
			if !errors.Is(err, moderation.ErrUnavailable) {
				t.Errorf("Comment on a terminated connection: %v, want ErrUnavailable", err)
			}
		}
		if got.ID != "c1" {
			t.Errorf("Comment after reconnecting: %v", err)
		}
	})
}

func TestOpenHidesPassword(t *testing.T) {
	_, err := Open(t.Context(), "postgres://u:s3cr3t@127.0.0.1:notaport/db")
	if err == nil {
		t.Fatal("Open with a bad DSN succeeded")
	}
	if msg := err.Error(); contains(msg, "s3cr3t") {
		t.Errorf("error shows the password: %s", msg)
	}
	_, err = Open(t.Context(), "postgres://u:s3cr3t@127.0.0.1:1/db?sslmode=disable")
	if err == nil || contains(err.Error(), "s3cr3t") {
		t.Errorf("connection error %v shows the password or is nil", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// BenchmarkCreateComment: concurrent submitters' commits share WAL
// flushes.
func BenchmarkCreateComment(b *testing.B) {
	storetest.BenchCreateComment(b, func(b *testing.B) storetest.Store { return openTemp(b) })
}

// BenchmarkListComments: a page of an article's comments.
func BenchmarkListComments(b *testing.B) {
	storetest.BenchListComments(b, func(b *testing.B) storetest.Store { return openTemp(b) })
}

// migratedTo returns a fresh database migrated up to version, and its
// migrator, for tests of later migrations over older data.
func migratedTo(t *testing.T, version int64) (string, *sql.DB, *goose.Provider) {
	t.Helper()
	dsn := testpg.NewDatabase(t)
	pool, err := pgxpool.New(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	db := stdlib.OpenDBFromPool(pool)
	t.Cleanup(func() { db.Close() })
	p, err := migrator(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(t.Context(), version); err != nil {
		t.Fatalf("migrate to %d: %v", version, err)
	}
	return dsn, db, p
}

// TestMigrateFromV1: a database written before migration 2 opens with its
// comments intact, the new columns empty and no rules; migration 2 also
// goes down and up again.
func TestMigrateFromV1(t *testing.T) {
	ctx := t.Context()
	dsn, db, p := migratedTo(t, 1)
	_, err := db.ExecContext(ctx, `INSERT INTO comments (id, site, article_id, author_name, author_email,
	author_email_key, body, status, initial_status, create_time, update_time)
VALUES ('old-1', 's', 'a', 'प्रिया', 'p@example.in', 'p@example.in', 'पुराना', 1, 1, now(), now())`)
	if err != nil {
		t.Fatal(err)
	}

	check := func() {
		t.Helper()
		s, err := Open(ctx, dsn)
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
	dsn, db, _ := migratedTo(t, 3)
	for _, d := range storetest.LegacyDuplicates {
		tm := time.Unix(d.Seconds, 0)
		_, err := db.ExecContext(ctx, `INSERT INTO comments (id, site, article_id, author_name, author_email,
	author_email_key, body, status, initial_status, create_time, update_time, author_key, body_fingerprint)
VALUES ($1, 's', 'a', 'Reader', 'r@example.com', 'r@example.com', 'the same', $2, $2, $3, $3, 'k', 'f')`,
			d.ID, int16(d.Status), tm)
		if err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	storetest.CheckLegacyDuplicates(t, s)
}
