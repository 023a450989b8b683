package rebuild

import (
	"context"
	"errors"
	"io"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"glassbox.dev"
)

// containSpec is one command to run in a sandbox whose walls and mounts
// args already hold (baseArgs and the caller's binds and environment).
type containSpec struct {
	runDir, sh, bwrap string
	args              []string // bwrap's options, without the command
	command           []string
	limits            Limits
	area              *buildArea // the tmpfs the sandbox writes to, watched for its limits
	logLimit          int
	noSeccomp         bool
	// tracer is a command run outside the sandbox that bwrap runs under
	// (strace and its options); nil for none.
	tracer []string
	// started, if set, is called with the host PID of the sandbox's first
	// process once its namespaces exist, before the command runs; an
	// error ends the sandbox.
	started func(pid int) error
	stdin   io.Reader
	// stop, when closed, ends the sandbox without a Cause.
	stop <-chan struct{}
}

// contain runs c in a bubblewrap sandbox in a cgroup of its own with
// c.limits, and returns what happened; when it returns no process of the
// sandbox is left.
func contain(ctx context.Context, c containSpec) (*Outcome, error) {
	args := c.args
	var extra []*os.File
	if !c.noSeccomp {
		filter, err := writeSeccompFilter(c.runDir)
		if err != nil {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "sandbox: seccomp filter: %w", err)
		}
		defer filter.Close()
		// fd 3 is bwrap's status pipe (cmd.ExtraFiles below), fd 4 this.
		extra = append(extra, filter)
		args = append(args, "--seccomp", "4")
	}
	var blockW *os.File
	if c.started != nil {
		// bwrap waits for a byte (or the end) on this pipe before it runs
		// the command, once the namespaces exist: started sets up what
		// the command needs from outside.
		r, w, err := os.Pipe()
		if err != nil {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "sandbox: %w", err)
		}
		defer r.Close()
		blockW = w
		defer func() {
			if blockW != nil {
				blockW.Close()
			}
		}()
		extra = append(extra, r)
		args = append(args, "--block-fd", strconv.Itoa(3+len(extra)))
	}
	args = append(args, "--")
	args = append(args, c.command...)

	cg, err := newCgroup(cgroupName(), c.limits.Memory, c.limits.Processes)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "sandbox: the memory and process limits need a cgroup, and none could be made (run glassbox as root, or in a delegated cgroup v2 subtree): %w", err)
	}
	defer cg.remove()

	// The wrapper joins the cgroup before it execs bwrap, so that no process
	// of the build ever runs outside it, and sets the limits a cgroup does
	// not have: the largest file (so that one write cannot fill the disk
	// between two checks) and no core dumps.
	const wrapper = `umask 022; ulimit -c 0; ulimit -f "$1"; shift
while [ "$1" != -- ]; do echo $$ > "$1" || { echo "glassbox: cannot join the build's cgroup" >&2; exit 125; }; shift; done
shift; exec "$@"`
	wargs := []string{"-c", wrapper, "glassbox-sandbox", strconv.FormatInt(int64(c.limits.Disk)/512, 10)}
	wargs = append(wargs, cg.procsFiles()...)
	wargs = append(wargs, "--")
	wargs = append(wargs, c.tracer...)
	wargs = append(wargs, c.bwrap)
	wargs = append(wargs, args...)

	log := newBuildLog(orDefault(c.logLimit, DefaultLogLimit))
	cmd := exec.Command(c.sh, wargs...)
	cmd.Dir = c.runDir
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	cmd.Stdout = log
	cmd.Stderr = log
	cmd.Stdin = c.stdin
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// If a process of the build kept the log pipe open past the kill, do
	// not wait for it forever; the cgroup sweep below kills it.
	cmd.WaitDelay = 5 * time.Second
	statusR, statusW, err := os.Pipe()
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "sandbox: %w", err)
	}
	cmd.ExtraFiles = append([]*os.File{statusW}, extra...)

	start := time.Now()
	if err := cmd.Start(); err != nil {
		statusR.Close()
		statusW.Close()
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "sandbox: starting bubblewrap: %w", err)
	}
	statusW.Close()
	started := make(chan bool, 1)
	childPID := make(chan int, 1)
	go func() {
		started <- sandboxStarted(statusR, childPID)
		statusR.Close()
	}()

	var (
		mu       sync.Mutex
		cause    string
		startErr error
		stopped  bool // ended by c.stop: the caller had seen enough
	)
	kill := func(why string) {
		mu.Lock()
		if cause == "" {
			cause = why
		}
		mu.Unlock()
		// The wrapper became bwrap; its process group holds bwrap, whose
		// sandboxed child dies with it (--die-with-parent) and takes the
		// whole PID namespace with it. The cgroup sweep catches the rest.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cg.kill(time.Second)
	}
	done := make(chan struct{})
	var watchers sync.WaitGroup
	watchers.Add(1)
	go func() {
		defer watchers.Done()
		wall := time.NewTimer(time.Duration(c.limits.Wall))
		defer wall.Stop()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				kill("")
				return
			case <-c.stop:
				mu.Lock()
				stopped = true
				mu.Unlock()
				kill("")
				return
			case pid := <-childPID:
				if c.started == nil {
					continue
				}
				err := c.started(pid)
				blockW.Close()
				blockW = nil
				if err != nil {
					startErr = err
					kill("")
					return
				}
			case <-wall.C:
				kill(CauseWallTime)
				return
			case <-tick.C:
				// A fork that failed at the limit ends the build at once:
				// a fork bomb would otherwise spin until the wall-time limit.
				if cg.pidsMaxHit() {
					kill(CauseProcesses)
					return
				}
				// The kernel refuses the write past a limit; a build
				// that has reached one is ended rather than left to fail
				// later for a reason further from the cause.
				if why := c.area.exceeded(); why != "" {
					kill(why)
					return
				}
			}
		}
	}()
	waitErr := cmd.Wait()
	close(done)
	watchers.Wait()
	duration := time.Since(start)
	clean := cg.kill(5 * time.Second)
	ok := <-started

	out := &Outcome{ExitStatus: -1, Duration: duration, Limits: c.limits}
	out.Log, out.LogTruncated = log.Bytes()
	if cmd.ProcessState != nil {
		out.ExitStatus = cmd.ProcessState.ExitCode()
		out.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if !clean {
		return out, glassbox.Errorf(glassbox.EINTERNAL, "sandbox: processes of the build survived SIGKILL in cgroup %s", cg.pids)
	}
	if err := ctx.Err(); err != nil {
		return out, glassbox.Errorf(glassbox.EINTERNAL, "sandbox: the build was cancelled: %w", err)
	}
	if startErr != nil {
		return out, glassbox.Errorf(glassbox.EINTERNAL, "sandbox: preparing the sandbox for its command: %w", startErr)
	}
	mu.Lock()
	out.Cause = cause
	wasStopped := stopped
	mu.Unlock()
	switch {
	case out.Cause != "":
	case cg.pidsMaxHit():
		out.Cause = CauseProcesses
	case cg.oomKilled():
		out.Cause = CauseMemory
	case c.area.exceeded() != "":
		out.Cause = c.area.exceeded()
	case !ok:
		var ee *exec.ExitError
		if waitErr != nil && !errors.As(waitErr, &ee) {
			return out, glassbox.Errorf(glassbox.EINTERNAL, "sandbox: running bubblewrap: %w", waitErr)
		}
		return out, glassbox.Errorf(glassbox.EINTERNAL, "sandbox: bubblewrap could not set up the sandbox (exit status %d): %s", out.ExitStatus, lastLines(out.Log, 5))
	case out.ExitStatus != 0 && !wasStopped:
		// (Stopped, it has not failed: the exit status is the kill's.)
		out.Cause = CauseExit
	}
	return out, nil
}

// setenvArgs are bwrap's --setenv options for env, in a stable order.
func setenvArgs(env map[string]string) []string {
	var args []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		args = append(args, "--setenv", k, env[k])
	}
	return args
}
