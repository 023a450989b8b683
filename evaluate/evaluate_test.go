package evaluate_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/evaluate"
	"glassbox.dev/evidence"
	"glassbox.dev/ingest"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/internal/sarif"
	"glassbox.dev/internal/schemas"
	"glassbox.dev/scan"
	"glassbox.dev/standard"
	"glassbox.dev/vuln"
)

// centre is a data directory with its evidence store and SQLite metadata.
type centre struct {
	dir   string
	blobs *evidence.FS
	store evaluate.Store
}

func openCentre(t *testing.T) *centre {
	t.Helper()
	dir := t.TempDir()
	blobs, db := centretest.Stores(t, dir)
	return &centre{dir: dir, blobs: blobs, store: db}
}

// submit stores a source-only release made of files.
func (c *centre) submit(t *testing.T, version string, files map[string]string) *glassbox.Release {
	t.Helper()
	src := writeTree(t, files)
	in := &ingest.Ingester{Blobs: c.blobs, Releases: c.store}
	res, err := in.Submit(t.Context(), ingest.Request{Product: "lib", Version: version, SourceDir: src})
	if err != nil {
		t.Fatal(err)
	}
	return res.Release
}

func check(out *evaluate.Outcome, id string) *glassbox.CheckResult {
	for i := range out.Checks {
		if out.Checks[i].Check == id {
			return &out.Checks[i]
		}
	}
	return nil
}

// TestAFailedStageIsRecordedAndTheRestGoesOn evaluates a source-only
// release with no vulnerability database and no keys: the vulnerability
// stage fails and says how to fix it, every other check still records what
// it established, the verdict is FAILED because controls stay unassessed,
// and the documents are written and valid.
func TestAFailedStageIsRecordedAndTheRestGoesOn(t *testing.T) {
	c := openCentre(t)
	rel := c.submit(t, "1.0.0", map[string]string{
		"go.mod":  "module example.org/lib\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.0\n",
		"go.sum":  "golang.org/x/text v0.3.0 h1:g61tztE5qeGQ89tm6NTjjM9VPIm088od1l6aSorWRWg=\ngolang.org/x/text v0.3.0/go.mod h1:NqM8EUOU14njkJ3fqMW+pc6Ldnwhi/IjpwHt7yyuwOQ=\n",
		"lib.go":  "package lib\n\n// Hello greets.\nfunc Hello() string { return \"hello\" }\n",
		"auth.go": "package lib\n\nfunc check(password string) bool { return password == \"letmein-master\" }\n",
	})
	lib, err := standard.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var stages []string
	e := &evaluate.Evaluator{
		Blobs: c.blobs, Store: c.store, Library: lib,
		Vulns:    &vuln.Store{Blobs: c.blobs, Current: vuln.FilePointer(filepath.Join(t.TempDir(), "current"))},
		Progress: func(ev evaluate.Event) { stages = append(stages, ev.Stage+" "+string(ev.State)) },
	}
	out, err := e.Evaluate(t.Context(), rel, []string{"cra-annex-i", "en-303-645"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]glassbox.CheckStatus{
		glassbox.CheckSourceAvailable:      glassbox.CheckPass,
		glassbox.CheckArchiveMatchesSource: glassbox.CheckNotApplicable,
		glassbox.CheckReproducible:         glassbox.CheckNotApplicable, // ships nothing
		glassbox.CheckSBOMAvailable:        glassbox.CheckPass,
		glassbox.CheckNoKnownExploitable:   glassbox.CheckError, // no database imported
		glassbox.CheckEvidenceSigned:       glassbox.CheckFail,  // no keys
	}
	for id, status := range want {
		got := check(out, id)
		if got == nil || got.Status != status {
			t.Errorf("%s = %+v, want %s", id, got, status)
		}
	}
	if v := check(out, glassbox.CheckNoKnownExploitable); v != nil && !strings.Contains(v.Summary, "vulndb import") {
		t.Errorf("the failed vulnerability stage does not say how to fix it: %q", v.Summary)
	}
	if s := check(out, glassbox.CheckNoBackdoorIndicators); s == nil || s.Status != glassbox.CheckFail || len(s.Findings) == 0 {
		t.Errorf("the master password in auth.go was not reported: %+v", s)
	}
	if out.Verdict != standard.Failed {
		t.Errorf("verdict %s, want FAILED", out.Verdict)
	}
	failedStage := false
	for _, s := range out.Stages {
		if s.Name == "vulnerabilities" && s.State == evaluate.StageFailed {
			failedStage = true
		}
	}
	if !failedStage || !strings.Contains(strings.Join(stages, ","), "vulnerabilities failed") {
		t.Errorf("the vulnerability stage was not reported as failed: %v / %v", out.Stages, stages)
	}
	if err := schemas.Validate(schemas.OSCALAssessmentResults, out.AssessmentResultsJSON); err != nil {
		t.Error(err)
	}
	if err := schemas.Validate(schemas.CycloneDX, out.Documents[evaluate.KindSBOM]); err != nil {
		t.Error(err)
	}
	if err := schemas.Validate(schemas.SARIF, out.Documents[evaluate.KindScanSARIF]); err != nil {
		t.Error(err)
	}
	for _, p := range sarif.CheckGitHub(out.Documents[evaluate.KindScanSARIF]) {
		t.Errorf("scan SARIF not uploadable to GitHub code scanning: %s", p)
	}
	if !strings.Contains(string(out.Documents[evaluate.KindSBOM]), "pkg:golang/golang.org/x/text@v0.3.0") {
		t.Error("the SBOM does not list golang.org/x/text v0.3.0 from go.mod")
	}
	if len(out.VSAs) != 0 {
		t.Errorf("VSAs issued without keys: %+v", out.VSAs)
	}

	// What was stored is reused, and the verdict is the same.
	again, err := e.Evaluate(t.Context(), rel, []string{"cra-annex-i", "en-303-645"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Verdict != out.Verdict {
		t.Errorf("second verdict %s, first %s", again.Verdict, out.Verdict)
	}
	for _, s := range again.Stages {
		if (s.Name == "scan" || s.Name == "sbom") && s.State != evaluate.StageReused {
			t.Errorf("second evaluation: %s %s, want reused", s.Name, s.State)
		}
	}
	if ds, err := c.store.FindEvidence(t.Context(), rel.ID, evaluate.KindScanSARIF); err != nil || len(ds) != 1 {
		t.Errorf("scan SARIF recorded %d times (%v); want once, reused after", len(ds), err)
	}

	// Unknown standards are refused before anything runs.
	if _, err := e.Evaluate(t.Context(), rel, []string{"iso-99999"}); glassbox.ErrorCode(err) != glassbox.EINVALID && glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("unknown standard: %v", err)
	}
}

// TestMediumFindingsFailUntilSuppressed: a finding of medium severity (an
// npm preinstall hook that fetches and runs code) fails the backdoor check
// like a high one, until an evaluator suppresses it, with a reason that the
// evidence keeps.
func TestMediumFindingsFailUntilSuppressed(t *testing.T) {
	c := openCentre(t)
	rel := c.submit(t, "2.0.0", map[string]string{
		"package.json": `{"name": "left-padding", "version": "2.0.0", "scripts": {"preinstall": "node setup.js"}}`,
		"setup.js":     "console.log('configuring');\n",
		"index.js":     "module.exports = (s, n) => String(s).padStart(n);\n",
	})
	e := freshEvaluator(t, c)
	out, err := e.Evaluate(t.Context(), rel, []string{"cra-annex-i"})
	if err != nil {
		t.Fatal(err)
	}
	res := check(out, glassbox.CheckNoBackdoorIndicators)
	if res == nil || res.Status != glassbox.CheckFail || len(res.Findings) == 0 || res.Findings[0].Severity != glassbox.SeverityMedium {
		t.Fatalf("a medium finding did not fail the check: %+v", res)
	}
	e.Suppressions = []scan.Suppression{{Fingerprint: res.Findings[0].Fingerprint, Reason: "setup.js only logs; reviewed", By: "alice"}}
	out, err = e.Evaluate(t.Context(), rel, []string{"cra-annex-i"})
	if err != nil {
		t.Fatal(err)
	}
	if res := check(out, glassbox.CheckNoBackdoorIndicators); res == nil || res.Status != glassbox.CheckPass || !strings.Contains(res.Summary, "1 findings suppressed") {
		t.Errorf("suppressed, the check = %+v; want pass, counting the suppression", res)
	}
	if !strings.Contains(string(out.Documents[evaluate.KindScanSARIF]), "setup.js only logs; reviewed") {
		t.Error("the suppression and its reason are not in the SARIF evidence")
	}
}

// TestADismissalInForceSuppressesItsFinding: an evaluator's dismissal of a
// finding, recorded in the store, suppresses it in the next evaluation
// with the evaluator's reason; a later confirmation brings it back.
func TestADismissalInForceSuppressesItsFinding(t *testing.T) {
	c := openCentre(t)
	rel := c.submit(t, "3.0.0", map[string]string{
		"package.json": `{"name": "left-padding", "version": "3.0.0", "scripts": {"preinstall": "node setup.js"}}`,
		"setup.js":     "console.log('configuring');\n",
	})
	e := freshEvaluator(t, c)
	out, err := e.Evaluate(t.Context(), rel, []string{"cra-annex-i"})
	if err != nil {
		t.Fatal(err)
	}
	f := check(out, glassbox.CheckNoBackdoorIndicators).Findings[0]
	decide := func(dismissed bool, reason string) *evaluate.Outcome {
		t.Helper()
		if err := c.store.(glassbox.TriageStore).RecordTriage(t.Context(), &glassbox.Triage{Release: rel.ID, Fingerprint: f.Fingerprint, RuleID: f.RuleID, Path: f.Path,
			Line: f.Region.StartLine, Dismissed: dismissed, Reason: reason, Evaluator: "eve@lab"}); err != nil {
			t.Fatal(err)
		}
		out, err := e.Evaluate(t.Context(), rel, []string{"cra-annex-i"})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out = decide(true, "setup.js only logs; read it")
	if res := check(out, glassbox.CheckNoBackdoorIndicators); res.Status != glassbox.CheckPass || !strings.Contains(string(out.Documents[evaluate.KindScanSARIF]), "setup.js only logs; read it") {
		t.Errorf("dismissed, the check = %+v; want pass, with the reason in the SARIF", res)
	}
	out = decide(false, "on second look it fetches code")
	if res := check(out, glassbox.CheckNoBackdoorIndicators); res.Status != glassbox.CheckFail {
		t.Errorf("confirmed after a dismissal, the check = %+v; want fail", res)
	}
}

// TestTheReviewCoverageIsReported: a second version of a product, with one
// of its two changed files marked reviewed by an evaluator, is evaluated;
// the assessment, the OSCAL assessment-results (valid against NIST's
// schema) and the report carry the review coverage against the first
// version.
func TestTheReviewCoverageIsReported(t *testing.T) {
	c := openCentre(t)
	v1 := c.submit(t, "1.0.0", map[string]string{"a.txt": "one\ntwo\n", "b.txt": "x\n"})
	time.Sleep(10 * time.Millisecond) // a later submission time
	v2 := c.submit(t, "1.1.0", map[string]string{"a.txt": "one\nTWO\nthree\n", "b.txt": "y\n"})
	if err := c.store.(glassbox.ReviewStore).MarkReviewed(t.Context(), &glassbox.ReviewMark{Release: v2.ID, Base: v1.ID, Path: "a.txt", Evaluator: "eve@lab"}); err != nil {
		t.Fatal(err)
	}
	out, err := freshEvaluator(t, c).Evaluate(t.Context(), v2, []string{"cra-annex-i"})
	if err != nil {
		t.Fatal(err)
	}
	// a.txt: one line removed, two added (3); b.txt: one removed, one added (2).
	rv := out.Assessment.Review
	if rv == nil || rv.Base != v1.ID || rv.Changed != 5 || rv.Reviewed != 3 || rv.Files != 2 || rv.FilesReviewed != 1 {
		t.Fatalf("the review in the assessment: %+v; want 3 of 5 lines, 1 of 2 files, against 1.0.0", rv)
	}
	if err := schemas.Validate(schemas.OSCALAssessmentResults, out.AssessmentResultsJSON); err != nil {
		t.Fatalf("the assessment results with a review: %v", err)
	}
	if !strings.Contains(string(out.AssessmentResultsJSON), `"name": "review-coverage"`) && !strings.Contains(string(out.AssessmentResultsJSON), `"name":"review-coverage"`) || !strings.Contains(string(out.AssessmentResultsJSON), `"0.600"`) {
		t.Errorf("the OSCAL results do not carry the review coverage 0.600")
	}
	if !strings.Contains(string(out.ReportHTML), "Review coverage since 1.0.0") || !strings.Contains(string(out.ReportHTML), "60.0 %") {
		t.Errorf("the report does not show the review coverage")
	}
	// The first version has nothing to be compared with.
	out, err = freshEvaluator(t, c).Evaluate(t.Context(), v1, []string{"cra-annex-i"})
	if err != nil || out.Assessment.Review != nil {
		t.Errorf("the first version's review: %+v, %v; want none", out.Assessment.Review, err)
	}
}
