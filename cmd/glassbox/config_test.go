package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigSettingsOnlyForDeploymentProcesses: a deployment's
// configuration sets the flags of serve and worker; other commands' flags
// of the same name mean something else and keep their own defaults (keys
// generate --origin is the log's origin, not the workspace's URL).
func TestConfigSettingsOnlyForDeploymentProcesses(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "glassbox.toml")
	conf := "data = " + `"` + data + `"` + `

[server]
origin = "https://centre.example"
token_file = "` + filepath.Join(dir, "missing.token") + `"

[jobs]
workers = 3
`
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, "--config", cfg, "keys", "generate", "--json")
	vkey, err := os.ReadFile(filepath.Join(data, "keys", "log.vkey"))
	if err != nil {
		t.Fatalf("keys generate with the configuration's data directory: %v\n%s", err, out)
	}
	if !strings.HasPrefix(string(vkey), defaultOrigin+"+") {
		t.Errorf("keys generate took the log's origin from [server] origin: %s", vkey)
	}
	// The configuration's server.token_file is the one POST /attestations
	// requires, not the client's: a command against no server does not
	// read it (it is missing here).
	if code, _, errOut := glassboxRun(t, "--config", cfg, "keys", "show"); code != exitOK {
		t.Errorf("keys show with a configuration naming a missing server token: exit %d\n%s", code, errOut)
	}
}
