package attest

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
	"glassbox.dev/attest/pkcs11key"
)

// KeyRefs names where the centre's private keys are when they are not
// files in its key directory: each a PKCS#11 URI (RFC 7512) of a key in a
// hardware security module or a cloud KMS's PKCS#11 library, a path to a
// key file elsewhere, or "" for the key directory's file. The public
// halves (attestation.pub, log.vkey) stay in the key directory, where
// verifiers and workers read them.
type KeyRefs struct {
	Attestation string `toml:"attestation"`
	Log         string `toml:"log"`
	Submission  string `toml:"submission"`
}

// IsPKCS11 reports whether a key reference is a PKCS#11 URI.
func IsPKCS11(ref string) bool { return strings.HasPrefix(ref, pkcs11key.Scheme) }

// RedactRef is a key reference fit for output: a PKCS#11 URI without its
// PIN and module, or the path.
func RedactRef(ref string) string {
	if !IsPKCS11(ref) {
		return ref
	}
	u, err := pkcs11key.ParseURI(ref)
	if err != nil {
		return pkcs11key.Scheme + "…"
	}
	return u.String()
}

func (r KeyRefs) validate() error {
	for _, ref := range []string{r.Attestation, r.Log, r.Submission} {
		if IsPKCS11(ref) {
			if _, err := pkcs11key.ParseURI(ref); err != nil {
				return err
			}
		}
	}
	return nil
}

// OpenSigner opens a statement signing key (the attestation or the
// submission key): a key in a PKCS#11 token, or a PEM file. Close releases
// the token's sessions.
func OpenSigner(ref string) (*Signer, error) {
	if !IsPKCS11(ref) {
		return LoadSigner(ref)
	}
	k, err := pkcs11key.Open(ref)
	if err != nil {
		return nil, err
	}
	s, err := NewKeySigner(k)
	if err != nil {
		k.Close()
		return nil, err
	}
	s.closer = k
	return s, nil
}

// Close releases what holds the key (a PKCS#11 token's sessions).
func (s *Signer) Close() error {
	if s.closer != nil {
		return s.closer.Close()
	}
	return nil
}

// OpenLogSigner opens the log's checkpoint key: a key in a PKCS#11 token,
// named as v names the log, or a signed-note signer key file. Either must
// be the key of v (log.vkey): a checkpoint signed by another key would
// make the log unverifiable, so it is refused up front. The closer, nil
// for a file, releases the token's sessions.
func OpenLogSigner(ref string, v note.Verifier) (note.Signer, io.Closer, error) {
	if !IsPKCS11(ref) {
		s, err := LoadLogSigner(ref)
		if err != nil {
			return nil, nil, err
		}
		return s, nil, checkLogKey(ref, s, v)
	}
	k, err := pkcs11key.Open(ref)
	if err != nil {
		return nil, nil, err
	}
	s, err := NewLogSigner(v.Name(), k)
	if err == nil {
		err = checkLogKey(ref, s, v)
	}
	if err != nil {
		k.Close()
		return nil, nil, err
	}
	return s, k, nil
}

// checkLogKey refuses a log signer that is not the key of v.
func checkLogKey(ref string, s note.Signer, v note.Verifier) error {
	if err := sameLogKey(s, v); err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "the log key %s is not the key of the log's verifier key %s+%08x: %v", RedactRef(ref), v.Name(), v.KeyHash(), err)
	}
	return nil
}

// sameLogKey signs a random note with s and opens it with v.
func sameLogKey(s note.Signer, v note.Verifier) error {
	if s.Name() != v.Name() || s.KeyHash() != v.KeyHash() {
		return glassbox.Errorf(glassbox.EINVALID, "it is named %s+%08x", s.Name(), s.KeyHash())
	}
	probe := make([]byte, 16)
	rand.Read(probe)
	msg, err := note.Sign(&note.Note{Text: "glassbox key check " + hex.EncodeToString(probe) + "\n"}, s)
	if err != nil {
		return err
	}
	_, err = note.Open(msg, note.VerifierList(v))
	return err
}
