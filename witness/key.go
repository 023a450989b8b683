package witness

import (
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
)

// KeyFile, in the centre's key directory, is the witness's private key: a
// C2SP signed-note Ed25519 key, mode 0600, made on first use.
const KeyFile = "witness.key"

// LoadOrCreateKey returns the witness key in dir, making one named name
// if there is none. Two first uses at once keep one key: the file is
// created exclusively.
func LoadOrCreateKey(dir, name string) (string, error) {
	path := filepath.Join(dir, KeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		skey, _, err := note.GenerateKey(rand.Reader, name)
		if err != nil {
			return "", glassbox.Errorf(glassbox.EINVALID, "the witness's name %q: %v", name, err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			_, err = f.WriteString(skey + "\n")
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(path)
				return "", glassbox.Errorf(glassbox.EINTERNAL, "write %s: %w", path, err)
			}
			return skey, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", glassbox.Errorf(glassbox.EINTERNAL, "create %s: %w", path, err)
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return "", glassbox.Errorf(glassbox.EINTERNAL, "read %s: %w", path, err)
	}
	skey := strings.TrimSpace(string(b))
	if _, err := VerifierKey(skey); err != nil {
		return "", glassbox.Errorf(glassbox.ECORRUPT, "%s: %w", path, err)
	}
	return skey, nil
}
