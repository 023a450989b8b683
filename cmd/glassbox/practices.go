package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/practice"
)

func practicesCommand(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "practices RELEASE [--json]",
		Short: "Decide how the project behind a release is run: licence, security policy, docs, CI workflows, history, signed releases",
		Long: `Practices runs the repository checks (docs/practices.md) on RELEASE (its id,
at least 6 of the id's hex digits, or PRODUCT@VERSION): the OSPS Baseline's
repository controls, decided the way OpenSSF Scorecard decides its checks,
from what the centre holds — the release's source tree, the git history
recorded when it was submitted from git (glassbox submit --git REPO --ref
TAG) and the assets it ships. Each result says where it looked and what it
found (file and line, or commit); a check the evidence cannot decide is
"error" (not assessed), never "pass".

The report is kept as evidence of the release (practice/report), which
glassbox evaluate reuses. repo.vex-shipped uses the release's vulnerability
report when glassbox vulns or evaluate made one.

Exit codes: 0 no check failed or was left not assessed; 1 one did; 2 usage
or internal error.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return runPractices(cmd.Context(), g, a[0], asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func runPractices(ctx context.Context, g *globals, ref string, asJSON bool) error {
	c, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	rel, err := releaseTarget(ctx, c, ref)
	if err != nil {
		return err
	}
	vulns, vd, err := c.Jobs(rel, false).StoredVulns(ctx)
	if err != nil {
		return err
	}
	// Decided again, as exercise runs again: the stored report is what
	// evaluate reuses.
	jobs := c.Jobs(rel, true)
	defer jobs.Close()
	rep, _, _, err := jobs.Practices(ctx, vulns, vd)
	if err != nil {
		return err
	}
	bad := 0
	for _, r := range rep.Results {
		if r.Status == glassbox.CheckFail || r.Status == glassbox.CheckError {
			bad++
		}
	}
	if asJSON {
		if err := writeJSON(g, rep); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CHECK\tSTATUS\tSUMMARY")
		for _, r := range rep.Results {
			fmt.Fprintf(tw, "%s\t%s\t%s%s\n", r.Check, r.Status, r.Summary, firstPlace(r.Where))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "%d of %d checks failed or could not be decided (%s)\n", bad, len(rep.Results), rel.Manifest.String())
	}
	if bad > 0 {
		return codedError{code: exitRefused, err: fmt.Errorf("%d of %d repository checks failed or could not be decided", bad, len(rep.Results))}
	}
	return nil
}

func firstPlace(ws []practice.Location) string {
	if len(ws) == 0 {
		return ""
	}
	w := ws[0]
	switch {
	case w.Commit != "":
		return fmt.Sprintf(" [commit %.12s]", w.Commit)
	case w.Line > 0:
		return fmt.Sprintf(" [%s:%d]", w.Path, w.Line)
	case w.Path != "":
		return " [" + w.Path + "]"
	}
	return ""
}
