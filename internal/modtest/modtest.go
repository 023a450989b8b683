// Package modtest fetches real Go modules for tests, through the Go module
// proxy into the Go module cache, so that tests rebuild and evaluate
// programs nobody here wrote.
package modtest

import (
	"encoding/json"
	"os/exec"
	"testing"
)

// Download fetches module@version with go mod download and returns its zip
// (as the proxy serves it: every file under module@version/) and its
// extracted, read-only directory in the module cache.
func Download(t testing.TB, module, version string) (zipPath, dir string) {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", module+"@"+version).Output()
	if err != nil {
		t.Fatalf("go mod download %s@%s: %v", module, version, err)
	}
	var info struct{ Zip, Dir string }
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatalf("go mod download %s@%s: %v", module, version, err)
	}
	return info.Zip, info.Dir
}
