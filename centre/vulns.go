package centre

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"glassbox.dev"
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
	Reused                 bool
}

// Vulns matches the release's components (from the SBOM job) against the
// current snapshot of db, asks govulncheck which Go matches each shipped
// Go binary reaches, and keeps the report, the VEX and the SARIF; or
// returns the report stored for the release against the same snapshot.
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
		// A report against older data is matched again.
		if reused && rep.Database.Snapshot == snapDigest {
			out := &Vulns{Report: &rep, Digest: d, Reused: true}
			out.VEX, out.VEXDigest = j.storedDoc(ctx, KindVulnsVEX)
			out.SARIF, out.SARIFDigest = j.storedDoc(ctx, KindVulnsSARIF)
			return out, nil
		}
	}
	s, err := j.SBOM(ctx)
	if err != nil {
		return nil, fmt.Errorf("the release's components: %w", err)
	}
	comps := s.Components.All()
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
	binaries := sortedKeys(s.Components.Binaries)
	switch {
	case o.NoReachability:
		rep.Reachability = "reachability analysis turned off"
	case len(binaries) == 0:
		rep.Reachability = "no Go binary among the artefacts; Go matches are affected with unknown reachability"
	case len(rep.Vulnerabilities) == 0:
		rep.Reachability = "not needed: nothing matched"
	default:
		arts, err := j.artifacts(ctx)
		if err != nil {
			return nil, err
		}
		w, err := j.workDir()
		if err != nil {
			return nil, err
		}
		for _, b := range binaries {
			source := "artifacts/" + b
			// With one binary, its analysis speaks for the source's Go
			// components too (they are what it was built from); with
			// several, each speaks only for its own components.
			only := func(m vuln.Match) bool { return m.Component.Source == source || len(binaries) == 1 }
			if err := Reach(ctx, records, rep, vuln.ReachOptions{Path: filepath.Join(arts, filepath.FromSlash(b)), Mode: "binary", TempDir: w, Only: only}); err != nil {
				return nil, err
			}
		}
	}

	out := &Vulns{Report: rep}
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
