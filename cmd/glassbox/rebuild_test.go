package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// helloModule is a real Go program from the Go module proxy, with no
// dependencies, so that it builds in a sandbox with no network.
const (
	helloModule  = "golang.org/x/example/hello"
	helloVersion = "v0.0.0-20250915201037-7f05d217867b"
)

// downloadModule fetches a module through the Go module proxy and returns
// its zip (as the proxy serves it) and its extracted directory.
func downloadModule(t *testing.T, module, version string) (zipPath, dir string) {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", module+"@"+version).Output()
	if err != nil {
		t.Fatalf("go mod download %s@%s: %v", module, version, err)
	}
	var info struct{ Zip, Dir string }
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatal(err)
	}
	return info.Zip, info.Dir
}

// vendorBuild builds the program as its vendor would, outside glassbox,
// from a copy of dir with edit applied to hello.go.
func vendorBuild(t *testing.T, dir string, edit func(string) string) string {
	return vendorBuildWith(t, dir, "local", edit)
}

// vendorBuildWith builds with the Go toolchain GOTOOLCHAIN names.
func vendorBuildWith(t *testing.T, dir, toolchain string, edit func(string) string) string {
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

// TestRebuildARealGoProgram submits golang.org/x/example/hello as its
// module zip with a binary built outside glassbox, and checks that the
// rebuild in the sandbox reproduces it bit for bit; then submits the same
// source with a binary built from one changed line, and checks that the
// rebuild says it differs and names the changed function.
func TestRebuildARealGoProgram(t *testing.T) {
	if _, err := exec.LookPath("bwrap"); err != nil {
		t.Fatal("bubblewrap is not installed: apt-get install bubblewrap (.ci/run does)")
	}
	zipPath, dir := downloadModule(t, helloModule, helloVersion)
	root := helloModule + "@" + helloVersion
	recipe := writeFile(t, filepath.Join(t.TempDir(), "recipe.yaml"), []byte(`toolchain: go
build:
  - cd '`+root+`' && CGO_ENABLED=0 go build -trimpath -o "$OLDPWD/dist/hello" .
artifacts:
  hello: dist/hello
`))
	data := filepath.Join(t.TempDir(), "data")

	good := vendorBuild(t, dir, func(s string) string { return s })
	id := strings.TrimSpace(mustRun(t, "--data", data, "submit", "--product", "hello", "--version", "1", "--source", zipPath, "--recipe", recipe, "--artifact", good))
	code, out, errOut := glassboxRun(t, "--data", data, "rebuild", id)
	if code != exitOK || !strings.Contains(out, "equivalent") {
		t.Fatalf("rebuild of the faithful release: exit %d\n%s%s", code, out, errOut)
	}

	// Without a recipe, the binary's own build settings (go version -m)
	// give the default Go recipe.
	id3 := strings.TrimSpace(mustRun(t, "--data", data, "submit", "--product", "hello", "--version", "3", "--source", zipPath, "--artifact", good))
	code, out, errOut = glassboxRun(t, "--data", data, "rebuild", id3)
	if code != exitOK || !strings.Contains(out, "REPRODUCED") {
		t.Fatalf("rebuild with the default Go recipe: exit %d\n%s%s", code, out, errOut)
	}

	// A binary built with another release of Go is rebuilt with that
	// release, fetched through the module proxy.
	older := vendorBuildWith(t, dir, "go1.25.5", func(s string) string { return s })
	id4 := strings.TrimSpace(mustRun(t, "--data", data, "submit", "--product", "hello", "--version", "4", "--source", zipPath, "--artifact", older))
	code, out, errOut = glassboxRun(t, "--data", data, "rebuild", id4)
	if code != exitOK || !strings.Contains(out, "REPRODUCED") {
		t.Fatalf("rebuild of a binary built with go1.25.5: exit %d\n%s%s", code, out, errOut)
	}

	bad := vendorBuild(t, dir, func(s string) string {
		return strings.Replace(s, "if len(args) >= 2 {", "if len(args) >= 3 {", 1)
	})
	id2 := strings.TrimSpace(mustRun(t, "--data", data, "submit", "--product", "hello", "--version", "2", "--source", zipPath, "--recipe", recipe, "--artifact", bad))
	code, out, errOut = glassboxRun(t, "--data", data, "rebuild", id2)
	if code != exitRefused || !strings.Contains(out, "different") || !strings.Contains(out, "main.main") {
		t.Fatalf("rebuild of a release whose binary has a changed line: exit %d, want %d and a diff naming main.main\n%s%s", code, exitRefused, out, errOut)
	}
}

// TestRebuildFetchesModules submits a Go program that depends on a module
// it does not vendor, with no recipe: the centre fetches the module through
// the Go module proxy outside the sandbox (checked against go.sum), mounts
// it read-only, and reproduces the binary.
func TestRebuildFetchesModules(t *testing.T) {
	if _, err := exec.LookPath("bwrap"); err != nil {
		t.Fatal("bubblewrap is not installed: apt-get install bubblewrap (.ci/run does)")
	}
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "go.mod"), []byte("module example.org/greet\n\ngo 1.22\n\nrequire golang.org/x/text v0.14.0\n"))
	writeFile(t, filepath.Join(src, "main.go"), []byte(`package main

import (
	"fmt"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

func main() { fmt.Println(cases.Title(language.English).String("hello, world")) }
`))
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
	data := filepath.Join(t.TempDir(), "data")
	id := strings.TrimSpace(mustRun(t, "--data", data, "submit", "--product", "greet", "--version", "1", "--source", src, "--artifact", bin))
	code, out, errOut := glassboxRun(t, "--data", data, "rebuild", id, "--json")
	if code != exitOK || !strings.Contains(out, `"equivalent"`) {
		t.Fatalf("rebuild of a program with a module dependency: exit %d\n%s%s", code, out, errOut)
	}
	var rep struct {
		Log string `json:"log"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	log := mustRun(t, "--data", data, "cat", rep.Log)
	if !strings.Contains(log, "golang.org/x/text") || !strings.Contains(log, "fetched the modules go.mod requires") {
		t.Errorf("the build log does not say which modules were fetched:\n%s", log)
	}
}
