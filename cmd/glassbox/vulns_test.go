package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/centre/stage"
	"glassbox.dev/sqlite"
)

// osvGoZip is the whole Go vulnerability database the vuln package tests with.
const osvGoZip = "../../vuln/testdata/osv/Go/all.zip"

// vulnsModule is a Go module that calls x/text's vulnerable
// language.Parse and links x/net/html without calling its vulnerable
// functions.
func vulnsModule(t *testing.T) (dir, bin string) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	dir = t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/vulnsdemo\n\ngo 1.22\n\nrequire (\n\tgolang.org/x/net v0.0.0-20190620200207-3b0461eec859\n\tgolang.org/x/text v0.3.0\n)\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\n\t\"golang.org/x/net/html\"\n\t\"golang.org/x/text/language\"\n)\n\nfunc main() {\n\ttag, err := language.Parse(os.Args[0])\n\tfmt.Println(tag, err, html.EscapeString(\"<b>\"))\n}\n"), 0o644)
	bin = filepath.Join(t.TempDir(), "vulnsdemo")
	cmd := exec.Command("go", "build", "-mod=mod", "-o", bin, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir, bin
}

func TestVulndbImportAndStatus(t *testing.T) {
	data := t.TempDir()
	if code, _, errOut := glassboxRun(t, "--data", data, "vulndb", "status"); code != exitRefused || !strings.Contains(errOut, "vulndb import") {
		t.Errorf("status before import: exit %d, %s", code, errOut)
	}
	// A zip with one good and one broken record, beside the Go database.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("GHSA-good-good-good.json")
	w.Write([]byte(`{"id": "GHSA-good-good-good", "modified": "2025-01-02T03:04:05Z", "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"}, "versions": ["1.0.0"]}]}`))
	w, _ = zw.Create("GHSA-bad.json")
	w.Write([]byte(`{"id": "GHSA-bad", "modified": "2025-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm", "name": "x"}, "ranges": [{"type": "SEMVER", "events": [{"fixed": "1.0.0"}]}]}]}`))
	zw.Close()
	npm := filepath.Join(t.TempDir(), "all.zip")
	os.WriteFile(npm, buf.Bytes(), 0o644)

	out := mustRun(t, "--data", data, "vulndb", "import", osvGoZip, npm)
	for _, want := range []string{"Go 4291", "npm 1", "bad:        1", npm + ":GHSA-bad.json: OSV record \"GHSA-bad\": affected[0].ranges[0]: no introduced event"} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	var st struct {
		Record         string
		Digest         string
		Ecosystems     map[string]int
		Bad            int
		BadRecords     []struct{ File, Problem string } `json:"bad_records"`
		NewestModified string                           `json:"newest_modified"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "--data", data, "vulndb", "status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Ecosystems["Go"] != 4291 || st.Bad != 1 || st.BadRecords[0].File != npm+":GHSA-bad.json" || st.NewestModified != "2025-01-02T03:04:05Z" || !strings.HasPrefix(st.Digest, "sha256:") {
		t.Errorf("status %+v", st)
	}
	if code, _, errOut := glassboxRun(t, "--data", data, "vulndb", "import", "/nonexistent.zip"); code != exitError || !strings.Contains(errOut, "/nonexistent.zip") {
		t.Errorf("import of a missing file: exit %d %s", code, errOut)
	}
	notZip := filepath.Join(t.TempDir(), "x.zip")
	os.WriteFile(notZip, []byte("PK garbage"), 0o644)
	if code, _, errOut := glassboxRun(t, "--data", data, "vulndb", "import", notZip); code != exitError || !strings.Contains(errOut, "x.zip: not a zip") {
		t.Errorf("import of a broken zip: exit %d %s", code, errOut)
	}
}

func TestVulnsBinarySBOMAndRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	dir, bin := vulnsModule(t)
	data := t.TempDir()
	if code, _, errOut := glassboxRun(t, "--data", data, "vulns", bin); code != exitError || !strings.Contains(errOut, "vulndb import") {
		t.Errorf("vulns without a database: exit %d %s", code, errOut)
	}
	mustRun(t, "--data", data, "vulndb", "import", osvGoZip)

	// A binary: the called vulnerability fails the run, the others are
	// not affected.
	code, out, errOut := glassboxRun(t, "--data", data, "vulns", bin)
	if code != exitRefused {
		t.Fatalf("vulns on a binary: exit %d\n%s%s", code, out, errOut)
	}
	for _, re := range []string{`GO-2021-0113 .*golang.org/x/text +v0.3.0 +v0.3.7 +unknown +affected \(called\)`, `GO-2021-0238 .*not_affected \(code_not_reachable\)`, `GO-2020-0015 .*not_affected \(code_not_present\)`, `govulncheck symbol analysis \(binary mode\)`, `database snapshot sha256:`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("output lacks %s:\n%s", re, out)
		}
	}
	if code, _, _ := glassboxRun(t, "--data", data, "vulns", "--fail-on", "none", bin); code != exitOK {
		t.Errorf("--fail-on none: exit %d", code)
	}
	cdxFile := filepath.Join(t.TempDir(), "vex.json")
	glassboxRun(t, "--data", data, "vulns", "--format", "cyclonedx", "-o", cdxFile, bin)
	if b, err := os.ReadFile(cdxFile); err != nil || !strings.Contains(string(b), `"state": "exploitable"`) || !strings.Contains(string(b), "glassbox:vulndb:snapshot") {
		t.Errorf("CycloneDX to -o: %v\n%.400s", err, b)
	}

	// The module's source: go.mod's components, govulncheck's source
	// analysis.
	code, out, errOut = glassboxRun(t, "--data", data, "vulns", dir)
	if code != exitRefused || !regexp.MustCompile(`GO-2021-0113 .*affected \(called\) +go.mod`).MatchString(out) || !strings.Contains(out, "(source mode)") {
		t.Errorf("vulns on the source: exit %d\n%s%s", code, out, errOut)
	}

	// An SBOM: the same components, without reachability.
	sbomFile := filepath.Join(t.TempDir(), "bom.json")
	os.WriteFile(sbomFile, []byte(`{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [{"type": "library", "name": "golang.org/x/text", "version": "v0.3.0", "purl": "pkg:golang/golang.org/x/text@v0.3.0"}]}`), 0o644)
	code, out, _ = glassboxRun(t, "--data", data, "vulns", "--format", "json", sbomFile)
	var rep struct {
		Database        struct{ Digest string }
		Vulnerabilities []struct{ ID, Status string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitRefused || !strings.Contains(out, `"id": "GO-2021-0113"`) || !strings.HasPrefix(rep.Database.Digest, "sha256:") {
		t.Errorf("vulns on an SBOM: exit %d %v\n%.500s", code, err, out)
	}
	for _, v := range rep.Vulnerabilities {
		if v.Status != "affected" {
			t.Errorf("%s from an SBOM should be affected (reachability unknown), is %s", v.ID, v.Status)
		}
	}
	bad := filepath.Join(t.TempDir(), "broken.json")
	os.WriteFile(bad, []byte(`{"bomFormat": `), 0o644)
	if code, _, errOut := glassboxRun(t, "--data", data, "vulns", bad); code != exitError || !strings.Contains(errOut, "broken.json") {
		t.Errorf("a broken SBOM: exit %d %s", code, errOut)
	}

	// A release: source and the binary as its artefact; the reports are
	// stored and recorded as evidence.
	id := strings.TrimSpace(mustRun(t, "--data", data, "submit", "--product", "vulnsdemo", "--version", "1.0", "--source", dir, "--artifact", bin))
	code, out, errOut = glassboxRun(t, "--data", data, "vulns", "vulnsdemo@1.0")
	if code != exitRefused || !strings.Contains(out, "vulns/cyclonedx-vex stored as sha256:") || !strings.Contains(out, "artifacts/vulnsdemo") {
		t.Fatalf("vulns on a release: exit %d\n%s%s", code, out, errOut)
	}
	if !regexp.MustCompile(`GO-2021-0238 .*go.mod.*|GO-2021-0238 .*not_affected`).MatchString(out) {
		t.Errorf("the binary's analysis should speak for the release's go.mod components too:\n%s", out)
	}
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(data, "glassbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, kind := range []string{stage.KindVulnsVEX, stage.KindVulnsSARIF} {
		if got, err := store.FindEvidence(ctx, glassbox.Digest(id), kind); err != nil || len(got) != 1 {
			t.Errorf("evidence %s: %v %v", kind, got, err)
		}
	}
	if code, _, _ := glassboxRun(t, "--data", data, "vulns", "nothing@9.9"); code != exitError {
		t.Errorf("a release that does not exist: exit %d", code)
	}
}
