package centre_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/centre"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/internal/s3test"
)

const sharedCatalog = `{
  "catalog": {
    "uuid": "8a1f5b2c-3d4e-4f60-8a7b-9c0d1e2f3a4b",
    "metadata": {"title": "Operator baseline", "last-modified": "2026-11-01T00:00:00Z", "version": "1.0", "oscal-version": "1.0.6"},
    "groups": [{"id": "net", "title": "Network", "controls": [
      {"id": "NET-1", "title": "No hidden listeners", "props": [{"name": "label", "value": "N1"}]}
    ]}]
  }
}`

// TestCatalogsAreShared: a catalog one process of a deployment adds is
// the catalog of every other (same database, same evidence bucket, other
// data directories); none can store another catalog under its id; and a
// data directory's catalogs from before they were shared are adopted.
func TestCatalogsAreShared(t *testing.T) {
	pg := os.Getenv("GLASSBOX_TEST_POSTGRES")
	if pg == "" {
		t.Skip("GLASSBOX_TEST_POSTGRES is not set")
	}
	ctx := t.Context()
	db := centretest.PostgresSchema(t, pg)
	srv := s3test.Start(t)
	bucket := srv.Bucket()
	open := func(name string) *centre.Centre {
		cfg := srv.Config(bucket, "")
		c, err := centre.Open(ctx, filepath.Join(t.TempDir(), name), centre.Options{DB: db, Log: centre.NoLog, Evidence: &cfg})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	a, b := open("a"), open("b")
	if _, err := a.AddCatalog(ctx, "", "baseline.json", []byte(sharedCatalog), "", nil); err != nil {
		t.Fatal(err)
	}
	_, ids, err := b.Catalogs(ctx)
	if err != nil || !slices.Contains(ids, "baseline") {
		t.Fatalf("another process's catalogs: %v, %v; want baseline among them", ids, err)
	}
	v, err := b.Catalog(ctx, "baseline")
	if err != nil || len(v.Controls) != 1 || v.Title != "Operator baseline" {
		t.Fatalf("another process's view of the catalog: %+v, %v", v, err)
	}
	other := strings.Replace(sharedCatalog, `"version": "1.0"`, `"version": "2.0"`, 1)
	if _, err := b.AddCatalog(ctx, "baseline", "other.json", []byte(other), "", nil); glassbox.ErrorCode(err) != glassbox.ECONFLICT {
		t.Errorf("another catalog under a stored id from another process: %v; want ECONFLICT", err)
	}
	if _, err := b.AddCatalog(ctx, "", "baseline.json", []byte(sharedCatalog), "", nil); err != nil {
		t.Errorf("the same catalog again from another process: %v", err)
	}

	// A data directory that kept a catalog in DATA/catalogs before: its
	// first use adopts it, and every process sees it.
	legacy := filepath.Join(t.TempDir(), "legacy")
	os.MkdirAll(filepath.Join(legacy, "catalogs"), 0o755)
	os.WriteFile(filepath.Join(legacy, "catalogs", "old-baseline.json"), []byte(strings.Replace(sharedCatalog, "8a1f5b2c", "9b2f5b2c", 1)), 0o644)
	cfg := srv.Config(bucket, "")
	l, err := centre.Open(ctx, legacy, centre.Options{DB: db, Log: centre.NoLog, Evidence: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, ids, err := l.Catalogs(ctx); err != nil || !slices.Contains(ids, "old-baseline") {
		t.Fatalf("a data directory's own catalogs: %v, %v", ids, err)
	}
	if _, ids, err := a.Catalogs(ctx); err != nil || !slices.Contains(ids, "old-baseline") {
		t.Errorf("an adopted catalog is not shared: %v, %v", ids, err)
	}

	// One that does not parse is refused, naming its file, and adopted
	// nowhere: the shared catalogs stay usable for every other process.
	broken := filepath.Join(t.TempDir(), "broken")
	os.MkdirAll(filepath.Join(broken, "catalogs"), 0o755)
	os.WriteFile(filepath.Join(broken, "catalogs", "broken.json"), []byte(`{"catalog": {`), 0o644)
	bc, err := centre.Open(ctx, broken, centre.Options{DB: db, Log: centre.NoLog, Evidence: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer bc.Close()
	if _, _, err := bc.Catalogs(ctx); err == nil || !strings.Contains(err.Error(), "broken.json") {
		t.Errorf("a data directory's broken catalog: %v; want an error naming it", err)
	}
	if _, ids, err := a.Catalogs(ctx); err != nil || slices.Contains(ids, "broken") {
		t.Errorf("after a broken catalog was refused, another process's catalogs: %v, %v", ids, err)
	}
}
