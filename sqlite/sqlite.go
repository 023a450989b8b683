// Package sqlite keeps the release metadata in a SQLite database file, the
// default for a centre on one machine, through the pure-Go modernc.org/sqlite.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"glassbox.dev"
	"glassbox.dev/internal/sqlstore"
)

// busyTimeoutMillis is how long a writer waits for another to finish: long
// enough for the largest release a concurrent submit inserts, short enough
// that a process stuck holding the lock is reported rather than waited on
// forever.
const busyTimeoutMillis = "30000"

// dialect is how sqlstore speaks to SQLite.
var dialect = sqlstore.Dialect{
	Name: "sqlite",
	// Every transaction is BEGIN IMMEDIATE (see dsn), which already makes
	// its migration the only writer.
	LockMigrations: nil,
	IsUniqueViolation: func(err error) bool {
		var e *sqlite.Error
		return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
	},
}

// Open opens the release store in the SQLite database at path, creating the
// database if needed but not its directory, which the caller owns.
func Open(ctx context.Context, path string) (*sqlstore.Store, error) {
	db, err := openDB(ctx, path)
	if err != nil {
		return nil, err
	}
	return sqlstore.New(ctx, db, dialect)
}

// OpenDB opens the SQLite database at path with the settings every
// glassbox database has (WAL, synchronous=FULL, a busy timeout, immediate
// transactions), for a store other than the release metadata: the job
// queue keeps its own file beside it.
func OpenDB(ctx context.Context, path string) (*sql.DB, error) {
	return openDB(ctx, path)
}

// maxIdleConns is how many connections stay open between queries.
const maxIdleConns = 32

func openDB(ctx context.Context, path string) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "sqlite: open %s: %w", path, err)
	}
	// SQLite's own error for a missing directory is "unable to open
	// database file", which does not say what to do.
	if fi, err := os.Stat(filepath.Dir(abs)); err != nil || !fi.IsDir() {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "sqlite: open %s: directory %s does not exist; create the data directory first", path, filepath.Dir(abs))
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "sqlite: open %s: %w", path, err)
	}
	// journal_mode=WAL can fail without an error, leaving the old mode, on
	// file systems without the shared memory WAL needs. Readers would then
	// block behind every writer, so say so now.
	//
	// Switching a new database to WAL takes an exclusive lock that SQLite
	// does not wait for: two processes opening it at once can get
	// SQLITE_BUSY from the connection's first statement. Retry that briefly.
	var mode string
	for attempt := 0; ; attempt++ {
		err = db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
		if err == nil {
			break
		}
		if attempt >= 100 || !strings.Contains(err.Error(), "SQLITE_BUSY") && !strings.Contains(err.Error(), "database is locked") {
			db.Close()
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "sqlite: open %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			db.Close()
			return nil, ctx.Err()
		case <-time.After(time.Duration(5+attempt) * time.Millisecond):
		}
	}
	if mode != "wal" {
		db.Close()
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "sqlite: open %s: the database is in journal mode %q and cannot be switched to WAL; is it on a network file system?", path, mode)
	}
	// database/sql keeps 2 idle connections by default: under concurrent
	// requests every other query would open a connection (parse the DSN,
	// open the file, set the pragmas) and close it again.
	db.SetMaxIdleConns(maxIdleConns)
	return db, nil
}

// dsn returns the modernc.org/sqlite name of the database at the absolute
// path abs with the settings every connection needs:
//
//   - WAL, so that readers never wait for the writer;
//   - synchronous=FULL, because in WAL mode anything less can lose the last
//     transactions on power loss, and a release the centre has reported as
//     stored must stay stored;
//   - foreign keys, which SQLite leaves off by default;
//   - a busy timeout, so that writers queue instead of failing at once;
//   - _txlock=immediate, so that every transaction takes the write lock when
//     it begins: one writer at a time, and none fails halfway for want of a
//     lock that a reader turned writer cannot wait for.
//
// The path goes in a file: URI so that no character of it (?, #, %) is read
// as part of the parameters.
func dsn(abs string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/data/glassbox.db → file:///C:/data/glassbox.db
	}
	u := url.URL{Scheme: "file", Path: p}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "1")
	q.Set("_busy_timeout", busyTimeoutMillis)
	q.Set("_txlock", "immediate")
	u.RawQuery = q.Encode()
	return u.String()
}
