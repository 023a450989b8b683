package vuln

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/internal/sarif"
	"glassbox.dev/internal/schemas"
)

// TestSARIFIsUploadableToGitHub: the vulnerability SARIF passes GitHub
// code scanning's rules as it is (sarif.CheckGitHub; .ci/run also runs the
// SARIF Multitool's): each vulnerability rule has help, a full
// description, a security-severity and tags; each result a location
// relative to SRCROOT with a region, the line of go.mod that requires the
// module when the source is at hand; the tool is glassbox at its version.
func TestSARIFIsUploadableToGitHub(t *testing.T) {
	src := t.TempDir()
	gomod := "module example.org/app\n\ngo 1.22\n\nrequire (\n\texample.org/other v1.0.0\n\tgolang.org/x/text v0.3.0\n)\n"
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := record(t, "GO-2099-0401", "Go", "golang.org/x/text", `, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.3.8"}]}]`)
	comps := []glassbox.Component{goComponent("golang.org/x/text", "v0.3.0")}
	comps[0].Source = "go.mod"
	vulns, _ := dbOf(rec).Match(comps, MatchOptions{})
	reports := map[string]*Report{
		"synthetic":   syntheticReport(t),
		"with source": {Target: "app", Components: comps, Vulnerabilities: vulns, Created: time.Now(), SourceRoot: src},
	}
	for name, rep := range reports {
		var b bytes.Buffer
		if err := WriteSARIF(&b, rep); err != nil {
			t.Fatal(err)
		}
		if err := schemas.Validate(schemas.SARIF, b.Bytes()); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		for _, p := range sarif.CheckGitHub(b.Bytes()) {
			t.Errorf("%s: %s", name, p)
		}
		var log struct {
			Runs []struct {
				Tool    struct{ Driver struct{ Version string } }
				Results []struct {
					Locations []struct {
						PhysicalLocation struct {
							ArtifactLocation struct{ URI, URIBaseID string }
							Region           struct{ StartLine int }
						}
					}
				}
			}
		}
		if err := json.Unmarshal(b.Bytes(), &log); err != nil {
			t.Fatal(err)
		}
		if v := log.Runs[0].Tool.Driver.Version; v != strings.TrimPrefix(glassbox.Version(), "v") {
			t.Errorf("%s: tool version %q, want glassbox's %q", name, v, glassbox.Version())
		}
		if name == "with source" {
			loc := log.Runs[0].Results[0].Locations[0].PhysicalLocation
			if loc.ArtifactLocation.URI != "go.mod" || loc.Region.StartLine != 7 {
				t.Errorf("location %+v, want go.mod line 7, which requires golang.org/x/text", loc)
			}
		}
	}
}
