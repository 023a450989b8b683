package centre

import (
	"context"
	"slices"

	"glassbox.dev"
	"glassbox.dev/centre/stage"
	"glassbox.dev/evaluate"
	"glassbox.dev/vuln"
)

// Recheck is an evaluated release that the current vulnerability data
// affects more than its last evaluation knew: its verdict must be
// reached again.
type Recheck struct {
	Release *glassbox.Release
	// Last is its newest evaluation: its verdict and the standards it was
	// judged against, which the re-evaluation keeps.
	Last evaluate.Record
	// New are the advisories that match its components now and were not
	// in the vulnerability report its last evaluation used.
	New []string
}

// Rechecks matches the shipped components of every evaluated release
// against the current vulnerability snapshot (reading only the records
// that name them) and returns the releases newly affected: a match whose
// advisory the release's last vulnerability report did not hold.
func (c *Centre) Rechecks(ctx context.Context) ([]Recheck, error) {
	db := c.VulnStore()
	snap, snapDigest, err := db.CurrentSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	rels, err := c.Store.FindReleases(ctx, glassbox.ReleaseFilter{})
	if err != nil {
		return nil, err
	}
	var out []Recheck
	for _, rel := range rels {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		recs, err := c.Evaluations(ctx, rel)
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			continue
		}
		jobs := c.Jobs(rel, false)
		var prev vuln.Report
		if _, err := jobs.Stored(ctx, stage.KindVulnsReport, &prev); err != nil {
			return nil, err
		}
		if prev.Database.Snapshot == snapDigest {
			continue // its last report already used this snapshot
		}
		known := map[string]bool{}
		for _, v := range prev.Vulnerabilities {
			for _, id := range v.IDs {
				known[id] = true
			}
		}
		s, err := jobs.SBOM(ctx)
		if err != nil {
			return nil, err
		}
		comps := s.Components.Shipped()
		records, err := db.LoadFor(ctx, snap, comps)
		if err != nil {
			return nil, err
		}
		vulns, _ := records.Match(comps, vuln.MatchOptions{})
		var fresh []string
		for _, v := range vulns {
			if !slices.ContainsFunc(v.IDs, func(id string) bool { return known[id] }) {
				fresh = append(fresh, v.ID)
			}
		}
		if len(fresh) > 0 {
			out = append(out, Recheck{Release: rel, Last: recs[len(recs)-1], New: fresh})
		}
	}
	return out, nil
}
