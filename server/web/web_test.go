package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/access"
	"glassbox.dev/attest"
	"glassbox.dev/centre"
	"glassbox.dev/centre/stage"
	"glassbox.dev/evaluate"
	"glassbox.dev/ingest"
	"glassbox.dev/jobs"
	"glassbox.dev/party"
	"glassbox.dev/server"
	"glassbox.dev/server/backend"
	"glassbox.dev/server/web"
	"glassbox.dev/standard"
	"glassbox.dev/vuln"
)

// marker is in the release's source and nowhere else: a page that shows
// it showed confidential content.
const marker = "CONFIDENTIAL_MARKER_7f3a"

const password = "a passphrase for the tests"

type site struct {
	url string
	c   *centre.Centre
	rel *glassbox.Release
	ps  *party.Service
	// keys is the centre's key directory: the keys a vendor obtains.
	keys string
}

// newSite serves the workspace of a centre with vendor acme (alice), an
// evaluator lab it granted (eve), one it did not (nick), and one release.
func newSite(t testing.TB) *site {
	t.Helper()
	return newSiteWith(t, nil)
}

// newSiteWith is newSite with more files in the release's source, by path.
func newSiteWith(t testing.TB, extra map[string][]byte) *site {
	t.Helper()
	ctx := context.Background()
	data := t.TempDir()
	if _, err := attest.GenerateKeys(centre.KeyDir(data), "web.test/log", false); err != nil {
		t.Fatal(err)
	}
	c, err := centre.Open(ctx, data, centre.Options{Log: centre.WithLog})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ps := party.New(c.Store.(glassbox.PartyStore))
	op := party.LocalOperator()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range []glassbox.Organisation{{ID: "acme", Name: "ACME Corp", Kind: glassbox.OrgVendor}, {ID: "lab", Name: "Test Lab", Kind: glassbox.OrgEvaluator}, {ID: "other-lab", Name: "Other Lab", Kind: glassbox.OrgEvaluator}, {ID: party.OperatorOrg, Name: "The Centre", Kind: glassbox.OrgOperator}} {
		_, err := ps.CreateOrg(ctx, op, o)
		must(err)
	}
	for _, u := range []glassbox.User{{ID: "alice", OrgID: "acme", Name: "Alice", Role: glassbox.RoleVendor}, {ID: "eve", OrgID: "lab", Name: "Eve", Role: glassbox.RoleEvaluator}, {ID: "nick", OrgID: "other-lab", Name: "Nick", Role: glassbox.RoleEvaluator}, {ID: "ada", OrgID: party.OperatorOrg, Name: "Ada", Role: glassbox.RoleAdmin}} {
		_, err := ps.CreateUser(ctx, op, u)
		must(err)
		must(ps.SetPassword(ctx, op, u.ID, password))
	}
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "src"), 0o755)
	os.WriteFile(filepath.Join(src, "src", "main.c"), []byte("#include <stdio.h>\n\nint main(void) {\n\tputs(\""+marker+"\");\n\treturn 0;\n}\n"), 0o644)
	os.WriteFile(filepath.Join(src, "README.md"), []byte("# router\n"), 0o644)
	// A planted backdoor for the scan to find: vsftpd 2.3.4's ":)" trigger.
	backdoor, err := os.ReadFile("../../scan/testdata/incidents/vsftpd-2.3.4/str.c")
	must(err)
	os.WriteFile(filepath.Join(src, "src", "str.c"), backdoor, 0o644)
	for name, b := range extra {
		os.MkdirAll(filepath.Dir(filepath.Join(src, name)), 0o755)
		must(os.WriteFile(filepath.Join(src, name), b, 0o644))
	}
	// A vulnerability database, so that the vulnerability check runs.
	osv := t.TempDir()
	must(os.WriteFile(filepath.Join(osv, "GO-2026-0001.json"), []byte(`{"id": "GO-2026-0001", "modified": "`+time.Now().UTC().Format(time.RFC3339)+`", "affected": [{"package": {"ecosystem": "Go", "name": "example.com/vulnerable"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.1"}]}]}]}`), 0o644))
	_, _, err = c.VulnStore().Import(ctx, []string{osv})
	must(err)
	alice := &glassbox.Principal{User: glassbox.User{ID: "alice", OrgID: "acme", Role: glassbox.RoleVendor}, Org: glassbox.Organisation{ID: "acme", Kind: glassbox.OrgVendor}, Scopes: glassbox.Scopes}
	must(ps.ClaimForSubmit(ctx, alice, "acme/router"))
	res, err := c.Submit(ctx, ingest.Request{Product: "acme/router", Version: "1.0.0", SourceDir: src, Limits: ingest.DefaultLimits()}, nil)
	must(err)
	_, err = c.Jobs(res.Release, false).Scan(ctx, stage.ScanOptions{})
	must(err)
	_, err = ps.CreateGrant(ctx, op, glassbox.Grant{Product: "acme/router", Evaluator: "lab", Expires: time.Now().Add(24 * time.Hour)})
	must(err)

	pub, err := attest.LoadPublicKey(filepath.Join(centre.KeyDir(data), attest.AttestationPubFile))
	must(err)
	e, err := c.Evaluator("", vuln.DefaultMaxAge)
	must(err)
	q, err := jobs.Open(ctx, jobs.Config{DataDir: data, Runner: &jobs.Centre{Evaluator: e}})
	must(err)
	must(q.Start(ctx))
	t.Cleanup(func() { q.Close(context.Background()) })
	b, err := backend.New(c, ps, backend.AccessRecord(access.NewRecorder(c.Notary, c.Store, pub)), backend.Jobs(q, c.ResolveRelease))
	must(err)
	ws, err := web.New(&b, ps)
	must(err)
	ws.Catalog = c.Catalog
	ws.Standards = func(ctx context.Context) ([]string, error) {
		_, ids, err := c.Catalogs(ctx)
		return ids, err
	}
	api, err := server.NewAPI(b)
	must(err)
	srv := httptest.NewServer(server.New(c.Notary, c.Log, "").WithAPI(api).WithWorkspace(ws).Handler())
	t.Cleanup(srv.Close)
	return &site{url: srv.URL, c: c, rel: res.Release, ps: ps, keys: centre.KeyDir(data)}
}

// browser is a client with its own cookies, as a person's browser.
type browser struct {
	t    testing.TB
	s    *site
	http *http.Client
}

func (s *site) browser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, s: s, http: &http.Client{Jar: jar, Timeout: time.Minute}}
}

// get fetches a page and returns its status and body.
func (b *browser) get(path string) (int, string, http.Header) {
	b.t.Helper()
	resp, err := b.http.Get(b.s.url + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// post submits a form with the CSRF token of the page it came from.
func (b *browser) post(path, from string, form url.Values) (int, string) {
	b.t.Helper()
	_, page, _ := b.get(from)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("%s has no form token:\n%s", from, page)
	}
	form.Set("csrf", m[1])
	return b.postRaw(path, form, nil)
}

func (b *browser) postRaw(path string, form url.Values, h http.Header) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.s.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (b *browser) signIn(user string) {
	b.t.Helper()
	code, page := b.post("/ui/signin", "/ui/signin", url.Values{"user": {user}, "password": {password}})
	if code != 200 || !strings.Contains(page, "Sign out") {
		b.t.Fatalf("%s signs in: %d\n%s", user, code, page)
	}
}

// TestSignIn: every page needs a session; a wrong password is refused with
// the sign-in form again; a form without its token, or from another site,
// is refused; signing out ends the session.
func TestSignIn(t *testing.T) {
	s := newSite(t)
	b := s.browser(t)
	code, page, _ := b.get("/ui/")
	if code != 200 || !strings.Contains(page, `name="password"`) {
		t.Fatalf("the dashboard without a session: %d, not the sign-in form", code)
	}
	if code, page := b.post("/ui/signin", "/ui/signin", url.Values{"user": {"eve"}, "password": {"wrong wrong wrong"}}); code != 401 || !strings.Contains(page, "wrong") {
		t.Errorf("a wrong password: %d\n%s", code, page)
	}
	if code, _ := b.postRaw("/ui/signin", url.Values{"user": {"eve"}, "password": {password}}, nil); code != 403 {
		t.Errorf("a sign-in without the form's token: %d; want 403", code)
	}
	b.signIn("eve")
	if code, _ := b.postRaw("/ui/signout", url.Values{}, http.Header{"Sec-Fetch-Site": {"cross-site"}}); code != 403 {
		t.Errorf("a sign-out from another site: %d; want 403", code)
	}
	if code, page := b.post("/ui/signout", "/ui/", url.Values{}); code != 200 || !strings.Contains(page, `name="password"`) {
		t.Errorf("sign out: %d", code)
	}
	if _, page, _ := b.get("/ui/"); strings.Contains(page, "Sign out") {
		t.Errorf("the session lives on after signing out")
	}
}

// TestEveryResponseCarriesTheSecurityHeaders, signed in or not, pages and
// errors alike; confidential pages are not cached.
func TestEveryResponseCarriesTheSecurityHeaders(t *testing.T) {
	s := newSite(t)
	b := s.browser(t)
	b.signIn("eve")
	for _, p := range []string{"/ui/signin", "/ui/", "/ui/releases/" + string(s.rel.ID), "/ui/releases/" + string(s.rel.ID) + "/source/src/main.c", "/ui/releases/nothing", "/ui/static/style.css", "/ui/highlight.css"} {
		_, _, h := b.get(p)
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: Content-Security-Policy %q", p, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s = %q; want %q", p, k, h.Get(k), v)
			}
		}
		if strings.HasPrefix(p, "/ui/releases/") && h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q; want no-store", p, h.Get("Cache-Control"))
		}
	}
}

// TestAGrantedEvaluatorReadsOnTheRecord: the evaluator sees the release on
// its dashboard, opens a source file, highlighted with line anchors, and
// the vendor's access record lists exactly that read, by that evaluator.
func TestAGrantedEvaluatorReadsOnTheRecord(t *testing.T) {
	s := newSite(t)
	eve := s.browser(t)
	eve.signIn("eve")
	if _, page, _ := eve.get("/ui/"); !strings.Contains(page, "acme/router") || !strings.Contains(page, "Releases granted to Test Lab") {
		t.Errorf("the evaluator's dashboard does not list the granted release:\n%s", page)
	}
	code, page, _ := eve.get("/ui/releases/" + string(s.rel.ID))
	if code != 200 || !strings.Contains(page, "src/") || strings.Contains(page, marker) {
		t.Fatalf("the release page: %d (it lists the source, and shows none of it)\n%s", code, page)
	}
	code, page, _ = eve.get("/ui/releases/" + string(s.rel.ID) + "/source/src/main.c")
	if code != 200 || !strings.Contains(page, marker) || !strings.Contains(page, `id="L4"`) || !strings.Contains(page, `class="`) {
		t.Fatalf("the source view: %d; want the file highlighted with line anchors\n%s", code, page)
	}

	// The planted backdoor's finding, under the line it is on, with why.
	code, page, _ = eve.get("/ui/releases/" + string(s.rel.ID) + "/source/src/str.c")
	line15 := strings.Index(page, `id="L15"`)
	if code != 200 || line15 < 0 {
		t.Fatalf("the backdoored file: %d\n%s", code, page)
	}
	row := page[line15:]
	row = row[:strings.Index(row[1:], `<tr id="L`)+1]
	if !strings.Contains(row, `class="finding"`) || !strings.Contains(row, "GB1401") || !strings.Contains(page, `href="#L15"`) {
		t.Errorf("the finding on line 15 is not shown under it:\n%s", row)
	}

	alice := s.browser(t)
	alice.signIn("alice")
	code, page, _ = alice.get("/ui/access/" + string(s.rel.ID))
	if code != 200 || strings.Count(page, "<code>src/main.c</code>") != 1 || strings.Count(page, "<code>src/str.c</code>") != 1 || !strings.Contains(page, "eve of Test Lab") {
		t.Errorf("the vendor's access record: %d; want one read of src/main.c and one of src/str.c by eve\n%s", code, page)
	}
	if n := strings.Count(page, "<td>finding</td>"); n != 2 {
		t.Errorf("the access record holds %d reads of findings; want one per source page opened (2)\n%s", n, page)
	}
	if code, _, _ := eve.get("/ui/access/" + string(s.rel.ID)); code != 403 {
		t.Errorf("the evaluator reads the vendor's access record: %d; want 403", code)
	}
}

// TestNoGrantNoContent: an evaluator without a grant sees no release, and
// its pages are those of a release that does not exist, holding nothing of
// it; nothing is recorded.
func TestNoGrantNoContent(t *testing.T) {
	s := newSite(t)
	nick := s.browser(t)
	nick.signIn("nick")
	if _, page, _ := nick.get("/ui/"); strings.Contains(page, "acme/router") {
		t.Errorf("the dashboard of an evaluator without a grant lists the release")
	}
	for _, p := range []string{"/ui/releases/" + string(s.rel.ID), "/ui/releases/" + string(s.rel.ID) + "/source/src/main.c", "/ui/releases/" + string(s.rel.ID) + "/source/src"} {
		code, page, _ := nick.get(p)
		if code != 404 || strings.Contains(page, marker) || strings.Contains(page, "main.c</a>") || strings.Contains(page, "acme/router") {
			t.Errorf("%s without a grant: %d; want the page of a release that does not exist, with nothing of it\n%s", p, code, page)
		}
	}
	alice := s.browser(t)
	alice.signIn("alice")
	if _, page, _ := alice.get("/ui/access/" + string(s.rel.ID)); !strings.Contains(page, "Nobody has read") {
		t.Errorf("refused reads are on the record:\n%s", page)
	}
}

var judgeForm = regexp.MustCompile(`name="control" value="([^"]+)"`)

// TestTheWorksheet: the evaluator under a grant judges a control of the
// CRA worksheet from its form, and the worksheet shows the judgement in
// force under the evaluator's name; a judgement without a note or verdict
// is refused; the vendor sees the worksheet without forms.
func TestTheWorksheet(t *testing.T) {
	s := newSite(t)
	eve := s.browser(t)
	eve.signIn("eve")
	ws := "/ui/releases/" + string(s.rel.ID) + "/worksheet/cra-annex-i"
	if _, page, _ := eve.get("/ui/releases/" + string(s.rel.ID)); !strings.Contains(page, `href="`+ws+`"`) {
		t.Fatalf("the release page does not link the CRA worksheet")
	}
	code, page, _ := eve.get(ws)
	m := judgeForm.FindStringSubmatch(page)
	if code != 200 || m == nil {
		t.Fatalf("the worksheet: %d, no form to judge a control\n%s", code, page)
	}
	control := m[1]
	if code, page := eve.post("/ui/releases/"+string(s.rel.ID)+"/judgements", ws, url.Values{"standard": {"cra-annex-i"}, "control": {control}, "note": {"read the update code"}}); code != 400 {
		t.Errorf("a judgement without a verdict: %d\n%s", code, page)
	}
	if code, _ := eve.post("/ui/releases/"+string(s.rel.ID)+"/judgements", ws, url.Values{"standard": {"cra-annex-i"}, "control": {control}, "verdict": {"satisfied"}, "note": {"  "}}); code != 400 {
		t.Errorf("a judgement without a note: %d", code)
	}
	code, page = eve.post("/ui/releases/"+string(s.rel.ID)+"/judgements", ws, url.Values{"standard": {"cra-annex-i"}, "control": {control}, "verdict": {"satisfied"}, "note": {"read the update code and its tests"}})
	if code != 200 || !strings.Contains(page, "Judged <strong>satisfied</strong> by eve@lab") || !strings.Contains(page, "read the update code and its tests") {
		t.Fatalf("after judging %s: %d\n%s", control, code, page)
	}
	js, err := s.c.Store.FindJudgements(t.Context(), s.rel.ID)
	if err != nil || len(js) != 1 || js[0].Control != control || js[0].Evaluator != "eve@lab" || !js[0].Satisfied {
		t.Errorf("the judgements recorded: %+v, %v", js, err)
	}

	alice := s.browser(t)
	alice.signIn("alice")
	if code, page, _ := alice.get(ws); code != 200 || strings.Contains(page, `name="verdict"`) || !strings.Contains(page, "by eve@lab") {
		t.Errorf("the vendor's view of the worksheet: %d (want it, with the judgement and no forms)", code)
	}
	if code, _ := alice.post("/ui/releases/"+string(s.rel.ID)+"/judgements", "/ui/", url.Values{"standard": {"cra-annex-i"}, "control": {control}, "verdict": {"satisfied"}, "note": {"we say so"}}); code != 403 {
		t.Errorf("the vendor judges its own release: %d; want 403", code)
	}
}

var triageForm = regexp.MustCompile(`name="fingerprint" value="([^"]+)"`)

// TestTriageFromTheSourceView: the evaluator dismisses the planted
// backdoor's finding from under its line (a reason is required), the page
// shows the decision under the evaluator's name, and the next evaluation
// will apply it as a suppression; the vendor sees no form.
func TestTriageFromTheSourceView(t *testing.T) {
	s := newSite(t)
	eve := s.browser(t)
	eve.signIn("eve")
	file := "/ui/releases/" + string(s.rel.ID) + "/source/src/str.c"
	_, page, _ := eve.get(file)
	m := triageForm.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form to decide on the finding:\n%s", page)
	}
	fp := m[1]
	to := "/ui/releases/" + string(s.rel.ID) + "/triage"
	if code, _ := eve.post(to, file, url.Values{"fingerprint": {fp}, "decision": {"dismissed"}, "reason": {" "}}); code != 400 {
		t.Errorf("a dismissal without a reason: %d; want 400", code)
	}
	if code, _ := eve.post(to, file, url.Values{"fingerprint": {"not-a-finding"}, "decision": {"confirmed"}}); code != 404 {
		t.Errorf("a decision on no finding: %d; want 404", code)
	}
	code, page := eve.post(to, file, url.Values{"fingerprint": {fp}, "decision": {"dismissed"}, "reason": {"a test fixture, not built into the product"}})
	if code != 200 || !strings.Contains(page, "Dismissed by eve@lab") || !strings.Contains(page, "a test fixture, not built into the product") {
		t.Fatalf("after the dismissal: %d\n%s", code, page)
	}
	supp, err := evaluate.Dismissals(t.Context(), s.c.Store, s.rel.ID)
	if err != nil || len(supp) != 1 || supp[0].Fingerprint != fp || supp[0].By != "eve@lab" {
		t.Errorf("the next evaluation's suppressions: %+v, %v", supp, err)
	}
	alice := s.browser(t)
	alice.signIn("alice")
	if _, page, _ := alice.get(file); strings.Contains(page, `name="fingerprint"`) || !strings.Contains(page, "Dismissed by eve@lab") {
		t.Errorf("the vendor's view of the finding: a form, or no decision")
	}
}

var percent = regexp.MustCompile(`Review coverage: ([0-9.]+) %`)

// TestADifferentialReviewToFullCoverage: a second version of the product
// changes main.c and adds a file; the evaluator's review lists exactly
// those two with their changed lines, shows each diff (on the access
// record, as a diff), and marking both reviewed takes the coverage from
// 0 to 100 %.
func TestADifferentialReviewToFullCoverage(t *testing.T) {
	s := newSite(t)
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "src"), 0o755)
	os.WriteFile(filepath.Join(src, "src", "main.c"), []byte("#include <stdio.h>\n\nint main(void) {\n\tputs(\"hello, world\");\n\treturn 0;\n}\n"), 0o644)
	os.WriteFile(filepath.Join(src, "src", "update.c"), []byte("int update(void) {\n\treturn 1;\n}\n"), 0o644)
	os.WriteFile(filepath.Join(src, "README.md"), []byte("# router\n"), 0o644)
	backdoor, _ := os.ReadFile("../../scan/testdata/incidents/vsftpd-2.3.4/str.c")
	os.WriteFile(filepath.Join(src, "src", "str.c"), backdoor, 0o644)
	res, err := s.c.Submit(t.Context(), ingest.Request{Product: "acme/router", Version: "1.1.0", SourceDir: src, Limits: ingest.DefaultLimits()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	head := string(res.Release.ID)
	eve := s.browser(t)
	eve.signIn("eve")
	review := "/ui/releases/" + head + "/review"
	if _, dash, _ := eve.get("/ui/"); !strings.Contains(dash, "Reviews in progress") || !strings.Contains(dash, "<td>0 of 2</td>") {
		t.Errorf("the evaluator's dashboard does not show the review to do:\n%s", dash)
	}
	code, page, _ := eve.get(review)
	if code != 200 || percent.FindStringSubmatch(page) == nil || percent.FindStringSubmatch(page)[1] != "0.0" {
		t.Fatalf("the review: %d, want 0.0 %% coverage\n%s", code, page)
	}
	for _, want := range []string{">src/main.c</a>", ">src/update.c</a>", "<td>added</td>", "<td>changed</td>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the review does not show %q", want)
		}
	}
	if strings.Contains(page, ">README.md</a>") || strings.Contains(page, ">src/str.c</a>") {
		t.Errorf("the review lists unchanged files")
	}
	code, page, _ = eve.get("/ui/releases/" + head + "/review/diff/src/main.c?base=" + string(s.rel.ID))
	if code != 200 || !strings.Contains(page, "- \tputs(&#34;"+marker) || !strings.Contains(page, "+ \tputs(&#34;hello, world&#34;);") {
		t.Fatalf("the diff of main.c: %d\n%s", code, page)
	}
	for i, p := range []string{"src/main.c", "src/update.c"} {
		code, page = eve.post(review, "/ui/releases/"+head+"/review/diff/"+p+"?base="+string(s.rel.ID), url.Values{"base": {string(s.rel.ID)}, "path": {p}})
		// main.c: one line removed, one added; update.c: three added.
		want := map[int]string{0: "40.0", 1: "100.0"}[i]
		if m := percent.FindStringSubmatch(page); code != 200 || m == nil || m[1] != want {
			t.Fatalf("after marking %s reviewed: %d, coverage %v\n%s", p, code, m, page)
		}
	}
	if !strings.Contains(page, "by eve@lab") {
		t.Errorf("the review does not say who reviewed")
	}
	if _, dash, _ := eve.get("/ui/"); strings.Contains(dash, "Reviews in progress") {
		t.Errorf("a finished review is still in progress on the dashboard")
	}
	if code, _ := eve.post(review, "/ui/releases/"+head+"/review?base="+string(s.rel.ID), url.Values{"base": {string(s.rel.ID)}, "path": {"README.md"}}); code != 404 {
		t.Errorf("marking an unchanged file reviewed: %d; want 404", code)
	}
	alice := s.browser(t)
	alice.signIn("alice")
	if _, page, _ := alice.get("/ui/access/" + head); !strings.Contains(page, "<td>diff</td>") {
		t.Errorf("the diff read is not on the vendor's access record:\n%s", page)
	}
}

// TestRunAnEvaluationFromTheReleasePage: the evaluator queues an
// evaluation from the release page, which follows the job (it reloads
// itself while the job runs) until the verdict is shown; an evaluator
// without a grant cannot queue one.
func TestRunAnEvaluationFromTheReleasePage(t *testing.T) {
	s := newSite(t)
	eve := s.browser(t)
	eve.signIn("eve")
	rel := "/ui/releases/" + string(s.rel.ID)
	code, page := eve.post(rel+"/evaluations", rel, url.Values{"standard": {"cra-annex-i"}})
	if code != 200 {
		t.Fatalf("queue the evaluation: %d\n%s", code, page)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for strings.Contains(page, `http-equiv="refresh"`) && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		_, page, _ = eve.get(rel)
	}
	if strings.Contains(page, `http-equiv="refresh"`) || strings.Contains(page, "not evaluated yet") || !strings.Contains(page, "no-backdoor-indicators") {
		t.Fatalf("the release page after the evaluation:\n%s", page)
	}
	if !strings.Contains(page, `class="verdict v-failed"`) {
		t.Errorf("a release with a planted backdoor is not shown FAILED")
	}
	nick := s.browser(t)
	nick.signIn("nick")
	if code, _ := nick.post(rel+"/evaluations", "/ui/", url.Values{"standard": {"cra-annex-i"}}); code != 404 {
		t.Errorf("an evaluator without a grant queues an evaluation: %d; want 404", code)
	}
}

// TestDashboardsPerRole: the evaluator's shows the grants it holds, the
// vendor's the grants it gave, the administrator's the organisations,
// users and tokens; no one else sees those.
func TestDashboardsPerRole(t *testing.T) {
	s := newSite(t)
	for user, want := range map[string][]string{
		"eve":   {"Grants in force", "acme/router"},
		"alice": {"ACME Corp&#39;s releases", "Grants in force", "<td>lab</td>"},
		"ada":   {"All releases", "Organisations", "<code>other-lab</code>", "Users", "<code>nick</code>", "API tokens"},
	} {
		b := s.browser(t)
		b.signIn(user)
		_, page, _ := b.get("/ui/")
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s's dashboard does not show %q", user, w)
			}
		}
		if user != "ada" && (strings.Contains(page, "<h2>Users</h2>") || strings.Contains(page, "API tokens")) {
			t.Errorf("%s's dashboard shows the centre's users or tokens", user)
		}
	}
}

// TestFilesNotInGitAreMarked: a release whose source claims a git tag but
// holds a build macro the tag does not (as xz-utils 5.6.1 did) shows that
// file, and its directory, marked in the tree and on its page.
func TestFilesNotInGitAreMarked(t *testing.T) {
	s := newSite(t)
	repo := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.org"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	os.MkdirAll(filepath.Join(repo, "m4"), 0o755)
	os.WriteFile(filepath.Join(repo, "configure.ac"), []byte("AC_INIT([router], [2.0])\n"), 0o644)
	os.WriteFile(filepath.Join(repo, "m4", "ax_pthread.m4"), []byte("# pthread\n"), 0o644)
	git("add", ".")
	git("commit", "-q", "-m", "2.0")
	git("tag", "v2.0")
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "m4"), 0o755)
	os.WriteFile(filepath.Join(src, "configure.ac"), []byte("AC_INIT([router], [2.0])\n"), 0o644)
	os.WriteFile(filepath.Join(src, "m4", "ax_pthread.m4"), []byte("# pthread\n"), 0o644)
	os.WriteFile(filepath.Join(src, "m4", "build-to-host.m4"), []byte("# not in git\n"), 0o644)
	res, err := s.c.Submit(t.Context(), ingest.Request{Product: "acme/router", Version: "2.0.0", SourceDir: src, GitRepo: repo, GitRef: "v2.0", Limits: ingest.DefaultLimits()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	eve := s.browser(t)
	eve.signIn("eve")
	rel := "/ui/releases/" + string(res.Release.ID)
	if _, page, _ := eve.get(rel); !strings.Contains(page, "m4/</a> <span class=\"git-diff\">") {
		t.Errorf("the m4 directory is not marked on the release page")
	}
	_, page, _ := eve.get(rel + "/source/m4")
	if !strings.Contains(page, "build-to-host.m4</a> <span class=\"git-diff\">(only in the release archive, not in git v2.0)") || strings.Contains(page, "ax_pthread.m4</a> <span") {
		t.Errorf("the tree of m4/ does not mark exactly the file git lacks:\n%s", page)
	}
	if _, page, _ := eve.get(rel + "/source/m4/build-to-host.m4"); !strings.Contains(page, "This file is only in the release archive") {
		t.Errorf("the file's page does not say it is not in git")
	}
}

// TestDocumentsAreDownloadedOnTheRecord: the release page offers the
// documents the centre keeps (here the scan's SARIF); a download is the
// document itself, as an attachment, and is on the access record; a
// party without a grant gets none.
func TestDocumentsAreDownloadedOnTheRecord(t *testing.T) {
	s := newSite(t)
	eve := s.browser(t)
	eve.signIn("eve")
	rel := "/ui/releases/" + string(s.rel.ID)
	if _, page, _ := eve.get(rel); !strings.Contains(page, `href="`+rel+`/documents/scan/sarif"`) || strings.Contains(page, "/documents/evaluation/report") {
		t.Errorf("the release page does not offer exactly the documents there are")
	}
	code, body, h := eve.get(rel + "/documents/scan/sarif")
	if code != 200 || h.Get("Content-Type") != "application/sarif+json" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") || !strings.Contains(body, `"version":"2.1.0"`) && !strings.Contains(body, `"version": "2.1.0"`) {
		t.Fatalf("the SARIF download: %d %v\n%.300s", code, h, body)
	}
	alice := s.browser(t)
	alice.signIn("alice")
	if _, page, _ := alice.get("/ui/access/" + string(s.rel.ID)); !strings.Contains(page, "<code>scan-sarif</code>") {
		t.Errorf("the download is not on the access record:\n%s", page)
	}
	nick := s.browser(t)
	nick.signIn("nick")
	if code, body, _ := nick.get(rel + "/documents/scan/sarif"); code != 404 || strings.Contains(body, "2.1.0") {
		t.Errorf("a download without a grant: %d", code)
	}
}

// TestTheICSForm: the vendor fills in the ICS from the form, whose every
// provision is listed with its status and test group; a statement the
// catalog refuses comes back with the message naming the provision and
// everything entered kept, and nothing is stored; an accepted one is the
// release's vendor/ics evidence, the release page says so, and the form
// shows it again. An evaluator under a grant reads it (on the record) and
// may not submit one.
func TestTheICSForm(t *testing.T) {
	s := newSite(t)
	alice := s.browser(t)
	alice.signIn("alice")
	rel := "/ui/releases/" + string(s.rel.ID)
	page := rel + "/ics"
	if _, p, _ := alice.get(rel); !strings.Contains(p, `href="`+page+`"`) || !strings.Contains(p, "Fill in the ICS") {
		t.Fatalf("the vendor's release page does not link the ICS form:\n%s", p)
	}
	code, p, _ := alice.get(page)
	if code != 200 || strings.Count(p, `<select id="support-`) != 78 || !strings.Contains(p, "<td>MF (a)</td>") || !strings.Contains(p, "TS 103 701 test group 5.1-1") ||
		!strings.Contains(p, `name="feature" value="a" checked`) || !strings.Contains(p, "passwords are used") {
		t.Fatalf("the ICS form: %d; want 78 provisions with status and test group, and the features with their definitions\n%.3000s", code, p)
	}
	form := url.Values{
		"name": {"router"}, "description": {"a home router"}, "intended-use": {"home networking"},
		"manufacturer-name": {"ACME Corp"}, "manufacturer-address": {"1 Main Street, Springfield"},
		"security-contact": {"security@acme.example"},
		"feature":          {"a", "12"},
		"support-5.0-1":    {"yes"},
		"detail-5.0-1":     {"the technical file justifies each recommendation not met"},
		"support-5.1-1":    {"no"}, // no without a detail: refused
	}
	code, p = alice.post(page, page, form)
	if code != 400 || !strings.Contains(p, "provision 5.1-1: answered no without a detail") {
		t.Fatalf("a \"no\" without a detail: %d; want 400 naming the provision\n%.2000s", code, p)
	}
	for _, kept := range []string{`value="router"`, `value="security@acme.example"`, "the technical file justifies each recommendation not met",
		`name="feature" value="a" checked`, `<option value="no" selected>`} {
		if !strings.Contains(p, kept) {
			t.Errorf("the refused form does not keep %s", kept)
		}
	}
	if strings.Contains(p, `name="feature" value="b" checked`) {
		t.Errorf("the refused form checks a feature the vendor left unchecked")
	}
	if ds, _ := s.c.Store.FindEvidence(t.Context(), s.rel.ID, standard.KindICS); len(ds) != 0 {
		t.Fatalf("a refused form stored %v", ds)
	}

	form.Set("detail-5.1-1", "the admin password is printed on the label, the same for every unit")
	code, p = alice.post(page, page, form)
	if code != 200 || !strings.Contains(p, "The ICS is stored as sha256:") || !strings.Contains(p, "2 of 78 provisions answered") {
		t.Fatalf("the accepted form: %d; want the release page with a notice\n%.2000s", code, p)
	}
	ics, _, err := s.c.ICS(t.Context(), s.rel)
	if err != nil || ics == nil {
		t.Fatalf("the stored ICS: %v, %v", ics, err)
	}
	if ics.Product.Name != "router" || ics.Provisions["5.1-1"].Support != standard.ICSNo || !ics.Features["a"] || ics.Features["b"] || len(ics.Provisions) != 2 {
		t.Errorf("the stored ICS is %+v", ics)
	}
	if _, p, _ := alice.get(page); !strings.Contains(p, `value="the admin password is printed on the label, the same for every unit"`) || !strings.Contains(p, string(ics.Digest)) {
		t.Errorf("the form does not show the stored statement again")
	}

	eve := s.browser(t)
	eve.signIn("eve")
	if _, p, _ := eve.get(rel); !strings.Contains(p, "ICS submitted <code>"+string(ics.Digest)+"</code>, 2 of 78 provisions answered") || !strings.Contains(p, "Read the ICS") || strings.Contains(p, "Fill in the ICS") {
		t.Errorf("the evaluator's release page does not summarise the ICS:\n%s", p)
	}
	code, p, _ = eve.get(page)
	if code != 200 || strings.Contains(p, "<select") || !strings.Contains(p, "the admin password is printed on the label") || !strings.Contains(p, "<span class=\"meta\">unanswered</span>") {
		t.Errorf("the evaluator's view of the ICS: %d; want it read-only\n%.2000s", code, p)
	}
	if code, _ := eve.post(page, rel, form); code != 403 {
		t.Errorf("the evaluator submits the vendor's ICS: %d; want 403", code)
	}
	if _, p, _ := alice.get("/ui/access/" + string(s.rel.ID)); !strings.Contains(p, "<code>vendor-ics</code>") || !strings.Contains(p, "eve of Test Lab") {
		t.Errorf("the evaluator's read of the ICS is not on the access record:\n%s", p)
	}
	nick := s.browser(t)
	nick.signIn("nick")
	if code, p, _ := nick.get(page); code != 404 || strings.Contains(p, "admin password") {
		t.Errorf("the ICS page without a grant: %d", code)
	}
}
