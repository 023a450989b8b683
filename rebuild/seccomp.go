package rebuild

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// The sandbox's seccomp filter: a classic BPF program that bubblewrap loads
// (--seccomp) after it has set up the namespaces and mounts, just before it
// runs the build, so that it binds the build and nothing of bwrap's own
// setup. The namespaces and dropped capabilities already stop most of what
// it lists; the filter is there for the calls they do not stop (the kernel
// keyring is per user, not per namespace, so a build could read and write
// the host root's keys) and as a second wall for the rest, as container
// runtimes' default profiles are.
//
// A denied call fails with EPERM, an error builds already handle, rather
// than killing the build; clone3 fails with ENOSYS, as on kernels that lack
// it, so that the C library falls back to clone, whose flags the filter can
// read (clone3's are in memory a filter cannot see).

// deniedSyscalls are refused whatever their arguments. Beyond the
// architecture's own calls (archDenied), every call here is refused by the
// default profiles of Docker and Podman for a container without the
// capabilities our builds never have.
var deniedSyscalls = append([]syscallName{
	// The kernel keyring is shared with the host's user of the same uid.
	{"keyctl", unix.SYS_KEYCTL}, {"add_key", unix.SYS_ADD_KEY}, {"request_key", unix.SYS_REQUEST_KEY},
	// Other processes' memory, and ways to learn about it.
	{"ptrace", unix.SYS_PTRACE}, {"process_vm_readv", unix.SYS_PROCESS_VM_READV},
	{"process_vm_writev", unix.SYS_PROCESS_VM_WRITEV}, {"kcmp", unix.SYS_KCMP},
	{"pidfd_getfd", unix.SYS_PIDFD_GETFD},
	// Large kernel attack surface, of no use to a build.
	{"bpf", unix.SYS_BPF}, {"perf_event_open", unix.SYS_PERF_EVENT_OPEN},
	{"userfaultfd", unix.SYS_USERFAULTFD}, {"fanotify_init", unix.SYS_FANOTIFY_INIT},
	{"io_uring_setup", unix.SYS_IO_URING_SETUP}, {"io_uring_enter", unix.SYS_IO_URING_ENTER},
	{"io_uring_register", unix.SYS_IO_URING_REGISTER},
	// The machine itself.
	{"kexec_load", unix.SYS_KEXEC_LOAD}, {"kexec_file_load", unix.SYS_KEXEC_FILE_LOAD},
	{"reboot", unix.SYS_REBOOT}, {"init_module", unix.SYS_INIT_MODULE},
	{"finit_module", unix.SYS_FINIT_MODULE}, {"delete_module", unix.SYS_DELETE_MODULE},
	{"swapon", unix.SYS_SWAPON}, {"swapoff", unix.SYS_SWAPOFF}, {"acct", unix.SYS_ACCT},
	{"syslog", unix.SYS_SYSLOG}, {"quotactl", unix.SYS_QUOTACTL}, {"quotactl_fd", unix.SYS_QUOTACTL_FD},
	{"lookup_dcookie", unix.SYS_LOOKUP_DCOOKIE}, {"nfsservctl", unix.SYS_NFSSERVCTL},
	{"vhangup", unix.SYS_VHANGUP}, {"sethostname", unix.SYS_SETHOSTNAME},
	{"setdomainname", unix.SYS_SETDOMAINNAME},
	// The clock is the host's.
	{"settimeofday", unix.SYS_SETTIMEOFDAY}, {"clock_settime", unix.SYS_CLOCK_SETTIME},
	{"adjtimex", unix.SYS_ADJTIMEX}, {"clock_adjtime", unix.SYS_CLOCK_ADJTIME},
	// Files by handle bypass the mount namespace's view of the tree.
	{"open_by_handle_at", unix.SYS_OPEN_BY_HANDLE_AT}, {"name_to_handle_at", unix.SYS_NAME_TO_HANDLE_AT},
	// Mounts and namespaces: the sandbox's are bwrap's, set up before the
	// filter is loaded, and the build may not change them.
	{"mount", unix.SYS_MOUNT}, {"umount2", unix.SYS_UMOUNT2}, {"pivot_root", unix.SYS_PIVOT_ROOT},
	{"move_mount", unix.SYS_MOVE_MOUNT}, {"open_tree", unix.SYS_OPEN_TREE},
	{"open_tree_attr", unix.SYS_OPEN_TREE_ATTR}, {"mount_setattr", unix.SYS_MOUNT_SETATTR},
	{"fsopen", unix.SYS_FSOPEN}, {"fsmount", unix.SYS_FSMOUNT}, {"fsconfig", unix.SYS_FSCONFIG},
	{"fspick", unix.SYS_FSPICK}, {"unshare", unix.SYS_UNSHARE}, {"setns", unix.SYS_SETNS},
	{"chroot", unix.SYS_CHROOT},
}, archDenied...)

// cloneNamespaceFlags are clone's flags that make a new namespace; clone
// with any of them is refused. (CLONE_NEWTIME shares its bit with clone's
// exit signal and is only valid for unshare and clone3, both refused.)
const cloneNamespaceFlags = unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC |
	unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP

// allowedPersonalities are the personality(2) values a build may set, as
// Docker allows: Linux, 32-bit Linux, either with UNAME26, and the query
// 0xffffffff. The others switch off address-space randomisation or change
// how the kernel treats the process.
var allowedPersonalities = []uint32{0x0, 0x8, 0x20000, 0x20008, 0xffffffff}

type syscallName struct {
	name string
	nr   int
}

// Offsets in struct seccomp_data.
const (
	seccompNr   = 0
	seccompArch = 4
	seccompArg0 = 16 // the low 32 bits on a little-endian machine
)

const (
	retAllow  = unix.SECCOMP_RET_ALLOW
	retEPERM  = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
	retENOSYS = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
)

// seccompFilter assembles the filter for the machine glassbox runs on.
func seccompFilter() ([]unix.SockFilter, error) {
	if auditArch == 0 {
		return nil, fmt.Errorf("the sandbox's seccomp filter is not defined for this architecture; builds run only on amd64 and arm64")
	}
	stmt := func(code uint16, k uint32) unix.SockFilter { return unix.SockFilter{Code: code, K: k} }
	jump := func(code uint16, k uint32, jt, jf uint8) unix.SockFilter {
		return unix.SockFilter{Code: code, Jt: jt, Jf: jf, K: k}
	}
	const (
		ld   = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		jeq  = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		jge  = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
		jset = unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K
		ret  = unix.BPF_RET | unix.BPF_K
	)
	p := []unix.SockFilter{
		// A call made through another ABI (i386's int 0x80 on amd64, AArch32
		// on arm64) has other numbers: refuse them all.
		stmt(ld, seccompArch),
		jump(jeq, auditArch, 1, 0),
		stmt(ret, retEPERM),
		stmt(ld, seccompNr),
	}
	if x32Bit != 0 {
		// x32 shares amd64's audit arch; its numbers carry this bit.
		p = append(p, jump(jge, x32Bit, 0, 1), stmt(ret, retEPERM))
	}
	for _, s := range deniedSyscalls {
		p = append(p, jump(jeq, uint32(s.nr), 0, 1), stmt(ret, retEPERM))
	}
	p = append(p, jump(jeq, unix.SYS_CLONE3, 0, 1), stmt(ret, retENOSYS))
	// clone(flags, ...): flags is the first argument on amd64 and arm64.
	p = append(p,
		jump(jeq, unix.SYS_CLONE, 0, 4),
		stmt(ld, seccompArg0),
		jump(jset, cloneNamespaceFlags, 0, 1),
		stmt(ret, retEPERM),
		stmt(ret, retAllow),
	)
	n := len(allowedPersonalities)
	p = append(p, jump(jeq, unix.SYS_PERSONALITY, 0, uint8(n+3)), stmt(ld, seccompArg0))
	for i, v := range allowedPersonalities {
		// On a match, jump over the remaining tests and the refusal.
		p = append(p, jump(jeq, v, uint8(n-i), 0))
	}
	p = append(p, stmt(ret, retEPERM), stmt(ret, retAllow))
	p = append(p, stmt(ret, retAllow))
	if len(p) > unix.BPF_MAXINSNS {
		return nil, fmt.Errorf("the seccomp filter has %d instructions, more than the kernel's %d", len(p), unix.BPF_MAXINSNS)
	}
	return p, nil
}

// writeSeccompFilter writes the filter, in the form bwrap --seccomp reads
// (struct sock_filter, native byte order), into dir and opens it for bwrap.
func writeSeccompFilter(dir string) (*os.File, error) {
	p, err := seccompFilter()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.NativeEndian, p); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "seccomp.bpf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return nil, err
	}
	return os.Open(path)
}

// maskedProc are the files and directories of /proc that container
// runtimes hide (runc's and Podman's masked paths): they describe the host
// (its keys, timers, hardware and kernel memory) rather than the build.
// bwrap already makes /proc/sys, sysrq-trigger, irq and bus read-only.
var maskedProc = []string{
	"acpi", "asound", "interrupts", "kcore", "key-users", "keys", "latency_stats",
	"sched_debug", "scsi", "timer_list", "timer_stats",
}

// maskProcArgs are the bwrap arguments that hide maskedProc in the sandbox's
// /proc: an empty file over files (not /dev/null: bwrap binds with nodev,
// which makes a device node unreadable), an empty directory over
// directories, both read-only. Only what the kernel has is masked (bwrap cannot create a
// mount point in /proc); the sandbox's /proc is a new instance of the same
// kernel's, so the host's /proc says what is there.
func maskProcArgs(emptyDir, emptyFile string) []string {
	var args []string
	for _, name := range maskedProc {
		st, err := os.Lstat(filepath.Join("/proc", name))
		if err != nil {
			continue
		}
		if st.IsDir() {
			args = append(args, "--ro-bind", emptyDir, "/proc/"+name)
		} else {
			args = append(args, "--ro-bind", emptyFile, "/proc/"+name)
		}
	}
	return args
}
