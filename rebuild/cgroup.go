package rebuild

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cgroup is the control group one build runs in. It is what bounds memory
// and processes: rlimits cannot do either for a build that runs as root
// (RLIMIT_NPROC is not enforced for uid 0 and counts per user, not per
// build; RLIMIT_AS counts address space per process, not memory per build),
// and the cgroup lets glassbox find and kill every process of the build.
//
// It is created beneath the cgroup glassbox itself runs in, so the build
// stays inside whatever bounds the operator gave glassbox. With cgroup v2
// that is one directory with both controllers; on a host that still mounts
// the v1 memory and pids hierarchies, it is one directory in each.
type cgroup struct {
	v2     bool
	memory string // directory in the memory hierarchy (the only one with v2)
	pids   string // directory in the pids hierarchy (== memory with v2)
}

// newCgroup creates a cgroup named name with the given limits.
func newCgroup(name string, memory Size, processes int) (*cgroup, error) {
	mounts, err := cgroupMounts()
	if err != nil {
		return nil, err
	}
	own, err := ownCgroups()
	if err != nil {
		return nil, err
	}
	cg := &cgroup{}
	if v2mount, ok := mounts[""]; ok && v2Has(filepath.Join(v2mount, own[""]), "memory", "pids") {
		cg.v2 = true
		cg.memory = filepath.Join(v2mount, own[""], name)
		cg.pids = cg.memory
		// The parent must hand the controllers down. This fails when the
		// parent itself holds processes (the "no internal processes" rule):
		// run glassbox in a delegated cgroup of its own, as systemd's
		// Delegate=yes gives it.
		if err := os.WriteFile(filepath.Join(filepath.Dir(cg.memory), "cgroup.subtree_control"), []byte("+memory +pids"), 0); err != nil {
			return nil, fmt.Errorf("enabling the memory and pids controllers for the build's cgroup: %w", err)
		}
		if err := os.Mkdir(cg.memory, 0o755); err != nil {
			return nil, fmt.Errorf("creating the build's cgroup: %w", err)
		}
		writes := [][2]string{
			{"memory.max", strconv.FormatInt(int64(memory), 10)},
			{"memory.swap.max", "0"},
			{"pids.max", strconv.Itoa(processes)},
		}
		for _, w := range writes {
			// memory.swap.max is absent without swap accounting; that is fine.
			if err := os.WriteFile(filepath.Join(cg.memory, w[0]), []byte(w[1]), 0); err != nil && w[0] != "memory.swap.max" {
				cg.remove()
				return nil, fmt.Errorf("setting %s of the build's cgroup: %w", w[0], err)
			}
		}
		return cg, nil
	}
	mm, okm := mounts["memory"]
	pm, okp := mounts["pids"]
	if !okm || !okp {
		return nil, errors.New("neither cgroup v2 with the memory and pids controllers nor the v1 memory and pids hierarchies are mounted")
	}
	cg.memory = filepath.Join(mm, own["memory"], name)
	cg.pids = filepath.Join(pm, own["pids"], name)
	if err := os.Mkdir(cg.memory, 0o755); err != nil {
		return nil, fmt.Errorf("creating the build's memory cgroup: %w", err)
	}
	if err := os.Mkdir(cg.pids, 0o755); err != nil {
		os.Remove(cg.memory)
		return nil, fmt.Errorf("creating the build's pids cgroup: %w", err)
	}
	writes := [][2]string{
		{filepath.Join(cg.memory, "memory.limit_in_bytes"), strconv.FormatInt(int64(memory), 10)},
		// Without this the build could swap instead of being stopped; the
		// file exists only with swap accounting, and must follow the line above.
		{filepath.Join(cg.memory, "memory.memsw.limit_in_bytes"), strconv.FormatInt(int64(memory), 10)},
		{filepath.Join(cg.pids, "pids.max"), strconv.Itoa(processes)},
	}
	for _, w := range writes {
		if err := os.WriteFile(w[0], []byte(w[1]), 0); err != nil && !strings.HasSuffix(w[0], "memsw.limit_in_bytes") {
			cg.remove()
			return nil, fmt.Errorf("setting %s: %w", w[0], err)
		}
	}
	return cg, nil
}

// procsFiles are the files a process writes its pid to in order to join
// the cgroup.
func (cg *cgroup) procsFiles() []string {
	if cg.v2 {
		return []string{filepath.Join(cg.memory, "cgroup.procs")}
	}
	return []string{filepath.Join(cg.memory, "cgroup.procs"), filepath.Join(cg.pids, "cgroup.procs")}
}

// pidsMaxHit reports whether a fork failed because of the process limit.
func (cg *cgroup) pidsMaxHit() bool {
	return readKey(filepath.Join(cg.pids, "pids.events"), "max") > 0
}

// oomKilled reports whether the kernel killed a process of the build for
// exceeding the memory limit.
func (cg *cgroup) oomKilled() bool {
	if cg.v2 {
		return readKey(filepath.Join(cg.memory, "memory.events"), "oom_kill") > 0
	}
	return readKey(filepath.Join(cg.memory, "memory.oom_control"), "oom_kill") > 0
}

// kill sends SIGKILL to every process in the cgroup until none is left or
// the timeout passes; it reports whether the cgroup is empty.
func (cg *cgroup) kill(timeout time.Duration) bool {
	if cg.v2 {
		// cgroup.kill (Linux 5.14) kills atomically, forks in flight included.
		os.WriteFile(filepath.Join(cg.memory, "cgroup.kill"), []byte("1"), 0)
	}
	deadline := time.Now().Add(timeout)
	for {
		pids := cg.procs()
		if len(pids) == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (cg *cgroup) procs() []int {
	seen := map[int]bool{}
	var pids []int
	for _, f := range cg.procsFiles() {
		data, _ := os.ReadFile(f)
		for _, field := range strings.Fields(string(data)) {
			if pid, err := strconv.Atoi(field); err == nil && !seen[pid] {
				seen[pid] = true
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// remove deletes the cgroup's directories; they must be empty of processes.
func (cg *cgroup) remove() error {
	var errs []error
	for _, d := range []string{cg.memory, cg.pids} {
		if err := os.Remove(d); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// readKey reads "key value" lines such as memory.events and returns key's value.
func readKey(file, key string) int64 {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok && k == key {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// v2Has reports whether the v2 cgroup dir offers all the controllers.
func v2Has(dir string, controllers ...string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
	if err != nil {
		return false
	}
	have := strings.Fields(string(data))
	for _, c := range controllers {
		found := false
		for _, h := range have {
			found = found || h == c
		}
		if !found {
			return false
		}
	}
	return true
}

// cgroupMounts maps each v1 controller to the mount point of its hierarchy,
// and "" to the cgroup v2 mount point, from /proc/self/mountinfo.
func cgroupMounts() (map[string]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	mounts := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root mountpoint options [optional...] - fstype source superoptions
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		pf, qf := strings.Fields(pre), strings.Fields(post)
		if len(pf) < 5 || len(qf) < 3 {
			continue
		}
		switch qf[0] {
		case "cgroup2":
			mounts[""] = pf[4]
		case "cgroup":
			for _, opt := range strings.Split(qf[2], ",") {
				mounts[opt] = pf[4]
			}
		}
	}
	return mounts, sc.Err()
}

// ownCgroups maps each v1 controller, and "" for v2, to the cgroup this
// process is in, from /proc/self/cgroup.
func ownCgroups() (map[string]string, error) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	own := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			own[""] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			own[c] = parts[2]
		}
	}
	return own, nil
}
