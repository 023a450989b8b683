package all_test

import (
	"os"
	"strings"
	"testing"

	"glassbox.dev/scan"
	_ "glassbox.dev/scan/rules/all"
)

// TestEveryFamilyIsLinked fails when a package under scan/rules is missing
// from all.go, or registers no analyser.
func TestEveryFamilyIsLinked(t *testing.T) {
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("all.go")
	if err != nil {
		t.Fatal(err)
	}
	families := 0
	for _, e := range entries {
		// internal/ holds what families share, not a family.
		if !e.IsDir() || e.Name() == "all" || e.Name() == "internal" {
			continue
		}
		families++
		if !strings.Contains(string(src), `"glassbox.dev/scan/rules/`+e.Name()+`"`) {
			t.Errorf("scan/rules/%s is not imported by all.go", e.Name())
		}
	}
	seen := map[string]bool{}
	for _, a := range scan.Analyzers() {
		for _, r := range a.Rules() {
			if seen[r.ID] {
				t.Errorf("rule %s is registered twice", r.ID)
			}
			seen[r.ID] = true
		}
	}
	if len(scan.Analyzers()) < families {
		t.Errorf("%d analysers registered for %d families", len(scan.Analyzers()), families)
	}
}
