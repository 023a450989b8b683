package exercise

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"glassbox.dev"
	"glassbox.dev/rebuild"
	"glassbox.dev/scan"
	_ "glassbox.dev/scan/rules/all"
)

func TestSmoke(t *testing.T) {
	name := os.Getenv("SMOKE")
	if name == "" {
		t.Skip()
	}
	src := filepath.Join("testdata", name)
	tmp := t.TempDir()
	recipe, err := rebuild.Load(context.Background(), filepath.Join(src, "glassbox-recipe.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var exes []Executable
	for n, p := range recipe.Artifacts {
		out := filepath.Join(tmp, n)
		var cmd *exec.Cmd
		if recipe.Toolchain == "go" {
			cmd = exec.Command("go", "build", "-o", out, ".")
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		} else {
			cmd = exec.Command("sh", "-c", "cc -O2 -o "+out+" *.c")
		}
		_ = p
		cmd.Dir = src
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %s", err, b)
		}
		exes = append(exes, Executable{Name: n, Path: out})
	}
	s := &scan.Scanner{Analyzers: scan.Analyzers()}
	res, err := s.ScanDir(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	var fs []int
	_ = fs
	var plain []Input
	for _, f := range res.Findings {
		plain = append(plain, InputsFrom([]glassbox.Finding{f.Finding})...)
	}
	wd := t.TempDir()
	rep, err := Exercise(context.Background(), Spec{Executables: exes, Recipe: recipe, Inputs: plain, WorkDir: wd, Headers: SourceHeaders(src)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(rep, "", " ")
	os.WriteFile("/tmp/smoke-"+name+".json", b, 0o644)
	for _, f := range rep.Findings {
		t.Logf("%s %s %s", f.RuleID, f.Severity, f.Message)
	}
}
