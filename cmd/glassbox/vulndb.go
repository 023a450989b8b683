package main

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/centre"
	"glassbox.dev/jobs"
	"glassbox.dev/vuln"
)

func vulndbCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vulndb",
		Short: "Import OSV vulnerability data and say what is loaded",
	}
	cmd.AddCommand(vulndbImportCommand(g), vulndbStatusCommand(g))
	return cmd
}

func vulndbImportCommand(g *globals) *cobra.Command {
	var asJSON, noRecheck, follow, queue bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "import FILE|DIR...",
		Short: "Make a new vulnerability database snapshot from OSV zips or directories of OSV JSON, and re-evaluate the releases it newly affects",
		Long: `Import reads OSV records from each argument: a zip as OSV publishes one per
ecosystem (<Ecosystem>/all.zip), a directory of OSV JSON files, or one OSV
JSON file. The sources (directories packed into a zip with sorted names) and
a snapshot record are stored in the evidence store, and the snapshot becomes
the current one; earlier snapshots stay in the store unchanged.

A record that is not valid OSV (not JSON, no id or modified time, a range
type, event or version its ecosystem cannot have) is counted and reported
with its file and the problem; the other records load.

The snapshot's digest names the data every later glassbox vulns result was
reached against; each evaluation's vulnerability report names it.

Verdicts are re-checked: the shipped components of every evaluated release
are matched against the new snapshot, and a release with a match its last
evaluation did not know is evaluated again, against the same standards.
Its new verdict is signed and logged and supersedes the old one (a PASSED
verdict that no longer holds is revoked), so online verification and
monitors see it. With --queue the re-evaluations are queued as evaluation
jobs for the centre's workers ('glassbox serve', 'glassbox worker', with
the same --db) instead of run here. --no-recheck leaves that to a later
'glassbox evaluate'.
With --follow, the sources are watched and imported again whenever one
changes, every --interval.

Exit codes: 0 imported (even with bad records, which are reported); 2 a
source could not be read at all, or another error.`,
		Args: args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			ctx := cmd.Context()
			last := ""
			for {
				stamp, err := sourcesStamp(a)
				if err != nil {
					return codedError{code: exitError, err: err}
				}
				if stamp != last {
					if err := vulndbImport(ctx, g, a, asJSON, noRecheck, queue); err != nil {
						return err
					}
					last = stamp
				}
				if !follow {
					return nil
				}
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(interval):
				}
			}
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the snapshot record as JSON")
	cmd.Flags().BoolVar(&noRecheck, "no-recheck", false, "do not re-evaluate the releases the new data affects")
	cmd.Flags().BoolVar(&queue, "queue", false, "queue the re-evaluations for the centre's workers instead of running them here")
	cmd.Flags().BoolVar(&follow, "follow", false, "keep watching the sources and import them again when one changes")
	cmd.Flags().DurationVar(&interval, "interval", time.Minute, "how often --follow looks at the sources")
	return cmd
}

// vulndbImport imports the sources once and re-evaluates the releases the
// new snapshot newly affects.
func vulndbImport(ctx context.Context, g *globals, sources []string, asJSON, noRecheck, queue bool) error {
	// Re-evaluating here signs and logs: the log is opened when there
	// are keys, and then only.
	mode := centre.LogIfKeys
	if noRecheck || queue {
		mode = centre.NoLog
	}
	c, err := g.openCentre(ctx, mode)
	if err != nil {
		return err
	}
	defer c.Close()
	start := time.Now()
	snap, d, err := c.VulnStore().Import(ctx, sources)
	if err != nil {
		return codedError{code: exitError, err: err}
	}
	if asJSON {
		if err := writeJSON(g, struct {
			Record glassbox.Digest `json:"record"`
			*vuln.Snapshot
		}{d, snap}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(g.stdout, "imported %d records (%s) in %.1fs\n", snap.Records, ecosystemsText(snap.Ecosystems), time.Since(start).Seconds())
		writeSnapshotText(g, snap, d)
	}
	if noRecheck || (!queue && c.Attester() == nil) {
		return nil // nothing to re-check, or nothing to sign verdicts with (no keys, no signing servers)
	}
	rs, err := c.Rechecks(ctx)
	if err != nil || len(rs) == 0 {
		return err
	}
	if queue {
		return queueRechecks(ctx, g, c, rs, asJSON)
	}
	for _, r := range rs {
		ev, err := c.Evaluate(ctx, r.Release, centre.EvaluateOptions{Standards: r.Last.Standards}, nil)
		if err != nil {
			return fmt.Errorf("re-evaluate %s@%s: %w", r.Release.Manifest.Product, r.Release.Manifest.Version, err)
		}
		if !asJSON {
			fmt.Fprintf(g.stdout, "re-evaluated %s@%s, newly affected by %s: %s, was %s\n", r.Release.Manifest.Product, r.Release.Manifest.Version,
				strings.Join(r.New, ", "), ev.Outcome.Verdict, r.Last.Verdict)
		}
	}
	return nil
}

// queueRechecks queues an evaluation job for each release to re-check.
func queueRechecks(ctx context.Context, g *globals, c *centre.Centre, rs []centre.Recheck, quiet bool) error {
	q, err := g.openJobs(ctx, c, jobSettings{timeout: jobs.DefaultTimeout, heartbeat: jobs.DefaultHeartbeat})
	if err != nil {
		return err
	}
	defer q.Close(context.WithoutCancel(ctx))
	for _, r := range rs {
		id, err := q.Enqueue(ctx, jobs.Request{Kind: jobs.KindEvaluate, Release: r.Release.ID, Standards: r.Last.Standards})
		if err != nil && !(glassbox.ErrorCode(err) == glassbox.ECONFLICT && id != 0) {
			return fmt.Errorf("queue the re-evaluation of %s@%s: %w", r.Release.Manifest.Product, r.Release.Manifest.Version, err)
		}
		if !quiet {
			fmt.Fprintf(g.stdout, "queued the re-evaluation of %s@%s, newly affected by %s (job %d); it was %s\n", r.Release.Manifest.Product, r.Release.Manifest.Version,
				strings.Join(r.New, ", "), id, r.Last.Verdict)
		}
	}
	return nil
}

// sourcesStamp changes whenever a source changes: each file's (or each
// file under a directory's) name, size and modification time.
func sourcesStamp(sources []string) (string, error) {
	var b strings.Builder
	for _, src := range sources {
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "%s %d %d\n", p, fi.Size(), fi.ModTime().UnixNano())
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

func vulndbStatusCommand(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status [--json]",
		Short: "Say which vulnerability database snapshot is current, what it holds and how old it is",
		Long: `Status prints the current snapshot: its digest, when it was imported, its
sources, the records per ecosystem, withdrawn records, the bad records with
their files and problems, and the newest "modified" time of any record (how
old the data is; records with an unknown time are counted apart).

Exit codes: 0 a snapshot is loaded; 1 none has been imported; 2 error.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			snap, d, err := c.VulnStore().CurrentSnapshot(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, struct {
					Record glassbox.Digest `json:"record"`
					Age    string          `json:"age,omitempty"`
					*vuln.Snapshot
				}{d, ageText(snap.NewestModified), snap})
			}
			writeSnapshotText(g, snap, d)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the snapshot record as JSON")
	return cmd
}

func writeSnapshotText(g *globals, snap *vuln.Snapshot, d glassbox.Digest) {
	w := g.stdout
	fmt.Fprintf(w, "snapshot:   %s (record %s)\n", snap.Digest, d)
	fmt.Fprintf(w, "imported:   %s\n", snap.ImportedAt.Format(time.RFC3339))
	for _, s := range snap.Sources {
		fmt.Fprintf(w, "source:     %s (%s, %d bytes)\n", s.Name, s.Blob, s.Size)
	}
	fmt.Fprintf(w, "records:    %d (%s), %d withdrawn\n", snap.Records, ecosystemsText(snap.Ecosystems), snap.Withdrawn)
	if snap.NewestModified != nil {
		fmt.Fprintf(w, "newest:     %s (%s old)", snap.NewestModified.Format(time.RFC3339), ageText(snap.NewestModified))
	} else {
		fmt.Fprintf(w, "newest:     unknown")
	}
	if snap.UnknownModified > 0 {
		fmt.Fprintf(w, "; %d records have no modified time", snap.UnknownModified)
	}
	fmt.Fprintln(w)
	if snap.NewestPublished != nil {
		fmt.Fprintf(w, "published:  newest %s (%s old)\n", snap.NewestPublished.Format(time.RFC3339), ageText(snap.NewestPublished))
	}
	fmt.Fprintf(w, "bad:        %d\n", snap.Bad)
	for _, b := range snap.BadRecords {
		fmt.Fprintf(w, "  %s: %s\n", b.File, b.Problem)
	}
}

func ecosystemsText(m map[string]int) string {
	var parts []string
	for e, n := range m {
		parts = append(parts, fmt.Sprintf("%s %d", e, n))
	}
	if len(parts) == 0 {
		return "no ecosystem"
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func ageText(t *time.Time) string {
	if t == nil {
		return ""
	}
	d := time.Since(*t)
	switch {
	case d < 48*time.Hour:
		return fmt.Sprintf("%.0fh", d.Hours())
	default:
		return fmt.Sprintf("%.0f days", d.Hours()/24)
	}
}
