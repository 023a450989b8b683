package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttestFailsBeforeAppending: an attest that cannot write its receipt
// fails before it logs anything, so no leaf is left without a receipt.
func TestAttestFailsBeforeAppending(t *testing.T) {
	f := newAttestFixture(t, "transparency.example.org/glassbox/log", vsaPassed) // one entry
	claim := writeFile(t, filepath.Join(f.dir, "claim.json"), []byte(`{"tested":true}`))
	before := listing(t, filepath.Join(f.data, "log"))
	code, _, errOut := glassboxRun(t, "--data", f.data, "attest", f.artifact, "--predicate-type", "https://example.org/claims/v1", "--predicate", claim,
		"--receipt", filepath.Join(f.dir, "no-such-dir", "x.receipt"))
	if code == exitOK || !strings.Contains(errOut, "nothing was logged") {
		t.Fatalf("attest to an unwritable receipt: exit %d: %s", code, errOut)
	}
	if after := listing(t, filepath.Join(f.data, "log")); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Errorf("the log changed although attest failed:\nbefore %v\nafter  %v", before, after)
	}
}

// TestAttestRefusesATokenInClearText: --server over plain http is refused
// unless the centre is on this machine; nothing is sent.
func TestAttestRefusesATokenInClearText(t *testing.T) {
	f := newAttestFixture(t, "transparency.example.org/glassbox/log", vsaPassed)
	claim := writeFile(t, filepath.Join(f.dir, "claim.json"), []byte(`{"tested":true}`))
	for _, u := range []string{"http://centre.example.org", "http://192.0.2.1:8080", "ftp://centre.example.org"} {
		code, _, errOut := glassboxRun(t, "attest", f.artifact, "--predicate-type", "https://example.org/claims/v1", "--predicate", claim, "--server", u, "--token", "secret-token")
		if code != exitError || strings.Contains(errOut, "secret-token") || !(strings.Contains(errOut, "clear text") || strings.Contains(errOut, "not an http(s) URL")) {
			t.Errorf("--server %s: exit %d: %s", u, code, errOut)
		}
	}
}

// refusedUnbounded reports whether an error refuses an endless input: as
// not a regular file, or as larger than the most glassbox reads.
func refusedUnbounded(errOut string) bool {
	return strings.Contains(errOut, "not a regular file") || strings.Contains(errOut, "larger than")
}

// TestBoundedReads: verify --receipt and attest --predicate refuse what is
// not a regular file (a device would be read for ever) or is too large.
func TestBoundedReads(t *testing.T) {
	f := newAttestFixture(t, "transparency.example.org/glassbox/log", vsaPassed)
	if code, _, errOut := glassboxRun(t, "verify", f.artifact, "--receipt", "/dev/zero", "--key", f.pub, "--log-key", f.vkey); code != exitError || !refusedUnbounded(errOut) {
		t.Errorf("verify --receipt /dev/zero: exit %d: %s", code, errOut)
	}
	big := filepath.Join(f.dir, "big.receipt")
	if err := os.WriteFile(big, make([]byte, 9<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := glassboxRun(t, "verify", f.artifact, "--receipt", big, "--key", f.pub, "--log-key", f.vkey); code != exitError || !strings.Contains(errOut, "larger than") {
		t.Errorf("verify of a 9 MiB receipt: exit %d: %s", code, errOut)
	}
	if code, _, errOut := glassboxRun(t, "--data", f.data, "attest", f.artifact, "--predicate-type", "https://example.org/claims/v1", "--predicate", "/dev/zero"); code == exitOK || !refusedUnbounded(errOut) {
		t.Errorf("attest --predicate /dev/zero: exit %d: %s", code, errOut)
	}
}
