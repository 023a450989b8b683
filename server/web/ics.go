package web

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"glassbox.dev"
	"glassbox.dev/party"
	"glassbox.dev/server"
	"glassbox.dev/standard"
)

// The vendor's implementation conformance statement (ICS) as a form: the
// product, the catalog's conditions and features, and an answer per
// provision, submitted through the same job as 'glassbox ics submit' and
// PUT …/ics. Whoever else may read the release reads it here, on the
// access record.

// icsKey is one condition or feature of the catalog, as the page shows it.
type icsKey struct {
	Key, Definition string
	Has             bool
}

// icsRow is one provision, with the statement's answer ("" unanswered).
type icsRow struct {
	Label, Title, Status, TestGroup, Group string
	Support, Detail                        string
}

// icsView is the page's statement: the stored one, or the one a refused
// form sent.
type icsView struct {
	Product  standard.ICSProduct
	Keys     []icsKey
	Rows     []icsRow
	Answered int
}

// maxICSField bounds one field of the form; the statement as a whole is
// bounded by standard.MaxICSSize.
const maxICSField = 8 << 10

// icsPage shows the release's ICS: to the vendor that owns the product
// (or an administrator) as the form to state or update it, to anyone else
// who may read the release as a table.
func (w *Workspace) icsPage(rw http.ResponseWriter, r *request) error {
	rel, grant, err := w.releaseOf(r, party.ActReadRelease)
	if err != nil {
		return err
	}
	if w.b.ICSCatalog == nil || w.b.ICS == nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre keeps no conformance statements")
	}
	cat, err := w.b.ICSCatalog(r.Context())
	if err != nil {
		return err
	}
	ics, stored, err := w.b.ICS(r.Context(), rel)
	if err != nil {
		return err
	}
	if ics != nil {
		cat = stored
		file, _, err := server.ICSFile(ics)
		if err != nil {
			return err
		}
		if err := w.b.RecordRead(r.Context(), r.p, grant, rel, server.ICSKind, file); err != nil {
			return err
		}
	}
	return w.renderICS(rw, r, http.StatusOK, rel, cat, ics, "")
}

// renderICS shows the page for ics (nil: none yet), with the problem of a
// refused form if any.
func (w *Workspace) renderICS(rw http.ResponseWriter, r *request, status int, rel *glassbox.Release, cat *standard.Catalog, ics *standard.ICS, problem string) error {
	_, declareErr := w.authorize(r, party.ActDeclare, rel)
	data := map[string]any{
		"Title":   "ICS · " + rel.Manifest.Product + " " + rel.Manifest.Version,
		"Release": rel, "Catalog": cat, "MayDeclare": declareErr == nil, "Problem": problem,
		"View": viewICS(cat, ics), "Of": len(cat.Leaves()),
	}
	if ics != nil && problem == "" {
		data["Stored"] = ics.Digest
	}
	return w.render(rw, r, status, "ics", data)
}

// viewICS lays out ics (nil: a fresh form, every condition and feature
// held, as the template starts) over the catalog's provisions.
func viewICS(cat *standard.Catalog, ics *standard.ICS) icsView {
	var v icsView
	if ics != nil {
		v.Product = ics.Product
	}
	for _, k := range slices.SortedFunc(maps.Keys(cat.Keys), standard.CompareKeys) {
		has := true
		if ics != nil {
			has = ics.Features[k]
		}
		v.Keys = append(v.Keys, icsKey{Key: k, Definition: cat.Keys[k], Has: has})
	}
	for _, ctl := range cat.Leaves() {
		row := icsRow{Label: ctl.Label, Title: ctl.Title, TestGroup: ctl.TestGroup, Group: ctl.Group}
		if ctl.Provision != nil {
			row.Status = ctl.Provision.Status
		}
		if a, ok := ics.Answer(ctl); ok {
			row.Support, row.Detail = string(a.Support), a.Detail
			v.Answered++
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

// submitICS builds the statement from the form and submits it through the
// centre's job; a refusal shows the form again with the message and what
// was entered, and nothing is stored.
func (w *Workspace) submitICS(rw http.ResponseWriter, r *request) error {
	rel, _, err := w.releaseOf(r, party.ActDeclare)
	if err != nil {
		return err
	}
	if w.b.ICSCatalog == nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre keeps no conformance statements")
	}
	cat, err := w.b.ICSCatalog(r.Context())
	if err != nil {
		return err
	}
	ics, err := icsFromForm(r.PostForm, cat)
	if err == nil {
		var body []byte
		if body, err = json.Marshal(ics); err != nil {
			return glassbox.Errorf(glassbox.EINTERNAL, "encode the ICS: %w", err)
		}
		_, _, err = w.b.StoreICS(r.Context(), r.p, rel, "the form", body)
	}
	if glassbox.ErrorCode(err) == glassbox.EINVALID {
		return w.renderICS(rw, r, http.StatusBadRequest, rel, cat, ics, err.Error())
	}
	if err != nil {
		return err
	}
	http.Redirect(rw, r.Request, "/ui/releases/"+string(rel.ID)+"?ics=stored", http.StatusSeeOther)
	return nil
}

// icsFromForm reads the statement the form sent: every condition and
// feature is declared, checked or not, and every provision with an answer
// is answered. It returns what it read even when the form is refused, so
// that the page shows it again.
func icsFromForm(f url.Values, cat *standard.Catalog) (*standard.ICS, error) {
	field := func(name string) string { return strings.TrimSpace(f.Get(name)) }
	s := &standard.ICS{
		Standard: cat.ID,
		Product: standard.ICSProduct{
			Name: field("name"), Model: field("model"), Description: field("description"), IntendedUse: field("intended-use"),
			Manufacturer:    standard.ICSManufacturer{Name: field("manufacturer-name"), Address: field("manufacturer-address"), Contact: field("manufacturer-contact")},
			SupportUntil:    field("support-until"),
			SecurityContact: field("security-contact"),
		},
		Features:   map[string]bool{},
		Provisions: map[string]standard.ICSAnswer{},
	}
	var problem error
	for k := range cat.Keys {
		s.Features[k] = false
	}
	for _, k := range f["feature"] {
		if _, ok := cat.Keys[k]; ok {
			s.Features[k] = true
		}
	}
	for name, v := range f {
		if len(v) > 0 && len(v[0]) > maxICSField && problem == nil {
			problem = glassbox.Errorf(glassbox.EINVALID, "the form: %s is over %d bytes; say it shorter", name, maxICSField)
		}
	}
	for _, ctl := range cat.Leaves() {
		support, detail := field("support-"+ctl.Label), field("detail-"+ctl.Label)
		switch {
		case support != "":
			s.Provisions[ctl.Label] = standard.ICSAnswer{Support: standard.ICSSupport(support), Detail: detail}
		case detail != "" && problem == nil:
			problem = glassbox.Errorf(glassbox.EINVALID, "the form: provision %s has a detail but no answer; choose yes, no or not-applicable", ctl.Label)
		}
	}
	if problem != nil {
		return s, problem
	}
	return s, nil
}

// icsSummary is the release page's line about the statement.
type icsSummary struct {
	Digest       glassbox.Digest
	Answered, Of int
	Problem      string
}

// icsSummaryOf says whether rel has an ICS and how much of it is
// answered; its content is not shown, so the read is not recorded.
func (w *Workspace) icsSummaryOf(r *request, rel *glassbox.Release) *icsSummary {
	if w.b.ICS == nil {
		return nil
	}
	ics, cat, err := w.b.ICS(r.Context(), rel)
	switch {
	case err != nil:
		_, msg := w.failure(r, err)
		return &icsSummary{Problem: msg}
	case ics == nil:
		return &icsSummary{}
	}
	out := &icsSummary{Digest: ics.Digest, Answered: len(ics.Provisions)}
	if cat != nil {
		out.Of = len(cat.Leaves())
	}
	return out
}

// icsNotice is what the release page says after the vendor's form stored
// the statement.
func icsNotice(s *icsSummary) string {
	if s == nil || s.Digest == "" {
		return ""
	}
	return fmt.Sprintf("The ICS is stored as %s: %d of %d provisions answered. The next evaluation weighs it.", s.Digest, s.Answered, s.Of)
}
