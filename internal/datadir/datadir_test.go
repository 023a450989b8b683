package datadir_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/evidence"
	"glassbox.dev/ingest"
	"glassbox.dev/internal/datadir"
	"glassbox.dev/sqlite"
)

// submitOne stores a one-file release in the data directory dir, with its
// database at dir/glassbox.db, as glassbox submit does, and returns its id.
func submitOne(t *testing.T, dir, version string) glassbox.Digest {
	t.Helper()
	ctx := context.Background()
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "main.c"), []byte("int main(void) { return 0; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	blobs, err := evidence.OpenFS(filepath.Join(dir, "evidence"))
	if err != nil {
		t.Fatal(err)
	}
	defer blobs.Close()
	db := filepath.Join(dir, "glassbox.db")
	if err := datadir.CheckNewDatabase(dir, db); err != nil {
		t.Fatalf("a new data directory: %v", err)
	}
	rs, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	if err := datadir.CheckDatabase(ctx, dir, db, rs); err != nil {
		t.Fatalf("a new database: %v", err)
	}
	res, err := (&ingest.Ingester{Blobs: blobs, Releases: rs}).Submit(ctx, ingest.Request{Product: "hello", Version: version, SourceDir: src, Limits: ingest.DefaultLimits()})
	if err != nil {
		t.Fatal(err)
	}
	if err := datadir.Remember(dir, res.Release.ID); err != nil {
		t.Fatal(err)
	}
	return res.Release.ID
}

func TestADeletedDatabaseIsNotAnEmptyCentre(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	id := submitOne(t, dir, "1.0.0")
	db := filepath.Join(dir, "glassbox.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(db + suffix)
	}

	err := datadir.CheckNewDatabase(dir, db)
	if glassbox.ErrorCode(err) != glassbox.ECORRUPT || !strings.Contains(err.Error(), db) || !strings.Contains(err.Error(), "backup") {
		t.Errorf("the database deleted beside its evidence: %v; want ECORRUPT naming %s and what to do", err, db)
	}

	// Once the empty database exists, the anchor still tells.
	rs, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	err = datadir.CheckDatabase(ctx, dir, db, rs)
	if glassbox.ErrorCode(err) != glassbox.ECORRUPT || !strings.Contains(err.Error(), string(id)) {
		t.Errorf("an empty database for a directory whose anchor names %s: %v", id, err)
	}
}

func TestAnotherCentresDatabaseIsRefused(t *testing.T) {
	ctx := context.Background()
	a, b := t.TempDir(), t.TempDir()
	submitOne(t, a, "1.0.0")
	submitOne(t, b, "2.0.0")
	rs, err := sqlite.Open(ctx, filepath.Join(b, "glassbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	err = datadir.CheckDatabase(ctx, a, "b's database", rs)
	if glassbox.ErrorCode(err) != glassbox.ECORRUPT || !strings.Contains(err.Error(), "not this data directory's database") {
		t.Errorf("a's data directory with b's database: %v", err)
	}
	if err := datadir.CheckDatabase(ctx, b, "b's database", rs); err != nil {
		t.Errorf("b's data directory with its own database: %v", err)
	}
}

// A data directory from before anchors gets one on its first check.
func TestAnchorIsRecordedOnFirstCheck(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	id := submitOne(t, dir, "1.0.0")
	os.Remove(filepath.Join(dir, datadir.AnchorFile))
	rs, err := sqlite.Open(ctx, filepath.Join(dir, "glassbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	if err := datadir.CheckDatabase(ctx, dir, "db", rs); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, datadir.AnchorFile)); err != nil || strings.TrimSpace(string(b)) != string(id) {
		t.Errorf("anchor = %q, %v; want %s", b, err, id)
	}
}
