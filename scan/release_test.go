package scan_test

import (
	"os"
	"path/filepath"
	"testing"

	"glassbox.dev/evidence"
	"glassbox.dev/ingest"
	"glassbox.dev/scan"
	"glassbox.dev/scan/rules/blobs"
	"glassbox.dev/sqlite"
)

// TestShippedArtefactsAreNotSource: a vendor's shipped artefact (cJSON
// 1.7.18 ships artifacts/libcjson.so.1.7.18) is compiled by nature and is
// not reported by GB0701 as a compiled file committed to the source tree;
// the same bytes committed among the sources still are.
func TestShippedArtefactsAreNotSource(t *testing.T) {
	elf, err := os.ReadFile(os.Args[0]) // this test binary: a real ELF file
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	blobStore, err := evidence.OpenFS(filepath.Join(dir, "evidence"))
	if err != nil {
		t.Fatal(err)
	}
	defer blobStore.Close()
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "glassbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	src := t.TempDir()
	for p, b := range map[string][]byte{"cJSON.c": []byte("int cJSON_Version;\n"), "lib/prebuilt.so": elf} {
		if err := os.MkdirAll(filepath.Join(src, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, p), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	art := filepath.Join(t.TempDir(), "libcjson.so.1.7.18")
	if err := os.WriteFile(art, elf, 0o755); err != nil {
		t.Fatal(err)
	}
	in := &ingest.Ingester{Blobs: blobStore, Releases: db}
	res, err := in.Submit(t.Context(), ingest.Request{Product: "cjson", Version: "1.7.18", SourceDir: src, Artifacts: []string{art}})
	if err != nil {
		t.Fatal(err)
	}
	s := &scan.Scanner{Analyzers: []scan.Analyzer{blobs.New()}, MaxFileSize: int64(len(elf)) + 1}
	got, err := s.ScanFiles(t.Context(), scan.ReleaseFiles(t.Context(), blobStore, res.Release))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range got.Findings {
		if f.RuleID == blobs.RuleExecutable.ID {
			paths = append(paths, f.Path)
		}
	}
	if len(paths) != 1 || paths[0] != "lib/prebuilt.so" {
		t.Errorf("GB0701 reported at %v; want only the source tree's lib/prebuilt.so, not the shipped artifacts/libcjson.so.1.7.18", paths)
	}
}
