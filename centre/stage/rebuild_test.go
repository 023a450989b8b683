package stage_test

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev/centre/stage"
	"glassbox.dev/evidence"
	"glassbox.dev/ingest"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/internal/modtest"
	"glassbox.dev/internal/sqlstore"
	"glassbox.dev/rebuild"
)

// dataDir is a centre's evidence store and SQLite metadata.
type dataDir struct {
	blobs *evidence.FS
	store *sqlstore.Store
}

func openDataDir(t *testing.T) *dataDir {
	t.Helper()
	if _, err := exec.LookPath("bwrap"); err != nil {
		t.Fatal("bubblewrap is not installed: apt-get install bubblewrap (.ci/run does)")
	}
	blobs, db := centretest.Stores(t, t.TempDir())
	return &dataDir{blobs: blobs, store: db}
}

// submit stores a release and returns the jobs on it.
func (d *dataDir) submit(t *testing.T, req ingest.Request) *stage.Jobs {
	t.Helper()
	in := &ingest.Ingester{Blobs: d.blobs, Releases: d.store}
	res, err := in.Submit(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	j := &stage.Jobs{Blobs: d.blobs, Evidence: d.store, Release: res.Release}
	t.Cleanup(func() { j.Close() })
	return j
}

// rebuilt runs the rebuild job and fails the test if it cannot run.
func rebuilt(t *testing.T, j *stage.Jobs) *stage.Rebuilt {
	t.Helper()
	rb, err := j.Rebuild(t.Context(), stage.RebuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rb
}

// helloModule is a real Go program from the Go module proxy, with no
// dependencies, so that it builds in a sandbox with no network.
const (
	helloModule  = "golang.org/x/example/hello"
	helloVersion = "v0.0.0-20250915201037-7f05d217867b"
)

// vendorBuild builds the program as its vendor would, outside glassbox,
// with the Go toolchain GOTOOLCHAIN names, from a copy of dir with edit
// applied to hello.go.
func vendorBuild(t *testing.T, dir, toolchain string, edit func(string) string) string {
	t.Helper()
	work := t.TempDir()
	if err := os.CopyFS(work, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(work, "hello.go")
	os.Chmod(src, 0o644)
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if edited := edit(string(b)); edited != string(b) {
		if err := os.WriteFile(src, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(t.TempDir(), "hello")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOTOOLCHAIN="+toolchain, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("vendor build: %v\n%s", err, out)
	}
	return bin
}

func writeFile(t *testing.T, path, data string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRebuildARealGoProgram submits golang.org/x/example/hello as its
// module zip (a tree under one top-level folder) with binaries built
// outside glassbox, and rebuilds each release in the sandbox: with the
// vendor's recipe, and with none (the default Go recipe from the binary's
// build settings), the binary is reproduced bit for bit; built with an
// older Go, it is rebuilt with that Go, fetched through the module proxy;
// built from one changed line, it differs, and the difference names the
// changed function. The releases are independent and rebuilt in parallel,
// beside the other tests of the package: each is mostly waiting on a
// compiler, and a shared machine gives more to more processes.
func TestRebuildARealGoProgram(t *testing.T) {
	t.Parallel()
	zipPath, dir := modtest.Download(t, helloModule, helloVersion)
	// The recipe runs in the module's folder of the zip, MODULE@VERSION/.
	recipe := writeFile(t, filepath.Join(t.TempDir(), "recipe.yaml"), `toolchain: go
build:
  - CGO_ENABLED=0 go build -trimpath -o dist/hello .
artifacts:
  hello: dist/hello
`)
	d := openDataDir(t)
	same := func(s string) string { return s }
	good := vendorBuild(t, dir, "local", same)
	for _, tc := range []struct {
		version, name, recipe, bin string
		reproduced                 bool
	}{
		{"1", "vendor's recipe", recipe, good, true},
		{"2", "default Go recipe", "", good, true},
		{"3", "built with go1.25.5", "", vendorBuild(t, dir, "go1.25.5", same), true},
		{"4", "one changed line", recipe, vendorBuild(t, dir, "local", func(s string) string {
			return strings.Replace(s, "if len(args) >= 2 {", "if len(args) >= 3 {", 1)
		}), false},
	} {
		j := d.submit(t, ingest.Request{Product: "hello", Version: tc.version, SourceArchive: zipPath, Recipe: tc.recipe, Artifacts: []string{tc.bin}})
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rb := rebuilt(t, j)
			rep := rb.Report
			if rep.Reproduced() != tc.reproduced {
				t.Fatalf("reproduced = %v, want %v: %+v", rep.Reproduced(), tc.reproduced, rep)
			}
			a := rep.Artifacts[0]
			switch {
			case tc.reproduced && a.Verdict != rebuild.Equivalent:
				t.Errorf("verdict %s, want %s (bit for bit)", a.Verdict, rebuild.Equivalent)
			case !tc.reproduced && (a.Verdict != rebuild.Different || !strings.Contains(strings.Join(a.Differences, "\n"), "main.main")):
				t.Errorf("verdict %s, differences %q; want %s naming main.main", a.Verdict, a.Differences, rebuild.Different)
			}
		})
	}
}

// TestRebuildFetchesModules submits a Go program that depends on a module
// it does not vendor, with no recipe: the centre fetches the module through
// the Go module proxy outside the sandbox (checked against go.sum), mounts
// it read-only, and reproduces the binary; the build log says what was
// fetched.
func TestRebuildFetchesModules(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "go.mod"), "module example.org/greet\n\ngo 1.22\n\nrequire golang.org/x/text v0.14.0\n")
	writeFile(t, filepath.Join(src, "main.go"), `package main

import (
	"fmt"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

func main() { fmt.Println(cases.Title(language.English).String("hello, world")) }
`)
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = src
	tidy.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := tidy.CombinedOutput(); err != nil {
		t.Fatalf("go mod tidy: %v\n%s", err, out)
	}
	bin := filepath.Join(t.TempDir(), "greet")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	build.Dir = src
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("vendor build: %v\n%s", err, out)
	}
	d := openDataDir(t)
	j := d.submit(t, ingest.Request{Product: "greet", Version: "1", SourceDir: src, Artifacts: []string{bin}})
	rep := rebuilt(t, j).Report
	if !rep.Reproduced() {
		t.Fatalf("a program with a module dependency was not reproduced: %+v", rep)
	}
	rc, err := d.blobs.Open(t.Context(), rep.Log)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	log, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "golang.org/x/text") || !strings.Contains(string(log), "fetched the modules go.mod requires") {
		t.Errorf("the build log does not say which modules were fetched:\n%s", log)
	}
}
