package rebuild

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"glassbox.dev"
)

// Why a build failed. Outcome.Cause holds one of these, or "" on success.
const (
	CauseWallTime  = "wall-time" // the build ran longer than its wall-time limit
	CauseProcesses = "processes" // a fork failed at the process limit
	CauseMemory    = "memory"    // the kernel killed a process at the memory limit
	CauseDisk      = "disk"      // the build wrote more than its disk limit
	CauseInodes    = "inodes"    // the build created more files than its limit
	CauseExit      = "exit"      // a build command exited with a non-zero status
)

// Paths inside the sandbox.
const (
	SourceMount    = "/src"        // the work directory, read-write
	ToolchainMount = "/opt/go"     // the host's GOROOT, read-only
	modCacheMount  = "/gomodcache" // the modules the centre fetched, read-only
	goCacheMount   = "/gocache"    // the vendor's Go build cache, read-write
	sandboxHome    = "/tmp/home"
	sandboxUID     = "1000"
)

// Spec is one build to run.
type Spec struct {
	Recipe *Recipe
	// Dir is the work directory: a fresh copy of the source (Materialise).
	// The build works on a copy of it in a tmpfs of its own, mounted at
	// /src (buildArea); the recipe's artefacts are copied back into it.
	Dir string
	// Limits are the caller's overrides of the recipe's limits; zero
	// fields keep the recipe's (or the defaults).
	Limits Limits
	// SourceDateEpoch is the time, in seconds since 1970, that tools write
	// where they would write the current time.
	SourceDateEpoch int64
	// GOROOT is the Go toolchain for recipes with toolchain go; empty means
	// the GOROOT of the go command on PATH.
	GOROOT string
	// InputRoots are the host directories a recipe's inputs may come from.
	// A recipe is the vendor's text: an input outside these is refused.
	InputRoots []string
	// DataDir is the centre's data directory (keys, evidence, database).
	// No input root may hold it or lie inside it, and no input may resolve
	// into it; with InputRoots set it is required.
	DataDir string
	// LogLimit bounds the log kept in the Outcome; 0 means DefaultLogLimit.
	LogLimit int
	// ModCache is a Go module cache the centre fetched for this build
	// (fetchModules), mounted read-only as GOMODCACHE for a Go recipe that
	// neither vendors nor names a gomodcache input; "" for none.
	ModCache string

	// GoCache is a Go build cache on the host, mounted read-write as
	// GOCACHE for a Go recipe; "" gives the build a fresh one in /tmp. It
	// must be one vendor's alone (Rebuilder.goCache): what one build writes
	// there, a later one reads.
	GoCache string

	// noSeccomp leaves out the seccomp filter; only the benchmark that
	// measures the filter's cost sets it.
	noSeccomp bool
}

// Outcome is what a build did. A build that failed has a Cause and a Reason;
// Run's error is kept for failures of the centre itself.
type Outcome struct {
	ExitStatus   int           // the status of the build commands; -1 when they were killed
	Duration     time.Duration // wall-clock time of the sandbox
	Log          []byte        // stdout and stderr, interleaved, bounded by Spec.LogLimit
	LogTruncated bool          // the middle of the log was left out
	CPU          time.Duration // user and system CPU time of the sandbox and every build process it reaped
	Limits       Limits        // the limits that applied
	Cause        string        // "" on success, else one of the Cause constants
	Reason       string        // Cause in a sentence, for people
}

// Succeeded reports whether every build command exited with status 0 within
// the limits.
func (o *Outcome) Succeeded() bool { return o.Cause == "" }

// Run runs the recipe's build commands in a bubblewrap sandbox over
// spec.Dir: new user, PID, network, IPC, UTS, mount and cgroup namespaces,
// no capabilities, a seccomp filter (seccomp.go), the host's parts of /proc
// masked, read-only /usr, a generated /etc, a private /tmp, a clean
// environment, and limits enforced by a cgroup of its own. When Run returns,
// no process of the build is left.
func Run(ctx context.Context, spec Spec) (*Outcome, error) {
	if spec.Recipe == nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "sandbox: no recipe")
	}
	r := spec.Recipe
	if err := r.Validate(); err != nil {
		return nil, err
	}
	limits := DefaultLimits().Override(r.Limits).Override(spec.Limits)
	if st, err := os.Stat(spec.Dir); err != nil || !st.IsDir() || !filepath.IsAbs(spec.Dir) {
		return nil, glassbox.Errorf(glassbox.EINVALID, "sandbox: work directory %q must be an existing absolute directory", spec.Dir)
	}
	sb, err := openSandbox(spec.Dir, limits)
	if err != nil {
		return nil, err
	}
	defer sb.close()
	runDir, area, sh, bwrap := sb.runDir, sb.area, sb.sh, sb.bwrap
	args, err := baseArgs(runDir, nil)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "sandbox: %w", err)
	}
	args = append(args,
		// Both are in the build's tmpfs, so they share its limits.
		"--bind", area.tmp, "/tmp",
		"--dir", sandboxHome,
		"--bind", area.src, SourceMount,
	)

	env := map[string]string{
		"SOURCE_DATE_EPOCH": strconv.FormatInt(spec.SourceDateEpoch, 10),
		"TZ":                "UTC",
		"LANG":              "C.UTF-8",
		"LC_ALL":            "C.UTF-8",
		"HOME":              sandboxHome,
		"TMPDIR":            "/tmp",
		"PATH":              "/usr/local/bin:/usr/bin:/bin",
		"USER":              "build",
		"LOGNAME":           "build",
	}
	if r.Toolchain == ToolchainGo {
		goroot, err := hostGOROOT(ctx, spec.GOROOT)
		if err != nil {
			return nil, err
		}
		args = append(args, "--ro-bind", goroot, ToolchainMount)
		env["PATH"] = ToolchainMount + "/bin:" + env["PATH"]
		env["GOROOT"] = ToolchainMount
		env["GOTOOLCHAIN"] = "local"
		env["GOPROXY"] = "off"
		env["GOSUMDB"] = "off"
		env["GOTELEMETRY"] = "off"
		env["GOENV"] = "off"
		env["GOPATH"] = "/tmp/go"
		// A fresh build cache, unless the caller keeps one for this
		// vendor: a cache shared between vendors would let one vendor's
		// build poison another's.
		env["GOCACHE"] = "/tmp/go-build"
		if spec.GoCache != "" {
			args = append(args, "--bind", spec.GoCache, goCacheMount)
			env["GOCACHE"] = goCacheMount
		}
		env["GOMODCACHE"] = "/tmp/go/pkg/mod"
		env["GOFLAGS"] = "-mod=readonly"
		if vendoredRoot(area.src) {
			env["GOFLAGS"] = "-mod=vendor"
		} else if spec.ModCache != "" {
			args = append(args, "--ro-bind", spec.ModCache, modCacheMount)
			env["GOMODCACHE"] = modCacheMount
		}
		for _, in := range r.Inputs {
			if in.Name == "gomodcache" {
				env["GOMODCACHE"] = in.Mount
			}
		}
	}
	if len(r.Inputs) > 0 {
		if err := checkInputRoots(spec.InputRoots, spec.DataDir); err != nil {
			return nil, err
		}
	}
	for _, in := range r.Inputs {
		real, ok := hostPathWithin(in.Path, spec.InputRoots)
		if !ok {
			return nil, glassbox.Errorf(glassbox.EINVALID, "sandbox: input %q: host path %s does not exist or is not inside a directory the centre allows inputs from (%s)", in.Name, in.Path, strings.Join(spec.InputRoots, ", "))
		}
		if overlaps(real, spec.DataDir) {
			return nil, glassbox.Errorf(glassbox.EINVALID, "sandbox: input %q: host path %s resolves into or holds the centre's data directory; refusing to mount it", in.Name, in.Path)
		}
		// Pinned: the directory must be the one the vendor named. (It is
		// hashed before it is mounted; the centre's input directories are
		// its own and not written to during a build.) The error does not
		// tell the directory's real digest: a recipe could probe host
		// content with guesses.
		got, err := TreeDigest(real)
		if err != nil {
			return nil, err
		}
		if got != in.Digest {
			return nil, glassbox.Errorf(glassbox.EINVALID, "sandbox: input %q: %s does not have the tree digest the recipe pins (%s); the input is not the one the vendor built with", in.Name, in.Path, in.Digest)
		}
		args = append(args, "--ro-bind", real, in.Mount)
	}
	for k, v := range r.Env {
		env[k] = v
	}
	args = append(args, "--chdir", SourceMount, "--clearenv")
	args = append(args, setenvArgs(env)...)
	// The runner echoes each command, as sh -x would, so that the log shows
	// which one failed; it stops at the first failure with its status.
	const runner = `umask 022; for c do printf '+ %s\n' "$c"; /bin/sh -c "$c" || exit; done`
	command := append([]string{"/bin/sh", "-c", runner, "glassbox-build"}, r.Build...)
	out, err := contain(ctx, containSpec{
		runDir: runDir, sh: sh, bwrap: bwrap, args: args, command: command,
		limits: limits, area: area, logLimit: spec.LogLimit, noSeccomp: spec.noSeccomp,
	})
	if err != nil {
		return out, err
	}
	out.Reason = reason(out.Cause, limits, out.ExitStatus)
	if out.Cause == "" {
		if err := area.copyBack(spec.Dir, r); err != nil {
			return out, glassbox.Errorf(glassbox.EINTERNAL, "sandbox: copying the artefacts out of the build's tmpfs: %w", err)
		}
	}
	return out, nil
}

// sandboxDirs are what one sandbox needs on the host: the tools, its run
// directory (locked, removed by close) and its tmpfs.
type sandboxDirs struct {
	sh, bwrap, runDir string
	area              *buildArea
	close             func()
}

// openSandbox finds bwrap and sh, makes a run directory and mounts the
// sandbox's tmpfs with srcDir copied in ("" for an empty one).
func openSandbox(srcDir string, limits Limits) (*sandboxDirs, error) {
	bwrap, err := exec.LookPath("bwrap")
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "sandbox: bubblewrap is not installed (no bwrap on PATH); install the Debian package bubblewrap: %w", err)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "sandbox: no sh on PATH: %w", err)
	}
	cleanStale()
	runDir, release, err := newRunDir()
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "sandbox: %w", err)
	}
	fail := func(err error) (*sandboxDirs, error) {
		release()
		os.RemoveAll(runDir)
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "sandbox: %w", err)
	}
	if srcDir == "" {
		srcDir = filepath.Join(runDir, "work")
		if err := os.Mkdir(srcDir, 0o755); err != nil {
			return fail(err)
		}
	}
	area, err := newBuildArea(filepath.Join(runDir, "area"), srcDir, limits)
	if err != nil {
		return fail(err)
	}
	return &sandboxDirs{sh: sh, bwrap: bwrap, runDir: runDir, area: area, close: func() {
		area.remove()
		release()
		os.RemoveAll(runDir)
	}}, nil
}

// baseArgs are bwrap's arguments for the walls every sandbox has: new
// user, PID, network, IPC, UTS, mount and cgroup namespaces, no
// capabilities, read-only /usr, a generated /etc (passwd, group, hosts and
// the files in etc), /proc with the host's parts masked, and /dev. The
// files are written in runDir.
func baseArgs(runDir string, etc map[string]string) ([]string, error) {
	args := []string{
		"--unshare-all", "--unshare-user", "--disable-userns",
		"--uid", sandboxUID, "--gid", sandboxUID, "--cap-drop", "ALL",
		"--die-with-parent", "--new-session", "--hostname", "glassbox",
		"--json-status-fd", "3",
		"--ro-bind", "/usr", "/usr",
	}
	// Debian and most distributions have merged /usr: /bin and /lib are
	// links into it. Keep them links; bind them only where they are real.
	for _, d := range []string{"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"} {
		if target, err := os.Readlink(d); err == nil {
			args = append(args, "--symlink", target, d)
		} else if st, err := os.Stat(d); err == nil && st.IsDir() {
			args = append(args, "--ro-bind", d, d)
		}
	}
	// From the host's /etc only what running programs needs: the dynamic
	// linker's cache and Debian's alternatives links (cc, awk, ...). No
	// certificates: there is no network to use them on.
	args = append(args,
		"--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
		"--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
	)
	// A generated passwd names only the build user, so that tools that look
	// the user up work and nothing about the host's accounts is visible.
	files := map[string]string{
		"passwd": "root:x:0:0:root:/root:/usr/sbin/nologin\nbuild:x:" + sandboxUID + ":" + sandboxUID + ":glassbox build:" + sandboxHome + ":/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
		"group":  "root:x:0:\nbuild:x:" + sandboxUID + ":\nnogroup:x:65534:\n",
		"hosts":  "127.0.0.1 localhost glassbox\n::1 localhost\n",
	}
	for name, text := range etc {
		files[name] = text
	}
	if err := os.Mkdir(filepath.Join(runDir, "etc"), 0o755); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(runDir, "etc", name)
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			return nil, err
		}
		args = append(args, "--ro-bind", p, "/etc/"+name)
	}
	emptyDir, emptyFile := filepath.Join(runDir, "empty"), filepath.Join(runDir, "empty-file")
	if err := os.Mkdir(emptyDir, 0o555); err != nil {
		return nil, err
	}
	if err := os.WriteFile(emptyFile, nil, 0o444); err != nil {
		return nil, err
	}
	args = append(args, "--proc", "/proc")
	args = append(args, maskProcArgs(emptyDir, emptyFile)...)
	return append(args, "--dev", "/dev"), nil
}

func reason(cause string, l Limits, status int) string {
	switch cause {
	case CauseWallTime:
		return fmt.Sprintf("the build exceeded its wall-time limit of %s", l.Wall)
	case CauseProcesses:
		return fmt.Sprintf("the build ran out of processes (limit %d)", l.Processes)
	case CauseMemory:
		return fmt.Sprintf("the build exceeded its memory limit of %s", l.Memory)
	case CauseDisk:
		return fmt.Sprintf("the build wrote more than %s", l.Disk)
	case CauseInodes:
		return fmt.Sprintf("the build created more than %d files", l.Inodes)
	case CauseExit:
		return fmt.Sprintf("the build command exited with status %d", status)
	}
	return ""
}

// vendoredRoot reports whether the main module of the source in dir
// (moduleRoot, wherever its go.mod is) builds from its vendor directory.
func vendoredRoot(dir string) bool {
	var paths []string
	for _, p := range goModPaths(dir) {
		if rel, err := filepath.Rel(dir, p); err == nil {
			paths = append(paths, filepath.ToSlash(rel))
		}
	}
	root, ok := moduleRoot(paths)
	return ok && vendored(filepath.Join(dir, filepath.FromSlash(root)))
}

// sandboxStarted reads bwrap's JSON status stream and reports whether the
// sandbox came up (bwrap reports the child's pid once it is set up, sent
// on childPID); a failure before that is bwrap's or the host's, not the
// build's.
func sandboxStarted(r io.Reader, childPID chan<- int) bool {
	dec := json.NewDecoder(r)
	ok := false
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			io.Copy(io.Discard, r)
			return ok
		}
		if pid, has := m["child-pid"]; has {
			if n, isNum := pid.(float64); isNum && !ok {
				childPID <- int(n)
			}
			ok = true
		}
	}
}

// hostGOROOT returns the Go toolchain to mount: the one given, or the
// GOROOT of the go command on PATH.
func hostGOROOT(ctx context.Context, goroot string) (string, error) {
	if goroot == "" {
		gocmd, err := exec.LookPath("go")
		if err != nil {
			return "", glassbox.Errorf(glassbox.EINTERNAL, "sandbox: the recipe needs the Go toolchain and there is no go on PATH: %w", err)
		}
		cmd := exec.CommandContext(ctx, gocmd, "env", "GOROOT")
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
		outb, err := cmd.Output()
		if err != nil {
			return "", glassbox.Errorf(glassbox.EINTERNAL, "sandbox: go env GOROOT: %w", err)
		}
		goroot = strings.TrimSpace(string(outb))
	}
	real, err := filepath.EvalSymlinks(goroot)
	if err != nil {
		return "", glassbox.Errorf(glassbox.EINTERNAL, "sandbox: GOROOT %s: %w", goroot, err)
	}
	if _, err := os.Stat(filepath.Join(real, "bin", "go")); err != nil {
		return "", glassbox.Errorf(glassbox.EINTERNAL, "sandbox: GOROOT %s has no bin/go: %w", goroot, err)
	}
	return real, nil
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "; ")
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
