package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/vuln"
)

// TestANewAdvisoryChangesAVerdict: the example release passes; then a new
// advisory for a part of the standard library it calls is imported, and
// the import re-checks every evaluated release: the example is evaluated
// again and FAILED, and the PASSED verdict is revoked. Its old receipt
// still says PASSED offline (a verdict at one moment), but online
// verification against the served log now denies the binary, and a monitor
// watching it reports the new verdict and the revocation.
func TestANewAdvisoryChangesAVerdict(t *testing.T) {
	needSandbox(t)
	data := filepath.Join(t.TempDir(), "data")
	mustRun(t, "--data", data, "keys", "generate", "--origin", "glassbox.test/recheck/log")
	base := recentVulnDB(t)
	mustRun(t, "--data", data, "vulndb", "import", base)
	src, bin, sbom := helloRelease(t, nil)
	_, out := passHello(t, data, src, bin, sbom)
	keys := []string{"--key", filepath.Join(data, "keys", "attestation.pub"), "--log-key", filepath.Join(data, "keys", "log.vkey")}

	// A new advisory: net/http's HandleFunc, which hello calls, with no fix.
	modified := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	zip, err := vuln.ZipDir(map[string][]byte{
		"GO-2099-0003.json": []byte(`{"schema_version":"1.3.1","id":"GO-2099-0003","modified":"` + modified + `","summary":"a new bug in net/http's handlers","affected":[{"package":{"ecosystem":"Go","name":"stdlib"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}],"ecosystem_specific":{"imports":[{"path":"net/http","symbols":["HandleFunc","ListenAndServe"]}]}}]}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	newer := writeFile(t, filepath.Join(t.TempDir(), "all.zip"), zip)
	stdout := mustRun(t, "--data", data, "vulndb", "import", base, newer)
	if !strings.Contains(stdout, "re-evaluated hello@1.0.0, newly affected by GO-2099-0003: FAILED, was PASSED") {
		t.Fatalf("the import did not re-evaluate the example:\n%s", stdout)
	}
	// Importing the same data again changes nothing.
	if stdout := mustRun(t, "--data", data, "vulndb", "import", base, newer); strings.Contains(stdout, "re-evaluated") {
		t.Errorf("a second import of the same data re-evaluated again:\n%s", stdout)
	}

	receipt := filepath.Join(out, "hello.vsa.receipt.json")
	if code, _, _ := glassboxRun(t, append([]string{"verify", bin, "--receipt", receipt}, keys...)...); code != exitOK {
		t.Errorf("the old receipt, offline: exit %d; it is the PASSED verdict of its moment", code)
	}
	srv, url := startServeArgs(t, buildGlassbox(t), []string{"--data", data})
	defer func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() }()
	code, stdout, _ := glassboxRun(t, append([]string{"verify", bin, "--log", url}, keys...)...)
	if code != exitRefused || !strings.Contains(stdout, "FAILED") {
		t.Errorf("online verification after the advisory: exit %d\n%s", code, stdout)
	}
	art, err := hashFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = glassboxRun(t, "monitor", url, "--log-key", keys[3], "--key", keys[1], "--watch", string(art), "--state", t.TempDir())
	if verdicts := vsaEntries(stdout); code != exitOK || verdicts < 2 {
		t.Errorf("the monitor watching the binary: exit %d, %d verdicts\n%s", code, verdicts, stdout)
	}
	if !strings.Contains(stdout, `"predicate_type":"`+attest.PredicateRevocation+`"`) {
		t.Errorf("the monitor does not report the revocation of the superseded PASSED verdict:\n%s", stdout)
	}
	// The vendor watches its product by name: the centre's API says which
	// releases and artefacts that is.
	code, stdout, stderr := glassboxRun(t, "--server", url, "--token-file", filepath.Join(data, "bootstrap-admin.token"),
		"monitor", url, "--log-key", keys[3], "--key", keys[1], "--watch-product", "hello", "--state", t.TempDir())
	if verdicts := vsaEntries(stdout); code != exitOK || verdicts < 2 {
		t.Errorf("the monitor watching the product hello: exit %d, %d verdicts\n%s%s", code, verdicts, stdout, stderr)
	}

	// Another advisory, imported with --queue while the centre serves:
	// its worker runs the queued re-evaluation, whose verdict the monitor
	// then reports.
	zip, err = vuln.ZipDir(map[string][]byte{
		"GO-2099-0004.json": []byte(`{"schema_version":"1.3.1","id":"GO-2099-0004","modified":"` + modified + `","summary":"a new bug in fmt","affected":[{"package":{"ecosystem":"Go","name":"stdlib"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}],"ecosystem_specific":{"imports":[{"path":"fmt","symbols":["Sprintf","Println"]}]}}]}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	third := writeFile(t, filepath.Join(t.TempDir(), "all.zip"), zip)
	if stdout := mustRun(t, "--data", data, "vulndb", "import", "--queue", base, newer, third); !strings.Contains(stdout, "queued the re-evaluation of hello@1.0.0, newly affected by GO-2099-0004") {
		t.Fatalf("the import with --queue:\n%s", stdout)
	}
	state := t.TempDir()
	seen := 0
	for deadline := time.Now().Add(3 * time.Minute); seen < 3 && time.Now().Before(deadline); time.Sleep(time.Second) {
		_, stdout, _ = glassboxRun(t, "monitor", url, "--log-key", keys[3], "--key", keys[1], "--watch", string(art), "--state", state)
		seen += vsaEntries(stdout)
	}
	if seen < 3 {
		t.Errorf("the monitor saw %d verdicts about the binary; want the third, from the queued re-evaluation", seen)
	}
}

// vsaEntries counts the verdicts (VSA entries) a monitor's output reports.
func vsaEntries(stdout string) int {
	n := 0
	for _, line := range strings.Split(stdout, "\n") {
		var e struct {
			Type          string `json:"type"`
			PredicateType string `json:"predicate_type"`
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.Type == "entry" && e.PredicateType == glassbox.PredicateVSA {
			n++
		}
	}
	return n
}
