package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"glassbox.dev"
	"glassbox.dev/centre"
	"glassbox.dev/party"
	"glassbox.dev/server"
)

// Catalog describes a standard's controls (centre.Catalog over the data
// directory); nil leaves the worksheet out.
type Catalog func(ctx context.Context, id string) (*centre.CatalogView, error)

// worksheetRow is one control of the worksheet: what it asks, what the
// checks found for it, and the judgement in force.
type worksheetRow struct {
	centre.CatalogControl
	Checks    []checkState
	Judgement *glassbox.Judgement
}

type checkState struct {
	Check  string
	Status string // of the latest evaluation, "not run" if none
}

// maxNote bounds a judgement's note.
const maxNote = 8 << 10

// worksheet shows a standard's controls for a release, each with the
// evidence mapped to it and the judgement in force, and to an evaluator
// under a grant the form to judge it.
func (w *Workspace) worksheet(rw http.ResponseWriter, r *request) error {
	rel, _, err := w.releaseOf(r, party.ActReadRelease)
	if err != nil {
		return err
	}
	if w.Catalog == nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre shows no worksheets")
	}
	view, err := w.Catalog(r.Context(), r.PathValue("standard"))
	if err != nil {
		return err
	}
	status := map[string]string{}
	if rec := w.latestEvaluation(r, rel); rec != nil {
		for _, c := range rec.Checks {
			status[c.Check] = string(c.Status)
		}
	}
	current := map[string]*glassbox.Judgement{}
	if w.b.Judgements != nil {
		js, err := w.b.Judgements.FindJudgements(r.Context(), rel.ID)
		if err != nil {
			return err
		}
		for _, j := range js { // oldest first: the last is in force
			if j.Catalog == view.ID {
				current[j.Control] = j
			}
		}
	}
	rows := make([]worksheetRow, 0, len(view.Controls))
	judged := 0
	for _, c := range view.Controls {
		row := worksheetRow{CatalogControl: c, Judgement: current[c.ID]}
		for _, ref := range c.Checks {
			st := status[ref.Check]
			if st == "" {
				st = "not run"
			}
			row.Checks = append(row.Checks, checkState{Check: ref.Check, Status: st})
		}
		if row.Judgement != nil {
			judged++
		}
		rows = append(rows, row)
	}
	_, judgeErr := w.authorize(r, party.ActJudge, rel)
	return w.render(rw, r, http.StatusOK, "worksheet", map[string]any{
		"Title": view.ID + " worksheet · " + rel.Manifest.Product + " " + rel.Manifest.Version, "Release": rel, "Standard": view,
		"Rows": rows, "Judged": judged, "MayJudge": judgeErr == nil,
	})
}

// judge records a judgement from the worksheet's form, under the signed-in
// evaluator, and returns to the control.
func (w *Workspace) judge(rw http.ResponseWriter, r *request) error {
	rel, _, err := w.releaseOf(r, party.ActJudge)
	if err != nil {
		return err
	}
	if w.b.Judge == nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre takes no judgements")
	}
	standard, control := r.PostFormValue("standard"), r.PostFormValue("control")
	note := strings.TrimSpace(r.PostFormValue("note"))
	var satisfied bool
	switch r.PostFormValue("verdict") {
	case "satisfied":
		satisfied = true
	case "not-satisfied":
	default:
		return glassbox.Errorf(glassbox.EINVALID, "choose whether the control is satisfied or not")
	}
	if note == "" || len(note) > maxNote {
		return glassbox.Errorf(glassbox.EINVALID, "a judgement needs a note of at most %d bytes saying what you looked at", maxNote)
	}
	if w.Catalog == nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre shows no worksheets")
	}
	view, err := w.Catalog(r.Context(), standard)
	if err != nil {
		return err
	}
	j := &glassbox.Judgement{Release: rel.ID, Catalog: view.ID, Control: control, Satisfied: satisfied, Note: note}
	if err := w.b.Judge(r.Context(), r.p, rel, j); err != nil {
		return err
	}
	http.Redirect(rw, r.Request, "/ui/releases/"+string(rel.ID)+"/worksheet/"+url.PathEscape(standard)+"#c-"+url.PathEscape(control), http.StatusSeeOther)
	return nil
}

// triage records the signed-in evaluator's decision on a finding, from
// the source view's form, and returns to the finding.
func (w *Workspace) triage(rw http.ResponseWriter, r *request) error {
	rel, _, err := w.releaseOf(r, party.ActJudge)
	if err != nil {
		return err
	}
	t, err := w.b.Decide(r.Context(), r.p, rel, server.TriageRequest{Fingerprint: r.PostFormValue("fingerprint"), Decision: r.PostFormValue("decision"), Reason: r.PostFormValue("reason")})
	if err != nil {
		return err
	}
	http.Redirect(rw, r.Request, "/ui/releases/"+string(rel.ID)+"/source/"+t.Path+"#f-"+url.PathEscape(t.Fingerprint), http.StatusSeeOther)
	return nil
}
