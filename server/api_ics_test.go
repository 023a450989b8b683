package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/server"
	"glassbox.dev/standard"
)

// send makes one request with a raw body of a content type as a party and
// returns the status, the answer's headers and its body.
func (m *matrixCentre) send(t *testing.T, as, method, path, contentType string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, m.url+path, bytes.NewReader(body))
	if s := m.secrets[as]; s != "" {
		req.Header.Set("Authorization", "Bearer "+s)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s as %s: %v", method, path, as, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// TestICSOverTheAPI, on SQLite and on PostgreSQL: a release has no ICS
// until its vendor PUTs one (404 saying how); a statement the catalog
// refuses is 400 naming the provision, and nothing is kept; evaluators,
// auditors and anonymous callers may not state the vendor's conformance;
// the vendor's statement is then served as the canonical JSON its digest
// names, to the vendor and to the evaluator under a grant, and each read
// is on the access record.
func TestICSOverTheAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a centre with a log")
	}
	dbs := map[string]func(t *testing.T) string{"sqlite": func(*testing.T) string { return "" }}
	if pg := os.Getenv("GLASSBOX_TEST_POSTGRES"); pg != "" {
		dbs["postgres"] = func(t *testing.T) string { return centretest.PostgresSchema(t, pg) }
	} else {
		t.Log("GLASSBOX_TEST_POSTGRES is not set: SQLite only")
	}
	example, err := os.ReadFile("../examples/hello/ics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, db := range dbs {
		t.Run(name, func(t *testing.T) {
			m := newMatrixCentreOn(t, db(t))
			srv := httptest.NewServer(m.handler(t))
			defer srv.Close()
			m.url = srv.URL
			path := "/api/v1/releases/" + string(m.rel["A"].ID) + "/ics"
			const pattern = "/api/v1/releases/{release}/ics"
			check := func(what, method string, code int, h http.Header, b []byte, want int, says string) {
				t.Helper()
				if code != want || !strings.Contains(string(b), says) {
					t.Errorf("%s: %d %s; want %d saying %q", what, code, b, want, says)
				}
				if err := server.ValidateResponse(method, pattern, code, h.Get("Content-Type"), b); err != nil {
					t.Errorf("%s: %v", what, err)
				}
			}
			stored := func() []glassbox.Digest {
				ds, err := m.c.Store.FindEvidence(t.Context(), m.rel["A"].ID, standard.KindICS)
				if err != nil {
					t.Fatal(err)
				}
				return ds
			}

			code, h, b := m.send(t, vendorA, "GET", path, "", nil)
			check("GET before any ICS", "GET", code, h, b, 404, "has no ICS")

			bad := bytes.Replace(example, []byte(`  "5.1-1":`), []byte(`  "5.1-9":`), 1)
			code, h, b = m.send(t, vendorA, "PUT", path, "application/yaml", bad)
			check("PUT of an ICS naming no provision of the standard", "PUT", code, h, b, 400, `provision \"5.1-9\" is not a provision of en-303-645`)
			mandatory := bytes.Replace(example, []byte("  \"5.13-1A\":\n    support: yes"), []byte("  \"5.13-1A\":\n    support: not-applicable"), 1)
			code, h, b = m.send(t, vendorA, "PUT", path, "application/yaml", mandatory)
			check("PUT of a mandatory provision answered not-applicable", "PUT", code, h, b, 400, "provision 5.13-1A: is mandatory for every product")
			code, h, b = m.send(t, vendorA, "PUT", path, "text/plain", example)
			check("PUT as text/plain", "PUT", code, h, b, 400, "application/yaml or application/json")
			code, h, b = m.send(t, vendorA, "PUT", path, "application/yaml", bytes.Repeat([]byte("#"), standard.MaxICSSize+1))
			check("PUT of more than an ICS takes", "PUT", code, h, b, 413, "too_large")
			for _, as := range []string{evalGranted, auditor} {
				code, h, b = m.send(t, as, "PUT", path, "application/yaml", example)
				check("PUT as "+as, "PUT", code, h, b, 403, "declare")
			}
			code, h, b = m.send(t, anonymous, "PUT", path, "application/yaml", example)
			check("PUT anonymously", "PUT", code, h, b, 401, "token")
			code, h, b = m.send(t, vendorB, "PUT", path, "application/yaml", example)
			check("PUT by another vendor", "PUT", code, h, b, 404, "visible")
			if ds := stored(); len(ds) != 0 {
				t.Fatalf("after refusals alone the release has ICS evidence %v", ds)
			}

			code, h, b = m.send(t, vendorA, "PUT", path, "application/yaml; charset=utf-8", example)
			check("the vendor's PUT", "PUT", code, h, b, 200, `"kind":"vendor/ics"`)
			var out server.ICSStored
			if err := json.Unmarshal(b, &out); err != nil || out.Answered != 78 || out.Of != 78 || out.Standard != standard.EN || out.Release != m.rel["A"].ID {
				t.Fatalf("the vendor's PUT answered %+v (%v)", out, err)
			}
			if ds := stored(); len(ds) != 1 || ds[0] != out.Digest {
				t.Fatalf("the release's ICS evidence is %v; want %s", ds, out.Digest)
			}

			for _, as := range []string{vendorA, evalGranted} {
				code, h, b = m.send(t, as, "GET", path, "", nil)
				check("GET as "+as, "GET", code, h, b, 200, `"standard":"en-303-645"`)
				if glassbox.DigestOf(b) != out.Digest || h.Get("Digest") != "sha-256="+string(out.Digest) {
					t.Errorf("GET as %s served %d bytes (digest %s, header %q); want the canonical JSON %s", as, len(b), glassbox.DigestOf(b), h.Get("Digest"), out.Digest)
				}
			}
			code, h, b = m.send(t, evalNoGrant, "GET", path, "", nil)
			check("GET without a grant", "GET", code, h, b, 404, "visible")

			// Both reads, on the vendor's access record.
			code, b = m.call(t, vendorA, "GET", "/api/v1/releases/"+string(m.rel["A"].ID)+"/access", nil)
			var rec struct {
				Entries []struct {
					Access struct {
						Kind   string `json:"kind"`
						Reader struct{ User string }
						Paths  []struct{ Path, Digest string }
					} `json:"access"`
				} `json:"entries"`
			}
			if err := json.Unmarshal(b, &rec); code != 200 || err != nil {
				t.Fatalf("the access record: %d %s", code, b)
			}
			readers := map[string]bool{}
			for _, e := range rec.Entries {
				a := e.Access
				if a.Kind == server.ICSKind && len(a.Paths) == 1 && a.Paths[0].Path == "vendor-ics" && a.Paths[0].Digest == string(out.Digest) {
					readers[a.Reader.User] = true
				}
			}
			if !readers["alice"] || !readers["erin"] || len(readers) != 2 {
				t.Errorf("the access record holds reads of the ICS by %v; want alice and erin", readers)
			}
		})
	}
}
