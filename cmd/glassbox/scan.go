package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/centre/stage"
	"glassbox.dev/internal/bench"
	"glassbox.dev/scan"
	_ "glassbox.dev/scan/rules/all" // every rule family registers itself
)

// scanReport is what --format json prints: the result, and for a stored
// release where its SARIF was kept.
type scanReport struct {
	Target  string          `json:"target"`
	Release glassbox.Digest `json:"release,omitempty"`
	SARIF   glassbox.Digest `json:"sarif,omitempty"` // the stored SARIF's digest in the evidence store
	*scan.Result
}

type scanOptions struct {
	format, failOn, suppressions, output string
	maxFileSize                          int64
	includeVendored                      bool
	workers                              int
}

func scanCommand(g *globals) *cobra.Command {
	o := scanOptions{format: "text", failOn: "high", maxFileSize: scan.DefaultMaxFileSize}
	cmd := &cobra.Command{
		Use:   "scan PATH|RELEASE [--format text|sarif|json] [--fail-on SEVERITY] [--suppressions FILE] [-o FILE]",
		Short: "Look for backdoors, planted secrets and build tampering in a tree or a stored release",
		Long: `Scan runs every rule family over PATH (a directory or a single file) or, if no
such file exists, over RELEASE, a stored release (its id, at least 6 of the
id's hex digits, or PRODUCT@VERSION). A release is scanned from the evidence
store without being extracted: its source files, and its artefacts under
artifacts/. The result and SARIF of a release's scan are stored in the
evidence store and recorded as evidence about the release, which glassbox
evaluate reuses (unless --max-file-size or --include-vendored change what
is scanned: such a scan is shown, not recorded).

Files that are not scanned are never skipped silently: binaries (unless a
rule family reads them), vendor/, node_modules/ and third_party/ (unless
--include-vendored), symbolic links, unreadable files, and files an analyser
failed on are all reported. A file over --max-file-size is not skipped: it
is analysed in windows of that size overlapping by 64 KiB. Stored content
that fails its digest is an error (exit 2), and nothing is stored.

--suppressions names a YAML or JSON list of {fingerprint, reason, by}
entries. Suppressed findings stay in the output, marked as suppressed with
their reason; a suppression without a reason is refused.

Output (to standard output, or to -o FILE): text, one line per finding
("path:line:col: severity: rule-id rule-name: message") and a summary;
sarif, SARIF 2.1.0; or json.

Exit codes: 0 no finding at or above --fail-on that is not suppressed; 1
there is one (or the target names nothing); 2 usage or internal error.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return runScan(cmd.Context(), g, a[0], o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", o.format, "output `format`: text, sarif or json")
	f.StringVar(&o.failOn, "fail-on", o.failOn, "exit 1 on a finding at or above this `severity`: critical, high, medium, low, note or none")
	f.StringVar(&o.suppressions, "suppressions", "", "YAML or JSON `file` of suppressed fingerprints, each with a reason")
	f.Int64Var(&o.maxFileSize, "max-file-size", o.maxFileSize, "analyse files in windows of this many `bytes` (0: each file whole)")
	f.BoolVar(&o.includeVendored, "include-vendored", false, "also scan vendor/, node_modules/ and third_party/")
	f.StringVarP(&o.output, "output", "o", "", "write the output to `file` instead of standard output")
	f.IntVar(&o.workers, "workers", 0, "files analysed at once (default the number of CPUs)")
	return cmd
}

// failRank returns the rank at or above which a finding fails the scan,
// past every rank for "none".
func failRank(s string) (int, error) {
	if s == "none" {
		return glassbox.SeverityCritical.Rank() + 1, nil
	}
	r := glassbox.Severity(s).Rank()
	if r < 0 {
		return 0, usageError{fmt.Errorf("--fail-on %q: want critical, high, medium, low, note or none", s)}
	}
	return r, nil
}

func runScan(ctx context.Context, g *globals, target string, o scanOptions) error {
	switch o.format {
	case "text", "sarif", "json":
	default:
		return usageError{fmt.Errorf("--format %q: want text, sarif or json", o.format)}
	}
	rank, err := failRank(o.failOn)
	if err != nil {
		return err
	}
	s := &scan.Scanner{
		Analyzers:       scan.Analyzers(),
		MaxFileSize:     o.maxFileSize,
		IncludeVendored: o.includeVendored,
		Workers:         o.workers,
	}
	if o.maxFileSize == 0 {
		s.MaxFileSize = -1 // the flag's 0 means no limit; the Scanner's means the default
	}
	if o.suppressions != "" {
		// A broken suppressions file is exit 2, not 1: CI must tell "the
		// scan found something" from "the scan could not run".
		if s.Suppressions, err = scan.LoadSuppressions(ctx, o.suppressions); err != nil {
			return codedError{code: exitError, err: err}
		}
	}

	rep := &scanReport{Target: target}
	var stored string // where the SARIF was stored, for the text output
	if _, statErr := os.Lstat(target); statErr == nil {
		if rep.Result, err = s.ScanDir(ctx, target); err != nil {
			return err
		}
	} else {
		jo := stage.ScanOptions{Suppressions: s.Suppressions, MaxFileSize: s.MaxFileSize, IncludeVendored: s.IncludeVendored, Workers: s.Workers}
		if stored, err = scanRelease(ctx, g, jo, target, rep); err != nil {
			return err
		}
	}

	var out bytes.Buffer
	switch o.format {
	case "sarif":
		if err := scan.WriteSARIF(&out, rep.Result); err != nil {
			return err
		}
	case "json":
		if err := writeJSON(&globals{stdout: &out}, rep); err != nil {
			return err
		}
	default:
		writeText(&out, rep.Result)
		if stored != "" {
			fmt.Fprintln(&out, stored)
		}
	}
	if o.output != "" {
		if err := os.WriteFile(o.output, out.Bytes(), 0o644); err != nil {
			return glassbox.Errorf(glassbox.EINTERNAL, "write %s: %w", o.output, err)
		}
	} else if _, err := g.stdout.Write(out.Bytes()); err != nil {
		return err
	}
	if stored != "" && (o.format != "text" || o.output != "") {
		fmt.Fprintln(g.stderr, stored)
	}
	for _, sp := range rep.UnusedSuppressions {
		fmt.Fprintf(g.stderr, "glassbox: warning: suppression %s (%s) matched no finding\n", sp.Fingerprint, sp.Reason)
	}

	failing := 0
	for _, f := range rep.Findings {
		if f.Suppression == nil && f.Severity.Rank() >= rank {
			failing++
		}
	}
	if failing > 0 {
		return codedError{code: exitRefused, err: fmt.Errorf("%d finding(s) at or above %s are not suppressed", failing, o.failOn)}
	}
	return nil
}

// scanRelease scans a stored release from the evidence store with the
// centre's scan job, which keeps the result and its SARIF as evidence of
// the release (unless the options make it a variant). It returns a line
// saying where the SARIF went.
func scanRelease(ctx context.Context, g *globals, o stage.ScanOptions, ref string, rep *scanReport) (string, error) {
	c, err := g.open(ctx)
	if err != nil {
		return "", err
	}
	defer c.Close()
	rel, err := releaseTarget(ctx, c, ref)
	if err != nil {
		return "", err
	}
	jobs := c.Jobs(rel, true)
	defer jobs.Close()
	sc, err := jobs.Scan(ctx, o)
	if err != nil {
		return "", fmt.Errorf("scan release %s: %w", rel.ID, err)
	}
	rep.Result, rep.Release, rep.SARIF = sc.Result, rel.ID, sc.SARIFDigest
	if sc.SARIFDigest == "" {
		return fmt.Sprintf("not recorded as evidence of release %s: --max-file-size or --include-vendored make this scan a variant of the centre's", rel.ID), nil
	}
	return fmt.Sprintf("SARIF stored as %s, recorded as %s evidence of release %s (glassbox cat %s)",
		sc.SARIFDigest, stage.KindScanSARIF, rel.ID, sc.SARIFDigest), nil
}

// writeText writes one line per finding and a summary.
func writeText(w io.Writer, r *scan.Result) {
	suppressed := 0
	for _, f := range r.Findings {
		line := fmt.Sprintf("%s:%d:%d: %s: %s %s: %s", f.Path, f.Region.StartLine, f.Region.StartColumn, f.Severity, f.RuleID, f.Rule, f.Message)
		if f.Suppression != nil {
			suppressed++
			line += fmt.Sprintf(" [suppressed: %s]", f.Suppression.Reason)
		}
		fmt.Fprintln(w, line)
	}
	counts := r.Counts()
	var parts []string
	for _, s := range []glassbox.Severity{glassbox.SeverityCritical, glassbox.SeverityHigh, glassbox.SeverityMedium, glassbox.SeverityLow, glassbox.SeverityNote} {
		parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
	}
	fmt.Fprintf(w, "%d findings (%s), %d suppressed; %d files (%d bytes) scanned, %d skipped (--format json or sarif lists them)\n",
		len(r.Findings)-suppressed, strings.Join(parts, ", "), suppressed, r.Files, r.Bytes, len(r.Skipped))
}

// benchScanCommand is "glassbox bench scan", kept here beside the command
// it measures.
func benchScanCommand(g *globals) *cobra.Command {
	o := bench.ScanOptions{Runs: 3}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "scan [--tree DIR] [--gitleaks PATH] [--runs N]",
		Short: "Time glassbox scan with every rule family next to gitleaks, and count its findings",
		Long: `Scans --tree (default $(go env GOROOT)/src) with every registered analyser,
as glassbox scan does (SARIF included), and times gitleaks dir on the same
tree, with warm caches and the median of --runs runs. Throughput is the
tree's total bytes over the time, for both tools alike. Prints glassbox's
findings per rule and severity. Without gitleaks (on PATH, in GOPATH/bin or
--gitleaks) glassbox is reported alone, saying why.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Tree == "" {
				out, err := exec.CommandContext(cmd.Context(), "go", "env", "GOROOT").Output()
				if err != nil {
					return glassbox.Errorf(glassbox.EINTERNAL, "go env GOROOT: %w (give --tree)", err)
				}
				o.Tree = filepath.Join(strings.TrimSpace(string(out)), "src")
			}
			o.Analyzers = scan.Analyzers()
			return runBench(g, asJSON, func(log io.Writer) (any, error) {
				o.Log = log
				return bench.Scan(cmd.Context(), o)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Tree, "tree", "", "`directory` to scan (default $(go env GOROOT)/src)")
	f.StringVar(&o.Gitleaks, "gitleaks", "", "gitleaks `executable` (default from PATH or GOPATH/bin)")
	f.IntVar(&o.Runs, "runs", o.Runs, "measured `runs` of each tool (after one warm-up run)")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}
