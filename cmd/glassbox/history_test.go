package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestEvaluationsKeepTheirReports: each evaluation writes its report to a
// directory of its own, and releases and show print the current verdict
// (show also the earlier ones).
func TestEvaluationsKeepTheirReports(t *testing.T) {
	data, id := submitSmall(t)
	if out := mustRun(t, "--data", data, "releases"); !strings.Contains(out, "not evaluated") {
		t.Errorf("releases before any evaluation:\n%s", out)
	}
	for range 2 {
		if code, _, errOut := glassboxRun(t, "--data", data, "evaluate", id, "--standard", "cra-annex-i"); code != exitRefused && code != exitOK {
			t.Fatalf("evaluate: exit %d: %s", code, errOut)
		}
	}
	dirs, err := filepath.Glob(filepath.Join(data, "reports", "*", "*", "report.html"))
	if err != nil || len(dirs) != 2 {
		t.Errorf("reports after two evaluations: %v (%v); want two, one per evaluation", dirs, err)
	}
	out := mustRun(t, "--data", data, "releases")
	if !strings.Contains(out, "VERDICT") || !strings.Contains(out, "FAILED 20") {
		t.Errorf("releases does not print the current verdict:\n%s", out)
	}
	show := mustRun(t, "--data", data, "show", id)
	if !strings.Contains(show, "Verdict") || !strings.Contains(show, "Earlier") || !strings.Contains(show, "FAILED") {
		t.Errorf("show does not print the verdict and its history:\n%s", show)
	}
}
