package evaluate_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/evaluate"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/notary"
	"glassbox.dev/standard"
	"glassbox.dev/vuln"
)

// TestAWorseVerdictRevokesTheEarlierPassed: when an evaluation FAILS an
// artefact that an earlier verdict PASSED, the centre logs a revocation of
// the earlier verdict, naming its envelope and the reason.
func TestAWorseVerdictRevokesTheEarlierPassed(t *testing.T) {
	c, rel := routerCentre(t)
	ctx := t.Context()
	a := rel.Manifest.Artifacts[0]

	// An earlier evaluation's PASSED verdict.
	earlier, err := c.Notary.Attest(ctx, notary.Request{Subjects: []attest.Subject{{Name: a.Path, Digest: a.Digest}}, PredicateType: glassbox.PredicateVSA,
		Predicate: json.RawMessage(`{"verifier":{"id":"https://glassbox.dev/centre"},"timeVerified":"2026-11-20T10:00:00Z","resourceUri":"glassbox:release/x/router.img","policy":{"uri":"https://glassbox.dev/policy/cra-annex-i@1.0.0"},"verificationResult":"PASSED","verifiedLevels":["cra-annex-i@1.0.0"],"slsaVersion":"1.0"}`)})
	if err != nil {
		t.Fatal(err)
	}
	e := signingEvaluator(t, c)
	out, err := e.Evaluate(ctx, rel, []string{"cra-annex-i"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Verdict != standard.Failed || len(out.VSAs) != 1 {
		t.Fatalf("verdict %s with %d VSAs; want FAILED with one", out.Verdict, len(out.VSAs))
	}
	logged, err := c.Notary.About(ctx, a.Digest)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, l := range logged {
		if l.PredicateType != attest.PredicateRevocation {
			continue
		}
		v, err := attest.VerifyEnvelope(l.Envelope, c.Key)
		if err != nil {
			t.Fatal(err)
		}
		r, revoked, err := attest.ParseRevocation(v.Predicate)
		if err != nil {
			t.Fatal(err)
		}
		if len(revoked) == 1 && revoked[0] == glassbox.DigestOf(earlier.Envelope) && strings.Contains(r.Reason, "superseded by the FAILED evaluation") && !r.Withdrawn {
			found = true
		}
	}
	if !found {
		t.Errorf("no revocation of the earlier PASSED verdict was logged about %s: %+v", a.Path, logged)
	}
}

// routerCentre is a centre holding one release, router 2.1.0, with a
// C source file and one shipped artefact.
func routerCentre(t *testing.T) (*centretest.Centre, *glassbox.Release) {
	t.Helper()
	c := centretest.New(t, "evaluate.test/log")
	return c, c.Router(t)
}

// signingEvaluator evaluates on the centre, signing with its notary, with
// an empty vulnerability database.
func signingEvaluator(t *testing.T, c *centretest.Centre) *evaluate.Evaluator {
	t.Helper()
	lib, err := standard.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return &evaluate.Evaluator{Blobs: c.Blobs, Store: c.Store, Library: lib, Notary: c.Notary,
		Vulns: &vuln.Store{Blobs: c.Blobs, Current: vuln.FilePointer(filepath.Join(t.TempDir(), "current"))}}
}
