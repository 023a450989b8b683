package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"glassbox.dev"
	"glassbox.dev/access"
	"glassbox.dev/evaluate"
	"glassbox.dev/party"
	"glassbox.dev/provenance"
	"glassbox.dev/review"
	"glassbox.dev/server"
)

var funcs = template.FuncMap{
	"short": func(d glassbox.Digest) string {
		h := d.Hex()
		if len(h) > 12 {
			return h[:12]
		}
		return h
	},
	"when":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"hit":   hit,
	"lower": strings.ToLower,
}

func (w *Workspace) signInPage(rw http.ResponseWriter, r *request) error {
	if r.p != nil {
		http.Redirect(rw, r.Request, "/ui/", http.StatusSeeOther)
		return nil
	}
	return w.signInForm(rw, r, http.StatusOK, "")
}

// signInForm shows the form with its token in a cookie: the browser's
// token if it has one, so that a second tab does not make the first's
// form (or passkey confirmation) stale.
func (w *Workspace) signInForm(rw http.ResponseWriter, r *request, status int, problem string) error {
	tok := newToken()
	if c, err := r.Cookie(preCSRF); err == nil && len(c.Value) == len(tok) {
		tok = c.Value
	}
	http.SetCookie(rw, &http.Cookie{Name: preCSRF, Value: tok, Path: "/ui/signin", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	return w.render(rw, r, status, "signin", map[string]any{"Title": "Sign in", "CSRF": tok, "Next": safeNext(r.FormValue("next")), "Problem": problem,
		"Passkeys": w.passkeysUsable(r)})
}

// safeNext keeps a page to go to after signing in only if it is one of
// the workspace's own.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/ui/") || strings.Contains(next, "\\") || strings.HasPrefix(next, "//") {
		return "/ui/"
	}
	return next
}

func (w *Workspace) signIn(rw http.ResponseWriter, r *request) error {
	user, pw := strings.TrimSpace(r.PostFormValue("user")), r.PostFormValue("password")
	done, err := w.parties.SignIn(r.Context(), w.relyingParty(r), user, pw)
	if code := glassbox.ErrorCode(err); code == glassbox.EUNAUTHENTICATED || code == glassbox.EUNAVAILABLE {
		return w.signInForm(rw, r, server.Status(err), err.Error())
	}
	if err != nil {
		return err
	}
	next := safeNext(r.PostFormValue("next"))
	if done.Confirm != nil {
		// The password was right; one of the user's passkeys must confirm.
		w.setCeremony(rw, r, done.Confirm.Secret)
		return w.render(rw, r, http.StatusOK, "confirm", map[string]any{"Title": "Confirm with your passkey",
			"CSRF": r.PostFormValue("csrf"), "Next": next, "Options": template.JS(done.Confirm.Options)})
	}
	w.startSession(rw, r, done.Secret)
	http.Redirect(rw, r.Request, next, http.StatusSeeOther)
	return nil
}

func (w *Workspace) signOut(rw http.ResponseWriter, r *request) error {
	if err := w.parties.SignOut(r.Context(), r.secret); err != nil {
		return err
	}
	http.SetCookie(rw, &http.Cookie{Name: cookieName(r.Request), Value: "", Path: "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(rw, r.Request, "/ui/signin", http.StatusSeeOther)
	return nil
}

// runningJob is a job not ended, on the dashboard.
type runningJob struct {
	Release *glassbox.Release
	Job     *server.Job
}

// openReview is a differential review with changed files not yet marked
// reviewed.
type openReview struct {
	Release, Base        *glassbox.Release
	FilesReviewed, Files int
}

// openReviews lists the reviews of rels not finished: each release with
// an earlier one of its product among rels, whose changed files (from the
// manifests) are not all marked reviewed. Lines are not counted here,
// which would mean reading and diffing every changed file.
func (w *Workspace) openReviews(r *request, rels []*glassbox.Release) ([]openReview, error) {
	marks, ok := w.b.Releases.(glassbox.ReviewStore)
	if !ok || w.b.Reviews == nil {
		return nil, nil
	}
	var out []openReview
	for _, rel := range rels {
		base := review.PreviousIn(rels, rel)
		if base == nil {
			continue
		}
		changes := review.Changes(rel, base)
		if len(changes) == 0 {
			continue
		}
		ms, err := marks.FindReviewMarks(r.Context(), rel.ID, base.ID)
		if err != nil {
			return nil, err
		}
		marked := map[string]bool{}
		for _, m := range ms {
			marked[m.Path] = true
		}
		o := openReview{Release: rel, Base: base, Files: len(changes)}
		for _, c := range changes {
			if marked[c.Path] {
				o.FilesReviewed++
			}
		}
		if o.FilesReviewed < o.Files {
			out = append(out, o)
		}
	}
	return out, nil
}

// releaseRow is a release as the lists show it.
type releaseRow struct {
	Release *glassbox.Release
	Verdict string
}

func (w *Workspace) dashboard(rw http.ResponseWriter, r *request) error {
	rels, err := server.VisibleReleases(r.Context(), w.b.Releases, w.parties, r.p, glassbox.ReleaseFilter{Limit: 200})
	if err != nil {
		return err
	}
	rows := make([]releaseRow, 0, len(rels))
	for _, rel := range rels {
		row := releaseRow{Release: rel, Verdict: "not evaluated"}
		if rec := w.latestEvaluation(r, rel); rec != nil {
			row.Verdict = string(rec.Verdict)
		}
		rows = append(rows, row)
	}
	heading := map[glassbox.Role]string{
		glassbox.RoleEvaluator: "Releases granted to " + r.p.Org.Name,
		glassbox.RoleVendor:    r.p.Org.Name + "'s releases",
	}[r.p.User.Role]
	if heading == "" {
		heading = "All releases"
	}
	data := map[string]any{"Title": "Dashboard", "Heading": heading, "Releases": rows}
	// The jobs running on the releases the caller sees.
	if w.b.Jobs != nil {
		var running []runningJob
		for _, rel := range rels {
			jobs, err := w.b.Jobs.List(r.Context(), rel)
			if err != nil {
				return err
			}
			for _, j := range jobs {
				if !j.Ended() {
					running = append(running, runningJob{Release: rel, Job: j})
				}
			}
		}
		data["Running"] = running
	}
	// The differential reviews not finished, for an evaluator: each
	// release against the one before it, by changed files marked.
	if r.p.User.Role == glassbox.RoleEvaluator {
		reviews, err := w.openReviews(r, rels)
		if err != nil {
			return err
		}
		data["Reviews"] = reviews
	}
	// Grants: a vendor's to evaluators, an evaluator's from vendors, all
	// for the centre's staff; the policy says which.
	if gs, err := w.parties.ListGrants(r.Context(), r.p); err == nil {
		now := w.Now()
		var active []*glassbox.Grant
		for _, g := range gs {
			if g.Active(now) {
				active = append(active, g)
			}
		}
		data["Grants"] = active
	}
	// The centre's parties, for its administrators and auditors.
	if r.p.User.Role == glassbox.RoleAdmin || r.p.User.Role == glassbox.RoleAuditor {
		orgs, err := w.parties.ListOrgs(r.Context(), r.p)
		if err != nil {
			return err
		}
		users, err := w.parties.ListUsers(r.Context(), r.p, "")
		if err != nil {
			return err
		}
		tokens, err := w.parties.ListTokens(r.Context(), r.p, "")
		if err != nil {
			return err
		}
		data["Orgs"], data["Users"], data["Tokens"] = orgs, users, tokens
	}
	return w.render(rw, r, http.StatusOK, "dashboard", data)
}

// latestEvaluation returns rel's newest evaluation record, or nil.
func (w *Workspace) latestEvaluation(r *request, rel *glassbox.Release) *evaluate.Record {
	latest, _ := w.evaluations(r, rel)
	return latest
}

// evaluations returns rel's newest evaluation record, or nil, and the
// earlier ones, newest first: the verdicts it superseded.
func (w *Workspace) evaluations(r *request, rel *glassbox.Release) (*evaluate.Record, []evaluate.Record) {
	if w.b.Evaluations == nil {
		return nil, nil
	}
	recs, err := w.b.Evaluations(r.Context(), rel)
	if err != nil || len(recs) == 0 {
		return nil, nil
	}
	earlier := slices.Clone(recs[:len(recs)-1])
	slices.Reverse(earlier)
	return &recs[len(recs)-1], earlier
}

// releaseOf resolves the page's release and decides p's read of it.
func (w *Workspace) releaseOf(r *request, act party.Action) (*glassbox.Release, string, error) {
	// As the API: a release of a product the caller has no part in looks
	// as one that does not exist.
	hidden := glassbox.Errorf(glassbox.ENOTFOUND, "there is no release %q you may see", r.PathValue("release"))
	rel, err := w.b.Resolve(r.Context(), r.PathValue("release"))
	if glassbox.ErrorCode(err) == glassbox.ENOTFOUND {
		return nil, "", hidden
	}
	if err != nil {
		return nil, "", err
	}
	grant, err := w.authorize(r, act, rel)
	if glassbox.ErrorCode(err) == glassbox.EFORBIDDEN && !server.Related(r.Context(), w.parties, r.p, rel.Manifest.Product) {
		return nil, "", hidden
	}
	if err != nil {
		return nil, "", err
	}
	return rel, grant, nil
}

func (w *Workspace) release(rw http.ResponseWriter, r *request) error {
	rel, _, err := w.releaseOf(r, party.ActReadRelease)
	if err != nil {
		return err
	}
	var jobs []*server.Job
	var progress []server.JobEvent
	refresh := 0
	if w.b.Jobs != nil {
		jobs, _ = w.b.Jobs.List(r.Context(), rel)
		for _, j := range jobs {
			if !j.Ended() {
				// Without script, the page follows a running job by
				// reloading itself.
				refresh = 3
				if progress == nil {
					progress, _ = w.b.Jobs.Events(r.Context(), j.ID, 0)
				}
			}
		}
	}
	_, evalErr := w.authorize(r, party.ActEvaluate, rel)
	_, accessErr := w.authorize(r, party.ActReadAccessRecord, rel)
	var standards []string
	if w.Standards != nil && w.Catalog != nil {
		if standards, err = w.Standards(r.Context()); err != nil {
			return err
		}
	}
	var docs []map[string]string
	if w.b.Evidence != nil {
		for _, d := range downloads {
			if _, err := w.b.Evidence(r.Context(), rel, d.Kind); err == nil {
				docs = append(docs, map[string]string{"Kind": d.Kind, "Title": d.Title})
			}
		}
	}
	latest, earlier := w.evaluations(r, rel)
	_, declareErr := w.authorize(r, party.ActDeclare, rel)
	ics := w.icsSummaryOf(r, rel)
	notice := ""
	if r.URL.Query().Get("ics") == "stored" {
		notice = icsNotice(ics)
	}
	return w.render(rw, r, http.StatusOK, "release", map[string]any{"Standards": standards, "Downloads": docs, "Refresh": refresh, "Progress": progress,
		"MayEvaluate": evalErr == nil && w.b.Jobs != nil,
		"ICS":         ics, "MayDeclare": declareErr == nil, "Notice": notice,
		"Title": rel.Manifest.Product + " " + rel.Manifest.Version, "Release": rel, "Evaluation": latest, "Earlier": earlier,
		"Jobs": jobs, "Tree": tree(rel, ""), "MayReadAccess": accessErr == nil,
	})
}

// entry is one line of a directory listing.
type entry struct {
	Name, Path string
	Dir        bool
	File       *glassbox.File
	// Git says how the file differs from the git commit the release
	// claims to come from ("" when it does not, or there is no claim).
	Git string
}

// gitMarks compares rel's source with the git commit it claims to come
// from (the manifest's own file lists: nothing confidential is read) and
// says, by release path, what only the archive has or has otherwise: where
// the xz-utils backdoor hid.
func gitMarks(rel *glassbox.Release) map[string]string {
	src := &rel.Manifest.Source
	if src.Git == nil {
		return nil
	}
	rep, err := provenance.Check(src)
	if err != nil {
		return nil
	}
	marks := map[string]string{}
	for _, f := range rep.Findings {
		switch f.Change {
		case provenance.Added:
			marks[rep.Prefix+f.Path] = "only in the release archive, not in git " + rep.Ref
		case provenance.Changed:
			marks[rep.Prefix+f.Path] = "differs from git " + rep.Ref
		}
	}
	return marks
}

// tree lists the directory dir ("" for the root) of rel's source.
func tree(rel *glassbox.Release, dir string) []entry {
	marks := gitMarks(rel)
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	seen := map[string]bool{}
	var out []entry
	for i := range rel.Manifest.Source.Files {
		f := &rel.Manifest.Source.Files[i]
		if !strings.HasPrefix(f.Path, prefix) {
			continue
		}
		rest := f.Path[len(prefix):]
		if name, _, isDir := strings.Cut(rest, "/"); isDir {
			if !seen[name] {
				seen[name] = true
				out = append(out, entry{Name: name + "/", Path: prefix + name, Dir: true})
			}
			if marks[f.Path] != "" {
				for i := range out {
					if out[i].Dir && out[i].Path == prefix+name {
						out[i].Git = "holds files that are not as in git"
					}
				}
			}
		} else {
			out = append(out, entry{Name: rest, Path: f.Path, File: f, Git: marks[f.Path]})
		}
	}
	// Directories first, each group in path order (the manifest's).
	dirs, files := []entry{}, []entry{}
	for _, e := range out {
		if e.Dir {
			dirs = append(dirs, e)
		} else {
			files = append(files, e)
		}
	}
	return append(dirs, files...)
}

// crumbs are the links from the root to p.
type crumb struct{ Name, Path string }

func crumbs(p string) []crumb {
	var out []crumb
	for i, part := range strings.Split(p, "/") {
		if part == "" {
			continue
		}
		prev := ""
		if i > 0 && len(out) > 0 {
			prev = out[len(out)-1].Path + "/"
		}
		out = append(out, crumb{Name: part, Path: prev + part})
	}
	return out
}

func (w *Workspace) access(rw http.ResponseWriter, r *request) error {
	rel, _, err := w.releaseOf(r, party.ActReadAccessRecord)
	if err != nil {
		return err
	}
	entries, err := w.b.AccessEntries(r.Context(), rel)
	if err != nil {
		return err
	}
	type read struct {
		Index     uint64
		At        time.Time
		Who, Kind string
		Grant     string
		Paths     []string
		Envelope  glassbox.Digest
	}
	var reads []read
	for _, e := range entries {
		var a access.Predicate
		b, err := json.Marshal(e.Access)
		if err == nil {
			err = json.Unmarshal(b, &a)
		}
		if err != nil {
			return glassbox.Errorf(glassbox.EINTERNAL, "access record entry %d: %w", e.LogIndex, err)
		}
		rd := read{Index: e.LogIndex, At: a.TimeRead, Who: a.Reader.User + " of " + a.Reader.OrgName, Kind: string(a.Kind), Grant: a.Grant, Envelope: e.EnvelopeDigest}
		for _, p := range a.Paths {
			rd.Paths = append(rd.Paths, p.Path)
		}
		reads = append(reads, rd)
	}
	return w.render(rw, r, http.StatusOK, "access", map[string]any{"Title": "Who read " + rel.Manifest.Product + " " + rel.Manifest.Version, "Release": rel, "Reads": reads})
}

// accessReceipt serves one entry of the access record with its proof: the
// signed statement, its inclusion proof and the checkpoint it is in, as API
// v1's access record gives each entry, for the vendor to keep or check.
func (w *Workspace) accessReceipt(rw http.ResponseWriter, r *request) error {
	rel, _, err := w.releaseOf(r, party.ActReadAccessRecord)
	if err != nil {
		return err
	}
	index, err := strconv.ParseUint(r.PathValue("index"), 10, 64)
	if err != nil {
		return glassbox.Errorf(glassbox.ENOTFOUND, "there is no access record entry %q", r.PathValue("index"))
	}
	entries, err := w.b.AccessEntries(r.Context(), rel)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.LogIndex == index {
			rw.Header().Set("Content-Type", "application/json")
			rw.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="access-%d.json"`, index))
			rw.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
			enc := json.NewEncoder(rw)
			enc.SetIndent("", "  ")
			return enc.Encode(e)
		}
	}
	return glassbox.Errorf(glassbox.ENOTFOUND, "the access record of %s@%s has no entry at log index %d", rel.Manifest.Product, rel.Manifest.Version, index)
}

// parent is the directory of p ("" at the root).
func parent(p string) string {
	d := path.Dir(p)
	if d == "." {
		return ""
	}
	return d
}

// evaluate queues an evaluation of the release against the standards the
// form names, and returns to the release, which follows the job.
func (w *Workspace) evaluate(rw http.ResponseWriter, r *request) error {
	rel, _, err := w.releaseOf(r, party.ActEvaluate)
	if err != nil {
		return err
	}
	if w.b.Jobs == nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre runs no jobs")
	}
	standards := r.PostForm["standard"]
	if len(standards) == 0 {
		return glassbox.Errorf(glassbox.EINVALID, "choose at least one standard to evaluate against")
	}
	if _, err := w.b.Jobs.Enqueue(r.Context(), r.p, rel, "evaluate", server.EvaluateRequest{Standards: standards}); err != nil && glassbox.ErrorCode(err) != glassbox.ECONFLICT {
		return err
	}
	http.Redirect(rw, r.Request, "/ui/releases/"+string(rel.ID), http.StatusSeeOther)
	return nil
}

// download serves one of the documents the centre keeps about the release
// (server.EvidenceKinds: the report, OSCAL, SARIF, CycloneDX, …) as a
// file, once the read is on the access record, as the API does.
func (w *Workspace) download(rw http.ResponseWriter, r *request) error {
	rel, grant, err := w.releaseOf(r, party.ActReadRelease)
	if err != nil {
		return err
	}
	kind := r.PathValue("kind")
	k, ok := server.EvidenceKinds[kind]
	if !ok || w.b.Evidence == nil {
		return glassbox.Errorf(glassbox.ENOTFOUND, "there is no document %q of a release", kind)
	}
	d, err := w.b.Evidence(r.Context(), rel, kind)
	if err != nil {
		return err
	}
	size, err := w.b.Blobs.Stat(r.Context(), d)
	if err != nil {
		return err
	}
	name := strings.ReplaceAll(kind, "/", "-")
	rc, err := w.b.ReadRecorded(r.Context(), r.p, grant, rel, k.Read, glassbox.File{Path: name, Size: size, Digest: d})
	if err != nil {
		return err
	}
	defer rc.Close()
	h := rw.Header()
	h.Set("Content-Type", k.MediaType)
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	_, err = io.Copy(rw, rc)
	return err
}

// downloads are the documents the release page offers, in this order.
var downloads = []struct{ Kind, Title string }{
	{"evaluation/report", "report (HTML)"},
	{"evaluation/oscal", "OSCAL assessment results"},
	{"scan/sarif", "findings (SARIF)"},
	{"sbom/cyclonedx", "SBOM (CycloneDX)"},
	{"vulns/cyclonedx-vex", "vulnerabilities (CycloneDX VEX)"},
	{"vulns/sarif", "vulnerabilities (SARIF)"},
	{"rebuild/report", "rebuild report"},
	{"provenance/report", "provenance report"},
}
