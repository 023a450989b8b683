package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"glassbox.dev/internal/bench"
)

func benchCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure glassbox next to the tools it stands in for, on this machine",
	}
	cmd.AddCommand(benchIngestCommand(g), benchLogCommand(g), benchDiffCommand(g), benchScanCommand(g),
		benchVulnsCommand(g))
	return cmd
}

func benchIngestCommand(g *globals) *cobra.Command {
	o := bench.IngestOptions{TotalSize: 1 << 30, SmallFiles: 20000, Runs: 3}
	var asJSON, keep bool
	cmd := &cobra.Command{
		Use:   "ingest [--dir DIR] [--size BYTES] [--small-files N]",
		Short: "Time the ingestion of a release next to tar -x and sha256sum of the same data",
		Long: `Makes a release of --size bytes (half in --small-files small files, half in one
large file, incompressible), then times, with warm caches and the median of
--runs runs: tar -x of it, tar -x followed by sync, sha256sum of every file,
and glassbox's ingestion of the tar and of the directory into a fresh data
directory. The ratio printed last is glassbox's tar ingestion over tar -x and
sha256sum together.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Dir == "" {
				o.Dir = filepath.Join(g.data, "bench")
			}
			if err := os.MkdirAll(o.Dir, 0o755); err != nil {
				return err
			}
			if !keep {
				defer os.RemoveAll(o.Dir)
			}
			return runBench(g, asJSON, func(log io.Writer) (any, error) {
				o.Log = log
				return bench.Ingest(cmd.Context(), o)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Dir, "dir", "", "work `directory` (default DATA/bench); it must be on the disk to measure")
	f.Int64Var(&o.TotalSize, "size", o.TotalSize, "`bytes` of content in the release")
	f.IntVar(&o.SmallFiles, "small-files", o.SmallFiles, "`number` of small files")
	f.IntVar(&o.Runs, "runs", o.Runs, "measured `runs` of each contender (after one warm-up run)")
	f.BoolVar(&keep, "keep", false, "keep the generated release for another run")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func benchLogCommand(g *globals) *cobra.Command {
	o := bench.LogOptions{Writers: 256, Duration: 10 * time.Second}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "log [--writers N] [--duration D]",
		Short: "Time sustained attestations end to end next to raw Tessera appends, and receipt verification",
		Long: `Runs, one after the other in the same process and on the same disk, --writers
concurrent writers for --duration against: raw Tessera POSIX (512-byte
entries, sequenced), then glassbox's whole attestation path (sign, store the
envelope, append, wait for a checkpoint, prove inclusion, build the receipt).
Reports entries per second, the ratio, the p50 and p99 time from submit to
receipt, and the time to verify one receipt.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Dir == "" {
				o.Dir = filepath.Join(g.data, "bench-log")
			}
			if err := os.MkdirAll(o.Dir, 0o755); err != nil {
				return err
			}
			defer os.RemoveAll(o.Dir)
			return runBench(g, asJSON, func(log io.Writer) (any, error) {
				o.Log = log
				return bench.Log(cmd.Context(), o)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Dir, "dir", "", "work `directory` (default DATA/bench-log)")
	f.IntVar(&o.Writers, "writers", o.Writers, "concurrent `writers`")
	f.DurationVar(&o.Duration, "duration", o.Duration, "how long each contender runs")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// runBench runs one benchmark. On a terminal or in a log it prints the
// machine and the benchmark's progress; with --json only the report.
func runBench(g *globals, asJSON bool, run func(log io.Writer) (any, error)) error {
	var log io.Writer
	if !asJSON {
		log = g.stdout
		fmt.Fprintf(g.stdout, "machine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	}
	rep, err := run(log)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(g, rep)
	}
	return nil
}
