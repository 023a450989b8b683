package party

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/sqlite"
)

// A secret is gbx_ and 256 random bits in base64url; the centre keeps only
// its SHA-256, so not even the database file holds it.
func TestSecretIsShownOnceAndKeptAsHash(t *testing.T) {
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "glassbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := New(st)
	ctx := t.Context()
	if _, err := s.CreateOrg(ctx, local, glassbox.Organisation{ID: "acme", Name: "Acme", Kind: glassbox.OrgVendor}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, local, glassbox.User{ID: "alice", OrgID: "acme", Name: "Alice", Role: glassbox.RoleVendor}); err != nil {
		t.Fatal(err)
	}
	secret, tok, err := s.IssueToken(ctx, local, "alice", "CI", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(secret, "gbx_"))
	if !strings.HasPrefix(secret, "gbx_") || err != nil || len(raw) != 32 {
		t.Errorf("secret %q: want gbx_ and 32 bytes in base64url without padding", secret)
	}
	if !slices.Equal(tok.Scopes, []glassbox.Scope{glassbox.ScopeRead, glassbox.ScopeSubmit}) {
		t.Errorf("a vendor's token without scopes asked got %v; want read submit", tok.Scopes)
	}
	if !tok.Expires.Equal(tok.Created.Add(DefaultTokenTTL)) {
		t.Errorf("a token without a lifetime expires %v; want %v", tok.Expires, tok.Created.Add(DefaultTokenTTL))
	}
	other, _, _ := s.IssueToken(ctx, local, "alice", "CI", nil, 0)
	if other == secret {
		t.Fatal("two tokens have one secret")
	}
	st.Close()
	for _, name := range []string{"glassbox.db", "glassbox.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if bytes.Contains(b, []byte(secret)) || bytes.Contains(b, raw) {
			t.Errorf("%s holds the secret", name)
		}
	}
}

// hidingStore is a PartyStore that forgets users or organisations, as a
// store whose rows were removed by hand does, and counts uses recorded.
type hidingStore struct {
	glassbox.PartyStore
	hideUsers, hideOrgs bool
	touches             int
}

func (h *hidingStore) FindUser(ctx context.Context, id string) (*glassbox.User, error) {
	if h.hideUsers {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "there is no user %q", id)
	}
	return h.PartyStore.FindUser(ctx, id)
}

func (h *hidingStore) FindOrg(ctx context.Context, id string) (*glassbox.Organisation, error) {
	if h.hideOrgs {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "there is no organisation %q", id)
	}
	return h.PartyStore.FindOrg(ctx, id)
}

func (h *hidingStore) TouchToken(ctx context.Context, id string, at time.Time) error {
	h.touches++
	return h.PartyStore.TouchToken(ctx, id, at)
}

// Every token that does not stand for a current user is refused with the
// same EUNAUTHENTICATED message, whatever is wrong with it.
func TestAuthenticateRefusals(t *testing.T) {
	c := newCentre(t)
	h := &hidingStore{PartyStore: c.store}
	c.Service.store = h
	c.org(t, "acme", glassbox.OrgVendor)
	c.user(t, "alice", "acme", glassbox.RoleVendor)
	good := c.token(t, "alice", 0)
	short := c.token(t, "alice", time.Hour)
	revoked := c.token(t, "alice", 0)
	if err := c.RevokeToken(t.Context(), local, c.principal(t, revoked).Token); err != nil {
		t.Fatal(err)
	}
	c.now = t0.Add(time.Hour)

	var messages []string
	refuse := func(name, secret string) {
		t.Helper()
		p, err := c.Authenticate(t.Context(), secret)
		if p != nil || glassbox.ErrorCode(err) != glassbox.EUNAUTHENTICATED {
			t.Errorf("Authenticate(%s) = %v, %v; want EUNAUTHENTICATED", name, p, err)
			return
		}
		if strings.Contains(err.Error(), secret) && secret != "" {
			t.Errorf("Authenticate(%s): the refusal %q quotes the secret", name, err)
		}
		messages = append(messages, err.Error())
	}
	refuse("empty", "")
	refuse("no prefix", strings.TrimPrefix(good, "gbx_"))
	refuse("unknown", "gbx_"+strings.Repeat("A", 43))
	refuse("one character changed", good[:len(good)-1]+string(good[len(good)-1]^1))
	refuse("expired", short)
	refuse("revoked", revoked)
	refuse("huge", "gbx_"+strings.Repeat("A", 1<<20))
	h.hideUsers = true
	refuse("user removed", good)
	h.hideUsers, h.hideOrgs = false, true
	refuse("organisation removed", good)
	h.hideOrgs = false
	for _, m := range messages {
		if m != messages[0] {
			t.Errorf("refusals differ: %q and %q; one message must not say which", messages[0], m)
		}
	}

	p := c.principal(t, good)
	if p.User.ID != "alice" || p.Org.ID != "acme" || p.Org.Kind != glassbox.OrgVendor || !strings.HasPrefix(p.Token, "tok_") {
		t.Errorf("principal = %+v; want alice of acme with the token's ID", p)
	}
}

// A use is written at most once a minute per token, however busy.
func TestLastUseIsCoarse(t *testing.T) {
	c := newCentre(t)
	h := &hidingStore{PartyStore: c.store}
	c.Service.store = h
	c.org(t, "acme", glassbox.OrgVendor)
	c.user(t, "alice", "acme", glassbox.RoleVendor)
	secret := c.token(t, "alice", 0)
	for i := range 100 {
		c.now = t0.Add(time.Duration(i) * time.Second)
		c.principal(t, secret)
	}
	if h.touches != 2 { // at 0s and at 60s
		t.Errorf("100 uses in 100 seconds wrote the last use %d times; want 2", h.touches)
	}
	toks, _ := c.ListTokens(t.Context(), local, "alice")
	if len(toks) != 1 || toks[0].LastUsed == nil || !toks[0].LastUsed.Equal(t0.Add(time.Minute)) {
		t.Errorf("last use = %v; want %v", toks[0].LastUsed, t0.Add(time.Minute))
	}
}

// A token carries only scopes its user's role allows, lives at most a
// year, and only an administrator issues or revokes one.
func TestIssueToken(t *testing.T) {
	c := newCentre(t)
	c.org(t, "centre", glassbox.OrgOperator)
	c.org(t, "acme", glassbox.OrgVendor)
	c.org(t, "lab", glassbox.OrgEvaluator)
	c.user(t, "alice", "acme", glassbox.RoleVendor)
	c.user(t, "eve", "lab", glassbox.RoleEvaluator)
	c.user(t, "aud", "centre", glassbox.RoleAuditor)
	ctx := t.Context()
	for _, tc := range []struct {
		user   string
		scopes []glassbox.Scope
		ttl    time.Duration
		code   string
	}{
		{"alice", []glassbox.Scope{"judge"}, 0, glassbox.EINVALID},
		{"eve", []glassbox.Scope{"submit"}, 0, glassbox.EINVALID},
		{"eve", []glassbox.Scope{"admin"}, 0, glassbox.EINVALID},
		{"aud", []glassbox.Scope{"evaluate"}, 0, glassbox.EINVALID},
		{"alice", []glassbox.Scope{"root"}, 0, glassbox.EINVALID},
		{"alice", nil, MaxTokenTTL + time.Second, glassbox.EINVALID},
		{"alice", nil, -time.Hour, glassbox.EINVALID},
		{"nobody", nil, 0, glassbox.ENOTFOUND},
		{"alice", []glassbox.Scope{"read", "submit", "evaluate", "admin"}, MaxTokenTTL, ""},
		{"eve", []glassbox.Scope{"read", "evaluate", "judge"}, time.Hour, ""},
	} {
		_, _, err := c.IssueToken(ctx, local, tc.user, "", tc.scopes, tc.ttl)
		wantCode(t, "IssueToken("+tc.user+")", err, tc.code)
	}
	alice := c.principal(t, c.token(t, "alice", 0, RoleScopes(glassbox.RoleVendor)...))
	_, _, err := c.IssueToken(ctx, alice, "alice", "", nil, 0)
	wantCode(t, "IssueToken by a vendor", err, glassbox.EFORBIDDEN)
	wantCode(t, "RevokeToken by a vendor", c.RevokeToken(ctx, alice, alice.Token), glassbox.EFORBIDDEN)
	_, err = c.ListTokens(ctx, alice, "")
	wantCode(t, "ListTokens by a vendor", err, glassbox.EFORBIDDEN)
	_, _, err = c.IssueToken(ctx, nil, "alice", "", nil, 0)
	wantCode(t, "IssueToken anonymously", err, glassbox.EUNAUTHENTICATED)
}
