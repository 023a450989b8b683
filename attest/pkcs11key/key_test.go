//go:build cgo

package pkcs11key_test

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/attest/pkcs11key"
	"glassbox.dev/internal/hsmtest"
)

// An Ed25519 key made in a real PKCS#11 token (SoftHSM) signs DSSE
// envelopes and signed notes that verify with its public half, from many
// goroutines at once; the private half never leaves the token.
func TestKeyInSoftHSM(t *testing.T) {
	uri := hsmtest.Token(t, "sign", "attestation")
	pub, err := pkcs11key.Generate(uri)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pkcs11key.Generate(uri); glassbox.ErrorCode(err) != glassbox.ECONFLICT {
		t.Errorf("a second key of the same label: %v; want ECONFLICT", err)
	}
	k, err := pkcs11key.Open(uri)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if !pub.Equal(k.Public()) {
		t.Fatal("the opened key's public half is not the generated one's")
	}
	if strings.Contains(k.URI(), hsmtest.PIN) || strings.Contains(k.URI(), "pin") {
		t.Errorf("the key's name shows its PIN source: %s", k.URI())
	}
	if _, err := k.Sign(nil, []byte("x"), crypto.SHA256); err == nil {
		t.Error("a pre-hashed signature was made with an Ed25519 key")
	}

	s, err := attest.NewKeySigner(k)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := attest.NewStatement([]attest.Subject{{Name: "fw.bin", Digest: glassbox.DigestOf([]byte("fw"))}}, "https://example.com/test/v1", []byte(`{"ok":true}`))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	envs := make([][]byte, 16)
	errs := make([]error, 16)
	for i := range envs {
		wg.Go(func() { envs[i], errs[i] = s.Sign(context.Background(), payload) })
	}
	wg.Wait()
	for i := range envs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if _, err := attest.VerifyEnvelope(envs[i], pub); err != nil {
			t.Fatalf("an envelope signed in the token does not verify: %v", err)
		}
		if string(envs[i]) != string(envs[0]) {
			t.Fatal("Ed25519 in the token signed one statement two ways")
		}
	}

	ls, err := attest.NewLogSigner("glassbox.test/hsm-log", k)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(attest.LogVerifierKey("glassbox.test/hsm-log", pub))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := note.Sign(&note.Note{Text: "glassbox.test/hsm-log\n1\nAAAA\n"}, ls)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(msg, note.VerifierList(v)); err != nil {
		t.Errorf("a checkpoint signed in the token does not verify: %v", err)
	}
	k.Close()
	if _, err := s.Sign(context.Background(), payload); err == nil {
		t.Error("a closed key signed")
	}
	_ = ed25519.PublicKeySize
}

// What goes wrong names what to fix: a wrong PIN, a key the token does not
// hold, a token that does not exist, a module that is not one, a PIN file
// others may read.
func TestKeyErrors(t *testing.T) {
	uri := hsmtest.Token(t, "errors", "k")
	if _, err := pkcs11key.Generate(uri); err != nil {
		t.Fatal(err)
	}
	module := hsmtest.Module(t)
	dir := t.TempDir()
	wrong := filepath.Join(dir, "wrong.pin")
	os.WriteFile(wrong, []byte("0000\n"), 0o600)
	open := filepath.Join(dir, "open.pin")
	os.WriteFile(open, []byte(hsmtest.PIN+"\n"), 0o644)
	right := filepath.Join(dir, "right.pin")
	os.WriteFile(right, []byte(hsmtest.PIN+"\n"), 0o600)
	for _, tc := range []struct {
		name, uri string
		code      string
		want      string
	}{
		{"wrong PIN", hsmtest.URI(module, "errors", "k", wrong), glassbox.EINVALID, "PIN"},
		{"no such key", hsmtest.URI(module, "errors", "nope", right), glassbox.ENOTFOUND, "object=nope"},
		{"no such token", hsmtest.URI(module, "nope", "k", right), glassbox.ENOTFOUND, "token=nope"},
		{"not a module", hsmtest.URI("/etc/hostname", "errors", "k", right), glassbox.EINVALID, "cannot load"},
		{"PIN file others may read", hsmtest.URI(module, "errors", "k", open), glassbox.EINVALID, "chmod 600"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pkcs11key.Open(tc.uri)
			if glassbox.ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open = %v; want %s naming %q", err, tc.code, tc.want)
			}
			if strings.Contains(err.Error(), hsmtest.PIN) {
				t.Errorf("the error shows the PIN: %v", err)
			}
		})
	}
}
