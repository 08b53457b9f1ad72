// Package sqlite stores commentd's comments, audit trail, word lists and
// bans in one SQLite file through the cgo-free driver modernc.org/sqlite.
//
// The file runs in WAL mode with synchronous=FULL, so an acknowledged write
// survives a machine crash. All writes go through one connection in
// BEGIN IMMEDIATE transactions, which never fail on a lock upgrade, and
// concurrent CreateComment calls share one transaction and so one fsync
// (group commit). Reads use a separate pool of query-only connections,
// which WAL lets run beside the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/commentd/commentd/moderation"
)

// defaultBusyTimeout is how long a connection waits for a lock held by
// another process (a backup, an operator's sqlite3 shell) before giving up.
const defaultBusyTimeout = 5 * time.Second

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a moderation.Store in one SQLite file. It is safe for
// concurrent use.
type Store struct {
	write *sql.DB // one connection: SQLite has one writer at a time
	read  *sql.DB // query-only connections

	w     writeStmts
	reads *stmtCache

	batch     *batcher
	closeOnce sync.Once
	closeErr  error
}

var _ moderation.Store = (*Store)(nil)

// Open opens (creating it if needed) the database file at path and brings
// its schema up to date. It needs a real file: ":memory:" and URIs are
// refused, because the writer and the readers must share one database.
func Open(ctx context.Context, path string) (*Store, error) {
	return open(ctx, path, defaultBusyTimeout)
}

func open(ctx context.Context, path string, busyTimeout time.Duration) (*Store, error) {
	switch {
	case path == "":
		return nil, errors.New("sqlite: open: empty path")
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		return nil, fmt.Errorf("sqlite: open %s: need a file path, not a URI or in-memory database", path)
	case strings.ContainsAny(path, "?#"):
		// The driver would take what follows "?" as DSN options.
		return nil, fmt.Errorf("sqlite: open %s: path must not contain '?' or '#'", path)
	}

	// The file holds readers' emails and IPs: create it private. SQLite
	// gives its -wal and -shm files the same permissions.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	f.Close()

	s := &Store{}
	s.write, err = sql.Open("sqlite", writerDSN(path, busyTimeout))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.write.SetMaxOpenConns(1)
	s.write.SetMaxIdleConns(1)
	s.write.SetConnMaxLifetime(0)
	s.write.SetConnMaxIdleTime(0)
	if err := s.setUp(ctx, path, busyTimeout); err != nil {
		s.write.Close()
		if s.read != nil {
			s.read.Close()
		}
		return nil, err
	}
	s.batch = startBatcher(s)
	return s, nil
}

// setUp checks the writer's settings, migrates, opens the readers and
// prepares the fixed statements.
func (s *Store) setUp(ctx context.Context, path string, busyTimeout time.Duration) error {
	var mode string
	if err := s.write.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return wrap("open "+path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		// Some file systems (network mounts) cannot do WAL; SQLite then
		// silently keeps its rollback journal.
		return fmt.Errorf("sqlite: open %s: journal_mode is %q, want wal", path, mode)
	}
	if err := migrate(ctx, s.write); err != nil {
		return fmt.Errorf("sqlite: open %s: migrate: %w", path, err)
	}
	// What SQLite advises for long-lived connections: gather the planner
	// statistics that are missing or stale, within a small budget.
	if _, err := s.write.ExecContext(ctx, "PRAGMA optimize=0x10002"); err != nil {
		return wrap("open "+path, err)
	}

	var err error
	s.read, err = sql.Open("sqlite", readerDSN(path, busyTimeout))
	if err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	s.read.SetMaxOpenConns(n)
	s.read.SetMaxIdleConns(n)
	s.read.SetConnMaxIdleTime(5 * time.Minute)
	if err := s.read.PingContext(ctx); err != nil {
		return wrap("open "+path, err)
	}

	s.reads = newStmtCache(s.read)
	if err := s.w.prepare(ctx, s.write); err != nil {
		return wrap("open "+path+": prepare", err)
	}
	return nil
}

func writerDSN(path string, busyTimeout time.Duration) string {
	return dsn(path, url.Values{
		"_pragma": {
			"busy_timeout(" + strconv.FormatInt(busyTimeout.Milliseconds(), 10) + ")",
			"journal_mode(WAL)",
			// FULL: every commit fsyncs the WAL, so an acknowledged
			// comment survives a power cut, not only a process crash.
			"synchronous(FULL)",
			"foreign_keys(1)",
		},
		// BEGIN IMMEDIATE takes the write lock up front, so a transaction
		// never fails later trying to upgrade a read lock.
		"_txlock": {"immediate"},
	})
}

func readerDSN(path string, busyTimeout time.Duration) string {
	return dsn(path, url.Values{
		"_pragma": {
			"busy_timeout(" + strconv.FormatInt(busyTimeout.Milliseconds(), 10) + ")",
			"foreign_keys(1)",
			"query_only(1)",
		},
	})
}

func dsn(path string, q url.Values) string { return path + "?" + q.Encode() }

func migrate(ctx context.Context, db *sql.DB) error {
	p, err := migrator(db)
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// migrator returns the provider of the embedded migrations; tests also
// use it to migrate to a given version.
func migrator(db *sql.DB) (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithDisableGlobalRegistry(true))
}

// Close waits for the submissions already handed to the writer, then
// closes the database. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.batch.stop()
		// Let SQLite refresh its planner statistics, as it recommends
		// before closing a long-lived connection.
		_, optErr := s.write.ExecContext(context.Background(), "PRAGMA optimize")
		s.closeErr = errors.Join(optErr, s.w.close(), s.reads.close(), s.read.Close(), s.write.Close())
		if s.closeErr != nil {
			s.closeErr = fmt.Errorf("sqlite: close: %w", s.closeErr)
		}
	})
	return s.closeErr
}

// wrap prefixes err with the operation and marks a lock that another
// process held past the busy timeout as ErrUnavailable.
func wrap(op string, err error) error {
	if isBusy(err) {
		return fmt.Errorf("sqlite: %s: %w: %w", op, moderation.ErrUnavailable, err)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

func isBusy(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// isConstraint reports a failed constraint. SQLite aborts only the
// statement, so the surrounding transaction is still usable.
func isConstraint(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}
