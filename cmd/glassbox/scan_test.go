package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/centre/stage"
	"glassbox.dev/evidence"
	"glassbox.dev/scan"
	"glassbox.dev/sqlite"
)

// cliTestAnalyzer reports the word PLANTED-BACKDOOR, so that these tests do
// not depend on what the real rule families find.
type cliTestAnalyzer struct{}

var cliTestRule = scan.Rule{ID: "TT0001", Name: "cli-test-backdoor", Family: "cli-test", Severity: glassbox.SeverityHigh,
	Summary: "The test marker.", Explanation: "Planted by the CLI tests."}

func (cliTestAnalyzer) Rules() []scan.Rule { return []scan.Rule{cliTestRule} }
func (cliTestAnalyzer) Analyze(f *scan.File) []glassbox.Finding {
	i := bytes.Index(f.Content, []byte("PLANTED-BACKDOOR"))
	if i < 0 {
		return nil
	}
	return []glassbox.Finding{{RuleID: cliTestRule.ID, Message: "the test marker", Region: f.RegionOf(i, i+16), Snippet: "PLANTED-BACKDOOR"}}
}

func init() { scan.Register(cliTestAnalyzer{}) }

func scanTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range map[string]string{
		"main.go":        "package main\n\n// PLANTED-BACKDOOR\nfunc main() {}\n",
		"README.md":      "nothing here\n",
		"vendor/x/x.go":  "package x // PLANTED-BACKDOOR\n",
		"assets/logo.gz": "\x1f\x8b\x08\x00\x00\x00",
	} {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestScanDirectory(t *testing.T) {
	dir := scanTree(t)
	code, out, errOut := glassboxRun(t, "scan", dir)
	if code != exitRefused {
		t.Fatalf("scan with a high finding: exit %d, want %d\n%s%s", code, exitRefused, out, errOut)
	}
	if !regexp.MustCompile(`(?m)^main\.go:3:4: high: TT0001 cli-test-backdoor: the test marker$`).MatchString(out) {
		t.Errorf("no finding line for main.go in\n%s", out)
	}
	if strings.Contains(out, "vendor/x/x.go:") {
		t.Errorf("vendored file scanned without --include-vendored:\n%s", out)
	}
	// vendor/ is skipped; the binary is too unless a family reads binaries.
	if !strings.Contains(out, "1 high") || !regexp.MustCompile(`, [12] skipped`).MatchString(out) {
		t.Errorf("summary does not count 1 high finding and the skipped vendor/ (and binary):\n%s", out)
	}
	if code, out, _ := glassboxRun(t, "scan", "--fail-on", "critical", dir); code != exitOK {
		t.Errorf("--fail-on critical with only a high finding: exit %d\n%s", code, out)
	}
	if code, out, _ := glassboxRun(t, "scan", "--fail-on", "none", "--include-vendored", dir); code != exitOK || !strings.Contains(out, "vendor/x/x.go:1:") {
		t.Errorf("--include-vendored --fail-on none: exit %d, want the vendored finding and 0\n%s", code, out)
	}
	if code, _, _ := glassboxRun(t, "scan", "--fail-on", "severe", dir); code != exitError {
		t.Errorf("--fail-on severe: exit %d, want %d", code, exitError)
	}
	// A single file.
	if code, out, _ := glassboxRun(t, "scan", filepath.Join(dir, "main.go")); code != exitRefused || !strings.Contains(out, "main.go:3:4:") {
		t.Errorf("scan of one file: exit %d\n%s", code, out)
	}

	// SARIF to a file, with the finding suppressed: exit 0, and the
	// suppression is in the SARIF.
	var res struct {
		Findings []struct{ Fingerprint string }
	}
	code, out, _ = glassboxRun(t, "scan", "--format", "json", dir)
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Findings) != 1 {
		t.Fatalf("--format json: exit %d, %v\n%s", code, err, out)
	}
	sup := filepath.Join(t.TempDir(), "suppressions.yaml")
	os.WriteFile(sup, []byte("- fingerprint: "+res.Findings[0].Fingerprint+"\n  reason: a test fixture\n  by: ci\n"), 0o644)
	sarifPath := filepath.Join(t.TempDir(), "out.sarif")
	if code, out, errOut := glassboxRun(t, "scan", "--format", "sarif", "-o", sarifPath, "--suppressions", sup, dir); code != exitOK || out != "" {
		t.Fatalf("suppressed scan to -o: exit %d, stdout %q\n%s", code, out, errOut)
	}
	b, err := os.ReadFile(sarifPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"justification": "a test fixture"`)) || !bytes.Contains(b, []byte(`"version": "2.1.0"`)) {
		t.Errorf("SARIF lacks the suppression or the version:\n%s", b)
	}

	os.WriteFile(sup, []byte("- fingerprint: "+res.Findings[0].Fingerprint+"\n"), 0o644)
	if code, _, errOut := glassboxRun(t, "scan", "--suppressions", sup, dir); code != exitError || !strings.Contains(errOut, "no reason") {
		t.Errorf("suppression without a reason: exit %d, want %d and a message\n%s", code, exitError, errOut)
	}
	// A missing path is a usage error, as on every command.
	if code, _, _ := glassboxRun(t, "--data", t.TempDir(), "scan", filepath.Join(dir, "no-such-dir")); code != exitError {
		t.Errorf("scan of nothing: exit %d, want %d", code, exitError)
	}
}

func TestScanStoredRelease(t *testing.T) {
	dir := scanTree(t)
	data := t.TempDir()
	art := filepath.Join(t.TempDir(), "tool.sh")
	os.WriteFile(art, []byte("#!/bin/sh\necho PLANTED-BACKDOOR\n"), 0o755)
	id := strings.TrimSpace(mustRun(t, "--data", data, "submit", "--product", "scanned", "--version", "1.0", "--source", dir, "--artifact", art))

	code, out, errOut := glassboxRun(t, "--data", data, "scan", "scanned@1.0")
	if code != exitRefused {
		t.Fatalf("scan of a release with a high finding: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"main.go:3:4: high: TT0001", "artifacts/tool.sh:2:6: high: TT0001", "SARIF stored as sha256:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	digest := glassbox.Digest(regexp.MustCompile(`SARIF stored as (sha256:[0-9a-f]{64})`).FindStringSubmatch(out)[1])

	// The SARIF is in the evidence store and recorded against the release.
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(data, "glassbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := store.FindEvidence(ctx, glassbox.Digest(id), stage.KindScanSARIF)
	store.Close()
	if err != nil || len(got) != 1 || got[0] != digest {
		t.Fatalf("FindEvidence = %v, %v; want [%s]", got, err, digest)
	}
	blobs, err := evidence.OpenFS(filepath.Join(data, "evidence"))
	if err != nil {
		t.Fatal(err)
	}
	defer blobs.Close()
	rc, err := blobs.Open(ctx, digest)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	var log struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					PhysicalLocation struct{ ArtifactLocation struct{ URI string } }
				}
			}
		}
	}
	if err := json.Unmarshal(b, &log); err != nil || len(log.Runs) != 1 || len(log.Runs[0].Results) != 2 {
		t.Fatalf("stored SARIF: %v\n%s", err, b)
	}

	// By id prefix, as JSON: the report names the stored SARIF; the same
	// result stores the same blob, recorded once.
	code, out, errOut = glassboxRun(t, "--data", data, "scan", "--format", "json", "--fail-on", "none", strings.TrimPrefix(id, "sha256:")[:12])
	if code != exitOK || !strings.Contains(out, `"sarif": "`+string(digest)+`"`) || !strings.Contains(errOut, "SARIF stored as") {
		t.Errorf("scan by id prefix: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, _ := glassboxRun(t, "--data", data, "scan", "scanned@9.9"); code != exitRefused {
		t.Errorf("scan of a release that does not exist: exit %d, want %d", code, exitRefused)
	}
}
