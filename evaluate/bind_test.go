package evaluate_test

import (
	"encoding/json"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/evaluate"
)

// TestVSANamesWhatItRestsOn: each verdict names, among its input
// attestations, the envelopes of the signed evidence statements, of the
// statement about the OSCAL assessment-results, and of every evaluator's
// judgement it used; a judgement statement names its evaluator, and the
// one glassbox judge logged is the one the verdict names (no second entry).
func TestVSANamesWhatItRestsOn(t *testing.T) {
	c, rel := routerCentre(t)
	ctx := t.Context()
	e := signingEvaluator(t, c)
	lib := e.Library
	cat, ctl, err := lib.FindControl("cra-annex-i", "I.1")
	if err != nil {
		t.Fatal(err)
	}
	j := &glassbox.Judgement{Release: rel.ID, Catalog: cat.ID, Control: ctl.ID, Satisfied: true, Note: "risk assessment reviewed", Evaluator: "alice"}
	if err := c.Store.RecordJudgement(ctx, j); err != nil {
		t.Fatal(err)
	}
	judged, err := evaluate.SignJudgement(ctx, c.Notary, rel, j) // as glassbox judge does
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Evaluate(ctx, rel, []string{"cra-annex-i"})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.VSAs) != 1 {
		t.Fatalf("%d VSAs, want 1", len(out.VSAs))
	}
	v, err := attest.VerifyEnvelope(out.VSAs[0].Receipt.Envelope, c.Key)
	if err != nil {
		t.Fatal(err)
	}
	// The shape attest validates every VSA against.
	if _, err := attest.NewStatement(v.Subjects, glassbox.PredicateVSA, v.Predicate); err != nil {
		t.Fatalf("the VSA is not a valid SLSA VSA: %v", err)
	}
	var p struct {
		InputAttestations []attest.ResourceDescriptor `json:"inputAttestations"`
	}
	if err := json.Unmarshal(v.Predicate, &p); err != nil {
		t.Fatal(err)
	}
	named := map[glassbox.Digest]string{}
	for _, in := range p.InputAttestations {
		named[glassbox.Digest("sha256:"+in.Digest["sha256"])] = in.URI
	}

	// Every signed evidence statement.
	var evidence *glassbox.CheckResult
	for i := range out.Checks {
		if out.Checks[i].Check == glassbox.CheckEvidenceSigned {
			evidence = &out.Checks[i]
		}
	}
	if evidence == nil || len(evidence.Evidence) == 0 {
		t.Fatalf("no signed evidence: %+v", evidence)
	}
	for _, ev := range evidence.Evidence {
		if _, ok := named[ev.Digest]; !ok {
			t.Errorf("the VSA does not name the evidence statement %s (%s)", ev.Digest, ev.Kind)
		}
	}
	// The judgement, by the envelope glassbox judge logged, naming alice.
	if uri, ok := named[glassbox.DigestOf(judged.Envelope)]; !ok || !strings.Contains(uri, "judgement/cra-annex-i/"+ctl.ID) {
		t.Errorf("the VSA does not name the judgement's envelope: %v", p.InputAttestations)
	}
	jv, err := attest.VerifyEnvelope(judged.Envelope, c.Key)
	if err != nil || jv.PredicateType != evaluate.PredicateJudgement || !strings.Contains(string(jv.Predicate), `"evaluator":"alice"`) {
		t.Errorf("the judgement statement (%v) does not name its evaluator: %s", err, jv.Predicate)
	}
	// The OSCAL assessment-results, through a signed statement about it.
	var oscal bool
	logged, err := c.Notary.About(ctx, out.AssessmentResults)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range logged {
		if _, ok := named[l.EnvelopeDigest]; ok {
			oscal = true
		}
	}
	if !oscal {
		t.Errorf("the VSA names no statement about the OSCAL assessment-results %s", out.AssessmentResults)
	}
	// The judgement is in the log once.
	aboutRelease, err := c.Notary.About(ctx, rel.ID)
	if err != nil {
		t.Fatal(err)
	}
	judgements := 0
	for _, l := range aboutRelease {
		if l.PredicateType == evaluate.PredicateJudgement {
			judgements++
		}
	}
	if judgements != 1 {
		t.Errorf("the judgement is logged %d times about the release, want once", judgements)
	}
}
