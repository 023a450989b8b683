//go:build cgo

package pkcs11key_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/attest/pkcs11key"
	"glassbox.dev/internal/hsmtest"
)

// BenchmarkSign: one DSSE envelope of an in-toto statement signed with the
// attestation key in a file (in process) and in a PKCS#11 token
// (SoftHSM), side by side in one run.
//
//	go test ./attest/pkcs11key -run '^$' -bench Sign -benchtime 2000x
func BenchmarkSign(b *testing.B) {
	payload, err := attest.NewStatement([]attest.Subject{{Name: "fw.bin", Digest: glassbox.DigestOf([]byte("fw"))}}, "https://example.com/test/v1", []byte(`{"ok":true}`))
	if err != nil {
		b.Fatal(err)
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	file, err := attest.NewSigner(priv)
	if err != nil {
		b.Fatal(err)
	}
	uri := hsmtest.Token(b, "bench", "attestation")
	if _, err := pkcs11key.Generate(uri); err != nil {
		b.Fatal(err)
	}
	k, err := pkcs11key.Open(uri)
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	token, err := attest.NewKeySigner(k)
	if err != nil {
		b.Fatal(err)
	}
	for name, s := range map[string]*attest.Signer{"file": file, "pkcs11": token} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Sign(context.Background(), payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
