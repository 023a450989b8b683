package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"glassbox.dev/internal/passkeytest"
)

// script posts JSON as the passkey script does, with the page's CSRF
// token in its header, and returns the status and the answer.
func (b *browser) script(path, csrf string, body any) (int, []byte) {
	b.t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		b.t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", b.s.url+path, strings.NewReader(string(raw)))
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

var scriptCSRF = regexp.MustCompile(`data-csrf="([^"]+)"`)

// csrfOf returns the form token of a page, in a form or for the script.
func (b *browser) csrfOf(page string) string {
	b.t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		m = scriptCSRF.FindStringSubmatch(page)
	}
	if m == nil {
		b.t.Fatalf("the page has no form token:\n%s", page)
	}
	return m[1]
}

var confirmOptions = regexp.MustCompile(`(?s)<script type="application/json" id="passkey-options">(.*?)</script>`)

// TestPasskeySignIn: at http://localhost a signed-in evaluator adds a
// passkey (a software authenticator answering as chromium's would); from
// then on the password alone leads only to the passkey's confirmation, and
// the passkey alone signs in. Every script request needs the form's token;
// at an address passkeys cannot be bound to (an IP), the pages say how to
// configure the origin and the script's requests are refused.
func TestPasskeySignIn(t *testing.T) {
	s := newSite(t)
	local := *s
	local.url = strings.Replace(s.url, "127.0.0.1", "localhost", 1)
	key := passkeytest.New(local.url, "localhost")

	b := local.browser(t)
	b.signIn("eve")
	_, page, _ := b.get("/ui/account")
	if !strings.Contains(page, `data-passkey="register"`) || !strings.Contains(page, "no passkey yet") {
		t.Fatalf("the account page at localhost offers no passkey:\n%s", page)
	}
	csrf := b.csrfOf(page)
	if code, _ := b.script("/ui/account/passkeys/begin", "", nil); code != http.StatusForbidden {
		t.Errorf("a script request without the token: %d; want 403", code)
	}
	code, options := b.script("/ui/account/passkeys/begin", csrf, nil)
	if code != 200 || !strings.Contains(string(options), `"rp":{"name":"glassbox transparency centre","id":"localhost"}`) {
		t.Fatalf("begin adding a passkey: %d %s", code, options)
	}
	if code, out := b.script("/ui/account/passkeys/finish", csrf, map[string]any{"name": "laptop", "credential": json.RawMessage(key.Create(t, options))}); code != 200 {
		t.Fatalf("finish adding a passkey: %d %s", code, out)
	}
	if _, page, _ := b.get("/ui/account"); !strings.Contains(page, "laptop") {
		t.Fatalf("the account page does not list the new passkey:\n%s", page)
	}

	// The password alone now leads to the passkey's confirmation only.
	b2 := local.browser(t)
	code, page = b2.post("/ui/signin", "/ui/signin", url.Values{"user": {"eve"}, "password": {password}, "next": {"/ui/account"}})
	m := confirmOptions.FindStringSubmatch(page)
	if code != 200 || m == nil || strings.Contains(page, "Sign out") {
		t.Fatalf("the password of a user with a passkey: %d, not the confirmation page:\n%s", code, page)
	}
	if code, page, _ := b2.get("/ui/"); code != 200 || !strings.Contains(page, `name="password"`) {
		t.Fatalf("before the passkey confirms, the dashboard is not refused: %d", code)
	}
	code, out := b2.script("/ui/signin/passkey/finish", b2.csrfOf(page), map[string]any{"next": "/ui/account", "credential": json.RawMessage(key.Get(t, []byte(m[1]), nil))})
	if code != 200 || !strings.Contains(string(out), `"next":"/ui/account"`) {
		t.Fatalf("confirming with the passkey: %d %s", code, out)
	}
	if _, page, _ := b2.get("/ui/account"); !strings.Contains(page, "Sign out") || !strings.Contains(page, "laptop") {
		t.Fatalf("after the passkey confirmed, eve is not signed in:\n%s", page)
	}

	// The passkey alone.
	b3 := local.browser(t)
	_, page, _ = b3.get("/ui/signin")
	if !strings.Contains(page, `data-passkey="signin"`) {
		t.Fatalf("the sign-in page at localhost offers no passkey:\n%s", page)
	}
	csrf = b3.csrfOf(page)
	code, options = b3.script("/ui/signin/passkey", csrf, nil)
	if code != 200 {
		t.Fatalf("begin a passkey sign-in: %d %s", code, options)
	}
	answer := key.Get(t, options, nil)
	if code, out := b3.script("/ui/signin/passkey/finish", csrf, map[string]any{"next": "https://evil.example/", "credential": json.RawMessage(answer)}); code != 200 || !strings.Contains(string(out), `"next":"/ui/"`) {
		t.Fatalf("a passkey alone: %d %s", code, out)
	}
	if _, page, _ := b3.get("/ui/"); !strings.Contains(page, "Releases granted to Test Lab") {
		t.Fatalf("after a passkey alone, eve has no dashboard:\n%s", page)
	}
	b4 := local.browser(t)
	_, page, _ = b4.get("/ui/signin")
	if code, out := b4.script("/ui/signin/passkey/finish", b4.csrfOf(page), map[string]any{"credential": json.RawMessage(answer)}); code != http.StatusUnauthorized || !strings.Contains(string(out), `"error"`) {
		t.Errorf("an answer replayed in another browser: %d %s; want 401", code, out)
	}

	// At an IP address passkeys cannot be bound: the pages say so.
	ip := s.browser(t)
	_, page, _ = ip.get("/ui/signin")
	if strings.Contains(page, "data-passkey") {
		t.Errorf("the sign-in page at an IP address offers passkeys")
	}
	if code, out := ip.script("/ui/signin/passkey", ip.csrfOf(page), nil); code != http.StatusServiceUnavailable || !strings.Contains(string(out), "--origin") {
		t.Errorf("a passkey sign-in at an IP address: %d %s; want 503 naming --origin", code, out)
	}
	code, page = ip.post("/ui/signin", "/ui/signin", url.Values{"user": {"eve"}, "password": {password}})
	if code != http.StatusServiceUnavailable || !strings.Contains(page, "--origin") {
		t.Errorf("eve's password at an IP address: %d; want 503 naming --origin\n%s", code, page)
	}
}
