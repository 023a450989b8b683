package evaluate_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/evaluate"
	"glassbox.dev/ingest"
	"glassbox.dev/standard"
)

// greetingRelease submits a release whose recipe needs no compiler (the
// sandboxed build copies greeting.txt to dist/greeting), so that the
// evaluation's verdicts on rebuilt releases are checked in seconds; tamper
// changes the source tree or the shipped artefact before submission.
// (Rebuilding real Go programs is tested with the rebuild job, in package
// centre, and end to end in cmd/glassbox.)
func (c *centre) greetingRelease(t *testing.T, version string, tamper func(src, shipped string)) *glassbox.Release {
	t.Helper()
	if _, err := exec.LookPath("bwrap"); err != nil {
		t.Fatal("bubblewrap is not installed: apt-get install bubblewrap (.ci/run does)")
	}
	dir := t.TempDir()
	src := writeTree(t, map[string]string{"greeting.txt": "hello\n", "README": "Prints a greeting.\n"})
	recipe := filepath.Join(dir, "recipe.yaml")
	shipped := filepath.Join(dir, "greeting")
	for p, content := range map[string]string{
		recipe:  "build:\n  - mkdir -p dist && cp greeting.txt dist/greeting\nartifacts:\n  greeting: dist/greeting\n",
		shipped: "hello\n",
	} {
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tamper(src, shipped)
	in := &ingest.Ingester{Blobs: c.blobs, Releases: c.store}
	res, err := in.Submit(t.Context(), ingest.Request{Product: "greeting", Version: version, SourceDir: src,
		Recipe: recipe, Artifacts: []string{shipped}})
	if err != nil {
		t.Fatal(err)
	}
	return res.Release
}

func evaluateRelease(t *testing.T, c *centre, rel *glassbox.Release) *evaluate.Outcome {
	t.Helper()
	lib, err := standard.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	e := &evaluate.Evaluator{Blobs: c.blobs, Store: c.store, Library: lib}
	out, err := e.Evaluate(t.Context(), rel, []string{"cra-annex-i"})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func statusOf(out *evaluate.Outcome, id string) glassbox.CheckStatus {
	if c := check(out, id); c != nil {
		return c.Status
	}
	return "missing"
}

// assertReportNames checks that the HTML report says which controls
// failed and why: it names the failed check and what it points at, and
// links evidence by digest.
func assertReportNames(t *testing.T, out *evaluate.Outcome, want ...string) {
	t.Helper()
	html := string(out.ReportHTML)
	for _, w := range append(want, "FAILED", "not satisfied", "sha256:") {
		if !strings.Contains(html, w) {
			t.Errorf("the report does not mention %q", w)
		}
	}
}

// TestABackdoorInTheSourceFailsAReproducedRelease: the vsftpd 2.3.4
// backdoor planted in a directory the build does not use leaves the
// artefact reproducible, and fails the release on the scan, which the
// report names.
func TestABackdoorInTheSourceFailsAReproducedRelease(t *testing.T) {
	t.Parallel()
	c := openCentre(t)
	rel := c.greetingRelease(t, "1.0.1", func(src, _ string) {
		b, err := os.ReadFile("../scan/testdata/incidents/vsftpd-2.3.4/str.c")
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(src, "contrib", "ftp", "str.c")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	})
	out := evaluateRelease(t, c, rel)
	if out.Verdict != standard.Failed || statusOf(out, glassbox.CheckNoBackdoorIndicators) != glassbox.CheckFail || statusOf(out, glassbox.CheckReproducible) != glassbox.CheckPass {
		t.Fatalf("planted backdoor: verdict %s, checks %+v", out.Verdict, out.Checks)
	}
	assertReportNames(t, out, glassbox.CheckNoBackdoorIndicators, "contrib/ftp/str.c")
}

// TestABinaryNotBuiltFromItsSourceFails: a shipped artefact with one byte
// changed is not what the sandboxed rebuild of its source gives, and the
// report names the check and the control (CRA Annex I part I 2(f),
// integrity) it fails.
func TestABinaryNotBuiltFromItsSourceFails(t *testing.T) {
	t.Parallel()
	c := openCentre(t)
	rel := c.greetingRelease(t, "1.0.2", func(_, bin string) {
		b, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 1
		if err := os.WriteFile(bin, b, 0o755); err != nil {
			t.Fatal(err)
		}
	})
	out := evaluateRelease(t, c, rel)
	if out.Verdict != standard.Failed || statusOf(out, glassbox.CheckReproducible) != glassbox.CheckFail {
		t.Fatalf("non-reproducible binary: verdict %s, checks %+v", out.Verdict, out.Checks)
	}
	assertReportNames(t, out, glassbox.CheckReproducible, "I.2.f")
}
