package attest

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
)

// algEd25519 is the signed-note signature type of Ed25519 keys (C2SP
// signed-note).
const algEd25519 = 1

// NewLogSigner returns the log's checkpoint signer for an Ed25519 key held
// elsewhere (a hardware security module, a cloud KMS: package pkcs11key):
// a C2SP signed-note signer named name, whose key hash and signatures are
// those of note.NewSigner for the same key.
func NewLogSigner(name string, key crypto.Signer) (note.Signer, error) {
	pub, ok := key.Public().(ed25519.PublicKey)
	if !ok || len(pub) != ed25519.PublicKeySize {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the log key is a %T; signed notes here are Ed25519", key.Public())
	}
	if err := ValidateOrigin(name); err != nil {
		return nil, err
	}
	return &noteSigner{name: name, hash: noteKeyHash(name, pub), key: key, pub: pub}, nil
}

// LogVerifierKey is the signed-note verifier key "<name>+<hash>+<key>" of
// an Ed25519 public key, as log.vkey holds it.
func LogVerifierKey(name string, pub ed25519.PublicKey) string {
	return name + "+" + fmt.Sprintf("%08x", noteKeyHash(name, pub)) + "+" + base64.StdEncoding.EncodeToString(append([]byte{algEd25519}, pub...))
}

// noteKeyHash is a signed-note key's hash: the first four bytes of
// SHA-256(name || "\n" || type || public key), big-endian.
func noteKeyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write([]byte{algEd25519})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

type noteSigner struct {
	name string
	hash uint32
	key  crypto.Signer
	pub  ed25519.PublicKey
}

func (s *noteSigner) Name() string    { return s.name }
func (s *noteSigner) KeyHash() uint32 { return s.hash }

// Sign signs a note's text with the key (signEd25519).
func (s *noteSigner) Sign(msg []byte) ([]byte, error) { return signEd25519(s.key, s.pub, msg) }

// signEd25519 signs msg with pure Ed25519 (no pre-hash, crypto.Hash(0)),
// in process or in the module that holds key; a signature that does not
// verify with pub (a faulty module) is never returned.
func signEd25519(key crypto.Signer, pub ed25519.PublicKey, msg []byte) ([]byte, error) {
	if k, ok := key.(ed25519.PrivateKey); ok {
		return ed25519.Sign(k, msg), nil
	}
	sig, err := key.Sign(nil, msg, crypto.Hash(0))
	if err != nil {
		return nil, err
	}
	if !ed25519.Verify(pub, msg, sig) {
		return nil, errors.New("ed25519: the key's module returned a signature that does not verify")
	}
	return sig, nil
}
