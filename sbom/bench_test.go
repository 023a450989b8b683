package sbom

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The benchmarks measure Derive and FromBinary next to cyclonedx-gomod
// v1.10.0 (go install github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@v1.10.0)
// on the same inputs in the same run; docs/benchmarks.md has the numbers.
// The peer's sub-benchmarks are skipped, saying so, when it is not
// installed; glassbox's always run.

// benchModules are module directories in the module cache that
// cyclonedx-gomod mod can read (each has a go.mod), fetched by the
// linked-binary build.
var benchModules = []string{
	"github.com/gin-gonic/gin@v1.6.0",
	"golang.org/x/net@v0.0.0-20190620200207-3b0461eec859",
	"github.com/go-playground/validator/v10@v10.2.0",
}

func benchModuleDirs(b *testing.B) []string {
	b.Helper()
	buildLinked(b) // downloads the modules into the cache
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		b.Fatal(err)
	}
	cache := strings.TrimSpace(string(out))
	var dirs []string
	for _, m := range benchModules {
		d := filepath.Join(cache, filepath.FromSlash(m))
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err != nil {
			b.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	return dirs
}

func peer(b *testing.B) string {
	b.Helper()
	if p, err := exec.LookPath("cyclonedx-gomod"); err == nil {
		return p
	}
	out, _ := exec.Command("go", "env", "GOPATH").Output()
	p := filepath.Join(strings.TrimSpace(string(out)), "bin", "cyclonedx-gomod")
	if _, err := os.Stat(p); err != nil {
		b.Skip("cyclonedx-gomod is not installed: go install github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@v1.10.0")
	}
	return p
}

func runPeer(b *testing.B, args ...string) {
	b.Helper()
	cmd := exec.Command(peer(b), args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("cyclonedx-gomod %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// BenchmarkDeriveModules derives the components of three real modules:
// glassbox reads their go.mod and go.sum; cyclonedx-gomod mod also asks
// the go command which modules the packages use.
func BenchmarkDeriveModules(b *testing.B) {
	dirs := benchModuleDirs(b)
	b.Run("glassbox", func(b *testing.B) {
		for b.Loop() {
			for _, d := range dirs {
				if _, err := Derive(context.Background(), d); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("cyclonedx-gomod", func(b *testing.B) {
		out := filepath.Join(b.TempDir(), "bom.json")
		for b.Loop() {
			for _, d := range dirs {
				runPeer(b, "mod", "-json", "-output", out, d)
			}
		}
	})
}

// BenchmarkDeriveBigTree derives GOROOT/src (every file walked, every
// header and go.mod read) plus the three modules. cyclonedx-gomod mod
// cannot read GOROOT/src (the std module), so it has no peer here.
func BenchmarkDeriveBigTree(b *testing.B) {
	roots := append([]string{filepath.Join(runtime.GOROOT(), "src")}, benchModuleDirs(b)...)
	n := 0
	for b.Loop() {
		n = 0
		for _, r := range roots {
			cs, err := Derive(context.Background(), r)
			if err != nil {
				b.Fatal(err)
			}
			n += len(cs)
		}
	}
	b.ReportMetric(float64(n), "components")
}

// BenchmarkFromBinary reads the build information of two real binaries:
// the linked test program (13 modules) and glassbox itself (57).
func BenchmarkFromBinary(b *testing.B) {
	_, linked := buildLinked(b)
	gb := filepath.Join(b.TempDir(), "glassbox")
	if out, err := exec.Command("go", "build", "-o", gb, "glassbox.dev/cmd/glassbox").CombinedOutput(); err != nil {
		b.Fatalf("go build glassbox: %v\n%s", err, out)
	}
	bins := []string{linked, gb}
	b.Run("glassbox", func(b *testing.B) {
		for b.Loop() {
			for _, p := range bins {
				if _, err := FromBinary(p); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("cyclonedx-gomod", func(b *testing.B) {
		out := filepath.Join(b.TempDir(), "bom.json")
		for b.Loop() {
			for _, p := range bins {
				runPeer(b, "bin", "-json", "-output", out, p)
			}
		}
	})
}

// BenchmarkCycloneDX encodes the components of testdata/tree (46, every
// ecosystem) as CycloneDX 1.6.
func BenchmarkCycloneDX(b *testing.B) {
	cs, err := Derive(context.Background(), "testdata/tree")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := CycloneDX(Subject{Name: "tree"}, cs); err != nil {
			b.Fatal(err)
		}
	}
}
