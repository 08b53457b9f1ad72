// Package postgres stores commentd's comments, audit trail, word lists
// and bans in PostgreSQL through pgx, so that several commentd replicas
// can share them.
//
// Every session runs with synchronous_commit on: a comment is on disk
// before CreateComment returns. Concurrent commits share WAL flushes in
// the server (its own group commit). Queries go through a pgxpool, which
// prepares and caches each statement per connection.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"hash/crc32"
	"io/fs"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/commentd/commentd/moderation"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLockID is the advisory lock that serialises migrations of
// replicas starting at once. It is commentd's own, so that another
// goose-migrated application in the same database does not wait on it.
var migrationLockID = int64(crc32.ChecksumIEEE([]byte("commentd migrations")))

// defaultMaxConns is the pool size unless the DSN sets pool_max_conns.
const defaultMaxConns = 32

// Store is a moderation.Store in a PostgreSQL database. It is safe for
// concurrent use.
type Store struct {
	pool *pgxpool.Pool
}

var _ moderation.Store = (*Store)(nil)

// Open connects to the database named by dsn (a postgres:// URL or a
// keyword/value string; pool settings such as pool_max_conns may be part
// of it) and brings its schema up to date. Several processes may open the
// same database at once.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error may quote the DSN, password and all.
		return nil, errors.New("postgres: open: cannot parse the DSN (not shown: it may hold a password)")
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		// pgxpool's default, 4 on a 2-core machine, queues submissions for
		// a connection while others wait on their commit's flush: more
		// connections let PostgreSQL flush more commits at once.
		cfg.MaxConns = defaultMaxConns
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["synchronous_commit"]; !ok {
		// Whatever the server's default: an acknowledged comment must
		// survive a crash.
		cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, wrap("open", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, wrap("open", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, wrap("open: migrate", err)
	}
	return &Store{pool: pool}, nil
}

func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	// The *sql.DB borrows the pool's connections; closing it leaves the
	// pool open.
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
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
	// A replica that finds another migrating waits for it, checking
	// every second for up to five minutes.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID), lock.WithLockTimeout(1, 300))
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true))
}

// Close closes every connection. It is safe to call more than once.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}
