package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev/internal/witnesstest"
)

// TestAWitnessedCentre: an operator puts a witness policy (two of three
// real witnesses) in the data directory; the centre's evaluation then
// publishes only cosigned checkpoints, and the binary verifies offline
// under a policy that asks for the witnesses' cosignatures too, and not
// under one naming witnesses that never saw the log. A policy that does
// not parse stops the centre before it logs anything.
func TestAWitnessedCentre(t *testing.T) {
	needSandbox(t)
	data := filepath.Join(t.TempDir(), "data")
	mustRun(t, "--data", data, "keys", "generate", "--origin", "glassbox.test/witnessed/log")
	vkey, err := os.ReadFile(filepath.Join(data, "keys", "log.vkey"))
	if err != nil {
		t.Fatal(err)
	}
	ws := witnesstest.Start(t, 3, "glassbox.test/witnessed/log", strings.TrimSpace(string(vkey)))
	mustRun(t, "--data", data, "vulndb", "import", recentVulnDB(t))
	src, bin, sbom := helloRelease(t, nil)
	writeFile(t, filepath.Join(data, "witnesses.policy"), []byte("witness w1 not-a-key http://127.0.0.1:1\nquorum w1\n"))
	if code, _, stderr := glassboxRun(t, "--data", data, "evaluate", "hello@1.0.0"); code == exitOK || !strings.Contains(stderr, "witnesses.policy") {
		t.Errorf("a centre with a broken witness policy: exit %d, %q", code, stderr)
	}
	writeFile(t, filepath.Join(data, "witnesses.policy"), witnesstest.Policy(ws, 2))

	_, out := passHello(t, data, src, bin, sbom)
	base, err := os.ReadFile("../../examples/hello/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	policy := func(threshold int, ws []*witnesstest.Witness) string {
		var b strings.Builder
		b.Write(base)
		fmt.Fprintf(&b, "witnesses:\n  threshold: %d\n  keys:\n", threshold)
		for _, w := range ws {
			fmt.Fprintf(&b, "    - %s\n", w.VKey)
		}
		return writeFile(t, filepath.Join(t.TempDir(), "policy.yaml"), []byte(b.String()))
	}
	verify := func(policy string) (int, string) {
		code, stdout, stderr := glassboxRun(t, "verify", bin, "--receipt", filepath.Join(out, "hello.vsa.receipt.json"),
			"--key", filepath.Join(data, "keys", "attestation.pub"), "--log-key", filepath.Join(data, "keys", "log.vkey"), "--policy", policy)
		return code, stdout + stderr
	}
	if code, out := verify(policy(2, ws)); code != exitOK {
		t.Errorf("verify, asking two of the three witnesses: exit %d\n%s", code, out)
	}
	if code, out := verify(policy(1, witnesstest.StartEmpty(t, 2))); code != exitRefused || !strings.Contains(out, "cosignatures") {
		t.Errorf("verify, asking witnesses that never saw the log: exit %d\n%s", code, out)
	}
}
