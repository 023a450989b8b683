package attest

// The centre's keys are Ed25519, both of them:
//
//   - Ed25519 signatures are deterministic (RFC 8032): the same statement
//     signed twice is the same envelope, byte for byte, so the envelope's
//     digest names the claim, and appending a claim to the log twice finds
//     the first entry instead of adding a second one. Appends are idempotent
//     from the caller's request to the log's leaf.
//   - Signing needs no randomness, so a weak or broken RNG at signing time
//     cannot leak the key (as reused ECDSA nonces have).
//   - Keys and signatures are small (32 and 64 bytes), which keeps envelopes,
//     receipts and verifier configuration short.
//   - C2SP signed notes, the format of the log's checkpoints and witness
//     cosignatures, use Ed25519 natively, so one algorithm covers everything
//     a verifier has to check.

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
	"glassbox.dev/attest/pkcs11key"
	"glassbox.dev/internal/atomicfile"
)

// Names of the key files GenerateKeys writes in its directory.
const (
	AttestationKeyFile = "attestation.key" // PKCS#8 PEM Ed25519 private key, mode 0600
	AttestationPubFile = "attestation.pub" // PKIX PEM Ed25519 public key, mode 0644
	LogKeyFile         = "log.key"         // C2SP signed-note signer key, mode 0600
	LogVKeyFile        = "log.vkey"        // C2SP signed-note verifier key, mode 0644
)

// maxKeyFileSize bounds what the loaders read: every key file is well under
// a kilobyte, and a path given by mistake (a log, a disk image) should fail
// quickly rather than be read into memory.
const maxKeyFileSize = 64 << 10

// KeyFiles describes the keys GenerateKeys wrote.
type KeyFiles struct {
	Dir                string `json:"dir"`
	PrivateKeyPath     string `json:"private_key_path"`      // attestation.key
	PublicKeyPath      string `json:"public_key_path"`       // attestation.pub
	PublicKeyPEM       string `json:"public_key_pem"`        // what attestation.pub holds
	KeyID              string `json:"key_id"`                // KeyID of the attestation key: in log leaves and policies
	DSSEKeyID          string `json:"dsse_key_id"`           // DSSEKeyID of the attestation key: in envelopes' signatures
	LogSignerKeyPath   string `json:"log_signer_key_path"`   // log.key
	LogVerifierKeyPath string `json:"log_verifier_key_path"` // log.vkey
	LogVerifierKey     string `json:"log_verifier_key"`      // what log.vkey holds
	Origin             string `json:"origin"`                // the log's origin, the name in its keys
}

// GenerateKeys creates the centre's attestation key and its log's checkpoint
// key in dir, which it creates (mode 0700) if missing. origin names the log
// for life: it is the first line of every checkpoint and the name in the
// log's signed-note keys.
//
// It refuses to replace existing key files unless force is set: a log whose
// key changes can no longer prove that it is the same log. Each file appears
// atomically and durably, complete or not at all.
func GenerateKeys(dir, origin string, force bool) (*KeyFiles, error) {
	return GenerateKeysIn(dir, origin, KeyRefs{}, force)
}

// GenerateKeysIn is GenerateKeys with the private keys refs names made in
// their PKCS#11 tokens instead of files (package pkcs11key): for those,
// only the public halves (attestation.pub, log.vkey) are written to dir.
// A token never replaces a key, force or not.
func GenerateKeysIn(dir, origin string, refs KeyRefs, force bool) (*KeyFiles, error) {
	if err := ValidateOrigin(origin); err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, glassbox.Errorf(glassbox.EINVALID, "no key directory given")
	}
	if err := refs.validate(); err != nil {
		return nil, err
	}
	kf := &KeyFiles{
		Dir:                dir,
		PrivateKeyPath:     filepath.Join(dir, AttestationKeyFile),
		PublicKeyPath:      filepath.Join(dir, AttestationPubFile),
		LogSignerKeyPath:   filepath.Join(dir, LogKeyFile),
		LogVerifierKeyPath: filepath.Join(dir, LogVKeyFile),
		Origin:             origin,
	}
	if IsPKCS11(refs.Attestation) {
		kf.PrivateKeyPath = RedactRef(refs.Attestation)
	}
	if IsPKCS11(refs.Log) {
		kf.LogSignerKeyPath = RedactRef(refs.Log)
	}
	paths := []string{kf.PublicKeyPath, kf.LogVerifierKeyPath}
	if !IsPKCS11(refs.Attestation) {
		paths = append(paths, kf.PrivateKeyPath)
	}
	if !IsPKCS11(refs.Log) {
		paths = append(paths, kf.LogSignerKeyPath)
	}
	if !force {
		// Checked up front so that nothing is written when any key exists;
		// the no-replace link below still guards against a concurrent run.
		for _, p := range paths {
			if _, err := os.Lstat(p); err == nil {
				return nil, glassbox.Errorf(glassbox.ECONFLICT, "key file %s already exists; refusing to replace the centre's keys (a log cannot change its key: force a new key only for a new log)", p)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return nil, glassbox.Errorf(glassbox.EINTERNAL, "key file %s: %w", p, err)
			}
		}
	}

	// A token key is never replaced, so every token must be free of the
	// keys to make before any is made: a run refused half way would
	// leave a key in one token that every later run is refused for.
	for _, ref := range []string{refs.Attestation, refs.Log} {
		if !IsPKCS11(ref) {
			continue
		}
		k, err := pkcs11key.Open(ref)
		if err == nil {
			k.Close()
			return nil, glassbox.Errorf(glassbox.ECONFLICT, "the token already holds the key %s; refusing to make another (a log cannot change its key)", RedactRef(ref))
		}
		if glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
			return nil, err
		}
	}

	type file struct {
		path string
		data []byte
		mode os.FileMode
	}
	var files []file
	var pub ed25519.PublicKey
	if IsPKCS11(refs.Attestation) {
		var err error
		if pub, err = pkcs11key.Generate(refs.Attestation); err != nil {
			return nil, err
		}
	} else {
		var priv ed25519.PrivateKey
		var err error
		if pub, priv, err = ed25519.GenerateKey(rand.Reader); err != nil {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "generate the attestation key: %w", err)
		}
		privDER, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "encode the attestation key: %w", err)
		}
		files = append(files, file{kf.PrivateKeyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), 0o600})
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "encode the attestation public key: %w", err)
	}
	kf.PublicKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	kf.KeyID = keyIDFromDER(pubDER)
	if kf.DSSEKeyID, err = DSSEKeyID(pub); err != nil {
		return nil, err
	}
	files = append(files, file{kf.PublicKeyPath, []byte(kf.PublicKeyPEM), 0o644})
	if IsPKCS11(refs.Log) {
		logPub, err := pkcs11key.Generate(refs.Log)
		if err != nil {
			return nil, err
		}
		kf.LogVerifierKey = LogVerifierKey(origin, logPub)
	} else {
		skey, vkey, err := note.GenerateKey(rand.Reader, origin)
		if err != nil {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "generate the log key: %w", err)
		}
		kf.LogVerifierKey = vkey
		files = append(files, file{kf.LogSignerKeyPath, []byte(skey + "\n"), 0o600})
	}
	files = append(files, file{kf.LogVerifierKeyPath, []byte(kf.LogVerifierKey + "\n"), 0o644})

	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "create the key directory %s: %w", dir, err)
	}
	var written []string
	for _, f := range files {
		if err := writeFileAtomic(f.path, f.data, f.mode, force); err != nil {
			// Leave no half set of fresh keys behind; what was there before
			// (when force) is already replaced and cannot be restored.
			for _, p := range written {
				os.Remove(p)
			}
			return nil, err
		}
		written = append(written, f.path)
	}
	if err := syncDir(dir); err != nil {
		return nil, err
	}
	return kf, nil
}

func writeFileAtomic(path string, data []byte, mode os.FileMode, replace bool) error {
	if err := atomicfile.Write(path, data, mode, replace); err != nil {
		if !replace && atomicfile.IsExist(err) {
			return glassbox.Errorf(glassbox.ECONFLICT, "key file %s already exists; refusing to replace it", path)
		}
		return glassbox.Errorf(glassbox.EINTERNAL, "%w", err)
	}
	return nil
}

// syncDir makes the directory entries of newly renamed files durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "sync %s: %w", dir, err)
	}
	return nil
}

// ValidateOrigin checks that origin can name a log: C2SP tlog-checkpoint
// puts it on the checkpoint's first line and C2SP signed-note uses it as the
// key name, which must be non-empty with no spaces and no '+' (the separator
// in a verifier key). Glassbox also keeps it to printable ASCII, so that an
// origin looks the same to everyone who reads it; a schema-less URL such as
// "transparency.example.org/glassbox/log" is the convention.
func ValidateOrigin(origin string) error {
	if origin == "" {
		return glassbox.Errorf(glassbox.EINVALID, "the log origin is empty; name the log, e.g. transparency.example.org/glassbox/log")
	}
	for i := 0; i < len(origin); i++ {
		c := origin[i]
		if c < 0x21 || c > 0x7e {
			return glassbox.Errorf(glassbox.EINVALID, "log origin %q has a space, a control character or non-ASCII at byte %d; an origin is printable ASCII without spaces, e.g. transparency.example.org/glassbox/log", origin, i)
		}
		if c == '+' {
			return glassbox.Errorf(glassbox.EINVALID, "log origin %q contains '+', which separates the fields of a signed-note key; choose an origin without it", origin)
		}
	}
	return nil
}

// KeyID returns the identifier glassbox gives an attestation key: the
// lower-case hex SHA-256 of its PKIX (SubjectPublicKeyInfo) DER encoding.
// It names the key in DSSE signatures and in log leaves.
func KeyID(pub ed25519.PublicKey) string {
	if len(pub) != ed25519.PublicKeySize {
		// A key of the wrong length has no identity; an empty ID matches no
		// signature and no leaf.
		return ""
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	return keyIDFromDER(der)
}

func keyIDFromDER(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// LoadSigner reads the centre's attestation key: a PKCS#8 PEM "PRIVATE KEY"
// holding an Ed25519 key, as GenerateKeys writes it.
func LoadSigner(path string) (*Signer, error) {
	block, err := readPEM(path)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case "PRIVATE KEY":
	case "PUBLIC KEY":
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s holds a public key; signing needs the private attestation key (%s)", path, AttestationKeyFile)
	default:
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s holds a PEM %q block; want an Ed25519 private key in a PKCS#8 \"PRIVATE KEY\" block, as 'glassbox keys generate' writes", path, block.Type)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: not a PKCS#8 private key: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s holds a %s private key; the centre signs with Ed25519 only", path, keyKind(k))
	}
	return NewSigner(priv)
}

// LoadPublicKey reads an attestation public key: a PKIX PEM "PUBLIC KEY"
// holding an Ed25519 key, as GenerateKeys writes to attestation.pub.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	block, err := readPEM(path)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case "PUBLIC KEY":
	case "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY", "OPENSSH PRIVATE KEY":
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s holds a private key; give the centre's public key (%s) instead, and keep the private key secret", path, AttestationPubFile)
	default:
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s holds a PEM %q block; want an Ed25519 public key in a PKIX \"PUBLIC KEY\" block, such as the centre's %s", path, block.Type, AttestationPubFile)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: not a PKIX public key: %w", path, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s holds a %s public key; glassbox attestation keys are Ed25519", path, keyKind(k))
	}
	return pub, nil
}

// keyKind names a key's algorithm for error messages.
func keyKind(k any) string {
	t := fmt.Sprintf("%T", k)
	switch {
	case strings.Contains(t, "ecdsa"):
		return "ECDSA"
	case strings.Contains(t, "rsa"):
		return "RSA"
	case strings.Contains(t, "ecdh"):
		return "ECDH"
	}
	return t
}

// readPEM reads the one PEM block a key file holds.
func readPEM(path string) (*pem.Block, error) {
	data, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s is not a PEM file", path)
	}
	if len(strings.TrimSpace(string(rest))) != 0 {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s holds more than one PEM block; a key file holds exactly one key", path)
	}
	return block, nil
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, glassbox.Errorf(glassbox.ENOTFOUND, "key file %s does not exist; create the centre's keys with 'glassbox keys generate'", path)
		}
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "read key file %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "read key file %s: %w", path, err)
	}
	if len(data) > maxKeyFileSize {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s is larger than %d bytes; it is not a key file", path, maxKeyFileSize)
	}
	return data, nil
}

// LoadLogSigner reads the log's checkpoint signing key (log.key), a C2SP
// signed-note signer key "PRIVATE+KEY+<origin>+<hash>+<key>".
func LoadLogSigner(path string) (note.Signer, error) {
	data, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	skey := strings.TrimSpace(string(data))
	if !strings.HasPrefix(skey, "PRIVATE+KEY+") {
		if _, err := note.NewVerifier(skey); err == nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "%s holds the log's verifier key; signing checkpoints needs the private log key (%s)", path, LogKeyFile)
		}
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s is not a signed-note signer key (PRIVATE+KEY+origin+hash+key)", path)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		// The key's text is secret: the message names the file, never its content.
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s is not a valid signed-note signer key: %v", path, err)
	}
	return s, nil
}

// LoadLogVerifier returns the verifier of the log's checkpoints from a C2SP
// signed-note verifier key "<origin>+<hash>+<key>", given either as the key
// itself or as the path of a file holding it (log.vkey).
func LoadLogVerifier(vkeyOrPath string) (note.Verifier, error) {
	s := strings.TrimSpace(vkeyOrPath)
	if strings.HasPrefix(s, "PRIVATE+KEY+") {
		// Never repeated in the message: it is the log's secret.
		return nil, glassbox.Errorf(glassbox.EINVALID, "that is the log's private signer key, not its verifier key; give the verifier key (%s), and keep the private key secret", LogVKeyFile)
	}
	v, verr := note.NewVerifier(s)
	if verr == nil {
		return v, nil
	}
	data, err := readKeyFile(vkeyOrPath)
	if err != nil {
		if glassbox.ErrorCode(err) == glassbox.ENOTFOUND {
			return nil, glassbox.Errorf(glassbox.EINVALID, "%q is neither a log verifier key (origin+hash+key: %v) nor a file holding one", vkeyOrPath, verr)
		}
		return nil, err
	}
	vkey := strings.TrimSpace(string(data))
	if strings.HasPrefix(vkey, "PRIVATE+KEY+") {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s holds the log's private signer key; give the verifier key (%s) instead, and keep the private key secret", vkeyOrPath, LogVKeyFile)
	}
	v, err = note.NewVerifier(vkey)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s does not hold a log verifier key (origin+hash+key): %v", vkeyOrPath, err)
	}
	return v, nil
}
