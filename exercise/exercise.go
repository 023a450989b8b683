// Package exercise is the run stage: it starts a release's shipped
// executables in the sandbox, records what they do from outside the
// process (processes, files written, sockets, connections, DNS questions,
// privilege changes), probes every port they listen on as an attacker
// would — banners, default credentials, HTTP debug endpoints, and the
// values the static analysers found compared with input — and turns
// behaviour that looks like a backdoor into findings with the observed
// trace.
//
// The sandbox is rebuild's (rebuild.RunBox): its own network namespace with
// only loopback, so nothing leaves the machine; a DNS sinkhole inside it
// answers every name with an address of its own, so a phone-home completes
// its lookup and its connection attempt is recorded. The recorder is
// strace, outside the sandbox (trace.go).
package exercise

import (
	"context"
	"debug/elf"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"glassbox.dev"
	"glassbox.dev/rebuild"
)

// Executable is a shipped file the run stage can start.
type Executable struct {
	Name string // the artefact's name
	Path string // where it is on the host

	harvested *harvested
}

// Input is a value the static analysis found compared with input, to be
// fed to the running program.
type Input struct {
	Value  string `json:"value"`
	Rule   string `json:"rule"`   // the finding's rule, e.g. GB1401
	Source string `json:"source"` // path:line of the comparison
	// Headers are request header names the same code reads, for HTTP.
	Headers []string `json:"headers,omitempty"`
}

// Spec is one run stage.
type Spec struct {
	Executables []Executable
	// NotRun are shipped programs that cannot be started here; they make
	// the report incomplete.
	NotRun []NotRun
	// Recipe's run section says how to run each executable; nil or
	// without one, each runs with the defaults.
	Recipe *rebuild.Recipe
	Inputs []Input
	// Headers are request header names the source reads (SourceHeaders),
	// tried with each input on HTTP listeners.
	Headers []string
	// WorkDir is where traces and copies are kept while the stage runs;
	// it must exist and is left as it was.
	WorkDir string
	// Limits bound each run's sandbox (wall time is set per run).
	Limits rebuild.Limits
	// Progress, if set, is told what runs.
	Progress func(string)
}

// Report is what the run stage observed and concluded.
type Report struct {
	Tracer   string             `json:"tracer"`
	Runs     []RunReport        `json:"runs"`
	NotRun   []NotRun           `json:"not_run,omitempty"`
	Findings []glassbox.Finding `json:"findings"`
	// Inputs is how many values the static analysis found compared with
	// input; each run's Tried, how many of them reached a listener.
	Inputs int `json:"inputs"`
}

// NotRun is a shipped file that was not started, and why.
type NotRun struct {
	Artifact string `json:"artifact"`
	Reason   string `json:"reason"`
}

// RunReport is one run of one executable.
type RunReport struct {
	Artifact  string        `json:"artifact"`
	Args      []string      `json:"args"`
	Declared  bool          `json:"declared"` // from the recipe's run section
	Ports     []int         `json:"ports,omitempty"`
	Start     time.Time     `json:"start"`
	Duration  time.Duration `json:"duration_ns"`
	Exit      string        `json:"exit"` // "exited with 0", "killed by SIGKILL", "still running when stopped"
	Output    string        `json:"output,omitempty"`
	Events    []Event       `json:"events"`
	DNS       []Query       `json:"dns,omitempty"`
	Listeners []Listener    `json:"listeners,omitempty"`
	Probes    []Probe       `json:"probes,omitempty"`
	// Complete is false when the run could not be recorded as a whole
	// (the program could not start, the trace is missing).
	Complete bool   `json:"complete"`
	Problem  string `json:"problem,omitempty"`
	// Tried is how many of the static analysis's values were given to a
	// listener of this run.
	Tried int `json:"tried"`
}

// Event is one thing a process of the program did, as the kernel was asked.
type Event struct {
	At      time.Time `json:"at"`
	PID     int       `json:"pid"`
	Kind    string    `json:"kind"` // exec, spawn, write, bind, listen, connect, send, privilege, namespace, exit
	Call    string    `json:"call"`
	Path    string    `json:"path,omitempty"`
	Argv    []string  `json:"argv,omitempty"`
	Address string    `json:"address,omitempty"`
	Name    string    `json:"name,omitempty"` // for a connection to a sinkhole address: the name it was given for
	Result  string    `json:"result"`
}

func (e Event) failed() bool { return strings.HasPrefix(e.Result, "-1 ") }

// programDir is where the executable is inside the sandbox.
const programDir = rebuild.ProgramDir

// keeperName is the $0 of the shell that keeps the sandbox open.
const keeperName = "glassbox-run"

// Exercise runs every executable as the recipe says, or with the
// defaults, and reports.
func Exercise(ctx context.Context, spec Spec) (*Report, error) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "run stage: the recorder needs strace (Debian package strace): %w", err)
	}
	rep := &Report{Tracer: tracerVersion(ctx, strace), Runs: []RunReport{}, Findings: []glassbox.Finding{}, NotRun: spec.NotRun}
	declared := map[string][]rebuild.RunSpec{}
	if spec.Recipe != nil {
		for _, r := range spec.Recipe.Run {
			declared[r.Artifact] = append(declared[r.Artifact], r)
		}
	}
	for _, exe := range spec.Executables {
		exe.harvested = &harvested{path: exe.Path}
		why, ok := runnable(exe.Path)
		if !ok {
			rep.NotRun = append(rep.NotRun, NotRun{Artifact: exe.Name, Reason: why})
			continue
		}
		runs, decl := declared[exe.Name], true
		if len(runs) == 0 {
			decl = false
			runs = []rebuild.RunSpec{
				{Artifact: exe.Name, Args: []string{"--help"}, Duration: rebuild.Duration(3 * time.Second)},
				{Artifact: exe.Name, Args: []string{"--version"}, Duration: rebuild.Duration(3 * time.Second)},
				{Artifact: exe.Name, Duration: rebuild.DefaultRunDuration},
			}
		}
		for _, r := range runs {
			if err := ctx.Err(); err != nil {
				return nil, glassbox.Errorf(glassbox.EINTERNAL, "run stage: cancelled: %w", err)
			}
			if spec.Progress != nil {
				spec.Progress(fmt.Sprintf("running %s %s", exe.Name, strings.Join(r.Args, " ")))
			}
			rr, err := runOne(ctx, strace, spec, exe, r, decl)
			// bubblewrap, not the program, failed before the program
			// started (its loopback set-up has been seen to fail once in
			// hundreds of runs): run it again, twice at most.
			for try := 0; err == nil && !rr.Complete && strings.HasPrefix(rr.Output, "bwrap:") && try < 2; try++ {
				slog.Warn("run stage: the sandbox failed before the program started; running it again", "artifact", exe.Name, "bwrap", lastLine(rr.Output))
				rr, err = runOne(ctx, strace, spec, exe, r, decl)
			}
			if err != nil {
				return nil, err
			}
			rep.Runs = append(rep.Runs, *rr)
		}
	}
	rep.Inputs = len(spec.Inputs)
	rep.Findings = judge(rep, spec.Inputs)
	return rep, nil
}

// Programs is how many shipped programs the stage had to run: those it
// ran and those it could not.
func (r *Report) Programs() int {
	ran := map[string]bool{}
	for _, run := range r.Runs {
		ran[run.Artifact] = true
	}
	return len(ran) + len(r.NotRun)
}

// Ran reports whether every executable ran and was recorded in full: a
// report that is not is no evidence of the absence of behaviour.
func (r *Report) Ran() (bool, string) {
	if len(r.NotRun) > 0 {
		return false, fmt.Sprintf("%s could not be run: %s", r.NotRun[0].Artifact, r.NotRun[0].Reason)
	}
	for _, run := range r.Runs {
		if !run.Complete {
			return false, fmt.Sprintf("%s %s was not recorded in full: %s", run.Artifact, strings.Join(run.Args, " "), run.Problem)
		}
		for _, p := range run.Probes {
			if p.Cut != "" {
				return false, fmt.Sprintf("%s %s: the probe of port %d was cut short: %s", run.Artifact, strings.Join(run.Args, " "), p.Listener.Port, p.Cut)
			}
		}
	}
	if len(r.Runs) == 0 {
		return false, "nothing was run"
	}
	return true, ""
}

// Executables sorts the artefacts in dir (named as in the release) into
// programs the run stage can start (ELF executables of this machine,
// scripts with an interpreter the sandbox has) and programs it cannot
// (built for another machine, an interpreter it lacks), with why; other
// files (data, archives, shared libraries) are neither.
func Executables(dir string, names []string) (run []Executable, notRun []NotRun) {
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		why, ok := runnable(p)
		switch {
		case ok:
			run = append(run, Executable{Name: n, Path: p})
		case why != notAProgram:
			notRun = append(notRun, NotRun{Artifact: n, Reason: why})
		}
	}
	return run, notRun
}

// notAProgram is runnable's reason for a file that is no program at all.
const notAProgram = "not a program"

// runnable says whether the file at p is a program this machine runs, and
// if not, why.
func runnable(p string) (string, bool) {
	f, err := os.Open(p)
	if err != nil {
		return "cannot be read: " + err.Error(), false
	}
	defer f.Close()
	head := make([]byte, 256)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if strings.HasPrefix(string(head), "#!") {
		line, _, _ := strings.Cut(string(head[2:]), "\n")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			return "a script without an interpreter", false
		}
		if !strings.HasPrefix(fields[0], "/usr/") && !strings.HasPrefix(fields[0], "/bin/") {
			return "its interpreter " + fields[0] + " is not in the sandbox", false
		}
		if _, err := os.Stat(fields[0]); err != nil {
			return "its interpreter " + fields[0] + " is not installed", false
		}
		return "", true
	}
	ef, err := elf.NewFile(f)
	if err != nil {
		return notAProgram, false
	}
	defer ef.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "386": elf.EM_386, "riscv64": elf.EM_RISCV}[runtime.GOARCH]
	if ef.Machine != want {
		return fmt.Sprintf("built for %s, this machine is %s", ef.Machine, runtime.GOARCH), false
	}
	switch ef.Type {
	case elf.ET_EXEC:
		return "", true
	case elf.ET_DYN:
		for _, p := range ef.Progs {
			if p.Type == elf.PT_INTERP {
				return "", true
			}
		}
		// A static PIE has no interpreter: it says it is a PIE
		// (DF_1_PIE); a shared library has a soname and says neither.
		if flags, err := ef.DynValue(elf.DT_FLAGS_1); err == nil && len(flags) > 0 && flags[0]&uint64(elf.DF_1_PIE) != 0 {
			return "", true
		}
		if soname, err := ef.DynValue(elf.DT_SONAME); err == nil && len(soname) > 0 {
			return notAProgram, false
		}
		if ef.Entry != 0 {
			// Neither a PIE by its flags nor a library by its name: run
			// it; one that cannot start leaves the run incomplete.
			return "", true
		}
		return notAProgram, false
	}
	return notAProgram, false
}

func tracerVersion(ctx context.Context, strace string) string {
	out, err := exec.CommandContext(ctx, strace, "-V").Output()
	if err != nil {
		return "strace"
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line) + " (ptrace from outside the sandbox, seccomp-bpf filtered, following every fork)"
}

// Bounds of one run.
const (
	settle         = 400 * time.Millisecond // no new listener for this long: the program is up
	maxSettle      = 2 * time.Second        // probing starts at most this long after the first listener
	maxProbing     = 90 * time.Second       // probes of one run, all listeners together
	maxPerListener = 45 * time.Second       // probes of one listener
	maxOutput      = 4 << 10                // of the program's output kept in the report
	pollEvery      = 50 * time.Millisecond
	sandboxWall    = 2 * time.Minute // beyond the run's duration and probes
)

// runOne runs one executable once and records it.
func runOne(ctx context.Context, strace string, spec Spec, exe Executable, r rebuild.RunSpec, declared bool) (*RunReport, error) {
	rr := &RunReport{Artifact: exe.Name, Args: append([]string{}, r.Args...), Declared: declared, Ports: r.Ports, Events: []Event{}}
	if rr.Args == nil {
		rr.Args = []string{}
	}
	dir, err := os.MkdirTemp(spec.WorkDir, "run-")
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "run stage: %w", err)
	}
	defer os.RemoveAll(dir)
	traceDir := filepath.Join(dir, "trace")
	if err := os.Mkdir(traceDir, 0o700); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "run stage: %w", err)
	}
	prog := filepath.Join(dir, "program")
	if err := copyFile(prog, exe.Path, 0o755); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "run stage: %w", err)
	}
	inside := programDir + "/" + exe.Name
	files := map[string]string{inside: prog}
	for i, p := range slices.Sorted(maps.Keys(r.Files)) {
		host := filepath.Join(dir, "file-"+strconv.Itoa(i))
		if err := os.WriteFile(host, []byte(r.Files[p]), 0o644); err != nil {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "run stage: %w", err)
		}
		files[p] = host
	}
	duration := time.Duration(r.Duration)
	if duration <= 0 {
		duration = time.Duration(rebuild.DefaultRunDuration)
	}
	limits := spec.Limits
	limits.Wall = rebuild.Duration(duration + maxProbing + sandboxWall)
	if limits.Memory == 0 {
		limits.Memory = 1 << 30
	}
	if limits.Disk == 0 {
		limits.Disk = 256 << 20
	}
	if limits.Processes == 0 {
		limits.Processes = 256
	}

	stop := make(chan struct{})
	type startInfo struct {
		pid int
		ns  *netns
	}
	pidc := make(chan startInfo, 1)
	var sink *sinkhole
	box := rebuild.Box{
		Files: files,
		Etc: map[string]string{
			"resolv.conf":   "nameserver " + resolverAddr.Addr().String() + "\noptions attempts:1 timeout:1\n",
			"nsswitch.conf": "passwd: files\ngroup: files\nhosts: files dns\n",
		},
		Env: r.Env,
		// The shell keeps the sandbox open after the program's first
		// process ends, so that what it left running (a daemon that forked
		// away) keeps running and keeps being recorded.
		Command: append([]string{"/bin/sh", "-c", `"$@"; exec /bin/sleep 2147483647`, keeperName, inside}, r.Args...),
		Limits:  limits,
		Tracer:  tracerArgs(strace, traceDir),
		Started: func(pid int) error {
			// The namespace is held open from here on: every later reach
			// into it is by this descriptor, never by a PID that could be
			// reused once the sandbox is gone.
			ns, err := openNetns(pid)
			if err != nil {
				return err
			}
			s, err := startSinkhole(ns)
			if err != nil {
				ns.close()
				return err
			}
			sink = s
			pidc <- startInfo{pid, ns}
			return nil
		},
		Stop:     stop,
		LogLimit: maxOutput,
	}
	var fw *fileWatch
	var written []Event
	box.Watch = func(mounts map[string]string) (func(), error) {
		w, err := watchFiles(mounts)
		if err != nil {
			return nil, err
		}
		fw = w
		return func() { written = fw.close() }, nil
	}
	if r.Stdin != "" {
		box.Stdin = strings.NewReader(r.Stdin)
	}
	done := make(chan boxResult, 1)
	rr.Start = time.Now()
	go func() {
		out, err := rebuild.RunBox(ctx, box)
		done <- boxResult{out, err}
	}()

	var (
		res      boxResult
		seen     = map[string]Listener{}
		probes   []Probe
		tried    map[string]bool
		problems []string
	)
	select {
	case res = <-done:
	case st := <-pidc:
		defer st.ns.close()
		w := &watcher{pid: st.pid, ns: st.ns, seen: seen, spec: r, inputs: spec.Inputs, bytes: exe.harvested, headers: spec.Headers,
			traceFile: filepath.Join(traceDir, "t")}
		ended := w.watch(ctx, duration, done)
		probes = w.probes
		close(stop)
		if ended != nil {
			res = *ended
		} else {
			res = <-done
		}
		tried = w.tried
		if w.problem != "" {
			problems = append(problems, w.problem)
		}
	}
	rr.Duration = time.Since(rr.Start)
	if sink != nil {
		var full bool
		if rr.DNS, full = sink.close(); full {
			problems = append(problems, fmt.Sprintf("the program asked for more than %d names; the rest were not recorded", maxNames))
		}
	}
	if res.err != nil {
		return nil, res.err
	}
	if res.out != nil {
		rr.Output = string(res.out.Log)
		if res.out.Cause != "" {
			// A limit of the sandbox ended the run: what came after was
			// never seen.
			problems = append(problems, res.out.Reason)
		}
	}
	calls, cut, err := readTrace(traceDir)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "run stage: %w", err)
	}
	if cut {
		problems = append(problems, fmt.Sprintf("the program made more than %d recorded calls", maxCalls))
	}
	if fw != nil && fw.overflowed() {
		problems = append(problems, "the kernel dropped events about files written (too many at once)")
	}
	var began bool
	var dropped string
	rr.Events, rr.Exit, began, dropped = events(calls, written, inside, sink)
	if dropped != "" {
		problems = append(problems, dropped)
	}
	if !began {
		problems = append([]string{"the program did not start in the sandbox: " + lastLine(rr.Output)}, problems...)
	}
	rr.Complete = len(problems) == 0
	rr.Problem = strings.Join(problems, "; ")
	rr.Tried = len(tried)
	for _, l := range seen {
		l.Declared = slices.Contains(r.Ports, l.Port)
		rr.Listeners = append(rr.Listeners, l)
	}
	slices.SortFunc(rr.Listeners, func(a, b Listener) int { return a.FirstAt.Compare(b.FirstAt) })
	rr.Probes = probes
	return rr, nil
}

type boxResult struct {
	out *rebuild.Outcome
	err error
}

// watcher follows one run from outside.
type watcher struct {
	pid    int    // the sandbox's first process, on the host
	ns     *netns // its network namespace, held open
	spec   rebuild.RunSpec
	inputs []Input
	mu     sync.Mutex
	seen   map[string]Listener
	probes []Probe
	keeper int
	// bytes are what the executable names (routes, X- headers), read
	// when a probe first needs them; headers are the source's.
	bytes   *harvested
	headers []string
	// traceFile is the recorder's output, watched for its size limit.
	traceFile string
	tried     map[string]bool // values of the static analysis given to a listener
	problem   string          // why the record is incomplete, or ""
	ended     bool            // the sandbox is gone: stop probing
	rootGone  bool
}

// watch follows the run until its time is up or the program has ended: it
// notes every listener as it appears and probes each once the program has
// settled (no new TCP listener for settle, or at most maxSettle after the
// first), and probes what appeared late before it stops. It returns the
// box's result if the box ended by itself.
func (w *watcher) watch(ctx context.Context, duration time.Duration, done <-chan boxResult) *boxResult {
	start := time.Now()
	deadline := start.Add(duration)
	probeDeadline := deadline.Add(maxProbing)
	lastNew, firstListener := start, time.Time{}
	probed := map[string]bool{}
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	probeAll := func() {
		for _, l := range w.listening() {
			key := l.key()
			if probed[key] || !strings.HasPrefix(l.Proto, "tcp") || w.ended {
				continue
			}
			probed[key] = true
			// Each listener has its own share of the time: a decoy that
			// drips bytes cannot starve the others.
			until := time.Now().Add(maxPerListener)
			if until.After(probeDeadline) {
				until = probeDeadline
			}
			p := w.probe(ctx, l, until)
			w.mu.Lock()
			w.probes = append(w.probes, p)
			w.mu.Unlock()
		}
	}
	for {
		select {
		case x := <-done:
			w.ended = true
			return &x
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		for _, l := range w.snapshot() {
			// A UDP socket opened now and then does not hold the probes off.
			if strings.HasPrefix(l.Proto, "tcp") {
				lastNew = time.Now()
				if firstListener.IsZero() {
					firstListener = lastNew
				}
			}
		}
		if st, err := os.Stat(w.traceFile); err == nil && st.Size() > maxTraceBytes {
			w.problem = fmt.Sprintf("the program made more calls than the recorder keeps (%d MiB of trace); the run was ended there", maxTraceBytes>>20)
			return nil
		}
		if !w.programAlive() {
			probeAll() // what it left listening
			return nil
		}
		if time.Since(lastNew) >= settle || (!firstListener.IsZero() && time.Since(firstListener) >= maxSettle) {
			probeAll()
		}
		if time.Now().After(deadline) {
			w.snapshot()
			probeAll() // listeners that came late
			return nil
		}
	}
}

func (l Listener) key() string { return l.Proto + " " + l.Endpoint() }

// snapshot reads the listeners now, records those not seen before, and
// returns them.
func (w *watcher) snapshot() []Listener {
	ls, err := listeners(w.ns)
	if err != nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var fresh []Listener
	for _, l := range ls {
		k := l.key()
		if _, ok := w.seen[k]; !ok {
			l.FirstAt = time.Now()
			l.Declared = slices.Contains(w.spec.Ports, l.Port)
			w.seen[k] = l
			fresh = append(fresh, l)
		}
	}
	return fresh
}

// listening is every listener seen so far, oldest first.
func (w *watcher) listening() []Listener {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Listener, 0, len(w.seen))
	for _, l := range w.seen {
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b Listener) int { return a.FirstAt.Compare(b.FirstAt) })
	return out
}

// programAlive reports whether any process of the program is left: until
// the keeper shell has become sleep (the program's first process ended),
// yes; then, whether any process in the sandbox is not its init or the
// keeper.
func (w *watcher) programAlive() bool {
	kids := children(w.pid)
	if w.keeper == 0 {
		if len(kids) == 0 {
			return true // not started yet
		}
		w.keeper = kids[0]
	}
	if !w.rootGone {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", w.keeper))
		if err == nil && strings.TrimSpace(string(comm)) != "sleep" {
			return true
		}
		w.rootGone = true
	}
	for _, k := range kids {
		if k != w.keeper {
			return true
		}
	}
	return len(children(w.keeper)) > 0
}

// children are the host PIDs of pid's children, in every thread.
func children(pid int) []int {
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, t.Name()))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

func copyFile(dst, src string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
