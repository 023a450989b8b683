package attest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"glassbox.dev"
)

// PayloadType is the DSSE payload type of an in-toto statement.
const PayloadType = "application/vnd.in-toto+json"

// maxEnvelopeSize bounds what VerifyEnvelope reads: a statement of
// MaxStatementSize in base64 with room for signatures.
const maxEnvelopeSize = (MaxStatementSize+2)/3*4 + 64<<10

// Signer signs statements with the centre's attestation key. It is safe
// for concurrent use.
type Signer struct {
	key    crypto.Signer
	closer io.Closer // what holds key, if it must be released
	pub    ed25519.PublicKey
	keyID  string
	dsse   *dsse.EnvelopeSigner
}

// NewSigner returns a Signer for an Ed25519 private key.
func NewSigner(key ed25519.PrivateKey) (*Signer, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, glassbox.Errorf(glassbox.EINVALID, "an Ed25519 private key is %d bytes, not %d", ed25519.PrivateKeySize, len(key))
	}
	return NewKeySigner(key)
}

// NewKeySigner returns a Signer for an Ed25519 key held elsewhere: in a
// hardware security module or a cloud KMS (package pkcs11key), which signs
// without ever giving the private key out.
func NewKeySigner(key crypto.Signer) (*Signer, error) {
	pub, ok := key.Public().(ed25519.PublicKey)
	if !ok || len(pub) != ed25519.PublicKeySize {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the signing key is a %T; the centre signs with Ed25519 only", key.Public())
	}
	dsseID, err := DSSEKeyID(pub)
	if err != nil {
		return nil, err
	}
	es, err := dsse.NewEnvelopeSigner(&ed25519SignerVerifier{key: key, pub: pub, keyID: dsseID})
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "DSSE signer: %w", err)
	}
	return &Signer{key: key, pub: pub, keyID: KeyID(pub), dsse: es}, nil
}

// PublicKey returns the public half of the signing key.
func (s *Signer) PublicKey() ed25519.PublicKey { return s.pub }

// KeyID returns the signing key's KeyID, which names it in log leaves and
// policies (att.keyId). In envelopes the key is named by DSSEKeyID.
func (s *Signer) KeyID() string { return s.keyID }

// Sign returns a DSSE envelope (JSON) of payload type PayloadType holding
// payload, signed by the centre's key. Ed25519 signatures are
// deterministic, so the same payload always gives the same envelope bytes.
//
// payload must be an in-toto Statement v1 that a log leaf can record, as
// NewStatement writes: the centre never signs what VerifyEnvelope and the
// log would refuse.
func (s *Signer) Sign(ctx context.Context, payload []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(payload) > MaxStatementSize {
		return nil, glassbox.Errorf(glassbox.EINVALID, "refusing to sign: the statement is %d bytes, over the %d-byte limit", len(payload), MaxStatementSize)
	}
	if !built.has(payload) {
		if _, err := decodeStatement(payload); err != nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "refusing to sign: %w", err)
		}
	}
	env, err := s.dsse.SignPayload(ctx, PayloadType, payload)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "sign the statement: %w", err)
	}
	b, err := json.Marshal(env)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "encode the envelope: %w", err)
	}
	return b, nil
}

// Verified is what a verified envelope says.
type Verified struct {
	Statement     json.RawMessage // the payload: the whole in-toto statement
	PredicateType string
	Predicate     json.RawMessage // the statement's predicate, as it was signed
	Subjects      []Subject       // in the statement's order
	KeyID         string          // KeyID of the key whose signature verified
}

// VerifyEnvelope checks that envelope is a DSSE envelope holding an in-toto
// Statement v1, signed by pub, and returns the statement. Other signatures
// in the envelope are ignored. All failures are EINVALID errors, with
// messages that tell apart an envelope that is not DSSE, one that is not
// signed by pub (listing the keys that did sign it), and a payload that is
// not an in-toto Statement v1.
func VerifyEnvelope(envelope []byte, pub ed25519.PublicKey) (*Verified, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the verification key is not an Ed25519 public key (%d bytes, want %d)", len(pub), ed25519.PublicKeySize)
	}
	env, err := parseEnvelope(envelope)
	if err != nil {
		return nil, err
	}
	keyID := KeyID(pub)
	dsseID, err := DSSEKeyID(pub)
	if err != nil {
		return nil, err
	}
	// Envelopes name the key by DSSEKeyID; those signed before glassbox
	// did so name it by KeyID, and still verify.
	ev, err := dsse.NewEnvelopeVerifier(&ed25519SignerVerifier{pub: pub, keyID: dsseID}, &ed25519SignerVerifier{pub: pub, keyID: keyID})
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "DSSE verifier: %w", err)
	}
	_, payload, err := ev.VerifyAndDecode(context.Background(), env)
	if err != nil {
		return nil, notSignedError(env, dsseID, keyID)
	}
	v, err := decodeStatement(payload)
	if err != nil {
		return nil, err
	}
	v.KeyID = keyID
	return v, nil
}

// notSignedError explains why no signature in env verified under the key,
// named keyID in envelopes (or formerly oldID).
func notSignedError(env *dsse.Envelope, keyID, oldID string) error {
	var ids []string
	for _, s := range env.Signatures {
		if s.KeyID == keyID || s.KeyID == oldID {
			return glassbox.Errorf(glassbox.EINVALID, "the envelope is not signed by key %s: its signature under that key id does not verify, so the payload or the signature was changed after signing", keyID)
		}
		id := s.KeyID
		if id == "" {
			id = "(no key id)"
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return glassbox.Errorf(glassbox.EINVALID, "the envelope is not signed by key %s; it carries signatures by %s", keyID, strings.Join(slices.Compact(ids), ", "))
}

// parseEnvelope reads a DSSE envelope strictly: one JSON object with
// exactly the fields payloadType, payload and signatures, each spelt
// exactly and once, an in-toto payload type, and at least one signature
// with base64 "sig" and optional "keyid". A looser reading would let two
// readers of one envelope see different statements.
func parseEnvelope(data []byte) (*dsse.Envelope, error) {
	if len(data) > maxEnvelopeSize {
		return nil, notDSSE("it is %d bytes, over the %d-byte limit", len(data), maxEnvelopeSize)
	}
	fields, err := strictObject(data, []string{"payloadType", "payload", "signatures"}, nil)
	if err != nil {
		return nil, notDSSE("%v", err)
	}
	var env dsse.Envelope
	if err := unmarshalString(fields["payloadType"], &env.PayloadType); err != nil {
		return nil, notDSSE("payloadType is not a string")
	}
	if err := unmarshalString(fields["payload"], &env.Payload); err != nil {
		return nil, notDSSE("payload is not a string")
	}
	if _, err := env.DecodeB64Payload(); err != nil {
		return nil, notDSSE("payload is not base64")
	}
	var sigs []json.RawMessage
	if err := json.Unmarshal(fields["signatures"], &sigs); err != nil || sigs == nil {
		return nil, notDSSE("signatures is not an array")
	}
	if len(sigs) == 0 {
		return nil, notDSSE("it has no signatures")
	}
	for i, raw := range sigs {
		f, err := strictObject(raw, []string{"sig"}, []string{"keyid"})
		if err != nil {
			return nil, notDSSE("signature %d: %v", i+1, err)
		}
		var s dsse.Signature
		if err := unmarshalString(f["sig"], &s.Sig); err != nil {
			return nil, notDSSE("signature %d: sig is not a string", i+1)
		}
		if k, ok := f["keyid"]; ok {
			if err := unmarshalString(k, &s.KeyID); err != nil {
				return nil, notDSSE("signature %d: keyid is not a string", i+1)
			}
		}
		if !isBase64(s.Sig) {
			return nil, notDSSE("signature %d: sig is not base64", i+1)
		}
		env.Signatures = append(env.Signatures, s)
	}
	// Checked after the structure, so that this error means a well-formed
	// DSSE envelope that carries something other than an in-toto statement.
	if env.PayloadType != PayloadType {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the envelope does not hold an in-toto statement: its payloadType is %s, not %q", clip(env.PayloadType), PayloadType)
	}
	return &env, nil
}

// unmarshalString reads a JSON string, and only a string: encoding/json
// would read null as "".
func unmarshalString(raw json.RawMessage, s *string) error {
	if len(raw) == 0 || raw[0] != '"' {
		return errors.New("not a string")
	}
	return json.Unmarshal(raw, s)
}

func notDSSE(format string, args ...any) error {
	return glassbox.Errorf(glassbox.EINVALID, "the envelope is not a DSSE envelope: "+format, args...)
}

// isBase64 reports whether s is standard or URL-safe base64, the two
// encodings DSSE allows.
func isBase64(s string) bool {
	if _, err := base64.StdEncoding.DecodeString(s); err == nil {
		return true
	}
	_, err := base64.URLEncoding.DecodeString(s)
	return err == nil
}

// StrictObject reads data as one JSON object whose keys are exactly the
// required ones plus any of the optional ones, each spelt exactly and once,
// with nothing after the object, and returns each field's raw value.
// encoding/json alone would match keys without regard to case, keep the
// last of duplicate keys, ignore unknown ones and stop before trailing
// data, so that two readers of the same bytes could see different things.
func StrictObject(data []byte, required, optional []string) (map[string]json.RawMessage, error) {
	return strictObject(data, required, optional)
}

func strictObject(data []byte, required, optional []string) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	fields := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("not JSON: %v", err)
		}
		key := tok.(string) // inside an object, Token returns keys as strings
		if !slices.Contains(required, key) && !slices.Contains(optional, key) {
			return nil, fmt.Errorf("unexpected field %s", clip(key))
		}
		if _, dup := fields[key]; dup {
			return nil, fmt.Errorf("field %q appears twice", key)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("not JSON: %v", err)
		}
		fields[key] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	for _, k := range required {
		if _, ok := fields[k]; !ok {
			return nil, fmt.Errorf("no %q field", k)
		}
	}
	return fields, nil
}

// DSSEKeyID is the key id glassbox writes in a DSSE signature: the SHA-256
// fingerprint of the key in SSH's form ("SHA256:" and unpadded base64, what
// ssh-keygen -l prints). It is the id DSSE verifiers derive themselves from
// a public key when they are given none (go-securesystemslib, and so
// slsa-verifier verify-vsa without --public-key-id and in-toto), so that a
// verifier holding only attestation.pub finds the signature.
func DSSEKeyID(pub ed25519.PublicKey) (string, error) {
	if len(pub) != ed25519.PublicKeySize {
		return "", glassbox.Errorf(glassbox.EINVALID, "not an Ed25519 public key (%d bytes)", len(pub))
	}
	id, err := dsse.SHA256KeyID(pub)
	if err != nil {
		return "", glassbox.Errorf(glassbox.EINTERNAL, "DSSE key id: %w", err)
	}
	return id, nil
}

// ed25519SignerVerifier gives DSSE the centre's Ed25519 key. The library's
// own Ed25519 signer reads keys in securesystemslib's JSON format; glassbox
// keeps PEM files and names keys by KeyID, so it wraps the key itself.
type ed25519SignerVerifier struct {
	key   crypto.Signer // nil when only verifying
	pub   ed25519.PublicKey
	keyID string
}

func (s *ed25519SignerVerifier) Sign(_ context.Context, data []byte) ([]byte, error) {
	return signEd25519(s.key, s.pub, data)
}

func (s *ed25519SignerVerifier) Verify(_ context.Context, data, sig []byte) error {
	if !ed25519.Verify(s.pub, data, sig) {
		return errors.New("ed25519: invalid signature")
	}
	return nil
}

func (s *ed25519SignerVerifier) KeyID() (string, error) { return s.keyID, nil }

func (s *ed25519SignerVerifier) Public() crypto.PublicKey { return s.pub }
