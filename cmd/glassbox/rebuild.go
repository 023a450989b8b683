package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/centre/stage"
	"glassbox.dev/internal/input"
	"glassbox.dev/rebuild"
	"glassbox.dev/tlog"
)

func rebuildCommand(g *globals) *cobra.Command {
	var recipeFile string
	var inputRoots []string
	var asJSON, noAttest bool
	var limits rebuild.Limits
	var wall time.Duration
	var memory, disk string
	cmd := &cobra.Command{
		Use:   "rebuild RELEASE [--recipe FILE]",
		Short: "Rebuild a release's artefacts from its source in a sandbox and compare them with what the vendor ships",
		Long: `Rebuild copies the release's stored source into a fresh work directory, runs
its recipe (the submitted one, --recipe FILE, or for a Go module without one
"go build -trimpath") in a bubblewrap sandbox — no network, read-only system,
private /tmp, new PID namespace, limits on time, memory, disk and processes,
a clean environment with SOURCE_DATE_EPOCH, TZ, LANG and umask pinned — and
compares each shipped artefact with its rebuild: bit for bit, else after the
stabilisers the recipe declares (reported as such), else different, with a
structural diff of where.

The build log, the rebuilt artefacts and the report are kept as evidence;
the report is recorded as the release's rebuild, which glassbox evaluate
then assesses without building again.
If the centre has keys, an SLSA Provenance v1 statement about the rebuilt
artefacts is signed and appended to the transparency log.

Exit codes: 0 every artefact reproduced; 1 some artefact differs or could
not be rebuilt; 2 usage or internal error.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			ctx := cmd.Context()
			if memory != "" {
				s, err := rebuild.ParseSize(memory)
				if err != nil {
					return usageError{fmt.Errorf("--memory: %v", err)}
				}
				limits.Memory = s
			}
			if disk != "" {
				s, err := rebuild.ParseSize(disk)
				if err != nil {
					return usageError{fmt.Errorf("--disk: %v", err)}
				}
				limits.Disk = s
			}
			limits.Wall = rebuild.Duration(wall)
			c, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			rel, err := findRelease(ctx, c, a[0])
			if err != nil {
				return err
			}
			o := stage.RebuildOptions{Limits: limits, InputRoots: inputRoots, DataDir: g.data}
			if recipeFile != "" {
				if o.Recipe, o.RecipeDigest, err = loadRecipe(ctx, recipeFile); err != nil {
					return err
				}
			}
			// The command rebuilds again, and records the rebuild as the
			// release's evidence: evaluate assesses it without rebuilding.
			jobs := c.Jobs(rel, true)
			defer jobs.Close()
			stop := showElapsed(g.stderr, "rebuilding "+rel.Manifest.String()+" in the sandbox")
			rb, err := jobs.Rebuild(ctx, o)
			stop()
			if err != nil {
				return err
			}
			rep, reportDigest := rb.Report, rb.Digest
			var receipt *tlog.Receipt
			if !noAttest {
				if receipt, err = attestRebuild(ctx, g, rb); err != nil {
					return err
				}
			}
			if asJSON {
				if err := writeJSON(g, struct {
					*rebuild.Report
					ReportDigest glassbox.Digest `json:"report_digest"`
					Receipt      *tlog.Receipt   `json:"receipt,omitempty"`
				}{rep, reportDigest, receipt}); err != nil {
					return err
				}
			} else {
				printRebuild(g, rel, rep, reportDigest, receipt)
			}
			if !rep.Reproduced() {
				return codedError{code: exitRefused}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&recipeFile, "recipe", "", "use this recipe `file` instead of the submitted one")
	f.DurationVar(&wall, "wall", 0, "wall-time limit of the build (default: the recipe's, else 1h)")
	f.StringVar(&memory, "memory", "", "memory limit, e.g. 4GiB (default: the recipe's)")
	f.StringVar(&disk, "disk", "", "disk limit for the work directory, e.g. 8GiB (default: the recipe's)")
	f.IntVar(&limits.Processes, "processes", 0, "process limit (default: the recipe's)")
	f.StringArrayVar(&inputRoots, "input-root", nil, "host `directory` recipes may mount pinned inputs from (repeatable)")
	f.BoolVar(&noAttest, "no-attest", false, "do not sign and log a provenance statement")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// loadRecipe reads a recipe file given on the command line.
func loadRecipe(ctx context.Context, file string) (*rebuild.Recipe, glassbox.Digest, error) {
	data, err := input.ReadFile(ctx, file, "recipe", rebuild.MaxRecipeSize)
	if err != nil {
		return nil, "", err
	}
	r, err := rebuild.Parse(data)
	return r, glassbox.DigestOf(data), err
}

// attestRebuild signs and logs the rebuild's SLSA Provenance statement, if
// the centre has keys: the same statement an evaluation signs.
func attestRebuild(ctx context.Context, g *globals, rb *stage.Rebuilt) (*tlog.Receipt, error) {
	if _, err := os.Stat(filepath.Join(g.keyDir(), "attestation.key")); err != nil {
		return nil, nil // no keys: the report is evidence, unsigned
	}
	st := rb.Statement()
	if st == nil {
		return nil, nil
	}
	lc, err := g.openLog(ctx)
	if err != nil {
		return nil, err
	}
	defer lc.Close()
	return lc.Notary.Attest(ctx, *st)
}

func printRebuild(g *globals, rel *glassbox.Release, rep *rebuild.Report, reportDigest glassbox.Digest, receipt *tlog.Receipt) {
	verdict := "REPRODUCED"
	if !rep.Reproduced() {
		verdict = "NOT REPRODUCED"
	}
	fmt.Fprintf(g.stdout, "%s %s in %s\n", verdict, rel.Manifest.String(), rep.FinishedOn.Sub(rep.StartedOn).Round(time.Millisecond))
	if rep.Failure != "" {
		fmt.Fprintf(g.stdout, "  build failed: %s\n", rep.Failure)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	for _, a := range rep.Artifacts {
		line := string(a.Verdict)
		if len(a.Stabilisers) > 0 {
			line += fmt.Sprintf(" (after %v)", a.Stabilisers)
		}
		if a.Reason != "" {
			line += ": " + a.Reason
		}
		fmt.Fprintf(tw, "  %s\t%s\n", a.Name, line)
		for _, d := range a.Differences {
			fmt.Fprintf(tw, "  \t  %s\n", d)
		}
	}
	tw.Flush()
	fmt.Fprintf(g.stdout, "  build log %s, report %s\n", rep.Log, reportDigest)
	if receipt != nil {
		fmt.Fprintln(g.stdout, "  provenance signed and logged in the transparency log")
	}
}
