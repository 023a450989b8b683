package attest

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"testing"
)

// TestJSONLIsOneDSSEEnvelopePerLine checks the .intoto.jsonl file against
// the DSSE specification alone, not our verifier: every line is one JSON
// envelope {payloadType, payload, signatures}, and each signature is
// Ed25519 over PAE(payloadType, payload) = "DSSEv1" SP LEN(type) SP type SP
// LEN(body) SP body.
func TestJSONLIsOneDSSEEnvelopePerLine(t *testing.T) {
	s, env, _ := signed(t)
	indented := &bytes.Buffer{}
	json.Indent(indented, env, "", "  ")
	out, err := JSONL(env, indented.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	lines := 0
	for sc.Scan() {
		lines++
		var e struct {
			PayloadType string `json:"payloadType"`
			Payload     string `json:"payload"`
			Signatures  []struct {
				KeyID string `json:"keyid"`
				Sig   string `json:"sig"`
			} `json:"signatures"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d is not one JSON envelope: %v", lines, err)
		}
		body, err := base64.StdEncoding.DecodeString(e.Payload)
		if err != nil {
			t.Fatal(err)
		}
		pae := []byte("DSSEv1 " + itoa(len(e.PayloadType)) + " " + e.PayloadType + " " + itoa(len(body)) + " ")
		pae = append(pae, body...)
		sig, _ := base64.StdEncoding.DecodeString(e.Signatures[0].Sig)
		if e.PayloadType != PayloadType || len(e.Signatures) != 1 || !ed25519.Verify(s.PublicKey(), pae, sig) {
			t.Errorf("line %d: not an in-toto envelope signed over DSSE's PAE by the centre's key", lines)
		}
	}
	if lines != 2 || !bytes.HasSuffix(out, []byte("}\n")) {
		t.Errorf("%d lines, want 2, each ending in a newline", lines)
	}
	if _, err := JSONL([]byte("not an envelope")); err == nil {
		t.Error("JSONL wrote something that is not an envelope")
	}
	for in, want := range map[string]string{
		"dist/router.img.receipt":         "dist/router.img.intoto.jsonl",
		"out/router.img.vsa.receipt.json": "out/router.img.vsa.intoto.jsonl",
		"second":                          "second.intoto.jsonl",
	} {
		if got := JSONLPath(in); got != want {
			t.Errorf("JSONLPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func itoa(n int) string { return string(must(json.Marshal(n))) }
