package standard

import (
	"bytes"
	"embed"
	"html/template"
	"slices"
	"strings"
	"time"

	"glassbox.dev"
)

//go:embed templates/report.html.tmpl
var templateFiles embed.FS

var reportTemplate = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"hex":   func(d glassbox.Digest) string { return d.Hex() },
	"short": func(d glassbox.Digest) string { return shortDigest(d) },
	"time":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	// class turns free text (an outcome, a severity) into a CSS class.
	"class": func(s string) string { return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "-") },
}).ParseFS(templateFiles, "templates/report.html.tmpl"))

// ReportData is what the report shows beside the assessment: what the
// evaluation found, which the caller (glassbox evaluate) has at hand.
type ReportData struct {
	Assessment *Assessment
	At         time.Time // when the assessment was made
	Centre     string    // who made it, e.g. the centre's name; optional
	Rebuilds   []RebuildRow
	// Findings are the analysers' findings that count (not suppressed).
	Findings        []glassbox.Finding
	Vulnerabilities []VulnerabilityRow
	// Evidence lists documents to index beyond those the checks name
	// (which are always listed).
	Evidence []glassbox.Evidence
}

// RebuildRow is the rebuild outcome of one shipped artefact.
type RebuildRow struct {
	Artifact string          // the artefact's path in the release
	Digest   glassbox.Digest // of the shipped artefact
	Outcome  string          // "identical", "equivalent", "different", "not rebuilt", "failed"
	Detail   string          // e.g. which stabiliser made it equivalent, or where it differs
	Evidence glassbox.Digest // the rebuild report or diff, if any
}

// VulnerabilityRow is one known vulnerability matched to a component.
type VulnerabilityRow struct {
	IDs       []string // the advisory's id and aliases, e.g. GO-2024-2687, CVE-2023-45288
	Component string
	Version   string
	Fixed     string // the first fixed version, if any
	Severity  string
	Status    string // e.g. "affected (reachable)", "not_affected (unreachable)", "fixed"
}

type reportView struct {
	Title, ReleaseID, Product, Version string
	PolicyURI, PolicyDigest            string
	GeneratedAt, Centre                string
	Verdict                            Verdict
	Reasons                            []string
	Standards                          []*StandardResult
	Checks                             []glassbox.CheckResult
	Judgements                         []glassbox.Judgement
	Rebuilds                           []RebuildRow
	Findings                           []glassbox.Finding
	Vulnerabilities                    []VulnerabilityRow
	Evidence                           []glassbox.Evidence
}

// Report renders the assessment and what the evaluation found as one
// self-contained HTML page: inline CSS (with a print layout), no scripts,
// no external resources, so that it can be archived, mailed and printed as
// it is. Evidence is linked by digest, with the `glassbox cat` command that
// prints it.
func Report(d ReportData) ([]byte, error) {
	a := d.Assessment
	if a == nil || a.Release == nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "report: no assessment")
	}
	m := &a.Release.Manifest
	var ids []string
	for _, s := range a.Standards {
		ids = append(ids, s.ID)
	}
	v := reportView{
		Title:           "Assessment of " + m.String() + " against " + strings.Join(ids, ", "),
		ReleaseID:       string(a.Release.ID),
		Product:         m.Product,
		Version:         m.Version,
		PolicyURI:       a.Policy.URI,
		PolicyDigest:    a.Policy.Digest,
		GeneratedAt:     d.At.UTC().Format("2006-01-02 15:04:05 UTC"),
		Centre:          d.Centre,
		Verdict:         a.Verdict,
		Reasons:         a.Reasons,
		Standards:       a.Standards,
		Checks:          a.Checks,
		Judgements:      a.Judgements,
		Rebuilds:        d.Rebuilds,
		Findings:        slices.Clone(d.Findings),
		Vulnerabilities: d.Vulnerabilities,
	}
	// Most alarming findings first.
	slices.SortStableFunc(v.Findings, func(x, y glassbox.Finding) int { return y.Severity.Rank() - x.Severity.Rank() })

	// Every digest linked from the page has a row in the evidence index.
	seen := map[glassbox.Digest]bool{}
	addEvidence := func(e glassbox.Evidence) {
		if e.Digest != "" && !seen[e.Digest] {
			seen[e.Digest] = true
			v.Evidence = append(v.Evidence, e)
		}
	}
	addEvidence(glassbox.Evidence{Kind: "release/manifest", Digest: a.Release.ID, Description: "The release's manifest: every file it consists of, by digest."})
	for _, c := range a.Checks {
		for _, e := range c.Evidence {
			addEvidence(e)
		}
	}
	for _, r := range d.Rebuilds {
		if r.Evidence != "" {
			addEvidence(glassbox.Evidence{Kind: "rebuild", Digest: r.Evidence, Description: "Rebuild of " + r.Artifact})
		}
	}
	for _, e := range d.Evidence {
		addEvidence(e)
	}
	var buf bytes.Buffer
	if err := reportTemplate.Execute(&buf, v); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "report: %w", err)
	}
	return buf.Bytes(), nil
}

// shortDigest abbreviates a digest for tables: its first 16 hex digits,
// as release ids are abbreviated elsewhere.
func shortDigest(d glassbox.Digest) string {
	h := d.Hex()
	if len(h) > 16 {
		h = h[:16]
	}
	return h
}
