package evaluate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"glassbox.dev"
	"glassbox.dev/sbom"
	"glassbox.dev/scan"
	"glassbox.dev/standard"
	"glassbox.dev/vuln"
)

// components is what the SBOM stage derived, kept as evidence so that a
// later evaluation reuses it.
type components struct {
	Source    []glassbox.Component            `json:"source"`
	Binaries  map[string][]glassbox.Component `json:"binaries"` // by artefact path: Go binaries only
	Submitted []glassbox.Component            `json:"submitted,omitempty"`
	Findings  []glassbox.Finding              `json:"findings"`
	CycloneDX glassbox.Digest                 `json:"cyclonedx"`
}

// all is every component found, source and binaries, each package URL once.
func (c *components) all() []glassbox.Component {
	seen := map[string]bool{}
	var out []glassbox.Component
	add := func(cs []glassbox.Component) {
		for _, x := range cs {
			k := x.PURL
			if k == "" {
				k = x.Ecosystem + "/" + x.Name + "@" + x.Version
			}
			if !seen[k] {
				seen[k] = true
				out = append(out, x)
			}
		}
	}
	add(c.Source)
	for _, p := range sortedKeys(c.Binaries) {
		add(c.Binaries[p])
	}
	return out
}

// shipped is what the release ships (sbom.Shipped): the Go binaries'
// modules stand for its Go components when it ships any.
func (c *components) shipped() []glassbox.Component {
	bins := make([][]glassbox.Component, 0, len(c.Binaries))
	for _, p := range sortedKeys(c.Binaries) {
		bins = append(bins, c.Binaries[p])
	}
	only := components{Source: sbom.Shipped(c.Source, bins...)}
	return only.all()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkSBOM: an SBOM of the release exists, and what the vendor submitted,
// what the source declares and what the binaries were built from agree.
func (r *run) checkSBOM(ctx context.Context) ([]glassbox.CheckResult, bool, error) {
	checks := []string{glassbox.CheckSBOMAvailable, glassbox.CheckSBOMConsistent}
	var c components
	d, reused, err := r.storedJSON(ctx, KindSBOMComparison, &c)
	if err != nil {
		return failed(err, checks...), false, err
	}
	if !reused {
		if err := r.deriveComponents(ctx, &c); err != nil {
			return failed(err, checks...), false, err
		}
		b, err := json.Marshal(c)
		if err != nil {
			return nil, false, err
		}
		if d, err = r.keep(ctx, KindSBOMComparison, b); err != nil {
			return failed(err, checks...), false, err
		}
	}
	r.components = &c
	r.inputs = append(r.inputs, evidenceInput(KindSBOM, c.CycloneDX), evidenceInput(KindSBOMComparison, d))
	ev := []glassbox.Evidence{
		{Kind: KindSBOM, Digest: c.CycloneDX, Description: fmt.Sprintf("CycloneDX 1.6 SBOM derived from the source and the Go binaries: %d components", len(c.all()))},
		{Kind: KindSBOMComparison, Digest: d, Description: "components by origin (source manifests, each binary's build information, the submitted SBOM) and where they disagree"},
	}
	avail := glassbox.CheckResult{Check: glassbox.CheckSBOMAvailable, Status: glassbox.CheckPass, Evidence: ev,
		Summary: fmt.Sprintf("the centre derived a CycloneDX SBOM of %d components from the source manifests and %d Go binaries", len(c.all()), len(c.Binaries))}
	if c.Submitted != nil {
		avail.Summary += fmt.Sprintf("; the vendor submitted one of %d components", len(c.Submitted))
	}
	consistent := glassbox.CheckResult{Check: glassbox.CheckSBOMConsistent, Evidence: ev}
	for _, f := range c.Findings {
		if f.Severity.Rank() >= glassbox.SeverityMedium.Rank() {
			consistent.Findings = append(consistent.Findings, f)
		}
	}
	what := "the source's manifests and the binaries' build information"
	if c.Submitted != nil {
		what = "the submitted SBOM, " + what
	}
	if n := len(consistent.Findings); n > 0 {
		consistent.Status = glassbox.CheckFail
		consistent.Summary = fmt.Sprintf("%s disagree in %d places, first: %s", what, n, consistent.Findings[0].Message)
	} else {
		consistent.Status = glassbox.CheckPass
		consistent.Summary = what + " agree"
	}
	return []glassbox.CheckResult{avail, consistent}, reused, nil
}

// deriveComponents reads the components of the release's source, of each
// Go binary it ships and of the SBOM it was submitted with, compares them
// and stores the CycloneDX SBOM.
func (r *run) deriveComponents(ctx context.Context, c *components) error {
	m := &r.rel.Manifest
	src, err := r.source(ctx)
	if err != nil {
		return err
	}
	if c.Source, err = sbom.Derive(ctx, src); err != nil {
		return err
	}
	c.Binaries = map[string][]glassbox.Component{}
	if len(m.Artifacts) > 0 {
		arts, err := r.artifacts(ctx)
		if err != nil {
			return err
		}
		for _, a := range m.Artifacts {
			if a.Mode == glassbox.ModeSymlink {
				continue
			}
			_, comps, err := sbom.ReadBinary(filepath.Join(arts, filepath.FromSlash(a.Path)))
			if err != nil {
				continue // not a Go binary: it has no build information to read
			}
			// Name the binary as the release does, not by where it was
			// unpacked for reading.
			for i := range comps {
				comps[i].Source = scan.ArtifactPrefix + a.Path
			}
			c.Binaries[a.Path] = comps
			c.Findings = append(c.Findings, sbom.CompareBinary(c.Source, comps, "the source's go.mod", "artifacts/"+a.Path)...)
		}
	}
	if m.SBOM != nil {
		rc, err := r.e.Blobs.Open(ctx, m.SBOM.Digest)
		if err != nil {
			return err
		}
		c.Submitted, err = sbom.Read(rc, path.Base(m.SBOM.Path))
		rc.Close()
		if err != nil {
			return err
		}
		if c.Submitted == nil {
			c.Submitted = []glassbox.Component{}
		}
		// Like with like: the SBOM must list what the release ships, and
		// may list what its source declares besides.
		c.Findings = append(c.Findings, sbom.CompareRelease(c.shipped(), c.all(), c.Submitted, "the centre's derivation", m.SBOM.Path)...)
	}
	doc, err := sbom.CycloneDX(sbom.Subject{Name: m.Product, Version: m.Version}, c.all(), sbom.At(r.rel.SubmittedAt))
	if err != nil {
		return err
	}
	if c.CycloneDX, err = r.keep(ctx, KindSBOM, doc); err != nil {
		return err
	}
	r.out.Documents[KindSBOM] = doc
	return nil
}

// checkVulns: no known vulnerability of a component is reachable, or of
// unknown reachability.
func (r *run) checkVulns(ctx context.Context) ([]glassbox.CheckResult, bool, error) {
	check := glassbox.CheckNoKnownExploitable
	if r.e.Vulns == nil {
		err := glassbox.Errorf(glassbox.EINVALID, "no vulnerability database is configured")
		return failed(err, check), false, err
	}
	if r.components == nil {
		err := glassbox.Errorf(glassbox.EINVALID, "the release's components are unknown: the SBOM stage failed")
		return failed(err, check), false, err
	}
	snap, snapDigest, err := r.e.Vulns.CurrentSnapshot(ctx)
	if err != nil {
		return failed(err, check), false, err
	}
	var rep vuln.Report
	d, reused, err := r.storedJSON(ctx, KindVulnsReport, &rep)
	if err != nil {
		return failed(err, check), false, err
	}
	if reused && (rep.Database.Snapshot != snapDigest || rep.Coverage == nil) {
		// Judged against older data, or by a glassbox that matched every
		// go.mod requirement and did not record its coverage: match again.
		reused = false
	}
	var vexDigest glassbox.Digest
	if reused {
		if _, vd, err := r.stored(ctx, KindVulnsVEX); err == nil {
			vexDigest = vd
		}
	} else {
		if d, vexDigest, err = r.matchVulns(ctx, snap, snapDigest, &rep); err != nil {
			return failed(err, check), false, err
		}
	}
	r.inputs = append(r.inputs, evidenceInput(KindVulnsReport, d), evidenceInput(KindVulnsVEX, vexDigest))
	res := glassbox.CheckResult{Check: check, Evidence: []glassbox.Evidence{
		{Kind: KindVulnsVEX, Digest: vexDigest, Description: "CycloneDX 1.6 VEX: every matched vulnerability with its status"},
		{Kind: KindVulnsReport, Digest: d, Description: fmt.Sprintf("matches against OSV snapshot %s (data %s)", rep.Database.Snapshot, rep.Database.Digest)},
	}}
	// A match whose analysis could not run is a problem (not assessed),
	// not a finding; any other affected match is.
	unjudged := map[string]bool{}
	for _, p := range rep.Problems {
		unjudged[p.Record+"\x00"+p.Component.PURL] = true
	}
	affected := 0
	for _, v := range rep.Vulnerabilities {
		for _, m := range v.Matches {
			row := standard.VulnerabilityRow{IDs: v.IDs, Component: m.Component.Name, Version: m.Component.Version,
				Severity: string(v.Severity.Level), Status: string(m.Status)}
			if len(m.Fixed) > 0 {
				row.Fixed = m.Fixed[0]
			}
			if m.Reachability != nil {
				row.Status += " (" + m.Reachability.State + ")"
			}
			r.vulnRows = append(r.vulnRows, row)
		}
		if v.Status != vuln.StatusAffected || !slices.ContainsFunc(v.Matches, func(m vuln.Match) bool {
			return m.Affects() && !unjudged[m.Record+"\x00"+m.Component.PURL]
		}) {
			continue
		}
		affected++
		sev := v.Severity.Level
		if sev == "" {
			sev = glassbox.SeverityHigh // unrated is not harmless
		}
		comp := v.Matches[0].Component
		msg := fmt.Sprintf("%s (%s) affects %s %s", v.ID, strings.Join(v.IDs[1:], ", "), comp.Name, comp.Version)
		if fixed := v.Matches[0].Fixed; len(fixed) > 0 {
			msg += ", fixed in " + fixed[0]
		}
		res.Findings = append(res.Findings, glassbox.Finding{
			RuleID: "GB1301", Rule: "known-vulnerability", Family: "vulnerabilities", Severity: sev,
			Message: msg, Explanation: firstNonEmpty(v.Summary, "a known vulnerability in a component the release ships"),
			Path: comp.Source, Region: glassbox.Region{StartLine: 1}, Fingerprint: v.ID + "|" + comp.PURL,
		})
	}
	total := len(rep.Vulnerabilities)
	// What the data could speak for is judged now, not when the report
	// was stored: data that was fresh then may be stale today.
	cov := snap.Coverage(rep.Components, r.now(), r.e.VulnMaxAge)
	r.vulnCoverage = &cov
	gaps := cov.Gaps()
	switch {
	case affected > 0:
		res.Status = glassbox.CheckFail
		res.Summary = fmt.Sprintf("%d known vulnerabilities affect the release (reachable, or of unknown reachability), of %d matched; first: %s", affected, total, res.Findings[0].Message)
	case len(rep.Problems) > 0:
		res.Status = glassbox.CheckError
		res.Summary = fmt.Sprintf("not assessed: %d components could not be judged (first: %s %s: %s), so the release cannot be declared free of known vulnerabilities", len(rep.Problems), rep.Problems[0].Component.Name, rep.Problems[0].Component.Version, rep.Problems[0].Problem)
	case len(gaps) > 0:
		// Silence from a database that does not cover the release, or no
		// longer describes what is known, is not evidence of safety.
		res.Status = glassbox.CheckError
		res.Summary = fmt.Sprintf("not assessed: %s; %d matched, none affecting the release, in what was covered (%s)", strings.Join(gaps, "; "), total, cov.String())
	default:
		res.Status = glassbox.CheckPass
		res.Summary = fmt.Sprintf("no known vulnerability affects the release: %d matched, none reachable or unfixed; %s", total, cov.String())
	}
	return []glassbox.CheckResult{res}, reused, nil
}

// matchVulns matches the components against the database, asks
// govulncheck which Go matches each shipped Go binary reaches, and stores
// the report, the VEX and the SARIF.
func (r *run) matchVulns(ctx context.Context, snap *vuln.Snapshot, snapDigest glassbox.Digest, rep *vuln.Report) (report, vex glassbox.Digest, err error) {
	comps := r.components.shipped()
	// Only the records that name one of the components: the same matches
	// as against the whole database, read through the snapshot's index.
	db, err := r.e.Vulns.LoadFor(ctx, snap, comps)
	if err != nil {
		return "", "", err
	}
	vulns, problems := db.Match(comps, vuln.MatchOptions{})
	reach := "none: the release ships no Go binary"
	if len(r.components.Binaries) > 0 && len(vulns) > 0 {
		arts, err := r.artifacts(ctx)
		if err != nil {
			return "", "", err
		}
		w, err := r.workDir()
		if err != nil {
			return "", "", err
		}
		var names []string
		for _, p := range sortedKeys(r.components.Binaries) {
			if err := db.Reach(ctx, vulns, vuln.ReachOptions{Path: filepath.Join(arts, filepath.FromSlash(p)), Mode: "binary", TempDir: w}); err != nil {
				return "", "", fmt.Errorf("reachability in %s: %w", p, err)
			}
			names = append(names, p)
		}
		reach = "govulncheck symbol analysis of the Go binaries " + strings.Join(names, ", ")
	} else if len(vulns) == 0 {
		reach = "not needed: nothing matched"
	} else if mods := goModules(vulns); len(mods) > 0 {
		// No Go binary is shipped: what the source calls is what a build
		// of it would contain, as govulncheck's source mode finds it.
		src, err := r.source(ctx)
		if err != nil {
			return "", "", err
		}
		w, err := r.workDir()
		if err != nil {
			return "", "", err
		}
		var done []string
		for _, dir := range mods {
			err := db.Reach(ctx, vulns, vuln.ReachOptions{Path: filepath.Join(src, filepath.FromSlash(dir)), Mode: "source", TempDir: w,
				Only: func(m vuln.Match) bool { return path.Dir(m.Component.Source) == dir }})
			if err != nil && ctx.Err() != nil {
				return "", "", ctx.Err()
			}
			if err != nil {
				// The module's code could not be analysed (its
				// dependencies could not be loaded): what matched there
				// is not judged, and says why.
				problems = append(problems, unjudged(vulns, dir, err)...)
				continue
			}
			done = append(done, path.Join(dir, "go.mod"))
		}
		reach = "govulncheck source analysis of " + strings.Join(done, ", ")
		if len(done) == 0 {
			reach = "govulncheck could not analyse the source"
		}
	}
	*rep = vuln.Report{
		Target: r.rel.Manifest.String(), Release: r.rel.ID, Database: snap.Ref(snapDigest),
		Components: comps, Reachability: reach, Vulnerabilities: vulns, Problems: problems,
		Created: r.now(),
	}
	cov := snap.Coverage(comps, rep.Created, r.e.VulnMaxAge)
	rep.Coverage, rep.SourceRoot = &cov, r.srcDir
	var js, vx, sarif bytes.Buffer
	if err := vuln.WriteJSON(&js, rep); err != nil {
		return "", "", err
	}
	if err := vuln.WriteCycloneDX(&vx, rep); err != nil {
		return "", "", err
	}
	if err := vuln.WriteSARIF(&sarif, rep); err != nil {
		return "", "", err
	}
	if report, err = r.keep(ctx, KindVulnsReport, js.Bytes()); err != nil {
		return "", "", err
	}
	if vex, err = r.keep(ctx, KindVulnsVEX, vx.Bytes()); err != nil {
		return "", "", err
	}
	if _, err = r.keep(ctx, KindVulnsSARIF, sarif.Bytes()); err != nil {
		return "", "", err
	}
	r.out.Documents[KindVulnsVEX] = vx.Bytes()
	r.out.Documents[KindVulnsSARIF] = sarif.Bytes()
	return report, vex, nil
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
	return sortedKeys(dirs)
}

// unjudged turns the Go matches of the module in dir into problems: the
// analysis that would judge them could not run.
func unjudged(vulns []vuln.Vulnerability, dir string, err error) []vuln.Problem {
	var out []vuln.Problem
	for _, v := range vulns {
		for _, m := range v.Matches {
			if m.Component.Ecosystem == sbom.EcosystemGo && path.Dir(m.Component.Source) == dir && m.Affects() {
				out = append(out, vuln.Problem{Component: m.Component, Record: m.Record,
					Problem: "govulncheck could not analyse " + path.Join(dir, "go.mod") + " to say whether the vulnerable code is used: " + err.Error()})
			}
		}
	}
	return out
}

// scope adds to the report what the evaluation covered and did not, and
// where its signed verdicts are.
func (r *run) scope(d standard.ReportData) standard.ReportData {
	if c := r.vulnCoverage; c != nil {
		d.Covered = append(d.Covered, "Known vulnerabilities: "+c.String()+".")
		for _, g := range c.Gaps() {
			d.Limits = append(d.Limits, "Known vulnerabilities: "+g+".")
		}
	}
	if r.components != nil {
		d.Covered = append(d.Covered, fmt.Sprintf("Components: %d from the source's manifests, and the build information of %d Go binaries.", len(r.components.Source), len(r.components.Binaries)))
	}
	if r.e.Notary != nil {
		for _, a := range r.rel.Manifest.Artifacts {
			d.Receipts = append(d.Receipts, fmt.Sprintf("%s (%s): a SLSA verification summary signed by %s and logged in its transparency log; its receipt is kept as evidence %q and written by glassbox evaluate as %s.vsa.receipt.json", a.Path, a.Digest, firstNonEmpty(r.e.Verifier, "the centre"), KindVSAReceipt, strings.ReplaceAll(a.Path, "/", "_")))
		}
	}
	return d
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
