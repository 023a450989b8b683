package evaluate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"glassbox.dev"
	"glassbox.dev/centre/stage"
	"glassbox.dev/standard"
	"glassbox.dev/vuln"
)

// checkSBOM: an SBOM of the release exists, and what the vendor submitted,
// what the source declares and what the binaries were built from agree.
func (r *run) checkSBOM(ctx context.Context) ([]glassbox.CheckResult, bool, error) {
	checks := []string{glassbox.CheckSBOMAvailable, glassbox.CheckSBOMConsistent}
	sb, err := r.jobs.SBOM(ctx)
	if err != nil {
		return failed(err, checks...), false, err
	}
	c, d, reused := sb.Components, sb.Digest, sb.Reused
	r.out.Documents[KindSBOM] = sb.CycloneDX
	r.components = c
	r.inputs = append(r.inputs, evidenceInput(KindSBOM, c.CycloneDX), evidenceInput(KindSBOMComparison, d))
	ev := []glassbox.Evidence{
		{Kind: KindSBOM, Digest: c.CycloneDX, Description: fmt.Sprintf("CycloneDX 1.6 SBOM derived from the source and the Go binaries: %d components", len(c.All()))},
		{Kind: KindSBOMComparison, Digest: d, Description: "components by origin (source manifests, each binary's build information, the submitted SBOM) and where they disagree"},
	}
	avail := glassbox.CheckResult{Check: glassbox.CheckSBOMAvailable, Status: glassbox.CheckPass, Evidence: ev,
		Summary: fmt.Sprintf("the centre derived a CycloneDX SBOM of %d components from the source manifests and %d Go binaries", len(c.All()), len(c.Binaries))}
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
	vs, err := r.jobs.Vulns(ctx, r.e.Vulns, stage.VulnsOptions{MaxAge: r.e.VulnMaxAge})
	if err != nil {
		return failed(err, check), false, err
	}
	rep, d, vexDigest, reused := *vs.Report, vs.Digest, vs.VEXDigest, vs.Reused
	r.vulns, r.vulnsDigest = vs.Report, d
	r.out.VulnSnapshot = rep.Database.Snapshot
	if vs.VEX != nil {
		r.out.Documents[KindVulnsVEX] = vs.VEX
	}
	if vs.SARIF != nil {
		r.out.Documents[KindVulnsSARIF] = vs.SARIF
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
	cov := vs.Snapshot.Coverage(rep.Components, r.now(), r.e.VulnMaxAge)
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
