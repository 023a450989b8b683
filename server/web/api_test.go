package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"glassbox.dev"
	"glassbox.dev/centre/stage"
	"glassbox.dev/evaluate"
	"glassbox.dev/ingest"
	"glassbox.dev/party"
	"glassbox.dev/server"
)

var releaseID = regexp.MustCompile(`sha256:[0-9a-f]{64}`)

// answerSchema names the OpenAPI component each success answers with.
var answerSchema = map[string]string{
	"POST /api/v1/releases/{release}/triage": "Triage",
	"GET /api/v1/releases/{release}/review":  "Review",
	"POST /api/v1/releases/{release}/review": "ReviewMark",
}

// validate checks raw against a component schema of API v1's OpenAPI
// document.
func validate(t *testing.T, component string, raw []byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(server.OpenAPI()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const url = "https://glassbox.dev/api/v1/openapi.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url + "#/components/schemas/" + component)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("an answer is not a %s as the OpenAPI document says: %v\n%s", component, err, raw)
	}
}

// api calls API v1 of the site with a token of user's, and decodes the
// answer into out.
func (s *site) api(t *testing.T, token, method, path string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		// Every answer is as the OpenAPI document says.
		if schema, ok := answerSchema[method+" "+releaseID.ReplaceAllString(strings.SplitN(path, "?", 2)[0], "{release}")]; ok {
			validate(t, schema, raw)
		}
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, raw)
		}
	}
	return resp.StatusCode
}

func (s *site) token(t *testing.T, user string, scopes ...glassbox.Scope) string {
	t.Helper()
	secret, _, err := s.ps.IssueToken(t.Context(), party.LocalOperator(), user, "test", scopes, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// TestTriageAndReviewOverTheAPI: what the workspace's forms do, a script
// does over API v1: dismiss a finding (a reason required), list the
// decisions, which the next evaluation applies; review a release's delta
// to full coverage. The vendor reads, and may not decide.
func TestTriageAndReviewOverTheAPI(t *testing.T) {
	s := newSite(t)
	rel := "/api/v1/releases/" + string(s.rel.ID)
	eve := s.token(t, "eve", glassbox.ScopeRead, glassbox.ScopeJudge, glassbox.ScopeEvaluate)
	alice := s.token(t, "alice", glassbox.ScopeRead, glassbox.ScopeSubmit)

	var res struct {
		Findings []glassbox.Finding `json:"findings"`
	}
	if found, err := s.c.Jobs(s.rel, false).Stored(t.Context(), stage.KindScanResult, &res); err != nil || !found || len(res.Findings) == 0 {
		t.Fatalf("the scan result: %v %v", found, err)
	}
	fp := res.Findings[0].Fingerprint
	if code := s.api(t, eve, "POST", rel+"/triage", server.TriageRequest{Fingerprint: fp, Decision: "dismissed"}, nil); code != 400 {
		t.Errorf("a dismissal without a reason: %d; want 400", code)
	}
	if code := s.api(t, eve, "POST", rel+"/triage", server.TriageRequest{Fingerprint: fp, Decision: "maybe"}, nil); code != 400 {
		t.Errorf("a decision neither confirmed nor dismissed: %d; want 400", code)
	}
	if code := s.api(t, alice, "POST", rel+"/triage", server.TriageRequest{Fingerprint: fp, Decision: "dismissed", Reason: "ours"}, nil); code != 403 {
		t.Errorf("the vendor dismisses a finding of its own release: %d; want 403", code)
	}
	var tr glassbox.Triage
	if code := s.api(t, eve, "POST", rel+"/triage", server.TriageRequest{Fingerprint: fp, Decision: "dismissed", Reason: "a test fixture"}, &tr); code != 201 || tr.Evaluator != "eve@lab" || !tr.Dismissed {
		t.Fatalf("a dismissal: %d %+v", code, tr)
	}
	var list struct{ Decisions []glassbox.Triage }
	if code := s.api(t, alice, "GET", rel+"/triage", nil, &list); code != 200 || len(list.Decisions) != 1 || list.Decisions[0].Fingerprint != fp {
		t.Errorf("the vendor lists the decisions: %d %+v", code, list)
	}
	if supp, err := evaluate.Dismissals(t.Context(), s.c.Store, s.rel.ID); err != nil || len(supp) != 1 {
		t.Errorf("the next evaluation's suppressions: %+v, %v", supp, err)
	}

	// A second version, and its review.
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "src"), 0o755)
	os.WriteFile(filepath.Join(src, "src", "main.c"), []byte("int main(void) { return 0; }\n"), 0o644)
	os.WriteFile(filepath.Join(src, "README.md"), []byte("# router\n"), 0o644)
	next, err := s.c.Submit(t.Context(), ingest.Request{Product: "acme/router", Version: "1.1.0", SourceDir: src, Limits: ingest.DefaultLimits()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	head := "/api/v1/releases/" + string(next.Release.ID)
	var rev server.ReviewResult
	if code := s.api(t, eve, "GET", head+"/review", nil, &rev); code != 200 || rev.Base != s.rel.ID || rev.Coverage != 0 || len(rev.Files) != 2 {
		t.Fatalf("the review: %d %+v", code, rev)
	}
	if code := s.api(t, eve, "GET", rel+"/review", nil, nil); code != 404 {
		t.Errorf("the review of the first release, which has nothing before it: %d; want 404", code)
	}
	if code := s.api(t, eve, "POST", head+"/review", server.MarkRequest{Path: "README.md"}, nil); code != 404 {
		t.Errorf("marking an unchanged file reviewed: %d; want 404", code)
	}
	for _, f := range rev.Files {
		var m glassbox.ReviewMark
		if code := s.api(t, eve, "POST", head+"/review", server.MarkRequest{Base: string(s.rel.ID), Path: f.Path}, &m); code != 201 || m.Evaluator != "eve@lab" {
			t.Fatalf("mark %s reviewed: %d %+v", f.Path, code, m)
		}
	}
	if code := s.api(t, alice, "GET", head+"/review", nil, &rev); code != 200 || rev.Coverage != 1 || rev.Reviewed != rev.Changed {
		t.Errorf("after every file is marked, the vendor reads the review: %d %+v", code, rev)
	}
	if code := s.api(t, alice, "POST", head+"/review", server.MarkRequest{Path: "src/main.c"}, nil); code != 403 {
		t.Errorf("the vendor marks a file reviewed: %d; want 403", code)
	}
}
