package web_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
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
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel)
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

// TestBrowserEvaluatorJourney: an evaluator signs in, opens the granted
// release, finds the planted backdoor's finding under its line in the
// source view, opens the CRA worksheet; the vendor then reads the access
// record listing exactly the files the evaluator opened; an evaluator
// without a grant gets the not-found page, with nothing of the source in
// the page.
func TestBrowserEvaluatorJourney(t *testing.T) {
	ctx, axe := browserContext(t)
	s := newSite(t)
	dir := shots(t)
	rel := string(s.rel.ID)
	signIn := func(ctx context.Context, user string) {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.Navigate(s.url+"/ui/"),
			chromedp.WaitVisible(chromedp.CSS(`#user`)),
			chromedp.SendKeys(chromedp.CSS(`#user`), user),
			chromedp.SendKeys(chromedp.CSS(`#password`), password),
			chromedp.Submit(chromedp.CSS(`#password`)),
			chromedp.WaitVisible(chromedp.CSS(`header nav`)),
		); err != nil {
			t.Fatalf("%s signs in: %v", user, err)
		}
	}
	text := func(ctx context.Context, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/ui/signin"), chromedp.WaitVisible(chromedp.CSS(`#user`))); err != nil {
		t.Fatal(err)
	}
	checkPage(t, ctx, axe, dir, "01-signin")
	signIn(ctx, "eve")
	if h := text(ctx, "main h1"); !strings.Contains(h, "Releases granted to Test Lab") {
		t.Fatalf("the evaluator's dashboard says %q", h)
	}
	checkPage(t, ctx, axe, dir, "02-dashboard-evaluator")

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href="/ui/releases/`+rel+`"]`)), chromedp.WaitVisible(chromedp.CSS(`ul.tree`))); err != nil {
		t.Fatal(err)
	}
	checkPage(t, ctx, axe, dir, "03-release")

	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/ui/releases/"+rel+"/source/src/str.c#L15"), chromedp.WaitVisible(chromedp.CSS(`.finding`))); err != nil {
		t.Fatal(err)
	}
	if f := text(ctx, `.finding`); !strings.Contains(f, "GB1401") {
		t.Errorf("the first finding in the source view says %q; want the backdoor's GB1401", f)
	}
	checkPage(t, ctx, axe, dir, "04-source-with-finding")
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/ui/releases/"+rel+"/source/src/main.c"), chromedp.WaitVisible(chromedp.CSS(`table.lines`))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/ui/releases/"+rel+"/worksheet/cra-annex-i"), chromedp.WaitVisible(chromedp.CSS(`form.judge`))); err != nil {
		t.Fatal(err)
	}
	checkPage(t, ctx, axe, dir, "05-worksheet")

	// The vendor, in a browser of its own.
	vctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	signIn(vctx, "alice")
	checkPage(t, vctx, axe, dir, "06-dashboard-vendor")
	if err := chromedp.Do(vctx, chromedp.Navigate(s.url+"/ui/access/"+rel), chromedp.WaitVisible(chromedp.CSS(`main table`))); err != nil {
		t.Fatal(err)
	}
	record := text(vctx, `main table`)
	for _, want := range []string{"src/str.c", "src/main.c", "eve of Test Lab"} {
		if !strings.Contains(record, want) {
			t.Errorf("the vendor's access record does not show %q:\n%s", want, record)
		}
	}
	if strings.Contains(record, "README.md") {
		t.Errorf("the access record shows a file the evaluator never opened:\n%s", record)
	}
	checkPage(t, vctx, axe, dir, "07-access-record")

	// An evaluator without a grant.
	nctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	signIn(nctx, "nick")
	if err := chromedp.Do(nctx, chromedp.Navigate(s.url+"/ui/releases/"+rel+"/source/src/str.c"), chromedp.WaitVisible(chromedp.CSS(`main h1`))); err != nil {
		t.Fatal(err)
	}
	html, err := chromedp.Run(nctx, chromedp.OuterHTML(chromedp.CSS(`html`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html, "Not found") || strings.Contains(html, marker) || strings.Contains(html, "vsf_sysutil_extra") {
		t.Errorf("the page of an evaluator without a grant shows the source, or is not the not-found page:\n%s", html)
	}
	checkPage(t, nctx, axe, dir, "08-refused")
	t.Logf("screenshots in %s", dir)
}
