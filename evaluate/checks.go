package evaluate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"glassbox.dev"
	"glassbox.dev/centre/stage"
	"glassbox.dev/practice"
	"glassbox.dev/provenance"
	"glassbox.dev/rebuild"
	"glassbox.dev/standard"
)

// checkSource: the centre holds the release's complete source.
func (r *run) checkSource(ctx context.Context) ([]glassbox.CheckResult, bool, error) {
	src := r.rel.Manifest.Source
	res := glassbox.CheckResult{Check: glassbox.CheckSourceAvailable}
	if len(src.Files) == 0 {
		res.Status, res.Summary = glassbox.CheckFail, "the release holds no source files"
		return []glassbox.CheckResult{res}, false, nil
	}
	var size int64
	for _, f := range src.Files {
		size += f.Size
	}
	res.Status = glassbox.CheckPass
	res.Summary = fmt.Sprintf("the centre holds the release's source: %d files, %d bytes, each content-addressed", len(src.Files), size)
	return []glassbox.CheckResult{res}, false, nil
}

// checkProvenance: the release archive matches the git commit it names.
func (r *run) checkProvenance(ctx context.Context) ([]glassbox.CheckResult, bool, error) {
	res := glassbox.CheckResult{Check: glassbox.CheckArchiveMatchesSource}
	if r.rel.Manifest.Source.Git == nil {
		res.Status, res.Summary = glassbox.CheckNotApplicable, "the release names no git origin to compare its source with"
		return []glassbox.CheckResult{res}, false, nil
	}
	p, err := r.jobs.Provenance(ctx)
	if err != nil {
		return failed(err, res.Check), false, err
	}
	rep, d, reused := *p.Report, p.Digest, p.Reused
	res.Evidence = []glassbox.Evidence{{Kind: KindProvenanceReport, Digest: d, Description: "release source compared file by file with git " + rep.Ref + " (" + rep.Commit + ")"}}
	for _, f := range rep.Findings {
		if f.Severity == provenance.High {
			res.Findings = append(res.Findings, glassbox.Finding{
				RuleID: "GB1101", Rule: "archive-differs-from-source", Family: "provenance",
				Severity: glassbox.SeverityHigh, Message: fmt.Sprintf("%s is %s in the release archive", f.Path, f.Change),
				Explanation: f.Reason, Path: f.Path, Region: glassbox.Region{StartLine: 1},
			})
		}
	}
	if rep.Consistent() {
		res.Status = glassbox.CheckPass
		res.Summary = fmt.Sprintf("the release source matches git %s: %d files identical, %d differences, none unexplained", rep.Ref, rep.Identical, len(rep.Findings))
	} else {
		res.Status = glassbox.CheckFail
		res.Summary = fmt.Sprintf("the release source differs from git %s in %d files, %d of them high severity", rep.Ref, len(rep.Findings), len(res.Findings))
	}
	return []glassbox.CheckResult{res}, reused, nil
}

// checkRebuild: every shipped artefact is rebuilt from the source in the
// sandbox and found identical or equivalent.
func (r *run) checkRebuild(ctx context.Context) ([]glassbox.CheckResult, bool, error) {
	res := glassbox.CheckResult{Check: glassbox.CheckReproducible}
	if len(r.rel.Manifest.Artifacts) == 0 {
		res.Status, res.Summary = glassbox.CheckNotApplicable, "the release ships no artefacts to rebuild"
		return []glassbox.CheckResult{res}, false, nil
	}
	var o stage.RebuildOptions
	if rb := r.e.Rebuilder; rb != nil {
		o = stage.RebuildOptions{Limits: rb.Limits, InputRoots: rb.InputRoots, Explain: rb.Explain, DataDir: rb.DataDir}
	}
	p, err := r.jobs.Rebuild(ctx, o)
	if err != nil {
		return failed(err, res.Check), false, err
	}
	rep, d, reused := *p.Report, p.Digest, p.Reused
	res.Evidence = []glassbox.Evidence{{Kind: KindRebuildReport, Digest: d, Description: "rebuild report: recipe, build log, rebuilt artefacts, comparison"}}
	if rep.Log != "" {
		res.Evidence = append(res.Evidence, glassbox.Evidence{Kind: "rebuild/log", Digest: rep.Log, Description: "the sandboxed build's log"})
	}
	// The rebuild's SLSA Provenance is signed with the other evidence.
	if st := p.Statement(); st != nil {
		in := inputAttestation{kind: KindRebuildReport, predicateType: st.PredicateType, predicate: st.Predicate}
		for _, s := range st.Subjects {
			in.subjects = append(in.subjects, subject{s.Name, s.Digest})
		}
		r.inputs = append(r.inputs, in)
	}
	ok := 0
	for _, a := range rep.Artifacts {
		row := standard.RebuildRow{Artifact: a.Name, Digest: a.Shipped, Evidence: d}
		switch a.Verdict {
		case rebuild.Equivalent:
			row.Outcome, ok = "identical", ok+1
		case rebuild.EquivalentAfter:
			row.Outcome, ok = "equivalent", ok+1
			row.Detail = fmt.Sprintf("after %v", a.Stabilisers)
		case rebuild.Different:
			row.Outcome = "different"
			row.Detail = strings.Join(a.Differences, "; ")
		default:
			row.Outcome = "not rebuilt"
			row.Detail = a.Reason
		}
		if rep.Failure != "" && row.Detail == "" {
			row.Detail = rep.Failure
		}
		r.rebuilds = append(r.rebuilds, row)
	}
	if rep.Reproduced() {
		res.Status = glassbox.CheckPass
		res.Summary = fmt.Sprintf("all %d shipped artefacts were rebuilt from the source in the sandbox and found identical or equivalent", len(rep.Artifacts))
	} else {
		res.Status = glassbox.CheckFail
		res.Summary = fmt.Sprintf("%d of %d shipped artefacts were not reproduced from the source", len(rep.Artifacts)-ok, len(rep.Artifacts))
		if rep.Failure != "" {
			res.Summary += ": " + rep.Failure
		}
		for _, a := range rep.Artifacts {
			if a.Verdict == rebuild.Different || a.Verdict == rebuild.NotRebuildable {
				msg := fmt.Sprintf("%s is %s from its rebuild", a.Name, a.Verdict)
				if len(a.Differences) > 0 {
					msg += ": " + a.Differences[0]
				} else if a.Reason != "" {
					msg += ": " + a.Reason
				}
				res.Findings = append(res.Findings, glassbox.Finding{
					RuleID: "GB1201", Rule: "not-reproducible", Family: "rebuild", Severity: glassbox.SeverityHigh,
					Message:     msg,
					Explanation: "A binary that cannot be rebuilt from the reviewed source may contain code that is not in it.",
					Path:        a.Name, Region: glassbox.Region{StartLine: 1},
				})
			}
		}
	}
	return []glassbox.CheckResult{res}, reused, nil
}

// checkScan: the analysers find no backdoor indicators and no embedded
// secrets.
func (r *run) checkScan(ctx context.Context) ([]glassbox.CheckResult, bool, error) {
	checks := []string{glassbox.CheckNoBackdoorIndicators, glassbox.CheckNoEmbeddedSecrets}
	// The evaluators' dismissals in force join the audited suppressions.
	dismissed, err := Dismissals(ctx, r.e.Store, r.rel.ID)
	if err != nil {
		return failed(err, checks...), false, err
	}
	sc, err := r.jobs.Scan(ctx, stage.ScanOptions{Suppressions: append(slices.Clone(r.e.Suppressions), dismissed...)})
	if err != nil {
		return failed(err, checks...), false, err
	}
	res, d, sarifDigest, reused := *sc.Result, sc.Digest, sc.SARIFDigest, sc.Reused
	if sc.SARIF != nil {
		r.out.Documents[KindScanSARIF] = sc.SARIF
	}
	ev := []glassbox.Evidence{{Kind: KindScanSARIF, Digest: sarifDigest, Description: fmt.Sprintf("SARIF 2.1.0 of %d analysers' findings over %d files", len(res.Rules), res.Files)}}
	if sarifDigest == "" {
		ev = nil
	}
	ev = append(ev, glassbox.Evidence{Kind: KindScanResult, Digest: d, Description: "the scan's findings, suppressions and skipped files"})
	r.inputs = append(r.inputs, evidenceInput(KindScanSARIF, sarifDigest), evidenceInput(KindScanResult, d))

	backdoor := glassbox.CheckResult{Check: glassbox.CheckNoBackdoorIndicators, Evidence: ev}
	secrets := glassbox.CheckResult{Check: glassbox.CheckNoEmbeddedSecrets, Evidence: ev}
	suppressed := 0
	for _, f := range res.Findings {
		if f.Suppression != nil {
			suppressed++
			continue
		}
		r.findings = append(r.findings, f.Finding)
		switch {
		case f.Family == "secrets" && f.Severity.Rank() >= glassbox.SeverityMedium.Rank():
			secrets.Findings = append(secrets.Findings, f.Finding)
		// Medium findings count too: each is a place an evaluator must
		// look at, and one that is harmless is suppressed with its reason
		// (an audited exception), not ignored.
		case f.Family != "secrets" && f.Severity.Rank() >= glassbox.SeverityMedium.Rank():
			backdoor.Findings = append(backdoor.Findings, f.Finding)
		}
	}
	tail := fmt.Sprintf(" (%d files analysed by %d rules, %d skipped, %d findings suppressed with a recorded reason)", res.Files, len(res.Rules), len(res.Skipped), suppressed)
	// Content nobody examined leaves a check that found nothing unable
	// to say so: not assessed, never pass.
	var gap string
	if un := res.Unexamined(); len(un) > 0 {
		gap = fmt.Sprintf("not assessed: %d files were not examined, first %s (%s)", len(un), un[0].Path, un[0].Reason) + tail
	}
	if n := len(backdoor.Findings); n > 0 {
		backdoor.Status = glassbox.CheckFail
		backdoor.Summary = fmt.Sprintf("%d unsuppressed findings of medium severity or above look like a backdoor, first %s at %s:%d: %s", n, backdoor.Findings[0].RuleID, backdoor.Findings[0].Path, backdoor.Findings[0].Region.StartLine, backdoor.Findings[0].Message) + tail
	} else if gap != "" {
		backdoor.Status, backdoor.Summary = glassbox.CheckError, gap
	} else {
		backdoor.Status, backdoor.Summary = glassbox.CheckPass, "no unsuppressed backdoor indicator of medium severity or above"+tail
	}
	if n := len(secrets.Findings); n > 0 {
		secrets.Status = glassbox.CheckFail
		secrets.Summary = fmt.Sprintf("%d embedded secrets of medium severity or above, first %s at %s:%d", n, secrets.Findings[0].RuleID, secrets.Findings[0].Path, secrets.Findings[0].Region.StartLine) + tail
	} else if gap != "" {
		secrets.Status, secrets.Summary = glassbox.CheckError, gap
	} else {
		secrets.Status, secrets.Summary = glassbox.CheckPass, "no embedded secret of medium severity or above"+tail
	}
	return []glassbox.CheckResult{backdoor, secrets}, reused, nil
}

// checkRun: the shipped programs, started in the sandbox and probed with
// what the static analysis found, show no backdoor behaviour. A program
// that could not be run, or a run not recorded in full, leaves the check
// not assessed.
func (r *run) checkRun(ctx context.Context) ([]glassbox.CheckResult, bool, error) {
	res := glassbox.CheckResult{Check: glassbox.CheckNoRuntimeBackdoor}
	ex, err := r.jobs.Exercise(ctx, stage.ExerciseOptions{})
	if err != nil {
		return failed(err, res.Check), false, err
	}
	if ex.Report.Programs() == 0 {
		res.Status, res.Summary = glassbox.CheckNotApplicable, "the release ships no program to run"
		return []glassbox.CheckResult{res}, ex.Reused, nil
	}
	rep := ex.Report
	if ex.SARIF != nil {
		r.out.Documents[KindExerciseSARIF] = ex.SARIF
	}
	res.Evidence = []glassbox.Evidence{
		{Kind: KindExerciseReport, Digest: ex.Digest, Description: fmt.Sprintf("what %d runs of the shipped programs did in the sandbox, recorded by %s, and the probes of their listeners", len(rep.Runs), rep.Tracer)},
	}
	r.inputs = append(r.inputs, evidenceInput(KindExerciseReport, ex.Digest))
	if ex.SARIFDigest != "" {
		res.Evidence = append(res.Evidence, glassbox.Evidence{Kind: KindExerciseSARIF, Digest: ex.SARIFDigest, Description: "SARIF 2.1.0 of the run stage's findings, each with its observed trace"})
		r.inputs = append(r.inputs, evidenceInput(KindExerciseSARIF, ex.SARIFDigest))
	}
	for _, f := range rep.Findings {
		r.findings = append(r.findings, f)
		if f.Severity.Rank() >= glassbox.SeverityMedium.Rank() {
			res.Findings = append(res.Findings, f)
		}
	}
	probes := 0
	for _, run := range rep.Runs {
		probes += len(run.Probes)
	}
	tail := fmt.Sprintf(" (%d runs, %d listeners probed, with %d values the static analysis found compared with input)", len(rep.Runs), probes, rep.Inputs)
	ran, why := rep.Ran()
	switch {
	case len(res.Findings) > 0:
		f := res.Findings[0]
		res.Status = glassbox.CheckFail
		res.Summary = fmt.Sprintf("%d findings of medium severity or above in the running programs, first %s: %s", len(res.Findings), f.RuleID, f.Message) + tail
	case !ran:
		res.Status, res.Summary = glassbox.CheckError, "not assessed: "+why+tail
	default:
		res.Status, res.Summary = glassbox.CheckPass, "the shipped programs ran in the sandbox and showed no backdoor behaviour of medium severity or above"+tail
	}
	return []glassbox.CheckResult{res}, ex.Reused, nil
}

// checkPractices: how the project is run, decided from the release's
// source tree, its git history and what it ships (package practice), one
// result per repository check.
func (r *run) checkPractices(ctx context.Context) ([]glassbox.CheckResult, bool, error) {
	rep, d, reused, err := r.jobs.Practices(ctx, r.vulns, r.vulnsDigest)
	if err != nil {
		return failed(err, glassbox.RepositoryChecks...), false, err
	}
	r.inputs = append(r.inputs, evidenceInput(KindPracticeReport, d))
	ev := []glassbox.Evidence{{Kind: KindPracticeReport, Digest: d, Description: "the repository checks: what each looked at in the source tree, the git history and the shipped assets, and where it found it"}}
	if h := r.rel.Manifest.Source.History; h != nil {
		ev = append(ev, glassbox.Evidence{Kind: "release/git-history", Digest: h.Digest, Description: "the git history recorded when the release was submitted"})
	}
	var out []glassbox.CheckResult
	for _, id := range glassbox.RepositoryChecks {
		res, ok := rep.Result(id)
		if !ok {
			out = append(out, glassbox.CheckResult{Check: id, Status: glassbox.CheckError, Summary: "not assessed: the repository checks' report has no result for it"})
			continue
		}
		summary := res.Summary
		if len(res.Where) > 0 {
			summary += " (" + where(res.Where[0]) + ")"
		}
		out = append(out, glassbox.CheckResult{Check: id, Status: res.Status, Summary: summary, Evidence: ev})
	}
	return out, reused, nil
}

// where names a place a repository check looked at.
func where(l practice.Location) string {
	switch {
	case l.Commit != "":
		return "commit " + l.Commit[:min(12, len(l.Commit))]
	case l.Line > 0:
		return fmt.Sprintf("%s:%d", l.Path, l.Line)
	}
	return l.Path
}

// checkHardening: every shipped ELF program has a stack that cannot be
// executed and no segment both writable and executable; position
// independence, RELRO, canaries and fortified calls are reported.
func (r *run) checkHardening(ctx context.Context) ([]glassbox.CheckResult, bool, error) {
	res := glassbox.CheckResult{Check: glassbox.CheckExploitMitigations}
	h, d, reused, err := r.jobs.Hardening(ctx)
	if err != nil {
		return failed(err, res.Check), false, err
	}
	if len(h.Programs) == 0 {
		res.Status, res.Summary = glassbox.CheckNotApplicable, "the release ships no ELF program"
		return []glassbox.CheckResult{res}, reused, nil
	}
	r.inputs = append(r.inputs, evidenceInput(KindHardeningReport, d))
	res.Evidence = []glassbox.Evidence{{Kind: KindHardeningReport, Digest: d, Description: fmt.Sprintf("the exploit mitigations of %d shipped ELF programs, read from their headers", len(h.Programs))}}
	var bad, all []string
	for _, p := range h.Programs {
		all = append(all, p.Name+": "+p.Summary())
		if why := p.Decides(); len(why) > 0 {
			bad = append(bad, p.Name+" ("+strings.Join(why, ", ")+")")
			res.Findings = append(res.Findings, glassbox.Finding{
				RuleID: "GB1701", Rule: "executable-memory", Family: "hardening", Severity: glassbox.SeverityHigh,
				Message:     fmt.Sprintf("%s has %s", p.Name, strings.Join(why, " and ")),
				Explanation: "Memory that is both writable and executable lets an attacker who can write to it run code: the kernel's non-executable stack and W^X are the first mitigation against memory corruption.",
				Path:        p.Name, Region: glassbox.Region{StartLine: 1},
			})
		}
	}
	if len(bad) > 0 {
		res.Status = glassbox.CheckFail
		res.Summary = fmt.Sprintf("%d of %d shipped programs leave memory writable and executable: %s", len(bad), len(h.Programs), strings.Join(bad, "; "))
	} else {
		res.Status = glassbox.CheckPass
		res.Summary = fmt.Sprintf("every shipped program (%d) has a non-executable stack and no writable and executable segment; %s", len(h.Programs), strings.Join(all, "; "))
	}
	return []glassbox.CheckResult{res}, reused, nil
}
