package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRemoteModeRefusals checks what --server refuses before any request:
// a missing or empty token, a token over plain HTTP to another host,
// commands that run only on the centre's machine, and grant without a
// centre. Each is a usage error (exit 2) saying what to do. The commands
// that work remotely are run in TestCentreEndToEnd.
func TestRemoteModeRefusals(t *testing.T) {
	t.Setenv("GLASSBOX_TOKEN", "")
	t.Setenv("GLASSBOX_SERVER", "")
	empty := writeFile(t, filepath.Join(t.TempDir(), "empty.token"), []byte("\n"))
	token := writeFile(t, filepath.Join(t.TempDir(), "ci.token"), []byte("gbt_not-a-real-token\n"))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--server", "https://centre.example", "releases"}, "needs a token: GLASSBOX_TOKEN or --token-file"},
		{[]string{"--server", "https://centre.example", "--token-file", empty, "releases"}, "is empty"},
		{[]string{"--server", "http://centre.example", "--token-file", token, "releases"}, "a token is sent only over https"},
		{[]string{"--server", "https://centre.example", "--token-file", token, "rebuild", "hello@1.0.0"}, "runs on the centre's machine"},
		{[]string{"--server", "https://centre.example", "admin", "org", "list"}, "runs on the centre's machine"},
		{[]string{"--server", "https://centre.example", "--token-file", token, "submit", "--product", "p", "--version", "1", "--git", ".", "--ref", "main"}, "--git is not supported with --server"},
		{[]string{"--server", "https://centre.example", "--token-file", token, "evaluate", "p@1", "--out", "report"}, "--out is the centre's to set"},
		{[]string{"--server", "https://centre.example", "--token-file", token, "access", "p@1"}, "give the centre's public keys"},
		{[]string{"grant", "create", "--product", "p", "--evaluator", "lab", "--expires", "90d"}, "runs against a centre (--server URL)"},
	} {
		code, _, stderr := glassboxRun(t, c.args...)
		if code != exitError || !strings.Contains(stderr, c.want) {
			t.Errorf("glassbox %s: exit %d, %q; want exit 2 saying %q", strings.Join(c.args, " "), code, stderr, c.want)
		}
		if strings.Contains(stderr, "not-a-real-token") {
			t.Errorf("glassbox %s printed the token: %q", strings.Join(c.args, " "), stderr)
		}
	}
}
