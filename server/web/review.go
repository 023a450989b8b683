package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"glassbox.dev"
	"glassbox.dev/party"
	"glassbox.dev/review"
	"glassbox.dev/server"
)

// reviewOf resolves the page's release and the base it is reviewed
// against: the base named in the query, or the newest earlier release of
// the product the caller may read. A nil base means there is none.
func (w *Workspace) reviewOf(r *request, act party.Action) (rel, base *glassbox.Release, grant string, err error) {
	rel, grant, err = w.releaseOf(r, act)
	if err != nil {
		return nil, nil, "", err
	}
	base, err = w.b.ReviewBase(r.Context(), rel, r.FormValue("base"))
	if err != nil {
		return nil, nil, "", err
	}
	return rel, base, grant, nil
}

func (w *Workspace) review(rw http.ResponseWriter, r *request) error {
	rel, base, _, err := w.reviewOf(r, party.ActReadRelease)
	if err != nil {
		return err
	}
	data := map[string]any{"Title": "Review of " + rel.Manifest.Product + " " + rel.Manifest.Version, "Release": rel, "Base": base}
	if base != nil {
		rev, err := w.b.Reviews.Review(r.Context(), rel, base)
		if err != nil {
			return err
		}
		data["Review"] = rev
		data["Coverage"] = fmt.Sprintf("%.1f %%", 100*rev.Coverage())
	}
	return w.render(rw, r, http.StatusOK, "review", data)
}

// diffRow is one line of a diff view.
type diffRow struct {
	Old, New int    // line numbers, 0 where the side has none
	Kind     string // "ctx", "del", "add", "gap"
	Text     string
}

// diffContext is how many unchanged lines a diff view shows around a change.
const diffContext = 3

func diffRows(d *review.FileDiff) []diffRow {
	var rows []diffRow
	next := 0 // the first line of Old not shown yet
	for i, h := range d.Hunks {
		from := max(next, h.A0-diffContext)
		if from > next && i > 0 || from > 0 && i == 0 {
			rows = append(rows, diffRow{Kind: "gap"})
		}
		for a := from; a < h.A0; a++ {
			rows = append(rows, diffRow{Old: a + 1, New: a - h.A0 + h.B0 + 1, Kind: "ctx", Text: d.Old[a]})
		}
		for a := h.A0; a < h.A1; a++ {
			rows = append(rows, diffRow{Old: a + 1, Kind: "del", Text: d.Old[a]})
		}
		for b := h.B0; b < h.B1; b++ {
			rows = append(rows, diffRow{New: b + 1, Kind: "add", Text: d.New[b]})
		}
		end := h.A1 + diffContext
		if i+1 < len(d.Hunks) {
			end = min(end, d.Hunks[i+1].A0)
		}
		end = min(end, len(d.Old))
		for a := h.A1; a < end; a++ {
			rows = append(rows, diffRow{Old: a + 1, New: a - h.A1 + h.B1 + 1, Kind: "ctx", Text: d.Old[a]})
		}
		next = end
	}
	if next < len(d.Old) && len(d.Hunks) > 0 {
		rows = append(rows, diffRow{Kind: "gap"})
	}
	for i := range rows {
		rows[i].Text = strings.TrimRight(rows[i].Text, "\n")
	}
	return rows
}

// reviewDiff shows the changes to one file, once the read is on the
// access record (kind diff, the digest of the diff shown), with the form
// to mark it reviewed.
func (w *Workspace) reviewDiff(rw http.ResponseWriter, r *request) error {
	rel, base, grant, err := w.reviewOf(r, party.ActReadRelease)
	if err != nil {
		return err
	}
	if base == nil {
		return glassbox.Errorf(glassbox.ENOTFOUND, "%s has no earlier release to compare with", rel.Manifest.Product)
	}
	path := r.PathValue("path")
	a, b := base.Manifest.SourceFile(path), rel.Manifest.SourceFile(path)
	if a == nil && b == nil {
		return glassbox.Errorf(glassbox.ENOTFOUND, "neither release has %q", path)
	}
	d, err := w.b.Reviews.FileDiff(r.Context(), a, b)
	if err != nil {
		return err
	}
	data := map[string]any{"Title": path + " · review", "Release": rel, "Base": base, "Path": path}
	if d != nil {
		rows := diffRows(d)
		var text strings.Builder
		for _, row := range rows {
			fmt.Fprintf(&text, "%d %d %s %s\n", row.Old, row.New, row.Kind, row.Text)
		}
		shown := glassbox.File{Path: path, Size: int64(text.Len()), Digest: glassbox.DigestOf([]byte(text.String()))}
		if err := w.b.RecordRead(r.Context(), r.p, grant, rel, "diff", shown); err != nil {
			return err
		}
		data["Rows"] = rows
	} else {
		data["Notice"] = "not compared line by line (not text, a link, or over 4 MiB); it counts as one changed line"
	}
	mark, err := w.b.Reviews.ReviewMark(r.Context(), rel, base, path)
	if err != nil {
		return err
	}
	data["Mark"] = mark
	_, judgeErr := w.authorize(r, party.ActJudge, rel)
	data["MayMark"] = judgeErr == nil
	return w.render(rw, r, http.StatusOK, "diff", data)
}

// markReviewed records the signed-in evaluator's review of one file.
func (w *Workspace) markReviewed(rw http.ResponseWriter, r *request) error {
	rel, base, _, err := w.reviewOf(r, party.ActJudge)
	if err != nil {
		return err
	}
	if base == nil {
		return glassbox.Errorf(glassbox.ENOTFOUND, "%s has no earlier release to compare with", rel.Manifest.Product)
	}
	path := r.PostFormValue("path")
	if _, err := w.b.Reviews.MarkReviewed(r.Context(), rel, base, server.Evaluator(r.p), path); err != nil {
		return err
	}
	http.Redirect(rw, r.Request, "/ui/releases/"+string(rel.ID)+"/review?base="+url.QueryEscape(string(base.ID)), http.StatusSeeOther)
	return nil
}
