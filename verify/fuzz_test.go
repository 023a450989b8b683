package verify

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
)

// FuzzReceipt verifies arbitrary receipts and checkpoints: whatever the
// bytes, verification must not panic, must fail closed (deny or error), and
// must never allow.
func FuzzReceipt(f *testing.F) {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	skey, vkey, _ := note.GenerateKey(rand.Reader, "fuzz.example/log")
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	cp, _ := note.Sign(&note.Note{Text: "fuzz.example/log\n1\nqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo=\n"}, signer)
	f.Add([]byte(`{"mediaType":"application/vnd.glassbox.receipt.v1+json","envelope":"e30=","tlogProof":"c2sp.org/tlog-proof@v1\nextra bGVhZg==\nindex 0\n\n` + jsonEscape(cp) + `"}`))
	f.Add(cp)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		o := Options{Key: pub, LogVerifier: verifier, Now: time.Unix(1e9, 0)}
		res, err := Receipt(context.Background(), glassbox.DigestOf([]byte("artefact")), data, o)
		if err == nil && res.Allowed {
			t.Fatalf("allowed an artefact on a fuzzed receipt")
		}
		// The same bytes as a remembered checkpoint.
		p := filepath.Join(dir, "state")
		os.WriteFile(p, data, 0o644)
		if s, err := LoadState(p, verifier); err == nil && s.Size() > 0 {
			if _, _, _, err := parseCheckpointForTest(data, verifier); err != nil {
				t.Fatalf("LoadState accepted a checkpoint that does not verify: %v", err)
			}
		}
	})
}

func jsonEscape(b []byte) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		switch c {
		case '\n':
			out = append(out, '\\', 'n')
		case '"', '\\':
			out = append(out, '\\', c)
		default:
			out = append(out, c)
		}
	}
	return string(out)
}
