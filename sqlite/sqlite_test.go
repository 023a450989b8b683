package sqlite

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/internal/sqlstore/storetest"
)

// dbPath is the database file of a test, in its own directory.
var dbPath = storetest.PerTest(func(t *testing.T) string {
	return filepath.Join(t.TempDir(), "glassbox.db")
})

func open(t *testing.T) (glassbox.ReleaseStore, error) {
	s, err := Open(t.Context(), dbPath(t))
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { s.Close() })
	return s, nil
}

// rawDB is a connection pool of the test's own on its database, configured
// as the store's is.
func rawDB(t *testing.T) *sql.DB {
	db, err := openDB(t.Context(), dbPath(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, storetest.Must(open))
}

func TestStoreBeneath(t *testing.T) {
	storetest.RunSQL(t, storetest.Database{
		Open: open,
		SQL:  rawDB,
		FailFileInserts: func(t *testing.T, db *sql.DB) {
			_, err := db.ExecContext(t.Context(), `CREATE TRIGGER fail_file BEFORE INSERT ON release_files
				WHEN NEW.path = '`+storetest.FailPath+`' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
			if err != nil {
				t.Fatal(err)
			}
		},
		FailSubjectInserts: func(t *testing.T, db *sql.DB) {
			_, err := db.ExecContext(t.Context(), `CREATE TRIGGER fail_subject BEFORE INSERT ON attestation_subjects
				WHEN NEW.subject_digest = '`+string(storetest.FailSubject)+`' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
			if err != nil {
				t.Fatal(err)
			}
		},
		LockWrites: func(t *testing.T, tx *sql.Tx) {
			// The transaction began IMMEDIATE, as all do on this
			// connection, so it already holds the write lock; a write
			// makes sure of it.
			if _, err := tx.ExecContext(t.Context(), `DELETE FROM release_files WHERE 0`); err != nil {
				t.Fatal(err)
			}
		},
	})
}

// Every connection gets the settings that make the file durable and safe
// to share; journal_mode is a property of the file, the others of each
// connection.
func TestConnectionSettings(t *testing.T) {
	db := rawDB(t)
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for pragma, want := range map[string]string{
		"journal_mode": "wal",
		"synchronous":  "2", // FULL
		"foreign_keys": "1",
		"busy_timeout": busyTimeoutMillis,
	} {
		var got string
		if err := conn.QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s; want %s", pragma, got, want)
		}
	}
}

// The caller makes the data directory; Open says so when it is missing and
// does not make it.
func TestOpenNeedsItsDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s, err := Open(t.Context(), filepath.Join(dir, "glassbox.db"))
	if err == nil {
		s.Close()
		t.Fatal("Open in a missing directory succeeded")
	}
	if !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("Open in a missing directory: %v; want an error that names it and says it does not exist", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Open made the missing directory (stat: %v)", err)
	}
}

// A path is a path, even when it holds characters that mean something in a
// URI or a DSN.
func TestOpenPathWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a b?c=d&e#f%20g")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "glassbox.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateRelease(t.Context(), storetest.NewRelease(t, "acme/router", "1.4.2")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the database is not where it was asked to be: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "glassbox.db") {
			t.Errorf("unexpected file %s beside the database", e.Name())
		}
	}
}
