package standard

import (
	"fmt"
	"glassbox.dev/review"
	"slices"
	"strings"

	"glassbox.dev"
)

// Verdict is the outcome of an assessment, as a SLSA Verification Summary
// Attestation spells it.
type Verdict string

// Verdicts.
const (
	Passed Verdict = "PASSED"
	Failed Verdict = "FAILED"
)

// Assessment is a release judged against one or more standards.
type Assessment struct {
	Release *glassbox.Release `json:"release"`
	// Review is the differential review of the release against the
	// previous one of its product, when there is one: how many of the
	// changed lines evaluators reviewed. It is reported, not judged.
	Review    *review.Summary   `json:"review,omitempty"`
	Standards []*StandardResult `json:"standards"`
	// Checks are the automated checks' results the assessment used, by
	// check id.
	Checks []glassbox.CheckResult `json:"checks"`
	// Judgements are the evaluators' judgements in force: the newest per
	// control, by catalog and control id.
	Judgements []glassbox.Judgement `json:"judgements"`
	Policy     Policy               `json:"policy"`
	// ICS is the digest of the vendor's implementation conformance
	// statement the assessment weighed (its canonical JSON, stored as
	// evidence of kind KindICS), if there was one.
	ICS glassbox.Digest `json:"ics,omitempty"`
	// Verdict is PASSED only when every standard passed: every control
	// assessed and satisfied.
	Verdict Verdict  `json:"verdict"`
	Reasons []string `json:"reasons,omitempty"` // why it failed, one line each
}

// StandardResult is the assessment against one selected standard.
type StandardResult struct {
	ID             string           `json:"id"` // as selected, e.g. "osps-l1"
	Title          string           `json:"title"`
	Catalog        string           `json:"catalog"` // the catalog's id
	CatalogVersion string           `json:"catalog_version"`
	Controls       []*ControlResult `json:"controls"`
	Satisfied      int              `json:"satisfied"`
	NotSatisfied   int              `json:"not_satisfied"`
	NotAssessed    int              `json:"not_assessed"`
	Verdict        Verdict          `json:"verdict"`
	Reasons        []string         `json:"reasons,omitempty"`
}

// ControlResult is where one control stands, and why.
type ControlResult struct {
	Control   *Control               `json:"control"`
	Coverage  Coverage               `json:"coverage"`
	Why       string                 `json:"why"` // from the mapping: how far the checks go
	Status    glassbox.ControlStatus `json:"status"`
	Reason    string                 `json:"reason"`              // one or two sentences: why this status
	Checks    []CheckOutcome         `json:"checks,omitempty"`    // the mapped checks, in mapping order
	Judgement *glassbox.Judgement    `json:"judgement,omitempty"` // the judgement in force, if any
	Evidence  []glassbox.Evidence    `json:"evidence,omitempty"`  // of the mapped checks, without repeats
	// Statement is the vendor's answer for the control in its ICS, if it
	// gives one.
	Statement *ICSAnswer `json:"statement,omitempty"`
}

// CheckOutcome is a mapped check's result as it bears on a control.
type CheckOutcome struct {
	Check   string               `json:"check"`
	Status  glassbox.CheckStatus `json:"status"` // "" when the check did not report
	Summary string               `json:"summary"`
	// Favours is true when the outcome is one the mapping counts in the
	// control's favour.
	Favours bool `json:"favours"`
}

// Assess judges a release against the built-in standards; see
// Library.Assess.
func Assess(rel *glassbox.Release, standards []string, checks []glassbox.CheckResult, judgements []glassbox.Judgement) (*Assessment, error) {
	l, err := Builtin()
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "%v", err)
	}
	return l.Assess(rel, standards, checks, judgements)
}

// Assess judges a release against the selected standards from the results
// of the automated checks and the evaluators' judgements about it. A
// control is:
//
//   - not satisfied when a mapped check failed (no judgement overrides
//     failing evidence: fix or suppress the finding and evaluate again), or
//     when the newest judgement says so;
//   - satisfied when its checks suffice (coverage automated) and all give
//     an outcome that counts in its favour, or when the newest judgement
//     says so;
//   - not assessed otherwise: it waits for an evaluator, or for a check
//     that did not run.
//
// Judgements about other releases are ignored.
func (l *Library) Assess(rel *glassbox.Release, standards []string, checks []glassbox.CheckResult, judgements []glassbox.Judgement) (*Assessment, error) {
	return l.AssessWith(rel, standards, checks, judgements, nil)
}

// AssessWith is Assess weighing the vendor's ICS too, for the controls of
// the catalog it answers (nil: none, as Assess). The answer is attached to
// the control and shown in its reason; after a failing check, which still
// decides first:
//
//   - "no" to a provision that applies (unconditional, or whose conditions
//     and features the ICS says the product has) makes the control not
//     satisfied, whatever the evaluators said: the vendor says so;
//   - "not-applicable" leaves the control to an evaluator, whose judgement
//     that it is satisfied confirms that the provision does not apply;
//   - "yes" is a claim the evaluator checks: it decides nothing.
func (l *Library) AssessWith(rel *glassbox.Release, standards []string, checks []glassbox.CheckResult, judgements []glassbox.Judgement, ics *ICS) (*Assessment, error) {
	if rel == nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "assess: no release")
	}
	sels, err := l.Select(standards)
	if err != nil {
		return nil, err
	}
	byCheck := map[string]*glassbox.CheckResult{}
	var used []glassbox.CheckResult
	for i := range checks {
		cr := &checks[i]
		if !cr.Status.Valid() {
			return nil, glassbox.Errorf(glassbox.EINVALID, "assess: check %q has status %q; want pass, fail, error or not-applicable", cr.Check, cr.Status)
		}
		if _, dup := byCheck[cr.Check]; dup {
			return nil, glassbox.Errorf(glassbox.EINVALID, "assess: check %q reported twice", cr.Check)
		}
		byCheck[cr.Check] = cr
		used = append(used, *cr)
	}
	slices.SortFunc(used, func(a, b glassbox.CheckResult) int { return strings.Compare(a.Check, b.Check) })

	// The newest judgement per control wins; of two at the same instant,
	// the later in the list.
	type key struct{ catalog, control string }
	latest := map[key]*glassbox.Judgement{}
	for i := range judgements {
		j := &judgements[i]
		if j.Release != rel.ID {
			continue
		}
		k := key{j.Catalog, j.Control}
		if old, ok := latest[k]; !ok || !j.At.Before(old.At) {
			latest[k] = j
		}
	}

	a := &Assessment{Release: rel, Checks: used, Policy: policyOf(l, sels), Verdict: Passed}
	if ics != nil {
		a.ICS = ics.Digest
	}
	inForce := map[key]bool{}
	for _, sel := range sels {
		sr := &StandardResult{ID: sel.ID, Title: sel.Title(), Catalog: sel.Catalog.ID, CatalogVersion: sel.Catalog.Version, Verdict: Passed}
		var st *ICS
		if ics != nil && ics.Standard == sel.Catalog.ID {
			st = ics
		}
		var failed, unassessed []string
		for _, ctl := range sel.Controls() {
			j := latest[key{sel.Catalog.ID, ctl.ID}]
			cr := assessControl(sel, ctl, byCheck, j, st)
			sr.Controls = append(sr.Controls, cr)
			if j != nil && !inForce[key{sel.Catalog.ID, ctl.ID}] {
				inForce[key{sel.Catalog.ID, ctl.ID}] = true
				a.Judgements = append(a.Judgements, *j)
			}
			switch cr.Status {
			case glassbox.ControlSatisfied:
				sr.Satisfied++
			case glassbox.ControlNotSatisfied:
				sr.NotSatisfied++
				reason, _, _ := strings.Cut(cr.Reason, overrideNote)
				failed = append(failed, fmt.Sprintf("%s (%s)", ctl.Label, reason))
			default:
				sr.NotAssessed++
				unassessed = append(unassessed, ctl.Label)
			}
		}
		if len(sr.Controls) == 0 {
			sr.Reasons = append(sr.Reasons, "the selection has no controls to assess")
		}
		if len(failed) > 0 {
			sr.Reasons = append(sr.Reasons, fmt.Sprintf("%d control(s) not satisfied: %s", len(failed), strings.Join(failed, "; ")))
		}
		if len(unassessed) > 0 {
			sr.Reasons = append(sr.Reasons, fmt.Sprintf("%d control(s) not assessed yet: %s", len(unassessed), strings.Join(unassessed, ", ")))
		}
		if len(sr.Reasons) > 0 {
			sr.Verdict = Failed
			a.Verdict = Failed
			for _, r := range sr.Reasons {
				a.Reasons = append(a.Reasons, sr.ID+": "+r)
			}
		}
		a.Standards = append(a.Standards, sr)
	}
	slices.SortFunc(a.Judgements, func(x, y glassbox.Judgement) int {
		if c := strings.Compare(x.Catalog, y.Catalog); c != 0 {
			return c
		}
		return strings.Compare(x.Control, y.Control)
	})
	return a, nil
}

func assessControl(sel *Selection, ctl *Control, byCheck map[string]*glassbox.CheckResult, j *glassbox.Judgement, st *ICS) *ControlResult {
	cm := sel.Mapping.For(ctl.ID)
	cr := &ControlResult{Control: ctl, Coverage: cm.Coverage, Why: strings.TrimSpace(cm.Why), Judgement: j}
	var vendorNo bool
	var vendorSays string // the ICS's answer, as the reason ends
	if ans, ok := st.Answer(ctl); ok {
		cr.Statement = &ans
		applies, absent := true, ""
		if ctl.Provision != nil {
			applies, absent = st.applies(ctl.Provision)
		}
		detail := oneLineText(ans.Detail, "no detail given")
		switch ans.Support {
		case ICSNo:
			vendorNo = applies
			vendorSays = "the vendor's ICS states it is not supported: " + detail
		case ICSNotApplicable:
			vendorSays = "the vendor's ICS states it does not apply"
			if absent != "" {
				vendorSays += fmt.Sprintf(" (the product lacks %s)", describeKey(sel.Catalog, absent))
			}
			vendorSays += ": " + detail
		default:
			vendorSays = "the vendor's ICS states it is supported: " + detail
		}
	}
	var failing, missing, favourable, incomplete []string
	seen := map[glassbox.Digest]bool{}
	for _, ref := range cm.Checks {
		out := CheckOutcome{Check: ref.Check}
		if res, ok := byCheck[ref.Check]; ok {
			out.Status, out.Summary = res.Status, res.Summary
			out.Favours = slices.Contains(ref.SatisfiedBy, res.Status)
			for _, e := range res.Evidence {
				if !seen[e.Digest] {
					seen[e.Digest] = true
					cr.Evidence = append(cr.Evidence, e)
				}
			}
		}
		cr.Checks = append(cr.Checks, out)
		switch {
		case out.Status == glassbox.CheckFail:
			failing = append(failing, describeOutcome(out))
		case out.Favours:
			favourable = append(favourable, out.Check)
		default:
			missing = append(missing, describeOutcome(out))
			if out.Status == "" || out.Status == glassbox.CheckError {
				incomplete = append(incomplete, describeOutcome(out))
			}
		}
	}
	judged := func(verb string) string {
		s := fmt.Sprintf("%s judged it %s on %s", j.Evaluator, verb, j.At.UTC().Format("2006-01-02"))
		if note := strings.TrimSpace(j.Note); note != "" {
			s += ": " + note
		}
		return s
	}
	switch {
	case len(failing) > 0:
		cr.Status = glassbox.ControlNotSatisfied
		cr.Reason = "failed " + strings.Join(failing, "; ")
		if j != nil && j.Satisfied {
			cr.Reason += overrideNote
		}
	case vendorNo:
		// The vendor's own statement decides against the provision; an
		// evaluator's judgement cannot make it supported.
		cr.Status = glassbox.ControlNotSatisfied
		cr.Reason, vendorSays = vendorSays, ""
	case j != nil && !j.Satisfied:
		cr.Status = glassbox.ControlNotSatisfied
		cr.Reason = judged("not satisfied")
	case len(incomplete) > 0:
		// A check that could not run establishes nothing, and a judgement
		// cannot stand in for evidence that was never gathered: the
		// evaluator may have relied on it.
		cr.Status = glassbox.ControlNotAssessed
		cr.Reason = "not established, whatever the judgement: " + strings.Join(incomplete, "; ") + "; evaluate again once it runs"
	case cm.Coverage == Automated && len(missing) == 0:
		cr.Status = glassbox.ControlSatisfied
		cr.Reason = "passed " + strings.Join(favourable, ", ") + ", which suffice for this control"
	case j != nil && j.Satisfied:
		cr.Status = glassbox.ControlSatisfied
		cr.Reason = judged("satisfied")
		if len(favourable) > 0 {
			cr.Reason += fmt.Sprintf(" (supporting checks passed: %s)", strings.Join(favourable, ", "))
		}
	default:
		cr.Status = glassbox.ControlNotAssessed
		switch {
		case cm.Coverage == Automated:
			cr.Reason = "not established: " + strings.Join(missing, "; ")
		case len(missing) > 0 && len(favourable) > 0:
			cr.Reason = fmt.Sprintf("needs an evaluator's judgement; supporting checks passed (%s), not established: %s", strings.Join(favourable, ", "), strings.Join(missing, "; "))
		case len(missing) > 0:
			cr.Reason = "needs an evaluator's judgement; supporting checks not established: " + strings.Join(missing, "; ")
		case len(favourable) > 0:
			cr.Reason = fmt.Sprintf("needs an evaluator's judgement; supporting checks passed (%s) but do not decide it", strings.Join(favourable, ", "))
		default:
			cr.Reason = "needs an evaluator's judgement; no automated check covers it"
		}
		if cr.Statement != nil && cr.Statement.Support == ICSNotApplicable {
			cr.Reason = vendorSays + "; an evaluator confirms that with a judgement (satisfied when it indeed does not apply). " + cr.Reason
			vendorSays = ""
		}
	}
	if vendorSays != "" {
		cr.Reason += "; " + vendorSays
	}
	return cr
}

// overrideNote ends the reason of a control that failed a check although an
// evaluator judged it satisfied.
const overrideNote = " (an evaluator's judgement does not override a failed check: fix or suppress the finding and evaluate again)"

func describeOutcome(o CheckOutcome) string {
	var s string
	switch o.Status {
	case "":
		return o.Check + " (did not run)"
	case glassbox.CheckFail:
		s = o.Check
	case glassbox.CheckError:
		s = o.Check + " (could not complete)"
	case glassbox.CheckNotApplicable:
		s = o.Check + " (not applicable)"
	default:
		s = o.Check + " (" + string(o.Status) + ")"
	}
	if sum := strings.TrimSpace(o.Summary); sum != "" {
		s += ": " + sum
	}
	return s
}

// PassedStandards names each standard the release passed with its catalog
// version ("cra-annex-i@1.0.0"), for a VSA's verifiedLevels: a verifier's
// policy can then require one standard even when several were assessed
// together.
func (a *Assessment) PassedStandards() []string {
	var out []string
	for _, s := range a.Standards {
		if s.Verdict == Passed {
			out = append(out, s.ID+"@"+s.CatalogVersion)
		}
	}
	return out
}
