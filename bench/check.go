package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the driver commentd's SQLite store uses
)

// storeCheck reads commentd's store directly, beside commentd, to check
// that what ghz saw acknowledged is there exactly once.
type storeCheck struct {
	sqlite *sql.DB
	pg     *pgx.Conn
}

func openStoreCheck(ctx context.Context, kind, dsn string) (*storeCheck, error) {
	switch kind {
	case "sqlite":
		db, err := sql.Open("sqlite", dsn+"?"+url.Values{"_pragma": {"query_only(1)", "busy_timeout(5000)"}}.Encode())
		if err != nil {
			return nil, err
		}
		return &storeCheck{sqlite: db}, nil
	case "postgres":
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return nil, err
		}
		return &storeCheck{pg: conn}, nil
	}
	return nil, fmt.Errorf("unknown store %q", kind)
}

func (s *storeCheck) close() {
	if s.sqlite != nil {
		s.sqlite.Close()
	}
	if s.pg != nil {
		s.pg.Close(context.Background())
	}
}

// exactlyOnce compares the comments stored on the case's articles with
// the number of calls ghz saw answered OK. ghz waits for every call it
// started, so every call ended with a status: one that was not OK stored
// nothing (a refusal) or, for UNAVAILABLE and DEADLINE_EXCEEDED, may have;
// the bench treats any of those as an error anyway. Every submission
// carries its own request_id, so a comment stored twice would show as
// more rows than distinct request ids.
func (s *storeCheck) exactlyOnce(ctx context.Context, articles string, acked int) (string, error) {
	const q = `SELECT COUNT(*), COUNT(DISTINCT request_id) FROM comments WHERE article_id LIKE $1`
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var rows, distinct int
	var err error
	if s.sqlite != nil {
		err = s.sqlite.QueryRowContext(ctx, q, articles).Scan(&rows, &distinct)
	} else {
		err = s.pg.QueryRow(ctx, q, articles).Scan(&rows, &distinct)
	}
	if err != nil {
		return "", fmt.Errorf("count stored comments: %w", err)
	}
	got := fmt.Sprintf("stored %d of %d acknowledged", rows, acked)
	switch {
	case rows != distinct:
		return got, fmt.Errorf("%d comments stored more than once", rows-distinct)
	case rows != acked:
		return got, fmt.Errorf("%d comments acknowledged, %d stored", acked, rows)
	}
	return got, nil
}
