package rebuild

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestGoRecipeFollowsTheBinary(t *testing.T) {
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "go.mod"), []byte("module example.org/tool\n\ngo 1.22\n"), 0o644)
	os.MkdirAll(filepath.Join(src, "cmd", "tool"), 0o755)
	os.WriteFile(filepath.Join(src, "cmd", "tool", "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644)
	bin := filepath.Join(t.TempDir(), "tool")
	cmd := exec.Command("go", "build", "-trimpath", "-tags", "netgo", "-ldflags", "-s -w", "-o", bin, "./cmd/tool")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	f, err := os.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	notGo := strings.NewReader("just a text file")
	r, err := GoRecipe("example.org/tool", "tool-1.0", map[string]io.ReaderAt{"tool": f, "README": notGo})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(r.Build, "\n")
	for _, want := range []string{"cd tool-1.0 && ", "CGO_ENABLED=0", "-trimpath", "-tags=netgo", "-o dist/tool ./cmd/tool"} {
		if !strings.Contains(all, want) {
			t.Errorf("the recipe does not say %q:\n%s", want, all)
		}
	}
	if r.Artifacts["tool"] != "tool-1.0/dist/tool" || r.Artifacts["README"] != "tool-1.0/dist/README" {
		t.Errorf("artifacts: %v", r.Artifacts)
	}
}
