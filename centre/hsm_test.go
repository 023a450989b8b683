//go:build cgo

package centre_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/centre"
	"glassbox.dev/internal/hsmtest"
	"glassbox.dev/notary"
	"glassbox.dev/verify"
)

// TestKeysInAPKCS11Token: a centre whose attestation and log keys were
// made in a PKCS#11 token (SoftHSM) holds no private key file, signs and
// logs statements whose receipts verify offline with attestation.pub and
// log.vkey, and refuses to start with a token key that is not the one its
// public files name.
func TestKeysInAPKCS11Token(t *testing.T) {
	ctx := t.Context()
	refs := attest.KeyRefs{
		Attestation: hsmtest.Token(t, "centre-attestation", "attestation"),
		Log:         hsmtest.Token(t, "centre-log", "log"),
	}
	keys := filepath.Join(t.TempDir(), "public-keys")
	kf, err := attest.GenerateKeysIn(keys, "hsm.test/log", refs, false)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(kf.PrivateKeyPath, hsmtest.PIN) || strings.Contains(kf.PrivateKeyPath, "pin") {
		t.Errorf("the key's name shows its PIN source: %s", kf.PrivateKeyPath)
	}
	for _, f := range []string{attest.AttestationKeyFile, attest.LogKeyFile} {
		if _, err := os.Stat(filepath.Join(keys, f)); !os.IsNotExist(err) {
			t.Errorf("%s was written beside keys made in the token", f)
		}
	}
	data := filepath.Join(t.TempDir(), "data")
	c, err := centre.Open(ctx, data, centre.Options{Log: centre.LogIfKeys, KeyDir: keys, Keys: refs})
	if err != nil {
		t.Fatal(err)
	}
	if c.Notary == nil {
		t.Fatal("a centre with its keys in a token opened without its log")
	}
	art := glassbox.DigestOf([]byte("firmware"))
	rc, err := c.Notary.Attest(ctx, notary.Request{Subjects: []attest.Subject{{Name: "fw.bin", Digest: art}},
		PredicateType: "https://glassbox.dev/predicates/hsm-test/v1", Predicate: json.RawMessage(`{"ok":true}`)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := rc.Marshal()
	pub, err := attest.LoadPublicKey(kf.PublicKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	res, err := verify.Receipt(ctx, art, b, verify.Options{Key: pub, LogVerifier: c.Log.Verifier()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Checkpoint == nil || len(res.Attestations) != 1 {
		t.Fatalf("a receipt signed in the token does not verify: %v", res.Reasons)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	// Another token's key under these public files: refused, naming it.
	other := attest.KeyRefs{Attestation: hsmtest.Token(t, "centre-other", "attestation"), Log: refs.Log}
	if _, err := attest.GenerateKeysIn(filepath.Join(t.TempDir(), "k"), "other.test/log", attest.KeyRefs{Attestation: other.Attestation}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := centre.Open(ctx, data, centre.Options{Log: centre.WithLog, KeyDir: keys, Keys: other}); glassbox.ErrorCode(err) != glassbox.EINVALID || !strings.Contains(err.Error(), attest.AttestationPubFile) {
		t.Errorf("opening with another attestation key: %v; want EINVALID naming %s", err, attest.AttestationPubFile)
	}
	wrongLog := attest.KeyRefs{Attestation: refs.Attestation, Log: other.Attestation}
	if _, err := centre.Open(ctx, data, centre.Options{Log: centre.WithLog, KeyDir: keys, Keys: wrongLog}); glassbox.ErrorCode(err) != glassbox.EINVALID || !strings.Contains(err.Error(), "log") {
		t.Errorf("opening with another log key: %v; want EINVALID", err)
	}
}
