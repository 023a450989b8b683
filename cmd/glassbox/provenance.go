package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func provenanceCommand(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "provenance RELEASE",
		Short: "Compare a release's source with the git commit it claims to come from",
		Long: `Provenance compares, file by file, the source tree of a release (a directory
or archive submitted with --source) with the tree of the git commit it claims
to be made from (--git REPO --ref TAG at submit time), and lists every file
added, removed or changed. Generated-looking build files that git does not
have (configure, *.m4, Makefile.in…) are marked high: the xz-utils 5.6.1
backdoor was an m4 macro present only in the release archive. The
comparison is recorded as provenance/report evidence of the release.

Exit codes: 0 the release matches its commit (apart from version-control
metadata); 1 it does not; 2 usage or internal error.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			c, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			rel, err := findRelease(cmd.Context(), c, a[0])
			if err != nil {
				return err
			}
			jobs := c.Jobs(rel, true)
			defer jobs.Close()
			p, err := jobs.Provenance(cmd.Context())
			if err != nil {
				return err
			}
			rep := p.Report
			if asJSON {
				if err := writeJSON(g, rep); err != nil {
					return err
				}
			} else {
				verdict := "MATCHES"
				if !rep.Consistent() {
					verdict = "DIFFERS FROM"
				}
				fmt.Fprintf(g.stdout, "%s %s its git commit %s (%s): %d files identical, %d differ\n",
					rel.Manifest.String(), verdict, rep.Commit, rep.Ref, rep.Identical, len(rep.Findings))
				if rep.Prefix != "" {
					fmt.Fprintf(g.stdout, "(release paths compared without their top directory %q)\n", rep.Prefix)
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				for _, f := range rep.Findings {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Severity, f.Change, f.Path, f.Reason)
				}
				tw.Flush()
			}
			if !rep.Consistent() {
				return codedError{code: exitRefused}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}
