// Package evaluate runs the centre's main job on a stored release: every
// check that applies (source, provenance, rebuild, scan, SBOM,
// vulnerabilities), each kept as evidence and signed into the transparency
// log; then the assessment against the selected standards, written as OSCAL
// assessment-results and a readable report; and a signed SLSA Verification
// Summary Attestation per shipped artefact.
//
// A check that cannot run is recorded as an error and the evaluation goes
// on: it records everything it could establish. Evidence a check stored for
// the same release before is reused, so a second evaluation repeats only the
// assessment and the signing.
package evaluate

import (
	"context"
	"fmt"
	"glassbox.dev/review"
	"time"

	"glassbox.dev"
	"glassbox.dev/centre/stage"
	"glassbox.dev/notary"
	"glassbox.dev/rebuild"
	"glassbox.dev/scan"
	"glassbox.dev/standard"
	"glassbox.dev/tlog"
	"glassbox.dev/vuln"
)

// Store is what the evaluation needs of the metadata store: releases,
// evidence recorded about them, and evaluators' judgements.
type Store interface {
	glassbox.ReleaseStore
	glassbox.JudgementStore
	RecordEvidence(ctx context.Context, release glassbox.Digest, kind string, d glassbox.Digest) error
	FindEvidence(ctx context.Context, release glassbox.Digest, kind string) ([]glassbox.Digest, error)
}

// Evaluator evaluates releases. Blobs, Store and Library are required.
type Evaluator struct {
	Blobs   rebuild.Store
	Store   Store
	Library *standard.Library
	// Libraries, if set, gives the catalogs as they are when an
	// evaluation starts (a catalog added since the evaluator was made
	// counts), in place of Library.
	Libraries func(context.Context) (*standard.Library, error)
	// Notary signs and logs the evidence and the verdicts. Without it
	// nothing is signed: attest.evidence-signed fails and no VSA is issued.
	Notary notary.Attester
	// Verifier is the centre's identity in its VSAs (verifier.id).
	Verifier string
	// Vulns holds the vulnerability database; without a snapshot the
	// vulnerability check reports an error saying how to import one.
	Vulns *vuln.Store
	// VulnMaxAge is how old the vulnerability data may be for the check
	// to pass (vuln.DefaultMaxAge if zero); older data leaves it not
	// assessed.
	VulnMaxAge time.Duration
	// Rebuilder gives the rebuild's Limits, InputRoots and Explain (the
	// rebuild itself is stage.Jobs.Rebuild's). Nil means a rebuild with
	// the recipes' own limits.
	Rebuilder *rebuild.Rebuilder
	// Suppressions are applied to the scan (audited exceptions).
	Suppressions []scan.Suppression
	// Fresh runs every check again instead of reusing stored evidence.
	Fresh bool
	// Progress is told when each stage starts and ends; nil for silence.
	Progress func(Event)
	// Now is the clock (time.Now if nil).
	Now func() time.Time
}

// Event is a stage of an evaluation starting or ending.
type Event struct {
	Stage   string
	State   StageState
	Detail  string        // one line: what the stage established, or why it failed
	Elapsed time.Duration // for ends
}

// StageState is where a stage is.
type StageState string

// Stage states.
const (
	StageStarted StageState = "started"
	StageDone    StageState = "done"
	StageReused  StageState = "reused" // done from stored evidence
	StageFailed  StageState = "failed" // could not run; its checks are errors
)

// Stage is one stage's outcome.
type Stage struct {
	Name     string        `json:"name"`
	State    StageState    `json:"state"`
	Detail   string        `json:"detail"`
	Duration time.Duration `json:"duration_ns"`
}

// VSA is the signed verdict on one shipped artefact.
type VSA struct {
	Artifact string          `json:"artifact"`
	Digest   glassbox.Digest `json:"digest"`  // the artefact's
	Receipt  *tlog.Receipt   `json:"receipt"` // the VSA's envelope, logged
}

// Outcome is everything an evaluation established.
type Outcome struct {
	Release    *glassbox.Release      `json:"-"`
	Standards  []string               `json:"standards"`
	Stages     []Stage                `json:"stages"`
	Checks     []glassbox.CheckResult `json:"checks"`
	Assessment *standard.Assessment   `json:"-"`
	Verdict    standard.Verdict       `json:"verdict"`
	Reasons    []string               `json:"reasons,omitempty"`
	// VulnSnapshot is the vulnerability database snapshot the
	// vulnerability check matched against, if it ran.
	VulnSnapshot glassbox.Digest `json:"vulnerability_snapshot,omitempty"`
	// ICS is the vendor's implementation conformance statement the
	// assessment weighed, if one was submitted (glassbox ics submit).
	ICS    glassbox.Digest `json:"ics,omitempty"`
	Policy standard.Policy `json:"policy"`
	At     time.Time       `json:"at"`
	// AssessmentResults and Report are the OSCAL document and the HTML
	// report, kept as evidence; their bytes are in the fields below.
	AssessmentResults     glassbox.Digest `json:"assessment_results"`
	Report                glassbox.Digest `json:"report"`
	AssessmentResultsJSON []byte          `json:"-"`
	ReportHTML            []byte          `json:"-"`
	// Documents are the SARIF, CycloneDX and VEX documents the checks
	// wrote, by evidence kind, for whoever wants to check or ship them.
	Documents map[string][]byte `json:"-"`
	VSAs      []VSA             `json:"vsas,omitempty"`
}

// Evidence kinds of the jobs' documents: one kind per document, whoever
// ran the job (package centre).
const (
	KindRebuildReport    = stage.KindRebuildReport
	KindProvenanceReport = stage.KindProvenanceReport
	KindScanResult       = stage.KindScanResult
	KindScanSARIF        = stage.KindScanSARIF
	KindSBOM             = stage.KindSBOM
	KindSBOMComparison   = stage.KindSBOMComparison
	KindVulnsReport      = stage.KindVulnsReport
	KindVulnsVEX         = stage.KindVulnsVEX
	KindVulnsSARIF       = stage.KindVulnsSARIF
	KindExerciseReport   = stage.KindExerciseReport
	KindExerciseSARIF    = stage.KindExerciseSARIF
	KindPracticeReport   = stage.KindPracticeReport
	KindHardeningReport  = stage.KindHardeningReport
)

// Evidence kinds the evaluation itself records about a release.
const (
	KindAssessmentResults = "evaluation/oscal-assessment-results"
	KindReport            = "evaluation/report-html"
	KindVSAReceipt        = "evaluation/vsa-receipt"
)

// Evaluate evaluates rel against standards (ids as Library.Select takes
// them, e.g. "cra-annex-i", "osps-l1"). It fails only when it cannot
// record anything (the standards are unknown, the store is unusable);
// a stage that fails is an error result of its checks.
func (e *Evaluator) Evaluate(ctx context.Context, rel *glassbox.Release, standards []string) (*Outcome, error) {
	if e.Libraries != nil {
		lib, err := e.Libraries(ctx)
		if err != nil {
			return nil, err
		}
		copied := *e
		copied.Library = lib
		e = &copied
	}
	if _, err := e.Library.Select(standards); err != nil {
		return nil, err
	}
	policy, err := e.Library.Policy(standards)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	r := &run{e: e, rel: rel, out: &Outcome{Release: rel, Standards: standards, Policy: policy, Documents: map[string][]byte{}}}
	r.jobs = &stage.Jobs{Blobs: e.Blobs, Evidence: e.Store, Release: rel, Fresh: e.Fresh, Now: e.Now}
	defer r.jobs.Close()

	r.stage(ctx, "source", r.checkSource)
	r.stage(ctx, "provenance", r.checkProvenance)
	r.stage(ctx, "rebuild", r.checkRebuild)
	r.stage(ctx, "scan", r.checkScan)
	r.stage(ctx, "run", r.checkRun)
	r.stage(ctx, "hardening", r.checkHardening)
	r.stage(ctx, "sbom", r.checkSBOM)
	r.stage(ctx, "vulnerabilities", r.checkVulns)
	r.stage(ctx, "practices", r.checkPractices)
	r.stage(ctx, "sign evidence", r.signEvidence)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	judgements, err := e.Store.FindJudgements(ctx, rel.ID)
	if err != nil {
		return nil, fmt.Errorf("read the judgements of release %s: %w", rel.ID, err)
	}
	if err := r.signJudgements(ctx, judgements); err != nil {
		return nil, err
	}
	js := make([]glassbox.Judgement, len(judgements))
	for i, j := range judgements {
		js[i] = *j
	}
	ics, err := CurrentICS(ctx, e.Blobs, e.Store, e.Library, rel.ID)
	if err != nil {
		return nil, fmt.Errorf("read the vendor's ICS of release %s: %w", rel.ID, err)
	}
	a, err := e.Library.AssessWith(rel, standards, r.out.Checks, js, ics)
	if err != nil {
		return nil, err
	}
	r.out.ICS = a.ICS
	if a.Review, err = r.review(ctx); err != nil {
		return nil, err
	}
	out := r.out
	out.Assessment, out.Verdict, out.Reasons, out.At = a, a.Verdict, a.Reasons, now().UTC()
	if out.AssessmentResultsJSON, err = standard.AssessmentResults(a, out.At); err != nil {
		return nil, err
	}
	if out.AssessmentResults, err = r.keep(ctx, KindAssessmentResults, out.AssessmentResultsJSON); err != nil {
		return nil, err
	}
	if err := r.signAssessment(ctx); err != nil {
		return nil, err
	}
	if out.ReportHTML, err = standard.Report(r.scope(r.reportData(a, out.At))); err != nil {
		return nil, err
	}
	if out.Report, err = r.keep(ctx, KindReport, out.ReportHTML); err != nil {
		return nil, err
	}
	if err := r.issueVSAs(ctx); err != nil {
		return nil, err
	}
	if err := r.record(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// run is one evaluation in progress.
type run struct {
	e   *Evaluator
	rel *glassbox.Release
	out *Outcome

	jobs       *stage.Jobs // the per-release jobs, whose evidence any caller reuses
	inputs     []inputAttestation
	envelopes  []envelopeRef
	components *stage.Components
	rebuilds   []standard.RebuildRow
	findings   []glassbox.Finding
	vulnRows   []standard.VulnerabilityRow
	// vulnCoverage is what the vulnerability check could speak for.
	vulnCoverage *vuln.Coverage
	// vulns is the vulnerability report, when the match ran, for the
	// repository checks.
	vulns       *vuln.Report
	vulnsDigest glassbox.Digest
}

// stage runs one stage, records its checks and tells Progress.
func (r *run) stage(ctx context.Context, name string, fn func(context.Context) ([]glassbox.CheckResult, bool, error)) {
	if ctx.Err() != nil {
		return
	}
	r.progress(Event{Stage: name, State: StageStarted})
	start := time.Now()
	checks, reused, err := fn(ctx)
	st := Stage{Name: name, State: StageDone, Duration: time.Since(start)}
	switch {
	case err != nil:
		st.State, st.Detail = StageFailed, err.Error()
	case reused:
		st.State = StageReused
	}
	if st.Detail == "" {
		for i, c := range checks {
			if i > 0 {
				st.Detail += "; "
			}
			st.Detail += fmt.Sprintf("%s %s", c.Check, c.Status)
		}
	}
	r.out.Checks = append(r.out.Checks, checks...)
	r.out.Stages = append(r.out.Stages, st)
	r.progress(Event{Stage: name, State: st.State, Detail: st.Detail, Elapsed: st.Duration})
}

func (r *run) progress(ev Event) {
	if r.e.Progress != nil {
		r.e.Progress(ev)
	}
}

// failed turns a stage's error into error results of its checks: the
// check could not establish anything.
func failed(err error, checks ...string) []glassbox.CheckResult {
	out := make([]glassbox.CheckResult, len(checks))
	for i, c := range checks {
		out[i] = glassbox.CheckResult{Check: c, Status: glassbox.CheckError, Summary: "could not run: " + err.Error()}
	}
	return out
}

// keep stores a document as evidence of the release.
func (r *run) keep(ctx context.Context, kind string, data []byte) (glassbox.Digest, error) {
	d, err := r.e.Blobs.Put(ctx, data)
	if err != nil {
		return "", fmt.Errorf("store %s: %w", kind, err)
	}
	if err := r.e.Store.RecordEvidence(ctx, r.rel.ID, kind, d); err != nil {
		return "", err
	}
	return d, nil
}

// review summarises the differential review of the release against the
// previous release of its product, or returns nil when there is none (or
// the store keeps no reviews).
func (r *run) review(ctx context.Context) (*review.Summary, error) {
	marks, ok := r.e.Store.(glassbox.ReviewStore)
	if !ok {
		return nil, nil
	}
	base, err := review.Previous(ctx, r.e.Store, r.rel)
	if err != nil || base == nil {
		return nil, err
	}
	rv, err := (&review.Reviewer{Blobs: r.e.Blobs, Marks: marks}).Review(ctx, r.rel, base)
	if err != nil {
		return nil, fmt.Errorf("the review of %s against %s: %w", r.rel.Manifest.Version, base.Manifest.Version, err)
	}
	return rv.Summarise(), nil
}
