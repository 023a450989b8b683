package attest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
)

const testOrigin = "transparency.example.org/glassbox/log"

func TestGenerateKeysWritesFourFilesWithTheirModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys") // GenerateKeys creates it
	kf, err := GenerateKeys(dir, testOrigin, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		path string
		mode os.FileMode
	}{
		{kf.PrivateKeyPath, 0o600},
		{kf.PublicKeyPath, 0o644},
		{kf.LogSignerKeyPath, 0o600},
		{kf.LogVerifierKeyPath, 0o644},
		{dir, os.ModeDir | 0o700},
	} {
		fi, err := os.Stat(f.path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != f.mode {
			t.Errorf("%s has mode %v, want %v", f.path, fi.Mode(), f.mode)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		t.Errorf("the key directory holds %d entries, want the 4 key files (no temporary files left)", len(entries))
	}

	// The files hold what KeyFiles says, and they load.
	pub, err := LoadPublicKey(kf.PublicKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(kf.PublicKeyPath); string(b) != kf.PublicKeyPEM {
		t.Errorf("attestation.pub holds %q, KeyFiles says %q", b, kf.PublicKeyPEM)
	}
	s, err := LoadSigner(kf.PrivateKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	if !s.PublicKey().Equal(pub) || s.KeyID() != kf.KeyID || KeyID(pub) != kf.KeyID {
		t.Errorf("the private key (id %s) does not match the public key (id %s, KeyFiles says %s)", s.KeyID(), KeyID(pub), kf.KeyID)
	}
	ls, err := LoadLogSigner(kf.LogSignerKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	lv, err := LoadLogVerifier(kf.LogVerifierKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	if ls.Name() != testOrigin || lv.Name() != testOrigin || ls.KeyHash() != lv.KeyHash() {
		t.Errorf("log keys: signer %s+%08x, verifier %s+%08x; want one key named %s", ls.Name(), ls.KeyHash(), lv.Name(), lv.KeyHash(), testOrigin)
	}
	if b, _ := os.ReadFile(kf.LogVerifierKeyPath); strings.TrimSpace(string(b)) != kf.LogVerifierKey {
		t.Errorf("log.vkey holds %q, KeyFiles says %q", b, kf.LogVerifierKey)
	}

	// The two keys are different keys.
	if strings.HasSuffix(kf.LogVerifierKey, "+"+vkeyEncoding(pub)) {
		t.Error("the log key is the attestation key; they must be separate keys")
	}

	// A checkpoint signed with log.key verifies with log.vkey.
	msg, err := note.Sign(&note.Note{Text: testOrigin + "\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"}, ls)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(msg, note.VerifierList(lv)); err != nil {
		t.Errorf("a note signed with log.key does not verify with log.vkey: %v", err)
	}
}

// vkeyEncoding returns how a signed-note verifier key encodes pub.
func vkeyEncoding(pub ed25519.PublicKey) string {
	vkey, _ := note.NewEd25519VerifierKey("x", pub)
	return vkey[strings.LastIndex(vkey, "+")+1:]
}

func TestGenerateKeysRefusesToReplaceKeys(t *testing.T) {
	dir := t.TempDir()
	first, err := GenerateKeys(dir, testOrigin, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = GenerateKeys(dir, testOrigin, false)
	if glassbox.ErrorCode(err) != glassbox.ECONFLICT || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("generating keys again: %v; want an ECONFLICT error saying the key exists", err)
	}
	if pub, _ := LoadPublicKey(first.PublicKeyPath); KeyID(pub) != first.KeyID {
		t.Fatal("a refused GenerateKeys changed the keys")
	}

	// Any one existing key file is enough to refuse, and nothing is written.
	dir2 := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir2, LogVKeyFile), []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateKeys(dir2, testOrigin, false); glassbox.ErrorCode(err) != glassbox.ECONFLICT {
		t.Fatalf("with log.vkey present: %v; want ECONFLICT", err)
	}
	if entries, _ := os.ReadDir(dir2); len(entries) != 1 {
		t.Errorf("a refused GenerateKeys left %d files, want only the one that was there", len(entries))
	}

	second, err := GenerateKeys(dir, testOrigin, true)
	if err != nil {
		t.Fatalf("with force: %v", err)
	}
	if second.KeyID == first.KeyID {
		t.Error("force did not make a new key")
	}
	if pub, _ := LoadPublicKey(second.PublicKeyPath); KeyID(pub) != second.KeyID {
		t.Error("force did not replace attestation.pub")
	}
}

func TestGenerateKeysValidatesTheOrigin(t *testing.T) {
	for _, origin := range []string{
		"",
		"example.org/log with spaces",
		"example.org/log+1",
		"example.org/\tlog",
		"example.org/lög",
		"example.org/log\n",
	} {
		dir := t.TempDir()
		_, err := GenerateKeys(dir, origin, false)
		if glassbox.ErrorCode(err) != glassbox.EINVALID {
			t.Errorf("origin %q: %v; want EINVALID", origin, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("origin %q: files written despite the error", origin)
		}
	}
	for _, origin := range []string{"example.org/log", "localhost", "sum.golang.org", "glassbox.localhost/log"} {
		if err := ValidateOrigin(origin); err != nil {
			t.Errorf("origin %q refused: %v", origin, err)
		}
	}
}

func TestKeyIDIsTheSHA256OfThePKIXPublicKey(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	if got, want := KeyID(pub), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("KeyID = %s, want %s", got, want)
	}
	if KeyID(ed25519.PublicKey{1, 2, 3}) != "" {
		t.Error("a malformed key got a key id")
	}
}

// writePEM writes one PEM block to a file and returns its path.
func writePEM(t *testing.T, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadKeysRefusesTheWrongKind(t *testing.T) {
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edPrivDER, _ := x509.MarshalPKCS8PrivateKey(edPriv)
	edPubDER, _ := x509.MarshalPKIXPublicKey(edPub)
	ecPrivDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	ecSEC1, _ := x509.MarshalECPrivateKey(ec)
	ecPubDER, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)

	edPrivPath := writePEM(t, "ed.key", "PRIVATE KEY", edPrivDER)
	edPubPath := writePEM(t, "ed.pub", "PUBLIC KEY", edPubDER)
	ecPrivPath := writePEM(t, "ec.key", "PRIVATE KEY", ecPrivDER)
	ecSEC1Path := writePEM(t, "ec-sec1.key", "EC PRIVATE KEY", ecSEC1)
	ecPubPath := writePEM(t, "ec.pub", "PUBLIC KEY", ecPubDER)
	certPath := writePEM(t, "cert.pem", "CERTIFICATE", []byte("not a certificate"))
	garbagePubPath := writePEM(t, "garbage.pub", "PUBLIC KEY", []byte("garbage"))
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	os.WriteFile(notPEM, []byte("hello\n"), 0o644)
	twoBlocks := filepath.Join(t.TempDir(), "two.pub")
	os.WriteFile(twoBlocks, append(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: edPubDER}), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecPubDER})...), 0o644)
	missing := filepath.Join(t.TempDir(), "missing.pub")

	t.Run("public", func(t *testing.T) {
		if _, err := LoadPublicKey(edPubPath); err != nil {
			t.Fatalf("an Ed25519 PKIX public key: %v", err)
		}
		for _, c := range []struct {
			name, path, code, says string
		}{
			{"Ed25519 private key", edPrivPath, glassbox.EINVALID, "holds a private key"},
			{"ECDSA private key", ecSEC1Path, glassbox.EINVALID, "holds a private key"},
			{"ECDSA public key", ecPubPath, glassbox.EINVALID, "ECDSA public key; glassbox attestation keys are Ed25519"},
			{"certificate", certPath, glassbox.EINVALID, `PEM "CERTIFICATE" block`},
			{"garbage DER", garbagePubPath, glassbox.EINVALID, "not a PKIX public key"},
			{"not PEM", notPEM, glassbox.EINVALID, "not a PEM file"},
			{"two keys", twoBlocks, glassbox.EINVALID, "more than one PEM block"},
			{"missing file", missing, glassbox.ENOTFOUND, "does not exist"},
		} {
			_, err := LoadPublicKey(c.path)
			if glassbox.ErrorCode(err) != c.code || err == nil || !strings.Contains(err.Error(), c.says) {
				t.Errorf("%s: %v; want %s saying %q", c.name, err, c.code, c.says)
			}
		}
	})
	t.Run("private", func(t *testing.T) {
		s, err := LoadSigner(edPrivPath)
		if err != nil {
			t.Fatalf("an Ed25519 PKCS#8 private key: %v", err)
		}
		if !s.PublicKey().Equal(edPub) {
			t.Error("LoadSigner read another key")
		}
		for _, c := range []struct {
			name, path, says string
		}{
			{"public key", edPubPath, "holds a public key"},
			{"ECDSA PKCS#8 key", ecPrivPath, "ECDSA private key; the centre signs with Ed25519 only"},
			{"SEC1 EC key", ecSEC1Path, `PEM "EC PRIVATE KEY" block`},
			{"not PEM", notPEM, "not a PEM file"},
		} {
			_, err := LoadSigner(c.path)
			if glassbox.ErrorCode(err) != glassbox.EINVALID || !strings.Contains(err.Error(), c.says) {
				t.Errorf("%s: %v; want EINVALID saying %q", c.name, err, c.says)
			}
		}
	})
}

func TestLoadLogKeys(t *testing.T) {
	kf, err := GenerateKeys(t.TempDir(), testOrigin, false)
	if err != nil {
		t.Fatal(err)
	}
	// The verifier key is accepted as text or as a file.
	for _, arg := range []string{kf.LogVerifierKey, kf.LogVerifierKey + "\n", kf.LogVerifierKeyPath} {
		v, err := LoadLogVerifier(arg)
		if err != nil {
			t.Fatalf("LoadLogVerifier(%q): %v", arg, err)
		}
		if v.Name() != testOrigin {
			t.Errorf("LoadLogVerifier(%q) named %q", arg, v.Name())
		}
	}
	// Private and public halves given the wrong way round are named as such,
	// and the private key's text never appears in a message.
	skey, _ := os.ReadFile(kf.LogSignerKeyPath)
	_, err = LoadLogVerifier(kf.LogSignerKeyPath)
	if glassbox.ErrorCode(err) != glassbox.EINVALID || !strings.Contains(err.Error(), "private signer key") {
		t.Errorf("log.key as verifier: %v", err)
	}
	_, err = LoadLogVerifier(strings.TrimSpace(string(skey)))
	if err == nil || strings.Contains(err.Error(), strings.TrimSpace(string(skey))) {
		t.Errorf("a signer key given as verifier text: %v; want an error that does not repeat the secret", err)
	}
	if _, err := LoadLogSigner(kf.LogVerifierKeyPath); glassbox.ErrorCode(err) != glassbox.EINVALID || !strings.Contains(err.Error(), "verifier key") {
		t.Errorf("log.vkey as signer: %v", err)
	}
	if _, err := LoadLogSigner(kf.PrivateKeyPath); glassbox.ErrorCode(err) != glassbox.EINVALID {
		t.Errorf("attestation.key as log signer: %v", err)
	}
	if _, err := LoadLogVerifier("example.org/log+00000000+AAAA"); glassbox.ErrorCode(err) != glassbox.EINVALID || !strings.Contains(err.Error(), "neither a log verifier key") {
		t.Errorf("a malformed verifier key: %v", err)
	}
}
