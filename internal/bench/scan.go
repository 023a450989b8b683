package bench

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"glassbox.dev"
	"glassbox.dev/scan"
	"glassbox.dev/scan/syntax"
)

// ScanOptions say what BenchScan scans and with what.
type ScanOptions struct {
	Tree      string          // the tree to scan, e.g. $(go env GOROOT)/src
	Analyzers []scan.Analyzer // glassbox's analysers, normally scan.Analyzers()
	// Gitleaks is the gitleaks executable to time next to glassbox; empty
	// to look for it on PATH and in $(go env GOPATH)/bin.
	Gitleaks string
	Runs     int // repetitions of each measurement; the median is reported
	Log      io.Writer
}

// RuleCount is how many findings of one rule a scan made.
type RuleCount struct {
	RuleID   string            `json:"rule_id"`
	Rule     string            `json:"rule"`
	Severity glassbox.Severity `json:"severity"`
	Count    int               `json:"count"`
}

// ScanReport is the result of BenchScan.
type ScanReport struct {
	Tree      string `json:"tree"`
	TreeFiles int    `json:"tree_files"` // regular files in the tree
	TreeBytes int64  `json:"tree_bytes"` // their size: the denominator of both throughputs
	Analysers int    `json:"analysers"`
	Rules     int    `json:"rules"`
	// Files and Bytes are what glassbox analysed, the rest being skipped
	// (vendored, binary, too large).
	Files    int          `json:"files"`
	Bytes    int64        `json:"bytes"`
	Skipped  int          `json:"skipped"`
	Glassbox Measurement  `json:"glassbox"`
	Gitleaks *Measurement `json:"gitleaks,omitempty"`
	NoPeer   string       `json:"no_gitleaks,omitempty"` // why gitleaks was not timed
	Ratio    float64      `json:"ratio_gitleaks_over_glassbox,omitempty"`
	// Syntax is the tree building one glassbox scan did (analysers parse a
	// file when their pre-filter lets it through); ParseAll is the time to
	// build a tree of every file of the tree in a language scan/syntax
	// parses, the cost were every analyser to ask for every tree.
	Syntax   SyntaxWork                `json:"syntax"`
	ParseAll *Measurement              `json:"parse_all,omitempty"`
	ByRule   []RuleCount               `json:"by_rule"`
	BySev    map[glassbox.Severity]int `json:"by_severity"`
}

// SyntaxWork is how much tree building a scan did.
type SyntaxWork struct {
	Trees   int64   `json:"trees"`
	Bytes   int64   `json:"bytes"`
	Seconds float64 `json:"seconds"` // summed over the workers
	Refused int64   `json:"refused"` // over 1 MiB or out of time
}

// Scan times glassbox's scan of a tree with every analyser, next to
// gitleaks (secrets only) on the same tree, and counts glassbox's findings
// per rule and severity. Both throughputs are over the whole tree's bytes,
// so that what each tool chooses to skip counts against it, not for it.
func Scan(ctx context.Context, o ScanOptions) (*ScanReport, error) {
	if o.Runs <= 0 {
		o.Runs = 3
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	rep := &ScanReport{Tree: o.Tree, Analysers: len(o.Analyzers), BySev: map[glassbox.Severity]int{}}
	err := filepath.WalkDir(o.Tree, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			rep.TreeFiles++
			rep.TreeBytes += fi.Size()
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bench scan: walk %s: %w", o.Tree, err)
	}
	logf("tree %s: %d files, %.1f MB", o.Tree, rep.TreeFiles, float64(rep.TreeBytes)/1e6)

	measure := func(name, command string, job func() error) (Measurement, error) {
		var times []time.Duration
		for i := range o.Runs + 1 { // the first run warms caches and is not counted
			start := time.Now()
			if err := job(); err != nil {
				return Measurement{}, fmt.Errorf("bench scan: %s: %w", name, err)
			}
			if i > 0 {
				times = append(times, time.Since(start))
			}
		}
		slices.Sort(times)
		m := Measurement{Name: name, Command: command, Median: times[len(times)/2]}
		m.MBps = float64(rep.TreeBytes) / 1e6 / m.Median.Seconds()
		logf("%-26s %8.2fs %8.1f MB/s", name, m.Median.Seconds(), m.MBps)
		return m, nil
	}

	var res *scan.Result
	var parsed syntax.Stats
	s := &scan.Scanner{Analyzers: o.Analyzers}
	rep.Glassbox, err = measure("glassbox scan", "glassbox scan --format sarif -o /dev/null --fail-on none "+o.Tree, func() error {
		var err error
		before := syntax.ReadStats()
		defer func() { parsed = syntax.ReadStats().Sub(before) }()
		res, err = s.ScanDir(ctx, o.Tree)
		if err != nil {
			return err
		}
		_, err = scan.SARIF(res) // the CLI writes it; so must the benchmark
		return err
	})
	if err != nil {
		return nil, err
	}
	rep.Rules, rep.Files, rep.Bytes, rep.Skipped = len(res.Rules), res.Files, res.Bytes, len(res.Skipped)
	counts := map[string]*RuleCount{}
	for _, f := range res.Findings {
		rep.BySev[f.Severity]++
		c := counts[f.RuleID+" "+string(f.Severity)]
		if c == nil {
			c = &RuleCount{RuleID: f.RuleID, Rule: f.Rule, Severity: f.Severity}
			counts[f.RuleID+" "+string(f.Severity)] = c
		}
		c.Count++
	}
	for _, c := range counts {
		rep.ByRule = append(rep.ByRule, *c)
	}
	slices.SortFunc(rep.ByRule, func(a, b RuleCount) int {
		return cmp.Or(strings.Compare(a.RuleID, b.RuleID), b.Severity.Rank()-a.Severity.Rank())
	})
	logf("glassbox: %d rules, %d findings, %d files analysed (%.1f MB), %d skipped", rep.Rules, len(res.Findings), rep.Files, float64(rep.Bytes)/1e6, rep.Skipped)
	for _, c := range rep.ByRule {
		logf("  %s %-36s %-8s %6d", c.RuleID, c.Rule, c.Severity, c.Count)
	}
	rep.Syntax = SyntaxWork{parsed.Trees, parsed.Bytes, parsed.Time.Seconds(), parsed.Refused}
	logf("syntax trees the scan built: %d (%.1f MB, %.2fs over the workers), %d refused", parsed.Trees, float64(parsed.Bytes)/1e6, parsed.Time.Seconds(), parsed.Refused)
	if m, n, err := measureParseAll(ctx, o.Tree, measure); err != nil {
		logf("parse every file: %v", err)
	} else if n > 0 {
		rep.ParseAll = &m
	}

	gitleaks, why := findGitleaks(ctx, o.Gitleaks)
	if gitleaks == "" {
		rep.NoPeer = why
		logf("gitleaks not timed: %s", why)
		return rep, nil
	}
	// The report goes to a file of our own: run as root, gitleaks given
	// /dev/null as its report path replaces the device with a regular file.
	report, err := os.CreateTemp("", "gitleaks-report-*.json")
	if err != nil {
		return nil, err
	}
	report.Close()
	defer os.Remove(report.Name())
	args := []string{"dir", "--no-banner", "--exit-code", "0", "--report-format", "json", "--report-path", report.Name(), o.Tree}
	m, err := measure("gitleaks dir", "gitleaks "+strings.Join(args, " "), func() error {
		cmd := exec.CommandContext(ctx, gitleaks, args...)
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%v: %s", err, lastLines(b, 5))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.Gitleaks = &m
	rep.Ratio = m.Median.Seconds() / rep.Glassbox.Median.Seconds()
	logf("gitleaks time / glassbox time = %.2f", rep.Ratio)
	return rep, nil
}

// measureParseAll times building the syntax tree of every file of the
// tree that scan/syntax has a grammar for, on every core, as the scan's
// engine reads files: the cost of tree building were every analyser to ask.
func measureParseAll(ctx context.Context, root string, measure func(name, command string, job func() error) (Measurement, error)) (Measurement, int, error) {
	type job struct{ path, grammar string }
	var jobs []job
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if g := syntax.Grammar(scan.Language(rel), rel); g != "" {
			jobs = append(jobs, job{p, g})
		}
		return nil
	})
	if err != nil || len(jobs) == 0 {
		return Measurement{}, 0, err
	}
	name := fmt.Sprintf("syntax trees of all %d", len(jobs))
	m, err := measure(name, "every C, C++, Java, JavaScript, TypeScript, PHP, Python and shell file parsed once", func() error {
		next := make(chan job)
		errs := make(chan error, runtime.GOMAXPROCS(0))
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range next {
					src, err := os.ReadFile(j.path)
					if err != nil {
						select {
						case errs <- err:
						default:
						}
						continue
					}
					if t, err := syntax.Parse(ctx, j.grammar, src); err == nil {
						t.Close()
					}
				}
			}()
		}
		for _, j := range jobs {
			next <- j
		}
		close(next)
		wg.Wait()
		select {
		case err := <-errs:
			return err
		default:
			return nil
		}
	})
	if err == nil {
		var size int64
		for _, j := range jobs {
			if fi, err := os.Stat(j.path); err == nil {
				size += fi.Size()
			}
		}
		m.Name += fmt.Sprintf(" files (%.1f MB)", float64(size)/1e6)
	}
	return m, len(jobs), err
}

// findGitleaks returns the gitleaks to run, or why there is none.
func findGitleaks(ctx context.Context, given string) (string, string) {
	if given != "" {
		if _, err := os.Stat(given); err != nil {
			return "", fmt.Sprintf("--gitleaks %s: %v", given, err)
		}
		return given, ""
	}
	if p, err := exec.LookPath("gitleaks"); err == nil {
		return p, ""
	}
	if out, err := exec.CommandContext(ctx, "go", "env", "GOPATH").Output(); err == nil {
		for _, dir := range filepath.SplitList(strings.TrimSpace(string(out))) {
			p := filepath.Join(dir, "bin", "gitleaks")
			if _, err := os.Stat(p); err == nil {
				return p, ""
			}
		}
	}
	return "", "gitleaks is not installed (go install github.com/zricethezav/gitleaks/v8@v8.30.1)"
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
