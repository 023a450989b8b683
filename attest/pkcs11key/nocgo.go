//go:build !cgo

package pkcs11key

import (
	"crypto"
	"crypto/ed25519"
	"io"

	"glassbox.dev"
)

// Key is an Ed25519 private key in a PKCS#11 token. This glassbox was
// built without cgo, which loading a module needs: Open and Generate fail.
type Key struct{}

func errNoCgo() error {
	return glassbox.Errorf(glassbox.EINVALID, "this glassbox was built without cgo (CGO_ENABLED=0) and cannot load PKCS#11 modules: build it with cgo, or keep the keys in files")
}

// Open fails: no cgo.
func Open(uri string) (*Key, error) {
	if _, err := ParseURI(uri); err != nil {
		return nil, err
	}
	return nil, errNoCgo()
}

// Generate fails: no cgo.
func Generate(uri string) (ed25519.PublicKey, error) {
	if _, err := ParseURI(uri); err != nil {
		return nil, err
	}
	return nil, errNoCgo()
}

func (k *Key) Public() crypto.PublicKey { return nil }
func (k *Key) URI() string              { return "" }
func (k *Key) Close() error             { return nil }
func (k *Key) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errNoCgo()
}
