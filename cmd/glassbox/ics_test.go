package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/access"
	"glassbox.dev/attest"
	"glassbox.dev/centre"
	"glassbox.dev/ingest"
	"glassbox.dev/party"
	"glassbox.dev/server"
	"glassbox.dev/server/backend"
)

// A vendor's ICS is checked against the catalog and stored as canonical
// JSON evidence of the release, which cat prints and show lists; a
// statement that contradicts the catalog is refused and nothing is stored.
func TestICSSubmitAndShow(t *testing.T) {
	data, id := submitSmall(t)
	d := dataArgs(t, data)
	tmpl := mustRun(t, "ics", "template")
	if !strings.Contains(tmpl, `"5.1-1":`) || !strings.Contains(tmpl, "TS 103 701 test group 5.13-1B") {
		t.Errorf("ics template printed\n%.400s", tmpl)
	}
	example, err := os.ReadFile("../../examples/hello/ics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct{ name, old, new, want string }{
		{"unknown provision", `  "5.1-1":`, `  "5.1-9":`, `provision "5.1-9" is not a provision of en-303-645`},
		{"mandatory not applicable", "  \"5.13-1A\":\n    support: yes", "  \"5.13-1A\":\n    support: not-applicable", "provision 5.13-1A: is mandatory for every product and cannot be not-applicable"},
	} {
		bad := filepath.Join(dir, "bad.yaml")
		os.WriteFile(bad, []byte(strings.Replace(string(example), tc.old, tc.new, 1)), 0o644)
		code, _, errOut := glassboxRun(t, append(d, "ics", "submit", id, bad)...)
		if code != exitRefused || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, bad) {
			t.Errorf("%s: exit %d, %q; want exit %d naming the file and saying %q", tc.name, code, errOut, exitRefused, tc.want)
		}
	}
	if code, _, errOut := glassboxRun(t, append(d, "ics", "show", id)...); code != exitRefused || !strings.Contains(errOut, "has no ICS") {
		t.Errorf("after refusals, ics show: exit %d, %q; want no ICS stored", code, errOut)
	}

	good := filepath.Join(dir, "ics.yaml")
	os.WriteFile(good, example, 0o644)
	var sub struct {
		Digest, Kind, Standard string
		Answered, Of           int
	}
	if err := json.Unmarshal([]byte(mustRun(t, append(d, "ics", "submit", id, good, "--json")...)), &sub); err != nil {
		t.Fatal(err)
	}
	if sub.Kind != "vendor/ics" || sub.Standard != "en-303-645" || sub.Answered != 78 || sub.Of != 78 || !strings.HasPrefix(sub.Digest, "sha256:") {
		t.Errorf("ics submit --json = %+v", sub)
	}
	stored := mustRun(t, append(d, "cat", sub.Digest)...)
	if !strings.HasPrefix(stored, `{"features":{`) || !strings.Contains(stored, `"name":"hello"`) || !strings.Contains(stored, `"intended_use":`) {
		t.Errorf("cat %s printed %.300s; want the canonical JSON", sub.Digest, stored)
	}
	out := mustRun(t, append(d, "ics", "show", "acme/router@1.4.2")...)
	if !strings.Contains(out, sub.Digest) || !strings.Contains(out, "product hello by Example Vendor") || !strings.Contains(out, "5.3-4A") {
		t.Errorf("ics show printed\n%s", out)
	}
}

// TestICSRemote: with --server, ics submit and show go through the
// centre's API as the token's party: the vendor's statement refused says
// which provision of which file, and nothing is stored; the vendor's
// statement accepted is what show then prints; an evaluator under a grant
// reads it but may not submit one.
func TestICSRemote(t *testing.T) {
	t.Setenv("GLASSBOX_TOKEN", "")
	t.Setenv("GLASSBOX_SERVER", "")
	ctx := context.Background()
	data := t.TempDir()
	if _, err := attest.GenerateKeys(centre.KeyDir(data), "ics.test/log", false); err != nil {
		t.Fatal(err)
	}
	c, err := centre.Open(ctx, data, centre.Options{Log: centre.WithLog})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ps := party.New(c.Store.(glassbox.PartyStore))
	op := party.LocalOperator()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	tokens, secrets := map[string]string{}, map[string]string{}
	for _, p := range []struct {
		org  glassbox.Organisation
		user glassbox.User
	}{
		{glassbox.Organisation{ID: "acme", Name: "ACME", Kind: glassbox.OrgVendor}, glassbox.User{ID: "alice", OrgID: "acme", Name: "Alice", Role: glassbox.RoleVendor}},
		{glassbox.Organisation{ID: "lab", Name: "Lab", Kind: glassbox.OrgEvaluator}, glassbox.User{ID: "eve", OrgID: "lab", Name: "Eve", Role: glassbox.RoleEvaluator}},
	} {
		_, err := ps.CreateOrg(ctx, op, p.org)
		must(err)
		_, err = ps.CreateUser(ctx, op, p.user)
		must(err)
		secret, _, err := ps.IssueToken(ctx, op, p.user.ID, "ics test", nil, time.Hour)
		must(err)
		secrets[p.user.ID] = secret
		tokens[p.user.ID] = writeFile(t, filepath.Join(t.TempDir(), p.user.ID+".token"), []byte(secret+"\n"))
	}
	alice, err := ps.Authenticate(ctx, secrets["alice"])
	must(err)
	must(ps.ClaimForSubmit(ctx, alice, "acme/router"))
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "main.go"), []byte("package main\n\nfunc main() {}\n"))
	if _, err := c.Submit(ctx, ingest.Request{Product: "acme/router", Version: "1.4.2", SourceDir: src, Limits: ingest.DefaultLimits()}, nil); err != nil {
		t.Fatal(err)
	}
	_, err = ps.CreateGrant(ctx, op, glassbox.Grant{Product: "acme/router", Evaluator: "lab", Expires: time.Now().Add(time.Hour)})
	must(err)
	pub, err := attest.LoadPublicKey(filepath.Join(centre.KeyDir(data), attest.AttestationPubFile))
	must(err)
	b, err := backend.New(c, ps, backend.AccessRecord(access.NewRecorder(c.Notary, c.Store, pub)), nil)
	must(err)
	api, err := server.NewAPI(b)
	must(err)
	srv := httptest.NewServer(server.New(c.Notary, c.Log, "").WithAPI(api).Handler())
	defer srv.Close()
	as := func(user string, args ...string) []string {
		return append([]string{"--server", srv.URL, "--token-file", tokens[user], "--data", t.TempDir()}, args...)
	}

	example, err := os.ReadFile("../../examples/hello/ics.yaml")
	must(err)
	dir := t.TempDir()
	bad := writeFile(t, filepath.Join(dir, "bad.yaml"), []byte(strings.Replace(string(example), `  "5.1-1":`, `  "5.1-9":`, 1)))
	code, _, errOut := glassboxRun(t, as("alice", "ics", "submit", "acme/router@1.4.2", bad)...)
	if code != exitRefused || !strings.Contains(errOut, bad+`: provision "5.1-9" is not a provision of en-303-645`) {
		t.Errorf("a refused statement over the API: exit %d, %q; want exit 1 naming the file and the provision", code, errOut)
	}
	if code, _, errOut := glassboxRun(t, as("alice", "ics", "show", "acme/router@1.4.2")...); code != exitRefused || !strings.Contains(errOut, "has no ICS") {
		t.Errorf("ics show before any statement: exit %d, %q", code, errOut)
	}
	good := writeFile(t, filepath.Join(dir, "ics.yaml"), example)
	if code, _, errOut := glassboxRun(t, as("eve", "ics", "submit", "acme/router@1.4.2", good)...); code != exitRefused || !strings.Contains(errOut, "declare") {
		t.Errorf("an evaluator submits the vendor's statement: exit %d, %q; want it refused", code, errOut)
	}
	var sub struct {
		Digest, Kind, Standard string
		Answered, Of           int
	}
	if err := json.Unmarshal([]byte(mustRun(t, as("alice", "ics", "submit", "acme/router@1.4.2", good, "--json")...)), &sub); err != nil {
		t.Fatal(err)
	}
	if sub.Kind != "vendor/ics" || sub.Answered != 78 || sub.Of != 78 || !strings.HasPrefix(sub.Digest, "sha256:") {
		t.Errorf("ics submit --server --json = %+v", sub)
	}
	for _, user := range []string{"alice", "eve"} {
		out := mustRun(t, as(user, "ics", "show", "acme/router@1.4.2")...)
		if !strings.Contains(out, "ICS "+sub.Digest) || !strings.Contains(out, "product hello by Example Vendor") || !regexp.MustCompile(`5\.0-1\s+M\s+yes`).MatchString(out) {
			t.Errorf("ics show --server as %s printed\n%s", user, out)
		}
	}
}
