package rebuild

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

const helloRecipe = `toolchain: go
build:
  - CGO_ENABLED=0 go build -trimpath -o dist/hello .
artifacts:
  hello: dist/hello
`

// writeHello writes a tiny Go program with no dependencies into a fresh
// source directory.
func writeHello(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":  "module example.com/hello\n\ngo 1.22\n",
		"main.go": "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello from the sandbox\") }\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func buildHello(t testing.TB) (artefact []byte, wall time.Duration) {
	t.Helper()
	return buildHelloSpec(t, Spec{})
}

// buildHelloSpec builds the program with spec's settings.
func buildHelloSpec(t testing.TB, spec Spec) (artefact []byte, wall time.Duration) {
	t.Helper()
	out := buildHelloOutcome(t, spec)
	return out.artefact, out.Duration
}

type helloOutcome struct {
	*Outcome
	artefact []byte
}

// buildHelloOutcome builds the program with spec's settings and returns
// the build's outcome and artefact.
func buildHelloOutcome(t testing.TB, spec Spec) helloOutcome {
	t.Helper()
	r, err := Parse([]byte(helloRecipe))
	if err != nil {
		t.Fatal(err)
	}
	dir := writeHello(t)
	spec.Recipe, spec.Dir, spec.SourceDateEpoch = r, dir, 1700000000
	out, err := Run(context.Background(), spec)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !out.Succeeded() {
		t.Fatalf("build failed: %s\n%s", out.Reason, out.Log)
	}
	paths, err := Collect(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(paths["hello"])
	if err != nil {
		t.Fatal(err)
	}
	return helloOutcome{out, b}
}

// TestGoBuildReproducible builds a real Go program twice in the sandbox,
// each time from a fresh copy with a fresh build cache, and expects the same
// bytes. It also logs the sandbox's overhead over the same build run
// directly (a measurement, never asserted: timings vary between machines).
func TestGoBuildReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs from a cold cache; skipped in -short mode")
	}
	needBwrap(t)
	first, d1 := buildHello(t)
	second, d2 := buildHello(t)
	if !bytes.Equal(first, second) {
		t.Fatalf("two builds of the same source differ (%d and %d bytes)", len(first), len(second))
	}
	bin := filepath.Join(t.TempDir(), "hello")
	if err := os.WriteFile(bin, first, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := exec.Command(bin).Output(); err != nil || string(got) != "hello from the sandbox\n" {
		t.Fatalf("the artefact printed %q, %v", got, err)
	}
	direct := buildDirect(t)
	t.Logf("go build of a tiny program from a cold cache: direct %v, sandbox %v and %v; ratio %.2f× (one sample each: BenchmarkSandboxOverhead alternates several)",
		direct.Round(time.Millisecond), d1.Round(time.Millisecond), d2.Round(time.Millisecond), float64(d1+d2)/2/float64(direct))
}

// hostGoBuild builds the main package in dir on the host, as a vendor
// would, into a fresh file it returns.
func hostGoBuild(t testing.TB, dir string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(dir))
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOTOOLCHAIN=local", "GOFLAGS=", "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// buildDirect runs the recipe's build on the host, with a fresh build cache
// as the sandbox has, and returns how long it took. The sandbox keeps its
// cache in a tmpfs; so does this, where /dev/shm is one, so that the ratio
// measures the sandbox and not the disk.
func buildDirect(t testing.TB) time.Duration {
	t.Helper()
	dir := writeHello(t)
	cache, err := os.MkdirTemp("/dev/shm", "glassbox-gocache-")
	if err != nil {
		cache = t.TempDir()
	} else {
		t.Cleanup(func() { os.RemoveAll(cache) })
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", "dist/hello", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOCACHE="+cache, "GOTOOLCHAIN=local", "GOFLAGS=-mod=readonly", "GOPROXY=off")
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("direct go build: %v\n%s", err, out)
	}
	return time.Since(start)
}

// BenchmarkSandboxOverhead compares the same cold go build run directly and
// in the sandbox, alternating so that a busy machine disturbs both alike,
// and reports the ratio sandbox/direct of their wall times.
func BenchmarkSandboxOverhead(b *testing.B) {
	needBwrap(b)
	var direct, sandboxed time.Duration
	for b.Loop() {
		direct += buildDirect(b)
		_, w := buildHello(b)
		sandboxed += w
	}
	b.ReportMetric(float64(direct.Milliseconds())/float64(b.N), "direct-ms/op")
	b.ReportMetric(float64(sandboxed.Milliseconds())/float64(b.N), "sandbox-ms/op")
	b.ReportMetric(float64(sandboxed)/float64(direct), "ratio")
}

// BenchmarkSandboxSeccomp measures the seccomp filter's cost: the same
// cold go build in the sandbox with and without it, alternating, and
// reports the ratio with/without of their wall times.
// The CPU time of the build's processes is reported too: on a busy machine
// it varies far less than the wall time.
func BenchmarkSandboxSeccomp(b *testing.B) {
	needBwrap(b)
	var with, without, withCPU, withoutCPU time.Duration
	for b.Loop() {
		out := buildHelloOutcome(b, Spec{noSeccomp: true})
		without, withoutCPU = without+out.Duration, withoutCPU+out.CPU
		out = buildHelloOutcome(b, Spec{})
		with, withCPU = with+out.Duration, withCPU+out.CPU
	}
	n := float64(b.N)
	b.ReportMetric(float64(without.Milliseconds())/n, "without-ms/op")
	b.ReportMetric(float64(with.Milliseconds())/n, "with-ms/op")
	b.ReportMetric(float64(with)/float64(without), "ratio")
	b.ReportMetric(float64(withoutCPU.Milliseconds())/n, "without-cpu-ms/op")
	b.ReportMetric(float64(withCPU.Milliseconds())/n, "with-cpu-ms/op")
	b.ReportMetric(float64(withCPU)/float64(withoutCPU), "cpu-ratio")
}

// BenchmarkGoCache compares, for the same program, a rebuild in the
// sandbox with an empty build cache (cold), one with the vendor's cache
// that the cold one filled (warm), and a plain go build on the host with a
// fresh cache and then again with the cache it filled.
func BenchmarkGoCache(b *testing.B) {
	needBwrap(b)
	var cold, warm, plainCold, plainWarm time.Duration
	for b.Loop() {
		cache := b.TempDir()
		_, w := buildHelloSpec(b, Spec{GoCache: cache})
		cold += w
		_, w = buildHelloSpec(b, Spec{GoCache: cache})
		warm += w
		dir := writeHello(b)
		plainCache := b.TempDir()
		for i, d := range []*time.Duration{&plainCold, &plainWarm} {
			cmd := exec.Command("go", "build", "-trimpath", "-o", fmt.Sprintf("dist/hello%d", i), ".")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOCACHE="+plainCache, "GOTOOLCHAIN=local", "GOFLAGS=-mod=readonly", "GOPROXY=off")
			start := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("go build: %v\n%s", err, out)
			}
			*d += time.Since(start)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(cold.Milliseconds())/n, "cold-ms/op")
	b.ReportMetric(float64(warm.Milliseconds())/n, "warm-ms/op")
	b.ReportMetric(float64(plainCold.Milliseconds())/n, "plain-cold-ms/op")
	b.ReportMetric(float64(plainWarm.Milliseconds())/n, "plain-warm-ms/op")
}

// BenchmarkSandboxStart measures the fixed cost of a sandbox: a build whose
// only command is true.
func BenchmarkSandboxStart(b *testing.B) {
	needBwrap(b)
	r := &Recipe{Build: []string{"true"}, Artifacts: map[string]string{"x": "x"}}
	dir := b.TempDir()
	for b.Loop() {
		out, err := Run(context.Background(), Spec{Recipe: r, Dir: dir})
		if err != nil || !out.Succeeded() {
			b.Fatal(err, out)
		}
	}
}
