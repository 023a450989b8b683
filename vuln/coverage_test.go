package vuln_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/evidence"
	"glassbox.dev/vuln"
)

// TestImportTakesAnyEcosystemAndCoverageSaysWhatItHolds: vulndb import
// takes any OSV ecosystem's all.zip (here npm's and PyPI's beside Go's),
// counts records per ecosystem, and the coverage of a set of components
// names the ecosystems it has no advisories for and how old the data is.
func TestImportTakesAnyEcosystemAndCoverageSaysWhatItHolds(t *testing.T) {
	blobs, err := evidence.OpenFS(filepath.Join(t.TempDir(), "evidence"))
	if err != nil {
		t.Fatal(err)
	}
	defer blobs.Close()
	modified := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	rec := func(id, eco, name string) []byte {
		return []byte(`{"schema_version":"1.3.1","id":"` + id + `","modified":"` + modified.Format(time.RFC3339) + `","affected":[{"package":{"ecosystem":"` + eco + `","name":"` + name + `"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.0.0"}]}]}]}`)
	}
	var paths []string
	for eco, records := range map[string]map[string][]byte{
		"npm":  {"GHSA-aaaa-bbbb-cccc.json": rec("GHSA-aaaa-bbbb-cccc", "npm", "left-pad"), "GHSA-dddd-eeee-ffff.json": rec("GHSA-dddd-eeee-ffff", "npm", "right-pad")},
		"PyPI": {"PYSEC-2099-1.json": rec("PYSEC-2099-1", "PyPI", "requests")},
	} {
		z, err := vuln.ZipDir(records)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), eco, "all.zip")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, z, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	s := &vuln.Store{Blobs: blobs, Current: vuln.FilePointer(filepath.Join(t.TempDir(), "current"))}
	snap, _, err := s.Import(t.Context(), paths)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Ecosystems["npm"] != 2 || snap.Ecosystems["PyPI"] != 1 {
		t.Fatalf("records per ecosystem %v, want npm 2, PyPI 1", snap.Ecosystems)
	}
	comps := []glassbox.Component{
		{Ecosystem: "npm", Name: "left-pad", Version: "1.3.0"},
		{Ecosystem: "crates.io", Name: "serde", Version: "1.0.0"},
		{Ecosystem: "", Name: "cJSON", Version: "1.7.18"},
	}
	cov := snap.Coverage(comps, modified.Add(3*24*time.Hour), 0)
	if got := strings.Join(cov.Uncovered, ","); got != "C/C++,crates.io" {
		t.Errorf("uncovered %q, want C/C++,crates.io", got)
	}
	gaps := strings.Join(cov.Gaps(), "\n")
	if !strings.Contains(gaps, "no crates.io advisories") || !strings.Contains(gaps, "C/C++") || strings.Contains(gaps, "days old") {
		t.Errorf("gaps of 3-day-old data:\n%s", gaps)
	}
	stale := snap.Coverage(comps[:1], modified.Add(10*24*time.Hour), 0)
	if g := stale.Gaps(); len(g) != 1 || !strings.Contains(g[0], "10 days old, over the allowed 7 days") {
		t.Errorf("10-day-old data under the default age: %q", g)
	}
	if g := snap.Coverage(comps[:1], modified.Add(10*24*time.Hour), 30*24*time.Hour).Gaps(); len(g) != 0 {
		t.Errorf("10-day-old data with 30 days allowed: %q", g)
	}

	// The text, SARIF and CycloneDX reports state the coverage and age.
	rep := &vuln.Report{Target: "web", Coverage: &stale, Created: modified}
	for name, write := range map[string]func(io.Writer, *vuln.Report) error{"text": vuln.WriteText, "SARIF": vuln.WriteSARIF, "CycloneDX": vuln.WriteCycloneDX} {
		var out bytes.Buffer
		if err := write(&out, rep); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"npm: 1 components, 2 advisories; data as of 2026-11-01 (10 days old, 7 days allowed)", "the database's newest record is from 2026-11-01"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("the %s report does not say %q:\n%s", name, want, out.String())
			}
		}
	}
}
