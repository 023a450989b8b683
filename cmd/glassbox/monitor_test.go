package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/notary"
	"glassbox.dev/server"
	"glassbox.dev/tlog"
)

// TestMonitorCommand: glassbox monitor follows a served centre with its
// public keys, prints the watched artefact's verdict as a JSON line (its
// envelope checked) and POSTs it to the webhook, exits 0; pointed at a
// fork of the log (its key, another history) it prints the inconsistency
// and exits 1; without the log's key it is a usage error.
func TestMonitorCommand(t *testing.T) {
	c := centretest.New(t, "monitor.cli/log")
	srv := httptest.NewServer(server.New(c.Notary, c.Log, "").Handler())
	t.Cleanup(srv.Close)
	art := glassbox.DigestOf([]byte("deployed firmware"))
	if _, err := c.Notary.Attest(context.Background(), notary.Request{Subjects: []attest.Subject{{Name: "fw.bin", Digest: art}}, PredicateType: glassbox.PredicateVSA,
		Predicate: json.RawMessage(`{"verifier":{"id":"https://glassbox.example/centre"},"timeVerified":"2026-11-20T10:00:00Z","resourceUri":"glassbox:release/x/fw.bin","policy":{"uri":"https://glassbox.dev/policy/cra-annex-i@1.0.0"},"verificationResult":"PASSED","verifiedLevels":["cra-annex-i@1.0.0"],"slsaVersion":"1.0"}`)}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var hooked []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		hooked = append(hooked, string(b))
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)
	state := t.TempDir()
	args := []string{"monitor", "--log-key", c.Keys.LogVerifierKeyPath, "--key", c.Keys.PublicKeyPath, "--watch", string(art), "--state", state, "--webhook", hook.URL}
	code, stdout, stderr := glassboxRun(t, append(args, srv.URL)...)
	if code != exitOK {
		t.Fatalf("monitor of a faithful centre: exit %d\n%s%s", code, stdout, stderr)
	}
	var entry struct {
		Type     string
		Subjects []glassbox.Digest
		Signed   *bool
	}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var e struct {
			Type     string            `json:"type"`
			Subjects []glassbox.Digest `json:"subjects"`
			Signed   *bool             `json:"signed"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("a line of monitor's output is not JSON: %q", line)
		}
		if e.Type == "entry" {
			entry.Type, entry.Subjects, entry.Signed = e.Type, e.Subjects, e.Signed
		}
	}
	if entry.Type != "entry" || entry.Subjects[0] != art || entry.Signed == nil || !*entry.Signed {
		t.Errorf("monitor did not report the watched verdict, signed:\n%s", stdout)
	}
	mu.Lock()
	if len(hooked) < 2 || !strings.Contains(strings.Join(hooked, "\n"), string(art)) {
		t.Errorf("the webhook received %q", hooked)
	}
	mu.Unlock()

	ls, err := attest.LoadLogSigner(c.Keys.LogSignerKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	fork, err := tlog.Open(context.Background(), filepath.Join(t.TempDir(), "fork"), ls, c.Verifier, tlog.Options{CheckpointInterval: 100e6, BatchMaxAge: 10e6})
	if err != nil {
		t.Fatal(err)
	}
	defer fork.Close(context.Background())
	var forked []byte
	for i := range 4 {
		inc, err := fork.Append(context.Background(), []byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		forked = inc.Checkpoint
	}
	fs := httptest.NewServer(fork.Handler())
	t.Cleanup(fs.Close)
	code, stdout, _ = glassboxRun(t, append(args, fs.URL)...)
	if code != exitRefused || !strings.Contains(stdout, `"type":"inconsistency"`) {
		t.Errorf("monitor of a fork: exit %d\n%s", code, stdout)
	}
	// The fork's checkpoint, seen elsewhere, against the faithful log.
	seen := writeFile(t, filepath.Join(t.TempDir(), "checkpoint"), forked)
	code, stdout, _ = glassboxRun(t, append(args, "--seen", seen, srv.URL)...)
	if code != exitRefused || !strings.Contains(stdout, "split view") {
		t.Errorf("monitor of the faithful log with the fork's checkpoint seen elsewhere: exit %d\n%s", code, stdout)
	}
	if code, _, stderr := glassboxRun(t, append(args, "--watch-product", "router", srv.URL)...); code != exitError || !strings.Contains(stderr, "--server") {
		t.Errorf("monitor --watch-product without a centre to ask: exit %d, %q", code, stderr)
	}
	if code, _, stderr := glassboxRun(t, "monitor", "--state", state, srv.URL); code != exitError || !strings.Contains(stderr, "--log-key") {
		t.Errorf("monitor without the log's key: exit %d, %q", code, stderr)
	}
}
