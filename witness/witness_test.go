package witness_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/notary"
	"glassbox.dev/sqlite"
	"glassbox.dev/tlog"
	"glassbox.dev/verify"
	"glassbox.dev/verify/policy"
	"glassbox.dev/witness"
)

// served is a centre's witness on loopback, with its own store.
type served struct {
	w     *witness.Witness
	store glassbox.WitnessStore
	url   string
}

func newWitness(t *testing.T, name string) *served {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "glassbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	skey, _, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	w, err := witness.New(skey, st)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /add-checkpoint", w.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &served{w: w, store: st, url: srv.URL}
}

// witnessedBy starts a centre whose log the witness s cosigns: s learns
// the log's key first, as its operator would add it.
func witnessedBy(t *testing.T, origin string, s *served) *centretest.Centre {
	return centretest.NewWithLogOptions(t, origin, func(vkey string) tlog.Options {
		if err := s.store.AddWitnessedLog(context.Background(), origin, vkey); err != nil {
			t.Fatal(err)
		}
		p, err := tlog.ParseWitnessPolicy([]byte(fmt.Sprintf("witness w %s %s\nquorum w\n", s.w.VerifierKey(), s.url)))
		if err != nil {
			t.Fatal(err)
		}
		return tlog.Options{CheckpointInterval: 100e6, BatchMaxAge: 10e6, Witnesses: p}
	})
}

func verdict(t *testing.T, c *centretest.Centre, art glassbox.Digest) []byte {
	t.Helper()
	_, cp := receipt(t, c, art)
	return cp
}

// receipt has c sign and log a PASSED verdict about art, and returns the
// receipt and its checkpoint.
func receipt(t *testing.T, c *centretest.Centre, art glassbox.Digest) ([]byte, []byte) {
	t.Helper()
	r, err := c.Notary.Attest(context.Background(), notary.Request{Subjects: []attest.Subject{{Name: "fw.bin", Digest: art}}, PredicateType: glassbox.PredicateVSA,
		Predicate: json.RawMessage(`{"verifier":{"id":"https://glassbox.example/centre"},"timeVerified":"2026-11-20T10:00:00Z","resourceUri":"glassbox:release/x/fw.bin","policy":{"uri":"https://glassbox.dev/policy/cra-annex-i@1.0.0"},"verificationResult":"PASSED","verifiedLevels":["cra-annex-i@1.0.0"],"slsaVersion":"1.0"}`)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	_, p, err := tlog.ParseReceipt(b)
	if err != nil {
		t.Fatal(err)
	}
	return b, p.Checkpoint
}

func cosignedBy(t *testing.T, cp []byte, s *served) bool {
	t.Helper()
	p, err := policy.Parse("w", []byte("witnesses:\n  threshold: 1\n  keys: ["+s.w.VerifierKey()+"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, ok := p.Witnesses.Cosigned(cp)
	return ok
}

// TestTwoCentresWitnessEachOther: Brussels witnesses Bonn's log and Bonn
// witnesses Brussels's, through Tessera's witness client speaking C2SP
// tlog-witness to each centre's witness: each centre's receipts carry the
// other's cosignature, and a third party verifies a binary under a policy
// asking both centres' PASSED verdicts (2 of 2), each witnessed; a fork of
// Brussels's log (its key, another history) is refused by Bonn and cannot
// even open.
func TestTwoCentresWitnessEachOther(t *testing.T) {
	bonnWitness, brusselsWitness := newWitness(t, "bonn.example/witness"), newWitness(t, "brussels.example/witness")
	brussels := witnessedBy(t, "brussels.example/log", bonnWitness)
	bonn := witnessedBy(t, "bonn.example/log", brusselsWitness)
	for i := range 3 {
		art := glassbox.DigestOf([]byte(fmt.Sprintf("firmware %d", i)))
		if cp := verdict(t, brussels, art); !cosignedBy(t, cp, bonnWitness) {
			t.Fatalf("Brussels's receipt is not cosigned by Bonn:\n%s", cp)
		}
		if cp := verdict(t, bonn, art); !cosignedBy(t, cp, brusselsWitness) {
			t.Fatalf("Bonn's receipt is not cosigned by Brussels:\n%s", cp)
		}
	}
	l, err := bonnWitness.store.WitnessedLog(t.Context(), "brussels.example/log")
	if err != nil || l.Size < 3 {
		t.Fatalf("Bonn's record of Brussels's log: %+v, %v", l, err)
	}

	// A third party allows a binary only on the PASSED verdicts of both
	// centres, each receipt witnessed by the other centre.
	fw := glassbox.DigestOf([]byte("the federation's firmware"))
	rBrussels, _ := receipt(t, brussels, fw)
	rBonn, _ := receipt(t, bonn, fw)
	federation, err := policy.Parse("/federation.yaml", []byte(fmt.Sprintf(`witnesses:
  threshold: 1
  keys: [%s, %s]
centres:
  threshold: 2
  of:
    - {name: brussels, key: %s, log_key: %s}
    - {name: bonn, key: %s, log_key: %s}
`, bonnWitness.w.VerifierKey(), brusselsWitness.w.VerifierKey(), brussels.Keys.PublicKeyPath, brussels.Keys.LogVerifierKeyPath, bonn.Keys.PublicKeyPath, bonn.Keys.LogVerifierKeyPath)))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := verify.Federated(t.Context(), fw, [][]byte{rBrussels, rBonn}, verify.Options{Policy: federation}); err != nil || !res.Allowed {
		t.Fatalf("a third party, 2 of 2 witnessed centres: %+v, %v", res, err)
	}
	if res, _ := verify.Federated(t.Context(), fw, [][]byte{rBrussels}, verify.Options{Policy: federation}); res.Allowed {
		t.Errorf("a third party allowed the binary on Brussels's verdict alone under 2 of 2")
	}

	ls, err := attest.LoadLogSigner(brussels.Keys.LogSignerKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := tlog.ParseWitnessPolicy([]byte(fmt.Sprintf("witness w %s %s\nquorum w\n", bonnWitness.w.VerifierKey(), bonnWitness.url)))
	if fork, err := tlog.Open(t.Context(), filepath.Join(t.TempDir(), "fork"), ls, brussels.Verifier, tlog.Options{CheckpointInterval: 100e6, Witnesses: p}); err == nil {
		fork.Close(context.Background())
		t.Fatalf("a fork of Brussels's log opened, cosigned by Bonn")
	}
}

// TestAddCheckpointRequests: the witness answers the protocol's errors as
// C2SP tlog-witness says: a malformed request 400, a log it does not
// witness or a checkpoint not signed by its key 403, a stale old size 409
// with the size it stands at, an inconsistent tree 422.
func TestAddCheckpointRequests(t *testing.T) {
	s := newWitness(t, "w.example/witness")
	skey, vkey, _ := note.GenerateKey(rand.Reader, "log.example/log")
	signer, _ := note.NewSigner(skey)
	if err := s.store.AddWitnessedLog(t.Context(), "log.example/log", vkey); err != nil {
		t.Fatal(err)
	}
	checkpoint := func(size int, root byte, by note.Signer) string {
		text := fmt.Sprintf("log.example/log\n%d\n%s\n", size, strings.Repeat(string(rune('A'+root%26)), 43)+"=")
		n, err := note.Sign(&note.Note{Text: text}, by)
		if err != nil {
			t.Fatal(err)
		}
		return string(n)
	}
	post := func(body string) (int, string) {
		resp, err := http.Post(s.url+"/add-checkpoint", "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, b := post("old 0\n\n" + checkpoint(5, 1, signer)); code != 200 || !strings.HasPrefix(b, "— w.example/witness ") {
		t.Fatalf("the first checkpoint: %d %q", code, b)
	}
	otherSkey, _, _ := note.GenerateKey(rand.Reader, "log.example/log")
	other, _ := note.NewSigner(otherSkey)
	for _, c := range []struct {
		name, body string
		code       int
		want       string
	}{
		{"no blank line", "old 5\n" + checkpoint(6, 2, signer), 400, ""},
		{"no old line", "new 5\n\n" + checkpoint(6, 2, signer), 400, ""},
		{"a proof line that is not a hash", "old 5\nnot-a-hash\n\n" + checkpoint(6, 2, signer), 400, ""},
		{"a log not witnessed", "old 0\n\n" + strings.Replace(checkpoint(6, 2, signer), "log.example/log", "other.example/log", 1), 403, ""},
		{"another key", "old 5\n\n" + checkpoint(6, 2, other), 403, ""},
		{"a stale old size", "old 3\n\n" + checkpoint(6, 2, signer), 409, "5\n"},
		{"an inconsistent tree", "old 5\n" + strings.Repeat("A", 43) + "=\n\n" + checkpoint(6, 2, signer), 422, ""},
		{"a rollback", "old 5\n\n" + checkpoint(4, 2, signer), 400, ""},
	} {
		if code, b := post(c.body); code != c.code || (c.want != "" && b != c.want) {
			t.Errorf("%s: %d %q; want %d %q", c.name, code, b, c.code, c.want)
		}
	}
}
