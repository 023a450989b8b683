package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/centre/stage"
	"glassbox.dev/evidence"
	"glassbox.dev/internal/schemas"
	"glassbox.dev/sqlite"
)

// validateCycloneDX holds doc to the official CycloneDX 1.6 schema.
func validateCycloneDX(t *testing.T, doc []byte) {
	t.Helper()
	if err := schemas.Validate(schemas.CycloneDX, doc); err != nil {
		t.Fatal(err)
	}
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSBOMDirectory(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"requirements.txt": "flask==2.0.1\nsix\n",
		"web/package-lock.json": `{"lockfileVersion": 3, "packages": {"": {"dependencies": {"lodash": "^4"}},
			"node_modules/lodash": {"version": "4.17.20", "integrity": "sha512-PlhdFcillOINfeV7Ni6oF1TAEayyZBoZ8bcshTHqOYJYlrqzRK5hagpagky5o4HfCzzd1TRkXPMFq6cKk9rGmA=="}}}`,
	})
	out := filepath.Join(t.TempDir(), "tree.cdx.json")
	if code, _, errOut := glassboxRun(t, "sbom", dir, "-o", out); code != exitOK {
		t.Fatalf("sbom DIR: exit %d\n%s", code, errOut)
	}
	doc, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	validateCycloneDX(t, doc)
	for _, want := range []string{`"purl": "pkg:pypi/flask@2.0.1"`, `"purl": "pkg:pypi/six"`, `"purl": "pkg:npm/lodash@4.17.20"`, `"alg": "SHA-512"`} {
		if !bytes.Contains(doc, []byte(want)) {
			t.Errorf("SBOM lacks %s:\n%s", want, doc)
		}
	}
	// Standard output gives the same bytes: the document is deterministic.
	if _, stdout, _ := glassboxRun(t, "sbom", dir); stdout != string(doc) {
		t.Error("two runs on the same tree gave different SBOMs")
	}

	// Compared with itself: no difference, exit 0.
	if code, _, errOut := glassboxRun(t, "sbom", dir, "--compare", out, "--format", "text"); code != exitOK {
		t.Errorf("--compare with its own SBOM: exit %d\n%s", code, errOut)
	}
	// A vendor SBOM that says lodash 4.17.21 and leaves out six: exit 1.
	vendor := filepath.Join(t.TempDir(), "vendor.cdx.json")
	os.WriteFile(vendor, bytes.ReplaceAll(bytes.ReplaceAll(doc, []byte("4.17.20"), []byte("4.17.21")), []byte("pkg:pypi/six"), []byte("pkg:pypi/flask-login")), 0o644)
	code, stdout, errOut := glassboxRun(t, "sbom", dir, "--compare", vendor, "--format", "text")
	if code != exitRefused {
		t.Fatalf("--compare with a differing SBOM: exit %d\n%s%s", code, stdout, errOut)
	}
	for _, want := range []string{"GB1003 version-mismatch", "lodash at 4.17.21", "GB1001 component-missing-from-sbom", "six", "GB1002 component-not-in-source", "flask-login", "differences"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = glassboxRun(t, "sbom", dir, "--compare", vendor, "--format", "json")
	var rep struct {
		Components []glassbox.Component
		Findings   []glassbox.Finding
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != exitRefused || len(rep.Components) != 3 || len(rep.Findings) != 3 {
		t.Errorf("--format json: exit %d, %v, %d components, %d findings\n%s", code, err, len(rep.Components), len(rep.Findings), stdout)
	}

	// Errors are exit 2 and name the file and the problem.
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"bomFormat": "CycloneDX", "specVersion": "1.1"}`), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sbom", dir, "--compare", bad}, `bad.json: CycloneDX specVersion "1.1" is not supported`},
		{[]string{"sbom", dir, "--format", "spdx"}, `--format "spdx"`},
		{[]string{"sbom", writeTree(t, map[string]string{"Cargo.lock": "[[package]]\nname = 1\n"})}, "Cargo.lock: not a valid Cargo.lock"},
		{[]string{"sbom", filepath.Join(dir, "requirements.txt")}, "not a Go binary"},
		{[]string{"--data", t.TempDir(), "sbom", "nothing@1.0"}, `no release of product "nothing"`},
	} {
		code, _, errOut := glassboxRun(t, tc.args...)
		if code != exitError || !strings.Contains(errOut, tc.want) {
			t.Errorf("glassbox %s: exit %d, want %d and %q\n%s", strings.Join(tc.args, " "), code, exitError, tc.want, errOut)
		}
	}
}

// goBuild builds the module in dir with the real Go tool, fetching its
// requirements through the module proxy.
func goBuild(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "server")
	for _, args := range [][]string{{"mod", "tidy"}, {"build", "-o", bin, "."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return bin
}

// TestSBOMRelease derives a stored release's SBOM from its source and its
// Go binary, compares it with the vendor's SBOM and records it as
// evidence; then submits a release whose binary links a module its source
// does not require, and checks that it is reported.
func TestSBOMRelease(t *testing.T) {
	src := writeTree(t, map[string]string{
		"go.mod":  "module example.com/server\n\ngo 1.21\n\nrequire golang.org/x/text v0.3.0\n",
		"main.go": "package main\n\nimport (\n\t\"fmt\"\n\n\t\"golang.org/x/text/language\"\n)\n\nfunc main() { fmt.Println(language.Make(\"en\")) }\n",
	})
	bin := goBuild(t, src) // also writes go.sum into src
	data := t.TempDir()

	// The vendor's SBOM is what glassbox derives from the binary alone.
	vendorSBOM := filepath.Join(t.TempDir(), "server.cdx.json")
	mustRun(t, "sbom", bin, "-o", vendorSBOM)
	id := strings.TrimSpace(mustRun(t, "--data", data, "submit", "--product", "server", "--version", "1.0", "--source", src, "--artifact", bin, "--sbom", vendorSBOM))

	code, out, errOut := glassboxRun(t, "--data", data, "sbom", "server@1.0", "--format", "json")
	if code != exitOK {
		t.Fatalf("sbom of a consistent release: exit %d\n%s%s", code, out, errOut)
	}
	var rep struct {
		Release    glassbox.Digest
		SBOM       glassbox.Digest
		Components []glassbox.Component
		Findings   []glassbox.Finding
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	var sources []string
	for _, c := range rep.Components {
		sources = append(sources, c.Name+"@"+c.Version+" "+c.Source)
	}
	joined := strings.Join(sources, "\n")
	for _, want := range []string{"golang.org/x/text@v0.3.0 go.mod", "golang.org/x/text@v0.3.0 artifacts/server", "stdlib@v1."} {
		if !strings.Contains(joined, want) {
			t.Errorf("components lack %q:\n%s", want, joined)
		}
	}
	if string(rep.Release) != id || len(rep.Findings) != 0 || !strings.Contains(errOut, "recorded as sbom/cyclonedx evidence") {
		t.Errorf("release %s findings %+v\n%s", rep.Release, rep.Findings, errOut)
	}

	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(data, "glassbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := store.FindEvidence(ctx, glassbox.Digest(id), stage.KindSBOM)
	store.Close()
	if err != nil || len(got) != 1 || got[0] != rep.SBOM {
		t.Fatalf("FindEvidence = %v, %v; want [%s]", got, err, rep.SBOM)
	}
	blobs, err := evidence.OpenFS(filepath.Join(data, "evidence"))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := blobs.Open(ctx, rep.SBOM)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := io.ReadAll(rc)
	rc.Close()
	blobs.Close()
	validateCycloneDX(t, doc)
	if !bytes.Contains(doc, []byte(`"name": "server"`)) || !bytes.Contains(doc, []byte(`"value": "artifacts/server"`)) {
		t.Errorf("stored SBOM:\n%s", doc)
	}

	// A binary built from other source: it links golang.org/x/net, which
	// the submitted go.mod does not require, and the vendor's SBOM does
	// not list it either.
	other := writeTree(t, map[string]string{
		"go.mod":  "module example.com/server\n\ngo 1.21\n\nrequire (\n\tgolang.org/x/text v0.3.0\n\tgolang.org/x/net v0.0.0-20190620200207-3b0461eec859\n)\n",
		"main.go": "package main\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n\n\t\"golang.org/x/net/html\"\n\t\"golang.org/x/text/language\"\n)\n\nfunc main() {\n\tn, _ := html.Parse(strings.NewReader(\"x\"))\n\tfmt.Println(language.Make(\"en\"), n != nil)\n}\n",
	})
	implanted := goBuild(t, other)
	mustRun(t, "--data", data, "submit", "--product", "server", "--version", "1.1", "--source", src, "--artifact", implanted, "--sbom", vendorSBOM)
	code, out, errOut = glassboxRun(t, "--data", data, "sbom", "server@1.1", "--format", "text")
	if code != exitRefused {
		t.Fatalf("sbom of a release whose binary differs: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"artifacts/server: high: GB1004 binary-component-not-in-source: artifacts/server links Go package golang.org/x/net at v0.0.0-20190620200207-3b0461eec859",
		"server.cdx.json: medium: GB1001 component-missing-from-sbom: server.cdx.json lists no Go package golang.org/x/net",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestSBOMHelp(t *testing.T) {
	out := mustRun(t, "sbom", "--help")
	for _, want := range []string{"package-lock.json", "poetry.lock", "Cargo.lock", "pom.xml", "stdlib", "--compare", "GB1003", "Exit codes"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}
