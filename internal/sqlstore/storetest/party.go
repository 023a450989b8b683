package storetest

import (
	"crypto/sha256"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"glassbox.dev"
)

// The parties of a centre: what is created is found as created, lists are
// complete and ordered, IDs are never reused, and every change, and only a
// change that happened, appends its admin action with the next seq.
func testParties(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	t.Run("OrgsAndUsers", func(t *testing.T) { testOrgsAndUsers(t, partyStore(t, open)) })
	t.Run("Tokens", func(t *testing.T) { testTokens(t, partyStore(t, open)) })
	t.Run("ProductOwners", func(t *testing.T) { testProductOwners(t, partyStore(t, open)) })
	t.Run("Grants", func(t *testing.T) { testGrants(t, partyStore(t, open)) })
	t.Run("AdminActions", func(t *testing.T) { testAdminActions(t, partyStore(t, open)) })
	t.Run("ConcurrentChanges", func(t *testing.T) { testConcurrentPartyChanges(t, open) })
	t.Run("SignIn", func(t *testing.T) { testSignIn(t, partyStore(t, open)) })
	t.Run("Passkeys", func(t *testing.T) { testPasskeys(t, partyStore(t, open)) })
	t.Run("WitnessedLogs", func(t *testing.T) { testWitnessedLogs(t, partyStore(t, open)) })
}

func partyStore(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) glassbox.PartyStore {
	t.Helper()
	s := open(t)
	ps, ok := s.(glassbox.PartyStore)
	if !ok {
		t.Fatalf("%T does not keep parties", s)
	}
	return ps
}

func act(action, target string) glassbox.AdminAction {
	return glassbox.AdminAction{Actor: "local", Action: action, Target: target}
}

var partyTime = time.Date(2026, 12, 1, 10, 0, 0, 123456789, time.UTC)

func mustOrg(t *testing.T, s glassbox.PartyStore, id string, kind glassbox.OrgKind) *glassbox.Organisation {
	t.Helper()
	o := &glassbox.Organisation{ID: id, Name: "Org " + id, Kind: kind, Created: partyTime}
	if err := s.CreateOrg(ctx(t), o, act("org.create", id)); err != nil {
		t.Fatalf("CreateOrg(%s): %v", id, err)
	}
	return o
}

func mustUser(t *testing.T, s glassbox.PartyStore, id, org string, role glassbox.Role) *glassbox.User {
	t.Helper()
	u := &glassbox.User{ID: id, OrgID: org, Name: "User " + id, Role: role}
	if err := s.CreateUser(ctx(t), u, act("user.create", id)); err != nil {
		t.Fatalf("CreateUser(%s): %v", id, err)
	}
	return u
}

func newToken(id, user, secret string) *glassbox.Token {
	return &glassbox.Token{ID: id, UserID: user, Name: "CI of " + user, Scopes: []glassbox.Scope{glassbox.ScopeRead, glassbox.ScopeSubmit},
		Hash: sha256.Sum256([]byte(secret)), Created: partyTime, Expires: partyTime.Add(90 * 24 * time.Hour)}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if glassbox.ErrorCode(err) != code {
		t.Errorf("%s: %v (code %q); want code %q", what, err, glassbox.ErrorCode(err), code)
	}
}

func testOrgsAndUsers(t *testing.T, s glassbox.PartyStore) {
	acme := mustOrg(t, s, "acme", glassbox.OrgVendor)
	lab := mustOrg(t, s, "lab-1", glassbox.OrgEvaluator)
	now := &glassbox.Organisation{ID: "centre", Name: "Zoë's centre", Kind: glassbox.OrgOperator}
	before := time.Now()
	if err := s.CreateOrg(ctx(t), now, act("org.create", "centre")); err != nil {
		t.Fatal(err)
	}
	if now.Created.Before(before.Add(-time.Second)) || now.Created.Location() != time.UTC {
		t.Errorf("an organisation created without a time got %v; want now, in UTC", now.Created)
	}
	got, err := s.FindOrg(ctx(t), "acme")
	if err != nil || !reflect.DeepEqual(got, acme) {
		t.Errorf("FindOrg(acme) = %+v, %v; want %+v", got, err, acme)
	}
	orgs, err := s.ListOrgs(ctx(t))
	if err != nil || !reflect.DeepEqual(orgs, []*glassbox.Organisation{acme, now, lab}) {
		t.Errorf("ListOrgs = %v, %v; want acme, centre, lab-1 in order", orgs, err)
	}
	_, err = s.FindOrg(ctx(t), "nobody")
	wantCode(t, "FindOrg of a missing organisation", err, glassbox.ENOTFOUND)
	wantCode(t, "CreateOrg with a taken id", s.CreateOrg(ctx(t), &glassbox.Organisation{ID: "acme", Name: "Other", Kind: glassbox.OrgEvaluator}, act("org.create", "acme")), glassbox.ECONFLICT)
	for _, o := range []*glassbox.Organisation{
		nil,
		{ID: "Acme", Name: "x", Kind: glassbox.OrgVendor},
		{ID: "a b", Name: "x", Kind: glassbox.OrgVendor},
		{ID: "", Name: "x", Kind: glassbox.OrgVendor},
		{ID: "x", Name: "", Kind: glassbox.OrgVendor},
		{ID: "x", Name: "a\x1bb", Kind: glassbox.OrgVendor},
		{ID: "x", Name: "x", Kind: "government"},
	} {
		wantCode(t, fmt.Sprintf("CreateOrg(%+v)", o), s.CreateOrg(ctx(t), o, act("org.create", "x")), glassbox.EINVALID)
	}
	wantCode(t, "CreateOrg without an actor", s.CreateOrg(ctx(t), &glassbox.Organisation{ID: "x", Name: "x", Kind: glassbox.OrgVendor}, glassbox.AdminAction{Action: "org.create", Target: "x"}), glassbox.EINVALID)

	alice := mustUser(t, s, "alice", "acme", glassbox.RoleVendor)
	bob := mustUser(t, s, "bob", "lab-1", glassbox.RoleEvaluator)
	carol := mustUser(t, s, "carol", "acme", glassbox.RoleVendor)
	if u, err := s.FindUser(ctx(t), "alice"); err != nil || !reflect.DeepEqual(u, alice) {
		t.Errorf("FindUser(alice) = %+v, %v; want %+v", u, err, alice)
	}
	if us, err := s.ListUsers(ctx(t), "acme"); err != nil || !reflect.DeepEqual(us, []*glassbox.User{alice, carol}) {
		t.Errorf("ListUsers(acme) = %v, %v; want alice, carol", us, err)
	}
	if us, err := s.ListUsers(ctx(t), ""); err != nil || !reflect.DeepEqual(us, []*glassbox.User{alice, bob, carol}) {
		t.Errorf("ListUsers(\"\") = %v, %v; want alice, bob, carol", us, err)
	}
	if us, err := s.ListUsers(ctx(t), "centre"); err != nil || len(us) != 0 || us == nil {
		t.Errorf("ListUsers(centre) = %#v, %v; want an empty list", us, err)
	}
	_, err = s.FindUser(ctx(t), "dave")
	wantCode(t, "FindUser of a missing user", err, glassbox.ENOTFOUND)
	wantCode(t, "CreateUser with a taken id", s.CreateUser(ctx(t), &glassbox.User{ID: "alice", OrgID: "lab-1", Name: "x", Role: glassbox.RoleEvaluator}, act("user.create", "alice")), glassbox.ECONFLICT)
	wantCode(t, "CreateUser in a missing organisation", s.CreateUser(ctx(t), &glassbox.User{ID: "dave", OrgID: "nowhere", Name: "x", Role: glassbox.RoleVendor}, act("user.create", "dave")), glassbox.ENOTFOUND)
	wantCode(t, "CreateUser with an unknown role", s.CreateUser(ctx(t), &glassbox.User{ID: "dave", OrgID: "acme", Name: "x", Role: "root"}, act("user.create", "dave")), glassbox.EINVALID)
}

func testTokens(t *testing.T, s glassbox.PartyStore) {
	mustOrg(t, s, "acme", glassbox.OrgVendor)
	mustUser(t, s, "alice", "acme", glassbox.RoleVendor)
	mustUser(t, s, "carol", "acme", glassbox.RoleVendor)
	t1 := newToken("tok_one", "alice", "secret one")
	t2 := newToken("tok_two", "alice", "secret two")
	t2.Created = t2.Created.Add(time.Second)
	t3 := newToken("tok_three", "carol", "secret three")
	t3.Scopes = []glassbox.Scope{glassbox.ScopeRead}
	t3.Name = ""
	for _, tok := range []*glassbox.Token{t1, t2, t3} {
		if err := s.CreateToken(ctx(t), tok, act("token.create", tok.ID)); err != nil {
			t.Fatalf("CreateToken(%s): %v", tok.ID, err)
		}
	}
	got, err := s.FindTokenByHash(ctx(t), sha256.Sum256([]byte("secret two")))
	if err != nil || !reflect.DeepEqual(got, t2) {
		t.Errorf("FindTokenByHash(secret two) = %+v, %v; want %+v", got, err, t2)
	}
	_, err = s.FindTokenByHash(ctx(t), sha256.Sum256([]byte("secret four")))
	wantCode(t, "FindTokenByHash of an unknown secret", err, glassbox.ENOTFOUND)
	if ts, err := s.ListTokens(ctx(t), "alice"); err != nil || !reflect.DeepEqual(ts, []*glassbox.Token{t1, t2}) {
		t.Errorf("ListTokens(alice) = %v, %v; want tok_one, tok_two", ts, err)
	}
	if ts, err := s.ListTokens(ctx(t), ""); err != nil || len(ts) != 3 {
		t.Errorf("ListTokens(\"\") = %v, %v; want all three", ts, err)
	}

	dup := newToken("tok_four", "alice", "secret one")
	wantCode(t, "CreateToken with a hash already taken", s.CreateToken(ctx(t), dup, act("token.create", dup.ID)), glassbox.ECONFLICT)
	dup = newToken("tok_one", "alice", "secret four")
	wantCode(t, "CreateToken with an id already taken", s.CreateToken(ctx(t), dup, act("token.create", dup.ID)), glassbox.ECONFLICT)
	wantCode(t, "CreateToken for a missing user", s.CreateToken(ctx(t), newToken("tok_five", "dave", "secret five"), act("token.create", "tok_five")), glassbox.ENOTFOUND)
	for name, edit := range map[string]func(*glassbox.Token){
		"no scopes":          func(t *glassbox.Token) { t.Scopes = nil },
		"unknown scope":      func(t *glassbox.Token) { t.Scopes = []glassbox.Scope{"root"} },
		"repeated scope":     func(t *glassbox.Token) { t.Scopes = []glassbox.Scope{"read", "read"} },
		"no hash":            func(t *glassbox.Token) { t.Hash = [32]byte{} },
		"expires at created": func(t *glassbox.Token) { t.Expires = t.Created },
		"no expiry":          func(t *glassbox.Token) { t.Expires = time.Time{} },
		"id without prefix":  func(t *glassbox.Token) { t.ID = "five" },
		"id in upper case":   func(t *glassbox.Token) { t.ID = "tok_FIVE" },
	} {
		tok := newToken("tok_five", "alice", "secret five")
		edit(tok)
		wantCode(t, "CreateToken with "+name, s.CreateToken(ctx(t), tok, act("token.create", "tok_five")), glassbox.EINVALID)
	}

	// Uses are recorded at most once a minute, and never backwards.
	use := partyTime.Add(time.Hour)
	for _, at := range []time.Time{use, use.Add(30 * time.Second), use.Add(-time.Hour)} {
		if err := s.TouchToken(ctx(t), "tok_one", at); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := s.FindTokenByHash(ctx(t), t1.Hash); got.LastUsed == nil || !got.LastUsed.Equal(use) {
		t.Errorf("after uses at +0s, +30s and -1h, last use is %v; want %v", got.LastUsed, use)
	}
	if err := s.TouchToken(ctx(t), "tok_one", use.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.FindTokenByHash(ctx(t), t1.Hash); got.LastUsed == nil || !got.LastUsed.Equal(use.Add(time.Minute)) {
		t.Errorf("a use a minute later: last use is %v; want %v", got.LastUsed, use.Add(time.Minute))
	}

	revoked := partyTime.Add(2 * time.Hour)
	if err := s.RevokeToken(ctx(t), "tok_two", revoked, act("token.revoke", "tok_two")); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.FindTokenByHash(ctx(t), t2.Hash); got.Revoked == nil || !got.Revoked.Equal(revoked) {
		t.Errorf("revoked token: Revoked = %v; want %v", got.Revoked, revoked)
	}
	wantCode(t, "RevokeToken again", s.RevokeToken(ctx(t), "tok_two", time.Time{}, act("token.revoke", "tok_two")), glassbox.ECONFLICT)
	wantCode(t, "RevokeToken of a missing token", s.RevokeToken(ctx(t), "tok_nine", time.Time{}, act("token.revoke", "tok_nine")), glassbox.ENOTFOUND)
	if got, _ := s.FindTokenByHash(ctx(t), t2.Hash); !got.Revoked.Equal(revoked) {
		t.Errorf("a second revocation moved the time to %v", got.Revoked)
	}
}

func testProductOwners(t *testing.T, s glassbox.PartyStore) {
	mustOrg(t, s, "acme", glassbox.OrgVendor)
	mustOrg(t, s, "globex", glassbox.OrgVendor)
	mustOrg(t, s, "lab", glassbox.OrgEvaluator)
	if owner, err := s.ProductOwner(ctx(t), "acme/router"); owner != "" || err != nil {
		t.Errorf("ProductOwner of an unclaimed product = %q, %v; want \"\"", owner, err)
	}
	if owner, err := s.ClaimProduct(ctx(t), "acme/router", "acme"); owner != "acme" || err != nil {
		t.Errorf("first ClaimProduct = %q, %v; want acme", owner, err)
	}
	if owner, err := s.ClaimProduct(ctx(t), "acme/router", "globex"); owner != "acme" || err != nil {
		t.Errorf("a second vendor's ClaimProduct = %q, %v; want the first owner, acme", owner, err)
	}
	if owner, err := s.ProductOwner(ctx(t), "acme/router"); owner != "acme" || err != nil {
		t.Errorf("ProductOwner = %q, %v; want acme", owner, err)
	}
	_, err := s.ClaimProduct(ctx(t), "lab/tool", "lab")
	wantCode(t, "ClaimProduct by an evaluator", err, glassbox.EINVALID)
	_, err = s.ClaimProduct(ctx(t), "x/tool", "nobody")
	wantCode(t, "ClaimProduct by a missing organisation", err, glassbox.ENOTFOUND)

	// Many first submissions of one product at once: one owner, and
	// everyone is told the same.
	var wg sync.WaitGroup
	owners := make([]string, 8)
	for i := range owners {
		wg.Go(func() {
			vendor := []string{"acme", "globex"}[i%2]
			o, err := s.ClaimProduct(ctx(t), "contested", vendor)
			if err != nil {
				t.Errorf("concurrent ClaimProduct: %v", err)
			}
			owners[i] = o
		})
	}
	wg.Wait()
	for _, o := range owners {
		if o != owners[0] || o == "" {
			t.Fatalf("concurrent claims returned owners %q; want one owner for all", owners)
		}
	}
}

func testGrants(t *testing.T, s glassbox.PartyStore) {
	mustOrg(t, s, "acme", glassbox.OrgVendor)
	mustOrg(t, s, "globex", glassbox.OrgVendor)
	mustOrg(t, s, "lab", glassbox.OrgEvaluator)
	mustOrg(t, s, "agency", glassbox.OrgEvaluator)
	grant := func(id, vendor, product, evaluator string, offset time.Duration) *glassbox.Grant {
		g := &glassbox.Grant{ID: id, VendorID: vendor, Product: product, Evaluator: evaluator, GrantedBy: "alice",
			Created: partyTime.Add(offset), Expires: partyTime.Add(offset + 30*24*time.Hour)}
		if err := s.CreateGrant(ctx(t), g, act("grant.create", id)); err != nil {
			t.Fatalf("CreateGrant(%s): %v", id, err)
		}
		return g
	}
	g1 := grant("grant_1", "acme", "acme/router", "lab", 0)
	g2 := grant("grant_2", "acme", "acme/switch", "agency", time.Second)
	g3 := grant("grant_3", "globex", "globex/db", "lab", 2*time.Second)
	if g, err := s.FindGrant(ctx(t), "grant_2"); err != nil || !reflect.DeepEqual(g, g2) {
		t.Errorf("FindGrant(grant_2) = %+v, %v; want %+v", g, err, g2)
	}
	_, err := s.FindGrant(ctx(t), "grant_9")
	wantCode(t, "FindGrant of a missing grant", err, glassbox.ENOTFOUND)
	for _, tc := range []struct {
		vendor, evaluator string
		want              []*glassbox.Grant
	}{
		{"", "", []*glassbox.Grant{g1, g2, g3}},
		{"acme", "", []*glassbox.Grant{g1, g2}},
		{"", "lab", []*glassbox.Grant{g1, g3}},
		{"acme", "lab", []*glassbox.Grant{g1}},
		{"globex", "agency", []*glassbox.Grant{}},
	} {
		if gs, err := s.ListGrants(ctx(t), tc.vendor, tc.evaluator); err != nil || !reflect.DeepEqual(gs, tc.want) {
			t.Errorf("ListGrants(%q, %q) = %v, %v; want %v", tc.vendor, tc.evaluator, gs, err, tc.want)
		}
	}
	bad := func(edit func(*glassbox.Grant)) *glassbox.Grant {
		g := &glassbox.Grant{ID: "grant_x", VendorID: "acme", Product: "acme/router", Evaluator: "lab", GrantedBy: "alice",
			Created: partyTime, Expires: partyTime.Add(time.Hour)}
		edit(g)
		return g
	}
	wantCode(t, "CreateGrant to a vendor", s.CreateGrant(ctx(t), bad(func(g *glassbox.Grant) { g.Evaluator = "globex" }), act("grant.create", "grant_x")), glassbox.EINVALID)
	wantCode(t, "CreateGrant from an evaluator", s.CreateGrant(ctx(t), bad(func(g *glassbox.Grant) { g.VendorID = "agency" }), act("grant.create", "grant_x")), glassbox.EINVALID)
	wantCode(t, "CreateGrant to a missing organisation", s.CreateGrant(ctx(t), bad(func(g *glassbox.Grant) { g.Evaluator = "nobody" }), act("grant.create", "grant_x")), glassbox.ENOTFOUND)
	wantCode(t, "CreateGrant without expiry", s.CreateGrant(ctx(t), bad(func(g *glassbox.Grant) { g.Expires = time.Time{} }), act("grant.create", "grant_x")), glassbox.EINVALID)
	wantCode(t, "CreateGrant with a taken id", s.CreateGrant(ctx(t), bad(func(g *glassbox.Grant) { g.ID = "grant_1" }), act("grant.create", "grant_1")), glassbox.ECONFLICT)

	at := partyTime.Add(time.Hour)
	if err := s.RevokeGrant(ctx(t), "grant_1", at, act("grant.revoke", "grant_1")); err != nil {
		t.Fatal(err)
	}
	if g, _ := s.FindGrant(ctx(t), "grant_1"); g.Revoked == nil || !g.Revoked.Equal(at) || g.Active(at.Add(time.Second)) {
		t.Errorf("revoked grant: Revoked = %v; want %v, and not active", g.Revoked, at)
	}
	wantCode(t, "RevokeGrant again", s.RevokeGrant(ctx(t), "grant_1", time.Time{}, act("grant.revoke", "grant_1")), glassbox.ECONFLICT)
	wantCode(t, "RevokeGrant of a missing grant", s.RevokeGrant(ctx(t), "grant_9", time.Time{}, act("grant.revoke", "grant_9")), glassbox.ENOTFOUND)
}

func testAdminActions(t *testing.T, s glassbox.PartyStore) {
	at := partyTime.Add(time.Minute)
	a := glassbox.AdminAction{At: at, Actor: "root", Action: "org.create", Target: "acme", Detail: "vendor “Acme”"}
	if err := s.CreateOrg(ctx(t), &glassbox.Organisation{ID: "acme", Name: "Acme", Kind: glassbox.OrgVendor}, a); err != nil {
		t.Fatal(err)
	}
	mustUser(t, s, "alice", "acme", glassbox.RoleVendor)
	// Refused changes record nothing.
	s.CreateOrg(ctx(t), &glassbox.Organisation{ID: "acme", Name: "Acme", Kind: glassbox.OrgVendor}, act("org.create", "acme"))
	s.CreateUser(ctx(t), &glassbox.User{ID: "bob", OrgID: "nowhere", Name: "Bob", Role: glassbox.RoleVendor}, act("user.create", "bob"))
	s.RevokeToken(ctx(t), "tok_none", time.Time{}, act("token.revoke", "tok_none"))
	tok := newToken("tok_a", "alice", "a")
	if err := s.CreateToken(ctx(t), tok, act("token.create", "tok_a")); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx(t), "tok_a", time.Time{}, act("token.revoke", "tok_a")); err != nil {
		t.Fatal(err)
	}
	// Uses and claims are not administrative actions.
	s.TouchToken(ctx(t), "tok_a", time.Now())
	s.ClaimProduct(ctx(t), "acme/router", "acme")

	all, err := s.ListAdminActions(ctx(t), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, x := range all {
		got = append(got, x.Action+" "+x.Target)
		if x.Seq != int64(i+1) {
			t.Errorf("action %d has seq %d; want %d", i, x.Seq, i+1)
		}
	}
	want := []string{"org.create acme", "user.create alice", "token.create tok_a", "token.revoke tok_a"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("admin actions = %q; want %q", got, want)
	}
	a.Seq = 1
	if *all[0] != a {
		t.Errorf("first action = %+v; want it as given, %+v", *all[0], a)
	}
	if all[1].At.IsZero() || all[1].At.Location() != time.UTC || all[1].Actor != "local" {
		t.Errorf("an action without a time = %+v; want the current time, in UTC", *all[1])
	}
	if last, err := s.LastAdminAction(ctx(t)); err != nil || last != 4 {
		t.Errorf("LastAdminAction = %d, %v; want 4", last, err)
	}
	page, err := s.ListAdminActions(ctx(t), 1, 2)
	if err != nil || len(page) != 2 || page[0].Seq != 2 || page[1].Seq != 3 {
		t.Errorf("ListAdminActions(after 1, limit 2) = %v, %v; want seqs 2 and 3", page, err)
	}
	if rest, err := s.ListAdminActions(ctx(t), 4, 0); err != nil || rest == nil || len(rest) != 0 {
		t.Errorf("ListAdminActions(after the last) = %#v, %v; want an empty list", rest, err)
	}
}

// Changes from many stores on one database at once: each happens once,
// each has its action, and the seqs count up without gaps or repeats.
func testConcurrentPartyChanges(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s := partyStore(t, open)
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		ps := partyStore(t, open)
		wg.Go(func() {
			id := fmt.Sprintf("org-%d", i%(n/2)) // each twice
			err := ps.CreateOrg(ctx(t), &glassbox.Organisation{ID: id, Name: id, Kind: glassbox.OrgVendor}, act("org.create", id))
			if err != nil && glassbox.ErrorCode(err) != glassbox.ECONFLICT {
				t.Errorf("concurrent CreateOrg(%s): %v", id, err)
			}
		})
	}
	wg.Wait()
	orgs, err := s.ListOrgs(ctx(t))
	if err != nil || len(orgs) != n/2 {
		t.Fatalf("ListOrgs = %d organisations, %v; want %d", len(orgs), err, n/2)
	}
	all, err := s.ListAdminActions(ctx(t), 0, 0)
	if err != nil || len(all) != n/2 {
		t.Fatalf("ListAdminActions = %d actions, %v; want %d, one per organisation created", len(all), err, n/2)
	}
	for i, a := range all {
		if a.Seq != int64(i+1) {
			t.Errorf("action %d has seq %d; want %d", i, a.Seq, i+1)
		}
	}
}
