package party

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/sqlite"
)

// elsewhere is another process's Service on c's database: its changes
// reach c only through the database.
func elsewhere(t *testing.T, c *centre) *Service {
	t.Helper()
	st, err := sqlite.Open(t.Context(), c.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := New(st)
	s.Now = c.Now
	return s
}

// grantedCentre has vendor acme (alice, an administrator of its own
// products), owner of acme/router, and evaluator lab (eve), granted on it.
func grantedCentre(t *testing.T) (*centre, *glassbox.Grant) {
	t.Helper()
	c := newCentre(t)
	c.org(t, "acme", glassbox.OrgVendor)
	c.user(t, "alice", "acme", glassbox.RoleVendor)
	c.org(t, "lab", glassbox.OrgEvaluator)
	c.user(t, "eve", "lab", glassbox.RoleEvaluator)
	alice := c.principal(t, c.token(t, "alice", 0, glassbox.ScopeRead, glassbox.ScopeSubmit, glassbox.ScopeAdmin))
	if err := c.ClaimForSubmit(t.Context(), alice, "acme/router"); err != nil {
		t.Fatal(err)
	}
	return c, c.grant(t, alice, "acme/router", "lab", t0.Add(24*time.Hour))
}

// TestAChangeElsewhereReachesTheCache revokes a token and a grant that c
// has just used, from another process's Service: within RevocationDelay
// c refuses both. A revocation through c itself refuses at once.
func TestAChangeElsewhereReachesTheCache(t *testing.T) {
	c, g := grantedCentre(t)
	evesSecret := c.token(t, "eve", 0)
	eve := c.principal(t, evesSecret)
	if _, err := c.Authorize(t.Context(), eve, ActReadRelease, "acme/router"); err != nil {
		t.Fatalf("the granted evaluator is refused: %v", err)
	}

	other := elsewhere(t, c)
	if _, err := other.RevokeGrant(t.Context(), local, g.ID); err != nil {
		t.Fatal(err)
	}
	if err := other.RevokeToken(t.Context(), local, eve.Token); err != nil {
		t.Fatal(err)
	}
	time.Sleep(RevocationDelay + 10*time.Millisecond)
	_, err := c.Authorize(t.Context(), eve, ActReadRelease, "acme/router")
	wantCode(t, "a read under a grant revoked elsewhere", err, glassbox.EFORBIDDEN)
	_, err = c.Authenticate(t.Context(), evesSecret)
	wantCode(t, "a token revoked elsewhere", err, glassbox.EUNAUTHENTICATED)

	// Through c: at once, however recently c read the database.
	secret := c.token(t, "alice", 0)
	p := c.principal(t, secret)
	if err := c.RevokeToken(t.Context(), local, p.Token); err != nil {
		t.Fatal(err)
	}
	_, err = c.Authenticate(t.Context(), secret)
	wantCode(t, "a token revoked here", err, glassbox.EUNAUTHENTICATED)

	// Expiry is the clock's, not the cache's.
	short := c.token(t, "alice", time.Hour)
	c.principal(t, short)
	c.now = c.now.Add(2 * time.Hour)
	_, err = c.Authenticate(t.Context(), short)
	wantCode(t, "an expired token that was kept", err, glassbox.EUNAUTHENTICATED)
}

// counting is a real store that counts the reads the policy makes.
type counting struct {
	glassbox.PartyStore
	reads atomic.Int64
}

func (s *counting) FindTokenByHash(ctx context.Context, h [32]byte) (*glassbox.Token, error) {
	s.reads.Add(1)
	return s.PartyStore.FindTokenByHash(ctx, h)
}

func (s *counting) FindUser(ctx context.Context, id string) (*glassbox.User, error) {
	s.reads.Add(1)
	return s.PartyStore.FindUser(ctx, id)
}

func (s *counting) FindOrg(ctx context.Context, id string) (*glassbox.Organisation, error) {
	s.reads.Add(1)
	return s.PartyStore.FindOrg(ctx, id)
}

func (s *counting) ProductOwner(ctx context.Context, product string) (string, error) {
	s.reads.Add(1)
	return s.PartyStore.ProductOwner(ctx, product)
}

func (s *counting) ListGrants(ctx context.Context, vendor, evaluator string) ([]*glassbox.Grant, error) {
	s.reads.Add(1)
	return s.PartyStore.ListGrants(ctx, vendor, evaluator)
}

// TestARepeatedRequestReadsNothing authenticates an evaluator and decides
// its read under a grant twice: the second time the store is not read.
func TestARepeatedRequestReadsNothing(t *testing.T) {
	c, _ := grantedCentre(t)
	secret := c.token(t, "eve", 0)

	st := &counting{PartyStore: c.store}
	s := New(st)
	s.Now = c.Now
	request := func() {
		p, err := s.Authenticate(t.Context(), secret)
		if err != nil {
			t.Fatal(err)
		}
		if g, err := s.Authorize(t.Context(), p, ActReadRelease, "acme/router"); err != nil || g == "" {
			t.Fatalf("the granted evaluator's read: grant %q, %v", g, err)
		}
	}
	request()
	first := st.reads.Load()
	request()
	if again := st.reads.Load() - first; first == 0 || again != 0 {
		t.Errorf("the first request read the store %d times, the second %d times; want some, then none", first, again)
	}
}
