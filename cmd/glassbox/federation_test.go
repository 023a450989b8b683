package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/notary"
	"glassbox.dev/tlog"
	"glassbox.dev/verify/policy"
)

// TestTwoServedCentresWitnessEachOther: two centres, each 'glassbox serve
// --witness' in its own process, witness each other's logs: each adds the
// other's log (witness add-log), names the other's witness in its
// witnesses.policy, and from then on every receipt either hands out
// carries the other centre's cosignature. They are first started
// unwitnessed, so that each log exists before the other's witness is
// asked about it; then each is restarted with its policy, Bonn first,
// while Brussels still answers as a witness.
func TestTwoServedCentresWitnessEachOther(t *testing.T) {
	bin := buildGlassbox(t)
	type centre struct {
		name, data, addr, token string
		cmd                     *exec.Cmd
	}
	free := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}
	cs := []*centre{{name: "brussels"}, {name: "bonn"}}
	for _, c := range cs {
		c.data = filepath.Join(t.TempDir(), c.name)
		c.addr, c.token = free(), "token-of-"+c.name
		mustRun(t, "--data", c.data, "keys", "generate", "--origin", c.name+".test/log")
	}
	start := func(c *centre) {
		t.Helper()
		c.cmd, _ = startServeArgs(t, bin, []string{"--data", c.data}, "--witness", "--token", c.token, "--listen", c.addr)
		t.Cleanup(func() { c.cmd.Process.Kill(); c.cmd.Wait() })
	}
	stop := func(c *centre) {
		c.cmd.Process.Signal(syscall.SIGTERM)
		c.cmd.Wait()
	}
	// startServeArgs listens on 127.0.0.1:0 unless told otherwise: the
	// last --listen wins.
	for _, c := range cs {
		start(c)
	}
	vkeys := map[string]string{}
	for _, c := range cs {
		b, err := os.ReadFile(filepath.Join(c.data, "keys", "log.vkey"))
		if err != nil {
			t.Fatal(err)
		}
		vkeys[c.name] = strings.TrimSpace(string(b))
	}
	witnessKeys := map[string]string{}
	for _, c := range cs {
		witnessKeys[c.name] = strings.TrimSpace(mustRun(t, "--data", c.data, "witness", "key"))
	}
	other := map[*centre]*centre{cs[0]: cs[1], cs[1]: cs[0]}
	for _, c := range cs {
		o := other[c]
		mustRun(t, "--data", c.data, "witness", "add-log", "--key", vkeys[o.name])
		writeFile(t, filepath.Join(c.data, "witnesses.policy"), []byte(fmt.Sprintf("witness %s %s http://%s\nquorum %s\n", o.name, witnessKeys[o.name], o.addr, o.name)))
	}
	if out := mustRun(t, "--data", cs[0].data, "witness", "list"); !strings.Contains(out, "bonn.test/log") {
		t.Errorf("Brussels does not list Bonn's log:\n%s", out)
	}
	// Bonn restarts first, witnessed by the still-running Brussels.
	stop(cs[1])
	start(cs[1])
	stop(cs[0])
	start(cs[0])

	for _, c := range cs {
		o := other[c]
		receipt, err := postAttestation(context.Background(), "http://"+c.addr, c.token, 1)
		if err != nil {
			t.Fatalf("%s hands out a receipt: %v", c.name, err)
		}
		_, p, err := tlog.ParseReceipt(receipt)
		if err != nil {
			t.Fatal(err)
		}
		pol, err := policy.Parse("w", []byte("witnesses:\n  threshold: 1\n  keys: ["+witnessKeys[o.name]+"]\n"))
		if err != nil {
			t.Fatal(err)
		}
		if by, ok := pol.Witnesses.Cosigned(p.Checkpoint); !ok {
			t.Errorf("%s's receipt is not cosigned by %s (cosigned by %v):\n%s", c.name, o.name, by, p.Checkpoint)
		}
	}
}

// TestVerifyAgainstTwoCentres: a third party verifies a binary under a
// policy asking the PASSED verdicts of two named centres (2 of 2), each
// with its own keys, from one receipt of each: allowed with both, denied
// with one, and the printout names which centre allowed.
func TestVerifyAgainstTwoCentres(t *testing.T) {
	bin := writeFile(t, filepath.Join(t.TempDir(), "fw.bin"), []byte("the firmware both centres judged"))
	art := glassbox.DigestOf([]byte("the firmware both centres judged"))
	var receipts []string
	var yaml strings.Builder
	yaml.WriteString("centres:\n  threshold: 2\n  of:\n")
	for _, name := range []string{"brussels", "bonn"} {
		c := centretest.New(t, name+".test/log")
		r, err := c.Notary.Attest(context.Background(), notary.Request{Subjects: []attest.Subject{{Name: "fw.bin", Digest: art}}, PredicateType: glassbox.PredicateVSA,
			Predicate: json.RawMessage(`{"verifier":{"id":"https://` + name + `.example/centre"},"timeVerified":"` + time.Now().UTC().Format(time.RFC3339) + `","resourceUri":"glassbox:release/x/fw.bin","policy":{"uri":"https://glassbox.dev/policy/cra-annex-i@1.0.0"},"verificationResult":"PASSED","verifiedLevels":["cra-annex-i@1.0.0"],"slsaVersion":"1.0"}`)})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := r.Marshal()
		receipts = append(receipts, writeFile(t, filepath.Join(t.TempDir(), name+".receipt"), b))
		fmt.Fprintf(&yaml, "    - name: %s\n      key: %s\n      log_key: %s\n", name, c.Keys.PublicKeyPath, c.Keys.LogVerifierKeyPath)
	}
	policy := writeFile(t, filepath.Join(t.TempDir(), "federation.yaml"), []byte(yaml.String()))
	code, stdout, stderr := glassboxRun(t, "verify", bin, "--receipt", receipts[0], "--receipt", receipts[1], "--policy", policy)
	if code != exitOK || !strings.Contains(stdout, "brussels     allows") || !strings.Contains(stdout, "bonn         allows") {
		t.Errorf("verify with both centres' receipts under 2 of 2: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = glassboxRun(t, "verify", bin, "--receipt", receipts[0], "--policy", policy)
	if code != exitRefused || !strings.Contains(stdout, "1 of the 2 centres") {
		t.Errorf("verify with Brussels's receipt alone under 2 of 2: exit %d\n%s", code, stdout)
	}
}
