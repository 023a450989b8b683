package evaluate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"glassbox.dev"
	"glassbox.dev/standard"
)

// KindEvaluation is the evidence kind of an evaluation's record: one per
// evaluation, never replaced, so a release keeps the history of its
// verdicts and the newest is its current one.
const KindEvaluation = "evaluation/record"

// maxRecordSize bounds an evaluation record read back from the store.
const maxRecordSize = 4 << 20

// Record is what one evaluation concluded and where its documents are.
type Record struct {
	At                time.Time        `json:"at"`
	Standards         []string         `json:"standards"`
	Passed            []string         `json:"passed"` // each standard passed, with its version
	Verdict           standard.Verdict `json:"verdict"`
	Policy            string           `json:"policy"`
	AssessmentResults glassbox.Digest  `json:"assessment_results"`
	Report            glassbox.Digest  `json:"report"`
	VSAs              []RecordVSA      `json:"vsas,omitempty"`
	// Checks, Results and Reasons summarise the outcome as the evaluation
	// printed it: every check's result, every standard's tally, and why
	// the verdict is not PASSED. Records made before they were kept have
	// none.
	Checks  []RecordCheck    `json:"checks,omitempty"`
	Results []RecordStandard `json:"results,omitempty"`
	Reasons []string         `json:"reasons,omitempty"`
	// VulnSnapshot is the vulnerability snapshot the verdict rests on.
	VulnSnapshot glassbox.Digest `json:"vulnerability_snapshot,omitempty"`
}

// RecordCheck is one automated check's result.
type RecordCheck struct {
	Check   string               `json:"check"`
	Status  glassbox.CheckStatus `json:"status"`
	Summary string               `json:"summary"`
}

// RecordStandard is one standard's tally of controls.
type RecordStandard struct {
	ID           string           `json:"id"`
	Controls     int              `json:"controls"`
	Satisfied    int              `json:"satisfied"`
	NotSatisfied int              `json:"not_satisfied"`
	NotAssessed  int              `json:"not_assessed"`
	Verdict      standard.Verdict `json:"verdict"`
}

// RecordVSA names the signed verdict on one artefact.
type RecordVSA struct {
	Artifact string          `json:"artifact"`
	Digest   glassbox.Digest `json:"digest"`
	Envelope glassbox.Digest `json:"envelope"`
}

// Record is the record of the evaluation's outcome.
func (out *Outcome) Record() Record {
	rec := Record{
		At: out.At, Standards: out.Standards, Passed: out.Assessment.PassedStandards(), Verdict: out.Verdict,
		Policy: out.Policy.URI, AssessmentResults: out.AssessmentResults, Report: out.Report,
		Reasons: out.Reasons, VulnSnapshot: out.VulnSnapshot,
	}
	for _, c := range out.Checks {
		rec.Checks = append(rec.Checks, RecordCheck{Check: c.Check, Status: c.Status, Summary: c.Summary})
	}
	if out.Assessment != nil {
		for _, s := range out.Assessment.Standards {
			rec.Results = append(rec.Results, RecordStandard{ID: s.ID, Controls: len(s.Controls), Satisfied: s.Satisfied,
				NotSatisfied: s.NotSatisfied, NotAssessed: s.NotAssessed, Verdict: s.Verdict})
		}
	}
	for _, v := range out.VSAs {
		rec.VSAs = append(rec.VSAs, RecordVSA{Artifact: v.Artifact, Digest: v.Digest, Envelope: glassbox.DigestOf(v.Receipt.Envelope)})
	}
	return rec
}

// record keeps the evaluation's record as evidence of the release.
func (r *run) record(ctx context.Context) error {
	b, err := json.Marshal(r.out.Record())
	if err != nil {
		return err
	}
	_, err = r.keep(ctx, KindEvaluation, b)
	return err
}

// EvidenceFinder lists the evidence of a kind recorded about a release.
type EvidenceFinder interface {
	FindEvidence(ctx context.Context, release glassbox.Digest, kind string) ([]glassbox.Digest, error)
}

// History returns the records of every evaluation of a release, oldest
// first; the last is the current verdict. None for a release never
// evaluated.
func History(ctx context.Context, blobs glassbox.BlobStore, store EvidenceFinder, release glassbox.Digest) ([]Record, error) {
	ds, err := store.FindEvidence(ctx, release, KindEvaluation)
	if err != nil {
		return nil, err
	}
	out := make([]Record, 0, len(ds))
	for _, d := range ds {
		rc, err := blobs.Open(ctx, d)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(io.LimitReader(rc, maxRecordSize+1))
		rc.Close()
		if err != nil {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "read the evaluation record %s: %w", d, err)
		}
		var rec Record
		if len(b) > maxRecordSize || json.Unmarshal(b, &rec) != nil {
			return nil, glassbox.Errorf(glassbox.ECORRUPT, "the evaluation record %s of release %s is not a record", d, release)
		}
		out = append(out, rec)
	}
	// Recorded at the same instant, records are in digest order: the
	// evaluation time decides.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].At.Before(out[j-1].At); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// Current returns the newest evaluation record of a release, or nil.
func Current(ctx context.Context, blobs glassbox.BlobStore, store EvidenceFinder, release glassbox.Digest) (*Record, error) {
	h, err := History(ctx, blobs, store, release)
	if err != nil || len(h) == 0 {
		return nil, err
	}
	return &h[len(h)-1], nil
}

// String is one line: the verdict, the standards passed, and when.
func (r *Record) String() string {
	passed := "none passed"
	if len(r.Passed) > 0 {
		passed = fmt.Sprint(r.Passed)
	}
	return fmt.Sprintf("%s (%s) at %s", r.Verdict, passed, r.At.UTC().Format(time.RFC3339))
}
