package server

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/tlog"
	"glassbox.dev/verify"
)

// centre is a served centre.
type servedCentre struct {
	*centretest.Centre
	srv *httptest.Server
}

func newCentre(t *testing.T, token string) *servedCentre {
	t.Helper()
	c := centretest.New(t, "server.test/log")
	srv := httptest.NewServer(New(c.Notary, c.Log, token).Handler())
	t.Cleanup(srv.Close)
	return &servedCentre{Centre: c, srv: srv}
}

// TestTokenHolderCannotObtainAVerdict: whatever a holder of the write token
// posts, nothing the centre hands back or logs is accepted by verify's
// default policy: a verdict (VSA) or a glassbox predicate is refused, and
// any other statement is signed by the submission key, which the centre's
// verifiers do not trust, and is ignored when verifying from the log.
func TestTokenHolderCannotObtainAVerdict(t *testing.T) {
	c := newCentre(t, "tok")
	ctx := context.Background()
	art := glassbox.DigestOf([]byte("never evaluated"))
	subjects := []attest.Subject{{Name: "fw.bin", Digest: art}}
	vsa := `{"verifier":{"id":"https://glassbox.dev/centre"},"timeVerified":"2026-11-20T10:00:00Z","resourceUri":"glassbox:release/x/fw.bin","policy":{"uri":"https://glassbox.dev/policy/cra-annex-i@1.0.0"},"verificationResult":"PASSED","verifiedLevels":["cra-annex-i@1.0.0"],"slsaVersion":"1.0"}`
	post := func(predicateType, predicate string) (int, string) {
		body, _ := json.Marshal(AttestRequest{Subjects: subjects, PredicateType: predicateType, Predicate: json.RawMessage(predicate)})
		return do(t, "POST", c.srv.URL+"/attestations", "tok", string(body))
	}
	for _, pt := range []string{glassbox.PredicateVSA, "https://glassbox.dev/predicates/evidence/v1", "https://glassbox.dev/predicates/revocation/v1"} {
		if code, body := post(pt, vsa); code != 400 || !strings.Contains(body, "own evaluation") {
			t.Errorf("POST a %s statement: %d %s; want 400, refused", pt, code, clip(body))
		}
	}

	// Another kind of statement is logged, under the submission key.
	code, body := post("https://example.org/claims/v1", `{"verificationResult":"PASSED"}`)
	if code != 200 {
		t.Fatalf("POST a client's statement: %d %s", code, body)
	}
	pub, _ := attest.LoadPublicKey(c.Keys.PublicKeyPath)
	lv, _ := attest.LoadLogVerifier(c.Keys.LogVerifierKeyPath)
	o := verify.Options{Key: pub, LogVerifier: lv, Now: time.Now()}
	res, err := verify.Receipt(ctx, art, []byte(body), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Allowed || !strings.Contains(strings.Join(res.Reasons, "\n"), "not signed by key") {
		t.Errorf("verify of a client's receipt with the centre's key: allowed %v, reasons %q", res.Allowed, res.Reasons)
	}
	r, _, err := tlog.ParseReceipt([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := attest.VerifyEnvelope(r.Envelope, pub); err == nil {
		t.Errorf("a client's statement is signed by the centre's attestation key")
	}
	if v := attest.LeafFor(r.Envelope, mustVerify(t, r.Envelope, c.Keys.Dir)); v.KeyID != c.Notary.SubmissionKeyID() {
		t.Errorf("the leaf names key %s, not the submission key %s", v.KeyID, c.Notary.SubmissionKeyID())
	}

	// From the log: the submission is proved, set aside, and no verdict
	// is found.
	if o.Log, err = verify.NewRemote(c.srv.URL, nil); err != nil {
		t.Fatal(err)
	}
	res, err = verify.FromLog(ctx, art, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Allowed || res.Ignored != 1 || !strings.Contains(strings.Join(res.Reasons, "\n"), "no verdict") {
		t.Errorf("verify from the log: allowed %v, ignored %d, reasons %q; want denied, 1 ignored, no verdict", res.Allowed, res.Ignored, res.Reasons)
	}
}

func mustVerify(t *testing.T, envelope []byte, keyDir string) *attest.Verified {
	t.Helper()
	sub, err := attest.LoadPublicKey(filepath.Join(keyDir, attest.SubmissionPubFile))
	if err != nil {
		t.Fatal(err)
	}
	v, err := attest.VerifyEnvelope(envelope, sub)
	if err != nil {
		t.Fatalf("the client's statement does not verify with the submission key: %v", err)
	}
	return v
}

// TestAttestRequestIsReadStrictly: one JSON object, each field spelt
// exactly and once, nothing after it, and no more than MaxRequestBody.
func TestAttestRequestIsReadStrictly(t *testing.T) {
	c := newCentre(t, "tok")
	d := string(glassbox.DigestOf([]byte("fw")))
	good := `{"subjects":[{"name":"fw","digest":"` + d + `"}],"predicateType":"https://example.org/p/v1","predicate":{"a":1}}`
	for _, tc := range []struct{ name, body, want string }{
		{"trailing garbage", good + `{"x":1}`, "data after the JSON object"},
		{"duplicate key", `{"subjects":[{"digest":"` + d + `"}],"predicateType":"https://example.org/p/v1","predicateType":"https://example.org/q/v1","predicate":{}}`, "appears twice"},
		{"case-variant key", `{"subjects":[{"digest":"` + d + `"}],"PredicateType":"https://example.org/p/v1","predicate":{}}`, "unexpected field"},
		{"case-variant subject key", `{"subjects":[{"Digest":"` + d + `"}],"predicateType":"https://example.org/p/v1","predicate":{}}`, "subject 1"},
		{"duplicate subject key", `{"subjects":[{"digest":"` + d + `","digest":"` + d + `"}],"predicateType":"https://example.org/p/v1","predicate":{}}`, "appears twice"},
		{"oversized", `{"subjects":[],"predicateType":"https://example.org/p/v1","predicate":{"pad":"` + strings.Repeat("a", MaxRequestBody) + `"}}`, "over"},
	} {
		code, body := do(t, "POST", c.srv.URL+"/attestations", "tok", tc.body)
		if code/100 != 4 || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s; want a 4xx saying %q", tc.name, code, clip(body), tc.want)
		}
	}
	if code, body := do(t, "POST", c.srv.URL+"/attestations", "tok", good); code != 200 {
		t.Errorf("the strict request itself: %d %s", code, clip(body))
	}
}
