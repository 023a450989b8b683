package attest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// A log signer over a crypto.Signer is the same signed-note signer as the
// one note.NewSigner makes of the same key: same key hash, verifier key and
// signatures, so a checkpoint signed through a module verifies with
// log.vkey as before.
func TestNewLogSignerMatchesNote(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const name = "glassbox.test/log"
	vkey := LogVerifierKey(name, pub)
	skey := "PRIVATE+KEY+" + name + vkey[len(name):len(name)+10] + encodeNoteKey(priv.Seed())
	ref, err := note.NewSigner(skey)
	if err != nil {
		t.Fatalf("the verifier key's hash does not make a signer key: %v", err)
	}
	s, err := NewLogSigner(name, priv)
	if err != nil {
		t.Fatal(err)
	}
	if s.KeyHash() != ref.KeyHash() || s.Name() != ref.Name() {
		t.Fatalf("key hash %08x, name %q; note.NewSigner: %08x, %q", s.KeyHash(), s.Name(), ref.KeyHash(), ref.Name())
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := note.Sign(&note.Note{Text: "glassbox.test/log\n1\nAAAA\n"}, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(msg, note.VerifierList(v)); err != nil {
		t.Errorf("a note signed through crypto.Signer does not verify with %s: %v", vkey, err)
	}
	want, _ := note.Sign(&note.Note{Text: "glassbox.test/log\n1\nAAAA\n"}, ref)
	if string(want) != string(msg) {
		t.Errorf("signed notes differ:\n%s\n%s", msg, want)
	}
	if _, err := NewLogSigner("not an origin\n", priv); err == nil {
		t.Error("a log signer named with a newline")
	}
}

// encodeNoteKey is a signed-note private key's last field.
func encodeNoteKey(seed []byte) string {
	return base64.StdEncoding.EncodeToString(append([]byte{algEd25519}, seed...))
}
