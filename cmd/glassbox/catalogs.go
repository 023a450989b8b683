package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"glassbox.dev/internal/input"
	"glassbox.dev/standard"
)

func catalogsCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalogs",
		Short: "List, show and add the catalogs of controls that releases are judged against",
		Long: `Catalogs are standards as OSCAL catalogs: glassbox ships the EU Cyber
Resilience Act's Annex I (cra-annex-i), ETSI EN 303 645 (en-303-645) and the
OpenSSF OSPS Baseline (osps-baseline; osps-l1, osps-l2 and osps-l3 select its
requirements up to a maturity level). A user adds their own, e.g. an
operator's internal baseline, with glassbox catalogs add.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(catalogsListCommand(g), catalogsShowCommand(g), catalogsAddCommand(g))
	return cmd
}

func catalogsListCommand(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: "List the catalogs, built-in and added",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			rows, standards, err := c.Catalogs(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, rows)
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tVERSION\tCONTROLS\tAUTOMATED\tSUPPORTED\tMANUAL\tORIGIN\tTITLE")
			for _, r := range rows {
				origin := "added"
				if r.Builtin {
					origin = "built-in"
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", r.ID, r.Version, r.Controls, r.Automated, r.Supported, r.Manual, origin, r.Title)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "\nstandards to evaluate against: %s\n", strings.Join(standards, ", "))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func catalogsShowCommand(g *globals) *cobra.Command {
	var asJSON, asOSCAL bool
	cmd := &cobra.Command{
		Use:   "show ID [--json|--oscal]",
		Short: "Show a catalog's controls and which checks give evidence for each",
		Long: `Show lists the controls of a catalog (or of a selection such as osps-l1)
that an assessment judges, each with its coverage: automated (the checks
decide), supported (a failing check decides against it, an evaluator decides
the rest) or manual (an evaluator decides), and the checks mapped to it.
--oscal prints the catalog's OSCAL JSON as stored.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			if asJSON && asOSCAL {
				return usageError{fmt.Errorf("give --json or --oscal, not both")}
			}
			c, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			v, err := c.Catalog(cmd.Context(), a[0])
			if err != nil {
				return err
			}
			if asOSCAL {
				_, err := g.stdout.Write(v.OSCAL)
				return err
			}
			if asJSON {
				return writeJSON(g, v)
			}
			fmt.Fprintf(g.stdout, "%s — %s (version %s)\npolicy %s\n\n", v.Selection, v.SelectionTitle, v.Version, v.Policy)
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CONTROL\tCOVERAGE\tCHECKS\tTITLE")
			for _, r := range v.Controls {
				var checks []string
				for _, c := range r.Checks {
					checks = append(checks, c.Check)
				}
				if len(checks) == 0 {
					checks = []string{"-"}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Label, r.Coverage, strings.Join(checks, ","), r.Title)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&asOSCAL, "oscal", false, "print the OSCAL catalog")
	return cmd
}

func catalogsAddCommand(g *globals) *cobra.Command {
	var mapping, id string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "add FILE [--mapping FILE] [--id ID]",
		Short: "Add an OSCAL catalog of your own, with its evidence mapping",
		Long: `Add checks FILE, an OSCAL 1.0.6 catalog in JSON, against NIST's schema and
stores it in the centre's evidence store, named in its database, so that
releases can be evaluated against it, by this process and by every server
and worker of a deployment (--config). ID is --id, or the catalog's glassbox catalog-id
property, or else FILE's name without extension.

--mapping names a YAML (or JSON) file saying which automated checks give
evidence for which of its controls:

  catalog: ID
  controls:
    - control: AC-1            # a control's id or label
      coverage: supported      # automated | supported | manual
      checks:
        - check: scan.no-embedded-secrets
          satisfied-by: [pass]
      why: what the checks show, and what is left for an evaluator

Controls the mapping does not name are manual: an evaluator decides them
with glassbox judge. A stored catalog is never replaced; add a new version
under another id.

Exit codes: 0 stored (or already stored); 1 the catalog or mapping was
refused, or another catalog has the id; 2 usage or internal error.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			cb, err := input.ReadFile(cmd.Context(), a[0], "catalog", standard.MaxCatalogSize)
			if err != nil {
				return err
			}
			var mb []byte
			if mapping != "" {
				if mb, err = input.ReadFile(cmd.Context(), mapping, "mapping", standard.MaxMappingSize); err != nil {
					return err
				}
			}
			c, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			s, err := c.AddCatalog(cmd.Context(), id, a[0], cb, mapping, mb)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, s)
			}
			fmt.Fprintf(g.stdout, "catalog %s (%s, version %s): %d controls — %d automated, %d supported, %d manual\n",
				s.ID, s.Title, s.Version, s.Controls, s.Automated, s.Supported, s.Manual)
			fmt.Fprintf(g.stdout, "evaluate against it with --standard %s\n", s.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&mapping, "mapping", "", "YAML or JSON `file` mapping checks to the catalog's controls")
	cmd.Flags().StringVar(&id, "id", "", "the catalog's `id` (default: its catalog-id property or the file name)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the stored catalog's summary as JSON")
	return cmd
}

// readLimited reads a file the user named, at most max bytes of it.
func readLimited(name string, max int64) ([]byte, error) {
	return input.ReadFile(context.Background(), name, "file", max)
}
