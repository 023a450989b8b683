package standard

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"glassbox.dev"
	"glassbox.dev/standard/oscal"
)

// EvidenceHref is how an OSCAL document glassbox writes points at a piece
// of evidence in the centre's store: "glassbox:evidence/sha256:…", which
// `glassbox cat` resolves.
func EvidenceHref(d glassbox.Digest) string { return "glassbox:evidence/" + string(d) }

// AssessmentResults writes the assessment as an OSCAL 1.0.6
// assessment-results document: one result per selected standard, with an
// observation per check result and per judgement (pointing at the evidence
// by digest), a finding per assessed control (satisfied or not), and the
// controls not assessed listed in the result's props and remarks. at is
// when the assessment was made. UUIDs are derived from the content, so the
// same assessment at the same time is the same bytes.
func AssessmentResults(a *Assessment, at time.Time) ([]byte, error) {
	if a == nil || a.Release == nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "assessment results: no assessment")
	}
	when := oscalTime(at)
	content, err := json.Marshal(struct {
		Release    glassbox.Digest
		Policy     string
		Checks     []glassbox.CheckResult
		Judgements []glassbox.Judgement
		ICS        glassbox.Digest `json:",omitempty"`
	}{a.Release.ID, a.Policy.Digest, a.Checks, a.Judgements, a.ICS})
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "assessment results: %w", err)
	}
	docUUID := oscal.UUID("assessment-results", string(glassbox.DigestOf(content)))
	m := &a.Release.Manifest

	var stdIDs []string
	for _, s := range a.Standards {
		stdIDs = append(stdIDs, s.ID)
	}
	doc := &oscal.AssessmentResults{
		UUID: docUUID,
		Metadata: oscal.Metadata{
			Title:        fmt.Sprintf("glassbox assessment of %s against %s", m.String(), strings.Join(stdIDs, ", ")),
			LastModified: when,
			Version:      "1.0.0",
			OSCALVersion: oscal.Version,
			Props: []oscal.Prop{
				{Name: "release", NS: oscal.Namespace, Value: string(a.Release.ID)},
				{Name: "verdict", NS: oscal.Namespace, Value: string(a.Verdict)},
				{Name: "policy", NS: oscal.Namespace, Value: a.Policy.URI},
				{Name: "policy-digest", NS: oscal.Namespace, Value: "sha256:" + a.Policy.Digest},
			},
			Roles: []oscal.Role{{ID: "assessor", Title: "Evaluator"}},
		},
		ImportAP: oscal.ImportAP{
			Href: a.Policy.URI,
			Remarks: "glassbox keeps no separate assessment plan: the plan is the policy named here, " +
				"the selected catalogs at their versions with glassbox's evidence-to-control mappings (sha256:" + a.Policy.Digest + ").",
		},
	}
	if len(a.Reasons) > 0 {
		doc.Metadata.Remarks = "FAILED: " + strings.Join(a.Reasons, "\n\n")
	} else {
		doc.Metadata.Remarks = "PASSED: every control of every selected standard is assessed and satisfied."
	}

	// Back matter: the release, and each piece of evidence once.
	releaseRes := oscal.Resource{
		UUID:        oscal.UUID("release", string(a.Release.ID)),
		Title:       "Release " + m.String(),
		Description: "The release assessed, named by the digest of its manifest.",
		Props:       []oscal.Prop{{Name: "release", NS: oscal.Namespace, Value: string(a.Release.ID)}},
		RLinks:      []oscal.RLink{{Href: EvidenceHref(a.Release.ID), MediaType: "application/json"}},
	}
	bm := &oscal.BackMatter{Resources: []oscal.Resource{releaseRes}}
	seenEvidence := map[glassbox.Digest]bool{}
	if a.ICS != "" {
		seenEvidence[a.ICS] = true
		doc.Metadata.Props = append(doc.Metadata.Props, oscal.Prop{Name: "ics", NS: oscal.Namespace, Value: string(a.ICS),
			Remarks: "the vendor's implementation conformance statement the assessment weighed"})
		bm.Resources = append(bm.Resources, oscal.Resource{
			UUID:        oscal.UUID("evidence", string(a.ICS)),
			Title:       KindICS + " " + string(a.ICS),
			Description: "The vendor's implementation conformance statement (ICS): its answer for each provision is quoted in the finding on that provision.",
			Props:       []oscal.Prop{{Name: "evidence-kind", NS: oscal.Namespace, Value: KindICS}},
			RLinks:      []oscal.RLink{{Href: EvidenceHref(a.ICS), MediaType: "application/json"}},
		})
	}
	for _, cr := range a.Checks {
		for _, e := range cr.Evidence {
			if seenEvidence[e.Digest] {
				continue
			}
			seenEvidence[e.Digest] = true
			bm.Resources = append(bm.Resources, oscal.Resource{
				UUID:        oscal.UUID("evidence", string(e.Digest)),
				Title:       nonEmpty(e.Kind, "evidence") + " " + string(e.Digest),
				Description: nonEmpty(e.Description, "Evidence recorded by the check "+cr.Check+"."),
				Props:       []oscal.Prop{{Name: "evidence-kind", NS: oscal.Namespace, Value: nonEmpty(e.Kind, "unknown")}},
				RLinks:      []oscal.RLink{{Href: EvidenceHref(e.Digest)}},
			})
		}
	}
	doc.BackMatter = bm

	// Parties: each evaluator whose judgement is in force.
	partyOf := map[string]string{}
	for _, j := range a.Judgements {
		if _, ok := partyOf[j.Evaluator]; !ok {
			u := oscal.UUID("party", j.Evaluator)
			partyOf[j.Evaluator] = u
			doc.Metadata.Parties = append(doc.Metadata.Parties, oscal.Party{UUID: u, Type: "person", Name: oneLineText(j.Evaluator, "unknown evaluator")})
		}
	}
	if len(doc.Metadata.Parties) > 0 {
		var uuids []string
		for _, p := range doc.Metadata.Parties {
			uuids = append(uuids, p.UUID)
		}
		doc.Metadata.Responsible = []oscal.RespPt{{RoleID: "assessor", PartyUUIDs: uuids}}
	}

	checkByID := map[string]glassbox.CheckResult{}
	for _, cr := range a.Checks {
		checkByID[cr.Check] = cr
	}
	subject := []oscal.SubjectReference{{SubjectUUID: releaseRes.UUID, Type: "resource", Title: m.String()}}
	for _, sr := range a.Standards {
		resUUID := oscal.UUID(docUUID, "result", sr.ID)
		r := oscal.Result{
			UUID:  resUUID,
			Title: sr.Title,
			Description: fmt.Sprintf("%s against %s (catalog %s version %s): %s — %d satisfied, %d not satisfied, %d not assessed.",
				m.String(), sr.ID, sr.Catalog, sr.CatalogVersion, sr.Verdict, sr.Satisfied, sr.NotSatisfied, sr.NotAssessed),
			Start: when,
			End:   when,
			Props: []oscal.Prop{
				{Name: "standard", NS: oscal.Namespace, Value: sr.ID},
				{Name: "catalog", NS: oscal.Namespace, Value: sr.Catalog},
				{Name: "catalog-version", NS: oscal.Namespace, Value: sr.CatalogVersion},
				{Name: "verdict", NS: oscal.Namespace, Value: string(sr.Verdict)},
				{Name: "satisfied", NS: oscal.Namespace, Value: strconv.Itoa(sr.Satisfied)},
				{Name: "not-satisfied", NS: oscal.Namespace, Value: strconv.Itoa(sr.NotSatisfied)},
				{Name: "not-assessed", NS: oscal.Namespace, Value: strconv.Itoa(sr.NotAssessed)},
			},
		}
		if rv := a.Review; rv != nil {
			r.Props = append(r.Props,
				oscal.Prop{Name: "review-base", NS: oscal.Namespace, Value: string(rv.Base), Remarks: "the earlier release of the product the changes are counted against: " + rv.BaseVersion},
				oscal.Prop{Name: "review-changed-lines", NS: oscal.Namespace, Value: strconv.Itoa(rv.Changed)},
				oscal.Prop{Name: "review-reviewed-lines", NS: oscal.Namespace, Value: strconv.Itoa(rv.Reviewed)},
				oscal.Prop{Name: "review-coverage", NS: oscal.Namespace, Value: strconv.FormatFloat(rv.Coverage(), 'f', 3, 64),
					Remarks: fmt.Sprintf("changed lines in files an evaluator marked reviewed / changed lines since %s (%d of %d files)", rv.BaseVersion, rv.FilesReviewed, rv.Files)})
		}
		if len(sr.Reasons) > 0 {
			r.Remarks = strings.Join(sr.Reasons, "\n\n")
		}
		var sel oscal.ControlSelection
		obsUUID := map[string]string{} // check id or "judgement:control" → observation UUID
		for _, cr := range sr.Controls {
			sel.IncludeControls = append(sel.IncludeControls, oscal.SelectControl{ControlID: cr.Control.ID})
			for _, co := range cr.Checks {
				if _, done := obsUUID[co.Check]; done || co.Status == "" {
					continue
				}
				res := checkByID[co.Check]
				u := oscal.UUID(resUUID, "check", co.Check)
				obsUUID[co.Check] = u
				r.Observations = append(r.Observations, checkObservation(u, res, subject, when))
			}
			if j := cr.Judgement; j != nil {
				u := oscal.UUID(resUUID, "judgement", j.Catalog, j.Control, oscalTime(j.At), j.Evaluator)
				obsUUID["judgement:"+cr.Control.ID] = u
				r.Observations = append(r.Observations, judgementObservation(u, j, cr.Control, partyOf[j.Evaluator], subject, when))
			}
			if cr.Status == glassbox.ControlNotAssessed {
				r.Props = append(r.Props, oscal.Prop{Name: "not-assessed-control", NS: oscal.Namespace, Value: cr.Control.ID, Remarks: cr.Reason})
				continue
			}
			f := oscal.Finding{
				UUID:        oscal.UUID(resUUID, "finding", cr.Control.ID),
				Title:       cr.Control.Label + " " + cr.Control.Title,
				Description: cr.Reason,
				Props:       []oscal.Prop{{Name: "coverage", NS: oscal.Namespace, Value: string(cr.Coverage)}},
				Target: oscal.FindingTarget{
					Type:     "objective-id",
					TargetID: cr.Control.ID,
					Title:    cr.Control.Title,
					Status:   oscal.ObjectiveStatus{State: string(cr.Status), Reason: "pass"},
				},
			}
			if cr.Status == glassbox.ControlNotSatisfied {
				f.Target.Status.Reason = "fail"
			}
			for _, co := range cr.Checks {
				if u, ok := obsUUID[co.Check]; ok {
					f.RelatedObservations = append(f.RelatedObservations, oscal.RelatedObservation{ObservationUUID: u})
				}
			}
			if u, ok := obsUUID["judgement:"+cr.Control.ID]; ok {
				f.RelatedObservations = append(f.RelatedObservations, oscal.RelatedObservation{ObservationUUID: u})
			}
			r.Findings = append(r.Findings, f)
		}
		if len(sel.IncludeControls) == 0 {
			sel.Description = "The selection has no controls."
		}
		r.ReviewedControls = oscal.ReviewedControls{
			Description:       "The controls of " + sr.ID + " that the assessment covers.",
			ControlSelections: []oscal.ControlSelection{sel},
		}
		var notAssessed []string
		for _, cr := range sr.Controls {
			if cr.Status == glassbox.ControlNotAssessed {
				notAssessed = append(notAssessed, cr.Control.Label)
			}
		}
		if len(notAssessed) > 0 {
			r.Remarks = strings.TrimSpace(r.Remarks + "\n\nNot assessed: " + strings.Join(notAssessed, ", ") + ".")
		}
		doc.Results = append(doc.Results, r)
	}
	return marshalIndent(&oscal.ResultsDocument{AssessmentResults: doc})
}

func checkObservation(u string, res glassbox.CheckResult, subject []oscal.SubjectReference, when string) oscal.Observation {
	o := oscal.Observation{
		UUID:        u,
		Title:       "Automated check " + res.Check,
		Description: fmt.Sprintf("%s: %s. %s", res.Check, res.Status, strings.TrimSpace(res.Summary)),
		Props: []oscal.Prop{
			{Name: "check", NS: oscal.Namespace, Value: res.Check},
			{Name: "check-status", NS: oscal.Namespace, Value: string(res.Status)},
		},
		Methods:   []string{"TEST"},
		Subjects:  subject,
		Collected: when,
	}
	if n := len(res.Findings); n > 0 {
		o.Props = append(o.Props, oscal.Prop{Name: "findings", NS: oscal.Namespace, Value: strconv.Itoa(n)})
		var lines []string
		for _, f := range res.Findings {
			lines = append(lines, fmt.Sprintf("%s %s %s at %s:%d: %s", f.Severity, f.RuleID, f.Rule, f.Path, f.Region.StartLine, f.Message))
		}
		o.Remarks = strings.Join(lines, "\n\n")
	}
	for _, e := range res.Evidence {
		o.RelevantEvidence = append(o.RelevantEvidence, oscal.RelevantEvidence{
			Href:        EvidenceHref(e.Digest),
			Description: nonEmpty(e.Description, nonEmpty(e.Kind, "evidence")),
			Props:       []oscal.Prop{{Name: "evidence-kind", NS: oscal.Namespace, Value: nonEmpty(e.Kind, "unknown")}},
		})
	}
	return o
}

func judgementObservation(u string, j *glassbox.Judgement, ctl *Control, party string, subject []oscal.SubjectReference, when string) oscal.Observation {
	collected := when // a judgement without a time was collected by this assessment
	if !j.At.IsZero() {
		collected = oscalTime(j.At)
	}
	verdict := "not satisfied"
	if j.Satisfied {
		verdict = "satisfied"
	}
	return oscal.Observation{
		UUID:        u,
		Title:       "Evaluator's judgement on " + ctl.Label,
		Description: fmt.Sprintf("%s judged %s %s: %s", nonEmpty(j.Evaluator, "an evaluator"), ctl.Label, verdict, nonEmpty(strings.TrimSpace(j.Note), "no note")),
		Props: []oscal.Prop{
			{Name: "control", NS: oscal.Namespace, Value: ctl.ID},
			{Name: "judged", NS: oscal.Namespace, Value: strings.ReplaceAll(verdict, " ", "-")},
		},
		Methods:   []string{"EXAMINE"},
		Origins:   []oscal.Origin{{Actors: []oscal.OriginActor{{Type: "party", ActorUUID: party}}}},
		Subjects:  subject,
		Collected: collected,
	}
}

// oscalTime formats t as OSCAL's date-time with a time zone, in UTC.
func oscalTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// oneLineText folds s to one line of single spaces, as OSCAL's plain
// string fields require, or returns def when nothing is left.
func oneLineText(s, def string) string {
	return nonEmpty(strings.Join(strings.Fields(s), " "), def)
}

func nonEmpty(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return strings.TrimSpace(s)
}
