// Package testpg gives tests a fresh PostgreSQL database of their own.
//
// The server is the one named by COMMENTD_TEST_POSTGRES (an admin DSN,
// default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable).
// Tests that need PostgreSQL fail, never skip, when it is not running:
// a skipped store test would hide a broken store.
package testpg

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the environment variable holding the admin DSN.
const EnvVar = "COMMENTD_TEST_POSTGRES"

// DefaultDSN is the admin DSN used when EnvVar is unset: a local server
// with trust authentication.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// NewDatabase creates an empty database for this test and returns its
// DSN. The database is dropped, with any connection still open to it,
// when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dsn, drop, err := Create(ctx, AdminDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := drop(ctx); err != nil {
			t.Error(err)
		}
	})
	return dsn
}

// AdminDSN is EnvVar's value, or DefaultDSN when it is unset.
func AdminDSN() string {
	if admin := os.Getenv(EnvVar); admin != "" {
		return admin
	}
	return DefaultDSN
}

// Create makes an empty database on the server of the admin DSN and
// returns its DSN and a function that drops it, with any connection still
// open to it.
func Create(ctx context.Context, admin string) (dsn string, drop func(context.Context) error, err error) {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", nil, fmt.Errorf("testpg: cannot reach PostgreSQL at %s: %v\n"+
			"These tests need a PostgreSQL server (13 or later). Run them with `make test`,\n"+
			"which uses the server on 127.0.0.1:5432 or starts a throwaway one when initdb and\n"+
			"pg_ctl are installed (apt-get install postgresql), or point %s at the admin\n"+
			"URL of another server.",
			redact(admin), err, EnvVar)
	}
	defer conn.Close(ctx)

	name := "commentd_test_" + randomHex(8)
	// template0 and UTF8: independent of whatever template1 holds.
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		return "", nil, fmt.Errorf("testpg: create database %s: %w", name, err)
	}
	drop = func(ctx context.Context) error {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			return fmt.Errorf("testpg: drop database %s: %w", name, err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("testpg: drop database %s: %w", name, err)
		}
		return nil
	}
	if dsn, err = withDatabase(admin, name); err != nil {
		drop(ctx)
		return "", nil, fmt.Errorf("testpg: %w", err)
	}
	return dsn, drop, nil
}

// withDatabase returns the admin DSN with its database replaced by name.
// It accepts both URL and keyword/value DSNs.
func withDatabase(admin, name string) (string, error) {
	if strings.HasPrefix(admin, "postgres://") || strings.HasPrefix(admin, "postgresql://") {
		u, err := url.Parse(admin)
		if err != nil {
			return "", fmt.Errorf("parse %s: %w", EnvVar, err)
		}
		u.Path = "/" + name
		u.RawPath = ""
		return u.String(), nil
	}
	// In a keyword/value DSN the last setting wins.
	return admin + " dbname=" + name, nil
}

// redact hides a password in a URL DSN; keyword/value DSNs are shown only
// by host.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	if cfg, err := pgx.ParseConfig(dsn); err == nil {
		return fmt.Sprintf("host=%s port=%d", cfg.Host, cfg.Port)
	}
	return "(unparsable DSN)"
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails
	return hex.EncodeToString(b)
}
