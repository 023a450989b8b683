package server

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
)

func newServer(t *testing.T, token string) *httptest.Server {
	t.Helper()
	return newCentre(t, token).srv
}

func do(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAPI(t *testing.T) {
	srv := newServer(t, "tok")
	subject := glassbox.DigestOf([]byte("firmware"))
	body, _ := json.Marshal(AttestRequest{
		Subjects:      []attest.Subject{{Name: "fw.bin", Digest: subject}},
		PredicateType: "https://glassbox.dev/test/v1",
		Predicate:     json.RawMessage(`{"ok":true}`),
	})
	for _, tc := range []struct {
		name, method, path, token, body string
		code                            int
		want                            string
	}{
		{"no token", "POST", "/attestations", "", string(body), 401, "token"},
		{"wrong token", "POST", "/attestations", "nope", string(body), 401, "token"},
		{"not a request", "POST", "/attestations", "tok", `{"subjects":1}`, 400, "not an attestation request"},
		{"unknown field", "POST", "/attestations", "tok", `{"extra":1}`, 400, "unexpected field"},
		{"no subjects", "POST", "/attestations", "tok", `{"predicateType":"https://x.example/p","predicate":{}}`, 400, "subject"},
		{"attest", "POST", "/attestations", "tok", string(body), 200, "c2sp.org/tlog-proof@v1"},
		{"again: same index", "POST", "/attestations", "tok", string(body), 200, "index 0"},
		{"by subject", "GET", "/attestations/" + string(subject), "", "", 200, `"log_index": 0`},
		{"bad digest", "GET", "/attestations/sha256:zz", "", "", 400, "not a digest"},
		{"nothing about it", "GET", "/attestations/" + string(glassbox.DigestOf(nil)), "", "", 200, `"attestations": []`},
		{"checkpoint", "GET", "/checkpoint", "", "", 200, "server.test/log\n"},
		{"no writes to the log", "PUT", "/checkpoint", "", "", 405, ""},
		{"metrics", "GET", "/metrics", "", "", 200, `glassbox_attestations_total{result="logged"} 2`},
	} {
		code, got := do(t, tc.method, srv.URL+tc.path, tc.token, tc.body)
		got = strings.ReplaceAll(got, `"log_index":0`, `"log_index": 0`)
		got = strings.ReplaceAll(got, `"attestations":[]`, `"attestations": []`)
		if code != tc.code || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %s %s = %d %q; want %d and %q", tc.name, tc.method, tc.path, code, clip(got), tc.code, tc.want)
		}
	}
}

func TestWritesDisabledWithoutToken(t *testing.T) {
	srv := newServer(t, "")
	if code, body := do(t, "POST", srv.URL+"/attestations", "anything", "{}"); code != 403 || !strings.Contains(body, "--token") {
		t.Errorf("POST with writes disabled = %d %s", code, body)
	}
}

func TestGracefulShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		io.WriteString(w, "finished")
	})
	go func() {
		done <- ListenAndServe(ctx, "127.0.0.1:0", slow, Limits{MaxConns: 4, Grace: 5 * time.Second}, func(a net.Addr) { addr <- a.String() })
	}()
	url := "http://" + <-addr
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get(url)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	if r := <-got; r != "finished" {
		t.Errorf("a request in flight during shutdown got %q", r)
	}
	if err := <-done; err != nil {
		t.Errorf("ListenAndServe after shutdown: %v", err)
	}
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
