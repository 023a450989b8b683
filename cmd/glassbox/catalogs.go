package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"glassbox.dev"
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

// catalogSummary is one row of catalogs list --json.
type catalogSummary struct {
	ID        string          `json:"id"`
	Title     string          `json:"title"`
	Version   string          `json:"version"`
	Builtin   bool            `json:"builtin"`
	Digest    glassbox.Digest `json:"digest"`
	Controls  int             `json:"controls"` // the controls that are assessed
	Automated int             `json:"automated"`
	Supported int             `json:"supported"`
	Manual    int             `json:"manual"`
}

func summarise(l *standard.Library, c *standard.Catalog) catalogSummary {
	s := catalogSummary{ID: c.ID, Title: c.Title, Version: c.Version, Builtin: c.Builtin, Digest: c.Digest()}
	m := l.Mapping(c.ID)
	for _, ctl := range c.Leaves() {
		s.Controls++
		switch m.For(ctl.ID).Coverage {
		case standard.Automated:
			s.Automated++
		case standard.Supported:
			s.Supported++
		default:
			s.Manual++
		}
	}
	return s
}

func catalogsListCommand(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: "List the catalogs, built-in and added",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := standard.OpenLibrary(g.data)
			if err != nil {
				return err
			}
			rows := []catalogSummary{}
			for _, c := range l.Catalogs() {
				rows = append(rows, summarise(l, c))
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
			fmt.Fprintf(g.stdout, "\nstandards to evaluate against: %s\n", strings.Join(l.StandardIDs(), ", "))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// controlRow is one control of catalogs show --json.
type controlRow struct {
	ID       string              `json:"id"`
	Label    string              `json:"label"`
	Title    string              `json:"title"`
	Group    string              `json:"group,omitempty"`
	Levels   []int               `json:"maturity_levels,omitempty"`
	Coverage standard.Coverage   `json:"coverage"`
	Checks   []standard.CheckRef `json:"checks,omitempty"`
	Why      string              `json:"why"`
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
			l, err := standard.OpenLibrary(g.data)
			if err != nil {
				return err
			}
			sels, err := l.Select([]string{a[0]})
			if err != nil {
				return glassbox.Errorf(glassbox.ENOTFOUND, "%v", err)
			}
			sel := sels[0]
			if asOSCAL {
				_, err := g.stdout.Write(sel.Catalog.JSON)
				return err
			}
			var rows []controlRow
			for _, ctl := range sel.Controls() {
				cm := sel.Mapping.For(ctl.ID)
				rows = append(rows, controlRow{ID: ctl.ID, Label: ctl.Label, Title: ctl.Title, Group: ctl.Group, Levels: ctl.Levels,
					Coverage: cm.Coverage, Checks: cm.Checks, Why: strings.TrimSpace(cm.Why)})
			}
			if asJSON {
				return writeJSON(g, struct {
					catalogSummary
					Selection string       `json:"selection"`
					Policy    string       `json:"policy"`
					Controls  []controlRow `json:"controls"`
				}{summarise(l, sel.Catalog), sel.ID, mustPolicy(l, sel.ID), rows})
			}
			fmt.Fprintf(g.stdout, "%s — %s (version %s)\npolicy %s\n\n", sel.ID, sel.Title(), sel.Catalog.Version, mustPolicy(l, sel.ID))
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CONTROL\tCOVERAGE\tCHECKS\tTITLE")
			for _, r := range rows {
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

func mustPolicy(l *standard.Library, id string) string {
	p, err := l.Policy([]string{id})
	if err != nil {
		return ""
	}
	return p.URI
}

func catalogsAddCommand(g *globals) *cobra.Command {
	var mapping, id string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "add FILE [--mapping FILE] [--id ID]",
		Short: "Add an OSCAL catalog of your own, with its evidence mapping",
		Long: `Add checks FILE, an OSCAL 1.0.6 catalog in JSON, against NIST's schema and
stores it in the data directory (DATA/catalogs/ID.json), so that releases
can be evaluated against it. ID is --id, or the catalog's glassbox catalog-id
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
			if id == "" {
				id = standard.CatalogIDFor(a[0], cb)
			}
			c, err := standard.AddCatalog(g.data, id, a[0], cb, mapping, mb)
			if err != nil {
				return err
			}
			l, err := standard.OpenLibrary(g.data)
			if err != nil {
				return err
			}
			s := summarise(l, c)
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
