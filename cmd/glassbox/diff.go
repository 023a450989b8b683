package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/diff"
	"glassbox.dev/internal/bench"
)

func diffCommand(g *globals) *cobra.Command {
	var o diff.Options
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "diff A B",
		Short: "Explain where and how two artefacts differ, inside archives and binaries",
		Long: `Diff compares two artefacts structurally. Identical files are equal at once;
otherwise it recurses through gzip, xz, bzip2, tar, zip, ar and Debian
packages, ELF sections, Go build information, functions and text lines, and
prints one line per difference:

  hello-1.0.tar.gz → hello-1.0/bin/hello → .text → main.greeting: code: function body differs (124 → 131 bytes)

Each difference has a kind: timestamp, build-path, ordering and owner are
benign (noise a stabiliser removes); mode, compression, code, data, metadata,
added and removed are not. --json prints the whole result.

Inputs are treated as hostile: nothing is extracted to disk, and nesting,
member sizes, decompressed bytes and reported differences are bounded.

Exit codes: 0 equal; 1 different; 2 an error (unreadable input, a limit
exceeded, usage).`,
		Args: args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			bad := func(err error) error { return codedError{code: exitError, err: err} }
			// A comparison keeps both inputs and their decompressed payloads
			// alive until it ends, so the default GOGC=100 collects again and
			// again with little to free; 400 takes a quarter off the run time
			// for memory that Options.MaxTotalBytes already bounds.
			if os.Getenv("GOGC") == "" {
				debug.SetGCPercent(400)
			}
			inA, closeA, err := openInput(a[0])
			if err != nil {
				return bad(err)
			}
			defer closeA()
			inB, closeB, err := openInput(a[1])
			if err != nil {
				return bad(err)
			}
			defer closeB()
			res, err := diff.Compare(cmd.Context(), inA, inB, o)
			if err != nil {
				return bad(err)
			}
			if asJSON {
				if err := writeJSON(g, res); err != nil {
					return err
				}
			} else {
				printDiff(g, res)
			}
			if !res.Equal {
				return codedError{code: exitRefused}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	f.IntVar(&o.MaxDepth, "max-depth", 0, "compare members nested deeper than this `many` levels as bytes (default 12)")
	f.Int64Var(&o.MaxMemberSize, "max-member-size", 0, "look inside members of at most this many `bytes` (default 256 MiB)")
	f.Int64Var(&o.MaxTotalBytes, "max-total", 0, "refuse to decompress or extract more than this many `bytes` in all (default 2 GiB)")
	f.IntVar(&o.MaxDifferences, "max-differences", 0, "report at most this `many` differences (default 1000)")
	return cmd
}

// openInput opens a file to compare. Only regular files are accepted, so a
// FIFO or device cannot make the comparison hang or read without end.
func openInput(name string) (diff.Input, func(), error) {
	f, err := os.Open(name)
	if err != nil {
		return diff.Input{}, nil, glassbox.Errorf(glassbox.EINVALID, "open %s: %w", name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return diff.Input{}, nil, glassbox.Errorf(glassbox.EINTERNAL, "stat %s: %w", name, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return diff.Input{}, nil, glassbox.Errorf(glassbox.EINVALID, "%s is not a regular file", name)
	}
	return diff.Input{Name: filepath.Base(name), R: f, Size: fi.Size()}, func() { f.Close() }, nil
}

func printDiff(g *globals, res *diff.Result) {
	if res.Equal {
		fmt.Fprintf(g.stdout, "equal (%s, %d bytes)\n", res.ADigest, res.ASize)
		return
	}
	for _, d := range res.Differences {
		fmt.Fprintln(g.stdout, d.String())
	}
	more := ""
	if res.Truncated {
		more = " (more not reported: raise --max-differences)"
	}
	fmt.Fprintf(g.stdout, "%d differences, %d benign%s; %d archive members identical\n", len(res.Differences), res.Benign(), more, res.IdenticalMembers)
}

func benchDiffCommand(g *globals) *cobra.Command {
	o := bench.DiffOptions{Runs: 3}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "diff [--module-a DIR --module-b DIR]",
		Short: "Time glassbox diff next to diffoscope on the same pairs",
		Long: `Makes two pairs and times glassbox diff and diffoscope on each (median of
--runs runs after one warm-up run): tar.gz archives of two versions of a Go
module's source tree (default golang.org/x/text v0.41.0 and v0.44.0 from the
module cache), packed with fixed times so that only content differs; and two
Go binaries built with -trimpath that differ in one line of one function.
It reports the ratio and which members (or ELF sections) each tool names.
diffoscope is run only if it is installed.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.ModuleA == "" || o.ModuleB == "" {
				out, err := exec.CommandContext(cmd.Context(), "go", "env", "GOMODCACHE").Output()
				if err != nil {
					return fmt.Errorf("go env GOMODCACHE: %w", err)
				}
				cache := strings.TrimSpace(string(out))
				if o.ModuleA == "" {
					o.ModuleA = filepath.Join(cache, "golang.org/x/text@v0.41.0")
				}
				if o.ModuleB == "" {
					o.ModuleB = filepath.Join(cache, "golang.org/x/text@v0.44.0")
				}
			}
			if o.Dir == "" {
				o.Dir = filepath.Join(g.data, "bench-diff")
			}
			if err := os.MkdirAll(o.Dir, 0o755); err != nil {
				return err
			}
			defer os.RemoveAll(o.Dir)
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			o.Glassbox = exe
			return runBench(g, asJSON, func(log io.Writer) (any, error) {
				o.Log = log
				return bench.Diff(cmd.Context(), o)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Dir, "dir", "", "work `directory` (default DATA/bench-diff)")
	f.StringVar(&o.ModuleA, "module-a", "", "source tree `directory` of the first version")
	f.StringVar(&o.ModuleB, "module-b", "", "source tree `directory` of the second version")
	f.IntVar(&o.Runs, "runs", o.Runs, "measured `runs` of each tool (after one warm-up run)")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}
