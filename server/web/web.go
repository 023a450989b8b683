// Package web is the centre's workspace: the pages evaluators, vendors and
// administrators use in a browser, served by 'glassbox serve' beside API
// v1 and built on the same backend, policy and access record. A page that
// shows confidential content (a source file) is rendered only once the
// read is on the access record, as the API's downloads are.
//
// The pages are Go templates, embedded with their stylesheet: nothing is
// fetched from elsewhere, and they read without JavaScript. Every response
// carries a Content-Security-Policy that allows no inline script or style,
// and every form carries its session's CSRF token.
package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"glassbox.dev"
	"glassbox.dev/party"
	"glassbox.dev/server"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Parties is what the workspace needs of package party: sessions and the
// policy.
type Parties interface {
	server.Authority
	SignIn(ctx context.Context, rp *party.RelyingParty, user, password string) (*party.SignedIn, error)
	BeginPasskeySignIn(ctx context.Context, rp *party.RelyingParty) (party.Ceremony, error)
	FinishPasskeySignIn(ctx context.Context, rp *party.RelyingParty, secret string, answer []byte) (*party.SignedIn, error)
	BeginPasskey(ctx context.Context, p *glassbox.Principal, rp *party.RelyingParty) (party.Ceremony, error)
	FinishPasskey(ctx context.Context, p *glassbox.Principal, rp *party.RelyingParty, secret, name string, answer []byte) (*glassbox.Passkey, error)
	Passkeys(ctx context.Context, p *glassbox.Principal, user string) ([]*glassbox.Passkey, error)
	RemovePasskey(ctx context.Context, p *glassbox.Principal, user, id string) error
	Session(ctx context.Context, secret string) (*glassbox.Principal, *glassbox.Session, error)
	SignOut(ctx context.Context, secret string) error
	ListGrants(ctx context.Context, p *glassbox.Principal) ([]*glassbox.Grant, error)
	ListOrgs(ctx context.Context, p *glassbox.Principal) ([]*glassbox.Organisation, error)
	ListUsers(ctx context.Context, p *glassbox.Principal, org string) ([]*glassbox.User, error)
	ListTokens(ctx context.Context, p *glassbox.Principal, user string) ([]*glassbox.Token, error)
}

// Workspace serves the pages.
type Workspace struct {
	b       *server.Backend
	parties Parties
	pages   map[string]*template.Template
	// Catalog describes a standard for the worksheets; nil leaves them out.
	Catalog Catalog
	// Standards lists the standards a release can be judged against.
	Standards func(context.Context) ([]string, error)
	// Origin is the workspace's public origin (https://centre.example),
	// which passkeys are bound to; without it, passkeys work only when the
	// workspace is opened at http://localhost.
	Origin string
	// Now is the clock of the pages (times shown, cookie expiry).
	Now func() time.Time
}

// New returns the workspace over the API's backend.
func New(b *server.Backend, parties Parties) (*Workspace, error) {
	w := &Workspace{b: b, parties: parties, pages: map[string]*template.Template{}, Now: time.Now}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue // the frame, and the partials every page may use
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/_*.html", n)
		if err != nil {
			return nil, err
		}
		w.pages[base] = t
	}
	return w, nil
}

// Mount adds the workspace's routes to mux: the pages under /ui/, and /
// sends a browser there.
func (w *Workspace) Mount(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFiles, "static")
	files := http.StripPrefix("/ui/static/", http.FileServerFS(static))
	mux.Handle("GET /ui/static/", headers(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(rw, r)
	})))
	mux.Handle("GET /ui/highlight.css", headers(http.HandlerFunc(highlightCSS)))
	mux.Handle("GET /{$}", headers(http.RedirectHandler("/ui/", http.StatusSeeOther)))
	mux.Handle("GET /ui/signin", w.page(false, w.signInPage))
	mux.Handle("POST /ui/signin", w.page(false, w.signIn))
	mux.Handle("POST /ui/signin/passkey", w.page(false, w.beginSignIn))
	mux.Handle("POST /ui/signin/passkey/finish", w.page(false, w.finishSignIn))
	mux.Handle("POST /ui/signout", w.page(true, w.signOut))
	mux.Handle("GET /ui/account", w.page(true, w.account))
	mux.Handle("POST /ui/account/passkeys/begin", w.page(true, w.beginPasskey))
	mux.Handle("POST /ui/account/passkeys/finish", w.page(true, w.finishPasskey))
	mux.Handle("POST /ui/account/passkeys/remove", w.page(true, w.removePasskey))
	mux.Handle("GET /ui/{$}", w.page(true, w.dashboard))
	mux.Handle("GET /ui/releases/{release}", w.page(true, w.release))
	mux.Handle("GET /ui/releases/{release}/source/{path...}", w.page(true, w.source))
	mux.Handle("GET /ui/releases/{release}/search", w.page(true, w.search))
	mux.Handle("GET /ui/access/{release}", w.page(true, w.access))
	mux.Handle("GET /ui/access/{release}/receipts/{index}", w.page(true, w.accessReceipt))
	mux.Handle("GET /ui/releases/{release}/documents/{kind...}", w.page(true, w.download))
	mux.Handle("GET /ui/releases/{release}/worksheet/{standard}", w.page(true, w.worksheet))
	mux.Handle("POST /ui/releases/{release}/judgements", w.page(true, w.judge))
	mux.Handle("GET /ui/releases/{release}/ics", w.page(true, w.icsPage))
	mux.Handle("POST /ui/releases/{release}/ics", w.page(true, w.submitICS))
	mux.Handle("POST /ui/releases/{release}/triage", w.page(true, w.triage))
	mux.Handle("POST /ui/releases/{release}/evaluations", w.page(true, w.evaluate))
	mux.Handle("GET /ui/releases/{release}/review", w.page(true, w.review))
	mux.Handle("GET /ui/releases/{release}/review/diff/{path...}", w.page(true, w.reviewDiff))
	mux.Handle("POST /ui/releases/{release}/review", w.page(true, w.markReviewed))
}

// headers sets the security headers every response of the workspace
// carries.
func headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		hd := rw.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if r.TLS != nil {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.ServeHTTP(rw, r)
	})
}

// request is one page request: who asks, in which session.
type request struct {
	*http.Request
	p       *glassbox.Principal
	session *glassbox.Session
	secret  string
}

// page wraps a handler: security headers, the session (required when
// signedIn, else optional), the CSRF check of every POST, and errors as
// pages. Confidential pages are never cached.
func (w *Workspace) page(signedIn bool, h func(http.ResponseWriter, *request) error) http.Handler {
	return headers(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "no-store")
		req := &request{Request: r}
		if c, err := r.Cookie(cookieName(r)); err == nil {
			if p, ses, err := w.parties.Session(r.Context(), c.Value); err == nil {
				req.p, req.session, req.secret = p, ses, c.Value
			}
		}
		if signedIn && req.p == nil {
			if r.Method == http.MethodGet {
				http.Redirect(rw, r, "/ui/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			w.fail(rw, req, glassbox.Errorf(glassbox.EUNAUTHENTICATED, "sign in first"))
			return
		}
		if r.Method == http.MethodPost {
			if err := w.checkCSRF(req); err != nil {
				w.fail(rw, req, err)
				return
			}
		}
		if err := h(rw, req); err != nil {
			w.fail(rw, req, err)
		}
	}))
}

// cookieName is the session cookie's: with TLS, a __Host- cookie, which a
// browser keeps to this host, secure, for every path.
func cookieName(r *http.Request) string {
	if r.TLS != nil {
		return "__Host-glassbox"
	}
	return "glassbox"
}

// preCSRF is the cookie that carries the sign-in form's token, before
// there is a session (double submit).
const preCSRF = "glassbox-signin"

// checkCSRF refuses a POST that did not come from one of the workspace's
// own forms: a cross-site request (Sec-Fetch-Site, Origin) or one without
// the session's token.
func (w *Workspace) checkCSRF(r *request) error {
	refuse := glassbox.Errorf(glassbox.EFORBIDDEN, "the form is stale or did not come from this site; reload the page and try again")
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
		return refuse
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return refuse
		}
	}
	if err := r.ParseForm(); err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "the form does not parse: %v", err)
	}
	want := ""
	if r.session != nil {
		want = r.session.CSRF
	} else if c, err := r.Cookie(preCSRF); err == nil {
		want = c.Value
	}
	got := r.PostFormValue("csrf")
	if got == "" {
		got = r.Header.Get("X-CSRF-Token") // the passkey script's JSON requests
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return refuse
	}
	return nil
}

// render writes a page.
func (w *Workspace) render(rw http.ResponseWriter, r *request, status int, name string, data map[string]any) error {
	t, ok := w.pages[name]
	if !ok {
		return glassbox.Errorf(glassbox.EINTERNAL, "no page %q", name)
	}
	if data == nil {
		data = map[string]any{}
	}
	data["Principal"] = r.p
	if r.session != nil {
		data["CSRF"] = r.session.CSRF
	}
	var buf strings.Builder
	if err := t.Execute(&buf, data); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "render %s: %w", name, err)
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.WriteHeader(status)
	_, err := rw.Write([]byte(buf.String()))
	return err
}

// failure is the status and message a page shows for err: a refusal says
// no more than the API's would, and a failure of the centre's is logged,
// not shown.
func (w *Workspace) failure(r *request, err error) (int, string) {
	status := server.Status(err)
	if status >= 500 {
		slog.Error("workspace page", "path", r.URL.Path, "err", err)
	}
	msg := "something went wrong on the centre's side; the failure is logged"
	if status < 500 || status == http.StatusServiceUnavailable {
		msg = err.Error()
	}
	return status, msg
}

// fail shows an error as a page with its status, or as JSON to the
// passkey script; it shows nothing of what was refused.
func (w *Workspace) fail(rw http.ResponseWriter, r *request, err error) {
	if r.Header.Get("Content-Type") == "application/json" {
		w.scriptError(rw, r, err)
		return
	}
	status, msg := w.failure(r, err)
	title := map[int]string{400: "That request is not valid", 401: "Sign in", 403: "Not allowed", 404: "Not found", 409: "Conflict", 429: "Too many requests", 503: "Unavailable"}[status]
	if title == "" {
		title = "Error"
	}
	if rerr := w.render(rw, r, status, "error", map[string]any{"Title": title, "Message": msg, "Status": status}); rerr != nil {
		http.Error(rw, msg, status)
	}
}

// newToken returns a random token for a form.
func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// authorize decides p's act on rel's product and returns the grant.
func (w *Workspace) authorize(r *request, act party.Action, rel *glassbox.Release) (string, error) {
	return w.parties.Authorize(r.Context(), r.p, act, rel.Manifest.Product)
}
