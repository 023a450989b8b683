package server_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/notary"
)

// TestVerdictsFollowTheLog: the answer of GET /api/v1/verdicts/{digest},
// which the API keeps while the log is unchanged, lists a verdict as soon
// as the log holds it, with its receipt; the same answer is given twice
// while nothing is logged in between.
func TestVerdictsFollowTheLog(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a centre with a log")
	}
	m := newMatrixCentre(t)
	m.url = newServer(t, m.handler(t))
	art := m.rel["A"].Manifest.Artifacts[0]
	get := func() (int, []byte) {
		t.Helper()
		code, b := m.call(t, anonymous, "GET", "/api/v1/verdicts/"+string(art.Digest), nil)
		if code != 200 {
			t.Fatalf("GET verdicts: %d %s", code, b)
		}
		var out struct {
			Verdicts []json.RawMessage `json:"verdicts"`
			Receipts []json.RawMessage `json:"receipts"`
		}
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Receipts) != len(out.Verdicts) {
			t.Fatalf("%d verdicts with %d receipts", len(out.Verdicts), len(out.Receipts))
		}
		return len(out.Verdicts), b
	}
	if n, _ := get(); n != 0 {
		t.Fatalf("before any verdict: %d verdicts", n)
	}
	for want := 1; want <= 2; want++ {
		vsa := fmt.Sprintf(`{"verifier":{"id":"https://glassbox.dev/centre"},"timeVerified":"2026-12-0%dT10:00:00Z","resourceUri":"glassbox:x","policy":{"uri":"https://glassbox.dev/policy/p@1"},"verificationResult":"PASSED","verifiedLevels":["p@1"],"slsaVersion":"1.0"}`, want)
		if _, err := m.c.Notary.Attest(t.Context(), notary.Request{Subjects: []attest.Subject{{Name: art.Path, Digest: art.Digest}}, PredicateType: glassbox.PredicateVSA, Predicate: json.RawMessage(vsa)}); err != nil {
			t.Fatal(err)
		}
		n, first := get()
		if n != want {
			t.Fatalf("after %d verdicts were logged the API lists %d", want, n)
		}
		if _, again := get(); string(again) != string(first) {
			t.Fatalf("with nothing logged in between, two answers differ:\n%s\n%s", first, again)
		}
	}
}
