package sbom_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/internal/schemas"
	"glassbox.dev/sbom"
)

// The release in testdata/cyclonedx-gomod: its go.mod requires
// example.org/linked, which main.go imports, and example.org/testonly,
// which only a test imports (both vendored). app.bin.cdx.json is the SBOM
// the official CycloneDX Go tool made of its binary (cyclonedx-gomod bin
// -json, v1.10.0): it lists linked and, by default, not the standard
// library.
const gomodDir = "testdata/cyclonedx-gomod"

// buildApp builds the release's binary and reads its build information.
func buildApp(t *testing.T) (bin string, comps []glassbox.Component) {
	t.Helper()
	bin = filepath.Join(t.TempDir(), "app")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	build.Dir = filepath.Join(gomodDir, "src")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=vendor -buildvcs=false", "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	_, comps, err := sbom.ReadBinary(bin)
	if err != nil {
		t.Fatal(err)
	}
	return bin, comps
}

func readSBOM(t *testing.T, p string) []glassbox.Component {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cs, err := sbom.Read(f, filepath.Base(p))
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// assertConsistent checks a cyclonedx-gomod binary SBOM against the
// release like with like: against what the binary links (what sbom
// --compare does with a binary), and against the release (what the
// evaluation does): no finding either way.
func assertConsistent(t *testing.T, submitted []glassbox.Component) {
	t.Helper()
	source, err := sbom.Derive(t.Context(), filepath.Join(gomodDir, "src"))
	if err != nil {
		t.Fatal(err)
	}
	_, bin := buildApp(t)
	if f := sbom.Compare(bin, submitted, "the binary", "app.bin.cdx.json"); len(f) != 0 {
		t.Errorf("the binary against its cyclonedx-gomod SBOM (no standard library): %v", messages(f))
	}
	all := append(append([]glassbox.Component(nil), source...), bin...)
	if f := sbom.CompareRelease(sbom.Shipped(source, bin), all, submitted, "the release", "app.bin.cdx.json"); len(f) != 0 {
		t.Errorf("the release against its binary's cyclonedx-gomod SBOM: %v", messages(f))
	}
	// What is still caught: an SBOM that leaves out a linked module.
	var partial []glassbox.Component
	for _, c := range submitted {
		if c.Name != "example.org/linked" {
			partial = append(partial, c)
		}
	}
	f := sbom.CompareRelease(sbom.Shipped(source, bin), all, partial, "the release", "partial.cdx.json")
	if len(f) != 1 || f[0].RuleID != sbom.RuleMissingFromSBOM || !strings.Contains(f[0].Message, "example.org/linked") {
		t.Errorf("an SBOM without the linked module: %v; want one GB1001 naming it", messages(f))
	}
}

func messages(fs []glassbox.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.RuleID+" "+f.Message)
	}
	return out
}

// TestACycloneDXGomodBinarySBOMIsConsistent: the SBOM the official
// CycloneDX Go tool made of a release's binary is consistent with it,
// though the source's go.mod also requires a test-only module and the
// tool leaves the standard library out. The committed SBOM is always
// checked; with cyclonedx-gomod installed (.ci/run installs it), one made
// now of the binary built here is too.
func TestACycloneDXGomodBinarySBOMIsConsistent(t *testing.T) {
	t.Run("committed", func(t *testing.T) {
		assertConsistent(t, readSBOM(t, filepath.Join(gomodDir, "app.bin.cdx.json")))
	})
	t.Run("made now", func(t *testing.T) {
		tool, err := exec.LookPath("cyclonedx-gomod")
		if err != nil {
			t.Skip("cyclonedx-gomod is not installed (go install github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@latest)")
		}
		bin, _ := buildApp(t)
		out := filepath.Join(t.TempDir(), "app.bin.cdx.json")
		if b, err := exec.Command(tool, "bin", "-json", "-output", out, bin).CombinedOutput(); err != nil {
			t.Fatalf("cyclonedx-gomod bin: %v\n%s", err, b)
		}
		assertConsistent(t, readSBOM(t, out))
	})
}

// TestSBOMMetadataNamesSubjectTimeAndTool: a directory's SBOM names the
// module it holds (not the folder), with its package URL; the document
// carries the timestamp it is given (a release's submission, so the same
// release still gives the same bytes) and glassbox's version as its tool.
func TestSBOMMetadataNamesSubjectTimeAndTool(t *testing.T) {
	subject := sbom.DirSubject(filepath.Join(gomodDir, "src"))
	if subject.Name != "example.org/app" || subject.PURL != "pkg:golang/example.org/app" {
		t.Errorf("subject of a Go module's directory: %+v", subject)
	}
	if s := sbom.DirSubject(t.TempDir()); s.Name == "" || s.PURL != "" {
		t.Errorf("subject of a directory that says nothing about itself: %+v; want its folder's name, no package URL", s)
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	doc, err := sbom.CycloneDX(subject, nil, sbom.At(at))
	if err != nil {
		t.Fatal(err)
	}
	if err := schemas.Validate(schemas.CycloneDX, doc); err != nil {
		t.Fatal(err)
	}
	var bom struct {
		Metadata struct {
			Timestamp string
			Tools     struct {
				Components []struct{ Name, Version string }
			}
			Component struct{ Name, Purl string }
		}
	}
	if err := json.Unmarshal(doc, &bom); err != nil {
		t.Fatal(err)
	}
	m := bom.Metadata
	if m.Timestamp != "2026-03-01T12:00:00Z" {
		t.Errorf("metadata.timestamp %q", m.Timestamp)
	}
	if len(m.Tools.Components) != 1 || m.Tools.Components[0].Name != "glassbox" || m.Tools.Components[0].Version != glassbox.Version() {
		t.Errorf("metadata.tools %+v, want glassbox %s", m.Tools.Components, glassbox.Version())
	}
	if m.Component.Purl != "pkg:golang/example.org/app" {
		t.Errorf("metadata.component %+v", m.Component)
	}
	again, _ := sbom.CycloneDX(subject, nil, sbom.At(at))
	if string(again) != string(doc) {
		t.Error("the same input gave different bytes")
	}
}
