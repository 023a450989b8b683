package main

import (
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/internal/passkeytest"
	"glassbox.dev/party"
	"glassbox.dev/sqlite"
)

// authenticate checks a secret against the data directory's database, as
// the API would.
func authenticate(t *testing.T, data, secret string) (*glassbox.Principal, error) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(data, "glassbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	return party.New(st).Authenticate(t.Context(), secret)
}

// The first bootstrap prints an administrator's token once; later ones
// print nothing and exit 1.
func TestAdminBootstrap(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	out := mustRun(t, "--data", data, "admin", "bootstrap")
	secret := strings.TrimSpace(out)
	if !strings.HasPrefix(secret, "gbx_") || strings.Count(out, "\n") != 1 {
		t.Fatalf("admin bootstrap printed %q; want the secret alone on a line", out)
	}
	p, err := authenticate(t, data, secret)
	if err != nil || p.User.Role != glassbox.RoleAdmin {
		t.Fatalf("the bootstrap token authenticates as %+v, %v; want an administrator", p, err)
	}
	code, out, errOut := glassboxRun(t, "--data", data, "admin", "bootstrap")
	if code != exitRefused || strings.Contains(out+errOut, "gbx_") {
		t.Errorf("second admin bootstrap: exit %d, %q %q; want exit 1 and no secret", code, out, errOut)
	}
	if out := mustRun(t, "--data", data, "admin", "org", "list"); !strings.Contains(out, "operator") {
		t.Errorf("org list after bootstrap: %q; want the operator", out)
	}
}

// From an empty centre to a vendor with a CI token and an evaluator with
// a grant, all recorded under the local operator; the secret is printed
// once and appears nowhere afterwards.
func TestAdminLifecycle(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	admin := func(args ...string) string {
		t.Helper()
		return mustRun(t, append([]string{"--data", data, "admin"}, args...)...)
	}
	admin("org", "create", "acme", "--kind", "vendor", "--name", "Acme Corp")
	admin("org", "create", "lab", "--kind", "evaluator", "--name", "Test Lab")
	admin("user", "create", "alice", "--org", "acme", "--role", "vendor", "--name", "Alice")
	admin("user", "create", "eve", "--org", "lab", "--role", "evaluator", "--name", "Eve")

	var tok struct {
		ID     string           `json:"id"`
		User   string           `json:"user"`
		Scopes []glassbox.Scope `json:"scopes"`
		Secret string           `json:"secret"`
	}
	if err := json.Unmarshal([]byte(admin("token", "create", "--user", "alice", "--name", "CI", "--scopes", "read,submit,admin", "--expires", "30d", "--json")), &tok); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.Secret, "gbx_") || tok.User != "alice" || len(tok.Scopes) != 3 {
		t.Fatalf("token create --json = %+v; want alice's token with three scopes and its secret", tok)
	}
	alice, err := authenticate(t, data, tok.Secret)
	if err != nil || alice.User.ID != "alice" || alice.Token != tok.ID {
		t.Fatalf("the new token authenticates as %+v, %v", alice, err)
	}

	// A grant needs the product to have a vendor: the first submission
	// claims it, here through the service as the API's submit would.
	st, err := sqlite.Open(t.Context(), filepath.Join(data, "glassbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := party.New(st).ClaimForSubmit(t.Context(), alice, "acme/router"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	var g glassbox.Grant
	if err := json.Unmarshal([]byte(admin("grant", "create", "--product", "acme/router", "--evaluator", "lab", "--expires", "2099-01-31", "--json")), &g); err != nil {
		t.Fatal(err)
	}
	if g.VendorID != "acme" || g.Evaluator != "lab" || g.GrantedBy != "local" || g.Expires.Format("2006-01-02") != "2099-02-01" {
		t.Errorf("grant = %+v; want acme's to lab by local until the end of 2099-01-31", g)
	}
	if out := admin("grant", "list"); !strings.Contains(out, g.ID) {
		t.Errorf("grant list: %q; want %s", out, g.ID)
	}
	admin("grant", "revoke", g.ID)
	admin("token", "revoke", tok.ID)
	if _, err := authenticate(t, data, tok.Secret); glassbox.ErrorCode(err) != glassbox.EUNAUTHENTICATED {
		t.Errorf("a revoked token authenticates: %v", err)
	}

	list := admin("token", "list", "--user", "alice")
	if !strings.Contains(list, tok.ID) || strings.Contains(list, "gbx_") {
		t.Errorf("token list: %q; want the token's id and no secret", list)
	}
	var actions []glassbox.AdminAction
	if err := json.Unmarshal([]byte(admin("log", "--json")), &actions); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range actions {
		if a.Actor != "local" {
			t.Errorf("action %+v; want actor local", a)
		}
		got = append(got, a.Action)
	}
	want := "org.create org.create user.create user.create token.create grant.create grant.revoke token.revoke"
	if strings.Join(got, " ") != want {
		t.Errorf("admin log = %q; want %q", got, want)
	}
	for _, args := range [][]string{{"log"}, {"token", "list"}, {"user", "list"}, {"org", "list", "--json"}, {"grant", "list", "--json"}} {
		if out := admin(args...); strings.Contains(out, tok.Secret) || strings.Contains(out, "gbx_") {
			t.Errorf("admin %s prints a secret", strings.Join(args, " "))
		}
	}
}

// Refusals exit 1 and say why; command lines glassbox cannot read exit 2.
func TestAdminRefusals(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	mustRun(t, "--data", data, "admin", "org", "create", "acme", "--kind", "vendor", "--name", "Acme")
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"user", "create", "root", "--org", "acme", "--role", "admin", "--name", "Root"}, exitRefused, "cannot have a user with role"},
		{[]string{"org", "create", "acme", "--kind", "vendor", "--name", "Again"}, exitRefused, "already exists"},
		{[]string{"org", "create", "Bad Name", "--kind", "vendor", "--name", "x"}, exitRefused, "lower-case"},
		{[]string{"token", "create", "--user", "nobody"}, exitRefused, "nobody"},
		{[]string{"token", "revoke", "tok_nothing"}, exitRefused, "tok_nothing"},
		{[]string{"grant", "create", "--product", "acme/x", "--evaluator", "acme", "--expires", "30d"}, exitRefused, "no vendor"},
		{[]string{"grant", "create", "--product", "acme/x", "--evaluator", "acme", "--expires", "soon"}, exitError, "--expires"},
		{[]string{"token", "create", "--user", "alice", "--expires", "-3d"}, exitError, "--expires"},
		{[]string{"org", "create", "x", "--name", "x"}, exitError, "kind"},
	} {
		code, _, errOut := glassboxRun(t, append([]string{"--data", data, "admin"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.says) {
			t.Errorf("admin %s: exit %d, %q; want exit %d saying %q", strings.Join(tc.args, " "), code, strings.TrimSpace(errOut), tc.code, tc.says)
		}
	}
}

// Help never shows a secret, not even an example of one.
func TestAdminHelpShowsNoSecret(t *testing.T) {
	for _, args := range [][]string{{"admin", "--help"}, {"admin", "token", "create", "--help"}, {"admin", "bootstrap", "--help"}} {
		out := mustRun(t, args...)
		if strings.Contains(out, "gbx_") {
			t.Errorf("glassbox %s shows a secret: %s", strings.Join(args, " "), out)
		}
	}
}

// admin user password reads the password from standard input, never from
// a flag or the output, and the user signs in with it; a short one is
// refused and changes nothing.
func TestAdminUserPassword(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	mustRun(t, "--data", data, "admin", "org", "create", "lab", "--kind", "evaluator", "--name", "Test Lab")
	mustRun(t, "--data", data, "admin", "user", "create", "eve", "--org", "lab", "--role", "evaluator", "--name", "Eve")
	set := func(pw string) (int, string) {
		var stdout, stderr strings.Builder
		code := run(t.Context(), []string{"--data", data, "admin", "user", "password", "eve"}, strings.NewReader(pw+"\n"), &stdout, &stderr)
		return code, stdout.String() + stderr.String()
	}
	const pw = "four random words here"
	if code, out := set("short"); code != exitRefused || !strings.Contains(out, "shorter than 12") {
		t.Errorf("a short password: exit %d, %q", code, out)
	}
	code, out := set(pw)
	if code != exitOK || strings.Contains(out, pw) {
		t.Fatalf("admin user password: exit %d, %q", code, out)
	}
	st, err := sqlite.Open(t.Context(), filepath.Join(data, "glassbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := party.New(st).SignIn(t.Context(), nil, "eve", pw); err != nil {
		t.Errorf("eve signs in with the password set: %v", err)
	}
	if !strings.Contains(mustRun(t, "--data", data, "admin", "log"), "user.password") {
		t.Errorf("the admin log does not record the password change")
	}
}

// TestAdminUserPasskeys: the operator lists a user's passkeys and removes
// a lost one; with none left, the password alone signs the user in again.
func TestAdminUserPasskeys(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	mustRun(t, "--data", data, "admin", "org", "create", "lab", "--kind", "evaluator", "--name", "Test Lab")
	mustRun(t, "--data", data, "admin", "user", "create", "eve", "--org", "lab", "--role", "evaluator", "--name", "Eve")
	const pw = "four random words here"
	if code := run(t.Context(), []string{"--data", data, "admin", "user", "password", "eve"}, strings.NewReader(pw+"\n"), io.Discard, io.Discard); code != exitOK {
		t.Fatalf("admin user password: exit %d", code)
	}
	rp, err := party.NewRelyingParty("https://centre.example")
	if err != nil {
		t.Fatal(err)
	}
	withParties := func(f func(s *party.Service)) {
		st, err := sqlite.Open(t.Context(), filepath.Join(data, "glassbox.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		f(party.New(st))
	}
	var id string
	withParties(func(s *party.Service) {
		eve := &glassbox.Principal{User: glassbox.User{ID: "eve", OrgID: "lab", Role: glassbox.RoleEvaluator}, Org: glassbox.Organisation{ID: "lab", Kind: glassbox.OrgEvaluator}}
		begun, err := s.BeginPasskey(t.Context(), eve, rp)
		if err != nil {
			t.Fatal(err)
		}
		k, err := s.FinishPasskey(t.Context(), eve, rp, begun.Secret, "yubikey", passkeytest.New(rp.Origin, rp.ID).Create(t, begun.Options))
		if err != nil {
			t.Fatal(err)
		}
		id = k.ID
		if r, err := s.SignIn(t.Context(), rp, "eve", pw); err != nil || r.Confirm == nil {
			t.Fatalf("with a passkey, the password alone: %+v, %v; want a passkey to confirm", r, err)
		}
	})
	if out := mustRun(t, "--data", data, "admin", "user", "passkeys", "eve"); !strings.Contains(out, id) || !strings.Contains(out, "yubikey") {
		t.Errorf("admin user passkeys:\n%s", out)
	}
	// IDs are base64url: one may begin with '-' and is still an ID.
	for _, id := range []string{"no-such-key", "-SJkaYb35KbiZtZI7OAa8Q"} {
		if code := run(t.Context(), []string{"--data", data, "admin", "user", "remove-passkey", "eve", id}, nil, io.Discard, io.Discard); code != exitRefused {
			t.Errorf("removing a passkey %s eve does not have: exit %d; want 1, not found", id, code)
		}
	}
	mustRun(t, "--data", data, "admin", "user", "remove-passkey", "eve", id)
	if out := mustRun(t, "--data", data, "admin", "user", "passkeys", "eve", "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("after the removal, eve's passkeys: %s", out)
	}
	withParties(func(s *party.Service) {
		if r, err := s.SignIn(t.Context(), rp, "eve", pw); err != nil || r.Session == nil {
			t.Errorf("with no passkey left, the password: %+v, %v; want a session", r, err)
		}
	})
	if log := mustRun(t, "--data", data, "admin", "log"); !strings.Contains(log, "user.passkey.add") || !strings.Contains(log, "user.passkey.remove") {
		t.Errorf("the admin log does not record the passkey's life:\n%s", log)
	}
}

// TestServeRefusesAnOriginPasskeysCannotUse: passkeys bind to a domain
// over HTTPS (or localhost), so serve refuses any other --origin before it
// opens anything.
func TestServeRefusesAnOriginPasskeysCannotUse(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	for _, origin := range []string{"http://192.0.2.7:8080", "http://centre.example", "centre.example"} {
		var stderr strings.Builder
		code := run(t.Context(), []string{"--data", data, "serve", "--listen", "127.0.0.1:0", "--origin", origin}, nil, io.Discard, &stderr)
		if code == exitOK || !strings.Contains(stderr.String(), "--origin") {
			t.Errorf("serve --origin %s: exit %d, %q", origin, code, stderr.String())
		}
	}
}
