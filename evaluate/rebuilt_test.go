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

// helloRelease copies the example program's source, builds its binary as
// the vendor does (outside glassbox), lets tamper change the source tree
// or the built binary, and submits both with the example's recipe.
func (c *centre) helloRelease(t *testing.T, version string, tamper func(src, bin string)) *glassbox.Release {
	t.Helper()
	if _, err := exec.LookPath("bwrap"); err != nil {
		t.Fatal("bubblewrap is not installed: apt-get install bubblewrap (.ci/run does)")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.CopyFS(src, os.DirFS("../examples/hello/src")); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "dist", "hello")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("vendor build: %v\n%s", err, out)
	}
	tamper(src, bin)
	in := &ingest.Ingester{Blobs: c.blobs, Releases: c.store}
	res, err := in.Submit(t.Context(), ingest.Request{Product: "hello", Version: version, SourceDir: src,
		Recipe: "../examples/hello/glassbox-recipe.yaml", Artifacts: []string{bin}})
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
// backdoor planted in a directory the Go build does not compile leaves
// the binary reproducible, and fails the release on the scan, which the
// report names.
func TestABackdoorInTheSourceFailsAReproducedRelease(t *testing.T) {
	t.Parallel()
	c := openCentre(t)
	rel := c.helloRelease(t, "1.0.1", func(src, _ string) {
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

// TestABinaryNotBuiltFromItsSourceFails: a shipped binary with one byte
// changed is not what the sandboxed rebuild of its source gives, and the
// report names the check and the control (CRA Annex I part I 2(f),
// integrity) it fails.
func TestABinaryNotBuiltFromItsSourceFails(t *testing.T) {
	t.Parallel()
	c := openCentre(t)
	rel := c.helloRelease(t, "1.0.2", func(_, bin string) {
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
