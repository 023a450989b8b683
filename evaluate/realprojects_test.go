package evaluate_test

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/evaluate"
	"glassbox.dev/exercise"
	"glassbox.dev/ingest"
	"glassbox.dev/internal/modtest"
	"glassbox.dev/standard"
	"glassbox.dev/vuln"
)

// realProjects gates the evaluations of real third-party releases: they
// fetch modules through the Go module proxy and rebuild large programs,
// minutes each, so they run when GLASSBOX_REAL_PROJECTS=1 (.ci/run sets
// it), not in every go test.
func realProjects(t *testing.T) {
	t.Helper()
	if os.Getenv("GLASSBOX_REAL_PROJECTS") != "1" {
		t.Skip("set GLASSBOX_REAL_PROJECTS=1 to evaluate real releases (fetched through the Go module proxy; .ci/run does)")
	}
	if _, err := exec.LookPath("bwrap"); err != nil {
		t.Fatal("bubblewrap is not installed: apt-get install bubblewrap (.ci/run does)")
	}
}

// vendorGoBuild builds pkg of the module in dir as its vendor would, with
// plain go build -trimpath, from a writable copy.
func vendorGoBuild(t *testing.T, dir, pkg, name string) string {
	t.Helper()
	work := filepath.Join(t.TempDir(), "src")
	if err := os.CopyFS(work, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, pkg)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("vendor build of %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// tarball writes dir as a .tar.gz whose members are under top/, as a
// project's release tarball is.
func tarball(t *testing.T, dir, top string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), top+".tar.gz")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: top + "/" + filepath.ToSlash(rel), Mode: 0o644, Size: fi.Size(), ModTime: fi.ModTime(), Format: tar.FormatPAX}); err != nil {
			return err
		}
		src, err := os.Open(path)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(tw, src)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// evaluateReal submits a real release, evaluates it against CRA Annex I
// with the Go advisories in /work/shared's snapshot of the Go vulnerability
// database (or GLASSBOX_GO_OSV), and fails on any check that FAILED.
func evaluateReal(t *testing.T, req ingest.Request) *evaluate.Outcome {
	t.Helper()
	c := openCentre(t)
	osv := os.Getenv("GLASSBOX_GO_OSV")
	if osv == "" {
		osv = "/work/shared/data/osv/Go/all.zip"
	}
	vulns := &vuln.Store{Blobs: c.blobs, Current: vuln.FilePointer(filepath.Join(t.TempDir(), "vulndb", "current"))}
	if _, _, err := vulns.Import(t.Context(), []string{osv}); err != nil {
		t.Fatalf("import %s: %v", osv, err)
	}
	in := &ingest.Ingester{Blobs: c.blobs, Releases: c.store}
	res, err := in.Submit(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	lib, err := standard.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	// The advisory snapshot is fixed and months old: its age is not what
	// this test is about.
	e := &evaluate.Evaluator{Blobs: c.blobs, Store: c.store, Library: lib, Vulns: vulns, VulnMaxAge: 10 * 365 * 24 * time.Hour}
	out, err := e.Evaluate(t.Context(), res.Release, []string{"cra-annex-i"})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range out.Checks {
		t.Logf("%s %s: %s", ch.Check, ch.Status, ch.Summary)
		// No log runs here: signing is tested with the notary. The
		// repository checks judge how each project is run (docs,
		// policies, CI), where real projects differ; what this test
		// holds is that the release itself is clean.
		if ch.Status == glassbox.CheckFail && ch.Check != glassbox.CheckEvidenceSigned && !slices.Contains(glassbox.RepositoryChecks, ch.Check) {
			msg := ch.Summary
			if len(ch.Findings) > 0 {
				msg += " (first finding: " + ch.Findings[0].Path + ": " + ch.Findings[0].Message + ")"
			}
			for _, ev := range ch.Evidence {
				if ev.Kind == "rebuild/log" {
					msg += "\nbuild log, last lines:\n" + lastLines(t, c, ev.Digest, 15)
				}
			}
			t.Errorf("%s@%s: %s FAILED: %s", req.Product, req.Version, ch.Check, strings.TrimSpace(msg))
		}
	}
	reported := 0
	for _, ch := range out.Checks {
		if slices.Contains(glassbox.RepositoryChecks, ch.Check) && ch.Summary != "" {
			reported++
		}
	}
	if reported != len(glassbox.RepositoryChecks) {
		t.Errorf("%s@%s: %d of the %d repository checks reported", req.Product, req.Version, reported, len(glassbox.RepositoryChecks))
	}
	return out
}

// lastLines returns the last n lines of a stored document.
func lastLines(t *testing.T, c *centre, d glassbox.Digest, n int) string {
	rc, err := c.blobs.Open(t.Context(), d)
	if err != nil {
		return err.Error()
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 16<<20))
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// TestShfmtEvaluates: shfmt 3.10.0 from its module zip, with the binary
// its vendor builds (go build -trimpath ./cmd/shfmt) and no recipe, has no
// FAILED check.
func TestShfmtEvaluates(t *testing.T) {
	realProjects(t)
	t.Parallel()
	zipPath, dir := modtest.Download(t, "mvdan.cc/sh/v3", "v3.10.0")
	bin := vendorGoBuild(t, dir, "./cmd/shfmt", "shfmt")
	out := evaluateReal(t, ingest.Request{Product: "shfmt", Version: "3.10.0", SourceArchive: zipPath, Artifacts: []string{bin}})
	ranClean(t, out)
}

// ranClean fails unless the run stage ran the release's programs and
// found nothing of medium or above.
func ranClean(t *testing.T, out *evaluate.Outcome) {
	t.Helper()
	for _, ch := range out.Checks {
		if ch.Check == glassbox.CheckNoRuntimeBackdoor && ch.Status != glassbox.CheckPass {
			t.Errorf("the run stage is %s: %s", ch.Status, ch.Summary)
		}
	}
}

// TestCraneEvaluates: crane 0.20.2 as a source tarball with a top-level
// folder, with the binary its vendor builds (go build -trimpath
// ./cmd/crane) and no recipe, has no FAILED check.
func TestCraneEvaluates(t *testing.T) {
	realProjects(t)
	t.Parallel()
	_, dir := modtest.Download(t, "github.com/google/go-containerregistry", "v0.20.2")
	bin := vendorGoBuild(t, dir, "./cmd/crane", "crane")
	src := tarball(t, dir, "go-containerregistry-0.20.2")
	out := evaluateReal(t, ingest.Request{Product: "crane", Version: "0.20.2", SourceArchive: src, Artifacts: []string{bin}})
	ranClean(t, out)
}

// cJSONRecipe is how cJSON 1.7.18's vendor builds its shared libraries:
// the Makefile's targets, with the host's gcc and make.
const cJSONRecipe = `toolchain: none
build:
  - make libcjson.so.1.7.18 libcjson_utils.so.1.7.18
artifacts:
  libcjson.so.1.7.18: libcjson.so.1.7.18
  libcjson_utils.so.1.7.18: libcjson_utils.so.1.7.18
`

// TestCJSONEvaluates: cJSON 1.7.18, a C library built by its Makefile,
// from its release tarball (testdata, made with git archive from the tag
// v1.7.18, commit acc76239bee01d8e9c858ae2cab296704e52d916) with the shared
// libraries its vendor builds and a recipe, has no FAILED check; its
// vulnerability check is not assessed, since no advisories for C are
// imported, never passed.
func TestCJSONEvaluates(t *testing.T) {
	realProjects(t)
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is not installed: apt-get install make gcc (.ci/run does)")
	}
	t.Parallel()
	// The vendor's build, from the unpacked tarball.
	archive, src := cJSONSource(t)
	cmd := exec.Command("make", "libcjson.so.1.7.18", "libcjson_utils.so.1.7.18")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "TZ=UTC")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("vendor build: %v\n%s", err, out)
	}
	recipe := filepath.Join(t.TempDir(), "glassbox-recipe.yaml")
	if err := os.WriteFile(recipe, []byte(cJSONRecipe), 0o644); err != nil {
		t.Fatal(err)
	}
	out := evaluateReal(t, ingest.Request{Product: "cjson", Version: "1.7.18", SourceArchive: archive, Recipe: recipe,
		Artifacts: []string{filepath.Join(src, "libcjson.so.1.7.18"), filepath.Join(src, "libcjson_utils.so.1.7.18")}})
	for _, ch := range out.Checks {
		if ch.Check == glassbox.CheckNoRuntimeBackdoor && ch.Status != glassbox.CheckNotApplicable {
			t.Errorf("cJSON ships only shared libraries, yet the run stage is %s: %s", ch.Status, ch.Summary)
		}
		if ch.Check == glassbox.CheckNoKnownExploitable && (ch.Status != glassbox.CheckError || !strings.HasPrefix(ch.Summary, "not assessed")) {
			t.Errorf("cJSON's vulnerability check is %s with only Go advisories imported, want not assessed: %s", ch.Status, ch.Summary)
		}
		if ch.Check == glassbox.CheckReproducible && ch.Status != glassbox.CheckPass {
			t.Errorf("cJSON's shared libraries did not reproduce: %s %s", ch.Status, ch.Summary)
		}
	}
}

// TestCJSONTestProgramRuns: cJSON's own test program, built by its
// Makefile from the release tarball and linked against the library, runs
// in the run stage with nothing of medium or above: the library's code,
// run, does nothing it should not.
func TestCJSONTestProgramRuns(t *testing.T) {
	realProjects(t)
	if _, err := exec.LookPath("strace"); err != nil {
		t.Fatal("strace is not installed: apt-get install strace (.ci/run does)")
	}
	_, src := cJSONSource(t)
	cmd := exec.Command("make", "cJSON_test", "LDFLAGS=-static")
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make cJSON_test: %v\n%s", err, out)
	}
	rep, err := exercise.Exercise(t.Context(), exercise.Spec{
		Executables: []exercise.Executable{{Name: "cJSON_test", Path: filepath.Join(src, "cJSON_test")}},
		WorkDir:     t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if ran, why := rep.Ran(); !ran {
		t.Fatal(why)
	}
	for _, r := range rep.Runs {
		t.Logf("cJSON_test %v: %s, %d events", r.Args, r.Exit, len(r.Events))
	}
	for _, f := range rep.Findings {
		if f.Severity.Rank() >= glassbox.SeverityMedium.Rank() {
			t.Errorf("%s %s: %s", f.RuleID, f.Severity, f.Message)
		}
	}
}

// cJSONSource is cJSON 1.7.18's release tarball and where it is unpacked.
func cJSONSource(t *testing.T) (archive, src string) {
	t.Helper()
	archive, err := filepath.Abs("testdata/cJSON-1.7.18.tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	if out, err := exec.Command("tar", "-xzf", archive, "-C", work).CombinedOutput(); err != nil {
		t.Fatalf("untar: %v\n%s", err, out)
	}
	return archive, filepath.Join(work, "cJSON-1.7.18")
}
