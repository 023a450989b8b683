package rebuild

import (
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
)

// TestProvenanceIsValidSLSA builds the SLSA Provenance v1 predicate of a
// report and has the attest package (which validates Provenance predicates
// with the in-toto library) accept it in a statement.
func TestProvenanceIsValidSLSA(t *testing.T) {
	r := &Report{
		Release:   glassbox.DigestOf([]byte("manifest")),
		Recipe:    glassbox.DigestOf([]byte("recipe")),
		StartedOn: time.Unix(1_800_000_000, 0), FinishedOn: time.Unix(1_800_000_060, 0),
		Log:       glassbox.DigestOf([]byte("log")),
		Artifacts: []ArtifactResult{{Name: "hello", Shipped: glassbox.DigestOf([]byte("bin")), Rebuilt: glassbox.DigestOf([]byte("bin")), Verdict: Equivalent}},
	}
	pred := r.Provenance(glassbox.DigestOf([]byte("report")), "go1.26.8")
	if _, err := attest.NewStatement([]attest.Subject{{Name: "hello", Digest: r.Artifacts[0].Rebuilt}}, glassbox.PredicateProvenance, pred); err != nil {
		t.Fatalf("the rebuild's provenance is not a valid SLSA Provenance v1 statement: %v\n%s", err, pred)
	}
	if !r.Reproduced() {
		t.Error("an equivalent artefact is not reproduced")
	}
	r.Artifacts = append(r.Artifacts, ArtifactResult{Name: "x", Verdict: Different})
	if r.Reproduced() {
		t.Error("a different artefact counts as reproduced")
	}
}
