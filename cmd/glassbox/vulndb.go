package main

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"glassbox.dev"
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
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "import FILE|DIR...",
		Short: "Make a new vulnerability database snapshot from OSV zips or directories of OSV JSON",
		Long: `Import reads OSV records from each argument: a zip as OSV publishes one per
ecosystem (<Ecosystem>/all.zip), a directory of OSV JSON files, or one OSV
JSON file. The sources (directories packed into a zip with sorted names) and
a snapshot record are stored in the evidence store, and the snapshot becomes
the current one; earlier snapshots stay in the store unchanged.

A record that is not valid OSV (not JSON, no id or modified time, a range
type, event or version its ecosystem cannot have) is counted and reported
with its file and the problem; the other records load.

The snapshot's digest names the data every later glassbox vulns result was
reached against.

Exit codes: 0 imported (even with bad records, which are reported); 2 a
source could not be read at all, or another error.`,
		Args: args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			c, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			start := time.Now()
			snap, d, err := c.VulnStore().Import(cmd.Context(), a)
			if err != nil {
				return codedError{code: exitError, err: err}
			}
			if asJSON {
				return writeJSON(g, struct {
					Record glassbox.Digest `json:"record"`
					*vuln.Snapshot
				}{d, snap})
			}
			fmt.Fprintf(g.stdout, "imported %d records (%s) in %.1fs\n", snap.Records, ecosystemsText(snap.Ecosystems), time.Since(start).Seconds())
			writeSnapshotText(g, snap, d)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the snapshot record as JSON")
	return cmd
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
