package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"glassbox.dev"
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
			c, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			rels, err := c.releases.FindReleases(cmd.Context(), filter)
			if err != nil {
				return err
			}
			// The current verdict of each: its newest evaluation's.
			current := make([]*evaluate.Record, len(rels))
			for i, r := range rels {
				if current[i], err = evaluate.Current(cmd.Context(), c.blobs, c.releases, r.ID); err != nil {
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
				for i, r := range rels {
					rows = append(rows, row{r.ID, r.Manifest.Product, r.Manifest.Version, r.SubmittedAt, current[i]})
				}
				return writeJSON(g, rows)
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPRODUCT\tVERSION\tSUBMITTED\tVERDICT\tCONTENT")
			for i, r := range rels {
				verdict := "not evaluated"
				if v := current[i]; v != nil {
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

// findRelease resolves what a user typed to name a release: a full id, a
// unique prefix of its hex digits (at least 6), or PRODUCT@VERSION.
func findRelease(ctx context.Context, rs glassbox.ReleaseStore, ref string) (*glassbox.Release, error) {
	if product, version, ok := strings.Cut(ref, "@"); ok {
		rels, err := rs.FindReleases(ctx, glassbox.ReleaseFilter{Product: product, Version: version, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(rels) == 0 {
			return nil, glassbox.Errorf(glassbox.ENOTFOUND, "no release of product %q has version %q", product, version)
		}
		return rels[0], nil
	}
	prefix := strings.TrimPrefix(ref, glassbox.DigestPrefix)
	if len(prefix) == 64 {
		return rs.FindRelease(ctx, glassbox.Digest(glassbox.DigestPrefix+prefix))
	}
	if len(prefix) < 6 || strings.Trim(strings.ToLower(prefix), "0123456789abcdef") != "" {
		return nil, usageError{fmt.Errorf("%q does not name a release: give its id (sha256:…), at least 6 of its hex digits, or PRODUCT@VERSION", ref)}
	}
	ids, err := rs.FindReleaseIDs(ctx, strings.ToLower(prefix), 2)
	if err != nil {
		return nil, err
	}
	switch len(ids) {
	case 0:
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "no release id starts with %s", prefix)
	case 1:
		return rs.FindRelease(ctx, ids[0])
	}
	return nil, glassbox.Errorf(glassbox.EINVALID, "%s is the start of more than one release id; give more digits", prefix)
}
