package standard_test

import (
	"encoding/json"
	"fmt"
	"glassbox.dev/internal/schemas"
	"slices"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/standard"
)

var (
	release = &glassbox.Release{
		ID:       glassbox.DigestOf([]byte("release acme/router 1.4.2")),
		Manifest: glassbox.Manifest{Type: glassbox.ManifestType, Product: "acme/router", Version: "1.4.2"},
	}
	judgedAt = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	assessAt = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
)

// allPass returns a passing result for every check, each with a piece of
// evidence.
func allPass() []glassbox.CheckResult {
	var out []glassbox.CheckResult
	for _, c := range glassbox.Checks() {
		out = append(out, glassbox.CheckResult{
			Check: c, Status: glassbox.CheckPass, Summary: c + " established",
			Evidence: []glassbox.Evidence{{Kind: "report/" + strings.Split(c, ".")[0], Digest: glassbox.DigestOf([]byte("evidence of " + c)), Description: "report of " + c}},
		})
	}
	return out
}

func with(results []glassbox.CheckResult, check string, status glassbox.CheckStatus, summary string) []glassbox.CheckResult {
	out := slices.Clone(results)
	for i := range out {
		if out[i].Check == check {
			out[i].Status, out[i].Summary = status, summary
		}
	}
	return out
}

// judgeAll records a judgement on every control of the standards that the
// checks cannot decide alone.
func judgeAll(t testing.TB, standards []string, satisfied bool) []glassbox.Judgement {
	t.Helper()
	l := builtin(t)
	sels, err := l.Select(standards)
	if err != nil {
		t.Fatal(err)
	}
	var js []glassbox.Judgement
	for _, s := range sels {
		for _, c := range s.Controls() {
			if s.Mapping.For(c.ID).Coverage != standard.Automated {
				js = append(js, glassbox.Judgement{Release: release.ID, Catalog: s.Catalog.ID, Control: c.ID, Satisfied: satisfied,
					Note: "reviewed the design documents", Evaluator: "alice", At: judgedAt})
			}
		}
	}
	return js
}

func status(t *testing.T, a *standard.Assessment, std, control string) *standard.ControlResult {
	t.Helper()
	for _, s := range a.Standards {
		if s.ID != std {
			continue
		}
		for _, c := range s.Controls {
			if c.Control.ID == control || c.Control.Label == control {
				return c
			}
		}
	}
	t.Fatalf("%s has no control %s in the assessment", std, control)
	return nil
}

var three = []string{"cra-annex-i", "en-303-645", "osps-l1"}

// With every check passing but no evaluator yet, only what the checks
// decide alone is satisfied, everything else waits: FAILED, and the reason
// says which controls are not assessed.
func TestAllPassWithoutJudgementsIsNotPassed(t *testing.T) {
	a, err := standard.Assess(release, three, allPass(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Verdict != standard.Failed {
		t.Fatalf("verdict %s; want FAILED while controls wait for an evaluator", a.Verdict)
	}
	if c := status(t, a, "cra-annex-i", "I.2.a"); c.Status != glassbox.ControlSatisfied {
		t.Errorf("I.2.a: %s (%s); want satisfied: its checks suffice and passed", c.Status, c.Reason)
	}
	if c := status(t, a, "cra-annex-i", "I.2.f"); c.Status != glassbox.ControlNotAssessed || !strings.Contains(c.Reason, "rebuild.reproducible") {
		t.Errorf("I.2.f: %s (%s); want not assessed, naming its supporting checks", c.Status, c.Reason)
	}
	if c := status(t, a, "cra-annex-i", "I.1"); c.Status != glassbox.ControlNotAssessed {
		t.Errorf("I.1: %s; want not assessed", c.Status)
	}
	for _, s := range a.Standards {
		if s.NotAssessed == 0 || s.Verdict != standard.Failed || s.Satisfied+s.NotSatisfied+s.NotAssessed != len(s.Controls) {
			t.Errorf("%s: %+v", s.ID, s)
		}
	}
	if b, err := json.Marshal(a); err != nil || !strings.Contains(string(b), `"status":"not-assessed"`) || !strings.Contains(string(b), `"verdict":"FAILED"`) {
		t.Errorf("the assessment as JSON: %v\n%.300s", err, b)
	}
	if !strings.Contains(strings.Join(a.Reasons, "\n"), "not assessed yet: I.1") {
		t.Errorf("reasons %q do not name the unassessed controls", a.Reasons)
	}
}

// Every check passing and an evaluator's judgement on every control the
// checks cannot decide: PASSED for every standard.
func TestAllPassAndJudgedIsPassed(t *testing.T) {
	a, err := standard.Assess(release, three, allPass(), judgeAll(t, three, true))
	if err != nil {
		t.Fatal(err)
	}
	if a.Verdict != standard.Passed || len(a.Reasons) != 0 {
		t.Fatalf("verdict %s %q; want PASSED", a.Verdict, a.Reasons)
	}
	for _, s := range a.Standards {
		if s.Verdict != standard.Passed || s.Satisfied != len(s.Controls) || len(s.Controls) == 0 {
			t.Errorf("%s: %s, %d of %d satisfied", s.ID, s.Verdict, s.Satisfied, len(s.Controls))
		}
	}
	if c := status(t, a, "en-303-645", "5.7-1"); !strings.Contains(c.Reason, "alice judged it satisfied") || !strings.Contains(c.Reason, "rebuild.reproducible") {
		t.Errorf("5.7-1 reason %q; want the judgement and the supporting checks", c.Reason)
	}
}

// One failing check makes every control it feeds not satisfied, in every
// standard that maps it, whatever the evaluators said; the verdict is
// FAILED and the reasons name the check.
func TestFailingCheckFailsEveryMappedControl(t *testing.T) {
	stds := []string{"cra-annex-i", "en-303-645", "osps-l3"}
	for _, check := range glassbox.Checks() {
		t.Run(check, func(t *testing.T) {
			l := builtin(t)
			checks := with(allPass(), check, glassbox.CheckFail, "planted finding")
			a, err := l.Assess(release, stds, checks, judgeAll(t, stds, true))
			if err != nil {
				t.Fatal(err)
			}
			if a.Verdict != standard.Failed {
				t.Fatalf("verdict %s; want FAILED", a.Verdict)
			}
			sels, _ := l.Select(stds)
			failedSomewhere := 0
			for i, s := range sels {
				sr := a.Standards[i]
				for _, cr := range sr.Controls {
					mapped := slices.ContainsFunc(s.Mapping.For(cr.Control.ID).Checks, func(r standard.CheckRef) bool { return r.Check == check })
					switch {
					case mapped && cr.Status != glassbox.ControlNotSatisfied:
						t.Errorf("%s %s: %s; want not satisfied", s.ID, cr.Control.ID, cr.Status)
					case mapped && !strings.Contains(cr.Reason, check+": planted finding"):
						t.Errorf("%s %s: reason %q does not name the check", s.ID, cr.Control.ID, cr.Reason)
					case !mapped && cr.Status != glassbox.ControlSatisfied:
						t.Errorf("%s %s: %s (%s); want satisfied, the failing check does not feed it", s.ID, cr.Control.ID, cr.Status, cr.Reason)
					case mapped:
						failedSomewhere++
						if sr.Verdict != standard.Failed || !strings.Contains(strings.Join(sr.Reasons, " "), check) {
							t.Errorf("%s: %s %q; want FAILED naming %s", s.ID, sr.Verdict, sr.Reasons, check)
						}
					}
				}
			}
			if failedSomewhere == 0 {
				t.Errorf("check %s feeds no control", check)
			}
			if !strings.Contains(strings.Join(a.Reasons, "\n"), check) {
				t.Errorf("reasons %q do not name %s", a.Reasons, check)
			}
		})
	}
}

// The newest judgement on a control is in force; "not satisfied" from an
// evaluator beats passing checks; a judgement about another release or
// another catalog counts for nothing.
func TestJudgements(t *testing.T) {
	older := glassbox.Judgement{Release: release.ID, Catalog: "cra-annex-i", Control: "I.1", Satisfied: true, Note: "risk assessment read", Evaluator: "alice", At: judgedAt}
	newer := older
	newer.Satisfied, newer.Note, newer.Evaluator, newer.At = false, "risk assessment omits the web interface", "bob", judgedAt.Add(time.Hour)
	for _, tc := range []struct {
		name string
		js   []glassbox.Judgement
		want glassbox.ControlStatus
	}{
		{"none", nil, glassbox.ControlNotAssessed},
		{"satisfied", []glassbox.Judgement{older}, glassbox.ControlSatisfied},
		{"superseded", []glassbox.Judgement{older, newer}, glassbox.ControlNotSatisfied},
		{"superseded, listed newest first", []glassbox.Judgement{newer, older}, glassbox.ControlNotSatisfied},
		{"other release", []glassbox.Judgement{{Release: glassbox.DigestOf([]byte("other")), Catalog: "cra-annex-i", Control: "I.1", Satisfied: true, Evaluator: "x", At: judgedAt}}, glassbox.ControlNotAssessed},
		{"other catalog", []glassbox.Judgement{{Release: release.ID, Catalog: "en-303-645", Control: "I.1", Satisfied: true, Evaluator: "x", At: judgedAt}}, glassbox.ControlNotAssessed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := standard.Assess(release, []string{"cra-annex-i"}, allPass(), tc.js)
			if err != nil {
				t.Fatal(err)
			}
			if c := status(t, a, "cra-annex-i", "I.1"); c.Status != tc.want {
				t.Errorf("I.1: %s (%s); want %s", c.Status, c.Reason, tc.want)
			}
		})
	}
	// An evaluator's "not satisfied" on a control the checks decide.
	no := glassbox.Judgement{Release: release.ID, Catalog: "cra-annex-i", Control: "I.2.a", Satisfied: false, Note: "vendor's own CVE unfixed", Evaluator: "carol", At: judgedAt}
	a, _ := standard.Assess(release, []string{"cra-annex-i"}, allPass(), []glassbox.Judgement{no})
	if c := status(t, a, "cra-annex-i", "I.2.a"); c.Status != glassbox.ControlNotSatisfied || !strings.Contains(c.Reason, "carol") {
		t.Errorf("I.2.a: %s (%s); want not satisfied by carol's judgement", c.Status, c.Reason)
	}
}

// A check that could not complete, or did not run, establishes nothing: a
// control it decides stays not assessed (until an evaluator judges it).
// Not-applicable counts in favour only where the mapping says so.
func TestChecksThatEstablishNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		checks []glassbox.CheckResult
		want   glassbox.ControlStatus
		reason string
	}{
		{"error", with(allPass(), glassbox.CheckNoKnownExploitable, glassbox.CheckError, "the OSV database is unreadable"), glassbox.ControlNotAssessed, "(could not complete): the OSV database is unreadable"},
		{"missing", slices.DeleteFunc(allPass(), func(c glassbox.CheckResult) bool { return c.Check == glassbox.CheckSBOMAvailable }), glassbox.ControlNotAssessed, "sbom.available (did not run)"},
		{"not applicable", with(allPass(), glassbox.CheckNoKnownExploitable, glassbox.CheckNotApplicable, "no components"), glassbox.ControlNotAssessed, "not applicable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := standard.Assess(release, []string{"cra-annex-i"}, tc.checks, nil)
			if err != nil {
				t.Fatal(err)
			}
			c := status(t, a, "cra-annex-i", "I.2.a")
			if c.Status != tc.want || !strings.Contains(c.Reason, tc.reason) {
				t.Errorf("I.2.a: %s (%s); want %s mentioning %q", c.Status, c.Reason, tc.want, tc.reason)
			}
		})
	}
	// A judgement cannot stand in for a check that could not run: the
	// rebuild failed to start, so the integrity controls it supports stay
	// unassessed although an evaluator judged them satisfied.
	errored := with(allPass(), glassbox.CheckReproducible, glassbox.CheckError, "the sandbox could not start")
	a, err := standard.Assess(release, []string{"cra-annex-i"}, errored, judgeAll(t, []string{"cra-annex-i"}, true))
	if err != nil {
		t.Fatal(err)
	}
	if c := status(t, a, "cra-annex-i", "I.2.f"); c.Status != glassbox.ControlNotAssessed || !strings.Contains(c.Reason, "the sandbox could not start") {
		t.Errorf("I.2.f with the rebuild errored and judged satisfied: %s (%s); want not assessed, saying why", c.Status, c.Reason)
	}
	if a.Verdict != standard.Failed {
		t.Errorf("verdict %s with a check that could not run; want FAILED", a.Verdict)
	}

	// provenance.archive-matches-source is not applicable to a release
	// without a git origin, and that is no mark against integrity.
	checks := with(allPass(), glassbox.CheckArchiveMatchesSource, glassbox.CheckNotApplicable, "no git origin")
	a, _ = standard.Assess(release, []string{"cra-annex-i"}, checks, judgeAll(t, []string{"cra-annex-i"}, true))
	if a.Verdict != standard.Passed {
		t.Errorf("verdict %s %q; want PASSED with provenance not applicable", a.Verdict, a.Reasons)
	}
}

func TestAssessRefusesBadInput(t *testing.T) {
	for name, call := range map[string]func() error{
		"unknown standard": func() error { _, err := standard.Assess(release, []string{"iso-27001"}, nil, nil); return err },
		"no standard":      func() error { _, err := standard.Assess(release, nil, nil, nil); return err },
		"no release":       func() error { _, err := standard.Assess(nil, three, nil, nil); return err },
		"bad status": func() error {
			_, err := standard.Assess(release, three, with(allPass(), glassbox.CheckReproducible, "maybe", ""), nil)
			return err
		},
		"check twice": func() error {
			_, err := standard.Assess(release, three, append(allPass(), allPass()[0]), nil)
			return err
		},
	} {
		if err := call(); glassbox.ErrorCode(err) != glassbox.EINVALID {
			t.Errorf("%s: %v; want EINVALID", name, err)
		}
	}
}

// The OSCAL assessment results validate against NIST's schema, point at the
// evidence by digest, carry a finding per assessed control and list the
// rest, and are the same bytes for the same input.
func TestAssessmentResults(t *testing.T) {
	sch := schemas.OSCALAssessmentResults
	for _, tc := range []struct {
		name   string
		checks []glassbox.CheckResult
		js     []glassbox.Judgement
	}{
		{"passed", allPass(), judgeAll(t, three, true)},
		{"not judged", allPass(), nil},
		{"failed", with(allPass(), glassbox.CheckNoBackdoorIndicators, glassbox.CheckFail, "hidden listener on port 31337"), judgeAll(t, three, false)},
		{"no checks", nil, nil},
		{"odd text", with(allPass(), glassbox.CheckReproducible, glassbox.CheckFail, "line one\n\tline two  "), []glassbox.Judgement{
			{Release: release.ID, Catalog: "cra-annex-i", Control: "I.1", Satisfied: true, Note: "  multi\nline\n\nnote ", Evaluator: "  Zoë\tÜnal  "},
			{Release: release.ID, Catalog: "cra-annex-i", Control: "I.2.b", Satisfied: false, Note: "", Evaluator: "", At: judgedAt},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := standard.Assess(release, three, tc.checks, tc.js)
			if err != nil {
				t.Fatal(err)
			}
			b, err := standard.AssessmentResults(a, assessAt)
			if err != nil {
				t.Fatal(err)
			}
			validateWith(t, sch, b)
			if err := standard.ValidateAssessmentResults(b); err != nil {
				t.Errorf("embedded schema: %v", err)
			}
			again, _ := standard.AssessmentResults(a, assessAt)
			if string(again) != string(b) {
				t.Error("the same assessment gave different bytes")
			}
			later, _ := standard.AssessmentResults(a, assessAt.Add(time.Hour))
			if strings.ReplaceAll(string(later), "2026-11-27T11:00:00Z", "2026-11-27T10:00:00Z") != string(b) {
				t.Error("a later time changed more than the timestamps")
			}
			s := string(b)
			for _, cr := range tc.checks {
				for _, e := range cr.Evidence {
					if !strings.Contains(s, `"href": "glassbox:evidence/`+string(e.Digest)+`"`) {
						t.Errorf("no relevant-evidence link to %s", e.Digest)
					}
				}
			}
			for _, sr := range a.Standards {
				if got := strings.Count(s, `"target-id": `); got == 0 && sr.Satisfied+sr.NotSatisfied > 0 {
					t.Errorf("no findings")
				}
				for _, cr := range sr.Controls {
					if cr.Status == glassbox.ControlNotAssessed && !strings.Contains(s, fmt.Sprintf(`"value": %q`, cr.Control.ID)) {
						t.Errorf("%s %s is not assessed and not listed", sr.ID, cr.Control.ID)
					}
				}
			}
			wantStates := 0
			for _, sr := range a.Standards {
				wantStates += sr.Satisfied + sr.NotSatisfied
			}
			if got := strings.Count(s, `"state": "satisfied"`) + strings.Count(s, `"state": "not-satisfied"`); got != wantStates {
				t.Errorf("%d findings with a state; want %d", got, wantStates)
			}
		})
	}
}

// The policy names each standard with its catalog's version, and its
// digest changes with the catalogs and mappings, not with anything else.
func TestPolicy(t *testing.T) {
	l := builtin(t)
	p, err := l.Policy([]string{"cra-annex-i"})
	if err != nil || p.URI != "https://glassbox.dev/policy/cra-annex-i@1.0.0" || p.Version != "1.0.0" || len(p.Digest) != 64 {
		t.Errorf("Policy(cra-annex-i) = %+v, %v", p, err)
	}
	both, _ := l.Policy([]string{"cra-annex-i", "osps-l1"})
	if both.URI != "https://glassbox.dev/policy/cra-annex-i@1.0.0+osps-l1@2026-07-07-b834f71" || both.Digest == p.Digest {
		t.Errorf("Policy(cra-annex-i, osps-l1) = %+v", both)
	}
	l2, _ := l.Policy([]string{"osps-l2"})
	l1, _ := l.Policy([]string{"osps-l1"})
	if l1.Digest == l2.Digest {
		t.Error("osps-l1 and osps-l2 have the same policy digest")
	}
	a, _ := l.Assess(release, []string{"cra-annex-i", "osps-l1"}, allPass(), nil)
	if got := a.PassedStandards(); len(got) != 0 {
		t.Errorf("PassedStandards of an unjudged assessment = %v", got)
	}
	a2, _ := l.Assess(release, []string{"cra-annex-i", "osps-l1"}, allPass(), judgeAll(t, []string{"cra-annex-i"}, true))
	if got := a2.PassedStandards(); len(got) != 1 || got[0] != "cra-annex-i@1.0.0" || a2.Verdict != standard.Failed {
		t.Errorf("PassedStandards with only the CRA judged = %v (verdict %s); want [cra-annex-i@1.0.0], FAILED", got, a2.Verdict)
	}
	if a.Policy != both {
		t.Errorf("the assessment's policy %+v is not Policy's %+v", a.Policy, both)
	}
}
