package attest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"glassbox.dev"
)

// Names of the submission key files, beside the attestation key.
//
// The submission key signs what clients ask the centre to log (POST
// /attestations, glassbox attest): their statements are logged and
// receipted like the centre's, but under a key of their own, so that
// nothing a client sends can ever read as the centre's verdict. Verifiers
// trust the attestation key (attestation.pub); the submission key is never
// given to them as a verdict key.
const (
	SubmissionKeyFile = "submission.key" // PKCS#8 PEM Ed25519 private key, mode 0600
	SubmissionPubFile = "submission.pub" // PKIX PEM Ed25519 public key, mode 0644
)

// LoadOrCreateSubmissionSigner returns the submission key kept in dir,
// creating it on first use. Unlike the attestation key it names no log and
// no verdict, so a centre created before it existed gets one without
// ceremony. It refuses a submission key that is the attestation key.
func LoadOrCreateSubmissionSigner(dir string) (*Signer, error) {
	path := filepath.Join(dir, SubmissionKeyFile)
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		if err := createSubmissionKey(dir); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "submission key %s: %w", path, err)
	}
	s, err := LoadSigner(path)
	if err != nil {
		return nil, err
	}
	// The public half is written from the private key that won, so that a
	// concurrent first use cannot leave a .pub of another key.
	pubDER, err := x509.MarshalPKIXPublicKey(s.PublicKey())
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "encode the submission public key: %w", err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	if cur, err := os.ReadFile(filepath.Join(dir, SubmissionPubFile)); err != nil || !bytes.Equal(cur, pubPEM) {
		if err := writeFileAtomic(filepath.Join(dir, SubmissionPubFile), pubPEM, 0o644, true); err != nil {
			return nil, err
		}
	}
	if v, err := LoadSigner(filepath.Join(dir, AttestationKeyFile)); err == nil && v.KeyID() == s.KeyID() {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s is the attestation key: clients' statements must be signed by another key than the centre's verdicts; remove it and a new one is made", path)
	}
	return s, nil
}

func createSubmissionKey(dir string) error {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "generate the submission key: %w", err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "encode the submission key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "create the key directory %s: %w", dir, err)
	}
	if err := writeFileAtomic(filepath.Join(dir, SubmissionKeyFile), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), 0o600, false); err != nil {
		if glassbox.ErrorCode(err) == glassbox.ECONFLICT {
			return nil // another process made it first; load theirs
		}
		return err
	}
	return syncDir(dir)
}
