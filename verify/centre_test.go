package verify

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/notary"
)

type centre struct{ *centretest.Centre }

func newCentre(t *testing.T) *centre { return &centre{centretest.New(t, "verify.test/log")} }

func (c *centre) options() Options {
	return Options{Key: c.Key, LogVerifier: c.Verifier, Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
}

// attest has the centre sign and log a statement about artifact and
// returns its receipt.
func (c *centre) attest(t *testing.T, artifact glassbox.Digest, predicateType, predicate string) []byte {
	t.Helper()
	r, err := c.Notary.Attest(context.Background(), notary.Request{
		Subjects: []attest.Subject{{Name: "fw.bin", Digest: artifact}}, PredicateType: predicateType, Predicate: json.RawMessage(predicate),
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// vsa is a VSA predicate with the given result, levels and time.
func vsa(result, levels, at string) string {
	return `{"verifier":{"id":"https://glassbox.example/centre"},"timeVerified":"` + at + `","resourceUri":"glassbox:release/x/fw.bin","policy":{"uri":"https://glassbox.dev/policy/cra-annex-i@1.0.0"},"verificationResult":"` + result + `","verifiedLevels":[` + levels + `],"slsaVersion":"1.0"}`
}

var (
	passedVSA = vsa("PASSED", `"cra-annex-i@1.0.0"`, "2026-11-20T10:00:00Z")
	failedVSA = vsa("FAILED", `"FAILED"`, "2026-11-21T10:00:00Z")
)
