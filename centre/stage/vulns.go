package stage

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"glassbox.dev"
	"glassbox.dev/sbom"
	"glassbox.dev/scan"
	"glassbox.dev/vuln"
)

// VulnsOptions are a vulnerability match's settings; the zero value is the
// centre's. A match with either option set is a variant: it is not
// recorded as the release's evidence, nor taken from it.
type VulnsOptions struct {
	// IncludeResolved also lists the vulnerabilities whose fix the
	// installed version already has.
	IncludeResolved bool
	// NoReachability skips govulncheck: every Go match stays affected.
	NoReachability bool
	// MaxAge is how old the data may be for the report's coverage to be
	// complete (vuln.DefaultMaxAge if zero).
	MaxAge time.Duration
}

func (o VulnsOptions) variant() bool { return o.IncludeResolved || o.NoReachability }

// Vulns is what the vulnerability job established.
type Vulns struct {
	Report *vuln.Report
	Digest glassbox.Digest // the JSON report's, recorded as KindVulnsReport
	// VEX is CycloneDX 1.6 with each match's VEX status (KindVulnsVEX);
	// SARIF the same as SARIF 2.1.0 (KindVulnsSARIF).
	VEX, SARIF             []byte
	VEXDigest, SARIFDigest glassbox.Digest
	// Snapshot is the database snapshot the report was reached against.
	Snapshot *vuln.Snapshot
	Reused   bool
}

// Vulns matches what the release ships (the SBOM job's components: the
// shipped Go binaries' modules, else the source's) against the current
// snapshot of db, asks govulncheck which Go matches each shipped Go binary
// reaches (or, when none is shipped, what the source calls), and keeps the
// report, the VEX and the SARIF; or returns the report stored for the
// release against the same snapshot. A match govulncheck could not judge
// is a problem of the report, never cleared.
func (j *Jobs) Vulns(ctx context.Context, db *vuln.Store, o VulnsOptions) (*Vulns, error) {
	if db == nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "no vulnerability database is configured")
	}
	snap, snapDigest, err := db.CurrentSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	if !o.variant() {
		var rep vuln.Report
		d, reused, err := j.storedJSON(ctx, KindVulnsReport, &rep)
		if err != nil {
			return nil, err
		}
		// A report against older data, or by a glassbox that matched every
		// go.mod requirement and did not record its coverage, is matched
		// again.
		if reused && rep.Database.Snapshot == snapDigest && rep.Coverage != nil {
			out := &Vulns{Report: &rep, Digest: d, Snapshot: snap, Reused: true}
			out.VEX, out.VEXDigest = j.storedDoc(ctx, KindVulnsVEX)
			out.SARIF, out.SARIFDigest = j.storedDoc(ctx, KindVulnsSARIF)
			return out, nil
		}
	}
	s, err := j.SBOM(ctx)
	if err != nil {
		return nil, fmt.Errorf("the release's components: %w", err)
	}
	comps := s.Components.Shipped()
	// Only the records that name one of the components: the same matches
	// as against the whole database, read through the snapshot's index.
	records, err := db.LoadFor(ctx, snap, comps)
	if err != nil {
		return nil, err
	}
	rep := &vuln.Report{
		Target: j.Release.Manifest.String(), Release: j.Release.ID, Database: snap.Ref(snapDigest),
		Components: comps, Created: j.now().Truncate(time.Second),
	}
	rep.Vulnerabilities, rep.Problems = records.Match(comps, vuln.MatchOptions{Resolved: o.IncludeResolved})
	binaries := slices.Sorted(maps.Keys(s.Components.Binaries))
	switch {
	case o.NoReachability:
		rep.Reachability = "reachability analysis turned off"
	case len(rep.Vulnerabilities) == 0:
		rep.Reachability = "not needed: nothing matched"
	case len(binaries) > 0:
		arts, err := j.artifacts(ctx)
		if err != nil {
			return nil, err
		}
		w, err := j.workDir()
		if err != nil {
			return nil, err
		}
		for _, b := range binaries {
			source := scan.ArtifactPrefix + b
			// With one binary, its analysis speaks for every Go component;
			// with several, each speaks only for its own.
			only := func(m vuln.Match) bool { return m.Component.Source == source || len(binaries) == 1 }
			if err := records.Reach(ctx, rep.Vulnerabilities, vuln.ReachOptions{Path: filepath.Join(arts, filepath.FromSlash(b)), Mode: "binary", TempDir: w, Only: only}); err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				rep.Problems = append(rep.Problems, unjudged(rep.Vulnerabilities, only, source, err)...)
				continue
			}
			rep.Reachability = appendNote(rep.Reachability, "govulncheck symbol analysis (binary mode) of "+source)
		}
	default:
		// No Go binary is shipped: what the source calls is what a build
		// of it would contain, as govulncheck's source mode finds it.
		mods := goModules(rep.Vulnerabilities)
		if len(mods) == 0 {
			rep.Reachability = "no Go code among the matches"
			break
		}
		src, err := j.source(ctx)
		if err != nil {
			return nil, err
		}
		w, err := j.workDir()
		if err != nil {
			return nil, err
		}
		for _, dir := range mods {
			only := func(m vuln.Match) bool { return path.Dir(m.Component.Source) == dir }
			if err := records.Reach(ctx, rep.Vulnerabilities, vuln.ReachOptions{Path: filepath.Join(src, filepath.FromSlash(dir)), Mode: "source", TempDir: w, Only: only}); err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				// The module's code could not be analysed (its
				// dependencies could not be loaded): what matched there
				// is not judged, and says why.
				rep.Problems = append(rep.Problems, unjudged(rep.Vulnerabilities, only, path.Join(dir, "go.mod"), err)...)
				continue
			}
			rep.Reachability = appendNote(rep.Reachability, "govulncheck source analysis of "+path.Join(dir, "go.mod"))
		}
	}
	if rep.Reachability == "" {
		rep.Reachability = "govulncheck could not analyse the release"
	}
	cov := snap.Coverage(comps, rep.Created, o.MaxAge)
	rep.Coverage = &cov
	// With the source at hand, SARIF places each match at the line of
	// the manifest that requires it.
	if len(j.Release.Manifest.Source.Files) > 0 {
		if src, err := j.source(ctx); err == nil {
			rep.SourceRoot = src
		}
	}

	out := &Vulns{Report: rep, Snapshot: snap}
	var js, vex, sarif bytes.Buffer
	if err := vuln.WriteJSON(&js, rep); err != nil {
		return nil, err
	}
	if err := vuln.WriteCycloneDX(&vex, rep); err != nil {
		return nil, err
	}
	if err := vuln.WriteSARIF(&sarif, rep); err != nil {
		return nil, err
	}
	out.VEX, out.SARIF = vex.Bytes(), sarif.Bytes()
	if o.variant() {
		return out, nil
	}
	if out.Digest, err = j.keep(ctx, KindVulnsReport, js.Bytes()); err != nil {
		return nil, err
	}
	if out.VEXDigest, err = j.keep(ctx, KindVulnsVEX, out.VEX); err != nil {
		return nil, err
	}
	if out.SARIFDigest, err = j.keep(ctx, KindVulnsSARIF, out.SARIF); err != nil {
		return nil, err
	}
	return out, nil
}

// Reach runs govulncheck over o.Path and says in the report what it did.
// A failure of the analysis leaves the matches affected with unknown
// reachability, said in the report, rather than failing: it can only
// clear matches, never add them.
func Reach(ctx context.Context, db *vuln.Database, rep *vuln.Report, o vuln.ReachOptions) error {
	if err := db.Reach(ctx, rep.Vulnerabilities, o); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rep.Reachability = appendNote(rep.Reachability, fmt.Sprintf("govulncheck (%s mode) could not analyse %s, reachability unknown: %v", o.Mode, filepath.Base(o.Path), firstLineOf(err.Error())))
		return nil
	}
	rep.Reachability = appendNote(rep.Reachability, fmt.Sprintf("govulncheck symbol analysis (%s mode) of %s", o.Mode, filepath.Base(o.Path)))
	return nil
}

// goModules lists the directories (in the release's source) of the
// go.mod files whose requirements matched a vulnerability.
func goModules(vulns []vuln.Vulnerability) []string {
	dirs := map[string]bool{}
	for _, v := range vulns {
		for _, m := range v.Matches {
			if m.Component.Ecosystem == sbom.EcosystemGo && path.Base(m.Component.Source) == "go.mod" {
				dirs[path.Dir(m.Component.Source)] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(dirs))
}

// unjudged turns the Go matches an analysis of what would have judged
// into problems: the analysis could not run.
func unjudged(vulns []vuln.Vulnerability, only func(vuln.Match) bool, what string, err error) []vuln.Problem {
	var out []vuln.Problem
	for _, v := range vulns {
		for _, m := range v.Matches {
			if m.Component.Ecosystem == sbom.EcosystemGo && only(m) && m.Affects() {
				out = append(out, vuln.Problem{Component: m.Component, Record: m.Record,
					Problem: "govulncheck could not analyse " + what + " to say whether the vulnerable code is used: " + firstLineOf(err.Error())})
			}
		}
	}
	return out
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
