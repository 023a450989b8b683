package evaluate_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/evaluate"
	"glassbox.dev/ingest"
	"glassbox.dev/standard"
	"glassbox.dev/vuln"
)

// goRecord is an OSV record of the Go database: every version of module
// is affected, through symbol in package pkg.
func goRecord(id, module, pkg, symbol string, modified time.Time) []byte {
	return fmt.Appendf(nil, `{"schema_version":"1.3.1","id":%q,"modified":%q,"published":%q,"summary":"a flaw in %s","affected":[{"package":{"ecosystem":"Go","name":%q},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}],"ecosystem_specific":{"imports":[{"path":%q,"symbols":[%q]}]}}]}`,
		id, modified.UTC().Format(time.RFC3339), modified.UTC().Format(time.RFC3339), module, module, pkg, symbol)
}

// vulnStore imports records (file name → OSV JSON) as the current
// vulnerability database of the centre.
func (c *centre) vulnStore(t *testing.T, records map[string][]byte) *vuln.Store {
	t.Helper()
	z, err := vuln.ZipDir(records)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "all.zip")
	if err := os.WriteFile(p, z, 0o644); err != nil {
		t.Fatal(err)
	}
	s := &vuln.Store{Blobs: c.blobs, Current: vuln.FilePointer(filepath.Join(t.TempDir(), "vulndb", "current"))}
	if _, _, err := s.Import(t.Context(), []string{p}); err != nil {
		t.Fatal(err)
	}
	return s
}

// vendoredModule is a Go module that requires example.org/linked,
// vendored so that it loads without a network; main.go calls the function
// named call, Good (safe) or Bad (vulnerable).
func vendoredModule(call string) map[string]string {
	return map[string]string{
		"go.mod":                              "module example.org/app\n\ngo 1.22\n\nrequire example.org/linked v1.0.0\n",
		"main.go":                             "package main\n\nimport \"example.org/linked\"\n\nfunc main() { println(linked." + call + "()) }\n",
		"vendor/modules.txt":                  "# example.org/linked v1.0.0\n## explicit; go 1.22\nexample.org/linked\n",
		"vendor/example.org/linked/linked.go": "package linked\n\n// Good is safe.\nfunc Good() string { return \"good\" }\n\n// Bad is the vulnerable function.\nfunc Bad() string { return \"bad\" }\n",
	}
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func vulnCheck(t *testing.T, e *evaluate.Evaluator, rel *glassbox.Release) *glassbox.CheckResult {
	t.Helper()
	out, err := e.Evaluate(t.Context(), rel, []string{"cra-annex-i"})
	if err != nil {
		t.Fatal(err)
	}
	res := check(out, glassbox.CheckNoKnownExploitable)
	if res == nil {
		t.Fatal("no vulnerability check result")
	}
	return res
}

func newEvaluator(t *testing.T, c *centre, vulns *vuln.Store) *evaluate.Evaluator {
	t.Helper()
	lib, err := standard.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return &evaluate.Evaluator{Blobs: c.blobs, Store: c.store, Library: lib, Vulns: vulns, Fresh: true}
}

// TestAGoBinaryIsJudgedByWhatItLinks: a release shipping a Go binary is
// judged on the modules the binary links (its build information), not on
// every go.mod requirement. Its source (sbom/testdata/cyclonedx-gomod)
// requires example.org/linked, which the binary links, and
// example.org/testonly, which only a test imports. A vulnerable
// testonly is not reported (crane 0.20.2 got 26 such "affected"), nor is
// linked, whose vulnerable function the binary does not contain, as
// govulncheck's binary analysis says; and the binary SBOM the official
// CycloneDX Go tool made of that binary, which rightly omits testonly, is
// consistent with the release.
func TestAGoBinaryIsJudgedByWhatItLinks(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build the shipped binary")
	}
	c := openCentre(t)
	now := time.Now()
	vulns := c.vulnStore(t, map[string][]byte{
		"GO-2099-0101.json": goRecord("GO-2099-0101", "example.org/linked", "example.org/linked", "Bad", now.Add(-time.Hour)),
		"GO-2099-0102.json": goRecord("GO-2099-0102", "example.org/testonly", "example.org/testonly", "Help", now.Add(-time.Hour)),
	})
	src, err := filepath.Abs("../sbom/testdata/cyclonedx-gomod/src")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "app")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	build.Dir, build.Env = src, append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=vendor -buildvcs=false", "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	in := &ingest.Ingester{Blobs: c.blobs, Releases: c.store}
	sub, err := in.Submit(t.Context(), ingest.Request{Product: "app", Version: "1.0.0", SourceDir: src, Artifacts: []string{bin},
		SBOM: "../sbom/testdata/cyclonedx-gomod/app.bin.cdx.json"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := newEvaluator(t, c, vulns).Evaluate(t.Context(), sub.Release, []string{"cra-annex-i"})
	if err != nil {
		t.Fatal(err)
	}
	res := check(out, glassbox.CheckNoKnownExploitable)
	if res == nil || res.Status != glassbox.CheckPass {
		t.Errorf("vulnerability check = %+v; want pass (the binary does not link example.org/testonly and does not contain linked.Bad)", res)
	} else if strings.Contains(res.Summary, "testonly") {
		t.Errorf("the summary speaks of a module the binary does not link: %s", res.Summary)
	}
	if res := check(out, glassbox.CheckSBOMConsistent); res == nil || res.Status != glassbox.CheckPass {
		t.Errorf("sbom.consistent with cyclonedx-gomod's binary SBOM = %+v; want pass", res)
	}
}

// TestASourceOnlyGoModuleIsJudgedByWhatItCalls: with no binary shipped,
// govulncheck's source mode says whether the source calls the vulnerable
// code: a module that only calls the safe function passes, one that calls
// the vulnerable one fails naming it.
func TestASourceOnlyGoModuleIsJudgedByWhatItCalls(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command for govulncheck's source mode")
	}
	c := openCentre(t)
	now := time.Now()
	vulns := c.vulnStore(t, map[string][]byte{
		"GO-2099-0101.json": goRecord("GO-2099-0101", "example.org/linked", "example.org/linked", "Bad", now.Add(-time.Hour)),
	})
	e := newEvaluator(t, c, vulns)
	safe := vulnCheck(t, e, c.submit(t, "1.0.0", vendoredModule("Good")))
	if safe.Status != glassbox.CheckPass {
		t.Errorf("source calling only linked.Good: %s: %s; want pass", safe.Status, safe.Summary)
	}
	bad := vulnCheck(t, e, c.submit(t, "1.0.1", vendoredModule("Bad")))
	if bad.Status != glassbox.CheckFail || len(bad.Findings) != 1 || !strings.Contains(bad.Findings[0].Message, "GO-2099-0101") {
		t.Errorf("source calling linked.Bad: %s: %s %+v; want fail naming GO-2099-0101", bad.Status, bad.Summary, bad.Findings)
	}
}

// TestAVulnerabilityCheckSaysWhatItCovered: silence is not safety. A C
// library (cJSON, found by its version macros) checked against a database
// of Go advisories only, an npm project likewise, and a Go module checked
// against data older than allowed are not assessed, each saying why; with
// an older age allowed, the same data passes the Go module.
func TestAVulnerabilityCheckSaysWhatItCovered(t *testing.T) {
	c := openCentre(t)
	now := time.Now()
	vulns := c.vulnStore(t, map[string][]byte{
		"GO-2099-0201.json": goRecord("GO-2099-0201", "example.org/elsewhere", "example.org/elsewhere", "F", now.Add(-30*24*time.Hour)),
	})
	e := newEvaluator(t, c, vulns)
	cases := []struct {
		name, want string
		files      map[string]string
	}{
		{"C library", "C/C++", map[string]string{
			"cJSON.h": "#ifndef cJSON__h\n#define cJSON__h\n#define CJSON_VERSION_MAJOR 1\n#define CJSON_VERSION_MINOR 7\n#define CJSON_VERSION_PATCH 18\ntypedef struct cJSON cJSON;\n#endif\n",
			"cJSON.c": "#include \"cJSON.h\"\n",
		}},
		{"npm project", "no npm advisories", map[string]string{
			"package.json":      `{"name":"web","version":"1.0.0","dependencies":{"left-pad":"1.3.0"}}`,
			"package-lock.json": `{"name":"web","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"web","version":"1.0.0"},"node_modules/left-pad":{"version":"1.3.0"}}}`,
		}},
		{"stale data", "over the allowed 7 days", map[string]string{
			"go.mod": "module example.org/lib\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.0\n",
			"lib.go": "package lib\n",
		}},
		{"no components", "names no component", map[string]string{
			"README": "nothing to see\n",
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := vulnCheck(t, e, c.submit(t, fmt.Sprintf("2.0.%d", i), tc.files))
			if res.Status != glassbox.CheckError || !strings.Contains(res.Summary, "not assessed") || !strings.Contains(res.Summary, tc.want) {
				t.Errorf("%s: %s; want not assessed (error) saying %q", res.Status, res.Summary, tc.want)
			}
		})
	}
	t.Run("older data allowed", func(t *testing.T) {
		e.VulnMaxAge = 60 * 24 * time.Hour
		res := vulnCheck(t, e, c.submit(t, "2.0.2", cases[2].files))
		if res.Status != glassbox.CheckPass || !strings.Contains(res.Summary, "Go: 1 components, 1 advisories") {
			t.Errorf("%s: %s; want pass stating the coverage", res.Status, res.Summary)
		}
	})
}

// TestASourceModuleThatCannotBeLoadedIsNotAssessed: when govulncheck's
// source mode cannot load the module (a requirement no proxy serves), a
// vulnerability matched in it is neither passed nor failed: the check is
// not assessed and says why.
func TestASourceModuleThatCannotBeLoadedIsNotAssessed(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command for govulncheck's source mode")
	}
	c := openCentre(t)
	vulns := c.vulnStore(t, map[string][]byte{
		"GO-2099-0501.json": goRecord("GO-2099-0501", "example.invalid/missing", "example.invalid/missing", "F", time.Now().Add(-time.Hour)),
	})
	rel := c.submit(t, "1.0.0", map[string]string{
		"go.mod":  "module example.org/app\n\ngo 1.22\n\nrequire example.invalid/missing v1.0.0\n",
		"main.go": "package main\n\nimport \"example.invalid/missing\"\n\nfunc main() { missing.F() }\n",
	})
	res := vulnCheck(t, newEvaluator(t, c, vulns), rel)
	if res.Status != glassbox.CheckError || !strings.Contains(res.Summary, "not assessed") || !strings.Contains(res.Summary, "govulncheck could not analyse go.mod") {
		t.Errorf("%s: %s; want not assessed, saying govulncheck could not analyse the module", res.Status, res.Summary)
	}
}
