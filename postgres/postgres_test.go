package postgres

import (
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/internal/sqlstore/storetest"
)

// The tests need a PostgreSQL server whose URL is in this variable, such as
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. Each test works
// in a schema of its own, which it drops when it ends.
const urlVar = "GLASSBOX_TEST_POSTGRES"

func serverURL(t *testing.T) string {
	u := os.Getenv(urlVar)
	if u == "" {
		t.Skipf("%s is not set; set it to the URL of a PostgreSQL database to run these tests", urlVar)
	}
	return u
}

// schemaURL is the server URL with search_path set to a new schema of the
// test's own.
var schemaURL = storetest.PerTest(func(t *testing.T) string {
	base := serverURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	schema := "glassbox_test_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		// t.Context() is already done when cleanups run.
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
})

func open(t *testing.T) (glassbox.ReleaseStore, error) {
	s, err := Open(t.Context(), schemaURL(t))
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { s.Close() })
	return s, nil
}

func rawDB(t *testing.T) *sql.DB {
	db, err := sql.Open("pgx", schemaURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	serverURL(t)
	storetest.Run(t, storetest.Must(open))
}

func TestStoreBeneath(t *testing.T) {
	serverURL(t)
	storetest.RunSQL(t, storetest.Database{
		Open: open,
		SQL:  rawDB,
		FailFileInserts: func(t *testing.T, db *sql.DB) {
			for _, stmt := range []string{
				`CREATE FUNCTION fail_file() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`,
				`CREATE TRIGGER fail_file BEFORE INSERT ON release_files FOR EACH ROW
					WHEN (NEW.path = '` + storetest.FailPath + `') EXECUTE FUNCTION fail_file()`,
			} {
				if _, err := db.ExecContext(t.Context(), stmt); err != nil {
					t.Fatal(err)
				}
			}
		},
		FailSubjectInserts: func(t *testing.T, db *sql.DB) {
			for _, stmt := range []string{
				`CREATE FUNCTION fail_subject() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`,
				`CREATE TRIGGER fail_subject BEFORE INSERT ON attestation_subjects FOR EACH ROW
					WHEN (NEW.subject_digest = '` + string(storetest.FailSubject) + `') EXECUTE FUNCTION fail_subject()`,
			} {
				if _, err := db.ExecContext(t.Context(), stmt); err != nil {
					t.Fatal(err)
				}
			}
		},
		LockWrites: func(t *testing.T, tx *sql.Tx) {
			// EXCLUSIVE waits out and holds off INSERT, UPDATE and DELETE,
			// not SELECT.
			if _, err := tx.ExecContext(t.Context(), `LOCK TABLE releases IN EXCLUSIVE MODE`); err != nil {
				t.Fatal(err)
			}
		},
	})
}

// Open refuses a malformed URL, and reports a server it cannot reach
// without repeating the password the URL holds.
func TestOpenErrors(t *testing.T) {
	for _, tc := range []struct {
		url, code string
	}{
		{"postgres://glassbox:s3cret@127.0.0.1:bad/db", glassbox.EINVALID},
		{"postgres://glassbox:s3cret@127.0.0.1:1/db?sslmode=disable&connect_timeout=5", glassbox.EINTERNAL},
	} {
		s, err := Open(t.Context(), tc.url)
		if err == nil {
			s.Close()
			t.Errorf("Open(%s) succeeded", tc.url)
			continue
		}
		if glassbox.ErrorCode(err) != tc.code || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%s): %s error %v; want an %s error without the password", tc.url, glassbox.ErrorCode(err), err, tc.code)
		}
	}
}
