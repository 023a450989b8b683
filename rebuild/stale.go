package rebuild

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// What a build leaves on the host while it runs: a run directory (the
// generated /etc files, the seccomp filter, the build's tmpfs) and a
// cgroup. Run removes both when it returns; a glassbox that is killed
// cannot, so each Run first removes those that a process no longer alive
// left behind. Both are named with the pid of the glassbox that made them,
// and a run directory holds a lock that its owner keeps for as long as it
// runs: only what is certainly abandoned is removed, never what a live
// glassbox is using.
const (
	runDirPrefix = "glassbox-sandbox-"
	cgroupPrefix = "glassbox-build-"
)

// newRunDir makes a run directory in the system's temporary directory and
// locks it; release unlocks it (the caller removes it).
func newRunDir() (dir string, release func(), err error) {
	dir, err = os.MkdirTemp("", runDirPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", nil, err
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err == nil {
		if err = unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			lock.Close()
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return dir, func() { lock.Close() }, nil
}

// cgroupName is a fresh name for a build's cgroup.
func cgroupName() string {
	var id [8]byte
	rand.Read(id[:])
	return cgroupPrefix + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(id[:])
}

// ownerGone reports whether name (prefix, pid, "-", rest) was made by a
// process that is no longer alive. A name without a pid is not ours to
// judge.
func ownerGone(name, prefix string) bool {
	pidText, _, ok := strings.Cut(strings.TrimPrefix(name, prefix), "-")
	pid, err := strconv.Atoi(pidText)
	if !ok || err != nil || pid <= 0 || pid == os.Getpid() {
		return false
	}
	err = syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}

// cleanStale removes the run directories and cgroups of builds whose
// glassbox was killed.
func cleanStale() {
	cleanStaleRunDirs(os.TempDir())
	cleanStaleCgroups()
}

func cleanStaleRunDirs(tmp string) {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), runDirPrefix) || !ownerGone(e.Name(), runDirPrefix) {
			continue
		}
		dir := filepath.Join(tmp, e.Name())
		if info, err := e.Info(); err != nil || info.Sys().(*syscall.Stat_t).Uid != uint32(os.Getuid()) {
			continue
		}
		// The lock outlives its owner only in a process the owner passed it
		// to; then the directory is still in use.
		if lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR, 0); err == nil {
			held := unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil
			lock.Close()
			if held {
				continue
			}
		}
		// The build's tmpfs, if it is still mounted: unmounting it frees
		// its memory and keeps RemoveAll on this side of the mount.
		unix.Unmount(filepath.Join(dir, "area"), unix.MNT_DETACH)
		if err := os.RemoveAll(dir); err != nil {
			slog.Warn("sandbox: removing a run directory a killed glassbox left", "dir", dir, "err", err)
			continue
		}
		slog.Info("sandbox: removed a run directory a killed glassbox left", "dir", dir)
	}
}

func cleanStaleCgroups() {
	mounts, err := cgroupMounts()
	if err != nil {
		return
	}
	own, err := ownCgroups()
	if err != nil {
		return
	}
	// The hierarchies newCgroup makes builds' cgroups in, beneath this
	// process's own cgroup: v2, or v1's memory and pids.
	type hierarchy struct {
		parent string
		v2     bool
	}
	var hs []hierarchy
	if m, ok := mounts[""]; ok {
		hs = append(hs, hierarchy{filepath.Join(m, own[""]), true})
	}
	for _, c := range []string{"memory", "pids"} {
		if m, ok := mounts[c]; ok {
			hs = append(hs, hierarchy{filepath.Join(m, own[c]), false})
		}
	}
	for _, h := range hs {
		parent := h.parent
		entries, err := os.ReadDir(parent)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.IsDir() || !strings.HasPrefix(e.Name(), cgroupPrefix) || !ownerGone(e.Name(), cgroupPrefix) {
				continue
			}
			dir := filepath.Join(parent, e.Name())
			// A process of the build that outlived its glassbox is killed
			// first: a cgroup with processes cannot be removed.
			cg := &cgroup{v2: h.v2, memory: dir, pids: dir}
			if !cg.kill(time.Second) {
				slog.Warn("sandbox: a cgroup a killed glassbox left still has processes", "cgroup", dir)
				continue
			}
			if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
				slog.Warn("sandbox: removing a cgroup a killed glassbox left", "cgroup", dir, "err", err)
				continue
			}
			slog.Info("sandbox: removed a cgroup a killed glassbox left", "cgroup", dir)
		}
	}
}
