package storetest

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
)

// FailPath is the path of a source file whose release_files row the
// database refuses once Database.FailFileInserts has run.
const FailPath = "zz/fail-here"

// FailSubject is the subject whose attestation_subjects rows the database
// refuses once Database.FailSubjectInserts has run: the digest of
// "fail here".
const FailSubject glassbox.Digest = "sha256:e0c4646ffabc7dfe246e92fa8e14c2a4cd415919b7bc2b85943eda5c58ecf49f"

// Database is a database under test, for the tests that look beneath the
// ReleaseStore interface: at the rows the store writes, and at what it does
// when the database fails or someone else holds it.
type Database struct {
	// Open returns a store as Run's open does, or the error opening it.
	Open func(t *testing.T) (glassbox.ReleaseStore, error)
	// SQL returns a connection pool of the test's own to the database that
	// Open opens for the same t. It is called after Open.
	SQL func(t *testing.T) *sql.DB
	// FailFileInserts makes the database refuse to insert a release_files
	// row whose path is FailPath, as a full disk or a lost connection
	// would fail a write halfway through a release.
	FailFileInserts func(t *testing.T, db *sql.DB)
	// LockWrites makes tx hold off every other writer of releases until it
	// ends, while readers go on.
	LockWrites func(t *testing.T, tx *sql.Tx)
	// FailSubjectInserts makes the database refuse to insert an
	// attestation_subjects row whose subject_digest is FailSubject, as a
	// full disk or a lost connection would fail the recording of a batch
	// of attestations halfway through.
	FailSubjectInserts func(t *testing.T, db *sql.DB)
}

// Must turns a Database's Open into the open that Run takes.
func Must(open func(t *testing.T) (glassbox.ReleaseStore, error)) func(t *testing.T) glassbox.ReleaseStore {
	return func(t *testing.T) glassbox.ReleaseStore {
		t.Helper()
		s, err := open(t)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

// RunSQL runs the tests that look beneath the interface.
func RunSQL(t *testing.T, d Database) {
	open := Must(d.Open)
	t.Run("FileRows", func(t *testing.T) { testFileRows(t, open, d) })
	t.Run("AllOrNothing", func(t *testing.T) { testAllOrNothing(t, open, d) })
	t.Run("RepeatSubmitTakesNoWriteLock", func(t *testing.T) { testNoWriteLock(t, open, d) })
	t.Run("TamperedManifest", func(t *testing.T) { testTampered(t, open, d) })
	t.Run("NewerSchema", func(t *testing.T) { testNewerSchema(t, open, d) })
	t.Run("AttestationRows", func(t *testing.T) { testAttestationRows(t, open, d) })
	t.Run("AttestationsAllOrNothing", func(t *testing.T) { testAttestationsAllOrNothing(t, open, d) })
}

type fileRow struct {
	Release glassbox.Digest
	Role    string
	Path    string
	Size    int64
	Mode    string
	Digest  glassbox.Digest
}

// manyFiles adds n source files, so that a release takes more than one
// INSERT of its files.
func manyFiles(n int) func(*glassbox.Manifest) {
	return func(m *glassbox.Manifest) {
		for i := range n {
			m.Source.Files = append(m.Source.Files, regular(fmt.Sprintf("vendor/mod%04d/lib.go", i), fmt.Sprintf("package mod%04d\n", i)))
		}
		glassbox.SortFiles(m.Source.Files)
	}
}

// Every file a manifest names has a row, with its role, so that later
// stages can find releases by the digest of a file.
func testFileRows(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore, d Database) {
	s := open(t)
	rels := []*glassbox.Release{
		NewRelease(t, "acme/router", "1.4.2"),
		NewRelease(t, "acme/router", "1.4.3", fromArchive),
		NewRelease(t, "acme/router", "1.5.0", manyFiles(1234)),
	}
	var want []fileRow
	for _, r := range rels {
		mustCreate(t, s, r)
		m := &r.Manifest
		add := func(role string, files ...glassbox.File) {
			for _, f := range files {
				want = append(want, fileRow{r.ID, role, f.Path, f.Size, f.Mode, f.Digest})
			}
		}
		if m.Source.Archive != nil {
			add("archive", *m.Source.Archive)
		}
		add("artifact", m.Artifacts...)
		add("recipe", *m.Recipe)
		add("sbom", *m.SBOM)
		add("source", m.Source.Files...)
	}
	got := fileRows(t, d.SQL(t), "")
	if len(got) != len(want) {
		t.Fatalf("release_files has %d rows; want %d", len(got), len(want))
	}
	// Sorted here, where the order does not depend on the collation.
	slices.SortFunc(got, compareRows)
	slices.SortFunc(want, compareRows)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("release_files row %d is %+v; want %+v", i, got[i], want[i])
		}
	}

	artefact := rels[0].Manifest.Artifacts[1].Digest
	byDigest := fileRows(t, d.SQL(t), fmt.Sprintf("WHERE digest = '%s'", artefact))
	if len(byDigest) != 1 || byDigest[0].Release != rels[0].ID || byDigest[0].Role != "artifact" {
		t.Errorf("rows with digest %s: %+v; want the artefact of %s", artefact, byDigest, rels[0].ID)
	}
}

func compareRows(a, b fileRow) int {
	return cmp.Or(strings.Compare(string(a.Release), string(b.Release)), strings.Compare(a.Role, b.Role), strings.Compare(a.Path, b.Path))
}

func fileRows(t *testing.T, db *sql.DB, where string) []fileRow {
	t.Helper()
	rows, err := db.QueryContext(ctx(t), `SELECT release_id, role, path, size, mode, digest FROM release_files `+where)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []fileRow
	for rows.Next() {
		var r fileRow
		if err := rows.Scan(&r.Release, &r.Role, &r.Path, &r.Size, &r.Mode, &r.Digest); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func countRows(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(ctx(t), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A release is stored whole or not at all: when the database fails after
// the release row and some batches of file rows were written, none of them
// remain, and the store goes on working.
func testAllOrNothing(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore, d Database) {
	s := open(t)
	db := d.SQL(t)
	d.FailFileInserts(t, db)
	r := NewRelease(t, "acme/router", "1.4.2", manyFiles(1234), withFile(FailPath, "boom\n"))
	created, err := s.CreateRelease(ctx(t), r)
	if err == nil || created {
		t.Fatalf("CreateRelease with a failing file insert = %v, %v; want an error", created, err)
	}
	if code := glassbox.ErrorCode(err); code != glassbox.EINTERNAL {
		t.Errorf("CreateRelease failed with code %s (%v); want %s", code, err, glassbox.EINTERNAL)
	}
	wantNotFound(t, s, r.ID)
	wantEmpty(t, s)
	if n := countRows(t, db, "release_files"); n != 0 {
		t.Errorf("release_files has %d rows after a failed create; want 0", n)
	}
	mustCreate(t, s, NewRelease(t, "acme/router", "1.4.2"))
}

// Submitting a release that is already stored only reads, so it goes
// through while another writer holds the database, and so does learning
// that a version is taken.
func testNoWriteLock(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore, d Database) {
	s := open(t)
	r := NewRelease(t, "acme/router", "1.4.2")
	mustCreate(t, s, r)

	tx, err := d.SQL(t).BeginTx(ctx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	d.LockWrites(t, tx)

	c, cancel := context.WithTimeout(ctx(t), 5*time.Second)
	defer cancel()
	created, err := s.CreateRelease(c, NewRelease(t, "acme/router", "1.4.2"))
	if err != nil || created {
		t.Errorf("CreateRelease of a stored release while another writer holds the database = %v, %v; want false, nil", created, err)
	}
	other := NewRelease(t, "acme/router", "1.4.2", withFile("CHANGES", "none\n"))
	if _, err := s.CreateRelease(c, other); glassbox.ErrorCode(err) != glassbox.ECONFLICT {
		t.Errorf("CreateRelease of a taken version while another writer holds the database = %v; want an %s error", err, glassbox.ECONFLICT)
	}
}

// A manifest changed in the database behind the store's back is reported as
// ECORRUPT, never returned.
func testTampered(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore, d Database) {
	s := open(t)
	r := NewRelease(t, "acme/router", "1.4.2")
	mustCreate(t, s, r)
	if _, err := d.SQL(t).ExecContext(ctx(t), `UPDATE releases SET manifest = REPLACE(manifest, '1.4.2', '1.4.3')`); err != nil {
		t.Fatal(err)
	}
	if got, err := s.FindRelease(ctx(t), r.ID); glassbox.ErrorCode(err) != glassbox.ECORRUPT {
		t.Errorf("FindRelease of a changed manifest = %v, %v; want an %s error", got, err, glassbox.ECORRUPT)
	}
	if got, err := s.FindReleases(ctx(t), glassbox.ReleaseFilter{}); glassbox.ErrorCode(err) != glassbox.ECORRUPT {
		t.Errorf("FindReleases with a changed manifest = %v, %v; want an %s error", got, err, glassbox.ECORRUPT)
	}
}

// A database migrated by a newer glassbox is refused, not written with
// the assumptions of an older schema.
func testNewerSchema(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore, d Database) {
	open(t)
	if _, err := d.SQL(t).ExecContext(ctx(t), `INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	s, err := d.Open(t)
	if err == nil {
		s.Close()
		t.Fatal("opening a database with schema version 9999 succeeded")
	}
	if !strings.Contains(err.Error(), "9999") || !strings.Contains(err.Error(), "newer") {
		t.Errorf("opening a database with schema version 9999: %v; want an error that says it is newer", err)
	}
}

// attestationCounts is how many rows each table of the log's index has,
// and the watermark as stored (-1 for no row).
type attestationCounts struct {
	Attestations, Subjects, LogState int
	Next                             int64
}

func countAttestations(t *testing.T, db *sql.DB) attestationCounts {
	t.Helper()
	c := attestationCounts{
		Attestations: countRows(t, db, "attestations"),
		Subjects:     countRows(t, db, "attestation_subjects"),
		LogState:     countRows(t, db, "log_state"),
		Next:         -1,
	}
	if c.LogState > 0 {
		if err := db.QueryRowContext(ctx(t), `SELECT next_index FROM log_state`).Scan(&c.Next); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// An attestation has one row, and one row per subject, however often it is
// recorded; the watermark is one row. A refused batch writes no row.
func testAttestationRows(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore, d Database) {
	s := attestationStore(t, open(t))
	db := d.SQL(t)
	if got, want := countAttestations(t, db), (attestationCounts{Next: -1}); got != want {
		t.Fatalf("a new database has %+v; want %+v", got, want)
	}
	router, arm := subject("router"), subject("router-arm64")
	mustRecord(t, s, []*glassbox.Attestation{
		newAttestation("a", 0, router, arm, router),
		newAttestation("b", 1, arm),
		newAttestation("a", 2, router), // the log holds a twice
	}, 3)
	want := attestationCounts{Attestations: 2, Subjects: 3, LogState: 1, Next: 3}
	if got := countAttestations(t, db); got != want {
		t.Errorf("after recording a batch: %+v; want %+v", got, want)
	}
	mustRecord(t, s, []*glassbox.Attestation{newAttestation("b", 3, arm, router)}, 4)
	want.Next = 4
	if got := countAttestations(t, db); got != want {
		t.Errorf("after recording an envelope again: %+v; want %+v", got, want)
	}

	bad := newAttestation("c", 5, router)
	bad.KeyID = ""
	err := s.RecordAttestations(ctx(t), []*glassbox.Attestation{newAttestation("d", 4, router), bad}, 6)
	if glassbox.ErrorCode(err) != glassbox.EINVALID {
		t.Fatalf("RecordAttestations of an invalid batch = %v; want an %s error", err, glassbox.EINVALID)
	}
	if got := countAttestations(t, db); got != want {
		t.Errorf("after a refused batch: %+v; want %+v, as before", got, want)
	}
}

// A batch is recorded whole or not at all: when the database fails after
// the attestations and some batches of subject rows were written, none of
// them remain and the watermark stays, so that the indexer reads the same
// entries again; and the store goes on working.
func testAttestationsAllOrNothing(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore, d Database) {
	if glassbox.DigestOf([]byte("fail here")) != FailSubject {
		t.Fatalf("FailSubject is not the digest of %q", "fail here")
	}
	s := attestationStore(t, open(t))
	db := d.SQL(t)
	mustRecord(t, s, []*glassbox.Attestation{newAttestation("before", 0, subject("router"))}, 1)
	before := countAttestations(t, db)
	d.FailSubjectInserts(t, db)

	const n = 1234
	shared := subject("shared")
	atts := manyAttestations(n, shared)
	for _, a := range atts {
		a.LogIndex++ // after "before"
	}
	// The subjects are written in the order of the envelopes: make the
	// last of them fail.
	last := slices.MaxFunc(atts, func(a, b *glassbox.Attestation) int {
		return strings.Compare(string(a.EnvelopeDigest), string(b.EnvelopeDigest))
	})
	last.Subjects = append(last.Subjects, FailSubject)
	err := s.RecordAttestations(ctx(t), atts, n+1)
	if glassbox.ErrorCode(err) != glassbox.EINTERNAL {
		t.Fatalf("RecordAttestations with a failing subject insert = %v; want an %s error", err, glassbox.EINTERNAL)
	}
	if got := countAttestations(t, db); got != before {
		t.Errorf("after a failed batch: %+v; want %+v, as before", got, before)
	}
	wantWatermark(t, s, 1)
	wantFound(t, s, shared)
	for _, a := range atts {
		if !a.LoggedAt.IsZero() {
			t.Fatalf("a failed RecordAttestations set LoggedAt of %s to %v", a.EnvelopeDigest, a.LoggedAt)
		}
	}

	last.Subjects = last.Subjects[:len(last.Subjects)-1]
	mustRecord(t, s, atts, n+1)
	wantWatermark(t, s, n+1)
	if got, err := s.FindAttestations(ctx(t), shared); err != nil || len(got) != n {
		t.Errorf("FindAttestations after recording the batch again found %d, %v; want %d", len(got), err, n)
	}
}
