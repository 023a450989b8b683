package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/notary"
	"glassbox.dev/server"
	"glassbox.dev/tlog"
)

const vsaPassed = `{"verifier":{"id":"https://glassbox.example/centre"},"timeVerified":"2026-11-20T10:00:00Z","resourceUri":"https://glassbox.example/releases/router@2.1.0","policy":{"uri":"https://glassbox.dev/policy/cra-annex-i@1.0.0"},"verificationResult":"PASSED","verifiedLevels":["SLSA_BUILD_LEVEL_3"]}`

const policyPassed = `name: deploy
rules:
  - name: passed-cra
    applies: 'att.predicateType == "https://slsa.dev/verification_summary/v1"'
    match: 'att.predicate.verificationResult == "PASSED" && att.predicate.policy.uri.startsWith("https://glassbox.dev/policy/cra-annex-i@")'
`

// centreAttest has the centre of data sign and log a statement about
// artifact, as its own evaluation does (no command signs a verdict on
// request), and writes the receipt beside the artefact.
func centreAttest(t *testing.T, data, artifact, predicateType, predicate string) string {
	t.Helper()
	ctx := context.Background()
	g := &globals{data: data}
	c, err := g.openLog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := hashFile(artifact)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Notary.Attest(ctx, notary.Request{Subjects: []attest.Subject{{Name: filepath.Base(artifact), Digest: d}}, PredicateType: predicateType, Predicate: json.RawMessage(predicate)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, artifact+".receipt", b)
}

func mustHash(t *testing.T, path string) glassbox.Digest {
	t.Helper()
	d, err := hashFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// attestFixture is a data directory with keys, an artefact and its receipt.
type attestFixture struct {
	dir, data, artifact, receipt, pub, vkey string
}

func newAttestFixture(t *testing.T, origin, predicate string) *attestFixture {
	t.Helper()
	f := &attestFixture{dir: t.TempDir()}
	f.data = filepath.Join(f.dir, "data")
	mustRun(t, "--data", f.data, "keys", "generate", "--origin", origin)
	f.artifact = writeFile(t, filepath.Join(f.dir, "router.img"), []byte("\x7fELF router firmware 2.1.0"))
	f.receipt = centreAttest(t, f.data, f.artifact, glassbox.PredicateVSA, predicate)
	f.pub = filepath.Join(f.data, "keys", "attestation.pub")
	f.vkey = filepath.Join(f.data, "keys", "log.vkey")
	return f
}

func (f *attestFixture) verify(t *testing.T, extra ...string) (int, string, string) {
	t.Helper()
	return glassboxRun(t, append([]string{"verify", f.artifact, "--receipt", f.receipt, "--key", f.pub, "--log-key", f.vkey}, extra...)...)
}

// editReceipt rewrites a copy of the fixture's receipt.
func editReceipt(t *testing.T, f *attestFixture, edit func(r *tlog.Receipt)) string {
	t.Helper()
	r := readReceipt(t, f.receipt)
	edit(r)
	out, _ := r.Marshal()
	return writeFile(t, filepath.Join(t.TempDir(), "edited.receipt"), out)
}

func TestVerifyAcceptsAndRejects(t *testing.T) {
	f := newAttestFixture(t, "transparency.example.org/glassbox/log", vsaPassed)
	if got, err := os.ReadFile(f.receipt); err != nil || !strings.Contains(string(got), "c2sp.org/tlog-proof@v1") {
		t.Fatalf("receipt %s: %v", f.receipt, err)
	}
	policyFile := writeFile(t, filepath.Join(f.dir, "policy.yaml"), []byte(policyPassed))
	if code, out, errOut := f.verify(t, "--policy", policyFile); code != exitOK || !strings.Contains(out, "ALLOWED") {
		t.Fatalf("verify of a good receipt: exit %d\n%s%s", code, out, errOut)
	}
	var res struct{ Allowed bool }
	if code, out, _ := f.verify(t, "--json"); code != exitOK || json.Unmarshal([]byte(out), &res) != nil || !res.Allowed {
		t.Errorf("verify --json: exit %d: %s", code, out)
	}

	other := newAttestFixture(t, "other.example.org/log", vsaPassed)
	failedVSA := newAttestFixture(t, "transparency.example.org/glassbox/log", strings.Replace(vsaPassed, "PASSED", "FAILED", 1))

	denials := []struct {
		name string
		args func(t *testing.T) []string
		want string
	}{
		{"modified artefact", func(t *testing.T) []string {
			mod := writeFile(t, filepath.Join(t.TempDir(), "router.img"), []byte("\x7fELF router firmware 2.1.0 + backdoor"))
			return []string{"verify", mod, "--receipt", f.receipt, "--key", f.pub, "--log-key", f.vkey}
		}, "is not a subject"},
		{"modified envelope", func(t *testing.T) []string {
			r := editReceipt(t, f, func(r *tlog.Receipt) {
				var env map[string]any
				json.Unmarshal(r.Envelope, &env)
				payload, _ := base64.StdEncoding.DecodeString(env["payload"].(string))
				env["payload"] = base64.StdEncoding.EncodeToString([]byte(strings.Replace(string(payload), "PASSED", "FAILED", 1)))
				r.Envelope, _ = json.Marshal(env)
			})
			return []string{"verify", f.artifact, "--receipt", r, "--key", f.pub, "--log-key", f.vkey}
		}, "the envelope has been modified"},
		{"signature by another key", func(t *testing.T) []string {
			return []string{"verify", f.artifact, "--receipt", f.receipt, "--key", other.pub, "--log-key", f.vkey}
		}, "not signed by key"},
		{"proof for another index", func(t *testing.T) []string {
			r := editReceipt(t, f, func(r *tlog.Receipt) {
				r.TLogProof = strings.Replace(r.TLogProof, "\nindex 0\n", "\nindex 1\n", 1)
			})
			return []string{"verify", f.artifact, "--receipt", r, "--key", f.pub, "--log-key", f.vkey}
		}, "does not prove the leaf at index 1"},
		{"checkpoint by another log key", func(t *testing.T) []string {
			return []string{"verify", f.artifact, "--receipt", f.receipt, "--key", f.pub, "--log-key", other.vkey}
		}, "not signed by the log key"},
		{"policy not met", func(t *testing.T) []string {
			return []string{"verify", failedVSA.artifact, "--receipt", failedVSA.receipt, "--key", failedVSA.pub, "--log-key", failedVSA.vkey, "--policy", policyFile}
		}, `passed-cra`},
	}
	for _, d := range denials {
		t.Run(d.name, func(t *testing.T) {
			code, out, errOut := glassboxRun(t, d.args(t)...)
			if code != exitRefused || !strings.Contains(out, "DENIED") || !strings.Contains(out, d.want) {
				t.Errorf("exit %d (want %d), output does not say %q:\n%s%s", code, exitRefused, d.want, out, errOut)
			}
		})
	}

	malformed := []struct {
		name string
		args func(t *testing.T) []string
		want string
	}{
		{"receipt that is not JSON", func(t *testing.T) []string {
			r := writeFile(t, filepath.Join(t.TempDir(), "r"), []byte("not a receipt"))
			return []string{"verify", f.artifact, "--receipt", r, "--key", f.pub, "--log-key", f.vkey}
		}, "not valid receipt JSON"},
		{"receipt with a broken proof", func(t *testing.T) []string {
			r := editReceipt(t, f, func(r *tlog.Receipt) { r.TLogProof = "c2sp.org/tlog-proof@v1\nindex x\n" })
			return []string{"verify", f.artifact, "--receipt", r, "--key", f.pub, "--log-key", f.vkey}
		}, "tlog-proof"},
		{"policy with a CEL error", func(t *testing.T) []string {
			p := writeFile(t, filepath.Join(t.TempDir(), "p.yaml"), []byte("rules:\n  - name: broken\n    match: 'att.predicate.verificationResult =='\n"))
			return []string{"verify", f.artifact, "--receipt", f.receipt, "--key", f.pub, "--log-key", f.vkey, "--policy", p}
		}, "broken"},
		{"policy that is not YAML", func(t *testing.T) []string {
			p := writeFile(t, filepath.Join(t.TempDir(), "p.yaml"), []byte("rules: [\n"))
			return []string{"verify", f.artifact, "--receipt", f.receipt, "--key", f.pub, "--log-key", f.vkey, "--policy", p}
		}, "p.yaml"},
		{"key that is not a public key", func(t *testing.T) []string {
			return []string{"verify", f.artifact, "--receipt", f.receipt, "--key", f.receipt, "--log-key", f.vkey}
		}, "PEM"},
	}
	for _, m := range malformed {
		t.Run(m.name, func(t *testing.T) {
			code, out, errOut := glassboxRun(t, m.args(t)...)
			if code != exitError || !strings.Contains(errOut, m.want) {
				t.Errorf("exit %d (want %d), stderr does not say %q:\nstdout: %s\nstderr: %s", code, exitError, m.want, out, errOut)
			}
		})
	}
}

// TestVerifyDetectsSplitView makes two logs with the same origin and key
// that disagree about their first entry, and shows a verifier that has seen
// one of them the other.
func TestVerifyDetectsSplitView(t *testing.T) {
	a := newAttestFixture(t, "transparency.example.org/glassbox/log", vsaPassed)
	// A fork: the same keys, another history.
	fork := t.TempDir()
	forkData := filepath.Join(fork, "data")
	os.MkdirAll(filepath.Join(forkData, "keys"), 0o700)
	for _, k := range []string{"attestation.key", "attestation.pub", "log.key", "log.vkey"} {
		b, _ := os.ReadFile(filepath.Join(a.data, "keys", k))
		writeFile(t, filepath.Join(forkData, "keys", k), b)
	}
	art := writeFile(t, filepath.Join(fork, "router.img"), []byte("\x7fELF router firmware 2.1.0"))
	forkReceipt := centreAttest(t, forkData, art, glassbox.PredicateVSA, strings.Replace(vsaPassed, "2026-11-20", "2026-11-21", 1))

	state := filepath.Join(t.TempDir(), "state")
	if code, out, errOut := a.verify(t, "--state", state); code != exitOK {
		t.Fatalf("first verify: exit %d: %s%s", code, out, errOut)
	}
	code, out, errOut := glassboxRun(t, "verify", art, "--receipt", forkReceipt, "--key", a.pub, "--log-key", a.vkey, "--state", state)
	if code != exitRefused || !strings.Contains(out, "split view") {
		t.Fatalf("a forked log's receipt: exit %d (want %d), no split view reported:\n%s%s", code, exitRefused, out, errOut)
	}
}

// TestVerifyFromServedLog serves a log and verifies with --log instead of
// a receipt, and with --state across the log's growth.
func TestVerifyFromServedLog(t *testing.T) {
	f := newAttestFixture(t, "transparency.example.org/glassbox/log", vsaPassed)
	g := &globals{data: f.data}
	ctx := context.Background()
	c, err := g.openLog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv := httptest.NewServer(server.New(c.Notary, c.Log, "tok").Handler())
	defer srv.Close()

	state := filepath.Join(t.TempDir(), "state")
	args := []string{"verify", f.artifact, "--log", srv.URL, "--key", f.pub, "--log-key", f.vkey, "--state", state}
	if code, out, errOut := glassboxRun(t, args...); code != exitOK || !strings.Contains(out, "#0") {
		t.Fatalf("verify --log: exit %d\n%s%s", code, out, errOut)
	}
	// The log grows with a newer verdict of the centre's and a client's
	// statement through the write endpoint; the state demands and gets a
	// consistency proof. A client cannot post a verdict.
	if _, err := c.Notary.Attest(ctx, notary.Request{Subjects: []attest.Subject{{Name: "router.img", Digest: mustHash(t, f.artifact)}},
		PredicateType: glassbox.PredicateVSA, Predicate: json.RawMessage(strings.Replace(vsaPassed, "2026-11-20", "2026-11-22", 1))}); err != nil {
		t.Fatal(err)
	}
	pred := writeFile(t, filepath.Join(f.dir, "vsa2.json"), []byte(strings.Replace(vsaPassed, "2026-11-20", "2026-11-22", 1)))
	second := filepath.Join(f.dir, "second.receipt")
	if code, out, errOut := glassboxRun(t, "attest", f.artifact, "--predicate-type", "https://slsa.dev/verification_summary/v1", "--predicate", pred,
		"--server", srv.URL, "--token", "tok", "--receipt", second); code != exitRefused || !strings.Contains(errOut, "own evaluation") {
		t.Fatalf("attest --server of a verdict: exit %d (want %d, refused): %s%s", code, exitRefused, out, errOut)
	}
	claim := writeFile(t, filepath.Join(f.dir, "claim.json"), []byte(`{"tested":true}`))
	if code, out, errOut := glassboxRun(t, "attest", f.artifact, "--predicate-type", "https://example.org/claims/v1", "--predicate", claim,
		"--server", srv.URL, "--token", "tok", "--receipt", second); code != exitOK {
		t.Fatalf("attest --server: exit %d: %s%s", code, out, errOut)
	}
	if code, out, errOut := glassboxRun(t, "attest", f.artifact, "--predicate-type", "https://example.org/claims/v1", "--predicate", claim,
		"--server", srv.URL, "--token", "wrong", "--receipt", second); code != exitRefused || !strings.Contains(errOut, "token") {
		t.Errorf("attest with a wrong token: exit %d: %s%s", code, out, errOut)
	}
	// The client's statement is not the centre's: verify with the centre's
	// key denies its receipt.
	if code, out, _ := glassboxRun(t, "verify", f.artifact, "--receipt", second, "--key", f.pub, "--log-key", f.vkey); code != exitRefused || !strings.Contains(out, "not signed by key") {
		t.Errorf("verify of a client's receipt: exit %d\n%s", code, out)
	}
	if code, out, errOut := glassboxRun(t, args...); code != exitOK || !strings.Contains(out, "#1") {
		t.Fatalf("verify --log after growth: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := glassboxRun(t, "verify", f.artifact, "--receipt", f.receipt, "--log", srv.URL, "--key", f.pub, "--log-key", f.vkey, "--state", state); code != exitOK {
		t.Fatalf("verify of an older receipt against the remembered state: exit %d\n%s%s", code, out, errOut)
	}
	// Offline, an older receipt cannot be proved consistent with the state.
	if code, out, _ := glassboxRun(t, "verify", f.artifact, "--receipt", f.receipt, "--key", f.pub, "--log-key", f.vkey, "--state", state); code != exitRefused || !strings.Contains(out, "--log") {
		t.Errorf("offline verify of an older receipt with a newer state: exit %d\n%s", code, out)
	}
}

// TestVerifyDefaultDemandsAPassedVerdict: without --policy, verify allows
// only on a centre-signed VSA whose result is PASSED, and always says what
// the verdict is, which standards it names and when it was made.
func TestVerifyDefaultDemandsAPassedVerdict(t *testing.T) {
	failed := newAttestFixture(t, "transparency.example.org/glassbox/log", strings.Replace(strings.Replace(vsaPassed, "PASSED", "FAILED", 1), `SLSA_BUILD_LEVEL_3`, `FAILED`, 1))
	code, out, errOut := failed.verify(t)
	if code != exitRefused || !strings.Contains(out, "DENIED") || !strings.Contains(out, "is FAILED") {
		t.Fatalf("default verify of a FAILED verdict: exit %d (want %d)\n%s%s", code, exitRefused, out, errOut)
	}
	for _, want := range []string{"verdict", "FAILED", "standards", "2026-11-20T10:00:00Z", "cra-annex-i@1.0.0"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output does not say %q:\n%s", want, out)
		}
	}

	passed := newAttestFixture(t, "transparency.example.org/glassbox/log", vsaPassed)
	code, out, errOut = passed.verify(t)
	if code != exitOK || !strings.Contains(out, "ALLOWED") {
		t.Fatalf("default verify of a PASSED verdict: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"PASSED", "SLSA_BUILD_LEVEL_3", "2026-11-20T10:00:00Z"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output does not say %q:\n%s", want, out)
		}
	}

	// A statement of another kind, signed by the centre, is not a verdict.
	prov := newAttestFixture(t, "transparency.example.org/glassbox/log", vsaPassed)
	other := centreAttest(t, prov.data, writeFile(t, filepath.Join(prov.dir, "other.img"), []byte("other")), "https://glassbox.dev/predicates/evidence/v1", `{"kind":"sbom"}`)
	code, out, _ = glassboxRun(t, "verify", filepath.Join(prov.dir, "other.img"), "--receipt", other, "--key", prov.pub, "--log-key", prov.vkey)
	if code != exitRefused || !strings.Contains(out, "no verdict") {
		t.Errorf("default verify of an artefact with evidence but no verdict: exit %d\n%s", code, out)
	}

	// A policy's max_age bounds an offline verdict's age.
	old := writeFile(t, filepath.Join(passed.dir, "fresh.yaml"), []byte("max_age: 24h\n"))
	if code, out, _ := passed.verify(t, "--policy", old); code != exitRefused || !strings.Contains(out, "max_age") {
		t.Errorf("verify of a verdict older than max_age: exit %d\n%s", code, out)
	}
}

// TestWithdrawDeniesOnline: after 'glassbox withdraw', verifying the
// release's artefact against the served log is denied with the reason.
func TestWithdrawDeniesOnline(t *testing.T) {
	f := newAttestFixture(t, "transparency.example.org/glassbox/log", vsaPassed)
	src := writeFile(t, filepath.Join(f.dir, "src", "main.c"), []byte("int main(void) { return 0; }\n"))
	id := strings.TrimSpace(mustRun(t, "--data", f.data, "submit", "--product", "router", "--version", "2.1.0", "--source", filepath.Dir(src), "--artifact", f.artifact))
	if code, _, errOut := glassboxRun(t, "--data", f.data, "withdraw", id); code != exitError || !strings.Contains(errOut, "--reason") {
		t.Errorf("withdraw without a reason: exit %d: %s", code, errOut)
	}
	out := mustRun(t, "--data", f.data, "withdraw", id, "--reason", "shipped a debug backdoor")
	if !strings.Contains(out, "1 verdicts revoked") {
		t.Errorf("withdraw output: %s", out)
	}
	ctx := context.Background()
	c, err := (&globals{data: f.data}).openLog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv := httptest.NewServer(server.New(c.Notary, c.Log, "").Handler())
	defer srv.Close()
	code, vout, errOut := glassboxRun(t, "verify", f.artifact, "--log", srv.URL, "--key", f.pub, "--log-key", f.vkey)
	if code != exitRefused || !strings.Contains(vout, "release withdrawn: shipped a debug backdoor") {
		t.Errorf("verify --log of a withdrawn release: exit %d\n%s%s", code, vout, errOut)
	}
}

// TestKeysShowPrintsTheEnvelopeKeyID: 'keys show' prints the keyid the
// centre's envelopes carry, the one DSSE tools derive from the key.
func TestKeysShowPrintsTheEnvelopeKeyID(t *testing.T) {
	f := newAttestFixture(t, "transparency.example.org/glassbox/log", vsaPassed)
	r := readReceipt(t, f.receipt)
	var env struct{ Signatures []struct{ KeyID string } }
	if err := json.Unmarshal(r.Envelope, &env); err != nil || len(env.Signatures) != 1 {
		t.Fatalf("envelope: %v", err)
	}
	var ks struct {
		DSSEKeyID string `json:"dsse_key_id"`
		KeyID     string `json:"key_id"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "--data", f.data, "keys", "show", "--json")), &ks); err != nil {
		t.Fatal(err)
	}
	if ks.DSSEKeyID == "" || ks.DSSEKeyID != env.Signatures[0].KeyID {
		t.Errorf("keys show says DSSE keyid %q; the envelope carries %q", ks.DSSEKeyID, env.Signatures[0].KeyID)
	}
	if out := mustRun(t, "--data", f.data, "keys", "show"); !strings.Contains(out, ks.DSSEKeyID) || !strings.Contains(out, ks.KeyID) {
		t.Errorf("keys show does not print both ids:\n%s", out)
	}
}

func readReceipt(t *testing.T, path string) *tlog.Receipt {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := tlog.ParseReceipt(b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAttestWritesIntotoJSONL: beside the receipt, attest writes the
// envelope alone as ARTIFACT.intoto.jsonl, one envelope per line.
func TestAttestWritesIntotoJSONL(t *testing.T) {
	f := newAttestFixture(t, "transparency.example.org/glassbox/log", vsaPassed)
	claim := writeFile(t, filepath.Join(f.dir, "claim.json"), []byte(`{"tested":true}`))
	receipt := strings.TrimSpace(mustRun(t, "--data", f.data, "attest", f.artifact, "--predicate-type", "https://example.org/claims/v1", "--predicate", claim))
	jsonl, err := os.ReadFile(f.artifact + ".intoto.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if want := string(readReceipt(t, receipt).Envelope) + "\n"; string(jsonl) != want {
		t.Errorf("%s.intoto.jsonl holds %q, want the envelope on one line %q", f.artifact, jsonl, want)
	}
}

// TestCosignAcceptsTheVSA runs cosign verify-blob-attestation on the
// envelope written beside the receipt (.intoto.jsonl), with the centre's
// public key as glassbox writes it: a standard tool checks the signature
// and the subject with no glassbox-specific format in between. It is
// skipped only when cosign is not installed (.ci/run installs it).
func TestCosignAcceptsTheVSA(t *testing.T) {
	bin, err := exec.LookPath("cosign")
	if err != nil {
		t.Skip("cosign is not installed")
	}
	f := newAttestFixture(t, "transparency.example.org/glassbox/log", vsaPassed)
	jsonl, err := attest.JSONL(readReceipt(t, f.receipt).Envelope)
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, filepath.Join(f.dir, "router.img.intoto.jsonl"), jsonl)
	verify := func(artifact string) ([]byte, error) {
		cmd := exec.Command(bin, "verify-blob-attestation", "--key", f.pub, "--signature", path,
			"--type", "https://slsa.dev/verification_summary/v1", "--insecure-ignore-tlog=true", artifact)
		cmd.Env = append(os.Environ(), "COSIGN_EXPERIMENTAL=0", "TUF_ROOT="+t.TempDir())
		return cmd.CombinedOutput()
	}
	if out, err := verify(f.artifact); err != nil {
		t.Fatalf("cosign verify-blob-attestation: %v\n%s", err, out)
	}
	// The same envelope does not vouch for another blob.
	other := writeFile(t, filepath.Join(f.dir, "other.img"), []byte("another image"))
	if out, err := verify(other); err == nil {
		t.Fatalf("cosign accepted the VSA for a blob it does not name:\n%s", out)
	}
}

// TestSLSAVerifierAcceptsTheVSA runs slsa-verifier verify-vsa on the
// centre's VSA envelope with only the public key (no --public-key-id). It
// is skipped only when slsa-verifier is not installed.
func TestSLSAVerifierAcceptsTheVSA(t *testing.T) {
	bin, err := exec.LookPath("slsa-verifier")
	if err != nil {
		t.Skip("slsa-verifier is not installed")
	}
	f := newAttestFixture(t, "transparency.example.org/glassbox/log", vsaPassed)
	jsonl, err := attest.JSONL(readReceipt(t, f.receipt).Envelope)
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, filepath.Join(f.dir, "router.img.intoto.jsonl"), jsonl)
	d := mustHash(t, f.artifact)
	out, err := exec.Command(bin, "verify-vsa", "--attestation-path", path, "--subject-digest", string(d),
		"--verifier-id", "https://glassbox.example/centre", "--resource-uri", "https://glassbox.example/releases/router@2.1.0",
		"--verified-level", "SLSA_BUILD_LEVEL_3", "--public-key-path", f.pub).CombinedOutput()
	if err != nil {
		t.Fatalf("slsa-verifier verify-vsa: %v\n%s", err, out)
	}
}
