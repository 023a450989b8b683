package rebuild

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/evidence"
	"glassbox.dev/ingest"
	"glassbox.dev/sqlite"
)

// centre is a data directory with an evidence store and a release store,
// for tests that submit and rebuild releases as the centre does.
type centre struct {
	data     string
	blobs    *evidence.FS
	releases glassbox.ReleaseStore
	in       *ingest.Ingester
}

func newCentre(t *testing.T) *centre {
	t.Helper()
	c := &centre{data: t.TempDir()}
	var err error
	if c.blobs, err = evidence.OpenFS(filepath.Join(c.data, "evidence")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.blobs.Close() })
	if c.releases, err = sqlite.Open(context.Background(), filepath.Join(c.data, "glassbox.db")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.releases.Close() })
	c.in = &ingest.Ingester{Blobs: c.blobs, Releases: c.releases}
	return c
}

// submit submits a release of the given source and artefact.
func (c *centre) submit(t *testing.T, req ingest.Request) *glassbox.Release {
	t.Helper()
	req.Limits = ingest.DefaultLimits()
	res, err := c.in.Submit(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return res.Release
}

// rebuild rebuilds rel with its default recipe and fails the test unless
// it reproduces.
func (c *centre) rebuild(t *testing.T, rb *Rebuilder, rel *glassbox.Release) {
	t.Helper()
	ctx := context.Background()
	recipe, recipeDigest, err := ChooseRecipe(ctx, c.blobs, rel)
	if err != nil {
		t.Fatal(err)
	}
	rep, _, err := rb.Rebuild(ctx, rel, recipe, recipeDigest)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Reproduced() {
		t.Fatalf("%s did not reproduce: %s; %+v", rel.Manifest.String(), rep.Failure, rep.Artifacts)
	}
}

// cacheFiles lists the files of the Go build caches under dir, by cache.
func cacheFiles(t *testing.T, dir string) map[string]int {
	t.Helper()
	n := map[string]int{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			n[strings.SplitN(filepath.ToSlash(rel), "/", 2)[0]]++
		}
		return nil
	})
	return n
}

// TestGoCachePerVendor: a vendor's Go rebuilds share a build cache of
// their own, which a second build reuses without compiling anything again;
// another vendor's builds get another cache.
func TestGoCachePerVendor(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs in the sandbox; skipped in -short mode")
	}
	needBwrap(t)
	c := newCentre(t)
	src := writeHello(t)
	bin := hostGoBuild(t, src)
	rb := &Rebuilder{Blobs: c.blobs, DataDir: c.data}
	caches := filepath.Join(c.data, "gocache")

	c.rebuild(t, rb, c.submit(t, ingest.Request{Product: "acme/hello", Version: "1.0.0", SourceDir: src, Artifacts: []string{bin}}))
	first := cacheFiles(t, caches)
	if len(first) != 1 {
		t.Fatalf("after acme's first rebuild: caches %v, want one", first)
	}
	var acme string
	for k := range first {
		acme = k
	}
	if first[acme] < 10 {
		t.Fatalf("acme's cache holds %d files: the build did not use it", first[acme])
	}

	// The same vendor, another release of the same code: everything is a
	// hit, so nothing new is written.
	c.rebuild(t, rb, c.submit(t, ingest.Request{Product: "acme/hello", Version: "1.0.1", SourceDir: src, Artifacts: []string{bin}}))
	second := cacheFiles(t, caches)
	if len(second) != 1 || second[acme] != first[acme] {
		t.Errorf("after acme's second rebuild: caches %v, want acme's alone with %d files as before (all hits)", second, first[acme])
	}

	// Another vendor never sees acme's cache.
	c.rebuild(t, rb, c.submit(t, ingest.Request{Product: "globex/hello", Version: "1.0.0", SourceDir: src, Artifacts: []string{bin}}))
	third := cacheFiles(t, caches)
	if len(third) != 2 || third[acme] != first[acme] {
		t.Errorf("after globex's rebuild: caches %v, want acme's unchanged and one of globex's own", third)
	}
}
