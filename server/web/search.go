package web

import (
	"html/template"
	"net/http"

	"glassbox.dev/party"
	"glassbox.dev/server"
)

// search shows the lines of the release's source that contain ?q=, once
// they are on the access record (Backend.Search).
func (w *Workspace) search(rw http.ResponseWriter, r *request) error {
	rel, grant, err := w.releaseOf(r, party.ActReadRelease)
	if err != nil {
		return err
	}
	q := server.SearchQuery{Text: r.URL.Query().Get("q"), CaseSensitive: r.URL.Query().Get("case") == "1"}
	data := map[string]any{"Title": "Search · " + rel.Manifest.Product + " " + rel.Manifest.Version, "Release": rel, "Query": q.Text, "CaseSensitive": q.CaseSensitive}
	if q.Text == "" {
		return w.render(rw, r, http.StatusOK, "search", data)
	}
	res, err := w.b.Search(r.Context(), r.p, grant, rel, q)
	if err != nil {
		return err
	}
	data["Result"] = res
	return w.render(rw, r, http.StatusOK, "search", data)
}

// hit is a matching line with its match marked.
func hit(m server.SearchMatch) template.HTML {
	esc := template.HTMLEscapeString
	if m.Start < 0 || m.End > len(m.Text) || m.Start > m.End {
		return template.HTML(esc(m.Text))
	}
	return template.HTML(esc(m.Text[:m.Start]) + "<mark>" + esc(m.Text[m.Start:m.End]) + "</mark>" + esc(m.Text[m.End:]))
}
