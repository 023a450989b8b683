package web_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"glassbox.dev/ingest"
)

// A browser journey drives Debian's chromium, headless, through the
// workspace as people use it, with axe-core checking every page and a
// screenshot of each kept. It runs from .ci/run (GLASSBOX_BROWSER=1, which
// installs chromium and axe-core); go test ./... skips it.
func browserContext(t *testing.T) (context.Context, string) {
	t.Helper()
	if os.Getenv("GLASSBOX_BROWSER") == "" {
		t.Skip("browser journeys need chromium and axe-core: set GLASSBOX_BROWSER=1 (.ci/run does)")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed: apt-get install chromium (.ci/run does)")
	}
	axe, err := os.ReadFile(os.Getenv("GLASSBOX_AXE"))
	if err != nil {
		t.Fatalf("GLASSBOX_AXE names no axe.min.js (npm install axe-core; .ci/run does): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(cancel)
	// Start the browser, so that journeys can open browser contexts of
	// their own (a person each).
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx, string(axe)
}

// shots is where the screenshots go: GLASSBOX_SCREENSHOTS, or the test's
// temporary directory.
func shots(t *testing.T) string {
	if d := os.Getenv("GLASSBOX_SCREENSHOTS"); d != "" {
		os.MkdirAll(d, 0o755)
		return d
	}
	return t.TempDir()
}

// check runs axe-core on the page and fails the test on any serious or
// critical violation; then it keeps a full-page screenshot.
func checkPage(t *testing.T, ctx context.Context, axe, dir, name string) {
	t.Helper()
	if _, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatalf("axe on %s: %v", name, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](axe)); err != nil {
		t.Fatalf("axe on %s: %v", name, err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length}))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", name, err)
	}
	var vs []struct {
		ID, Impact, Help string
		Nodes            int
	}
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		t.Fatalf("axe on %s: %v", name, err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("%s: accessibility violation %s (%s, %d elements): %s", name, v.ID, v.Impact, v.Nodes, v.Help)
		}
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot of %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// tab is one browser (its own cookies and authenticator) in a journey.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string // the workspace's origin, http://localhost:PORT
	axe  string
	dir  string // screenshots
}

func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// submit runs actions that send a form and waits for the page it leads to.
func (b *tab) submit(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if _, err := chromedp.RunResponse(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *tab) open(path, waitFor string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func eval[T any](b *tab, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("%s: %v", js, err)
	}
	return v
}

func (b *tab) check(name string) {
	b.t.Helper()
	checkPage(b.t, b.ctx, b.axe, b.dir, name)
}

// newTab opens a browser of its own, at the workspace's localhost origin
// (passkeys are bound to a domain, and a browser refuses an IP address).
func newTab(t *testing.T, parent context.Context, s *site, axe, dir string) *tab {
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	return &tab{t: t, ctx: ctx, base: strings.Replace(s.url, "127.0.0.1", "localhost", 1), axe: axe, dir: dir}
}

func (b *tab) signIn(user string) {
	b.t.Helper()
	b.open("/ui/signin", "#user")
	b.submit(user+" signs in",
		chromedp.SendKeys(chromedp.CSS(`#user`), user),
		chromedp.SendKeys(chromedp.CSS(`#password`), password),
		chromedp.Click(chromedp.CSS(`form[action="/ui/signin"] button[type=submit]`)))
	b.do(user+" is signed in", chromedp.WaitVisible(chromedp.CSS(`header nav`)))
}

// evaluate runs an evaluation from the release page and waits, as the page
// does by reloading itself, until it shows the verdict; earlier is how
// many verdicts it supersedes by then.
func (b *tab) evaluate(rel string, earlier int) string {
	b.t.Helper()
	b.open("/ui/releases/"+rel, "h1")
	b.submit("run the evaluation", chromedp.Click(chromedp.CSS(`form[action$="/evaluations"] button[type=submit]`)))
	done := fmt.Sprintf(`document.querySelector('meta[http-equiv="refresh"]') === null && document.querySelector('dd .verdict') !== null && document.querySelectorAll('table.earlier tbody tr').length === %d`, earlier)
	for deadline := time.Now().Add(2 * time.Minute); ; {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](done))
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the evaluation did not end within two minutes")
		}
		time.Sleep(500 * time.Millisecond)
	}
	return b.text(`dd .verdict`)
}

// completeWorksheet judges every control the evaluator may judge: not
// satisfied where a mapped check failed, satisfied elsewhere, each with a
// note; it returns how many it judged.
func (b *tab) completeWorksheet(rel, standard string) int {
	b.t.Helper()
	ws := "/ui/releases/" + rel + "/worksheet/" + standard
	b.open(ws, "form.judge")
	controls := eval[[]string](b, `[...document.querySelectorAll('form.judge input[name=control]')].map(e => e.value)`)
	for _, c := range controls {
		sec := `section[id="c-` + c + `"]`
		failed := eval[bool](b, `document.querySelector('`+sec+` .s-fail') !== null`)
		verdict, note := "satisfied", "read the source and the vendor's documentation for "+c
		if failed {
			verdict, note = "not-satisfied", "the backdoor at src/str.c:15 defeats "+c
		}
		b.submit("judge "+c,
			chromedp.Click(chromedp.CSS(sec+` input[value="`+verdict+`"]`)),
			chromedp.SendKeys(chromedp.CSS(sec+` textarea`), note),
			chromedp.Click(chromedp.CSS(sec+` button[type=submit]`)))
	}
	b.open(ws, "main h1")
	if judged := eval[int](b, `document.querySelectorAll('section.control .judged').length`); judged != len(controls) {
		b.t.Fatalf("after judging %d controls the worksheet shows %d judgements", len(controls), judged)
	}
	return len(controls)
}

// decide confirms or dismisses the finding of rule in the open source view.
func (b *tab) decide(rule, decision, reason string) {
	b.t.Helper()
	f := `[...document.querySelectorAll('.finding')].find(d => d.textContent.includes('` + rule + `'))`
	js := `(() => { const f = ` + f + `; f.querySelector('input[name=reason]').value = ` + jsString(reason) + `; f.querySelector('button[value=` + decision + `]').click(); return true })()`
	b.submit(decision+" "+rule, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](js)(ctx, t)
		return err
	}))
	want := map[string]string{"confirmed": "Confirmed by eve@lab", "dismissed": "Dismissed by eve@lab"}[decision]
	if got := eval[string](b, f+`.querySelector('.decision').textContent`); !strings.Contains(got, want) || !strings.Contains(got, reason) {
		b.t.Fatalf("after deciding on %s the finding says %q", rule, got)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// testKey is a private key of the kind a repository's development setup
// carries: the secrets rule flags it, and an evaluator dismisses it.
func testKey(t *testing.T) []byte {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
}

// goMod gives the release a component, so that the vulnerability check
// has something to match.
var goMod = []byte("module example.com/router\n\ngo 1.22\n\nrequire golang.org/x/text v0.14.0\n")

// TestBrowserEvaluatorJourney: an evaluator adds a passkey (chromium's
// virtual authenticator), signs out and signs in with the passkey alone;
// evaluates the granted release; finds the planted backdoor's finding
// under its line and confirms it; dismisses the development key's finding
// with a reason; completes the CRA worksheet; evaluates again and sees the
// new verdict supersede the old: the key no longer counts, no control is
// left unassessed, and the backdoor alone fails the release. The vendor
// then reads the access record, listing exactly the files the evaluator
// opened; an evaluator without a grant gets the not-found page, with
// nothing of the source in the page or in any response the browser got.
func TestBrowserEvaluatorJourney(t *testing.T) {
	ctx, axe := browserContext(t)
	s := newSiteWith(t, map[string][]byte{"go.mod": goMod, "deploy/dev/server.pem": testKey(t)})
	dir := shots(t)
	rel := string(s.rel.ID)
	eve := newTab(t, ctx, s, axe, dir)

	// A passkey: added once signed in, then enough alone.
	if _, err := chromedp.Call(eve.ctx, cdpwebauthn.Enable, cdpwebauthn.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	auth, err := chromedp.Call(eve.ctx, cdpwebauthn.AddVirtualAuthenticator, cdpwebauthn.AddVirtualAuthenticatorParams{Options: &cdpwebauthn.VirtualAuthenticatorOptions{
		Protocol: cdpwebauthn.AuthenticatorProtocolCtap2, Ctap2version: cdpwebauthn.Ctap2versionCtap21, Transport: cdpwebauthn.AuthenticatorTransportInternal,
		HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
	}})
	if err != nil {
		t.Fatal(err)
	}
	eve.open("/ui/signin", "#user")
	eve.check("01-signin")
	eve.signIn("eve")
	eve.open("/ui/account", "#passkey-add")
	eve.do("name the passkey", chromedp.SetValue(chromedp.CSS(`#passkey-name`), "Eve's laptop"))
	eve.submit("add a passkey", chromedp.Click(chromedp.CSS(`#passkey-add`)))
	eve.do("the passkey is listed", chromedp.WaitVisible(chromedp.CSS(`main table`)))
	if got := eve.text(`main table`); !strings.Contains(got, "Eve's laptop") {
		t.Fatalf("the account page lists %q", got)
	}
	eve.check("02-account-passkey")
	eve.submit("sign out", chromedp.Click(chromedp.CSS(`header form button`)))
	eve.do("signed out", chromedp.WaitVisible(chromedp.CSS(`#passkey-signin`)))
	// The password alone now leads to the passkey's confirmation.
	eve.submit("eve's password",
		chromedp.SendKeys(chromedp.CSS(`#user`), "eve"),
		chromedp.SendKeys(chromedp.CSS(`#password`), password),
		chromedp.Click(chromedp.CSS(`form[action="/ui/signin"] button[type=submit]`)))
	eve.do("the confirmation page", chromedp.WaitVisible(chromedp.CSS(`#passkey-confirm`)))
	if nav := eval[bool](eve, `document.querySelector('header nav') !== null`); nav {
		t.Fatalf("the password alone signed eve in, although she has a passkey")
	}
	eve.check("02b-confirm-passkey")
	eve.submit("confirm with the passkey", chromedp.Click(chromedp.CSS(`#passkey-confirm`)))
	eve.do("signed in by password and passkey", chromedp.WaitVisible(chromedp.CSS(`header nav`)))
	eve.submit("sign out", chromedp.Click(chromedp.CSS(`header form button`)))
	eve.do("signed out", chromedp.WaitVisible(chromedp.CSS(`#passkey-signin`)))
	// The passkey alone.
	eve.submit("sign in with the passkey", chromedp.Click(chromedp.CSS(`#passkey-signin`)))
	eve.do("signed in by passkey", chromedp.WaitVisible(chromedp.CSS(`header nav`)))
	if h := eve.text("main h1"); !strings.Contains(h, "Releases granted to Test Lab") {
		t.Fatalf("after the passkey, the dashboard says %q", h)
	}
	creds, err := chromedp.Call(eve.ctx, cdpwebauthn.GetCredentials, cdpwebauthn.GetCredentialsParams{AuthenticatorID: auth.AuthenticatorID})
	if err != nil || len(creds.Credentials) != 1 || creds.Credentials[0].SignCount < 2 {
		t.Fatalf("the virtual authenticator holds %+v, %v; want one passkey, used twice", creds, err)
	}
	eve.check("03-dashboard-evaluator")

	// The release, evaluated as it came.
	eve.submit("open the release", chromedp.Click(chromedp.CSS(`a[href="/ui/releases/`+rel+`"]`)))
	first := eve.evaluate(rel, 0)
	firstReasons := eve.text(`ul.reasons`)
	if first != "FAILED" || !strings.Contains(firstReasons, "scan.no-embedded-secrets") || !strings.Contains(firstReasons, "not assessed") {
		t.Fatalf("the first verdict is %s, because:\n%s\nwant FAILED for the backdoor, the key and the unassessed controls", first, firstReasons)
	}

	// The backdoor's finding, under its line; confirmed.
	eve.open("/ui/releases/"+rel+"/source/src/str.c#L15", ".finding")
	if f := eve.text(`.finding`); !strings.Contains(f, "GB1401") {
		t.Errorf("the first finding in the source view says %q; want the backdoor's GB1401", f)
	}
	eve.check("04-source-with-finding")
	// The trigger's other uses, by a search across the release.
	eve.do("search", chromedp.SetValue(chromedp.CSS(`#q`), "vsf_sysutil_extra"))
	eve.submit("search", chromedp.Click(chromedp.CSS(`form.search button`)))
	eve.do("the results", chromedp.WaitVisible(chromedp.CSS(`section.hits`)))
	if hits := eval[int](eve, `document.querySelectorAll('section.hits mark').length`); hits != 3 {
		t.Errorf("the search marks %d matches; want the three lines naming vsf_sysutil_extra", hits)
	}
	eve.check("04b-search")
	eve.submit("back to the line", chromedp.Click(chromedp.CSS(`section.hits a[href$="#L16"]`)))
	eve.do("the source view", chromedp.WaitVisible(chromedp.CSS(`.finding`)))
	eve.decide("GB1401", "confirmed", "the vsftpd 2.3.4 trigger: a user name ending in :) opens a root shell on port 6200")
	// The development key's finding, dismissed with its reason.
	eve.open("/ui/releases/"+rel+"/source/deploy/dev/server.pem", ".finding")
	eve.decide("GB0501", "dismissed", "the key of the local development setup; the installer generates the production key")
	eve.check("05-finding-dismissed")

	// The CRA worksheet, complete.
	if n := eve.completeWorksheet(rel, "cra-annex-i"); n < 10 {
		t.Fatalf("the CRA worksheet had %d controls to judge", n)
	}
	eve.check("06-worksheet")

	// Evaluated again: a new verdict supersedes the first.
	second := eve.evaluate(rel, 1)
	secondReasons := eve.text(`ul.reasons`)
	earlier := eve.text(`table.earlier`)
	if second != "FAILED" || strings.Contains(secondReasons, "scan.no-embedded-secrets") || strings.Contains(secondReasons, "not assessed") ||
		!strings.Contains(secondReasons, "scan.no-backdoor-indicators") || secondReasons == firstReasons {
		t.Errorf("the second verdict is %s, because:\n%s\nwant FAILED for the backdoor alone", second, secondReasons)
	}
	if !strings.Contains(earlier, "FAILED") {
		t.Errorf("the superseded verdict is not listed: %q", earlier)
	}
	if checks := eve.text(`main table`); !strings.Contains(checks, "scan.no-embedded-secrets\tpass") && !regexpMatch(`scan\.no-embedded-secrets\s+pass`, checks) {
		t.Errorf("after the dismissal the secrets check did not pass:\n%s", checks)
	}
	eve.check("07-release-reevaluated")

	// The vendor reads who read what.
	alice := newTab(t, ctx, s, axe, dir)
	alice.signIn("alice")
	alice.check("08-dashboard-vendor")
	alice.open("/ui/access/"+rel, "main table")
	// The source files read; the findings shown with them are reads of
	// their own kind, "finding", of the scan's result.
	read := eval[[]string](alice, `[...new Set([...document.querySelectorAll('main table tbody tr')].filter(r => r.cells[2].textContent === 'source-file').flatMap(r => [...r.cells[3].querySelectorAll('code')].map(c => c.textContent)))].sort()`)
	if want := []string{"deploy/dev/server.pem", "src/str.c"}; !slices.Equal(read, want) {
		t.Errorf("the vendor's access record lists %q; want exactly the files eve opened, %q", read, want)
	}
	if who := alice.text(`main table`); !strings.Contains(who, "eve of Test Lab") {
		t.Errorf("the access record does not name the reader:\n%s", who)
	}
	alice.check("09-access-record")

	// An evaluator without a grant: nothing of the source anywhere, in the
	// page or in any response its browser received (each read as soon as
	// the page is loaded, while the browser keeps it).
	nick := newTab(t, ctx, s, axe, dir)
	nick.signIn("nick")
	var mu sync.Mutex
	var ids []network.RequestID
	loaded := chromedp.Events(nick.ctx, network.LoadingFinished)
	go func() {
		for ev, err := range loaded {
			if err != nil {
				return
			}
			mu.Lock()
			ids = append(ids, ev.RequestID)
			mu.Unlock()
		}
	}()
	bodies := 0
	for _, p := range []string{"/ui/releases/" + rel, "/ui/releases/" + rel + "/source/src/str.c", "/ui/releases/" + rel + "/documents/evaluation/report", "/ui/releases/" + rel + "/worksheet/cra-annex-i", "/ui/access/" + rel} {
		nick.open(p, "main h1")
		html, err := chromedp.Run(nick.ctx, chromedp.OuterHTML(chromedp.CSS(`html`)))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(html, "Not found") || strings.Contains(html, marker) || strings.Contains(html, "vsf_sysutil_extra") || strings.Contains(html, "acme/router 1.0.0") {
			t.Errorf("%s, for an evaluator without a grant, is not the not-found page or shows the release:\n%s", p, html)
		}
		time.Sleep(100 * time.Millisecond) // the page's last events
		mu.Lock()
		got := ids
		ids = nil
		mu.Unlock()
		for _, id := range got {
			body, err := chromedp.Call(nick.ctx, network.GetResponseBody, network.GetResponseBodyParams{RequestID: id})
			if err != nil {
				continue // a response without a body (a redirect)
			}
			bodies++
			if b := string(body.Body); strings.Contains(b, marker) || strings.Contains(b, "vsf_sysutil_extra") || strings.Contains(b, "BEGIN EC PRIVATE KEY") {
				t.Errorf("a response to the evaluator without a grant, opening %s, carries the source:\n%s", p, b)
			}
		}
	}
	if bodies < 5 {
		t.Errorf("read %d response bodies of the refused evaluator's browser; want every page's", bodies)
	}
	nick.check("10-refused")
	t.Logf("screenshots in %s", dir)
}

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }

// TestBrowserDifferentialReview: the vendor ships 1.1.0 without the
// backdoor; the evaluator reviews every changed file's diff to 100 %
// coverage, completes the worksheet and evaluates: the release passes, and
// the report says the delta was fully reviewed.
// securityPolicy gives CRA Annex I Part II 5 and 6 what the repository
// checks look for — a contact, a private channel, a disclosure time frame —
// which would otherwise decide against them.
var securityPolicy = []byte("# Security\n\nReport vulnerabilities privately to security@acme.example; we answer within 3 days and coordinate disclosure with you.\n")

func TestBrowserDifferentialReview(t *testing.T) {
	ctx, axe := browserContext(t)
	s := newSiteWith(t, map[string][]byte{"go.mod": goMod, "SECURITY.md": securityPolicy})
	dir := shots(t)
	src := t.TempDir()
	files := map[string]string{
		"go.mod":      string(goMod),
		"README.md":   "# router\n",
		"SECURITY.md": string(securityPolicy),
		"src/main.c":  "#include <stdio.h>\n\nint main(void) {\n\tputs(\"hello, world\");\n\treturn 0;\n}\n",
		"src/str.c": "/* vsftpd's user-name parser, without the 2.3.4 backdoor. */\n#include <string.h>\n\n" +
			"int str_contains_user_token(const char *p_str, unsigned int len)\n{\n    (void)p_str;\n    (void)len;\n    return 0;\n}\n",
	}
	for name, body := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(src, name)), 0o755)
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := s.c.Submit(t.Context(), ingest.Request{Product: "acme/router", Version: "1.1.0", SourceDir: src, Limits: ingest.DefaultLimits()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	head := string(res.Release.ID)
	eve := newTab(t, ctx, s, axe, dir)
	eve.signIn("eve")
	review := "/ui/releases/" + head + "/review"
	eve.open(review, "p.coverage")
	if c := eve.text(`p.coverage`); !strings.Contains(c, "Review coverage: 0.0 %") {
		t.Fatalf("the review begins at %q", c)
	}
	eve.check("11-review")
	changed := eval[[]string](eve, `[...document.querySelectorAll('main table tbody td:first-child a')].map(a => a.getAttribute('href'))`)
	if len(changed) != 2 {
		t.Fatalf("the review lists %q; want main.c and str.c", changed)
	}
	for i, href := range changed {
		eve.open(href, "main h1")
		if i == 0 {
			eve.check("12-diff")
		}
		eve.submit("mark reviewed", chromedp.Click(chromedp.CSS(`form[action$="/review"] button[type=submit]`)))
	}
	eve.open(review, "p.coverage")
	if c := eve.text(`p.coverage`); !strings.Contains(c, "Review coverage: 100.0 %") {
		t.Fatalf("after marking every file reviewed the review says %q", c)
	}
	eve.completeWorksheet(head, "cra-annex-i")
	if v := eve.evaluate(head, 0); v != "PASSED" {
		t.Fatalf("1.1.0, reviewed and judged, is %s:\n%s", v, eve.text(`main`))
	}
	eve.check("13-release-passed")
	report, err := chromedp.Run(eve.ctx, chromedp.Evaluate[string](`fetch('/ui/releases/`+head+`/documents/evaluation/report').then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(report, "Review coverage since 1.0.0") || !strings.Contains(report, "100.0 %") {
		t.Errorf("the report does not show the review's coverage:\n%.2000s", report)
	}
}

// TestBrowserVendorICS: the vendor opens the ICS form from the release
// page, fills in the product and answers two provisions, submits, and the
// release page says the statement is stored; the form then shows the
// answers again.
func TestBrowserVendorICS(t *testing.T) {
	ctx, axe := browserContext(t)
	s := newSite(t)
	dir := shots(t)
	rel := string(s.rel.ID)
	alice := newTab(t, ctx, s, axe, dir)
	alice.signIn("alice")
	alice.open("/ui/releases/"+rel, "h1")
	alice.submit("open the ICS form", chromedp.Click(chromedp.CSS(`a[href="/ui/releases/`+rel+`/ics"]`)))
	alice.do("the form", chromedp.WaitVisible(chromedp.CSS(`form.ics`)))
	alice.check("14-ics-form")
	alice.do("fill in the product",
		chromedp.SendKeys(chromedp.CSS(`#ics-name`), "router"),
		chromedp.SendKeys(chromedp.CSS(`#ics-description`), "a home router"),
		chromedp.SendKeys(chromedp.CSS(`#ics-intended-use`), "home networking"),
		chromedp.SendKeys(chromedp.CSS(`#ics-manufacturer-name`), "ACME Corp"),
		chromedp.SendKeys(chromedp.CSS(`#ics-manufacturer-address`), "1 Main Street, Springfield"),
		chromedp.SetValue(chromedp.CSS(`select[name="support-5.0-1"]`), "yes"),
		chromedp.SendKeys(chromedp.CSS(`input[name="detail-5.0-1"]`), "the technical file justifies each recommendation not met"),
		chromedp.SetValue(chromedp.CSS(`select[name="support-5.1-1"]`), "yes"),
		chromedp.SendKeys(chromedp.CSS(`input[name="detail-5.1-1"]`), "a password unique to each unit, printed on its label"))
	alice.submit("submit the ICS", chromedp.Click(chromedp.CSS(`form.ics button[type=submit]`)))
	alice.do("the release page", chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	if n := alice.text(`p.notice`); !strings.Contains(n, "The ICS is stored as sha256:") || !strings.Contains(n, "2 of 78 provisions answered") {
		t.Fatalf("after submitting the ICS the release page says %q", n)
	}
	if sum := alice.text(`p.ics-summary`); !strings.Contains(sum, "ICS submitted sha256:") {
		t.Errorf("the release page's ICS line says %q", sum)
	}
	alice.check("15-ics-stored")
	alice.open("/ui/releases/"+rel+"/ics", "form.ics")
	if v := eval[string](alice, `document.querySelector('select[name="support-5.1-1"]').value`); v != "yes" {
		t.Errorf("the form shows 5.1-1 answered %q; want the stored yes", v)
	}
}
