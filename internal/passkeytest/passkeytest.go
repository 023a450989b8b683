// Package passkeytest is a software WebAuthn authenticator for tests.
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// Authenticator is a software WebAuthn authenticator, answering as a
// browser and a security key together would: it makes P-256 passkeys with
// "none" attestation and signs assertions, counting its signatures. The
// browser journey uses chromium's own virtual authenticator; this one
// lets tests run without a browser.
type Authenticator struct {
	Origin string // the origin the browser would put in the client data
	RPID   string
	// Count is the signature counter, which a copied key's would lag.
	Count uint32
	keys  map[string]*ecdsa.PrivateKey // by credential ID
	users map[string][]byte            // credential ID → user handle
	last  []byte                       // the credential made last
}

// New returns an authenticator with no passkeys, in a browser at origin.
func New(origin, rpID string) *Authenticator {
	return &Authenticator{Origin: origin, RPID: rpID, keys: map[string]*ecdsa.PrivateKey{}, users: map[string][]byte{}}
}

// Copy returns an authenticator holding a's passkeys, in a browser at
// origin: a phishing site's, or a cloned key's.
func (a *Authenticator) Copy(origin string) *Authenticator {
	return &Authenticator{Origin: origin, RPID: a.RPID, Count: a.Count, keys: a.keys, users: a.users, last: a.last}
}

var b64 = base64.RawURLEncoding

func (a *Authenticator) clientData(t testing.TB, typ, challenge string) []byte {
	t.Helper()
	cd, err := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.Origin, "crossOrigin": false})
	if err != nil {
		t.Fatal(err)
	}
	return cd
}

// authData is the authenticator data: the relying party's hash, the flags
// (user present and verified, and attested data when registering), the
// counter, and the attested credential.
func (a *Authenticator) authData(flags byte, attested []byte) []byte {
	rp := sha256.Sum256([]byte(a.RPID))
	d := append(rp[:], flags)
	d = binary.BigEndian.AppendUint32(d, a.Count)
	return append(d, attested...)
}

// Create answers creation options (the JSON the centre sent) as
// navigator.credentials.create would, and returns the JSON the browser
// posts back.
func (a *Authenticator) Create(t testing.TB, options []byte) []byte {
	t.Helper()
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
			User      struct {
				ID string `json:"id"`
			} `json:"user"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &o); err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	rand.Read(id)
	a.keys[string(id)] = key
	a.last = id
	handle, _ := b64.DecodeString(o.PublicKey.User.ID)
	a.users[string(id)] = handle
	pub, err := key.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		t.Fatal(err)
	}
	cose, err := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: pub[1:33], -3: pub[33:]})
	if err != nil {
		t.Fatal(err)
	}
	attested := make([]byte, 16) // AAGUID: none
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(id)))
	attested = append(append(attested, id...), cose...)
	obj, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": a.authData(0x45, attested)})
	if err != nil {
		t.Fatal(err)
	}
	return a.answer(t, id, map[string]any{
		"clientDataJSON":    b64.EncodeToString(a.clientData(t, "webauthn.create", o.PublicKey.Challenge)),
		"attestationObject": b64.EncodeToString(obj),
	})
}

// Get answers request options with the passkey cred, as
// navigator.credentials.get would; when cred is nil, with the first
// credential the options allow that it holds, else the one it made last.
func (a *Authenticator) Get(t testing.TB, options []byte, cred []byte) []byte {
	t.Helper()
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
			Allow     []struct {
				ID string `json:"id"`
			} `json:"allowCredentials"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &o); err != nil {
		t.Fatal(err)
	}
	for _, c := range o.PublicKey.Allow {
		if id, err := b64.DecodeString(c.ID); err == nil && a.keys[string(id)] != nil && cred == nil {
			cred = id
		}
	}
	if cred == nil {
		cred = a.last
	}
	a.Count++
	auth := a.authData(0x05, nil)
	cd := a.clientData(t, "webauthn.get", o.PublicKey.Challenge)
	h := sha256.Sum256(cd)
	sig, err := ecdsa.SignASN1(rand.Reader, a.keys[string(cred)], sha256Sum(append(auth, h[:]...)))
	if err != nil {
		t.Fatal(err)
	}
	return a.answer(t, cred, map[string]any{
		"clientDataJSON":    b64.EncodeToString(cd),
		"authenticatorData": b64.EncodeToString(auth),
		"signature":         b64.EncodeToString(sig),
		"userHandle":        b64.EncodeToString(a.users[string(cred)]),
	})
}

func sha256Sum(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}

func (a *Authenticator) answer(t testing.TB, id []byte, response map[string]any) []byte {
	t.Helper()
	out, err := json.Marshal(map[string]any{"id": b64.EncodeToString(id), "rawId": b64.EncodeToString(id), "type": "public-key", "response": response})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
