package stage_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"glassbox.dev/centre/stage"
	"glassbox.dev/ingest"
	"glassbox.dev/scan"
)

// TestScanOfAnOlderFormatIsNotReused: a scan stored before findings
// carried the values compared with input is run again, so that the run
// stage gets them; one of the current format is reused.
func TestScanOfAnOlderFormatIsNotReused(t *testing.T) {
	d := openDataDir(t)
	src := t.TempDir()
	code := "package main\n\nimport \"crypto/subtle\"\n\nfunc ok(token string) bool {\n\treturn subtle.ConstantTimeCompare([]byte(token), []byte(\"open-sesame-42\")) == 1\n}\n\nfunc main() { println(ok(\"x\")) }\n"
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	j := d.submit(t, ingest.Request{Product: "p", Version: "1", SourceDir: src})
	first, err := j.Scan(t.Context(), stage.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if first.Reused || first.Result.Format != scan.ResultFormat {
		t.Fatalf("first scan: reused %v, format %d", first.Reused, first.Result.Format)
	}
	inputs := 0
	for _, f := range first.Result.Findings {
		inputs += len(f.Inputs)
	}
	if inputs == 0 {
		t.Fatalf("no finding carries the compared value: %+v", first.Result.Findings)
	}
	if again, err := j.Scan(t.Context(), stage.ScanOptions{}); err != nil || !again.Reused {
		t.Fatalf("a scan of the current format was not reused: %v", err)
	}
	// The same result as an older glassbox stored it: no format, no inputs.
	old := *first.Result
	old.Format = 0
	old.Findings = append([]scan.Finding(nil), first.Result.Findings...)
	for i := range old.Findings {
		old.Findings[i].Inputs = nil
	}
	b, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	od, err := d.blobs.Put(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.store.RecordEvidence(t.Context(), j.Release.ID, stage.KindScanResult, od); err != nil {
		t.Fatal(err)
	}
	rescanned, err := j.Scan(t.Context(), stage.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rescanned.Reused || rescanned.Result.Format != scan.ResultFormat {
		t.Errorf("a scan of an older format was reused")
	}
}
