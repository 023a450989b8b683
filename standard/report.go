package standard

import (
	"bytes"
	"embed"
	"fmt"
	"glassbox.dev/review"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"glassbox.dev"
)

//go:embed templates/report.html.tmpl
var templateFiles embed.FS

var reportTemplate = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"hex":   func(d glassbox.Digest) string { return d.Hex() },
	"short": func(d glassbox.Digest) string { return shortDigest(d) },
	// shortid abbreviates a release id, written as a plain string.
	"shortid": func(s string) string { return shortDigest(glassbox.Digest(s)) },
	"time":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
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
	// Covered says, one line each, what the evaluation's data covered
	// (e.g. the vulnerability database's ecosystems, records and age);
	// Limits what it did not (an ecosystem without advisories, stale
	// data). Checks that could not run and controls a human decided are
	// added to the limits from the assessment itself.
	Covered []string
	Limits  []string
	// Receipts say where the signed verdicts are, one line per artefact.
	Receipts []string
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
	Summary                            string // the failure in one sentence, "" when PASSED
	Covered, Limits, Receipts          []string
	ControlReasons                     map[string]string // by "standard/control"
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
	Review                             *review.Summary
	ReviewCoverage                     string
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
	if a.Review != nil {
		v.Review, v.ReviewCoverage = a.Review, strconv.FormatFloat(100*a.Review.Coverage(), 'f', 1, 64)+" %"
	}
	v.Summary = failureSummary(a)
	v.Covered, v.Receipts = d.Covered, d.Receipts
	v.Limits = append(limits(a), d.Limits...)
	v.ControlReasons = controlReasons(a)
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

// failureSummary says in one sentence why the verdict is not PASSED:
// which checks failed, which could not run, how many controls are not
// satisfied or not assessed. "" for PASSED.
func failureSummary(a *Assessment) string {
	if a.Verdict == Passed {
		return ""
	}
	var failed, notRun []string
	for _, c := range a.Checks {
		switch c.Status {
		case glassbox.CheckFail:
			failed = append(failed, c.Check)
		case glassbox.CheckError:
			notRun = append(notRun, c.Check)
		}
	}
	notSatisfied, notAssessed, human := 0, 0, 0
	for _, s := range a.Standards {
		for _, c := range s.Controls {
			switch c.Status {
			case glassbox.ControlNotSatisfied:
				notSatisfied++
			case glassbox.ControlNotAssessed:
				notAssessed++
				if c.Coverage != Automated && c.Judgement == nil {
					human++
				}
			}
		}
	}
	var parts []string
	if len(failed) > 0 {
		parts = append(parts, fmt.Sprintf("%d checks failed (%s)", len(failed), strings.Join(failed, ", ")))
	}
	if len(notRun) > 0 {
		parts = append(parts, fmt.Sprintf("%d checks could not establish anything (%s)", len(notRun), strings.Join(notRun, ", ")))
	}
	if notSatisfied > 0 {
		parts = append(parts, fmt.Sprintf("%d controls are not satisfied", notSatisfied))
	}
	if notAssessed > 0 {
		p := fmt.Sprintf("%d controls are not assessed", notAssessed)
		if human > 0 {
			p += fmt.Sprintf(", %d of them awaiting an evaluator's judgement", human)
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "The verdict is " + string(a.Verdict) + "."
	}
	return string(a.Verdict) + ": " + strings.Join(parts, "; ") + "."
}

// limits are what the assessment itself says it could not cover: checks
// that could not run, and controls no automated check decides, which a
// human judged or must judge.
func limits(a *Assessment) []string {
	var out []string
	for _, c := range a.Checks {
		if c.Status == glassbox.CheckError {
			out = append(out, fmt.Sprintf("%s was not assessed: %s", c.Check, c.Summary))
		}
	}
	var judged, waiting []string
	for _, s := range a.Standards {
		for _, c := range s.Controls {
			if c.Coverage == Automated {
				continue
			}
			label := s.ID + " " + c.Control.Label
			if c.Judgement != nil {
				judged = append(judged, fmt.Sprintf("%s (%s)", label, nonEmpty(c.Judgement.Evaluator, "an evaluator")))
			} else {
				waiting = append(waiting, label)
			}
		}
	}
	if len(judged) > 0 {
		out = append(out, fmt.Sprintf("%d controls rest on an evaluator's judgement, not on automated evidence: %s", len(judged), strings.Join(judged, ", ")))
	}
	if len(waiting) > 0 {
		out = append(out, fmt.Sprintf("%d controls need an evaluator's judgement that none has given: %s", len(waiting), strings.Join(waiting, ", ")))
	}
	out = append(out, "The analysers look for known indicators of backdoors and secrets; finding none does not prove there are none.")
	return out
}

// controlReasons are the controls' reasons as the report shows them: an
// evaluator's note is shown once, in the judgements table, so a reason
// that quotes it points there instead.
func controlReasons(a *Assessment) map[string]string {
	out := map[string]string{}
	for _, s := range a.Standards {
		for _, c := range s.Controls {
			r := c.Reason
			if j := c.Judgement; j != nil {
				if note := strings.TrimSpace(j.Note); note != "" && strings.Contains(r, ": "+note) {
					r = strings.Replace(r, ": "+note, " (see the note under Evaluators' judgements)", 1)
				}
			}
			out[s.ID+"/"+c.Control.ID] = r
		}
	}
	return out
}

// shortDigest abbreviates a digest for reading: its first 16 hex digits,
// as release ids are abbreviated elsewhere; the page gives the whole
// digest as the element's title (shown on hover) and in the evidence
// index's commands.
func shortDigest(d glassbox.Digest) string {
	h := d.Hex()
	if len(h) > 16 {
		h = h[:16]
	}
	return h
}
