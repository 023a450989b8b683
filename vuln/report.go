package vuln

import (
	"encoding/json"
	"fmt"
	"glassbox.dev/internal/sarif"
	"io"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"glassbox.dev"
)

// Report is the result of matching one target's components.
type Report struct {
	Target     string               `json:"target"`
	Release    glassbox.Digest      `json:"release,omitempty"`
	Database   DatabaseRef          `json:"database"`
	Components []glassbox.Component `json:"components"`
	// Reachability says what reachability analysis ran, or why none did.
	Reachability    string          `json:"reachability"`
	Vulnerabilities []Vulnerability `json:"vulnerabilities"`
	Problems        []Problem       `json:"problems,omitempty"`
	// Coverage says which ecosystems the database speaks for and how old
	// its data was when the report was made.
	Coverage *Coverage `json:"coverage,omitempty"`
	Created  time.Time `json:"created"`
}

// DatabaseRef names the snapshot a report was reached against.
type DatabaseRef struct {
	Snapshot        glassbox.Digest `json:"snapshot"` // the snapshot record in the evidence store
	Digest          glassbox.Digest `json:"digest"`   // the data: the snapshot's sources
	NewestModified  *time.Time      `json:"newest_modified,omitempty"`
	NewestPublished *time.Time      `json:"newest_published,omitempty"`
	ImportedAt      time.Time       `json:"imported_at"`
}

// Ref returns the reference to a snapshot stored under d.
func (s *Snapshot) Ref(d glassbox.Digest) DatabaseRef {
	return DatabaseRef{Snapshot: d, Digest: s.Digest, NewestModified: s.NewestModified, NewestPublished: s.NewestPublished, ImportedAt: s.ImportedAt}
}

// Failing counts the affected vulnerabilities at or above rank (a
// glassbox.Severity rank). A vulnerability no record rates counts as
// failing at every rank: a verdict must not pass on missing data.
func (r *Report) Failing(rank int) int {
	if rank > glassbox.SeverityCritical.Rank() {
		return 0 // --fail-on none
	}
	n := 0
	for _, v := range r.Vulnerabilities {
		if v.Status == StatusAffected && (!v.Severity.Known() || v.Severity.Level.Rank() >= rank) {
			n++
		}
	}
	return n
}

// WriteText writes one line per vulnerability and component, and a
// summary naming the database snapshot.
func WriteText(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tALIASES\tCOMPONENT\tINSTALLED\tFIXED\tSEVERITY\tSTATUS\tFOUND IN")
	for _, v := range r.Vulnerabilities {
		sev := string(v.Severity.Level)
		if sev == "" {
			sev = "unknown"
		}
		for _, m := range v.Matches {
			st, just, _ := m.vex()
			status := string(st)
			if just != "" {
				status += " (" + just + ")"
			} else if st == StatusAffected && m.Reachability != nil && m.Reachability.State == ReachCalled {
				status += " (called)"
			} else if st == StatusAffected {
				status += " (reachability unknown)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, strings.Join(v.IDs[1:], ","), m.Component.Name, m.Component.Version,
				orDash(strings.Join(m.Fixed, ",")), sev, status, orDash(m.Component.Source))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	counts := map[Status]int{}
	for _, v := range r.Vulnerabilities {
		counts[v.Status]++
	}
	fmt.Fprintf(w, "%d vulnerabilities (%d affected, %d not affected, %d resolved) in %d components; %s\n",
		len(r.Vulnerabilities), counts[StatusAffected], counts[StatusNotAffected], counts[StatusResolved], len(r.Components), r.Reachability)
	for _, p := range r.Problems {
		fmt.Fprintf(w, "not judged: %s %s@%s: %s\n", p.Component.Ecosystem, p.Component.Name, p.Component.Version, p.Problem)
	}
	fmt.Fprintf(w, "database snapshot %s (data %s), newest record modified %s, published %s\n", r.Database.Snapshot, r.Database.Digest, modifiedText(r.Database.NewestModified), modifiedText(r.Database.NewestPublished))
	if r.Coverage != nil {
		fmt.Fprintf(w, "coverage: %s\n", r.Coverage)
		for _, g := range r.Coverage.Gaps() {
			fmt.Fprintf(w, "not covered: %s\n", g)
		}
	}
	return nil
}

func modifiedText(t *time.Time) string {
	if t == nil {
		return "unknown"
	}
	return t.UTC().Format(time.RFC3339)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func glassboxVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// bomRef names a component inside the CycloneDX document.
func bomRef(c glassbox.Component) string {
	if c.PURL != "" {
		return c.PURL
	}
	return c.Ecosystem + ":" + c.Name + "@" + c.Version
}

// WriteCycloneDX writes a CycloneDX 1.6 document listing the components
// and a vulnerabilities section carrying, per vulnerability, the VEX
// analysis: exploitable (a vulnerable symbol is called), in_triage
// (affected, reachability unknown), not_affected with its justification,
// or resolved. The database snapshot is recorded as metadata properties.
func WriteCycloneDX(w io.Writer, r *Report) error {
	bom := cdx.NewBOM()
	bom.SerialNumber = "urn:uuid:" + uuidFrom(string(r.Database.Snapshot)+r.Target+r.Created.String())
	bom.Metadata = &cdx.Metadata{
		Timestamp: r.Created.UTC().Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: "glassbox", Version: glassboxVersion(),
		}}},
		Component: &cdx.Component{BOMRef: "target", Type: cdx.ComponentTypeApplication, Name: r.Target},
		Properties: &[]cdx.Property{
			{Name: "glassbox:vulndb:snapshot", Value: string(r.Database.Snapshot)},
			{Name: "glassbox:vulndb:digest", Value: string(r.Database.Digest)},
			{Name: "glassbox:vulndb:newest-modified", Value: modifiedText(r.Database.NewestModified)},
			{Name: "glassbox:vulndb:newest-published", Value: modifiedText(r.Database.NewestPublished)},
			{Name: "glassbox:reachability", Value: r.Reachability},
		},
	}
	if r.Release != "" {
		*bom.Metadata.Properties = append(*bom.Metadata.Properties, cdx.Property{Name: "glassbox:release", Value: string(r.Release)})
	}
	seen := map[string]bool{}
	var comps []cdx.Component
	for _, c := range r.Components {
		ref := bomRef(c)
		if seen[ref] {
			continue
		}
		seen[ref] = true
		comps = append(comps, cdx.Component{BOMRef: ref, Type: cdx.ComponentTypeLibrary, Name: c.Name, Version: c.Version, PackageURL: c.PURL})
	}
	bom.Components = &comps
	var vulns []cdx.Vulnerability
	for _, v := range r.Vulnerabilities {
		cv := cdx.Vulnerability{
			BOMRef:      "vuln:" + v.ID,
			ID:          v.ID,
			Source:      sourceOf(v.ID),
			Description: v.Summary,
			Published:   v.Published,
			Updated:     v.Modified,
		}
		var aliases []cdx.VulnerabilityReference
		for _, id := range v.IDs[1:] {
			aliases = append(aliases, cdx.VulnerabilityReference{ID: id, Source: sourceOf(id)})
		}
		if len(aliases) > 0 {
			cv.References = &aliases
		}
		if v.Severity.Known() || v.Severity.Vector != "" {
			rt := cdx.VulnerabilityRating{Severity: cdx.Severity(v.Severity.Level), Vector: v.Severity.Vector}
			if rt.Severity == "" {
				rt.Severity = cdx.SeverityUnknown
			}
			if v.Severity.Score > 0 {
				s := v.Severity.Score
				rt.Score = &s
			}
			switch v.Severity.Type {
			case "CVSS_V3":
				rt.Method = cdx.ScoringMethodCVSSv31
				if strings.HasPrefix(v.Severity.Vector, "CVSS:3.0") {
					rt.Method = cdx.ScoringMethodCVSSv3
				}
			case "CVSS_V4":
				rt.Method = cdx.ScoringMethodCVSSv4
			case "CVSS_V2":
				rt.Method = cdx.ScoringMethodCVSSv2
			default:
				rt.Method = cdx.ScoringMethodOther
			}
			cv.Ratings = &[]cdx.VulnerabilityRating{rt}
		}
		var fixed []string
		var affects []cdx.Affects
		affected := map[string]bool{} // by bom-ref: affected if any record says so
		var refs []string
		for _, m := range v.Matches {
			ref := bomRef(m.Component)
			if _, ok := affected[ref]; !ok {
				refs = append(refs, ref)
			}
			st, _, _ := m.vex()
			affected[ref] = affected[ref] || st == StatusAffected
			for _, f := range m.Fixed {
				if s := m.Component.Name + "@" + f; !slices.Contains(fixed, s) {
					fixed = append(fixed, s)
				}
			}
		}
		for _, ref := range refs {
			status := cdx.VulnerabilityStatusAffected
			if !affected[ref] {
				status = cdx.VulnerabilityStatusNotAffected
			}
			var version string
			for _, m := range v.Matches {
				if bomRef(m.Component) == ref {
					version = m.Component.Version
				}
			}
			affects = append(affects, cdx.Affects{Ref: ref, Range: &[]cdx.AffectedVersions{{Version: version, Status: status}}})
		}
		cv.Affects = &affects
		if len(fixed) > 0 {
			cv.Recommendation = "upgrade to a fixed version: " + strings.Join(fixed, ", ")
		}
		an := &cdx.VulnerabilityAnalysis{Detail: v.Detail}
		switch v.Status {
		case StatusResolved:
			an.State = cdx.IASResolved
		case StatusNotAffected:
			an.State = cdx.IASNotAffected
			an.Justification = cdx.ImpactAnalysisJustification(v.Justification)
		default:
			an.State = cdx.IASExploitable
			if !v.called() {
				// Present and affected, but no analysis says the code is
				// reached: CycloneDX's word for that is in_triage.
				an.State = cdx.IASInTriage
			}
		}
		cv.Analysis = an
		props := []cdx.Property{{Name: "glassbox:vulndb:snapshot", Value: string(r.Database.Snapshot)}, {Name: "glassbox:osv:records", Value: strings.Join(v.Records, ",")}}
		for _, m := range v.Matches {
			if m.Reachability != nil && len(m.Reachability.Symbols) > 0 {
				props = append(props, cdx.Property{Name: "glassbox:reachability:called", Value: strings.Join(m.Reachability.Symbols, ",")})
			}
		}
		cv.Properties = &props
		vulns = append(vulns, cv)
	}
	bom.Vulnerabilities = &vulns
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	return enc.EncodeVersion(bom, cdx.SpecVersion1_6)
}

// called reports whether some match's vulnerable symbol is called.
func (v *Vulnerability) called() bool {
	for _, m := range v.Matches {
		if m.Reachability != nil && m.Reachability.State == ReachCalled {
			return true
		}
	}
	return false
}

// sourceOf names the database an id comes from.
func sourceOf(id string) *cdx.Source {
	switch {
	case strings.HasPrefix(id, "GO-"):
		return &cdx.Source{Name: "Go Vulnerability Database", URL: "https://pkg.go.dev/vuln/" + id}
	case strings.HasPrefix(id, "GHSA-"):
		return &cdx.Source{Name: "GitHub Advisory Database", URL: "https://github.com/advisories/" + id}
	case strings.HasPrefix(id, "CVE-"):
		return &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}
	}
	return &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + id}
}

// uuidFrom makes a version-5-shaped UUID from a string, so that the same
// report gets the same serial number.
func uuidFrom(s string) string {
	h := sha256Sum([]byte(s))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// SARIF 2.1.0: one rule per vulnerability, one result per affected
// component; not-affected and resolved results are kept, suppressed with
// the reason, so a reviewer sees what was judged and why.

func sarifLevel(r Rating) string {
	switch r.Level {
	case glassbox.SeverityCritical, glassbox.SeverityHigh:
		return "error"
	case glassbox.SeverityLow, glassbox.SeverityNote:
		return "note"
	}
	return "warning"
}

// WriteSARIF writes the report as SARIF 2.1.0.
func WriteSARIF(w io.Writer, r *Report) error {
	run := sarif.Run{
		Tool:    sarif.Tool{Driver: sarif.Driver{Name: "glassbox vulns", Version: glassboxVersion(), InformationURI: "https://glassbox.dev", Rules: []sarif.Rule{}}},
		Results: []sarif.Result{},
		Properties: map[string]any{
			"vulndbSnapshot": r.Database.Snapshot, "vulndbDigest": r.Database.Digest,
			"vulndbNewestModified": modifiedText(r.Database.NewestModified), "reachability": r.Reachability, "target": r.Target,
		},
	}
	for _, v := range r.Vulnerabilities {
		rule := sarif.Rule{ID: v.ID, HelpURI: sourceOf(v.ID).URL, Properties: map[string]any{"aliases": v.IDs[1:]}}
		if v.Summary != "" {
			rule.ShortDescription = &sarif.Text{Text: v.Summary}
		}
		if v.Severity.Score > 0 {
			rule.Properties["security-severity"] = fmt.Sprintf("%.1f", v.Severity.Score)
		}
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, rule)
		for _, m := range v.Matches {
			st, just, detail := m.vex()
			msg := fmt.Sprintf("%s %s@%s is affected by %s", m.Component.Ecosystem, m.Component.Name, m.Component.Version, strings.Join(v.IDs, ", "))
			if v.Summary != "" {
				msg += ": " + v.Summary
			}
			if len(m.Fixed) > 0 {
				msg += "; fixed in " + strings.Join(m.Fixed, ", ")
			}
			res := sarif.Result{
				RuleID: v.ID, Level: sarifLevel(v.Severity), Message: sarif.Text{Text: msg + " (" + detail + ")"},
				Properties: map[string]any{"status": st, "installed": m.Component.Version, "fixed": m.Fixed, "record": m.Record, "severity": orUnknown(string(v.Severity.Level))},
			}
			if just != "" {
				res.Properties["justification"] = just
			}
			if m.Component.Source != "" {
				res.Locations = []sarif.Location{{PhysicalLocation: sarif.PhysicalLocation{ArtifactLocation: sarif.ArtifactLocation{URI: m.Component.Source}}}}
			}
			if st != StatusAffected {
				res.Suppressions = []sarif.Suppression{{Kind: "external", Justification: string(st) + ": " + detail}}
			}
			run.Results = append(run.Results, res)
		}
	}
	sort.SliceStable(run.Results, func(i, j int) bool { return run.Results[i].RuleID < run.Results[j].RuleID })
	b, err := json.MarshalIndent(sarif.Log{Schema: sarif.Schema, Version: sarif.Version, Runs: []sarif.Run{run}}, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
