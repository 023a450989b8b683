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
	"glassbox.dev/rebuild"
	"glassbox.dev/sbom"
	"glassbox.dev/vuln"
)

// Kinds under which a release's vulnerability reports are recorded.
const (
	evidenceKindVulnsVEX   = "vulns/cyclonedx-vex"
	evidenceKindVulnsSARIF = "vulns/sarif"
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
                are analysed for reachability. The CycloneDX VEX and the SARIF
                are stored in the evidence store and recorded as evidence of
                the release (kinds vulns/cyclonedx-vex and vulns/sarif).

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
	store := c.vulnStore(g)
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
		stored, err = vulnsRelease(ctx, g, c, load, target, o, rep)
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
	return reach(ctx, db, rep, vuln.ReachOptions{Path: target, Mode: mode}, nil)
}

// reach runs govulncheck and says in the report what it did; a failure
// of the analysis leaves the matches affected with unknown reachability
// rather than failing the command.
func reach(ctx context.Context, db *vuln.Database, rep *vuln.Report, o vuln.ReachOptions, only func(vuln.Match) bool) error {
	if err := db.Reach(ctx, rep.Vulnerabilities, vuln.ReachOptions{Path: o.Path, Mode: o.Mode, Only: only}); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rep.Reachability = appendNote(rep.Reachability, fmt.Sprintf("govulncheck (%s mode) could not analyse %s, reachability unknown: %v", o.Mode, filepath.Base(o.Path), firstLineOf(err.Error())))
		return nil
	}
	rep.Reachability = appendNote(rep.Reachability, fmt.Sprintf("govulncheck symbol analysis (%s mode) of %s", o.Mode, filepath.Base(o.Path)))
	return nil
}

func appendNote(old, note string) string {
	if old == "" || strings.HasPrefix(old, "no reachability") || strings.HasPrefix(old, "no Go binary") {
		return note
	}
	return old + "; " + note
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// vulnsRelease matches a stored release: components from its source tree
// and from its artefacts, reachability from the Go binaries among them.
// The CycloneDX VEX and SARIF are stored and recorded as evidence.
func vulnsRelease(ctx context.Context, g *globals, c *centre, load loadFunc, ref string, o vulnsOptions, rep *vuln.Report) (string, error) {
	rel, err := releaseTarget(ctx, c, ref)
	if err != nil {
		return "", err
	}
	tmp, err := c.blobs.TempDir()
	if err != nil {
		return "", err
	}
	work, err := os.MkdirTemp(tmp, "vulns-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	src, arts := filepath.Join(work, "src"), filepath.Join(work, "artifacts")
	if err := rebuild.Materialise(ctx, c.blobs, rel.Manifest.Source.Files, src); err != nil {
		return "", fmt.Errorf("materialise release %s: %w", rel.ID, err)
	}
	if err := rebuild.Materialise(ctx, c.blobs, rel.Manifest.Artifacts, arts); err != nil {
		return "", fmt.Errorf("materialise the artefacts of release %s: %w", rel.ID, err)
	}
	comps, err := sbom.Derive(ctx, src)
	if err != nil {
		return "", err
	}
	var binaries []string
	for _, a := range rel.Manifest.Artifacts {
		if a.Mode == glassbox.ModeSymlink {
			continue
		}
		p := filepath.Join(arts, filepath.FromSlash(a.Path))
		_, cs, err := sbom.ReadBinary(p)
		if err != nil {
			continue // not a Go binary
		}
		for i := range cs {
			cs[i].Source = "artifacts/" + a.Path
		}
		comps = append(comps, cs...)
		binaries = append(binaries, a.Path)
	}
	rep.Release, rep.Components = rel.ID, comps
	db, err := load(comps)
	if err != nil {
		return "", err
	}
	rep.Vulnerabilities, rep.Problems = db.Match(comps, vuln.MatchOptions{Resolved: o.resolved})
	rep.Reachability = "no Go binary among the artefacts; Go matches are affected with unknown reachability"
	if o.reach == "auto" && len(binaries) > 0 {
		rep.Reachability = ""
		for _, b := range binaries {
			source := "artifacts/" + b
			// With one binary, its analysis speaks for the source's Go
			// components too (they are what it was built from); with
			// several, each speaks only for its own components.
			only := func(m vuln.Match) bool { return m.Component.Source == source || len(binaries) == 1 }
			if err := reach(ctx, db, rep, vuln.ReachOptions{Path: filepath.Join(arts, filepath.FromSlash(b)), Mode: "binary"}, only); err != nil {
				return "", err
			}
		}
	} else if o.reach == "off" {
		rep.Reachability = "reachability analysis turned off (--reachability off)"
	}

	var vex, sarif bytes.Buffer
	if err := vuln.WriteCycloneDX(&vex, rep); err != nil {
		return "", err
	}
	if err := vuln.WriteSARIF(&sarif, rep); err != nil {
		return "", err
	}
	var lines []string
	for _, doc := range []struct {
		kind string
		data []byte
	}{{evidenceKindVulnsVEX, vex.Bytes()}, {evidenceKindVulnsSARIF, sarif.Bytes()}} {
		d, err := c.blobs.Put(ctx, doc.data)
		if err != nil {
			return "", fmt.Errorf("store the %s of release %s: %w", doc.kind, rel.ID, err)
		}
		if err := c.releases.RecordEvidence(ctx, rel.ID, doc.kind, d); err != nil {
			return "", err
		}
		lines = append(lines, fmt.Sprintf("%s stored as %s, recorded as evidence of release %s (glassbox cat %s)", doc.kind, d, rel.ID, d))
	}
	return strings.Join(lines, "\n"), nil
}
