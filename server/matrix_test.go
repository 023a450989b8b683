package server_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/access"
	"glassbox.dev/attest"
	"glassbox.dev/centre"
	"glassbox.dev/ingest"
	"glassbox.dev/jobs"
	"glassbox.dev/party"
	"glassbox.dev/server"
	"glassbox.dev/server/backend"
	"glassbox.dev/standard"
)

// The parties of the authorization matrix. Every one is a real user with
// a real token of a real party service, except anonymous.
const (
	anonymous    = "anonymous"
	vendorA      = "vendor A member"
	vendorB      = "vendor B member"
	evalGranted  = "evaluator granted on A"
	evalNoGrant  = "evaluator without grant"
	evalExpired  = "evaluator with an expired grant on A"
	auditor      = "auditor"
	admin        = "admin"
	expiredToken = "expired token (vendor A)"
	revokedToken = "revoked token (vendor A)"
	wrongScope   = "wrong-scope token (vendor A, evaluate only)"
)

var parties = []string{anonymous, vendorA, vendorB, evalGranted, evalNoGrant, evalExpired, auditor, admin, expiredToken, revokedToken, wrongScope}

// who is what the matrix knows of a party, to say what it may do.
type who struct {
	role   glassbox.Role // "" for anonymous and dead tokens
	owns   string        // "A", "B" or ""
	grant  string        // the product letter it holds an active grant for
	scopes []glassbox.Scope
	dead   bool // an expired or revoked token
}

var (
	rSubmitEvalAdmin = []glassbox.Scope{glassbox.ScopeRead, glassbox.ScopeSubmit, glassbox.ScopeEvaluate, glassbox.ScopeAdmin}
	rEvalJudge       = []glassbox.Scope{glassbox.ScopeRead, glassbox.ScopeEvaluate, glassbox.ScopeJudge}
	whos             = map[string]who{
		anonymous:    {},
		vendorA:      {role: glassbox.RoleVendor, owns: "A", scopes: rSubmitEvalAdmin},
		vendorB:      {role: glassbox.RoleVendor, owns: "B", scopes: rSubmitEvalAdmin},
		evalGranted:  {role: glassbox.RoleEvaluator, grant: "A", scopes: rEvalJudge},
		evalNoGrant:  {role: glassbox.RoleEvaluator, scopes: rEvalJudge},
		evalExpired:  {role: glassbox.RoleEvaluator, scopes: rEvalJudge},
		auditor:      {role: glassbox.RoleAuditor, scopes: []glassbox.Scope{glassbox.ScopeRead}},
		admin:        {role: glassbox.RoleAdmin, scopes: glassbox.Scopes},
		expiredToken: {dead: true},
		revokedToken: {dead: true},
		wrongScope:   {role: glassbox.RoleVendor, owns: "A", scopes: []glassbox.Scope{glassbox.ScopeEvaluate}},
	}
)

func (w who) has(s glassbox.Scope) bool { return slices.Contains(w.scopes, s) }

// related: the party has a part in product x, whatever its token's
// scopes; one without is answered 404, as for a product that does not
// exist.
func (w who) related(x string) bool {
	return w.owns == x || w.grant == x || w.role == glassbox.RoleAdmin || w.role == glassbox.RoleAuditor
}

// expect is the exact status of a request by w on product x's resource
// ("" when the route is not about a product) through a route decided by
// act, whose allowed answer is ok. It is the policy as the issue states
// it, written independently of package party.
func expect(act server.Action, w who, x string, ok int) int {
	if w.dead {
		return 401
	}
	if w.role == "" && act != party.ActPublic {
		return 401
	}
	// on decides a product-scoped right: allowed, forbidden to one with
	// a part in the product, not found to anyone else.
	on := func(allowed bool) int {
		switch {
		case allowed:
			return ok
		case x != "" && !w.related(x):
			return 404
		}
		return 403
	}
	isAdmin, isAuditor := w.role == glassbox.RoleAdmin, w.role == glassbox.RoleAuditor
	switch act {
	case party.ActPublic, party.ActAuthenticated:
		return ok
	case party.ActListReleases, party.ActListGrants:
		if w.has(glassbox.ScopeRead) {
			return ok
		}
		return 403
	case party.ActReadRelease, party.ActReadJob:
		return on(w.has(glassbox.ScopeRead) && w.related(x))
	case party.ActSubmit:
		if w.role != glassbox.RoleVendor || !w.has(glassbox.ScopeSubmit) {
			return 403
		}
		if x != "" && w.owns != x {
			return 404 // another vendor's upload, or its product (403: see the submit row)
		}
		return ok
	case party.ActEvaluate:
		return on(w.has(glassbox.ScopeEvaluate) && (w.owns == x || w.grant == x || isAdmin))
	case party.ActDeclare:
		return on(isAdmin || w.role == glassbox.RoleVendor && w.has(glassbox.ScopeSubmit) && w.owns == x)
	case party.ActJudge:
		return on(w.has(glassbox.ScopeJudge) && w.role == glassbox.RoleEvaluator && w.grant == x)
	case party.ActWithdraw:
		return on(isAdmin)
	case party.ActReadAccessRecord:
		return on(w.has(glassbox.ScopeRead) && (w.owns == x || isAdmin || isAuditor))
	case party.ActGrant:
		return on(w.has(glassbox.ScopeAdmin) && (w.owns == x || isAdmin))
	case party.ActAdminRead:
		if isAdmin || isAuditor {
			return ok
		}
		return 403
	case party.ActAdmin:
		if isAdmin {
			return ok
		}
		return 403
	case party.ActSign:
		if isAdmin && w.has(glassbox.ScopeSign) {
			return ok
		}
		return 403
	}
	panic("no expectation for action " + act)
}

// matrixCentre is a real centre (keys, log, SQLite) with every party of
// the matrix, a release of product A owned by vendor A and one of product
// B owned by vendor B, served by the API on loopback.
type matrixCentre struct {
	url     string
	c       *centre.Centre
	ps      *party.Service
	secrets map[string]string
	princ   map[string]*glassbox.Principal
	rel     map[string]*glassbox.Release // "A", "B"
	product map[string]string
	control string // a control a judgement may name
	jobs    server.Jobs
}

func newMatrixCentre(t *testing.T) *matrixCentre {
	t.Helper()
	return newMatrixCentreOn(t, "")
}

// newMatrixCentreOn is newMatrixCentre with its metadata in the database
// db (a PostgreSQL URL), or in SQLite when db is "".
func newMatrixCentreOn(t *testing.T, db string) *matrixCentre {
	t.Helper()
	ctx := context.Background()
	data := t.TempDir()
	if _, err := attest.GenerateKeys(centre.KeyDir(data), "matrix.test/log", false); err != nil {
		t.Fatal(err)
	}
	c, err := centre.Open(ctx, data, centre.Options{Log: centre.WithLog, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ps := party.New(c.Store.(glassbox.PartyStore))
	m := &matrixCentre{c: c, ps: ps, secrets: map[string]string{}, princ: map[string]*glassbox.Principal{},
		rel: map[string]*glassbox.Release{}, product: map[string]string{"A": "vendor-a/router", "B": "vendor-b/camera"},
		control: "I.2.a"}
	adminSecret, created, err := ps.Bootstrap(ctx)
	if err != nil || !created {
		t.Fatalf("bootstrap: %v (created %v)", err, created)
	}
	m.secrets[admin] = adminSecret
	op := party.LocalOperator()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	org := func(id string, kind glassbox.OrgKind) {
		_, err := ps.CreateOrg(ctx, op, glassbox.Organisation{ID: id, Name: id, Kind: kind})
		must(err)
	}
	user := func(id, orgID string, role glassbox.Role) {
		_, err := ps.CreateUser(ctx, op, glassbox.User{ID: id, OrgID: orgID, Name: id, Role: role})
		must(err)
	}
	token := func(name, userID string, scopes []glassbox.Scope) {
		secret, _, err := ps.IssueToken(ctx, op, userID, name, scopes, 24*time.Hour)
		must(err)
		m.secrets[name] = secret
	}
	org("vendor-a", glassbox.OrgVendor)
	org("vendor-b", glassbox.OrgVendor)
	org("lab-granted", glassbox.OrgEvaluator)
	org("lab-none", glassbox.OrgEvaluator)
	org("lab-expired", glassbox.OrgEvaluator)
	// The grantee of the grants the matrix itself makes and revokes: no
	// party of the matrix, so making them changes no party's rights.
	org("lab-other", glassbox.OrgEvaluator)
	user("alice", "vendor-a", glassbox.RoleVendor)
	user("bob", "vendor-b", glassbox.RoleVendor)
	user("erin", "lab-granted", glassbox.RoleEvaluator)
	user("nick", "lab-none", glassbox.RoleEvaluator)
	user("xavier", "lab-expired", glassbox.RoleEvaluator)
	user("audrey", party.OperatorOrg, glassbox.RoleAuditor)
	user("otto", "lab-other", glassbox.RoleEvaluator)
	// The administrator of the matrix holds every scope, sign too, which
	// is never a default (the bootstrap token has every other scope): it
	// is asked for.
	token(admin, party.FirstAdmin, glassbox.Scopes)
	token(vendorA, "alice", rSubmitEvalAdmin)
	token(vendorB, "bob", rSubmitEvalAdmin)
	token(evalGranted, "erin", rEvalJudge)
	token(evalNoGrant, "nick", rEvalJudge)
	token(evalExpired, "xavier", rEvalJudge)
	token(auditor, "audrey", []glassbox.Scope{glassbox.ScopeRead})
	token(wrongScope, "alice", []glassbox.Scope{glassbox.ScopeEvaluate})
	token(revokedToken, "alice", rSubmitEvalAdmin)
	for name, secret := range m.secrets {
		p, err := ps.Authenticate(ctx, secret)
		must(err)
		m.princ[name] = p
	}
	must(ps.RevokeToken(ctx, op, m.princ[revokedToken].Token))
	// An expired token and an expired grant are made in the past.
	real := ps.Now
	ps.Now = func() time.Time { return real().Add(-72 * time.Hour) }
	token(expiredToken, "alice", rSubmitEvalAdmin)
	ps.Now = real

	for _, x := range []string{"A", "B"} {
		owner := map[string]string{"A": vendorA, "B": vendorB}[x]
		must(ps.ClaimForSubmit(ctx, m.princ[owner], m.product[x]))
		m.rel[x] = submitFixture(t, c, m.product[x])
		// A document the centre keeps about the release: the scan's SARIF.
		d, err := c.Blobs.Put(ctx, []byte(`{"version":"2.1.0","runs":[]}`))
		must(err)
		must(c.Store.RecordEvidence(ctx, m.rel[x].ID, "scan/sarif", d))
	}
	_, err = ps.CreateGrant(ctx, m.princ[vendorA], glassbox.Grant{Product: m.product["A"], Evaluator: "lab-granted", Expires: time.Now().Add(24 * time.Hour)})
	must(err)
	ps.Now = func() time.Time { return real().Add(-72 * time.Hour) }
	_, err = ps.CreateGrant(ctx, op, glassbox.Grant{Product: m.product["A"], Evaluator: "lab-expired", Expires: real().Add(-24 * time.Hour)})
	ps.Now = real
	must(err)
	return m
}

// submitFixture stores a small release of product: three source files in
// a tar.gz and one artefact.
func submitFixture(t *testing.T, c *centre.Centre, product string) *glassbox.Release {
	t.Helper()
	dir := t.TempDir()
	archive := filepath.Join(dir, "src.tar.gz")
	artifact := filepath.Join(dir, "fw.bin")
	os.WriteFile(archive, fixtureArchive(t, product, 0), 0o644)
	os.WriteFile(artifact, []byte("firmware of "+product), 0o644)
	res, err := c.Submit(context.Background(), ingest.Request{Product: product, Version: "1.0.0", SourceArchive: archive, Artifacts: []string{artifact}, Limits: ingest.DefaultLimits()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Release
}

// fixtureArchive is a small source tree as a tar.gz, with extra random
// (incompressible) bytes in one file when extra > 0.
func fixtureArchive(t *testing.T, product string, extra int) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	files := map[string]string{
		"src/main.c":  "int main(void) { return 0; }\n",
		"src/net.c":   "int listen_port = 8080;\n",
		"README.md":   "# " + product + "\n",
		"Makefile":    "all:\n\tcc -o fw src/main.c\n",
		"src/util.h":  "#define N 4\n",
		"LICENSE":     "Apache-2.0\n",
		"docs/use.md": "use it\n",
	}
	if extra > 0 {
		b := make([]byte, extra)
		rand.Read(b)
		files["assets/blob.bin"] = string(b)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		body := files[name]
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// call makes one request as a party and returns the status and body.
func (m *matrixCentre) call(t *testing.T, as, method, path string, body any) (int, []byte) {
	t.Helper()
	code, _, b := m.callType(t, as, method, path, body)
	return code, b
}

// callType is call, with the answer's content type.
func (m *matrixCentre) callType(t *testing.T, as, method, path string, body any) (int, string, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, m.url+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s := m.secrets[as]; s != "" {
		req.Header.Set("Authorization", "Bearer "+s)
	}
	if method == "PATCH" {
		req.Header.Set("Upload-Offset", "0")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s as %s: %v", method, path, as, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// matrixCase is one route's request on one product's resource.
type matrixCase struct {
	act    server.Action
	method string
	path   string
	body   any
	ok     int
	x      string // the product the resource belongs to, or ""
}

func routeKey(method, pattern string) string { return method + " " + pattern }

// TestAuthorizationMatrix: every route the API serves (from the OpenAPI
// document, so no new route escapes) × every kind of party × A's and B's
// resources answers the exact status the policy says; no party reads
// another vendor's release.
func TestAuthorizationMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a centre with a log")
	}
	m := newMatrixCentre(t)
	srv := httptest.NewServer(m.handler(t))
	defer srv.Close()
	m.url = srv.URL
	ctx := context.Background()

	art := map[string]glassbox.Digest{"A": m.rel["A"].Manifest.Artifacts[0].Digest, "B": m.rel["B"].Manifest.Artifacts[0].Digest}
	// Fresh resources for the routes that consume one (a DELETE, a
	// revocation), made as their owners before each request.
	fresh := map[string]func(x string) string{
		"upload": func(x string) string {
			owner := map[string]string{"A": vendorA, "B": vendorB}[x]
			code, b := m.call(t, owner, "POST", "/api/v1/uploads", nil)
			if code != 201 {
				t.Fatalf("upload as %s: %d %s", owner, code, b)
			}
			var u server.Upload
			json.Unmarshal(b, &u)
			return u.ID
		},
		"grant": func(x string) string {
			g, err := m.ps.CreateGrant(ctx, party.LocalOperator(), glassbox.Grant{Product: m.product[x], Evaluator: "lab-other", Expires: time.Now().Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			return g.ID
		},
		"token": func(string) string {
			_, tok, err := m.ps.IssueToken(ctx, party.LocalOperator(), "otto", "to revoke", nil, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return tok.ID
		},
		"job": func(x string) string { return m.endedJob(t, x) },
	}
	seq := 0
	unique := func() string { seq++; return fmt.Sprintf("m%04d", seq) }
	cases := func(rt server.Route) []matrixCase {
		var out []matrixCase
		for _, x := range []string{"A", "B"} {
			path := rt.Pattern
			path = strings.ReplaceAll(path, "{release}", string(m.rel[x].ID))
			path = strings.ReplaceAll(path, "{digest}", string(art[x]))
			path = strings.ReplaceAll(path, "{path}", "src/main.c")
			path = strings.ReplaceAll(path, "{name}", "fw.bin")
			path = strings.ReplaceAll(path, "{kind}", "scan/sarif")
			c := matrixCase{act: rt.Action, method: rt.Method, ok: 200, x: x}
			if !strings.Contains(rt.Pattern, "{") && rt.Action != party.ActGrant && !(rt.Method == "POST" && rt.Pattern == "/api/v1/releases") {
				c.x = "" // not about a product: once is enough
			}
			for _, v := range []string{"upload", "grant", "token", "job"} {
				if strings.Contains(path, "{"+v+"}") {
					path = strings.ReplaceAll(path, "{"+v+"}", "\x00"+v) // made fresh per request
				}
			}
			c.path = path
			switch routeKey(rt.Method, rt.Pattern) {
			case "GET /api/v1/releases/{release}/search":
				c.path += "?q=int"
			case "POST /api/v1/releases/{release}/triage":
				c.body = server.TriageRequest{Fingerprint: "matrix", Decision: "confirmed"}
				c.ok = 404 // the release has not been scanned: refused after the policy allowed it
			case "GET /api/v1/releases/{release}/ics":
				c.ok = 404 // no ICS yet (the PUT comes after the GET): after the policy allowed it
			case "PUT /api/v1/releases/{release}/ics":
				c.body = matrixICS(m.product[x])
			case "GET /api/v1/releases/{release}/review":
				c.ok = 404 // the product has no earlier release: after the policy allowed it
			case "POST /api/v1/releases/{release}/review":
				c.body = server.MarkRequest{Path: "src/main.c"}
				c.ok = 404
			case "POST /api/v1/releases":
				c.body = server.SubmitRequest{Product: m.product[x], Version: "9.9.9", Source: "0123456789abcdef0123456789abcdef"}
				c.ok = 400 // the upload does not exist: refused after the policy allowed it
			case "POST /api/v1/releases/{release}/evaluations", "POST /api/v1/releases/{release}/rebuilds", "POST /api/v1/releases/{release}/scans", "POST /api/v1/jobs/{job}/cancel":
				c.ok = 202
				if rt.Pattern == "/api/v1/jobs/{job}/cancel" {
					c.ok = 200
				}
				c.body = server.EvaluateRequest{}
			case "POST /api/v1/releases/{release}/judgements":
				c.body = server.JudgeRequest{Control: m.control, Satisfied: true, Note: "matrix"}
				c.ok = 201
			case "POST /api/v1/releases/{release}/withdrawal":
				c.body = server.WithdrawRequest{Reason: "matrix"}
			case "POST /api/v1/signing/attest":
				c.body = server.SignRequest{Subjects: []attest.Subject{{Name: "fw.bin", Digest: art[x]}}, PredicateType: "https://glassbox.dev/predicates/matrix/v1", Predicate: json.RawMessage(`{"matrix":true}`)}
			case "POST /api/v1/uploads":
				c.ok = 201
			case "DELETE /api/v1/uploads/{upload}", "DELETE /api/v1/tokens/{token}":
				c.ok = 204
			case "POST /api/v1/grants":
				c.body = server.CreateGrantRequest{Product: m.product[x], Evaluator: "lab-other", Expires: time.Now().Add(time.Hour)}
				c.ok = 201
			case "POST /api/v1/orgs":
				c.body = server.CreateOrgRequest{ID: "org-" + unique(), Name: "new", Kind: glassbox.OrgEvaluator}
				c.ok = 201
			case "POST /api/v1/users":
				c.body = server.CreateUserRequest{ID: "user-" + unique(), Org: "lab-other", Name: "new", Role: glassbox.RoleEvaluator}
				c.ok = 201
			case "POST /api/v1/tokens":
				c.body = server.CreateTokenRequest{User: "otto", Scopes: []glassbox.Scope{glassbox.ScopeRead}}
				c.ok = 201
			}
			out = append(out, c)
			if c.x == "" {
				break
			}
		}
		return out
	}
	var failures []string
	cells := 0
	for _, rt := range server.DocumentedRoutes(t) {
		for _, c := range cases(rt) {
			for _, as := range parties {
				w := whos[as]
				path := c.path
				for _, v := range []string{"upload", "grant", "token", "job"} {
					if strings.Contains(path, "\x00"+v) {
						path = strings.ReplaceAll(path, "\x00"+v, fresh[v](c.x))
					}
				}
				body := c.body
				if b, ok := body.(server.CreateOrgRequest); ok {
					b.ID = "org-" + unique()
					body = b
				}
				if b, ok := body.(server.CreateUserRequest); ok {
					b.ID = "user-" + unique()
					body = b
				}
				want := expect(c.act, w, c.x, c.ok)
				if c.act == party.ActSubmit && c.method == "POST" && strings.HasSuffix(c.path, "/releases") && w.role == glassbox.RoleVendor && w.has(glassbox.ScopeSubmit) && w.owns != c.x {
					want = 403 // another vendor's product name: refused, and said so
				}
				got, ctype, b := m.callType(t, as, c.method, path, body)
				cells++
				if err := server.ValidateResponse(c.method, rt.Pattern, got, ctype, b); err != nil {
					failures = append(failures, fmt.Sprintf("as %s: %v", as, err))
				}
				if got != want {
					failures = append(failures, fmt.Sprintf("%s %s on %s's resource as %s: %d, want %d: %s", c.method, rt.Pattern, c.x, as, got, want, strings.TrimSpace(string(b))))
				}
			}
		}
	}
	// The one list of releases, filtered per party: no party sees
	// another vendor's release in it.
	for _, as := range parties {
		w := whos[as]
		if w.dead || w.role == "" || !w.has(glassbox.ScopeRead) {
			continue
		}
		code, b := m.call(t, as, "GET", "/api/v1/releases", nil)
		var out struct{ Releases []*glassbox.Release }
		if code != 200 || json.Unmarshal(b, &out) != nil {
			t.Fatalf("list releases as %s: %d %s", as, code, b)
		}
		var got, want []string
		for _, r := range out.Releases {
			got = append(got, r.Manifest.Product)
		}
		for _, x := range []string{"A", "B"} {
			if w.related(x) {
				want = append(want, m.product[x])
			}
		}
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			failures = append(failures, fmt.Sprintf("GET /api/v1/releases as %s lists %v, want %v", as, got, want))
		}
	}
	sort.Strings(failures)
	for _, f := range failures {
		t.Error(f)
	}
	t.Logf("%d cells of the matrix checked", cells)
}

// matrixICS is a small ICS the catalog takes: the product, and the one
// provision that applies to every product answered.
func matrixICS(product string) standard.ICS {
	return standard.ICS{
		Standard: standard.EN,
		Product: standard.ICSProduct{Name: product, Description: "a router", IntendedUse: "home networking",
			Manufacturer: standard.ICSManufacturer{Name: "Vendor", Address: "1 Main Street, Springfield"}},
		Provisions: map[string]standard.ICSAnswer{"5.0-1": {Support: standard.ICSYes, Detail: "kept in the technical file"}},
	}
}

// handler serves the matrix centre's API: the real party service, access
// record and job queue (no workers: queued jobs wait).
func (m *matrixCentre) handler(t *testing.T) http.Handler {
	t.Helper()
	ctx := context.Background()
	q, err := jobs.Open(ctx, jobs.Config{DataDir: m.c.Data})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close(context.Background()) })
	m.jobs = backend.Jobs(q, m.c.ResolveRelease)
	pub, err := attest.LoadPublicKey(filepath.Join(centre.KeyDir(m.c.Data), attest.AttestationPubFile))
	if err != nil {
		t.Fatal(err)
	}
	rec := access.NewRecorder(m.c.Notary, m.c.Store, pub)
	b, err := backend.New(m.c, m.ps, backend.AccessRecord(rec), m.jobs)
	if err != nil {
		t.Fatal(err)
	}
	b.Rate = 1e6 // the matrix is one client making many requests
	api, err := server.NewAPI(b)
	if err != nil {
		t.Fatal(err)
	}
	return server.New(m.c.Notary, m.c.Log, "").WithAPI(api).Handler()
}

// endedJob queues an evaluation of x's release and cancels it, so that
// its event stream ends at once.
func (m *matrixCentre) endedJob(t *testing.T, x string) string {
	t.Helper()
	ctx := context.Background()
	j, err := m.jobs.Enqueue(ctx, m.princ[admin], m.rel[x], "evaluate", server.EvaluateRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.jobs.Cancel(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	return j.ID
}

// newServer serves h on loopback for the test and returns its URL.
func newServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
