package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/centre"
	"glassbox.dev/evaluate"
)

func releasesCommand(g *globals) *cobra.Command {
	var filter glassbox.ReleaseFilter
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "releases [--product NAME]",
		Short: "List stored releases, newest first",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var rels []centre.ReleaseVerdict
			if g.remote() {
				var err error
				if rels, err = remoteReleases(cmd.Context(), g, filter); err != nil {
					return err
				}
			} else {
				c, err := g.open(cmd.Context())
				if err != nil {
					return err
				}
				defer c.Close()
				if rels, err = c.Releases(cmd.Context(), filter); err != nil {
					return err
				}
			}
			if asJSON {
				type row struct {
					ID          glassbox.Digest  `json:"id"`
					Product     string           `json:"product"`
					Version     string           `json:"version"`
					SubmittedAt time.Time        `json:"submitted_at"`
					Verdict     *evaluate.Record `json:"verdict"` // null: never evaluated
				}
				rows := []row{}
				for _, r := range rels {
					rows = append(rows, row{r.Release.ID, r.Release.Manifest.Product, r.Release.Manifest.Version, r.Release.SubmittedAt, r.Current})
				}
				return writeJSON(g, rows)
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPRODUCT\tVERSION\tSUBMITTED\tVERDICT\tCONTENT")
			for _, rv := range rels {
				r := rv.Release
				verdict := "not evaluated"
				if v := rv.Current; v != nil {
					verdict = string(v.Verdict) + " " + v.At.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", shortID(r.ID), r.Manifest.Product, r.Manifest.Version,
					r.SubmittedAt.UTC().Format(time.RFC3339), verdict, describeRoles(&r.Manifest))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&filter.Product, "product", "", "only releases of this product `name`")
	cmd.Flags().IntVar(&filter.Limit, "limit", 0, "list at most this many releases (0: all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// shortID abbreviates a release id for tables, as git abbreviates commits;
// every command accepts the abbreviation.
func shortID(d glassbox.Digest) string { return d.Hex()[:16] }

// findRelease resolves what a user typed to name a release (a full id, a
// unique prefix of its hex digits, or PRODUCT@VERSION); a reference that
// cannot name one is a usage error.
func findRelease(ctx context.Context, c *centre.Centre, ref string) (*glassbox.Release, error) {
	rel, err := c.ResolveRelease(ctx, ref)
	if errors.Is(err, centre.ErrMalformedRef) {
		return nil, usageError{err}
	}
	return rel, err
}
