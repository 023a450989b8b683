package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRebuildCommand rebuilds releases whose recipe needs no compiler (a
// copy in the sandbox), so that the command's outcomes are checked
// quickly: an artefact the recipe reproduces is REPRODUCED (exit 0); one it
// does not is NOT REPRODUCED, named as different (exit 1); --recipe FILE
// replaces the submitted recipe. Rebuilding real Go programs is tested
// with the rebuild job itself, in package centre.
func TestRebuildCommand(t *testing.T) {
	needSandbox(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	writeFile(t, filepath.Join(src, "greeting.txt"), []byte("hello\n"))
	recipe := writeFile(t, filepath.Join(dir, "recipe.yaml"), []byte("build:\n  - mkdir -p dist && cp greeting.txt dist/greeting\nartifacts:\n  greeting: dist/greeting\n"))
	data := filepath.Join(dir, "data")
	submit := func(version, shipped string) string {
		bin := writeFile(t, filepath.Join(t.TempDir(), "greeting"), []byte(shipped))
		return strings.TrimSpace(mustRun(t, "--data", data, "submit", "--product", "greeting", "--version", version,
			"--source", src, "--recipe", recipe, "--artifact", bin))
	}

	faithful := submit("1", "hello\n")
	code, out, errOut := glassboxRun(t, "--data", data, "rebuild", faithful)
	if code != exitOK || !strings.HasPrefix(out, "REPRODUCED greeting@1") || !strings.Contains(out, "report sha256:") {
		t.Fatalf("rebuild of a faithful release: exit %d\n%s%s", code, out, errOut)
	}

	altered := submit("2", "hullo\n")
	code, out, errOut = glassboxRun(t, "--data", data, "rebuild", altered)
	if code != exitRefused || !strings.HasPrefix(out, "NOT REPRODUCED greeting@2") || !strings.Contains(out, "different") {
		t.Fatalf("rebuild of a release whose artefact its recipe does not make: exit %d, want %d\n%s%s", code, exitRefused, out, errOut)
	}

	other := writeFile(t, filepath.Join(dir, "other.yaml"), []byte("build:\n  - mkdir -p dist && printf 'hullo\\n' > dist/greeting\nartifacts:\n  greeting: dist/greeting\n"))
	code, out, errOut = glassboxRun(t, "--data", data, "rebuild", altered, "--recipe", other)
	if code != exitOK || !strings.HasPrefix(out, "REPRODUCED greeting@2") {
		t.Fatalf("rebuild with --recipe: exit %d\n%s%s", code, out, errOut)
	}
}
