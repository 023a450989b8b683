//go:build cgo

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev/internal/hsmtest"
)

// TestKeysGenerateInAToken: keys generate, told by the configuration to
// keep the attestation and log keys in a PKCS#11 token, makes them there,
// writes only their public halves, never shows the PIN's file, and keys
// show reads the public halves back; a key file given where a token URI
// is wanted is refused.
func TestKeysGenerateInAToken(t *testing.T) {
	dir := t.TempDir()
	att := hsmtest.Token(t, "cli-attestation", "attestation")
	lg := hsmtest.Token(t, "cli-log", "log")
	cfg := filepath.Join(dir, "glassbox.toml")
	conf := "[keys]\ndir = \"keys\"\nattestation = \"" + att + "\"\nlog = \"" + lg + "\"\n"
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, "--config", cfg, "--data", filepath.Join(dir, "data"), "keys", "generate", "--origin", "cli.test/log", "--json")
	var kf struct {
		PrivateKeyPath string `json:"private_key_path"`
		LogSignerKey   string `json:"log_signer_key_path"`
		LogVerifierKey string `json:"log_verifier_key"`
		KeyID          string `json:"key_id"`
	}
	if err := json.Unmarshal([]byte(out), &kf); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.HasPrefix(kf.PrivateKeyPath, "pkcs11:token=cli-attestation") || strings.Contains(out, "pin") || strings.Contains(out, hsmtest.PIN) {
		t.Errorf("keys generate --json: %s", out)
	}
	for _, f := range []string{"attestation.key", "log.key"} {
		if _, err := os.Stat(filepath.Join(dir, "keys", f)); !os.IsNotExist(err) {
			t.Errorf("%s was written though the key is in a token", f)
		}
	}
	show := mustRun(t, "--config", cfg, "--data", filepath.Join(dir, "data"), "keys", "show", "--json")
	if !strings.Contains(show, kf.KeyID) || !strings.Contains(show, strings.TrimSpace(kf.LogVerifierKey)) {
		t.Errorf("keys show does not show the keys made in the token:\n%s", show)
	}
	code, _, errOut := glassboxRun(t, "--data", filepath.Join(dir, "data2"), "keys", "generate", "--attestation-key", filepath.Join(dir, "a.key"))
	if code != exitError || !strings.Contains(errOut, "PKCS#11 URI") {
		t.Errorf("--attestation-key with a file: exit %d\n%s", code, errOut)
	}
}
