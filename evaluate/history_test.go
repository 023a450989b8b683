package evaluate_test

import (
	"testing"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/evaluate"
	"glassbox.dev/internal/centretest"
)

// logged counts the log's entries by predicate type.
func logged(t *testing.T, c *centretest.Centre) map[string]int {
	t.Helper()
	n := map[string]int{}
	if _, err := c.Log.Entries(t.Context(), 0, func(_ uint64, leaf []byte) error {
		l, err := attest.ParseLeaf(leaf)
		if err != nil {
			return err
		}
		n[l.PredicateType]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReevaluationAppendsNoDuplicateEvidence: a second evaluation that
// reuses every piece of evidence logs no evidence statement again; what it
// adds is its own assessment and its verdicts.
func TestReevaluationAppendsNoDuplicateEvidence(t *testing.T) {
	c, rel := routerCentre(t)
	e := signingEvaluator(t, c)
	if _, err := e.Evaluate(t.Context(), rel, []string{"cra-annex-i"}); err != nil {
		t.Fatal(err)
	}
	first := logged(t, c)
	out, err := e.Evaluate(t.Context(), rel, []string{"cra-annex-i"})
	if err != nil {
		t.Fatal(err)
	}
	second := logged(t, c)
	if second[evaluate.PredicateEvidence] != first[evaluate.PredicateEvidence]+1 {
		t.Errorf("evidence statements: %d after the first evaluation, %d after the second; want one more (the new assessment), no evidence logged twice", first[evaluate.PredicateEvidence], second[evaluate.PredicateEvidence])
	}
	if second[glassbox.PredicateVSA] != first[glassbox.PredicateVSA]+len(rel.Manifest.Artifacts) {
		t.Errorf("VSAs: %d then %d; want one more per artefact", first[glassbox.PredicateVSA], second[glassbox.PredicateVSA])
	}

	// Each evaluation keeps its own record and report; the newest is the
	// current verdict.
	h, err := evaluate.History(t.Context(), c.Blobs, c.Store, rel.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[1].Report != out.Report || h[0].AssessmentResults == h[1].AssessmentResults || h[1].Verdict != out.Verdict || len(h[1].VSAs) != 1 {
		t.Fatalf("history %+v; want two records, the newest this evaluation's", h)
	}
	for _, r := range h {
		rc, err := c.Blobs.Open(t.Context(), r.Report)
		if err != nil {
			t.Errorf("the report of the evaluation at %s is gone: %v", r.At, err)
			continue
		}
		rc.Close()
	}
	cur, err := evaluate.Current(t.Context(), c.Blobs, c.Store, rel.ID)
	if err != nil || cur == nil || cur.At != h[1].At {
		t.Errorf("current = %+v, %v; want the newest record", cur, err)
	}
}
