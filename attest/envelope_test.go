package attest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	intoto "github.com/in-toto/attestation/go/v1"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"google.golang.org/protobuf/encoding/protojson"

	"glassbox.dev"
)

// newSigner returns a Signer for a fresh key written and read back as the
// centre's key files are.
func newSigner(t *testing.T) *Signer {
	t.Helper()
	kf, err := GenerateKeys(t.TempDir(), testOrigin, false)
	if err != nil {
		t.Fatal(err)
	}
	s, err := LoadSigner(kf.PrivateKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signed returns a signer and an envelope it signed over a VSA statement
// about two artefacts.
func signed(t *testing.T) (*Signer, []byte, []Subject) {
	t.Helper()
	s := newSigner(t)
	subjects := []Subject{{Name: "firmware.bin", Digest: digest(1)}, {Name: "firmware.sig", Digest: digest(2)}}
	payload, err := NewStatement(subjects, glassbox.PredicateVSA, json.RawMessage(validVSA))
	if err != nil {
		t.Fatal(err)
	}
	env, err := s.Sign(context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	return s, env, subjects
}

func TestSigningTheSameStatementTwiceGivesTheSameEnvelope(t *testing.T) {
	s, env, subjects := signed(t)
	payload, err := NewStatement([]Subject{subjects[1], subjects[0]}, glassbox.PredicateVSA, json.RawMessage(validVSA))
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Sign(context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(env, again) {
		t.Errorf("two envelopes for one statement:\n%s\n%s", env, again)
	}
	// Another process loading the same key file signs the same bytes too.
	other, err := NewSigner(s.key.(ed25519.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	if third, _ := other.Sign(context.Background(), payload); !bytes.Equal(env, third) {
		t.Error("another Signer with the same key signed other bytes")
	}
}

func TestEnvelopeIsDSSEOverAValidInTotoStatement(t *testing.T) {
	s, env, _ := signed(t)
	var e dsse.Envelope
	if err := json.Unmarshal(env, &e); err != nil {
		t.Fatal(err)
	}
	if e.PayloadType != "application/vnd.in-toto+json" || len(e.Signatures) != 1 || e.Signatures[0].KeyID != dsseID(t, s.PublicKey()) {
		t.Fatalf("envelope: payloadType %q, signatures %+v; want in-toto's type and one signature by %s", e.PayloadType, e.Signatures, dsseID(t, s.PublicKey()))
	}
	// The signature is Ed25519 over DSSE's pre-authentication encoding.
	payload, _ := base64.StdEncoding.DecodeString(e.Payload)
	sig, _ := base64.StdEncoding.DecodeString(e.Signatures[0].Sig)
	if !ed25519.Verify(s.PublicKey(), dsse.PAE(e.PayloadType, payload), sig) {
		t.Error("the signature does not verify over PAE(payloadType, payload)")
	}
	// The payload is what the in-toto library reads as a valid Statement v1.
	var st intoto.Statement
	if err := protojson.Unmarshal(payload, &st); err != nil {
		t.Fatal(err)
	}
	if err := st.Validate(); err != nil {
		t.Errorf("the signed payload is not a valid in-toto Statement v1: %v", err)
	}
}

func TestVerifyEnvelopeReturnsTheStatement(t *testing.T) {
	s, env, subjects := signed(t)
	v, err := VerifyEnvelope(env, s.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	if v.KeyID != s.KeyID() || v.PredicateType != glassbox.PredicateVSA || !slices.Equal(v.Subjects, subjects) {
		t.Errorf("verified %+v", v)
	}
	var got, want any
	json.Unmarshal(v.Predicate, &got)
	json.Unmarshal([]byte(validVSA), &want)
	if gb, _ := json.Marshal(got); string(gb) != string(must(json.Marshal(want))) {
		t.Errorf("predicate %s, want %s", v.Predicate, validVSA)
	}
	var e dsse.Envelope
	json.Unmarshal(env, &e)
	if p, _ := e.DecodeB64Payload(); !bytes.Equal(v.Statement, p) {
		t.Error("Verified.Statement is not the signed payload")
	}

	// And the leaf built from it is what the notary logs.
	leaf := LeafFor(env, v)
	want2 := Leaf{Envelope: glassbox.DigestOf(env), KeyID: s.KeyID(), PredicateType: glassbox.PredicateVSA, Subjects: []glassbox.Digest{digest(1), digest(2)}}
	slices.Sort(want2.Subjects)
	if leaf.Envelope != want2.Envelope || leaf.KeyID != want2.KeyID || leaf.PredicateType != want2.PredicateType || !slices.Equal(leaf.Subjects, want2.Subjects) {
		t.Errorf("LeafFor = %+v, want %+v", leaf, want2)
	}
	if _, err := leaf.Marshal(); err != nil {
		t.Error(err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// reenvelope returns env with f applied to its decoded form.
func reenvelope(t *testing.T, env []byte, f func(e *dsse.Envelope)) []byte {
	t.Helper()
	var e dsse.Envelope
	if err := json.Unmarshal(env, &e); err != nil {
		t.Fatal(err)
	}
	f(&e)
	b, err := json.Marshal(&e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyEnvelopeRefuses(t *testing.T) {
	s, env, _ := signed(t)
	pub := s.PublicKey()
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	other, _ := NewSigner(must2(ed25519.GenerateKey(rand.Reader)))
	otherEnv, _ := other.Sign(context.Background(), mustPayload(t))

	// A payload changed by one byte, keeping valid base64 and valid JSON.
	modifiedPayload := reenvelope(t, env, func(e *dsse.Envelope) {
		p, _ := base64.StdEncoding.DecodeString(e.Payload)
		p = bytes.Replace(p, []byte("PASSED"), []byte("FAILED"), 1)
		e.Payload = base64.StdEncoding.EncodeToString(p)
	})
	modifiedSig := reenvelope(t, env, func(e *dsse.Envelope) {
		sig, _ := base64.StdEncoding.DecodeString(e.Signatures[0].Sig)
		sig[10] ^= 1
		e.Signatures[0].Sig = base64.StdEncoding.EncodeToString(sig)
	})
	noKeyID := reenvelope(t, otherEnv, func(e *dsse.Envelope) { e.Signatures[0].KeyID = "" })
	otherType := reenvelope(t, env, func(e *dsse.Envelope) { e.PayloadType = "application/json" })
	// A different statement signed by the right key under a non-in-toto type
	// would verify as a signature; it must still be refused as a statement.
	signedNotStatement := func(payload string) []byte {
		es, _ := dsse.NewEnvelopeSigner(&ed25519SignerVerifier{key: s.key, pub: pub, keyID: s.KeyID()})
		e, _ := es.SignPayload(context.Background(), PayloadType, []byte(payload))
		return must(json.Marshal(e))
	}
	payloadOf := func(e []byte) string {
		var d dsse.Envelope
		json.Unmarshal(e, &d)
		return d.Payload
	}
	sigOf := func(e []byte) string {
		var d dsse.Envelope
		json.Unmarshal(e, &d)
		return d.Signatures[0].Sig
	}

	for _, c := range []struct {
		name     string
		envelope []byte
		key      ed25519.PublicKey
		says     string
	}{
		{"another key", env, otherPub, "the envelope is not signed by key " + dsseID(t, otherPub) + "; it carries signatures by " + dsseID(t, pub)},
		{"an envelope by another key", otherEnv, pub, "not signed by key " + dsseID(t, pub) + "; it carries signatures by " + dsseID(t, other.PublicKey())},
		{"an envelope by another key without key id", noKeyID, pub, "it carries signatures by (no key id)"},
		{"a modified payload", modifiedPayload, pub, "not signed by key " + dsseID(t, pub) + ": its signature under that key id does not verify"},
		{"a modified signature", modifiedSig, pub, "not signed by key " + dsseID(t, pub) + ": its signature under that key id does not verify"},
		{"another payload type", otherType, pub, `its payloadType is "application/json", not "application/vnd.in-toto+json"`},

		{"not JSON", []byte("hello"), pub, "not a DSSE envelope: not JSON"},
		{"empty", nil, pub, "not a DSSE envelope"},
		{"a JSON array", []byte(`[]`), pub, "not a DSSE envelope: not a JSON object"},
		{"an in-toto statement, not an envelope", mustPayload(t), pub, `not a DSSE envelope: unexpected field "_type"`},
		{"no signatures", []byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}`), pub, "not a DSSE envelope: it has no signatures"},
		{"null signatures", []byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":null}`), pub, "signatures is not an array"},
		{"no payload", []byte(`{"payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AA=="}]}`), pub, `no "payload" field`},
		{"a null payload", []byte(`{"payloadType":"application/vnd.in-toto+json","payload":null,"signatures":[{"sig":"AA=="}]}`), pub, "payload is not a string"},
		{"a payload not base64", []byte(`{"payloadType":"application/vnd.in-toto+json","payload":"!!","signatures":[{"sig":"AA=="}]}`), pub, "payload is not base64"},
		{"a sig not base64", []byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":"!!"}]}`), pub, "signature 1: sig is not base64"},
		{"a signature without sig", []byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"x"}]}`), pub, `signature 1: no "sig" field`},
		{"an unknown signature field", []byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":"AA==","cert":"x"}]}`), pub, `signature 1: unexpected field "cert"`},
		{"an extra field", append(bytes.TrimSuffix(slices.Clone(env), []byte("}")), []byte(`,"extra":1}`)...), pub, `unexpected field "extra"`},
		{"a field spelt in another case", bytes.Replace(env, []byte(`"payloadType"`), []byte(`"PayloadType"`), 1), pub, `unexpected field "PayloadType"`},
		{"a second payload", []byte(`{"payloadType":"application/vnd.in-toto+json","payload":"` + payloadOf(env) + `","payload":"` + payloadOf(otherEnv) + `","signatures":[{"sig":"` + sigOf(env) + `"}]}`), pub, `field "payload" appears twice`},
		{"data after the envelope", append(slices.Clone(env), []byte(" {}")...), pub, "data after the JSON object"},

		{"a signed payload that is not JSON", signedNotStatement("hello"), pub, "the payload is not an in-toto statement"},
		{"a signed in-toto v0.1 statement", signedNotStatement(`{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"name":"a","digest":{"sha256":"` + digest(1).Hex() + `"}}],"predicateType":"https://example.org/p","predicate":{}}`), pub, `its _type is "https://in-toto.io/Statement/v0.1"`},
		{"a signed statement without subjects", signedNotStatement(`{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://example.org/p","predicate":{}}`), pub, "not a valid in-toto Statement v1: at least one subject required"},
		{"a signed statement with a sha512 subject", signedNotStatement(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha512":"` + strings.Repeat("ab", 64) + `"}}],"predicateType":"https://example.org/p","predicate":{}}`), pub, `subject 1 ("a") has no sha256 digest`},

		{"a malformed key", env, ed25519.PublicKey{1, 2, 3}, "not an Ed25519 public key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := VerifyEnvelope(c.envelope, c.key)
			if glassbox.ErrorCode(err) != glassbox.EINVALID || !strings.Contains(err.Error(), c.says) {
				t.Errorf("got %v\nwant EINVALID saying %q", err, c.says)
			}
		})
	}
}

func must2(_ ed25519.PublicKey, k ed25519.PrivateKey, err error) ed25519.PrivateKey {
	if err != nil {
		panic(err)
	}
	return k
}

func mustPayload(t *testing.T) []byte {
	t.Helper()
	p, err := NewStatement([]Subject{{Name: "x", Digest: digest(9)}}, "https://example.org/p", json.RawMessage(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVerifyEnvelopeAcceptsOtherSignaturesBesideTheCentres(t *testing.T) {
	s, env, _ := signed(t)
	other, _ := NewSigner(must2(ed25519.GenerateKey(rand.Reader)))
	cosigned := reenvelope(t, env, func(e *dsse.Envelope) {
		p, _ := e.DecodeB64Payload()
		o, _ := other.Sign(context.Background(), p)
		var oe dsse.Envelope
		json.Unmarshal(o, &oe)
		e.Signatures = append(oe.Signatures, e.Signatures...)
	})
	if v, err := VerifyEnvelope(cosigned, s.PublicKey()); err != nil || v.KeyID != s.KeyID() {
		t.Errorf("an envelope cosigned by another key: %v", err)
	}
	if v, err := VerifyEnvelope(cosigned, other.PublicKey()); err != nil || v.KeyID != other.KeyID() {
		t.Errorf("the cosigner's signature: %v", err)
	}
}

func TestSignRefusesWhatItWouldNotVerify(t *testing.T) {
	s := newSigner(t)
	for _, c := range []struct {
		name, payload, says string
	}{
		{"not JSON", "hello", "not an in-toto statement"},
		{"not a statement", `{"a":1}`, "is not an in-toto Statement v1"},
		{"a statement with a predicate type a leaf cannot hold", `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"` + digest(1).Hex() + `"}}],"predicateType":"https://example.org/a b","predicate":{}}`, "cannot be logged"},
	} {
		_, err := s.Sign(context.Background(), []byte(c.payload))
		if glassbox.ErrorCode(err) != glassbox.EINVALID || !strings.Contains(err.Error(), "refusing to sign") || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v; want EINVALID refusing to sign because it %s", c.name, err, c.says)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Sign(ctx, mustPayload(t)); err == nil {
		t.Error("Sign with a cancelled context succeeded")
	}
}

func TestLoadedPublicKeyVerifiesTheLoadedSignersEnvelopes(t *testing.T) {
	dir := t.TempDir()
	kf, err := GenerateKeys(dir, testOrigin, false)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := LoadSigner(filepath.Join(dir, AttestationKeyFile))
	env, err := s.Sign(context.Background(), mustPayload(t))
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := LoadPublicKey(kf.PublicKeyPath)
	if v, err := VerifyEnvelope(env, pub); err != nil || v.KeyID != kf.KeyID {
		t.Errorf("VerifyEnvelope with attestation.pub: %v", err)
	}
}

func dsseID(t *testing.T, pub ed25519.PublicKey) string {
	t.Helper()
	id, err := DSSEKeyID(pub)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// verifierWithoutKeyID is a DSSE verifier as slsa-verifier verify-vsa
// builds one from --public-key-path when --public-key-id is not given
// (sigstore's VerifierAdapter with an empty PubKeyID): it names no key id,
// so go-securesystemslib derives one from the public key.
type verifierWithoutKeyID struct{ pub ed25519.PublicKey }

func (v verifierWithoutKeyID) Verify(_ context.Context, data, sig []byte) error {
	if !ed25519.Verify(v.pub, data, sig) {
		return errors.New("bad signature")
	}
	return nil
}
func (v verifierWithoutKeyID) KeyID() (string, error)   { return "", nil }
func (v verifierWithoutKeyID) Public() crypto.PublicKey { return v.pub }

// TestEnvelopeKeyIDIsTheOneVerifiersDerive: the keyid in the centre's
// signatures is the one DSSE verifiers derive from the public key alone
// (go-securesystemslib's SHA256KeyID, SSH's SHA-256 fingerprint), so that
// slsa-verifier verify-vsa --public-key-path attestation.pub verifies the
// centre's VSAs with no --public-key-id; an envelope signed before, under
// the hex KeyID, still verifies with glassbox.
func TestEnvelopeKeyIDIsTheOneVerifiersDerive(t *testing.T) {
	s, env, _ := signed(t)
	var e dsse.Envelope
	if err := json.Unmarshal(env, &e); err != nil {
		t.Fatal(err)
	}
	derived, err := dsse.SHA256KeyID(s.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	if e.Signatures[0].KeyID != derived || !strings.HasPrefix(derived, "SHA256:") {
		t.Fatalf("signature keyid %q; want the derived %q", e.Signatures[0].KeyID, derived)
	}
	ev, err := dsse.NewEnvelopeVerifier(verifierWithoutKeyID{s.PublicKey()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ev.Verify(context.Background(), &e); err != nil {
		t.Errorf("a verifier given only the public key (slsa-verifier without --public-key-id) refuses the envelope: %v", err)
	}

	// The former form, keyid = hex KeyID, still verifies.
	payload, _ := base64.StdEncoding.DecodeString(e.Payload)
	old, _ := dsse.NewEnvelopeSigner(&ed25519SignerVerifier{key: s.key, pub: s.PublicKey(), keyID: s.KeyID()})
	oe, _ := old.SignPayload(context.Background(), PayloadType, payload)
	ob, _ := json.Marshal(oe)
	if _, err := VerifyEnvelope(ob, s.PublicKey()); err != nil {
		t.Errorf("an envelope with the former hex keyid: %v", err)
	}
}
