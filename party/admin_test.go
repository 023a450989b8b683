package party

import (
	"slices"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
)

// A role belongs to one kind of organisation, and some IDs are the
// record's own.
func TestCreateUserRoleMustFitOrg(t *testing.T) {
	c := newCentre(t)
	c.org(t, "centre", glassbox.OrgOperator)
	c.org(t, "acme", glassbox.OrgVendor)
	c.org(t, "lab", glassbox.OrgEvaluator)
	ctx := t.Context()
	for _, org := range []string{"centre", "acme", "lab"} {
		for _, role := range []glassbox.Role{glassbox.RoleAdmin, glassbox.RoleAuditor, glassbox.RoleVendor, glassbox.RoleEvaluator} {
			kind := map[string]glassbox.OrgKind{"centre": glassbox.OrgOperator, "acme": glassbox.OrgVendor, "lab": glassbox.OrgEvaluator}[org]
			id := org + "-" + string(role)
			_, err := c.CreateUser(ctx, local, glassbox.User{ID: id, OrgID: org, Name: id, Role: role})
			want := glassbox.EINVALID
			if RoleFits(kind, role) {
				want = ""
			}
			wantCode(t, "CreateUser("+id+")", err, want)
		}
	}
	users, _ := c.ListUsers(ctx, local, "")
	if len(users) != 4 {
		t.Errorf("%d users created; want 4, one per role", len(users))
	}
	_, err := c.CreateUser(ctx, local, glassbox.User{ID: "local", OrgID: "centre", Name: "x", Role: glassbox.RoleAdmin})
	wantCode(t, "CreateUser(local)", err, glassbox.EINVALID)
	_, err = c.CreateOrg(ctx, local, glassbox.Organisation{ID: "bootstrap", Name: "x", Kind: glassbox.OrgVendor})
	wantCode(t, "CreateOrg(bootstrap)", err, glassbox.EINVALID)
	_, err = c.CreateUser(ctx, local, glassbox.User{ID: "zed", OrgID: "nowhere", Name: "x", Role: glassbox.RoleVendor})
	wantCode(t, "CreateUser in a missing organisation", err, glassbox.ENOTFOUND)
}

// Only administrators change the parties, and every change is on record
// under its actor.
func TestAdministrationIsRecorded(t *testing.T) {
	c := newCentre(t)
	ctx := t.Context()
	c.org(t, "centre", glassbox.OrgOperator)
	c.org(t, "acme", glassbox.OrgVendor)
	c.user(t, "root", "centre", glassbox.RoleAdmin)
	c.user(t, "aud", "centre", glassbox.RoleAuditor)
	c.user(t, "alice", "acme", glassbox.RoleVendor)
	root := c.principal(t, c.token(t, "root", 0))
	aud := c.principal(t, c.token(t, "aud", 0))
	alice := c.principal(t, c.token(t, "alice", 0, RoleScopes(glassbox.RoleVendor)...))
	if _, err := c.CreateOrg(ctx, root, glassbox.Organisation{ID: "lab", Name: "Lab", Kind: glassbox.OrgEvaluator}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*glassbox.Principal{aud, alice} {
		_, err := c.CreateOrg(ctx, p, glassbox.Organisation{ID: "x", Name: "x", Kind: glassbox.OrgVendor})
		wantCode(t, "CreateOrg by "+p.User.ID, err, glassbox.EFORBIDDEN)
		_, err = c.CreateUser(ctx, p, glassbox.User{ID: "x", OrgID: "acme", Name: "x", Role: glassbox.RoleVendor})
		wantCode(t, "CreateUser by "+p.User.ID, err, glassbox.EFORBIDDEN)
	}
	if _, err := c.ListOrgs(ctx, aud); err != nil {
		t.Errorf("an auditor cannot list organisations: %v", err)
	}
	_, err := c.ListOrgs(ctx, alice)
	wantCode(t, "ListOrgs by a vendor", err, glassbox.EFORBIDDEN)
	_, err = c.AdminActions(ctx, alice, 0, 0)
	wantCode(t, "AdminActions by a vendor", err, glassbox.EFORBIDDEN)

	actions, err := c.AdminActions(ctx, aud, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range actions {
		got = append(got, a.Actor+" "+a.Action)
	}
	want := []string{"local org.create", "local org.create", "local user.create", "local user.create", "local user.create",
		"local token.create", "local token.create", "local token.create", "root org.create"}
	if !slices.Equal(got, want) {
		t.Errorf("admin actions = %q; want %q", got, want)
	}
	for _, a := range actions {
		if strings.Contains(a.Detail, "gbx_") {
			t.Errorf("action %d's detail %q holds a secret", a.Seq, a.Detail)
		}
	}
}

// A vendor grants evaluators access to its own products only, for a
// limited time, and revokes its own grants; the operator grants and
// revokes any.
func TestGrants(t *testing.T) {
	c := newCentre(t)
	ctx := t.Context()
	c.org(t, "acme", glassbox.OrgVendor)
	c.org(t, "globex", glassbox.OrgVendor)
	c.org(t, "lab", glassbox.OrgEvaluator)
	c.user(t, "alice", "acme", glassbox.RoleVendor)
	c.user(t, "gina", "globex", glassbox.RoleVendor)
	c.user(t, "eve", "lab", glassbox.RoleEvaluator)
	vendor := RoleScopes(glassbox.RoleVendor)
	alice := c.principal(t, c.token(t, "alice", 0, vendor...))
	aliceCI := c.principal(t, c.token(t, "alice", 0, glassbox.ScopeRead, glassbox.ScopeSubmit))
	gina := c.principal(t, c.token(t, "gina", 0, vendor...))
	eve := c.principal(t, c.token(t, "eve", 0))
	for _, p := range []*glassbox.Principal{alice, gina} {
		if err := c.ClaimForSubmit(ctx, p, p.Org.ID+"/app"); err != nil {
			t.Fatal(err)
		}
	}
	until := t0.Add(7 * 24 * time.Hour)
	for _, tc := range []struct {
		name string
		p    *glassbox.Principal
		g    glassbox.Grant
		code string
	}{
		{"another vendor's product", gina, glassbox.Grant{Product: "acme/app", Evaluator: "lab", Expires: until}, glassbox.EFORBIDDEN},
		{"a CI token", aliceCI, glassbox.Grant{Product: "acme/app", Evaluator: "lab", Expires: until}, glassbox.EFORBIDDEN},
		{"an evaluator", eve, glassbox.Grant{Product: "acme/app", Evaluator: "lab", Expires: until}, glassbox.EFORBIDDEN},
		{"to a vendor", alice, glassbox.Grant{Product: "acme/app", Evaluator: "globex", Expires: until}, glassbox.EINVALID},
		{"to nobody", alice, glassbox.Grant{Product: "acme/app", Evaluator: "nobody", Expires: until}, glassbox.ENOTFOUND},
		{"without expiry", alice, glassbox.Grant{Product: "acme/app", Evaluator: "lab"}, glassbox.EINVALID},
		{"expired", alice, glassbox.Grant{Product: "acme/app", Evaluator: "lab", Expires: t0}, glassbox.EINVALID},
		{"an unowned product, by the operator", local, glassbox.Grant{Product: "local/tool", Evaluator: "lab", Expires: until}, glassbox.EINVALID},
		{"an invalid product", alice, glassbox.Grant{Product: "../x", Evaluator: "lab", Expires: until}, glassbox.EINVALID},
	} {
		_, err := c.CreateGrant(ctx, tc.p, tc.g)
		wantCode(t, "CreateGrant: "+tc.name, err, tc.code)
	}
	g := c.grant(t, alice, "acme/app", "lab", until)
	if g.VendorID != "acme" || g.GrantedBy != "alice" || !strings.HasPrefix(g.ID, "grant_") || !g.Created.Equal(t0) {
		t.Errorf("grant = %+v; want acme's, by alice, created now", g)
	}
	// A second later: grants list oldest first, and two made in the same
	// instant would be ordered by their random IDs.
	c.now = c.now.Add(time.Second)
	byOperator := c.grant(t, local, "globex/app", "lab", until)
	if byOperator.VendorID != "globex" || byOperator.GrantedBy != "local" {
		t.Errorf("the operator's grant = %+v; want globex's, by local", byOperator)
	}

	for _, tc := range []struct {
		p    *glassbox.Principal
		want []*glassbox.Grant
	}{{alice, []*glassbox.Grant{g}}, {gina, []*glassbox.Grant{byOperator}}, {eve, []*glassbox.Grant{g, byOperator}}, {local, []*glassbox.Grant{g, byOperator}}} {
		gs, err := c.ListGrants(ctx, tc.p)
		if err != nil || len(gs) != len(tc.want) {
			t.Errorf("ListGrants(%s) = %v, %v; want %d grants", tc.p.User.ID, gs, err, len(tc.want))
			continue
		}
		for i := range gs {
			if gs[i].ID != tc.want[i].ID {
				t.Errorf("ListGrants(%s)[%d] = %s; want %s", tc.p.User.ID, i, gs[i].ID, tc.want[i].ID)
			}
		}
	}

	_, err := c.RevokeGrant(ctx, gina, g.ID)
	wantCode(t, "RevokeGrant by another vendor", err, glassbox.EFORBIDDEN)
	_, err = c.RevokeGrant(ctx, eve, g.ID)
	wantCode(t, "RevokeGrant by the evaluator", err, glassbox.EFORBIDDEN)
	c.now = t0.Add(time.Hour)
	r, err := c.RevokeGrant(ctx, alice, g.ID)
	if err != nil || r.Revoked == nil || !r.Revoked.Equal(c.now) {
		t.Fatalf("RevokeGrant = %+v, %v; want revoked now", r, err)
	}
	_, err = c.Authorize(ctx, eve, ActReadRelease, "acme/app")
	wantCode(t, "reading under a revoked grant", err, glassbox.EFORBIDDEN)
	_, err = c.RevokeGrant(ctx, alice, g.ID)
	wantCode(t, "RevokeGrant again", err, glassbox.ECONFLICT)
	if _, err := c.RevokeGrant(ctx, local, byOperator.ID); err != nil {
		t.Errorf("the operator cannot revoke a grant: %v", err)
	}
}

// The first start makes an operator, an administrator and a token that
// works for a day; any later start makes nothing.
func TestBootstrap(t *testing.T) {
	c := newCentre(t)
	ctx := t.Context()
	secret, created, err := c.Bootstrap(ctx)
	if err != nil || !created || !strings.HasPrefix(secret, "gbx_") {
		t.Fatalf("Bootstrap = %q, %v, %v; want a secret", secret, created, err)
	}
	p := c.principal(t, secret)
	if p.User.Role != glassbox.RoleAdmin || p.Org.Kind != glassbox.OrgOperator || !slices.Equal(p.Scopes, DefaultScopes(glassbox.RoleAdmin)) {
		t.Errorf("bootstrap principal = %+v; want an administrator of the operator with every scope but sign", p)
	}
	// Having the centre sign is the workers' scope, asked for on purpose:
	// the bootstrap token cannot, and an administrator's token without
	// scopes asked cannot either; one asked for with sign can.
	if slices.Contains(p.Scopes, glassbox.ScopeSign) {
		t.Errorf("the bootstrap token has scope sign")
	}
	if _, tok, err := c.IssueToken(ctx, p, FirstAdmin, "day to day", nil, 0); err != nil || slices.Contains(tok.Scopes, glassbox.ScopeSign) || !slices.Contains(tok.Scopes, glassbox.ScopeAdmin) {
		t.Errorf("an administrator's token without scopes asked: %+v, %v; want admin without sign", tok, err)
	}
	if _, tok, err := c.IssueToken(ctx, p, FirstAdmin, "workers", []glassbox.Scope{glassbox.ScopeSign}, 0); err != nil || !slices.Equal(tok.Scopes, []glassbox.Scope{glassbox.ScopeSign}) {
		t.Errorf("an administrator's token of scope sign: %+v, %v", tok, err)
	}
	if _, err := c.CreateOrg(ctx, p, glassbox.Organisation{ID: "acme", Name: "Acme", Kind: glassbox.OrgVendor}); err != nil {
		t.Errorf("the bootstrap administrator cannot administer: %v", err)
	}
	again, created, err := c.Bootstrap(ctx)
	if err != nil || created || again != "" {
		t.Errorf("second Bootstrap = %q, %v, %v; want nothing", again, created, err)
	}
	c.now = t0.Add(BootstrapTokenTTL)
	_, err = c.Authenticate(ctx, secret)
	wantCode(t, "the bootstrap token after a day", err, glassbox.EUNAUTHENTICATED)
	actions, _ := c.AdminActions(ctx, local, 0, 3)
	for _, a := range actions {
		if a.Actor != BootstrapActor {
			t.Errorf("bootstrap action %+v; want actor %q", a, BootstrapActor)
		}
	}
}
