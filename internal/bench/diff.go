package bench

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"glassbox.dev/diff"
)

// DiffOptions say which pairs BenchDiff compares and with what.
type DiffOptions struct {
	Dir      string // work directory for the pairs and the reports
	Glassbox string // the glassbox executable to time
	// ModuleA and ModuleB are two versions of one Go module's source tree
	// (directories, e.g. in GOMODCACHE), packed as tar.gz under one prefix.
	ModuleA, ModuleB string
	Runs             int // repetitions of each measurement; the median is reported
	Log              io.Writer
}

// DiffPair is the result of one pair: the time of each tool and the
// members each says differ.
type DiffPair struct {
	Name       string       `json:"name"`
	A          string       `json:"a"`
	B          string       `json:"b"`
	Glassbox   Measurement  `json:"glassbox"`
	Diffoscope *Measurement `json:"diffoscope,omitempty"`
	// Ratio is diffoscope's time over glassbox's.
	Ratio float64 `json:"ratio,omitempty"`
	// Members are the archive members (or ELF sections) each tool names as
	// differing, and how the two sets compare.
	GlassboxMembers   []string `json:"glassbox_members"`
	DiffoscopeMembers []string `json:"diffoscope_members,omitempty"`
	OnlyGlassbox      []string `json:"only_glassbox,omitempty"`
	OnlyDiffoscope    []string `json:"only_diffoscope,omitempty"`
	// Functions are the functions glassbox names as changed code, and the
	// functions whose disassembly diffoscope shows as changed.
	GlassboxFunctions   []string `json:"glassbox_functions,omitempty"`
	DiffoscopeFunctions []string `json:"diffoscope_functions,omitempty"`
	DiffoscopeNamesFunc bool     `json:"diffoscope_names_changed_function,omitempty"`
}

// DiffReport is the result of BenchDiff.
type DiffReport struct {
	Diffoscope string     `json:"diffoscope"` // its version, or why it could not run
	Pairs      []DiffPair `json:"pairs"`
}

// Diff makes two pairs — tar.gz archives of two versions of a Go module,
// and two Go binaries that differ in one function — and times glassbox diff
// and diffoscope on each, then compares which members each names.
func Diff(ctx context.Context, o DiffOptions) (*DiffReport, error) {
	if o.Runs <= 0 {
		o.Runs = 3
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	rep := &DiffReport{}
	diffoscope, err := exec.LookPath("diffoscope")
	if err != nil {
		rep.Diffoscope = "not installed (apt-get install diffoscope); glassbox timed alone"
		logf("diffoscope: %s", rep.Diffoscope)
	} else if out, err := exec.CommandContext(ctx, diffoscope, "--version").Output(); err == nil {
		rep.Diffoscope = strings.TrimSpace(string(out))
		logf("%s", rep.Diffoscope)
	}

	// Pair 1: two versions of a module source tree.
	ta, tb := filepath.Join(o.Dir, "a", "module.tar.gz"), filepath.Join(o.Dir, "b", "module.tar.gz")
	membersA, err := tarGzTree(ta, o.ModuleA)
	if err != nil {
		return nil, err
	}
	membersB, err := tarGzTree(tb, o.ModuleB)
	if err != nil {
		return nil, err
	}
	members := map[string]bool{}
	for _, m := range append(membersA, membersB...) {
		members[m] = true
	}
	// Pair 2: two Go binaries differing in one function.
	ea, eb, err := goBinaries(ctx, o.Dir)
	if err != nil {
		return nil, err
	}

	pairs := []struct {
		name, a, b string
		isMember   func(string) bool
	}{
		{fmt.Sprintf("tar.gz of %s and %s (%d and %d files)", filepath.Base(o.ModuleA), filepath.Base(o.ModuleB), len(membersA), len(membersB)), ta, tb, func(s string) bool { return members[s] }},
		{"Go binaries differing in main.something", ea, eb, nil},
	}
	for _, p := range pairs {
		pr := DiffPair{Name: p.name, A: p.a, B: p.b}
		logf("\n%s", p.name)
		gbOut := filepath.Join(o.Dir, "glassbox.json")
		pr.Glassbox, err = timeCommand(ctx, o.Runs, "glassbox diff", []string{o.Glassbox, "diff", "--json", "--max-differences", "100000", p.a, p.b}, gbOut)
		if err != nil {
			return nil, err
		}
		logf("  %-12s %9.3fs  %s", "glassbox", pr.Glassbox.Median.Seconds(), pr.Glassbox.Command)
		var res diff.Result
		if err := readJSON(gbOut, &res); err != nil {
			return nil, err
		}
		pr.GlassboxMembers, pr.GlassboxFunctions = glassboxMembers(&res)
		if diffoscope != "" {
			dsOut := filepath.Join(o.Dir, "diffoscope.json")
			m, err := timeCommand(ctx, o.Runs, "diffoscope", []string{diffoscope, "--json", dsOut, p.a, p.b}, "")
			if err != nil {
				return nil, err
			}
			pr.Diffoscope = &m
			pr.Ratio = m.Median.Seconds() / pr.Glassbox.Median.Seconds()
			logf("  %-12s %9.3fs  %s", "diffoscope", m.Median.Seconds(), m.Command)
			logf("  diffoscope / glassbox = %.1f×", pr.Ratio)
			var tree dsNode
			if err := readJSON(dsOut, &tree); err != nil {
				return nil, err
			}
			if p.isMember != nil {
				pr.DiffoscopeMembers = tree.members(p.isMember)
			} else {
				pr.GlassboxMembers = elfMembers(pr.GlassboxMembers)
				pr.DiffoscopeMembers = tree.sections()
				pr.DiffoscopeFunctions, pr.DiffoscopeNamesFunc = tree.changedFunctions("main.something")
			}
			pr.OnlyGlassbox, pr.OnlyDiffoscope = setDiff(pr.GlassboxMembers, pr.DiffoscopeMembers)
		}
		logf("  glassbox names %d differing members: %s", len(pr.GlassboxMembers), summarise(pr.GlassboxMembers))
		if pr.Diffoscope != nil {
			logf("  diffoscope names %d: %s", len(pr.DiffoscopeMembers), summarise(pr.DiffoscopeMembers))
			logf("  only glassbox: %s; only diffoscope: %s", summarise(pr.OnlyGlassbox), summarise(pr.OnlyDiffoscope))
		}
		if len(pr.GlassboxFunctions) > 0 {
			logf("  glassbox names the changed code: %s", strings.Join(pr.GlassboxFunctions, ", "))
		}
		if pr.DiffoscopeFunctions != nil {
			logf("  diffoscope's disassembly diff changes lines in: %s", summarise(pr.DiffoscopeFunctions))
		}
		rep.Pairs = append(rep.Pairs, pr)
	}
	return rep, nil
}

// timeCommand runs argv once to warm caches and then runs times, and
// returns the median. Exit status 1 means "different" for both tools and is
// not an error. stdout goes to the file out, if given.
func timeCommand(ctx context.Context, runs int, name string, argv []string, out string) (Measurement, error) {
	var times []time.Duration
	for i := range runs + 1 {
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		var stdout io.Writer = io.Discard
		if out != "" {
			f, err := os.Create(out)
			if err != nil {
				return Measurement{}, err
			}
			defer f.Close()
			stdout = f
		}
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = stdout, &stderr
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		var ee *exec.ExitError
		if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
			return Measurement{}, fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, stderr.Bytes())
		}
		if i > 0 {
			times = append(times, d)
		}
	}
	slices.Sort(times)
	return Measurement{Name: name, Command: strings.Join(argv, " "), Median: times[len(times)/2]}, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// tarGzTree packs dir as a tar.gz under the prefix "module/", with fixed
// times, modes and owners, so that two versions differ only in content.
func tarGzTree(out, dir string) ([]string, error) {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(out)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	var names []string
	epoch := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		name := "module/" + filepath.ToSlash(rel)
		names = append(names, name)
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), ModTime: epoch, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pack %s: %w", dir, err)
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return names, f.Close()
}

// goBinaries builds a small program twice with -trimpath, the second time
// with one line of one function changed.
func goBinaries(ctx context.Context, dir string) (string, string, error) {
	src := filepath.Join(dir, "prog")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", "", err
	}
	prog := `package main

import (
	"fmt"
	"os"
)

//go:noinline
func something(x int) int {
	return x*3 + 1
}

func main() {
	fmt.Println("hello", something(len(os.Args)))
}
`
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module example.com/hello\n\ngo 1.26\n"), 0o644); err != nil {
		return "", "", err
	}
	var outs []string
	for i, body := range []string{prog, strings.Replace(prog, "x*3 + 1", "x*7 + 5", 1)} {
		if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(body), 0o644); err != nil {
			return "", "", err
		}
		out := filepath.Join(dir, string(rune('a'+i)), "hello")
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, ".")
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=", "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", "", fmt.Errorf("go build: %v: %s", err, b)
		}
		outs = append(outs, out)
	}
	return outs[0], outs[1], nil
}

// glassboxMembers returns the members (the second element of each path)
// glassbox names, and the functions it names as changed code.
func glassboxMembers(res *diff.Result) (members, funcs []string) {
	seen := map[string]bool{}
	for _, d := range res.Differences {
		if len(d.Path) < 2 {
			continue
		}
		if !seen[d.Path[1]] {
			seen[d.Path[1]] = true
			members = append(members, d.Path[1])
		}
		if d.Kind == diff.KindCode && len(d.Path) == 3 {
			funcs = append(funcs, d.Path[2])
		}
	}
	slices.Sort(members)
	return members, funcs
}

// dsNode is a node of diffoscope's JSON report.
type dsNode struct {
	Source1     string   `json:"source1"`
	Source2     string   `json:"source2"`
	UnifiedDiff *string  `json:"unified_diff"`
	Details     []dsNode `json:"details"`
}

func (n *dsNode) walk(f func(*dsNode)) {
	f(n)
	for i := range n.Details {
		n.Details[i].walk(f)
	}
}

// members lists the archive members diffoscope reports: those it compares
// (sources of nodes) and those its file-list diff shows added or removed.
func (n *dsNode) members(isMember func(string) bool) []string {
	seen := map[string]bool{}
	n.walk(func(x *dsNode) {
		for _, s := range []string{x.Source1, x.Source2} {
			if isMember(s) {
				seen[s] = true
			}
		}
		if x.Source1 == "file list" && x.UnifiedDiff != nil {
			for _, l := range strings.Split(*x.UnifiedDiff, "\n") {
				f := strings.Fields(l)
				if len(f) > 0 && (l[0] == '+' || l[0] == '-') && isMember(f[len(f)-1]) {
					seen[f[len(f)-1]] = true
				}
			}
		}
	})
	return slices.Sorted(maps.Keys(seen))
}

var (
	dsSection = regexp.MustCompile(`--(?:section|hex-dump|string-dump)=(\S+)`)
	// dsDumps are the readelf dumps diffoscope runs, by the section each
	// shows. Notes are one dump for every note section.
	dsDumps = map[string]string{
		"--debug-dump=rawline": ".debug_line", "--debug-dump=info": ".debug_info",
		"--debug-dump=frames": ".debug_frame", "--debug-dump=loc": ".debug_loclists",
		"--debug-dump=Ranges": ".debug_rnglists", "--symbols": ".symtab", "--notes": ".note*",
	}
)

// sections lists the ELF sections whose readelf or objdump output
// diffoscope shows differing.
func (n *dsNode) sections() []string {
	seen := map[string]bool{}
	n.walk(func(x *dsNode) {
		if m := dsSection.FindStringSubmatch(x.Source1); m != nil {
			seen[m[1]] = true
		}
		for flag, sec := range dsDumps {
			if strings.Contains(x.Source1, flag+" ") {
				seen[sec] = true
			}
		}
	})
	return slices.Sorted(maps.Keys(seen))
}

// elfMembers puts glassbox's sections in diffoscope's terms: every note
// section is ".note*".
func elfMembers(ms []string) []string {
	seen := map[string]bool{}
	for _, m := range ms {
		if strings.HasPrefix(m, ".note") {
			m = ".note*"
		}
		seen[m] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

var (
	objdumpFunc = regexp.MustCompile(`^[-+ ][0-9a-f]+ <([^>]+)>:`)
	hunkHeader  = regexp.MustCompile(`^@@ `)
)

// changedFunctions lists the functions in whose disassembly diffoscope
// shows a changed line (a function header counts for what follows it), and
// says whether fn is among them.
func (n *dsNode) changedFunctions(fn string) ([]string, bool) {
	seen := map[string]bool{}
	n.walk(func(x *dsNode) {
		if x.UnifiedDiff == nil || !strings.Contains(x.Source1, "objdump") {
			return
		}
		current := ""
		for _, l := range strings.Split(*x.UnifiedDiff, "\n") {
			switch m := objdumpFunc.FindStringSubmatch(l); {
			case m != nil:
				current = m[1]
				if l[0] != ' ' {
					seen[current] = true
				}
			case hunkHeader.MatchString(l):
				current = "" // a hunk may start inside an unnamed function
			case len(l) > 0 && (l[0] == '+' || l[0] == '-') && current != "":
				seen[current] = true
			}
		}
	})
	return slices.Sorted(maps.Keys(seen)), seen[fn]
}

func setDiff(a, b []string) (onlyA, onlyB []string) {
	for _, x := range a {
		if !slices.Contains(b, x) {
			onlyA = append(onlyA, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			onlyB = append(onlyB, x)
		}
	}
	return onlyA, onlyB
}

func summarise(s []string) string {
	switch {
	case len(s) == 0:
		return "none"
	case len(s) > 8:
		return strings.Join(s[:8], ", ") + fmt.Sprintf(", … (%d more)", len(s)-8)
	}
	return strings.Join(s, ", ")
}
