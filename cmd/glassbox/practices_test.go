package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/practice"
)

// TestPracticesCommand: the repository checks of a release, as a table and
// as JSON, with an exit code a CI job can use.
func TestPracticesCommand(t *testing.T) {
	d := dataArgs(t, filepath.Join(t.TempDir(), "data"))
	src := t.TempDir()
	for name, content := range map[string]string{
		"LICENSE":     "MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy of this software",
		"SECURITY.md": "# Security\n\nReport vulnerabilities to security@acme.example; we answer within 3 days and coordinate disclosure.\n",
		"go.mod":      "module example.com/tool\n",
		"main.go":     "package main\n\nfunc main() {}\n",
	} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustRun(t, append(d, "submit", "--product", "acme/tool", "--version", "1.0.0", "--source", src)...)
	code, out, errOut := glassboxRun(t, append(d, "practices", "acme/tool@1.0.0")...)
	if code != exitRefused || !strings.Contains(out, "repo.security-policy") || !strings.Contains(out, "SECURITY.md:3") || !strings.Contains(errOut, "could not be decided") {
		t.Fatalf("practices: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = glassboxRun(t, append(d, "practices", "acme/tool@1.0.0", "--json")...)
	var rep practice.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitRefused {
		t.Fatalf("practices --json: exit %d, %v\n%s", code, err, out)
	}
	if r, _ := rep.Result("repo.licence-osi"); r.Status != glassbox.CheckPass {
		t.Errorf("licence-osi: %+v", r)
	}
	if r, _ := rep.Result("repo.history"); r.Status != glassbox.CheckError {
		t.Errorf("history without git: %+v", r)
	}
}
