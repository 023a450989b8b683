package server_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/access"
	"glassbox.dev/attest"
	"glassbox.dev/centre"
	"glassbox.dev/server"
	"glassbox.dev/server/backend"
)

// TestRequestsAreBounded: a token that sends faster than its rate is told
// to wait (429, Retry-After) while another token is served; a body over a
// route's limit is 413; a body with a field the route does not take is
// 400, naming it; every refusal is a JSON error with a stable code.
func TestRequestsAreBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a centre with a log")
	}
	m := newMatrixCentre(t)
	api := m.api(t, func(b *server.Backend) { b.Rate, b.Burst = 1, 3 })
	m.url = newServer(t, server.New(m.c.Notary, m.c.Log, "").WithAPI(api).Handler())

	limited := 0
	for range 10 {
		req, _ := http.NewRequest("GET", m.url+"/api/v1/whoami", nil)
		req.Header.Set("Authorization", "Bearer "+m.secrets[vendorA])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e server.APIError
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode == 429 {
			limited++
			if resp.Header.Get("Retry-After") == "" || e.Error.Code != "rate_limited" {
				t.Fatalf("429 without Retry-After or code: %+v", e)
			}
		}
	}
	if limited < 5 {
		t.Fatalf("10 requests at once with a burst of 3: %d refused, want at least 5", limited)
	}
	if code, _ := m.call(t, vendorB, "GET", "/api/v1/whoami", nil); code != 200 {
		t.Fatalf("another token was refused too: %d", code)
	}

	big := strings.Repeat("x", 100<<10)
	code, b := m.call(t, evalGranted, "POST", "/api/v1/releases/"+string(m.rel["A"].ID)+"/judgements", server.JudgeRequest{Control: "I.2.a", Satisfied: true, Note: big})
	if code != 413 || !bytes.Contains(b, []byte(`"too_large"`)) {
		t.Fatalf("a 100 KiB judgement: %d %s, want 413 too_large", code, b)
	}
	code, b = m.call(t, evalGranted, "POST", "/api/v1/releases/"+string(m.rel["A"].ID)+"/judgements", map[string]any{"control": "I.2.a", "satisfied": true, "note": "n", "evaluator": "someone else"})
	if code != 400 || !bytes.Contains(b, []byte("evaluator")) {
		t.Fatalf("a judgement naming its own evaluator: %d %s, want 400 naming the field", code, b)
	}
}

// api builds the matrix centre's API with the backend adjusted by adjust.
func (m *matrixCentre) api(t *testing.T, adjust func(*server.Backend)) *server.API {
	t.Helper()
	pub, err := attest.LoadPublicKey(centre.KeyDir(m.c.Data) + "/" + attest.AttestationPubFile)
	if err != nil {
		t.Fatal(err)
	}
	b, err := backend.New(m.c, m.ps, backend.AccessRecord(access.NewRecorder(m.c.Notary, m.c.Store, pub)), nil)
	if err != nil {
		t.Fatal(err)
	}
	adjust(&b)
	api, err := server.NewAPI(b)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// TestTokensNeverLogged: whatever a request does (succeeds, is refused,
// fails), no token secret reaches the log, at the most verbose level.
func TestTokensNeverLogged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a centre with a log")
	}
	var logs bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(old)
	m := newMatrixCentre(t)
	m.url = newServer(t, m.handler(t))
	rel := string(m.rel["A"].ID)
	for _, as := range parties {
		m.call(t, as, "GET", "/api/v1/whoami", nil)
		m.call(t, as, "GET", "/api/v1/releases/"+rel+"/source/src/main.c", nil)
		m.call(t, as, "POST", "/api/v1/releases/"+rel+"/evaluations", server.EvaluateRequest{})
		m.call(t, as, "POST", "/api/v1/tokens", server.CreateTokenRequest{User: "otto", Scopes: []glassbox.Scope{glassbox.ScopeRead}})
	}
	m.secrets["garbage"] = "gbx_" + strings.Repeat("A", 43)
	m.call(t, "garbage", "GET", "/api/v1/whoami", nil)
	if logs.Len() == 0 {
		t.Fatal("nothing was logged: the test would prove nothing")
	}
	for name, secret := range m.secrets {
		if secret != "" && bytes.Contains(logs.Bytes(), []byte(secret)) {
			t.Errorf("the secret of %s's token is in the log", name)
		}
	}
	if bytes.Contains(logs.Bytes(), []byte("gbx_")) {
		t.Errorf("something that looks like a token secret is in the log")
	}
}

// TestMetricsNeedAScope: the centre's metrics go to its administrators
// and auditors only.
func TestMetricsNeedAScope(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a centre with a log")
	}
	m := newMatrixCentre(t)
	m.url = newServer(t, m.handler(t))
	for as, want := range map[string]int{anonymous: 401, vendorA: 403, evalGranted: 403, auditor: 200, admin: 200, revokedToken: 401} {
		if code, b := m.call(t, as, "GET", "/metrics", nil); code != want {
			t.Errorf("GET /metrics as %s: %d, want %d: %s", as, code, want, b)
		} else if code == 200 && !bytes.Contains(b, []byte("glassbox_log_size")) {
			t.Errorf("GET /metrics as %s: no metrics in %q", as, b)
		}
	}
}
