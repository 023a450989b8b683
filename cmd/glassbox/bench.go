package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"glassbox.dev/internal/bench"
)

func benchCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure glassbox next to the tools it stands in for, on this machine",
	}
	cmd.AddCommand(benchIngestCommand(g), benchLogCommand(g), benchDiffCommand(g), benchScanCommand(g),
		benchVulnsCommand(g), benchAPICommand(g))
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
			done, err := benchDir(g, &o.Dir, "bench", keep)
			if err != nil {
				return err
			}
			defer done()
			return runBench(g, asJSON, func(log io.Writer) (any, error) {
				o.Log = log
				return bench.Ingest(cmd.Context(), o)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Dir, "dir", "", "work `directory` (default DATA/bench); it must be on the disk to measure")
	releaseFlags(f, &o.TotalSize, &o.SmallFiles, &o.Runs, &keep)
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

func benchAPICommand(g *globals) *cobra.Command {
	o := bench.APIOptions{TotalSize: 1 << 30, SmallFiles: 20000, Runs: 3, Clients: 64, Duration: 10 * time.Second, Reads: 500}
	var asJSON, keep bool
	cmd := &cobra.Command{
		Use:   "api [--dir DIR] [--size BYTES] [--clients N] [--duration D] [--reads N]",
		Short: "Time API v1 on loopback next to the local CLI and http.FileServer",
		Long: `Runs API v1 in this process on a loopback port over a fresh data directory
and measures, side by side in one run:

  submit   a release of --size bytes (half in --small-files small files, half in
           one large file, as a tar) through the API (chunked uploads, then
           submit) and through the CLI's local submit, each into a fresh data
           directory; the median of --runs runs after a warm-up.
  reads    GET of a release and of a verdict by --clients concurrent keep-alive
           clients for --duration, next to http.FileServer serving the same
           JSON bodies from files.
  access   --reads sequential reads of one source file with the access record,
           and with a recorder that records nothing (a baseline that exists
           only in this benchmark), and of the release's JSON.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			done, err := benchDir(g, &o.Dir, "bench-api", keep)
			if err != nil {
				return err
			}
			defer done()
			return runBench(g, asJSON, func(log io.Writer) (any, error) {
				o.Log = log
				return bench.API(cmd.Context(), o)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Dir, "dir", "", "work `directory` (default DATA/bench-api); it must be on the disk to measure")
	releaseFlags(f, &o.TotalSize, &o.SmallFiles, &o.Runs, &keep)
	f.IntVar(&o.Clients, "clients", o.Clients, "concurrent keep-alive `clients` of the read benchmark")
	f.DurationVar(&o.Duration, "duration", o.Duration, "how long each contender of the read benchmark runs")
	f.IntVar(&o.Reads, "reads", o.Reads, "sequential source-file `reads` of each access-record contender")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// benchDir makes the work directory *dir, DATA/name unless given, and
// returns what removes it again, unless keep.
func benchDir(g *globals, dir *string, name string, keep bool) (func(), error) {
	if *dir == "" {
		*dir = filepath.Join(g.data, name)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return nil, err
	}
	if keep {
		return func() {}, nil
	}
	return func() { os.RemoveAll(*dir) }, nil
}

// releaseFlags are the flags of the benchmarks that make a release of
// many small files and one large file and time something on it.
func releaseFlags(f *pflag.FlagSet, size *int64, small, runs *int, keep *bool) {
	f.Int64Var(size, "size", *size, "`bytes` of content in the release")
	f.IntVar(small, "small-files", *small, "`number` of small files")
	f.IntVar(runs, "runs", *runs, "measured `runs` of each contender (after one warm-up run)")
	f.BoolVar(keep, "keep", false, "keep the generated release for another run")
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
