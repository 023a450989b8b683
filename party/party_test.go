package party

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/sqlite"
)

// t0 is when every test's centre is set up.
var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// centre is a Service on a real SQLite database of the test's own, with a
// clock the test moves.
type centre struct {
	*Service
	store glassbox.PartyStore
	now   time.Time
	path  string // the database
}

func newCentre(t testing.TB) *centre {
	t.Helper()
	path := filepath.Join(t.TempDir(), "glassbox.db")
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &centre{Service: New(st), store: st, now: t0, path: path}
	c.Now = func() time.Time { return c.now }
	return c
}

var local = LocalOperator()

func (c *centre) org(t testing.TB, id string, kind glassbox.OrgKind) {
	t.Helper()
	if _, err := c.CreateOrg(t.Context(), local, glassbox.Organisation{ID: id, Name: "Org " + id, Kind: kind}); err != nil {
		t.Fatalf("CreateOrg(%s): %v", id, err)
	}
}

func (c *centre) user(t testing.TB, id, org string, role glassbox.Role) {
	t.Helper()
	if _, err := c.CreateUser(t.Context(), local, glassbox.User{ID: id, OrgID: org, Name: "User " + id, Role: role}); err != nil {
		t.Fatalf("CreateUser(%s): %v", id, err)
	}
}

// token issues a token for user and returns its secret.
func (c *centre) token(t testing.TB, user string, ttl time.Duration, scopes ...glassbox.Scope) string {
	t.Helper()
	secret, _, err := c.IssueToken(t.Context(), local, user, "test", scopes, ttl)
	if err != nil {
		t.Fatalf("IssueToken(%s, %v): %v", user, scopes, err)
	}
	return secret
}

// principal authenticates secret.
func (c *centre) principal(t testing.TB, secret string) *glassbox.Principal {
	t.Helper()
	p, err := c.Authenticate(t.Context(), secret)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	return p
}

func (c *centre) grant(t *testing.T, p *glassbox.Principal, product, evaluator string, until time.Time) *glassbox.Grant {
	t.Helper()
	g, err := c.CreateGrant(t.Context(), p, glassbox.Grant{Product: product, Evaluator: evaluator, Expires: until})
	if err != nil {
		t.Fatalf("CreateGrant(%s to %s): %v", product, evaluator, err)
	}
	return g
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := glassbox.ErrorCode(err); got != code {
		t.Errorf("%s: %v (code %q); want code %q", what, err, got, code)
	}
}

// password signs user in with pw alone: a user without passkeys.
func (c *centre) password(ctx context.Context, user, pw string) (string, *glassbox.Session, error) {
	r, err := c.SignIn(ctx, nil, user, pw)
	if err != nil {
		return "", nil, err
	}
	return r.Secret, r.Session, nil
}
