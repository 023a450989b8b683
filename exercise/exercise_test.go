package exercise_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/centre/stage"
	"glassbox.dev/exercise"
	"glassbox.dev/ingest"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/internal/sarif"
	"glassbox.dev/internal/schemas"
	"glassbox.dev/rebuild"
)

// needsSandbox stops a test that cannot run: the run stage needs root (its
// cgroup and tmpfs), bubblewrap and strace, which .ci/run installs.
func needsSandbox(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"bwrap", "strace", "cc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: apt-get install bubblewrap strace gcc (.ci/run does)", tool)
		}
	}
	if os.Getuid() != 0 {
		t.Skip("the sandbox's cgroup and tmpfs need root")
	}
}

// build builds a fixture in testdata/NAME as its vendor would (the
// recipe's build commands, run on the host) and returns the artefacts.
func build(t *testing.T, name string) (src string, artifacts []string) {
	t.Helper()
	dir := filepath.Join("testdata", name)
	if name == "hello" {
		dir = filepath.Join("..", "examples", "hello", "src")
	}
	src, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	recipePath := filepath.Join(src, "glassbox-recipe.yaml")
	if name == "hello" {
		recipePath = filepath.Join(src, "..", "glassbox-recipe.yaml")
	}
	recipe, err := rebuild.Load(t.Context(), recipePath)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	if err := os.CopyFS(work, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	for _, c := range recipe.Build {
		cmd := exec.Command("sh", "-c", c)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %s: %v\n%s", name, c, err, out)
		}
	}
	dist := t.TempDir()
	for art, p := range recipe.Artifacts {
		dst := filepath.Join(dist, art)
		b, err := os.ReadFile(filepath.Join(work, p))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o755); err != nil {
			t.Fatal(err)
		}
		artifacts = append(artifacts, dst)
	}
	return src, artifacts
}

// exercised submits the fixture as a release and runs the run stage on
// it: the probes take their values from the release's own scan.
func exercised(t *testing.T, name string) *stage.Exercised {
	t.Helper()
	src, arts := build(t, name)
	recipe := filepath.Join(src, "glassbox-recipe.yaml")
	if name == "hello" {
		recipe = filepath.Join(src, "..", "glassbox-recipe.yaml")
	}
	blobs, db := centretest.Stores(t, t.TempDir())
	in := &ingest.Ingester{Blobs: blobs, Releases: db}
	res, err := in.Submit(t.Context(), ingest.Request{Product: name, Version: "1.0.0", SourceDir: src,
		Recipe: recipe, Artifacts: arts})
	if err != nil {
		t.Fatal(err)
	}
	j := &stage.Jobs{Blobs: blobs, Evidence: db, Release: res.Release}
	t.Cleanup(func() { j.Close() })
	ex, err := j.Exercise(t.Context(), stage.ExerciseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := schemas.Validate(schemas.SARIF, ex.SARIF); err != nil {
		t.Errorf("the run stage's SARIF does not validate: %v", err)
	}
	if problems := sarif.CheckGitHub(ex.SARIF); len(problems) > 0 {
		t.Errorf("the run stage's SARIF is not what GitHub takes: %v", problems)
	}
	for _, f := range ex.Report.Findings {
		t.Logf("%s %s: %s", f.RuleID, f.Severity, f.Message)
		for _, s := range f.Flow {
			t.Logf("    %s", s.Message)
		}
	}
	return ex
}

// want is a finding a fixture must produce: its rule, and words its
// message must hold.
type want struct {
	rule  string
	words []string
}

// TestBackdoorsShowWhenRun: small servers with backdoors that only show at
// run time are each found with their trace, and their clean twins have no
// finding of medium or above. The magic values are not in this test: the
// probes take them from the static analysis of the same release.
func TestBackdoorsShowWhenRun(t *testing.T) {
	needsSandbox(t)
	for _, tc := range []struct {
		name string
		want []want
	}{
		{"c-backdoor", []want{
			// vsftpd 2.3.4's shell, opened by a user name the C trigger rule found.
			{"GB1601", []string{"found by GB1401", "sent through USER", "6200"}},
			// The phone-home at start, its lookup answered by the sinkhole.
			{"GB1602", []string{"update.tinyftpd.example", "at start"}},
		}},
		{"go-backdoor", []want{
			// The maintenance token the constant-time rule found opens a shell listener.
			{"GB1601", []string{"found by GB1402", "X-Maintenance-Token", "7070"}},
			// The hard-coded admin password, found by the password rule, works.
			{"GB1603", []string{"admin:"}},
			// pprof on all interfaces, which the recipe does not declare.
			{"GB1604", []string{"port 6060", "at start"}},
			{"GB1605", []string{"/debug/pprof/"}},
		}},
		{"c-clean", nil},
		{"go-clean", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := exercised(t, tc.name)
			rep := ex.Report
			if ran, why := rep.Ran(); !ran {
				t.Fatalf("the run is incomplete: %s", why)
			}
			for _, w := range tc.want {
				found := false
				for _, f := range rep.Findings {
					if f.RuleID == w.rule && containsAll(f.Message, w.words) {
						found = true
						if len(f.Flow) == 0 {
							t.Errorf("%s has no trace", f.RuleID)
						}
					}
				}
				if !found {
					t.Errorf("no %s finding with %q", w.rule, w.words)
				}
			}
			if tc.want == nil {
				for _, f := range rep.Findings {
					if f.Severity.Rank() >= glassbox.SeverityMedium.Rank() {
						t.Errorf("clean twin: %s %s: %s", f.RuleID, f.Severity, f.Message)
					}
				}
				if len(rep.Runs) == 0 || len(rep.Runs[0].Probes) == 0 || len(rep.Runs[0].Probes[0].Steps) == 0 {
					t.Errorf("the clean twin's listener was not probed: %+v", rep.Runs)
				}
			}
			tried := 0
			for _, r := range rep.Runs {
				tried += r.Tried
			}
			if tc.want != nil && (rep.Inputs == 0 || tried == 0) {
				t.Errorf("the static analysis found %d values and %d were given to a listener", rep.Inputs, tried)
			}
		})
	}
}

func containsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// TestRecorderCannotBeBypassed: a static program that closes every
// descriptor, forks away twice, exits its parents and then works only
// through raw system calls is still recorded in full.
func TestRecorderCannotBeBypassed(t *testing.T) {
	needsSandbox(t)
	if out, err := exec.Command("sh", "-c", "echo 'int main(){return 0;}' | cc -static -x c -o /dev/null -").CombinedOutput(); err != nil {
		t.Fatalf("cc cannot link statically (apt-get install libc6-dev): %v\n%s", err, out)
	}
	ex := exercised(t, "evasive")
	var run *exercise.RunReport
	for i := range ex.Report.Runs {
		run = &ex.Report.Runs[i]
	}
	if run == nil || !run.Complete {
		t.Fatalf("not recorded: %+v", ex.Report)
	}
	root := run.Events[0].PID
	type seen struct{ kind, what string }
	var got []seen
	for _, e := range run.Events {
		if e.PID == root && e.Kind != "exec" && e.Kind != "spawn" && e.Kind != "exit" {
			continue
		}
		got = append(got, seen{e.Kind, e.Path + e.Address + strings.Join(e.Argv, " ")})
	}
	for _, w := range []seen{
		{"write", "/tmp/evasive-dropped"},
		{"connect", "203.0.113.7:8443"},
		{"bind", "0.0.0.0:31337"},
		{"listen", "0.0.0.0:31337"},
		{"privilege", "0"},
		{"exec", "/bin/sh"},
	} {
		if !slices.ContainsFunc(got, func(s seen) bool { return s.kind == w.kind && strings.Contains(s.what, w.what) }) {
			t.Errorf("the grandchild's %s %s was not recorded; recorded: %v", w.kind, w.what, got)
		}
	}
	// Each of those happened in a grandchild of the program's first
	// process, after both its parents had exited.
	for _, e := range run.Events {
		if e.Kind == "connect" && e.PID == root {
			t.Errorf("the connection is attributed to the first process, not the grandchild: %+v", e)
		}
	}
	if !slices.ContainsFunc(ex.Report.Findings, func(f glassbox.Finding) bool {
		return f.RuleID == "GB1602" && strings.Contains(f.Message, "203.0.113.7:8443")
	}) {
		t.Errorf("the connection out is not a finding: %v", ex.Report.Findings)
	}
}

// TestExampleIsQuiet: the example release, run as its recipe says (an HTTP
// server on loopback) and probed, shows nothing of medium or above.
func TestExampleIsQuiet(t *testing.T) {
	needsSandbox(t)
	ex := exercised(t, "hello")
	if ran, why := ex.Report.Ran(); !ran {
		t.Fatal(why)
	}
	probed := false
	for _, r := range ex.Report.Runs {
		for _, p := range r.Probes {
			probed = probed || (p.Protocol == "http" && p.Listener.Port == 8080 && len(p.Steps) > 0)
		}
	}
	if !probed {
		t.Errorf("hello's HTTP listener was not probed: %+v", ex.Report.Runs)
	}
	for _, f := range ex.Report.Findings {
		if f.Severity.Rank() >= glassbox.SeverityMedium.Rank() {
			t.Errorf("%s %s: %s", f.RuleID, f.Severity, f.Message)
		}
	}
}

// TestRunImpossibleIsNotAssessed: a shipped program built for another
// machine cannot be run here; the run stage says so and its report is
// incomplete, which leaves the evaluation's check not assessed, never
// passed. A shared library or a data file is no program and is not run.
func TestRunImpossibleIsNotAssessed(t *testing.T) {
	needsSandbox(t)
	_, arts := build(t, "c-clean")
	b, err := os.ReadFile(arts[0])
	if err != nil {
		t.Fatal(err)
	}
	b[18], b[19] = 0xb7, 0 // e_machine: EM_AARCH64 on this x86-64 machine
	dir := t.TempDir()
	foreign := filepath.Join(dir, "tinyftpd")
	data := filepath.Join(dir, "README.txt")
	if err := os.WriteFile(foreign, b, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(data, []byte("not a program\n"), 0o644)
	run, notRun := exercise.Executables(dir, []string{"tinyftpd", "README.txt"})
	if len(run) != 0 || len(notRun) != 1 || !strings.Contains(notRun[0].Reason, "built for") {
		t.Fatalf("Executables = %+v, %+v", run, notRun)
	}
	rep, err := exercise.Exercise(t.Context(), exercise.Spec{NotRun: notRun, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if ran, why := rep.Ran(); ran || !strings.Contains(why, "tinyftpd could not be run") {
		t.Errorf("Ran() = %v, %q", ran, why)
	}
}
