package vuln

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"glassbox.dev"
	"glassbox.dev/internal/schemas"
	"glassbox.dev/sbom"
)

func validate(t *testing.T, sch *jsonschema.Schema, doc []byte, what string) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("%s does not validate: %v\n%s", what, err, doc)
	}
}

func compile(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	s, err := schemas.Compile(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// syntheticReport has a rated, merged vulnerability, a resolved one and a
// PyPI one, besides what matching finds.
func syntheticReport(t *testing.T) *Report {
	rated := `{"id": "GHSA-2024-rate-aaaa", "modified": "2024-05-01T00:00:00Z", "published": "2024-04-01T00:00:00Z", "aliases": ["CVE-2024-9999"], "summary": "rated", "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}], "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.32.0"}]}]}]}`
	pysec := `{"id": "PYSEC-2024-1", "modified": "2024-05-01T00:00:00Z", "aliases": ["CVE-2024-9999"], "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.32.0"}]}]}]}`
	old := `{"id": "PYSEC-2019-1", "modified": "2020-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}]}]}`
	l := NewLoader()
	for i, r := range []string{rated, pysec, old} {
		if err := l.AddRecord(string(rune('a'+i))+".json", []byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	db := l.Database()
	comps := []glassbox.Component{{Ecosystem: "PyPI", Name: "requests", Version: "2.31.0", PURL: "pkg:pypi/requests@2.31.0", Source: "requirements.txt"}}
	vulns, _ := db.Match(comps, MatchOptions{Resolved: true})
	return &Report{Target: "synthetic", Components: comps, Vulnerabilities: vulns, Reachability: "none", Created: time.Now(),
		Database: DatabaseRef{Snapshot: glassbox.Digest("sha256:" + strings.Repeat("a", 64)), Digest: glassbox.Digest("sha256:" + strings.Repeat("b", 64))}}
}

func TestReportFormats(t *testing.T) {
	cdx, sarif := compile(t, schemas.CycloneDX), compile(t, schemas.SARIF)
	reports := []*Report{syntheticReport(t)}
	if !testing.Short() {
		db := loadZip(t, goZip)
		_, bin := buildReachProgram(t)
		comps, err := sbom.FromBinary(bin)
		if err != nil {
			t.Fatal(err)
		}
		vulns, _ := db.Match(comps, MatchOptions{})
		if err := db.Reach(t.Context(), vulns, ReachOptions{Path: bin, Mode: "binary"}); err != nil {
			t.Fatal(err)
		}
		reports = append(reports, &Report{Target: "reach", Components: comps, Vulnerabilities: vulns, Reachability: "govulncheck", Created: time.Now(),
			Database: DatabaseRef{Snapshot: glassbox.Digest("sha256:" + strings.Repeat("c", 64)), Digest: glassbox.Digest("sha256:" + strings.Repeat("d", 64))}})
	}
	for _, rep := range reports {
		var b bytes.Buffer
		if err := WriteCycloneDX(&b, rep); err != nil {
			t.Fatal(err)
		}
		validate(t, cdx, b.Bytes(), "CycloneDX of "+rep.Target)
		var doc struct {
			Metadata struct {
				Properties []struct{ Name, Value string }
			}
			Vulnerabilities []struct {
				ID         string
				References []struct{ ID string }
				Ratings    []struct {
					Severity string
					Score    float64
				}
				Analysis struct{ State, Justification string }
			}
		}
		if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), string(rep.Database.Snapshot)) {
			t.Errorf("%s: the CycloneDX does not name the database snapshot", rep.Target)
		}
		states := map[string]string{}
		for _, v := range doc.Vulnerabilities {
			states[v.ID] = v.Analysis.State + "/" + v.Analysis.Justification
			if v.ID == "PYSEC-2024-1" && (len(v.Ratings) != 1 || v.Ratings[0].Score != 9.8 || v.Ratings[0].Severity != "critical" || len(v.References) != 2) {
				t.Errorf("rated vulnerability %+v", v)
			}
		}
		switch rep.Target {
		case "synthetic":
			if states["PYSEC-2024-1"] != "in_triage/" || states["PYSEC-2019-1"] != "resolved/" || len(states) != 2 {
				t.Errorf("synthetic states %v", states)
			}
		case "reach":
			if states["GO-2021-0113"] != "exploitable/" || states["GO-2021-0238"] != "not_affected/code_not_reachable" || states["GO-2020-0015"] != "not_affected/code_not_present" {
				t.Errorf("reach states %v", states)
			}
		}
		b.Reset()
		if err := WriteSARIF(&b, rep); err != nil {
			t.Fatal(err)
		}
		validate(t, sarif, b.Bytes(), "SARIF of "+rep.Target)
		b.Reset()
		if err := WriteText(&b, rep); err != nil || !strings.Contains(b.String(), string(rep.Database.Snapshot)) {
			t.Errorf("text: %v\n%s", err, b.String())
		}
	}
	// --fail-on: the critical rated one fails at critical; resolved rows
	// never fail.
	if n := reports[0].Failing(glassbox.SeverityCritical.Rank()); n != 1 {
		t.Errorf("failing at critical: %d", n)
	}
}
