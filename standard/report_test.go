package standard_test

import (
	"regexp"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/standard"
)

func TestReport(t *testing.T) {
	checks := with(allPass(), glassbox.CheckNoBackdoorIndicators, glassbox.CheckFail, "1 unsuppressed high finding")
	backdoor := glassbox.Finding{RuleID: "GB0201", Rule: "hidden-listener", Family: "listener", Severity: glassbox.SeverityHigh,
		Message: `listens on 0.0.0.0:31337 <script>alert("x")</script>`, Explanation: "a listener nobody documented", Path: "cmd/router/debug.go", Region: glassbox.Region{StartLine: 42}}
	for i := range checks {
		if checks[i].Check == glassbox.CheckNoBackdoorIndicators {
			checks[i].Findings = []glassbox.Finding{backdoor}
		}
	}
	a, err := standard.Assess(release, three, checks, judgeAll(t, three, true))
	if err != nil {
		t.Fatal(err)
	}
	rebuildReport := glassbox.DigestOf([]byte("rebuild report"))
	b, err := standard.Report(standard.ReportData{
		Assessment: a,
		At:         assessAt,
		Centre:     "Test centre",
		Rebuilds: []standard.RebuildRow{
			{Artifact: "bin/router", Digest: glassbox.DigestOf([]byte("router")), Outcome: "identical", Evidence: rebuildReport},
			{Artifact: "bin/cli", Digest: glassbox.DigestOf([]byte("cli")), Outcome: "different", Detail: ".text differs at 0x4010"},
		},
		Findings: []glassbox.Finding{backdoor},
		Vulnerabilities: []standard.VulnerabilityRow{
			{IDs: []string{"GO-2024-2687", "CVE-2023-45288"}, Component: "golang.org/x/net", Version: "v0.17.0", Fixed: "v0.23.0", Severity: "high", Status: "not_affected (unreachable)"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		"<!DOCTYPE html>", "@media print", `<section class="banner FAILED">`,
		`id="summary"`, `id="rebuild"`, `id="findings"`, `id="vulnerabilities"`, `id="evidence"`,
		"acme/router 1.4.2", string(release.ID),
		"GO-2024-2687", "golang.org/x/net", "v0.23.0", "not_affected (unreachable)",
		"bin/cli", ".text differs at 0x4010",
		"cmd/router/debug.go:42", "&lt;script&gt;", // the finding's text is escaped, not run
		"glassbox cat " + string(rebuildReport),
		"scan.no-backdoor-indicators: 1 unsuppressed high finding",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(s, "<script>") {
		t.Error("the report contains a script element")
	}
	// One summary row per standard, one row per control, and every
	// control's status in it.
	for _, sr := range a.Standards {
		if !strings.Contains(s, `<a href="#std-`+sr.ID+`">`) {
			t.Errorf("no summary row for %s", sr.ID)
		}
		for _, cr := range sr.Controls {
			row := regexp.MustCompile(`<tr id="ctl-` + regexp.QuoteMeta(sr.ID+"-"+cr.Control.ID) + `">.*?</tr>`).FindString(s)
			if row == "" || !strings.Contains(row, `class="status `+string(cr.Status)+`"`) {
				t.Errorf("%s %s: row %q lacks status %s", sr.ID, cr.Control.ID, row, cr.Status)
			}
		}
	}
	// Every evidence link leads to a row of the evidence index.
	for _, m := range regexp.MustCompile(`href="#ev-([0-9a-f]{64})"`).FindAllStringSubmatch(s, -1) {
		if !strings.Contains(s, `<tr id="ev-`+m[1]+`">`) {
			t.Errorf("evidence link to %s has no index row", m[1])
		}
	}
	// Self-contained: nothing is loaded from anywhere.
	if m := regexp.MustCompile(`(?i)(src|href)\s*=\s*"?(https?:)?//|url\(|@import|<script|<link|<img|<iframe`).FindString(s); m != "" {
		t.Errorf("the report refers to an external resource: %q", m)
	}
	for _, tag := range []string{"table", "tr", "section", "ul", "dl"} {
		if o, c := strings.Count(s, "<"+tag+">")+strings.Count(s, "<"+tag+" "), strings.Count(s, "</"+tag+">"); o != c {
			t.Errorf("%d <%s> but %d </%s>", o, tag, c, tag)
		}
	}
}

// TestReportSaysWhatItCoveredAndWhyItFailed: the report opens with one
// sentence saying why the verdict failed, names the assessing centre and
// where the signed verdicts are, has a scope-and-limitations section (what
// the data covered, checks that could not run, controls a human decided),
// shows an evaluator's note once (in the judgements table, not again in
// the control's row), and shows digests short, with the whole digest as
// the title a reader sees on hover.
func TestReportSaysWhatItCoveredAndWhyItFailed(t *testing.T) {
	checks := with(allPass(), glassbox.CheckNoBackdoorIndicators, glassbox.CheckFail, "1 unsuppressed high finding")
	checks = with(checks, glassbox.CheckNoKnownExploitable, glassbox.CheckError, "not assessed: the database holds no npm advisories")
	js := judgeAll(t, three, true)
	js[0].Note = "read the vendor's threat model, pages 3 to 9"
	a, err := standard.Assess(release, three, checks, js)
	if err != nil {
		t.Fatal(err)
	}
	rebuildReport := glassbox.DigestOf([]byte("rebuild report"))
	b, err := standard.Report(standard.ReportData{
		Assessment: a, At: assessAt, Centre: "Test centre",
		Rebuilds: []standard.RebuildRow{{Artifact: "bin/router", Digest: glassbox.DigestOf([]byte("router")), Outcome: "identical", Evidence: rebuildReport}},
		Covered:  []string{"Known vulnerabilities: ecosystems Go: 12 components, 4291 advisories; data as of 2026-12-01 (4 days old, 7 days allowed)."},
		Limits:   []string{"Known vulnerabilities: the database holds no npm advisories for the 3 npm components (import OSV's npm/all.zip)."},
		Receipts: []string{"bin/router: a SLSA verification summary signed by Test centre"},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		`<p class="failure-summary">FAILED: 1 checks failed (scan.no-backdoor-indicators); 1 checks could not establish anything (vulns.no-known-exploitable);`,
		`<dt>Assessing centre</dt><dd>Test centre</dd>`,
		"bin/router: a SLSA verification summary signed by Test centre",
		`id="scope"`, "4291 advisories; data as of 2026-12-01",
		"the database holds no npm advisories for the 3 npm components",
		"vulns.no-known-exploitable was not assessed: not assessed: the database holds no npm advisories",
		"controls rest on an evaluator&#39;s judgement, not on automated evidence",
		`title="` + string(rebuildReport) + `">` + rebuildReport.Hex()[:16] + "<",
		`title="` + string(release.ID) + `">` + release.ID.Hex()[:16] + "<",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if n := strings.Count(s, "read the vendor&#39;s threat model, pages 3 to 9"); n != 1 {
		t.Errorf("the evaluator's note appears %d times, want once", n)
	}
	if n := strings.Count(s, `failure-summary`); n != 2 { // the CSS rule and the paragraph
		t.Errorf("%d failure summaries, want one", n-1)
	}
	// Digests are shown whole only where a reader copies them: the
	// commands of the evidence index and the title attributes.
	for _, m := range regexp.MustCompile(`>[^<]*sha256:[0-9a-f]{64}[^<]*<`).FindAllString(s, -1) {
		if !strings.Contains(m, "glassbox cat") {
			t.Errorf("a whole digest shown as text: %s", m)
		}
	}
}
