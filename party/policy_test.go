package party

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
)

// The products of the matrix: A's, B's, one the operator submitted
// locally (no owner), and one nobody has submitted yet.
const (
	prodA     = "acme/router"
	prodB     = "globex/db"
	prodLocal = "local/tool"
	prodNew   = "fresh/new"
)

// The callers of the matrix, in the order of its columns.
var callers = []string{
	"anonymous", "vendor A", "vendor B", "evaluator granted on A", "evaluator without grant",
	"evaluator, expired grant", "evaluator, revoked grant", "auditor", "admin",
	"expired token", "revoked token", "vendor A, evaluate scope only",
}

// Every action × caller × product, decided by Authorize. In each row one
// letter per caller: + allowed, g allowed under the caller's grant for the
// product (whose ID Authorize returns, for the access record), U
// unauthenticated, F forbidden. The evaluator without a grant on A holds
// one on B.
func TestAuthorizeMatrix(t *testing.T) {
	c := newCentre(t)
	c.org(t, "centre", glassbox.OrgOperator)
	c.org(t, "acme", glassbox.OrgVendor)
	c.org(t, "globex", glassbox.OrgVendor)
	for _, lab := range []string{"lab", "nolab", "oldlab", "revlab"} {
		c.org(t, lab, glassbox.OrgEvaluator)
	}
	for _, u := range []struct {
		id, org string
		role    glassbox.Role
	}{
		{"root", "centre", glassbox.RoleAdmin}, {"aud", "centre", glassbox.RoleAuditor},
		{"alice", "acme", glassbox.RoleVendor}, {"gina", "globex", glassbox.RoleVendor},
		{"eve", "lab", glassbox.RoleEvaluator}, {"noel", "nolab", glassbox.RoleEvaluator},
		{"olga", "oldlab", glassbox.RoleEvaluator}, {"rita", "revlab", glassbox.RoleEvaluator},
	} {
		c.user(t, u.id, u.org, u.role)
	}
	full := func(user string, role glassbox.Role) string { return c.token(t, user, 0, RoleScopes(role)...) }
	secrets := map[string]string{
		"vendor A":                      full("alice", glassbox.RoleVendor),
		"vendor B":                      full("gina", glassbox.RoleVendor),
		"evaluator granted on A":        full("eve", glassbox.RoleEvaluator),
		"evaluator without grant":       full("noel", glassbox.RoleEvaluator),
		"evaluator, expired grant":      full("olga", glassbox.RoleEvaluator),
		"evaluator, revoked grant":      full("rita", glassbox.RoleEvaluator),
		"auditor":                       full("aud", glassbox.RoleAuditor),
		"admin":                         full("root", glassbox.RoleAdmin),
		"expired token":                 c.token(t, "alice", time.Hour, RoleScopes(glassbox.RoleVendor)...),
		"revoked token":                 full("alice", glassbox.RoleVendor),
		"vendor A, evaluate scope only": c.token(t, "alice", 0, glassbox.ScopeEvaluate),
	}
	alice, gina := c.principal(t, secrets["vendor A"]), c.principal(t, secrets["vendor B"])
	if err := c.ClaimForSubmit(t.Context(), alice, prodA); err != nil {
		t.Fatal(err)
	}
	if err := c.ClaimForSubmit(t.Context(), gina, prodB); err != nil {
		t.Fatal(err)
	}
	until := t0.Add(30 * 24 * time.Hour)
	granted := c.grant(t, alice, prodA, "lab", until)
	grantedB := c.grant(t, gina, prodB, "nolab", until) // no use on A
	c.grant(t, alice, prodA, "oldlab", t0.Add(time.Hour))
	revoked := c.grant(t, alice, prodA, "revlab", until)
	if _, err := c.RevokeGrant(t.Context(), alice, revoked.ID); err != nil {
		t.Fatal(err)
	}
	revTok := c.principal(t, secrets["revoked token"])
	if err := c.RevokeToken(t.Context(), local, revTok.Token); err != nil {
		t.Fatal(err)
	}
	c.now = t0.Add(2 * time.Hour) // the expired grant and token have run out

	principals := map[string]*glassbox.Principal{"anonymous": nil}
	for name, secret := range secrets {
		p, err := c.Authenticate(t.Context(), secret)
		if name == "expired token" || name == "revoked token" {
			wantCode(t, "Authenticate("+name+")", err, glassbox.EUNAUTHENTICATED)
			continue // the request goes no further
		}
		if err != nil {
			t.Fatalf("Authenticate(%s): %v", name, err)
		}
		principals[name] = p
	}

	for _, tc := range []struct {
		act     Action
		product string
		want    string
	}{
		{ActPublic, "", "+++++++++UU+"},
		{ActPublic, prodA, "+++++++++UU+"},
		{ActAuthenticated, "", "U++++++++UU+"},
		{ActListReleases, "", "U++++++++UUF"},
		{ActReadRelease, prodA, "U+FgFFF++UUF"},
		{ActReadRelease, prodB, "UF+FgFF++UUF"},
		{ActReadRelease, prodLocal, "UFFFFFF++UUF"},
		{ActReadJob, prodA, "U+FgFFF++UUF"},
		{ActReadJob, prodB, "UF+FgFF++UUF"},
		{ActSubmit, "", "U++FFFFFFUUF"},
		{ActSubmit, prodA, "U+FFFFFFFUUF"},
		{ActSubmit, prodB, "UF+FFFFFFUUF"},
		{ActSubmit, prodNew, "U++FFFFFFUUF"},
		{ActEvaluate, prodA, "U+FgFFFF+UU+"},
		{ActEvaluate, prodB, "UF+FgFFF+UUF"},
		{ActEvaluate, prodLocal, "UFFFFFFF+UUF"},
		{ActDeclare, prodA, "U+FFFFFF+UUF"},
		{ActDeclare, prodB, "UF+FFFFF+UUF"},
		{ActDeclare, prodLocal, "UFFFFFFF+UUF"},
		{ActJudge, prodA, "UFFgFFFFFUUF"},
		{ActJudge, prodB, "UFFFgFFFFUUF"},
		{ActWithdraw, prodA, "UFFFFFFF+UUF"},
		{ActWithdraw, prodB, "UFFFFFFF+UUF"},
		{ActReadAccessRecord, "", "U++FFFF++UUF"},
		{ActReadAccessRecord, prodA, "U+FFFFF++UUF"},
		{ActReadAccessRecord, prodB, "UF+FFFF++UUF"},
		{ActListGrants, "", "U++++++++UUF"},
		{ActListGrants, prodA, "U+FFFFF++UUF"},
		{ActListGrants, prodB, "UF+FFFF++UUF"},
		{ActGrant, prodA, "U+FFFFFF+UUF"},
		{ActGrant, prodB, "UF+FFFFF+UUF"},
		{ActGrant, prodLocal, "UFFFFFFF+UUF"},
		{ActGrant, "", "UFFFFFFF+UUF"},
		{ActAdminRead, "", "UFFFFFF++UUF"},
		{ActAdmin, "", "UFFFFFFF+UUF"},
		{ActMetrics, "", "UFFFFFF++UUF"},
		{"frobnicate", "", "UFFFFFFFFUUF"},
	} {
		for i, name := range callers {
			t.Run(fmt.Sprintf("%s/%s/%s", tc.act, tc.product, name), func(t *testing.T) {
				want := tc.want[i]
				p := principals[name]
				if p == nil && name != "anonymous" {
					if want != 'U' {
						t.Fatalf("%s cannot authenticate, so the matrix must say U", name)
					}
					return
				}
				grant, err := c.Authorize(t.Context(), p, tc.act, tc.product)
				switch want {
				case '+', 'g':
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					wantGrant := ""
					if want == 'g' {
						wantGrant = map[string]string{prodA: granted.ID, prodB: grantedB.ID}[tc.product]
					}
					if grant != wantGrant {
						t.Errorf("allowed under grant %q; want %q", grant, wantGrant)
					}
				case 'U':
					wantCode(t, "Authorize", err, glassbox.EUNAUTHENTICATED)
				case 'F':
					wantCode(t, "Authorize", err, glassbox.EFORBIDDEN)
				}
			})
		}
	}
}

// A refusal says why, and never names the vendor that owns a product the
// caller may not see.
func TestRefusalsDoNotNameOtherVendors(t *testing.T) {
	c := newCentre(t)
	c.org(t, "initech", glassbox.OrgVendor)
	c.org(t, "globex", glassbox.OrgVendor)
	c.user(t, "alice", "initech", glassbox.RoleVendor)
	c.user(t, "gina", "globex", glassbox.RoleVendor)
	alice := c.principal(t, c.token(t, "alice", 0, RoleScopes(glassbox.RoleVendor)...))
	gina := c.principal(t, c.token(t, "gina", 0, RoleScopes(glassbox.RoleVendor)...))
	if err := c.ClaimForSubmit(t.Context(), alice, prodA); err != nil {
		t.Fatal(err)
	}
	for _, act := range []Action{ActReadRelease, ActSubmit, ActEvaluate, ActGrant, ActReadAccessRecord} {
		_, err := c.Authorize(t.Context(), gina, act, prodA)
		wantCode(t, string(act), err, glassbox.EFORBIDDEN)
		if err != nil && strings.Contains(err.Error(), "initech") {
			t.Errorf("%s: refusal %q names the owner", act, err)
		}
	}
	err := c.ClaimForSubmit(t.Context(), gina, prodA)
	wantCode(t, "ClaimForSubmit of another vendor's product", err, glassbox.EFORBIDDEN)
}

// The first submission of a product claims it for the submitter's vendor;
// later ones by the same vendor pass; an invalid name claims nothing.
func TestClaimForSubmit(t *testing.T) {
	c := newCentre(t)
	c.org(t, "acme", glassbox.OrgVendor)
	c.org(t, "lab", glassbox.OrgEvaluator)
	c.user(t, "alice", "acme", glassbox.RoleVendor)
	c.user(t, "eve", "lab", glassbox.RoleEvaluator)
	alice := c.principal(t, c.token(t, "alice", 0))
	for range 2 {
		if err := c.ClaimForSubmit(t.Context(), alice, prodNew); err != nil {
			t.Fatal(err)
		}
	}
	if owner, _ := c.store.ProductOwner(t.Context(), prodNew); owner != "acme" {
		t.Errorf("owner after the first submission = %q; want acme", owner)
	}
	wantCode(t, "ClaimForSubmit of an invalid name", c.ClaimForSubmit(t.Context(), alice, "../etc"), glassbox.EINVALID)
	eve := c.principal(t, c.token(t, "eve", 0))
	wantCode(t, "ClaimForSubmit by an evaluator", c.ClaimForSubmit(t.Context(), eve, "lab/tool"), glassbox.EFORBIDDEN)
	if owner, _ := c.store.ProductOwner(t.Context(), "lab/tool"); owner != "" {
		t.Errorf("a refused submission claimed the product for %q", owner)
	}
	wantCode(t, "ClaimForSubmit anonymously", c.ClaimForSubmit(t.Context(), nil, "x/y"), glassbox.EUNAUTHENTICATED)
}
