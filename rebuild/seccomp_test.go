package rebuild

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// buildSysprobe compiles testdata/sysprobe, a static program that makes one
// system call and prints its result, into dir.
func buildSysprobe(t testing.TB, dir string) string {
	t.Helper()
	src, err := filepath.Abs("testdata/sysprobe")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "sysprobe")
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building sysprobe: %v\n%s", err, b)
	}
	return out
}

// probe is one call for sysprobe: its label, number and arguments.
type probe struct {
	name string
	nr   int
	args []string
}

// probeLine matches sysprobe's output.
var probeLine = regexp.MustCompile(`(?m)^(\S+) (ok|errno) (\S+)$`)

// runProbes runs each probe in one sandbox and returns each label's result
// ("ok N" or "errno NAME").
func runProbes(t *testing.T, spec Spec, probes []probe) map[string]string {
	t.Helper()
	needBwrap(t)
	dir := t.TempDir()
	buildSysprobe(t, dir)
	var script []string
	for _, p := range probes {
		nr := fmt.Sprint(p.nr)
		if p.nr < 0 { // an ABI, named in args
			nr = ""
		}
		script = append(script, strings.TrimSpace(fmt.Sprintf("./sysprobe %s %s %s", p.name, nr, strings.Join(p.args, " ")))+" || echo "+p.name+" errno crashed")
	}
	spec.Recipe = &Recipe{Build: []string{strings.Join(script, "; ")}, Artifacts: map[string]string{"out": "out"}}
	spec.Dir = dir
	out, err := Run(context.Background(), spec)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !out.Succeeded() {
		t.Fatalf("the probes' build failed: %s\n%s", out.Reason, out.Log)
	}
	got := map[string]string{}
	for _, m := range probeLine.FindAllStringSubmatch(string(out.Log), -1) {
		got[m[1]] = m[2] + " " + m[3]
	}
	return got
}

// deniedProbes call each refused system call with arguments that, were the
// call not filtered, would reach the kernel's implementation. For many
// (keyctl, add_key, ptrace(PTRACE_TRACEME), process_vm_readv on itself,
// kcmp, userfaultfd(UFFD_USER_MODE_ONLY), io_uring_setup, open_tree,
// name_to_handle_at, unshare(CLONE_FILES), settimeofday(NULL, NULL),
// adjtimex(read), sysfs, personality) that call succeeds or fails with
// another error without the filter; the rest need capabilities the build
// does not have, and the filter is the second wall.
func deniedProbes() []probe {
	p := []probe{
		{"keyctl", unix.SYS_KEYCTL, []string{"0", "-4", "0"}}, // KEYCTL_GET_KEYRING_ID of the user keyring
		{"add_key", unix.SYS_ADD_KEY, []string{"s:user", "s:glassbox-probe", "s:x", "1", "-2"}},
		{"request_key", unix.SYS_REQUEST_KEY, []string{"s:user", "s:glassbox-probe-none", "0", "0"}},
		{"ptrace", unix.SYS_PTRACE, []string{"0", "0", "0", "0"}}, // PTRACE_TRACEME
		{"process_vm_readv", unix.SYS_PROCESS_VM_READV, []string{"pid", "iov", "1", "iov", "1", "0"}},
		{"process_vm_writev", unix.SYS_PROCESS_VM_WRITEV, []string{"pid", "iov", "1", "iov", "1", "0"}},
		{"kcmp", unix.SYS_KCMP, []string{"pid", "pid", "0", "0", "0"}},
		{"pidfd_getfd", unix.SYS_PIDFD_GETFD, []string{"-1", "0", "0"}},
		{"bpf", unix.SYS_BPF, []string{"0", "buf", "72"}},
		{"perf_event_open", unix.SYS_PERF_EVENT_OPEN, []string{"buf", "0", "-1", "-1", "0"}},
		{"userfaultfd", unix.SYS_USERFAULTFD, []string{"1"}}, // UFFD_USER_MODE_ONLY
		{"fanotify_init", unix.SYS_FANOTIFY_INIT, []string{"0", "0"}},
		{"io_uring_setup", unix.SYS_IO_URING_SETUP, []string{"1", "buf"}},
		{"io_uring_enter", unix.SYS_IO_URING_ENTER, []string{"-1", "0", "0", "0", "0", "0"}},
		{"io_uring_register", unix.SYS_IO_URING_REGISTER, []string{"-1", "0", "0", "0"}},
		{"kexec_load", unix.SYS_KEXEC_LOAD, []string{"0", "0", "0", "0"}},
		{"kexec_file_load", unix.SYS_KEXEC_FILE_LOAD, []string{"-1", "-1", "0", "s:", "0"}},
		{"reboot", unix.SYS_REBOOT, []string{"0", "0", "0", "0"}}, // no magic: EINVAL even if it got through
		{"init_module", unix.SYS_INIT_MODULE, []string{"buf", "0", "s:"}},
		{"finit_module", unix.SYS_FINIT_MODULE, []string{"-1", "s:", "0"}},
		{"delete_module", unix.SYS_DELETE_MODULE, []string{"s:glassbox-none", "0"}},
		{"swapon", unix.SYS_SWAPON, []string{"s:/nonexistent", "0"}},
		{"swapoff", unix.SYS_SWAPOFF, []string{"s:/nonexistent"}},
		{"acct", unix.SYS_ACCT, []string{"s:/nonexistent/acct"}},
		{"syslog", unix.SYS_SYSLOG, []string{"10", "0", "0"}}, // SYSLOG_ACTION_SIZE_BUFFER
		{"quotactl", unix.SYS_QUOTACTL, []string{"0", "s:/", "0", "buf"}},
		{"quotactl_fd", unix.SYS_QUOTACTL_FD, []string{"-1", "0", "0", "buf"}},
		{"lookup_dcookie", unix.SYS_LOOKUP_DCOOKIE, []string{"0", "buf", "0"}},
		{"nfsservctl", unix.SYS_NFSSERVCTL, []string{"0", "0", "0"}},
		{"vhangup", unix.SYS_VHANGUP, nil},
		{"sethostname", unix.SYS_SETHOSTNAME, []string{"s:x", "1"}},
		{"setdomainname", unix.SYS_SETDOMAINNAME, []string{"s:x", "1"}},
		{"settimeofday", unix.SYS_SETTIMEOFDAY, []string{"0", "0"}},
		{"clock_settime", unix.SYS_CLOCK_SETTIME, []string{"0", "buf"}},
		{"adjtimex", unix.SYS_ADJTIMEX, []string{"buf"}}, // modes 0: only reads
		{"clock_adjtime", unix.SYS_CLOCK_ADJTIME, []string{"0", "buf"}},
		{"open_by_handle_at", unix.SYS_OPEN_BY_HANDLE_AT, []string{"-100", "buf", "0"}},
		{"name_to_handle_at", unix.SYS_NAME_TO_HANDLE_AT, []string{"-100", "s:/", "buf", "buf2", "0"}},
		{"mount", unix.SYS_MOUNT, []string{"s:none", "s:/tmp", "s:tmpfs", "0", "0"}},
		{"umount2", unix.SYS_UMOUNT2, []string{"s:/tmp", "0"}},
		{"pivot_root", unix.SYS_PIVOT_ROOT, []string{"s:/", "s:/"}},
		{"move_mount", unix.SYS_MOVE_MOUNT, []string{"-1", "s:", "-1", "s:", "0"}},
		{"open_tree", unix.SYS_OPEN_TREE, []string{"-100", "s:/", "0"}},
		{"open_tree_attr", unix.SYS_OPEN_TREE_ATTR, []string{"-100", "s:/", "0", "0", "0"}},
		{"mount_setattr", unix.SYS_MOUNT_SETATTR, []string{"-100", "s:/", "0", "buf", "32"}},
		{"fsopen", unix.SYS_FSOPEN, []string{"s:tmpfs", "0"}},
		{"fsmount", unix.SYS_FSMOUNT, []string{"-1", "0", "0"}},
		{"fsconfig", unix.SYS_FSCONFIG, []string{"-1", "0", "0", "0", "0"}},
		{"fspick", unix.SYS_FSPICK, []string{"-100", "s:/", "0"}},
		{"unshare", unix.SYS_UNSHARE, []string{"0x400"}}, // CLONE_FILES: no namespace, still refused
		{"setns", unix.SYS_SETNS, []string{"-1", "0"}},
		{"chroot", unix.SYS_CHROOT, []string{"s:/"}},
		{"clone-newns", unix.SYS_CLONE, []string{"0x20011", "0", "0", "0", "0"}},      // CLONE_NEWNS|SIGCHLD
		{"clone-newuser", unix.SYS_CLONE, []string{"0x10000011", "0", "0", "0", "0"}}, // CLONE_NEWUSER|SIGCHLD
		{"clone-newnet", unix.SYS_CLONE, []string{"0x40000011", "0", "0", "0", "0"}},  // CLONE_NEWNET|SIGCHLD
		{"personality", unix.SYS_PERSONALITY, []string{"0x0040000"}},                  // ADDR_NO_RANDOMIZE
	}
	if runtime.GOARCH == "amd64" {
		p = append(p,
			probe{"iopl", unix.SYS_IOPL, []string{"3"}},
			probe{"ioperm", unix.SYS_IOPERM, []string{"0", "1", "1"}},
			probe{"uselib", unix.SYS_USELIB, []string{"s:/nonexistent"}},
			probe{"ustat", unix.SYS_USTAT, []string{"0", "buf"}},
			probe{"sysfs", unix.SYS_SYSFS, []string{"3"}},
			probe{"_sysctl", unix.SYS__SYSCTL, []string{"buf"}},
			probe{"create_module", unix.SYS_CREATE_MODULE, []string{"s:x", "0"}},
			probe{"get_kernel_syms", unix.SYS_GET_KERNEL_SYMS, []string{"buf"}},
			probe{"query_module", unix.SYS_QUERY_MODULE, []string{"s:x", "0", "buf", "0", "buf2"}},
		)
	}
	return p
}

// TestSandboxSeccompDenies is the specification of the seccomp filter:
// each call the container runtimes' default profiles refuse fails in the
// build with EPERM, an error the build can handle.
func TestSandboxSeccompDenies(t *testing.T) {
	probes := deniedProbes()
	got := runProbes(t, Spec{}, probes)
	for _, p := range probes {
		t.Run(p.name, func(t *testing.T) {
			if got[p.name] != "errno EPERM" {
				t.Errorf("%s(%s) in the sandbox: %q, want errno EPERM", p.name, strings.Join(p.args, ", "), got[p.name])
			}
		})
	}
	// Every call the filter refuses is probed here.
	probed := map[int]bool{}
	for _, p := range probes {
		probed[p.nr] = true
	}
	for _, s := range deniedSyscalls {
		if !probed[s.nr] {
			t.Errorf("the filter refuses %s, and no probe checks it", s.name)
		}
	}
}

// TestSandboxSeccompAllows checks what the filter must let through: fork
// (clone without namespace flags), the personality query and default,
// ordinary calls; and clone3 fails with ENOSYS so that the C library falls
// back to clone.
func TestSandboxSeccompAllows(t *testing.T) {
	got := runProbes(t, Spec{}, []probe{
		{"getpid", unix.SYS_GETPID, nil},
		{"fork", unix.SYS_CLONE, []string{"17", "0", "0", "0", "0"}}, // SIGCHLD
		{"personality-query", unix.SYS_PERSONALITY, []string{"0xffffffff"}},
		{"personality-linux", unix.SYS_PERSONALITY, []string{"0"}},
		{"clone3", unix.SYS_CLONE3, []string{"buf", "88"}},
	})
	for label, want := range map[string]string{"getpid": "ok ", "fork": "ok ", "personality-query": "ok ", "personality-linux": "ok ", "clone3": "errno ENOSYS"} {
		if !strings.HasPrefix(got[label], want) {
			t.Errorf("%s in the sandbox: %q, want %q", label, got[label], want)
		}
	}
}

// TestSandboxSeccompForeignABI: calls through another ABI of the same
// machine have other numbers, which a filter written for the native ABI
// would let through; they are all refused.
func TestSandboxSeccompForeignABI(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("x32 and i386 are amd64's foreign ABIs")
	}
	probes := []probe{{"x32-getpid", -1, []string{"x32", "39"}}}
	// Without IA32 emulation in the kernel, int 0x80 faults before any
	// filter runs: there is nothing to refuse.
	host := filepath.Join(t.TempDir(), "host")
	if err := os.Mkdir(host, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(buildSysprobe(t, host), "i386", "i386", "20").Output(); err == nil && bytes.HasPrefix(out, []byte("i386 ok")) {
		probes = append(probes, probe{"i386-getpid", -1, []string{"i386", "20"}})
	} else {
		t.Log("this kernel has no i386 ABI (IA32 emulation is off); only x32 is probed")
	}
	got := runProbes(t, Spec{}, probes)
	for _, p := range probes {
		if got[p.name] != "errno EPERM" {
			t.Errorf("%s in the sandbox: %q, want errno EPERM", p.name, got[p.name])
		}
	}
}

// TestSandboxHostKeysHidden: a key in the host root's keyring is neither
// listed in the sandbox's /proc/keys nor reachable through keyctl, and the
// other /proc files container runtimes mask are empty.
func TestSandboxHostKeysHidden(t *testing.T) {
	needBwrap(t)
	desc := fmt.Sprintf("glassbox-host-key-%d", os.Getpid())
	id, err := unix.AddKey("user", desc, []byte("host secret"), unix.KEY_SPEC_USER_KEYRING)
	if err != nil {
		t.Fatalf("adding a key to the host's user keyring: %v", err)
	}
	t.Cleanup(func() { unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0) })
	if b, _ := os.ReadFile("/proc/keys"); !bytes.Contains(b, []byte(desc)) {
		t.Fatalf("the host's /proc/keys does not list the test's key %s", desc)
	}
	out, _ := run(t, Limits{},
		`cat /proc/keys /proc/key-users; echo end-of-keys`,
		`for f in keys key-users timer_list kcore sched_debug latency_stats timer_stats interrupts; do [ -e /proc/$f ] && echo "$f $(wc -c < /proc/$f)"; done; exit 0`,
	)
	if bytes.Contains(out.Log, []byte(desc)) {
		t.Fatal("the sandbox's /proc/keys lists the host's key")
	}
	for _, m := range regexp.MustCompile(`(?m)^([a-z_-]+) (\d+)$`).FindAllSubmatch(out.Log, -1) {
		if string(m[2]) != "0" {
			t.Errorf("/proc/%s in the sandbox has %s bytes; it should be masked", m[1], m[2])
		}
	}
	if !bytes.Contains(out.Log, []byte("keys 0")) {
		t.Errorf("/proc/keys is not masked:\n%s", out.Log)
	}
}
