package stage

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"glassbox.dev"
	"glassbox.dev/practice"
	"glassbox.dev/vuln"
)

// KindPracticeReport is the repository checks' report.
const KindPracticeReport = "practice/report"

// maxHistory bounds a stored history record read back.
const maxHistory = 64 << 20

// Practices decides the repository checks (package practice) from the
// release's source, its recorded git history and, when given, the
// vulnerability report made of it (digest vulnsDigest), or returns the
// report stored for the release from the same inputs.
func (j *Jobs) Practices(ctx context.Context, vulns *vuln.Report, vulnsDigest glassbox.Digest) (*practice.Report, glassbox.Digest, bool, error) {
	var facts *practice.VulnFacts
	if vulns != nil {
		facts = &practice.VulnFacts{Report: vulnsDigest}
		for _, v := range vulns.Vulnerabilities {
			if v.Status == vuln.StatusNotAffected {
				facts.NotAffecting = append(facts.NotAffecting, v.ID)
			}
		}
	}
	var stored practice.Report
	d, reused, err := j.storedJSON(ctx, KindPracticeReport, &stored)
	if err != nil {
		return nil, "", false, err
	}
	if reused && stored.Format == practice.ReportFormat && stored.Vulns == string(vulnsDigest) {
		return &stored, d, true, nil
	}
	in := practice.Input{Release: j.Release, Vulns: facts,
		Open: func(ctx context.Context, d glassbox.Digest) (io.ReadCloser, error) { return j.Blobs.Open(ctx, d) }}
	h := j.Release.Manifest.Source.History
	if h != nil && j.Release.Manifest.Source.Git != nil {
		// A directory or archive that claims a commit: that commit's
		// history is the release's only if the source is the commit's.
		p, err := j.Provenance(ctx)
		if err != nil {
			return nil, "", false, err
		}
		if !p.Report.Consistent() {
			in.Unmatched = fmt.Sprintf("the release's source differs from git %s, the commit it claims (provenance report %s), so that commit's history is not this release's", p.Report.Ref, p.Digest)
			h = nil
		}
	}
	if h != nil {
		b, err := j.read(ctx, h.Digest)
		if err != nil {
			return nil, "", false, err
		}
		var hist glassbox.GitHistory
		if len(b) > maxHistory {
			return nil, "", false, glassbox.Errorf(glassbox.ECORRUPT, "the release's git history record %s is larger than %d bytes", h.Digest, maxHistory)
		}
		if err := json.Unmarshal(b, &hist); err != nil || hist.Type != glassbox.GitHistoryType {
			return nil, "", false, glassbox.Errorf(glassbox.ECORRUPT, "the release's git history record %s is not one: %v", h.Digest, err)
		}
		in.History = &hist
	}
	rep, err := practice.Run(ctx, in)
	if err != nil {
		return nil, "", false, err
	}
	b, err := json.Marshal(rep)
	if err != nil {
		return nil, "", false, glassbox.Errorf(glassbox.EINTERNAL, "practice report: %w", err)
	}
	if d, err = j.keep(ctx, KindPracticeReport, b); err != nil {
		return nil, "", false, err
	}
	return rep, d, false, nil
}

// StoredVulns returns the newest vulnerability report kept for the
// release, or nil when the match never ran, for callers of Practices that
// do not run the match themselves.
func (j *Jobs) StoredVulns(ctx context.Context) (*vuln.Report, glassbox.Digest, error) {
	var rep vuln.Report
	d, ok, err := j.storedJSON(ctx, KindVulnsReport, &rep)
	if err != nil || !ok {
		return nil, "", err
	}
	return &rep, d, nil
}
