// Package bench measures glassbox's capabilities side by side with the tools
// an engineer would otherwise use, in the same run on the same machine, so
// that docs/benchmarks.md can report ratios rather than bare numbers.
package bench

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"glassbox.dev"
	"glassbox.dev/evidence"
	"glassbox.dev/ingest"
	"glassbox.dev/sqlite"
)

// IngestOptions shape the release that BenchIngest makes and ingests.
type IngestOptions struct {
	Dir        string // work directory; must be on the disk being measured
	TotalSize  int64  // bytes of content in the release
	SmallFiles int    // how many small files share half of TotalSize; one large file holds the rest
	Runs       int    // repetitions of each measurement; the median is reported
	Log        io.Writer
}

// Measurement is the median time of one way of doing the job.
type Measurement struct {
	Name    string        `json:"name"`
	Command string        `json:"command"`
	Median  time.Duration `json:"median_ns"`
	MBps    float64       `json:"mb_per_s"`
}

// IngestReport is the result of BenchIngest.
type IngestReport struct {
	Bytes        int64         `json:"bytes"`
	Files        int           `json:"files"`
	Measurements []Measurement `json:"measurements"`
	// Ratio is glassbox's time to ingest the tar over the time of tar -x
	// and sha256sum together.
	Ratio float64 `json:"ratio_to_tar_x_plus_sha256sum"`
}

// Ingest makes a release (many small files and one large file, as a tree
// and as a tar), then times glassbox's ingestion of it next to tar -x and
// sha256sum of the same data. Page caches are warm for every contender.
func Ingest(ctx context.Context, o IngestOptions) (*IngestReport, error) {
	if o.Runs <= 0 {
		o.Runs = 3
	}
	logf := logger(o.Log)
	src, tarPath, err := makeReleaseTar(o.Dir, o.TotalSize, o.SmallFiles, logf)
	if err != nil {
		return nil, err
	}
	rep := &IngestReport{Bytes: o.TotalSize, Files: o.SmallFiles + 1}
	measure := func(name, command string, setup func() error, job func() error) error {
		var times []time.Duration
		for i := range o.Runs + 1 { // the first run warms caches and is not counted
			if err := setup(); err != nil {
				return err
			}
			start := time.Now()
			if err := job(); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if i > 0 {
				times = append(times, time.Since(start))
			}
		}
		slices.Sort(times)
		m := Measurement{Name: name, Command: command, Median: times[len(times)/2]}
		m.MBps = float64(o.TotalSize) / 1e6 / m.Median.Seconds()
		logf("%-34s %8.3fs %8.1f MB/s", name, m.Median.Seconds(), m.MBps)
		rep.Measurements = append(rep.Measurements, m)
		return nil
	}
	out := filepath.Join(o.Dir, "out")
	clean := func() error { return os.RemoveAll(out) }
	fresh := func() error {
		if err := clean(); err != nil {
			return err
		}
		return os.MkdirAll(out, 0o755)
	}
	shell := func(script string) func() error {
		return func() error {
			cmd := exec.CommandContext(ctx, "bash", "-c", script)
			cmd.Dir = o.Dir
			if b, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("%s: %v: %s", script, err, b)
			}
			return nil
		}
	}
	steps := []struct {
		name, command string
		setup         func() error
		job           func() error
	}{
		{"tar -x", "tar -xf release.tar -C out", fresh, shell("tar -xf release.tar -C out")},
		{"tar -x, then sync", "tar -xf release.tar -C out && sync -f out", fresh, shell("tar -xf release.tar -C out && sync -f out")},
		{"sha256sum", "find src -type f -print0 | xargs -0 sha256sum", func() error { return nil }, shell("find src -type f -print0 | xargs -0 sha256sum >/dev/null")},
		{"glassbox ingest (tar)", "glassbox submit --source release.tar", fresh, func() error { return submit(ctx, out, ingest.Request{SourceArchive: tarPath}) }},
		{"glassbox ingest (directory)", "glassbox submit --source src", fresh, func() error { return submit(ctx, out, ingest.Request{SourceDir: src}) }},
	}
	for _, s := range steps {
		if err := measure(s.name, s.command, s.setup, s.job); err != nil {
			return nil, err
		}
	}
	clean()
	peer := rep.Measurements[0].Median + rep.Measurements[2].Median
	rep.Ratio = rep.Measurements[3].Median.Seconds() / peer.Seconds()
	logf("glassbox ingest (tar) / (tar -x + sha256sum) = %.2f", rep.Ratio)
	return rep, nil
}

// submit ingests one release into a fresh data directory at dir, as the
// submit command does.
func submit(ctx context.Context, dir string, req ingest.Request) error {
	blobs, err := evidence.OpenFS(filepath.Join(dir, "evidence"))
	if err != nil {
		return err
	}
	defer blobs.Close()
	releases, err := sqlite.Open(ctx, filepath.Join(dir, "glassbox.db"))
	if err != nil {
		return err
	}
	defer releases.Close()
	req.Product, req.Version = "bench", "1.0.0"
	req.Limits = ingest.DefaultLimits()
	in := &ingest.Ingester{Blobs: blobs, Releases: releases}
	res, err := in.Submit(ctx, req)
	if err != nil {
		return err
	}
	if !res.Created {
		return glassbox.Errorf(glassbox.EINTERNAL, "the benchmark release was already stored")
	}
	return nil
}

// logger returns a printf to w, or one that prints nothing if w is nil.
func logger(w io.Writer) func(format string, args ...any) {
	return func(format string, args ...any) {
		if w != nil {
			fmt.Fprintf(w, format+"\n", args...)
		}
	}
}

// makeReleaseTar makes the benchmarks' release in dir: the tree (dir/src,
// see makeRelease) and the same as a tar (dir/release.tar).
func makeReleaseTar(dir string, total int64, small int, logf func(string, ...any)) (src, tarPath string, err error) {
	src = filepath.Join(dir, "src")
	tarPath = filepath.Join(dir, "release.tar")
	logf("making a %d MiB release with %d small files and one large file in %s", total>>20, small, dir)
	if err := makeRelease(src, total, small); err != nil {
		return "", "", err
	}
	return src, tarPath, makeTar(tarPath, src)
}

// makeRelease writes SmallFiles files of 1 to 2·avg bytes that together
// hold half of total, and one large file with the other half, all of
// incompressible pseudo-random bytes from a fixed seed.
func makeRelease(dir string, total int64, small int) error {
	if fi, err := os.Stat(filepath.Join(dir, "large.bin")); err == nil && fi.Size() > 0 {
		return nil // made by an earlier run with the same options
	}
	bytes := rand.NewChaCha8([32]byte{'g', 'l', 'a', 's', 's', 'b', 'o', 'x'})
	rng := rand.New(rand.NewPCG(1, 2))
	write := func(p string, n int64) error {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		if _, err := io.CopyN(f, bytes, n); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	half := total / 2
	avg := half / int64(max(small, 1))
	var used int64
	for i := range small {
		n := 1 + rng.Int64N(2*avg)
		if i == small-1 || used+n > half {
			n = max(half-used, 0)
		}
		p := filepath.Join(dir, fmt.Sprintf("pkg%03d", i/200), fmt.Sprintf("file%05d.dat", i))
		if err := write(p, n); err != nil {
			return err
		}
		used += n
	}
	return write(filepath.Join(dir, "large.bin"), total-used)
}

func makeTar(path, dir string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	err = tw.AddFS(os.DirFS(dir))
	if cerr := tw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
