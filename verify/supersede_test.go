package verify

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/server"
)

// online verifies an artefact against what the centre's served log holds.
func (c *centre) online(t *testing.T, art glassbox.Digest) *Result {
	t.Helper()
	srv := httptest.NewServer(server.New(c.Notary, c.Log, "").Handler())
	defer srv.Close()
	o := c.options()
	var err error
	if o.Log, err = NewRemote(srv.URL, nil); err != nil {
		t.Fatal(err)
	}
	res, err := FromLog(context.Background(), art, o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestNewerVerdictSupersedes: online, the newest verdict the log holds
// about an artefact decides; an older PASSED one does not allow once a
// newer evaluation FAILED it, and a newer PASSED one restores it.
func TestNewerVerdictSupersedes(t *testing.T) {
	c := newCentre(t)
	art := glassbox.DigestOf([]byte("router 2.1.0"))
	passed := c.attest(t, art, glassbox.PredicateVSA, passedVSA)
	if res := c.online(t, art); !res.Allowed || res.Verdict == nil || res.Verdict.Result != "PASSED" {
		t.Fatalf("one PASSED verdict: allowed %v, verdict %+v, reasons %q", res.Allowed, res.Verdict, res.Reasons)
	}
	c.attest(t, art, glassbox.PredicateVSA, failedVSA)
	res := c.online(t, art)
	if res.Allowed || res.Verdict == nil || res.Verdict.Result != "FAILED" || len(res.Superseded) != 1 || res.Superseded[0].Result != "PASSED" {
		t.Fatalf("PASSED then FAILED: allowed %v, verdict %+v, superseded %+v, reasons %q", res.Allowed, res.Verdict, res.Superseded, res.Reasons)
	}
	// The older receipt alone, offline, still says PASSED: max_age is what
	// bounds it (TestPolicyMaxAge).
	if res, err := Receipt(context.Background(), art, passed, c.options()); err != nil || !res.Allowed {
		t.Errorf("the older receipt offline: %v %+v", err, res)
	}
	c.attest(t, art, glassbox.PredicateVSA, vsa("PASSED", `"cra-annex-i@1.0.0"`, "2026-11-22T10:00:00Z"))
	if res := c.online(t, art); !res.Allowed || len(res.Superseded) != 2 {
		t.Errorf("a newer PASSED verdict: allowed %v, superseded %d, reasons %q", res.Allowed, len(res.Superseded), res.Reasons)
	}
}

// TestRevokedAndWithdrawnVerdictsDeny: a revocation statement naming the
// current PASSED verdict denies it online, and so does a withdrawal of the
// release, which revokes every verdict about its artefacts.
func TestRevokedAndWithdrawnVerdictsDeny(t *testing.T) {
	c := newCentre(t)
	ctx := context.Background()
	art := glassbox.DigestOf([]byte("router 2.1.0"))
	c.attest(t, art, glassbox.PredicateVSA, passedVSA)
	vs, err := c.Notary.Verdicts(ctx, art)
	if err != nil || len(vs) != 1 {
		t.Fatalf("verdicts: %v %+v", err, vs)
	}
	if _, err := c.Notary.Revoke(ctx, []attest.Subject{{Name: "fw.bin", Digest: art}}, attest.Revocation{
		Revokes: []attest.ResourceDescriptor{attest.EnvelopeDescriptor("vsa", vs[0].Envelope)}, Reason: "the rebuild was wrong", TimeRevoked: "2026-11-23T00:00:00Z",
	}); err != nil {
		t.Fatal(err)
	}
	res := c.online(t, art)
	if res.Allowed || res.Verdict == nil || !strings.Contains(res.Verdict.Revoked, "the rebuild was wrong") || !strings.Contains(strings.Join(res.Reasons, "\n"), "revoked") {
		t.Errorf("a revoked PASSED verdict: allowed %v, verdict %+v, reasons %q", res.Allowed, res.Verdict, res.Reasons)
	}

	// Withdrawal of a release about two artefacts.
	a1, a2 := glassbox.DigestOf([]byte("a1")), glassbox.DigestOf([]byte("a2"))
	c.attest(t, a1, glassbox.PredicateVSA, passedVSA)
	c.attest(t, a2, glassbox.PredicateVSA, passedVSA)
	rel := &glassbox.Release{ID: glassbox.DigestOf([]byte("manifest")), Manifest: glassbox.Manifest{Product: "router", Version: "2.1.0",
		Artifacts: []glassbox.File{{Path: "a1", Digest: a1}, {Path: "a2", Digest: a2}}}}
	if _, revoked, err := c.Notary.Withdraw(ctx, rel, "shipped with a debug backdoor", time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)); err != nil || len(revoked) != 2 {
		t.Fatalf("withdraw: %v, %d verdicts revoked (want 2)", err, len(revoked))
	}
	for _, a := range []glassbox.Digest{a1, a2} {
		if res := c.online(t, a); res.Allowed || !strings.Contains(strings.Join(res.Reasons, "\n"), "release withdrawn: shipped with a debug backdoor") {
			t.Errorf("%s of a withdrawn release: allowed %v, reasons %q", a, res.Allowed, res.Reasons)
		}
	}
}
