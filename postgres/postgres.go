// Package postgres keeps the release metadata in a PostgreSQL database, for
// a centre whose processes run on several machines, through pgx's database/sql driver.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	neturl "net/url"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"glassbox.dev"
	"glassbox.dev/internal/sqlstore"
)

// DefaultConnectTimeout bounds connecting to the server when the URL sets
// no connect_timeout.
const DefaultConnectTimeout = 10 * time.Second

// migrationLock is the key of the advisory lock that migrations hold. The
// lock covers the whole database, not one schema, so migrations of
// different schemas in one database (as tests make) wait for each other,
// which costs nothing that matters.
const migrationLock int64 = 0x676c617373626f78 // "glassbox"

// uniqueViolation is the SQLSTATE of a UNIQUE or PRIMARY KEY violation.
const uniqueViolation = "23505"

var dialect = sqlstore.Dialect{
	Name:           "postgres",
	NumberedParams: true,
	LockMigrations: func(ctx context.Context, tx *sql.Tx) error {
		// Held until the transaction ends, so it cannot leak.
		_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock)
		return err
	},
	IsUniqueViolation: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == uniqueViolation
	},
}

// Open opens the release store in the PostgreSQL database that url names
// (postgres://user@host:port/database?sslmode=…), creating its tables if
// needed. Parameters that pgx does not know, such as search_path, are set
// on every connection, so a schema can be chosen with ?search_path=name.
func Open(ctx context.Context, url string) (*sqlstore.Store, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx leaves any password out of its message.
		return nil, glassbox.Errorf(glassbox.EINVALID, "postgres: %w", err)
	}
	// A server that accepts the connection and never answers must not
	// hang every command: bound the connection unless the URL does.
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	db := stdlib.OpenDB(*cfg)
	// The URL itself may hold a password: name the server by host and
	// database only.
	pctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		if pctx.Err() != nil && ctx.Err() == nil {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "postgres: database %q on %s:%d did not answer within %s (connect_timeout in the URL sets this); is it a PostgreSQL server, and is it up?", cfg.Database, cfg.Host, cfg.Port, cfg.ConnectTimeout)
		}
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "postgres: connect to database %q on %s:%d: %w", cfg.Database, cfg.Host, cfg.Port, err)
	}
	return sqlstore.New(ctx, db, dialect)
}

// Redact returns a database URL or connection string with any password in
// it (user:password@, password=…) replaced by "xxxxx", for messages.
func Redact(raw string) string {
	if u, err := neturl.Parse(raw); err == nil && u.Scheme != "" {
		raw = u.Redacted()
	} else if err != nil {
		// A URL that does not parse may still hold user:password@.
		raw = userinfo.ReplaceAllString(raw, "${1}xxxxx@")
	}
	return passwordParam.ReplaceAllString(raw, "${1}xxxxx")
}

var (
	userinfo      = regexp.MustCompile(`(://[^:/@]*:)[^@]*@`)
	passwordParam = regexp.MustCompile(`(?i)(password\s*=\s*)('[^']*'|[^&\s]*)`)
)
