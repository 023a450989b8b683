package evaluate

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/notary"
	"glassbox.dev/standard"
	"glassbox.dev/tlog"
)

// PredicateEvidence is the predicate type of the centre's statement that a
// document is evidence about a release: its subject is the document.
const PredicateEvidence = "https://glassbox.dev/predicates/evidence/v1"

type subject struct {
	name   string
	digest glassbox.Digest
}

// inputAttestation is a statement the evaluation signs about its evidence;
// its envelope becomes an input attestation of every VSA.
type inputAttestation struct {
	kind          string
	subjects      []subject
	predicateType string
	predicate     json.RawMessage
}

// evidencePredicate says what a piece of evidence is and which release it
// is about.
type evidencePredicate struct {
	Release glassbox.Digest `json:"release"`
	Product string          `json:"product"`
	Version string          `json:"version"`
	Kind    string          `json:"kind"`
}

// evidenceInput is the statement that document d is evidence of kind.
// An empty d (a document not kept) gives nothing to sign.
func evidenceInput(kind string, d glassbox.Digest) inputAttestation {
	return inputAttestation{kind: kind, subjects: []subject{{kind, d}}, predicateType: PredicateEvidence}
}

// signEvidence signs every piece of evidence the checks produced and
// appends it to the log. The statements do not depend on when they are
// made, so a second evaluation gets the same envelopes and log indexes.
func (r *run) signEvidence(ctx context.Context) ([]glassbox.CheckResult, bool, error) {
	res := glassbox.CheckResult{Check: glassbox.CheckEvidenceSigned}
	if r.e.Notary == nil {
		res.Status, res.Summary = glassbox.CheckFail, "the centre has no signing keys: the evidence is kept but not signed nor logged (glassbox keys generate)"
		return []glassbox.CheckResult{res}, false, nil
	}
	// The result names the envelopes, never where the log put them: an
	// evaluation run again after a crash signs the same statements and
	// must make the same assessment, even when a server that died
	// mid-append left a statement in the log twice.
	signed := 0
	for _, in := range r.inputs {
		receipt, err := r.signInput(ctx, in)
		if err != nil {
			return failed(err, res.Check), false, err
		}
		if receipt == nil {
			continue
		}
		signed++
		res.Evidence = append(res.Evidence, glassbox.Evidence{Kind: "attestation/" + in.kind, Digest: glassbox.DigestOf(receipt.Envelope), Description: "DSSE envelope of the signed statement about " + in.kind + ", in the transparency log"})
	}
	res.Status = glassbox.CheckPass
	res.Summary = fmt.Sprintf("%d pieces of evidence are signed by the centre and appended to its transparency log", signed)
	return []glassbox.CheckResult{res}, false, nil
}

// signInput signs and logs one statement about evidence and remembers its
// envelope as an input of the verdicts; nil when there is nothing to sign
// (the document was not kept).
func (r *run) signInput(ctx context.Context, in inputAttestation) (*tlog.Receipt, error) {
	var subjects []attest.Subject
	for _, s := range in.subjects {
		if s.digest != "" {
			subjects = append(subjects, attest.Subject{Name: s.name, Digest: s.digest})
		}
	}
	if len(subjects) == 0 {
		return nil, nil
	}
	pred := in.predicate
	if pred == nil {
		m := &r.rel.Manifest
		b, err := json.Marshal(evidencePredicate{Release: r.rel.ID, Product: m.Product, Version: m.Version, Kind: in.kind})
		if err != nil {
			return nil, err
		}
		pred = b
	}
	receipt, err := r.e.Notary.Attest(ctx, notary.Request{Subjects: subjects, PredicateType: in.predicateType, Predicate: pred})
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", in.kind, err)
	}
	r.envelopes = append(r.envelopes, envelopeRef{kind: in.kind, digest: glassbox.DigestOf(receipt.Envelope)})
	return receipt, nil
}

// signJudgements signs every judgement the assessment uses (the same
// statement glassbox judge logged, so no second entry) and makes each an
// input of the verdicts.
func (r *run) signJudgements(ctx context.Context, js []*glassbox.Judgement) error {
	if r.e.Notary == nil {
		return nil
	}
	for _, j := range js {
		receipt, err := SignJudgement(ctx, r.e.Notary, r.rel, j)
		if err != nil {
			return err
		}
		r.envelopes = append(r.envelopes, envelopeRef{kind: "judgement/" + j.Catalog + "/" + j.Control, digest: glassbox.DigestOf(receipt.Envelope)})
	}
	return nil
}

// signAssessment signs the OSCAL assessment-results as evidence of the
// release, so that each verdict names the assessment it rests on.
func (r *run) signAssessment(ctx context.Context) error {
	if r.e.Notary == nil {
		return nil
	}
	_, err := r.signInput(ctx, evidenceInput(KindAssessmentResults, r.out.AssessmentResults))
	return err
}

// envelopeRef is a signed statement about evidence.
type envelopeRef struct {
	kind   string
	digest glassbox.Digest
}

// vsaPredicate is an SLSA Verification Summary Attestation v1 predicate.
type vsaPredicate struct {
	Verifier           vsaVerifier      `json:"verifier"`
	TimeVerified       string           `json:"timeVerified"`
	ResourceURI        string           `json:"resourceUri"`
	Policy             vsaResource      `json:"policy"`
	InputAttestations  []vsaResource    `json:"inputAttestations,omitempty"`
	VerificationResult standard.Verdict `json:"verificationResult"`
	VerifiedLevels     []string         `json:"verifiedLevels"`
	SLSAVersion        string           `json:"slsaVersion"`
}

type vsaVerifier struct {
	ID string `json:"id"`
}

type vsaResource struct {
	URI    string            `json:"uri"`
	Digest map[string]string `json:"digest,omitempty"`
}

// issueVSAs signs one VSA per shipped artefact and logs it.
func (r *run) issueVSAs(ctx context.Context) error {
	if r.e.Notary == nil {
		return nil
	}
	out := r.out
	var inputs []vsaResource
	for _, env := range r.envelopes {
		inputs = append(inputs, vsaResource{URI: "glassbox:attestation/" + env.kind, Digest: map[string]string{"sha256": env.digest.Hex()}})
	}
	// Each standard passed, with its catalog version: a verifier's policy
	// can require one of several assessed together.
	levels := out.Assessment.PassedStandards()
	if len(levels) == 0 {
		levels = []string{"FAILED"}
	}
	verifier := r.e.Verifier
	if verifier == "" {
		verifier = "https://glassbox.dev/centre"
	}
	for _, a := range r.rel.Manifest.Artifacts {
		p := vsaPredicate{
			Verifier:           vsaVerifier{ID: verifier},
			TimeVerified:       out.At.Format(time.RFC3339),
			ResourceURI:        "glassbox:release/" + r.rel.ID.String() + "/" + a.Path,
			Policy:             vsaResource{URI: out.Policy.URI, Digest: map[string]string{"sha256": out.Policy.Digest}},
			InputAttestations:  inputs,
			VerificationResult: out.Verdict,
			VerifiedLevels:     levels,
			SLSAVersion:        "1.0",
		}
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		// The verdicts before this one: a PASSED one that this evaluation
		// contradicts is revoked below, not left to stand beside it.
		before, err := r.e.Notary.Verdicts(ctx, a.Digest)
		if err != nil {
			return fmt.Errorf("read the earlier verdicts of %s: %w", a.Path, err)
		}
		receipt, err := r.e.Notary.Attest(ctx, notary.Request{
			Subjects:      []attest.Subject{{Name: a.Path, Digest: a.Digest}},
			PredicateType: glassbox.PredicateVSA,
			Predicate:     b,
		})
		if err != nil {
			return fmt.Errorf("sign the VSA of %s: %w", a.Path, err)
		}
		rb, err := receipt.Marshal()
		if err != nil {
			return err
		}
		if _, err := r.keep(ctx, KindVSAReceipt, rb); err != nil {
			return err
		}
		out.VSAs = append(out.VSAs, VSA{Artifact: a.Path, Digest: a.Digest, Receipt: receipt})
		if err := r.supersede(ctx, a, before, glassbox.DigestOf(receipt.Envelope)); err != nil {
			return err
		}
	}
	return nil
}

// supersede logs a revocation of the earlier PASSED verdicts about an
// artefact when this evaluation's verdict is worse. A verifier reading the
// log takes the newest verdict anyway; the revocation says so explicitly,
// with the reason, for whoever holds an older receipt and asks the log.
func (r *run) supersede(ctx context.Context, a glassbox.File, before []notary.Verdict, now glassbox.Digest) error {
	if r.out.Verdict == standard.Passed {
		return nil
	}
	var revokes []attest.ResourceDescriptor
	for _, v := range before {
		if v.Result == string(standard.Passed) && v.Envelope != now {
			revokes = append(revokes, attest.EnvelopeDescriptor("vsa", v.Envelope))
		}
	}
	if len(revokes) == 0 {
		return nil
	}
	m := &r.rel.Manifest
	at := r.out.At.Format(time.RFC3339)
	_, err := notary.Revoke(ctx, r.e.Notary, []attest.Subject{{Name: a.Path, Digest: a.Digest}}, attest.Revocation{
		Release: r.rel.ID, Product: m.Product, Version: m.Version, Revokes: revokes,
		Reason:      fmt.Sprintf("superseded by the %s evaluation of %s@%s at %s (verdict %s)", r.out.Verdict, m.Product, m.Version, at, now),
		TimeRevoked: at,
	})
	if err != nil {
		return fmt.Errorf("revoke the earlier verdicts of %s: %w", a.Path, err)
	}
	return nil
}

// reportData gathers what the report shows beside the assessment.
func (r *run) reportData(a *standard.Assessment, at time.Time) standard.ReportData {
	return standard.ReportData{
		Assessment:      a,
		At:              at,
		Centre:          r.e.Verifier,
		Rebuilds:        r.rebuilds,
		Findings:        r.findings,
		Vulnerabilities: r.vulnRows,
	}
}

func (r *run) now() time.Time {
	if r.e.Now != nil {
		return r.e.Now().UTC()
	}
	return time.Now().UTC()
}
