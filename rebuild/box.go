package rebuild

import (
	"context"
	"io"
	"path"
	"sort"
	"strings"

	"glassbox.dev"
)

// WorkMount is the writable working directory of a Box, and ProgramDir
// where the run stage puts the program.
const (
	WorkMount  = "/work"
	ProgramDir = "/app"
)

// Box is a sandbox for running a shipped program rather than building one:
// the run stage's. It has a build's walls (namespaces, no capabilities,
// the seccomp filter, cgroup limits, a private tmpfs for /tmp and
// WorkMount), and its network namespace has only loopback.
type Box struct {
	// Files are host files bound read-only into the sandbox, by their
	// absolute, clean path inside it (the program, its configuration).
	Files map[string]string
	// Etc are files of the generated /etc beyond passwd, group and hosts
	// (resolv.conf, nsswitch.conf), by name.
	Etc     map[string]string
	Env     map[string]string
	Command []string
	Limits  Limits
	// Tracer is a command run outside the sandbox that the sandbox runs
	// under (strace and its options); nil for none.
	Tracer []string
	// Started, if set, is called with the host PID of the sandbox's first
	// process once its namespaces exist and before Command runs; an error
	// ends the box.
	Started func(pid int) error
	// Stop, when closed, ends the box, every process in it, without a
	// Cause: the caller has seen enough.
	Stop     <-chan struct{}
	Stdin    io.Reader
	LogLimit int
	// Watch, if set, is called once the box's tmpfs is mounted, with each
	// writable directory on it (host path → path in the sandbox), before
	// anything runs; the function it returns is called when every process
	// of the box has ended, before the tmpfs is unmounted.
	Watch func(mounts map[string]string) (stop func(), err error)
}

// boxReserved are the paths a Box's files may not be put at or under.
var boxReserved = []string{"/proc", "/dev", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/tmp", WorkMount,
	"/etc/passwd", "/etc/group", "/etc/hosts", "/etc/ld.so.cache", "/etc/alternatives",
	// The run stage's resolver set-up: a vendor's file here could send
	// lookups past the sinkhole, or nowhere, and hide a phone-home.
	"/etc/resolv.conf", "/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf", "/etc/ld.so.preload"}

// CheckBoxPath says why p cannot hold a file a recipe gives a run, or nil.
func CheckBoxPath(p string) error {
	if p == ProgramDir || strings.HasPrefix(p, ProgramDir+"/") {
		return glassbox.Errorf(glassbox.EINVALID, "path %q is at or under %s, where the run stage puts the program", p, ProgramDir)
	}
	return checkBoxPath(p)
}

// checkBoxPath says why p cannot hold a file of a Box, or nil.
func checkBoxPath(p string) error {
	if !path.IsAbs(p) || path.Clean(p) != p || p == "/" {
		return glassbox.Errorf(glassbox.EINVALID, "path %q must be absolute and clean, and not /", p)
	}
	for _, r := range boxReserved {
		if p == r || strings.HasPrefix(p, r+"/") {
			return glassbox.Errorf(glassbox.EINVALID, "path %q is at or under %s, which glassbox provides itself", p, r)
		}
	}
	return nil
}

// RunBox runs b.Command in a Box and returns what happened. When it
// returns, no process of the box is left.
func RunBox(ctx context.Context, b Box) (*Outcome, error) {
	if len(b.Command) == 0 {
		return nil, glassbox.Errorf(glassbox.EINVALID, "sandbox: no command")
	}
	limits := DefaultLimits().Override(b.Limits)
	sb, err := openSandbox("", limits)
	if err != nil {
		return nil, err
	}
	defer sb.close()
	runDir, area := sb.runDir, sb.area
	for name := range b.Etc {
		if strings.Contains(name, "/") || name == "" || name == "." || name == ".." {
			return nil, glassbox.Errorf(glassbox.EINVALID, "sandbox: /etc file name %q must be one file name", name)
		}
	}
	args, err := baseArgs(runDir, b.Etc)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "sandbox: %w", err)
	}
	args = append(args, "--bind", area.tmp, "/tmp", "--dir", sandboxHome, "--bind", area.src, WorkMount)
	if b.Watch != nil {
		stop, err := b.Watch(map[string]string{area.tmp: "/tmp", area.src: WorkMount})
		if err != nil {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "sandbox: %w", err)
		}
		// Runs before sb.close unmounts the tmpfs.
		defer stop()
	}
	inside := make([]string, 0, len(b.Files))
	for p := range b.Files {
		if err := checkBoxPath(p); err != nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "sandbox: %w", err)
		}
		inside = append(inside, p)
	}
	sort.Strings(inside)
	for _, p := range inside {
		args = append(args, "--ro-bind", b.Files[p], p)
	}
	env := map[string]string{
		"TZ": "UTC", "LANG": "C.UTF-8", "HOME": sandboxHome, "TMPDIR": "/tmp",
		"PATH": "/usr/local/bin:/usr/bin:/bin", "USER": "build", "LOGNAME": "build",
	}
	for k, v := range b.Env {
		env[k] = v
	}
	args = append(args, "--chdir", WorkMount, "--clearenv")
	args = append(args, setenvArgs(env)...)
	out, err := contain(ctx, containSpec{
		runDir: runDir, sh: sb.sh, bwrap: sb.bwrap, args: args, command: b.Command,
		limits: limits, area: area, logLimit: b.LogLimit, tracer: b.Tracer,
		started: b.Started, stdin: b.Stdin, stop: b.Stop,
	})
	if err != nil {
		return out, err
	}
	out.Reason = reason(out.Cause, limits, out.ExitStatus)
	return out, nil
}
