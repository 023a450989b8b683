package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/centre"
	"glassbox.dev/centre/stage"
	"glassbox.dev/sbom"
	"glassbox.dev/vuln"
)

type vulnsOptions struct {
	format, failOn, output, reach string
	resolved                      bool
}

func vulnsCommand(g *globals) *cobra.Command {
	o := vulnsOptions{format: "text", failOn: "high", reach: "auto"}
	cmd := &cobra.Command{
		Use:   "vulns PATH|RELEASE|SBOM|BINARY [--format text|json|sarif|cyclonedx] [--fail-on SEVERITY] [-o FILE]",
		Short: "Match a tree's, binary's, SBOM's or release's components against the vulnerability database",
		Long: `Vulns lists the known vulnerabilities of the components of its target, matched
against the current vulnerability database snapshot (glassbox vulndb import):

  a directory   components from its manifests and lock files (as glassbox sbom
                derives them); for a Go module, reachability from govulncheck's
                source analysis (it needs the module's dependencies in the
                module cache, or the module proxy)
  a Go binary   components from its build information; reachability from
                govulncheck's binary analysis
  an SBOM       CycloneDX or SPDX JSON; no reachability
  a release     a stored release (id, 6+ hex digits of it, or PRODUCT@VERSION):
                its source and its artefacts; Go binaries among the artefacts
                are analysed for reachability. The report, the CycloneDX VEX
                and the SARIF are stored in the evidence store and recorded
                as evidence of the release (kinds vulns/report,
                vulns/cyclonedx-vex, vulns/sarif), which glassbox evaluate
                reuses; with --include-resolved or --reachability off they
                are shown, not recorded.

Matching follows the OSV schema (SEMVER and ECOSYSTEM ranges; introduced,
fixed, last_affected and limit events; versions lists; withdrawn records
skipped). Records that share an id or alias are one row. Each row has a VEX
status: affected (a vulnerable symbol is called, or reachability is unknown),
not_affected (code_not_reachable: a vulnerable package is used but no
vulnerable symbol; code_not_present: the module is there, no vulnerable
package), or resolved (--include-resolved: the installed version is past the
fix). Every output names the database snapshot.

Output (standard output or -o FILE): text, one line per vulnerability and
component; json; sarif (SARIF 2.1.0; not-affected results suppressed with
the reason); cyclonedx (CycloneDX 1.6 with VEX analysis).

Exit codes: 0 no affected vulnerability at or above --fail-on; 1 there is
one (a vulnerability no record rates counts at every level); 2 error.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			err := runVulns(cmd.Context(), g, a[0], o)
			var ce codedError
			var ue usageError
			if err == nil || errors.As(err, &ce) || errors.As(err, &ue) {
				return err
			}
			return codedError{code: exitError, err: err}
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", o.format, "output `format`: text, json, sarif or cyclonedx")
	f.StringVar(&o.failOn, "fail-on", o.failOn, "exit 1 on an affected vulnerability at or above this `severity`: critical, high, medium, low or none")
	f.StringVarP(&o.output, "output", "o", "", "write the output to `file` instead of standard output")
	f.StringVar(&o.reach, "reachability", o.reach, "Go reachability `analysis`: auto (binary or source as the target allows) or off")
	f.BoolVar(&o.resolved, "include-resolved", false, "also list vulnerabilities whose fix the installed version already has, as resolved")
	return cmd
}

func runVulns(ctx context.Context, g *globals, target string, o vulnsOptions) error {
	switch o.format {
	case "text", "json", "sarif", "cyclonedx":
	default:
		return usageError{fmt.Errorf("--format %q: want text, json, sarif or cyclonedx", o.format)}
	}
	if o.reach != "auto" && o.reach != "off" {
		return usageError{fmt.Errorf("--reachability %q: want auto or off", o.reach)}
	}
	rank, err := failRank(o.failOn)
	if err != nil {
		return err
	}
	c, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	store := c.VulnStore()
	snap, snapDigest, err := store.CurrentSnapshot(ctx)
	if err != nil {
		return err
	}
	rep := &vuln.Report{Target: target, Database: snap.Ref(snapDigest), Created: time.Now().UTC().Truncate(time.Second)}

	// The database is loaded once the components are known: only the
	// records naming their packages are parsed.
	load := func(cs []glassbox.Component) (*vuln.Database, error) { return store.LoadFor(ctx, snap, cs) }
	var stored string
	if _, statErr := os.Stat(target); statErr == nil {
		err = vulnsPath(ctx, load, target, o, rep)
	} else {
		stored, err = vulnsRelease(ctx, c, store, target, o, rep)
	}
	if err != nil {
		return err
	}
	cov := snap.Coverage(rep.Components, rep.Created, 0)
	rep.Coverage = &cov
	if fi, err := os.Stat(target); err == nil && fi.IsDir() {
		rep.SourceRoot = target
	}

	var out bytes.Buffer
	switch o.format {
	case "json":
		err = vuln.WriteJSON(&out, rep)
	case "sarif":
		err = vuln.WriteSARIF(&out, rep)
	case "cyclonedx":
		err = vuln.WriteCycloneDX(&out, rep)
	default:
		err = vuln.WriteText(&out, rep)
		if stored != "" {
			fmt.Fprintln(&out, stored)
		}
	}
	if err != nil {
		return err
	}
	if o.output != "" {
		if err := os.WriteFile(o.output, out.Bytes(), 0o644); err != nil {
			return glassbox.Errorf(glassbox.EINTERNAL, "write %s: %w", o.output, err)
		}
	} else if _, err := g.stdout.Write(out.Bytes()); err != nil {
		return err
	}
	if stored != "" && (o.format != "text" || o.output != "") {
		fmt.Fprintln(g.stderr, stored)
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(g.stderr, "glassbox: warning: %s %s@%s not judged: %s\n", p.Component.Ecosystem, p.Component.Name, p.Component.Version, p.Problem)
	}
	if n := rep.Failing(rank); n > 0 {
		return codedError{code: exitRefused, err: fmt.Errorf("%d affected vulnerabilit%s at or above %s (or unrated)", n, plural(n, "y", "ies"), o.failOn)}
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// loadFunc loads the records a set of components needs.
type loadFunc func([]glassbox.Component) (*vuln.Database, error)

// vulnsPath reads a directory, Go binary or SBOM file.
func vulnsPath(ctx context.Context, load loadFunc, target string, o vulnsOptions, rep *vuln.Report) error {
	fi, err := os.Stat(target)
	if err != nil {
		return err
	}
	mode := ""
	if fi.IsDir() {
		if rep.Components, err = sbom.Derive(ctx, target); err != nil {
			return err
		}
		if _, err := os.Stat(filepath.Join(target, "go.mod")); err == nil {
			mode = "source"
		}
	} else if _, cs, berr := sbom.ReadBinary(target); berr == nil {
		rep.Components, mode = cs, "binary"
	} else {
		f, err := os.Open(target)
		if err != nil {
			return err
		}
		defer f.Close()
		if rep.Components, err = sbom.Read(f, filepath.Base(target)); err != nil {
			return fmt.Errorf("%w (and it is not a Go binary: %v)", err, berr)
		}
	}
	db, err := load(rep.Components)
	if err != nil {
		return err
	}
	rep.Vulnerabilities, rep.Problems = db.Match(rep.Components, vuln.MatchOptions{Resolved: o.resolved})
	rep.Reachability = "no reachability analysis (an SBOM, or a tree that is not a Go module); Go matches are affected with unknown reachability"
	if mode == "" {
		return nil
	}
	if o.reach == "off" {
		rep.Reachability = "reachability analysis turned off (--reachability off)"
		return nil
	}
	return stage.Reach(ctx, db, rep, vuln.ReachOptions{Path: target, Mode: mode})
}

// vulnsRelease runs the centre's vulnerability job on a stored release:
// components from its source and its artefacts (the SBOM job's),
// reachability from the Go binaries among them. The report, the CycloneDX
// VEX and the SARIF are kept as evidence of the release, unless the
// options make the match a variant.
func vulnsRelease(ctx context.Context, c *centre.Centre, store *vuln.Store, ref string, o vulnsOptions, rep *vuln.Report) (string, error) {
	rel, err := releaseTarget(ctx, c, ref)
	if err != nil {
		return "", err
	}
	jobs := c.Jobs(rel, true)
	defer jobs.Close()
	vs, err := jobs.Vulns(ctx, store, stage.VulnsOptions{IncludeResolved: o.resolved, NoReachability: o.reach == "off"})
	if err != nil {
		return "", err
	}
	*rep = *vs.Report
	if vs.Digest == "" {
		return fmt.Sprintf("not recorded as evidence of release %s: --include-resolved or --reachability off make this match a variant of the centre's", rel.ID), nil
	}
	var lines []string
	for _, doc := range []struct {
		kind string
		d    glassbox.Digest
	}{{stage.KindVulnsReport, vs.Digest}, {stage.KindVulnsVEX, vs.VEXDigest}, {stage.KindVulnsSARIF, vs.SARIFDigest}} {
		lines = append(lines, fmt.Sprintf("%s stored as %s, recorded as evidence of release %s (glassbox cat %s)", doc.kind, doc.d, rel.ID, doc.d))
	}
	return strings.Join(lines, "\n"), nil
}
