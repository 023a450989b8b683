package server_test

import (
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"glassbox.dev"

	"glassbox.dev/attest"
	"glassbox.dev/centre"
	"glassbox.dev/rebuild"
	"glassbox.dev/server"
	"glassbox.dev/tlog"
	"glassbox.dev/verify"
)

// TestSigningForWorkers: an administrator's token of scope sign has the
// centre sign one of its own statements and gets a receipt that verifies
// offline; a client's kind of statement is refused (it goes to POST
// /attestations, under the submission key).
func TestSigningForWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a centre with a log")
	}
	m := newMatrixCentre(t)
	srv := httptest.NewServer(m.handler(t))
	defer srv.Close()
	m.url = srv.URL
	art := m.rel["A"].Manifest.Artifacts[0].Digest
	code, b := m.call(t, admin, "POST", "/api/v1/signing/attest", server.SignRequest{
		Subjects: []attest.Subject{{Name: "fw.bin", Digest: art}}, PredicateType: "https://glassbox.dev/predicates/worker-test/v1", Predicate: json.RawMessage(`{"ok":true}`)})
	if code != 200 {
		t.Fatalf("sign: %d %s", code, b)
	}
	var rc tlog.Receipt
	if err := json.Unmarshal(b, &rc); err != nil {
		t.Fatal(err)
	}
	rb, _ := rc.Marshal()
	pub, err := attest.LoadPublicKey(filepath.Join(centre.KeyDir(m.c.Data), attest.AttestationPubFile))
	if err != nil {
		t.Fatal(err)
	}
	res, err := verify.Receipt(t.Context(), art, rb, verify.Options{Key: pub, LogVerifier: m.c.Log.Verifier()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Checkpoint == nil || len(res.Attestations) != 1 {
		t.Fatalf("the receipt does not verify: %v", res.Reasons)
	}
	// A rebuild's SLSA Provenance is the centre's evidence: a keyless
	// worker's rebuild has it signed here.
	rep := &rebuild.Report{Release: glassbox.DigestOf([]byte("manifest")), Recipe: glassbox.DigestOf([]byte("recipe")),
		StartedOn: time.Unix(1_800_000_000, 0), FinishedOn: time.Unix(1_800_000_060, 0), Log: glassbox.DigestOf([]byte("log")),
		Artifacts: []rebuild.ArtifactResult{{Name: "fw.bin", Shipped: art, Rebuilt: art, Verdict: rebuild.Equivalent}}}
	code, b = m.call(t, admin, "POST", "/api/v1/signing/attest", server.SignRequest{
		Subjects: []attest.Subject{{Name: "fw.bin", Digest: art}}, PredicateType: glassbox.PredicateProvenance, Predicate: rep.Provenance(glassbox.DigestOf([]byte("report")), "go1.26.8")})
	if code != 200 {
		t.Fatalf("signing a rebuild's provenance: %d %s", code, b)
	}
	code, b = m.call(t, admin, "POST", "/api/v1/signing/attest", server.SignRequest{
		Subjects: []attest.Subject{{Digest: art}}, PredicateType: "https://in-toto.io/attestation/test-result/v0.1", Predicate: json.RawMessage(`{"result":"PASSED"}`)})
	if code != 400 {
		t.Fatalf("signing a client's kind of statement: %d %s; want 400", code, b)
	}
}
