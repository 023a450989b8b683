package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/centre/stage"
	"glassbox.dev/internal/schemas"
	"glassbox.dev/tlog"
	"glassbox.dev/vuln"
)

// helloRelease copies the example release's source into a fresh directory,
// builds its binary there as the vendor does, and writes the vendor's SBOM;
// plant, if set, changes the source tree after the build.
func helloRelease(t *testing.T, plant func(src string)) (src, bin, sbom string) {
	t.Helper()
	dir := t.TempDir()
	src = filepath.Join(dir, "src")
	if err := os.CopyFS(src, os.DirFS("../../examples/hello/src")); err != nil {
		t.Fatal(err)
	}
	bin = filepath.Join(dir, "dist", "hello")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("vendor build: %v\n%s", err, out)
	}
	gov, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		t.Fatal(err)
	}
	v := "v" + strings.TrimPrefix(strings.TrimSpace(string(gov)), "go")
	sbom = writeFile(t, filepath.Join(dir, "dist", "hello.cdx.json"), fmt.Appendf(nil, `{
  "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
  "metadata": {"component": {"type": "application", "name": "example.org/hello", "version": "v1.0.0", "purl": "pkg:golang/example.org/hello@v1.0.0"}},
  "components": [{"type": "library", "name": "stdlib", "version": %q, "purl": "pkg:golang/stdlib@%s"}]
}`, v, v))
	if plant != nil {
		plant(src)
	}
	return src, bin, sbom
}

// passHello submits the example release (built from src to bin, with
// sbom), judges its controls from the example worksheet and evaluates it,
// which must pass; it returns the release's ID and the directory of the
// evaluation's documents (the VSA receipt among them).
func passHello(t *testing.T, data, src, bin, sbom string) (id, out string) {
	t.Helper()
	id = strings.TrimSpace(mustRun(t, "--data", data, "submit", "--product", "hello", "--version", "1.0.0",
		"--source", src, "--recipe", "../../examples/hello/glassbox-recipe.yaml", "--artifact", bin, "--sbom", sbom))
	mustRun(t, "--data", data, "judge", id, "--from", "../../examples/hello/evaluation.yaml", "--evaluator", "test evaluator")
	out = filepath.Join(t.TempDir(), "report")
	if code, ev := evaluateJSON(t, data, id, out); code != exitOK || ev.Verdict != "PASSED" {
		t.Fatalf("the example release: exit %d, %s %v", code, ev.Verdict, ev.Reasons)
	}
	return id, out
}

// evaluation is the part of evaluate --json the test reads.
type evaluation struct {
	Verdict string `json:"verdict"`
	Reasons []string
	Stages  []struct {
		Name  string `json:"name"`
		State string `json:"state"`
	} `json:"stages"`
	Checks []struct {
		Check    string `json:"check"`
		Status   string `json:"status"`
		Summary  string `json:"summary"`
		Evidence []struct {
			Kind   string          `json:"kind"`
			Digest glassbox.Digest `json:"digest"`
		} `json:"evidence"`
	} `json:"checks"`
	Files map[string]string `json:"files"`
}

func (e *evaluation) check(id string) string {
	for _, c := range e.Checks {
		if c.Check == id {
			return c.Status
		}
	}
	return "missing"
}

// evidence returns the digest of the document of a kind some check names.
func (e *evaluation) evidence(kind string) glassbox.Digest {
	for _, c := range e.Checks {
		for _, ev := range c.Evidence {
			if ev.Kind == kind {
				return ev.Digest
			}
		}
	}
	return ""
}

func evaluateJSON(t *testing.T, data, id, out string) (int, *evaluation) {
	t.Helper()
	code, stdout, stderr := glassboxRun(t, "--data", data, "evaluate", id, "--standard", "cra-annex-i", "--out", out, "--json")
	if code == exitError {
		t.Fatalf("evaluate %s: exit 2\n%s", id, stderr)
	}
	var ev evaluation
	if err := json.Unmarshal([]byte(stdout), &ev); err != nil {
		t.Fatalf("evaluate --json: %v\n%s\n%s", err, stdout, stderr)
	}
	return code, &ev
}

// recentVulnDB writes an OSV export with one Go record that does not
// affect this toolchain's standard library, and one that affects another
// module: the check runs, matches nothing, and passes. Its records are
// recent: older data would leave the check not assessed.
func recentVulnDB(t *testing.T) string {
	t.Helper()
	modified := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	zip, err := vuln.ZipDir(map[string][]byte{
		"GO-2099-0001.json": []byte(`{"schema_version":"1.3.1","id":"GO-2099-0001","modified":"` + modified + `","aliases":["CVE-2099-0001"],"summary":"an old bug in net/http","affected":[{"package":{"ecosystem":"Go","name":"stdlib"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.1"}]}],"ecosystem_specific":{"imports":[{"path":"net/http","symbols":["Serve"]}]}}]}`),
		"GO-2099-0002.json": []byte(`{"schema_version":"1.3.1","id":"GO-2099-0002","modified":"` + modified + `","summary":"a bug elsewhere","affected":[{"package":{"ecosystem":"Go","name":"example.org/other"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, filepath.Join(t.TempDir(), "all.zip"), zip)
}

// TestEvaluateEndToEnd runs the centre's main job as the README's first
// command does, on a faithful release of the example program, after its
// rebuild, scan, SBOM and vulnerability jobs were run one by one with
// their own commands: the evaluation reuses what they recorded (the same
// documents, no second build), passes CRA Annex I once an evaluator has
// judged the controls that need a human, and the shipped binary then
// verifies against its VSA receipt and a policy requiring PASSED (and
// fails to, one byte changed). Every document the evaluation writes is
// checked against its official schema, and a second evaluation reuses the
// stored evidence and reaches the same verdict. (Releases that fail, a
// planted backdoor and a binary not built from its source, are evaluated
// in package evaluate's tests.)
func TestEvaluateEndToEnd(t *testing.T) {
	needSandbox(t)
	data := filepath.Join(t.TempDir(), "data")
	mustRun(t, "--data", data, "keys", "generate", "--origin", "glassbox.test/evaluate/log")
	mustRun(t, "--data", data, "vulndb", "import", recentVulnDB(t))
	recipe := "../../examples/hello/glassbox-recipe.yaml"
	worksheet := "../../examples/hello/evaluation.yaml"
	submit := func(version, src, bin, sbom string) string {
		id := strings.TrimSpace(mustRun(t, "--data", data, "submit", "--product", "hello", "--version", version,
			"--source", src, "--recipe", recipe, "--artifact", bin, "--sbom", sbom))
		mustRun(t, "--data", data, "judge", id, "--from", worksheet, "--evaluator", "test evaluator")
		return id
	}

	// 1. The faithful release passes. Its jobs are first run one by one,
	// as an operator would; the evaluation then assesses what they
	// recorded instead of running them again.
	src, bin, sbom := helloRelease(t, nil)
	id := submit("1.0.0", src, bin, sbom)
	ran := ranJobs(t, data, id)
	out := filepath.Join(t.TempDir(), "report")
	code, ev := evaluateJSON(t, data, id, out)
	if code != exitOK || ev.Verdict != "PASSED" {
		t.Fatalf("faithful release: exit %d, verdict %s, reasons %v, checks %+v", code, ev.Verdict, ev.Reasons, ev.Checks)
	}
	assertReused(t, "the evaluation after rebuild, scan, sbom and vulns", ev, "rebuild", "scan", "sbom", "vulnerabilities")
	for kind, d := range ran {
		if got := ev.evidence(kind); got != d {
			t.Errorf("the evaluation rests on %s %s, not on the %s the command recorded: the job ran twice", kind, got, d)
		}
	}
	for name, schema := range map[string]string{
		"assessment-results.json": schemas.OSCALAssessmentResults,
		"sbom.cdx.json":           schemas.CycloneDX,
		"vex.cdx.json":            schemas.CycloneDX,
		"scan.sarif":              schemas.SARIF,
		"vulns.sarif":             schemas.SARIF,
	} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatalf("the evaluation wrote no %s: %v", name, err)
		}
		if err := schemas.Validate(schema, b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	receipt := filepath.Join(out, "hello.vsa.receipt.json")
	verify := func(artifact string) int {
		code, _, _ := glassboxRun(t, "verify", artifact, "--receipt", receipt,
			"--key", filepath.Join(data, "keys", "attestation.pub"), "--log-key", filepath.Join(data, "keys", "log.vkey"),
			"--policy", "../../examples/hello/policy.yaml")
		return code
	}
	if code := verify(bin); code != exitOK {
		t.Errorf("verify of the shipped binary against its PASSED VSA: exit %d, want 0", code)
	}
	flipped, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	flipped[len(flipped)/2] ^= 1
	if code := verify(writeFile(t, filepath.Join(t.TempDir(), "hello"), flipped)); code != exitRefused {
		t.Errorf("verify of the binary with one byte flipped: exit %d, want 1", code)
	}

	// The same release again: the same verdict, from the stored evidence.
	code, again := evaluateJSON(t, data, id, filepath.Join(t.TempDir(), "again"))
	if code != exitOK || again.Verdict != ev.Verdict {
		t.Fatalf("second evaluation: exit %d, verdict %s; the first gave %s", code, again.Verdict, ev.Verdict)
	}
	assertReused(t, "second evaluation", again, "rebuild", "scan", "sbom", "vulnerabilities")
}

// ranJobs runs the rebuild, scan, sbom and vulns commands on a release
// and returns the digest of the document each recorded, by evidence kind:
// the rebuild report, the SARIF, the SBOM, the VEX, and the envelope of
// the rebuild's signed provenance.
func ranJobs(t *testing.T, data, id string) map[string]glassbox.Digest {
	t.Helper()
	ran := map[string]glassbox.Digest{}
	var rebuilt struct {
		ReportDigest glassbox.Digest `json:"report_digest"`
		Receipt      *tlog.Receipt   `json:"receipt"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "--data", data, "rebuild", id, "--json")), &rebuilt); err != nil || rebuilt.Receipt == nil {
		t.Fatalf("rebuild --json: %v, receipt %v", err, rebuilt.Receipt)
	}
	ran[stage.KindRebuildReport] = rebuilt.ReportDigest
	ran["attestation/"+stage.KindRebuildReport] = glassbox.DigestOf(rebuilt.Receipt.Envelope)
	var scanned struct {
		SARIF glassbox.Digest `json:"sarif"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "--data", data, "scan", id, "--format", "json")), &scanned); err != nil {
		t.Fatal(err)
	}
	ran[stage.KindScanSARIF] = scanned.SARIF
	var sbom struct {
		SBOM glassbox.Digest `json:"sbom"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "--data", data, "sbom", id, "--format", "json")), &sbom); err != nil {
		t.Fatal(err)
	}
	ran[stage.KindSBOM] = sbom.SBOM
	code, _, stderr := glassboxRun(t, "--data", data, "vulns", id, "--format", "json")
	if code != exitOK {
		t.Fatalf("vulns: exit %d\n%s", code, stderr)
	}
	for _, line := range strings.Split(stderr, "\n") {
		if rest, ok := strings.CutPrefix(line, stage.KindVulnsVEX+" stored as "); ok {
			ran[stage.KindVulnsVEX] = glassbox.Digest(strings.TrimSuffix(strings.Fields(rest)[0], ","))
		}
	}
	for kind, d := range ran {
		if d == "" {
			t.Fatalf("the commands recorded no %s: %v", kind, ran)
		}
	}
	return ran
}

// assertReused checks that the stages of an evaluation took their
// documents from the stored evidence.
func assertReused(t *testing.T, what string, ev *evaluation, stages ...string) {
	t.Helper()
	for _, s := range ev.Stages {
		if slices.Contains(stages, s.Name) && s.State != "reused" {
			t.Errorf("%s: stage %s was %s, not reused from the stored evidence", what, s.Name, s.State)
		}
	}
}
