package rebuild

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSandboxCleansStale: a glassbox killed mid-build leaves its run
// directory (with the build's tmpfs still mounted) and its cgroup; the
// next build removes them, and leaves alone those of a glassbox that is
// still alive.
func TestSandboxCleansStale(t *testing.T) {
	needBwrap(t)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	live := exec.Command("sleep", "600")
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { live.Process.Kill(); live.Wait() }()

	staleDir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", runDirPrefix, dead.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(staleDir)
	os.WriteFile(filepath.Join(staleDir, "lock"), nil, 0o600)
	area := filepath.Join(staleDir, "area")
	os.Mkdir(area, 0o700)
	if err := unix.Mount("glassbox-build", area, "tmpfs", 0, "size=1m"); err != nil {
		t.Fatalf("mounting a tmpfs as a killed build would have left it: %v", err)
	}
	defer unix.Unmount(area, unix.MNT_DETACH)
	os.WriteFile(filepath.Join(area, "left-behind"), []byte("x"), 0o644)

	liveDir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", runDirPrefix, live.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(liveDir)

	var staleCG, liveCG string
	mounts, _ := cgroupMounts()
	own, _ := ownCgroups()
	if m, ok := mounts[""]; ok {
		parent := filepath.Join(m, own[""])
		staleCG = filepath.Join(parent, fmt.Sprintf("%s%d-test", cgroupPrefix, dead.Process.Pid))
		liveCG = filepath.Join(parent, fmt.Sprintf("%s%d-test", cgroupPrefix, live.Process.Pid))
		for _, d := range []string{staleCG, liveCG} {
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
			defer os.Remove(d)
		}
	} else {
		t.Log("no cgroup v2 here: only run directories are checked")
	}

	out, _ := run(t, Limits{}, "true")
	if !out.Succeeded() {
		t.Fatalf("build failed: %s", out.Reason)
	}
	if _, err := os.Stat(staleDir); err == nil {
		t.Errorf("the run directory of a dead glassbox is still there: %s", staleDir)
	}
	if mi, _ := os.ReadFile("/proc/self/mountinfo"); strings.Contains(string(mi), area) {
		t.Errorf("the tmpfs of a dead glassbox's build is still mounted at %s", area)
	}
	if _, err := os.Stat(liveDir); err != nil {
		t.Errorf("the run directory of a live process was removed: %v", err)
	}
	if staleCG != "" {
		if _, err := os.Stat(staleCG); err == nil {
			t.Errorf("the cgroup of a dead glassbox is still there: %s", staleCG)
		}
		if _, err := os.Stat(liveCG); err != nil {
			t.Errorf("the cgroup of a live process was removed: %v", err)
		}
	}
}
