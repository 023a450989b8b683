package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/server"
	"glassbox.dev/standard"
)

func icsCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ics template [--catalog en-303-645] | ics submit RELEASE FILE [--json] | ics show RELEASE [--json]",
		Short: "Write, submit or show a vendor's implementation conformance statement (ICS) for a release",
		Long: `An implementation conformance statement (ICS) is the vendor's account of a
release against ETSI EN 303 645, following the standard's Annex B: what the
product is and is for, which of the standard's conditions and features it
has, and, provision by provision, whether it is supported (yes, no or
not-applicable) and how.

  ics template        prints a commented YAML ICS listing every provision with
                      its status and its ETSI TS 103 701 test group, to fill in
  ics submit REL FILE checks FILE (YAML or JSON) against the catalog and stores
                      it as evidence of the release (kind vendor/ics), as
                      canonical JSON: glassbox cat DIGEST prints it
  ics show REL        prints the release's newest ICS

With --server URL (or GLASSBOX_SERVER) submit and show go through the
centre's API (PUT and GET /api/v1/releases/RELEASE/ics) as the token's
party: the vendor that owns the product (or an administrator) submits;
whoever may read the release reads, on the access record.

The next evaluation of the release weighs the newest ICS: a "no" to a
provision that applies makes it not satisfied; "not-applicable" waits for an
evaluator to confirm it; "yes" is a claim an evaluator checks.

Exit codes: 0 done; 1 the release does not exist, has no ICS, or the
statement was refused; 2 usage or internal error.`,
		Args: args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return usageError{fmt.Errorf("ics %s: want template, submit or show", a[0])}
		},
	}
	var catalog string
	tmpl := &cobra.Command{
		Use:   "template [--catalog ID]",
		Short: "Print an ICS template listing every provision",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := standard.OpenLibrary(g.data)
			if err != nil {
				return err
			}
			c, ok := l.Catalog(catalog)
			if !ok {
				return glassbox.Errorf(glassbox.ENOTFOUND, "no catalog %q; glassbox catalogs list shows them", catalog)
			}
			_, err = g.stdout.Write(standard.ICSTemplate(c))
			return err
		},
	}
	tmpl.Flags().StringVar(&catalog, "catalog", standard.EN, "the catalog `id` the statement answers")
	var asJSON bool
	submit := &cobra.Command{
		Use:   "submit RELEASE FILE [--json]",
		Short: "Check an ICS against the catalog and store it as evidence of the release",
		Args:  args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return runICSSubmit(cmd.Context(), g, a[0], a[1], asJSON)
		},
	}
	submit.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	show := &cobra.Command{
		Use:   "show RELEASE [--json]",
		Short: "Print the newest ICS of a release",
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return runICSShow(cmd.Context(), g, a[0], asJSON)
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print the statement as JSON")
	cmd.AddCommand(tmpl, submit, show)
	return cmd
}

// icsSubmitted is what ics submit --json prints: what the centre stored,
// as its API answers a submission.
type icsSubmitted = server.ICSStored

func runICSSubmit(ctx context.Context, g *globals, ref, file string, asJSON bool) error {
	b, err := readLimited(file, standard.MaxICSSize)
	if err != nil {
		return err
	}
	var out icsSubmitted
	var name, product string
	if g.remote() {
		cl, rel, err := g.remoteRelease(ctx, ref)
		if err != nil {
			return err
		}
		st, err := cl.SubmitICS(ctx, string(rel.ID), b)
		if err != nil {
			// The centre names the statement as it was sent; here it is FILE.
			return renameICS(err, file)
		}
		out = *st
		name = rel.Manifest.String()
	} else {
		c, err := g.open(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		rel, err := findRelease(ctx, c, ref)
		if err != nil {
			return err
		}
		ics, cat, err := c.SubmitICS(ctx, rel, file, b)
		if err != nil {
			return err
		}
		out = icsSubmitted{Release: rel.ID, Standard: ics.Standard, Digest: ics.Digest, Kind: standard.KindICS, Answered: len(ics.Provisions), Of: len(cat.Leaves())}
		name, product = rel.Manifest.String(), ics.Product.Name
	}
	if asJSON {
		return writeJSON(g, out)
	}
	if product != "" {
		name += " (" + product + ")"
	}
	fmt.Fprintf(g.stdout, "stored the ICS of %s as %s: %d of %d provisions answered; the next evaluation weighs it\n",
		name, out.Digest, out.Answered, out.Of)
	return nil
}

// renameICS says FILE where the centre's refusal names the statement as
// it was sent.
func renameICS(err error, file string) error {
	var e *glassbox.Error
	if errors.As(err, &e) && strings.HasPrefix(e.Message, server.ICSName+":") {
		return &glassbox.Error{Code: e.Code, Message: file + strings.TrimPrefix(e.Message, server.ICSName)}
	}
	return err
}

func runICSShow(ctx context.Context, g *globals, ref string, asJSON bool) error {
	var ics *standard.ICS
	var cat *standard.Catalog
	var name string
	if g.remote() {
		cl, rel, err := g.remoteRelease(ctx, ref)
		if err != nil {
			return err
		}
		if ics, err = cl.ICS(ctx, string(rel.ID)); err != nil {
			return err
		}
		name = rel.Manifest.String()
		// The centre's catalog orders the provisions and gives their
		// status; this machine's copy of it does as well, or the
		// statement is listed by label alone.
		if l, err := standard.OpenLibrary(g.data); err == nil {
			cat, _ = l.Catalog(ics.Standard)
		}
	} else {
		c, err := g.open(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		rel, err := findRelease(ctx, c, ref)
		if err != nil {
			return err
		}
		if ics, cat, err = c.ICS(ctx, rel); err != nil {
			return err
		}
		if ics == nil {
			return glassbox.Errorf(glassbox.ENOTFOUND, "release %s has no ICS; submit one with glassbox ics submit %s FILE (glassbox ics template starts one)", rel.Manifest.String(), ref)
		}
		name = rel.Manifest.String()
	}
	if asJSON {
		return writeJSON(g, ics)
	}
	p := &ics.Product
	fmt.Fprintf(g.stdout, "ICS %s of %s against %s\n", ics.Digest, name, ics.Standard)
	fmt.Fprintf(g.stdout, "product %s by %s, %s\n", p.Name, p.Manufacturer.Name, oneLineNote(p.Manufacturer.Address))
	if p.SupportUntil != "" || p.SecurityContact != "" {
		fmt.Fprintf(g.stdout, "supported until %s; security contact %s\n", orDash(p.SupportUntil), orDash(p.SecurityContact))
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVISION\tSTATUS\tSUPPORT\tDETAIL")
	unanswered := 0
	shown := map[string]bool{}
	if cat != nil {
		for _, ctl := range cat.Leaves() {
			a, ok := ics.Answer(ctl)
			if !ok {
				unanswered++
				continue
			}
			st := ""
			if ctl.Provision != nil {
				st = ctl.Provision.Status
			}
			shown[ctl.Label] = true
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", ctl.Label, st, a.Support, oneLineNote(a.Detail))
		}
	}
	for _, label := range slices.Sorted(maps.Keys(ics.Provisions)) {
		if !shown[label] {
			a := ics.Provisions[label]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", label, "-", a.Support, oneLineNote(a.Detail))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if unanswered > 0 {
		fmt.Fprintf(g.stdout, "%d provisions not answered\n", unanswered)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
