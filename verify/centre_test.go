package verify

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/evidence"
	"glassbox.dev/notary"
	"glassbox.dev/sqlite"
	"glassbox.dev/tlog"
)

// centre is a real centre for tests: keys, evidence store, SQLite index,
// transparency log and notary.
type centre struct {
	dir      string
	keys     *attest.KeyFiles
	notary   *notary.Notary
	log      *tlog.Log
	pub      ed25519.PublicKey
	verifier note.Verifier
}

func newCentre(t *testing.T) *centre {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	kf, err := attest.GenerateKeys(filepath.Join(dir, "keys"), "verify.test/log", false)
	if err != nil {
		t.Fatal(err)
	}
	s, err := attest.LoadSigner(kf.PrivateKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	ls, _ := attest.LoadLogSigner(kf.LogSignerKeyPath)
	lv, _ := attest.LoadLogVerifier(kf.LogVerifierKeyPath)
	blobs, err := evidence.OpenFS(filepath.Join(dir, "evidence"))
	if err != nil {
		t.Fatal(err)
	}
	meta, err := sqlite.Open(ctx, filepath.Join(dir, "glassbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := tlog.Open(ctx, filepath.Join(dir, "log"), ls, lv, tlog.Options{CheckpointInterval: 100e6, BatchMaxAge: 10e6})
	if err != nil {
		t.Fatal(err)
	}
	n, err := notary.New(ctx, s, l, blobs, meta)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close(ctx); l.Close(ctx); meta.Close(); blobs.Close() })
	return &centre{dir: dir, keys: kf, notary: n, log: l, pub: s.PublicKey(), verifier: lv}
}

func (c *centre) options() Options {
	return Options{Key: c.pub, LogVerifier: c.verifier, Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
}

// attest has the centre sign and log a statement about artifact and
// returns its receipt.
func (c *centre) attest(t *testing.T, artifact glassbox.Digest, predicateType, predicate string) []byte {
	t.Helper()
	r, err := c.notary.Attest(context.Background(), notary.Request{
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
