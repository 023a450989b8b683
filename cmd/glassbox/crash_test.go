package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// glassboxBinary is the command, compiled once for all the tests that need
// a separate process; TestMain removes it.
var glassboxBinary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// buildGlassbox returns the command compiled for tests that need a
// separate process, building it on first use.
func buildGlassbox(t *testing.T) string {
	t.Helper()
	b := &glassboxBinary
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "glassbox-test-"); b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "glassbox")
		if out, err := exec.Command("go", "build", "-o", b.path, ".").CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if glassboxBinary.dir != "" {
		os.RemoveAll(glassboxBinary.dir)
	}
	os.Exit(code)
}

// TestKilledSubmitLeavesNoTrace kills a submit with SIGKILL while it is
// storing a large artefact, then checks that no release and no partly
// written blob is visible, and that the next submit of the same release
// completes and cleans up after the dead one.
func TestKilledSubmitLeavesNoTrace(t *testing.T) {
	bin := buildGlassbox(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	src := filepath.Join(dir, "src")
	writeFile(t, filepath.Join(src, "main.c"), []byte("int main(void) { return 0; }\n"))
	large := filepath.Join(dir, "firmware.img")
	f, err := os.Create(large)
	if err != nil {
		t.Fatal(err)
	}
	// Large enough that the submit is still staging it well after the
	// 64 MiB at which it is killed; small enough that writing, storing
	// and reading it back stays quick on a busy 2-core machine (768 MiB
	// took this test to 7.5 minutes there).
	rng := rand.NewChaCha8([32]byte{1})
	if _, err := io.CopyN(f, rng, 256<<20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	args := []string{"--data", data, "submit", "--product", "fw", "--version", "1", "--source", src, "--artifact", large}

	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the artefact is being staged, then kill the process.
	deadline := time.Now().Add(60 * time.Second)
	killed := false
	for time.Now().Before(deadline) && !killed {
		filepath.WalkDir(filepath.Join(data, "evidence", "tmp"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && strings.HasPrefix(d.Name(), "blob-") {
				if fi, err := d.Info(); err == nil && fi.Size() > 64<<20 {
					cmd.Process.Signal(syscall.SIGKILL)
					killed = true
					return filepath.SkipAll
				}
			}
			return nil
		})
		time.Sleep(2 * time.Millisecond)
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("the submit finished (%v) before it could be killed mid-way", err)
	}

	// No release is visible.
	var rows []any
	if err := json.Unmarshal([]byte(mustRun(t, "--data", data, "releases", "--json")), &rows); err != nil || len(rows) != 0 {
		t.Fatalf("after the kill, releases = %v (%v); want none", rows, err)
	}
	// Every visible blob is whole: its content hashes to its name.
	blobs := 0
	filepath.WalkDir(filepath.Join(data, "evidence", "sha256"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			b, _ := os.ReadFile(p)
			if sha256Hex(b) != d.Name() {
				t.Errorf("blob %s is partly written", p)
			}
			blobs++
		}
		return nil
	})
	if blobs != 0 {
		t.Errorf("%d blobs are visible after a submit killed before its commit", blobs)
	}

	// The next submit completes and removes what the dead one staged.
	id := strings.TrimSpace(mustRun(t, args...))
	if got := mustRun(t, "--data", data, "show", id); !strings.Contains(got, "firmware.img") {
		t.Errorf("show after the retried submit:\n%s", got)
	}
	left, _ := os.ReadDir(filepath.Join(data, "evidence", "tmp"))
	if len(left) != 0 {
		t.Errorf("staging areas left after the retry: %v", left)
	}
	rc, err := exec.CommandContext(context.Background(), bin, "--data", data, "cat", id, "artifacts/firmware.img").Output()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(large)
	if sha256Hex(rc) != sha256Hex(want) {
		t.Error("the stored artefact differs from the submitted one")
	}
}
