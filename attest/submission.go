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

// Keys describes the public keys of a key directory and their ids.
type Keys struct {
	PublicKeyPath           string `json:"public_key_path"`
	PublicKeyPEM            string `json:"public_key_pem"`
	KeyID                   string `json:"key_id"`
	DSSEKeyID               string `json:"dsse_key_id"`
	LogVerifierKeyPath      string `json:"log_verifier_key_path"`
	LogVerifierKey          string `json:"log_verifier_key"`
	SubmissionPublicKeyPath string `json:"submission_public_key_path,omitempty"`
	SubmissionKeyID         string `json:"submission_key_id,omitempty"`
	SubmissionDSSEKeyID     string `json:"submission_dsse_key_id,omitempty"`
}

// ShowKeys reads the public keys in dir (the submission key only if it
// exists) and names each by its ids.
func ShowKeys(dir string) (*Keys, error) {
	k := &Keys{PublicKeyPath: filepath.Join(dir, AttestationPubFile), LogVerifierKeyPath: filepath.Join(dir, LogVKeyFile)}
	pub, err := LoadPublicKey(k.PublicKeyPath)
	if err != nil {
		return nil, err
	}
	pem, err := readKeyFile(k.PublicKeyPath)
	if err != nil {
		return nil, err
	}
	k.PublicKeyPEM, k.KeyID = string(pem), KeyID(pub)
	if k.DSSEKeyID, err = DSSEKeyID(pub); err != nil {
		return nil, err
	}
	v, err := readKeyFile(k.LogVerifierKeyPath)
	if err != nil {
		return nil, err
	}
	if _, err := LoadLogVerifier(k.LogVerifierKeyPath); err != nil {
		return nil, err
	}
	k.LogVerifierKey = string(bytes.TrimSpace(v))
	subPath := filepath.Join(dir, SubmissionPubFile)
	if sub, err := LoadPublicKey(subPath); err == nil {
		k.SubmissionPublicKeyPath, k.SubmissionKeyID = subPath, KeyID(sub)
		if k.SubmissionDSSEKeyID, err = DSSEKeyID(sub); err != nil {
			return nil, err
		}
	} else if glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		return nil, err
	}
	return k, nil
}
