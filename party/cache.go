package party

import (
	"context"
	"slices"
	"sync"
	"time"

	"glassbox.dev"
)

// RevocationDelay is the longest a change made by another process (a
// token or grant revoked with 'glassbox admin' while 'glassbox serve'
// runs, or through another server on the same database) takes to reach
// this one's decisions. A change made through this process's Service
// takes effect at once.
const RevocationDelay = 250 * time.Millisecond

// maxCached bounds each of the cache's maps; a full map is emptied.
const maxCached = 1 << 16

// cache is a PartyStore that keeps what the policy reads on every request
// (a token by its hash, its user and organisation, a product's owner, the
// grants between two organisations), so that a request does not cost
// four queries. Whatever can change is dropped as soon as the last
// administrative action moves, which every change raises in the same
// transaction: read at most every RevocationDelay, and dropped at once
// when the change goes through this cache. Expiry is not cached: the
// policy compares the times it is given with its clock.
type cache struct {
	glassbox.PartyStore

	// refresh serialises the reads of the last action.
	refresh sync.Mutex

	mu      sync.Mutex
	gen     uint64    // raised by every drop
	last    int64     // the last administrative action seen
	checked time.Time // when it was read, by the monotonic clock
	tokens  map[[32]byte]glassbox.Token
	users   map[string]glassbox.User
	orgs    map[string]glassbox.Organisation
	owners  map[string]string              // only products with an owner: it never changes
	grants  map[[2]string][]glassbox.Grant // by vendor and evaluator
}

func newCache(store glassbox.PartyStore) *cache {
	c := &cache{PartyStore: store, owners: map[string]string{}}
	c.drop()
	return c
}

// drop forgets everything a change could make wrong; c.mu is held or c
// is not shared yet.
func (c *cache) drop() {
	c.gen++
	c.tokens = map[[32]byte]glassbox.Token{}
	c.users = map[string]glassbox.User{}
	c.orgs = map[string]glassbox.Organisation{}
	c.grants = map[[2]string][]glassbox.Grant{}
}

// changed is called after a change through the cache.
func (c *cache) changed() {
	c.mu.Lock()
	c.drop()
	c.checked = time.Time{}
	c.mu.Unlock()
}

// current makes sure the cache reflects every change older than
// RevocationDelay, reading the last administrative action if it was not
// read in that time.
func (c *cache) current(ctx context.Context) error {
	c.mu.Lock()
	fresh := !c.checked.IsZero() && time.Since(c.checked) < RevocationDelay
	c.mu.Unlock()
	if fresh {
		return nil
	}
	c.refresh.Lock()
	defer c.refresh.Unlock()
	c.mu.Lock()
	fresh = !c.checked.IsZero() && time.Since(c.checked) < RevocationDelay
	c.mu.Unlock()
	if fresh {
		return nil // read by the caller that held refresh
	}
	start := time.Now()
	last, err := c.PartyStore.LastAdminAction(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if last != c.last {
		c.drop()
		c.last = last
	}
	c.checked = start
	return nil
}

func remember[K comparable, V any](m map[K]V, k K, v V) {
	if len(m) >= maxCached {
		clear(m)
	}
	m[k] = v
}

// lookup returns m[k], loading and keeping it on a miss. A value loaded
// across a drop of the cache is returned but not kept: it may be older
// than the change that dropped the cache.
func lookup[K comparable, V any](ctx context.Context, c *cache, m func() map[K]V, k K, load func(context.Context, K) (*V, error)) (*V, error) {
	if err := c.current(ctx); err != nil {
		return nil, err
	}
	c.mu.Lock()
	v, ok := m()[k]
	gen := c.gen
	c.mu.Unlock()
	if !ok {
		found, err := load(ctx, k)
		if err != nil {
			return nil, err // what is not found is not kept
		}
		v = *found
		c.mu.Lock()
		if c.gen == gen {
			remember(m(), k, v)
		}
		c.mu.Unlock()
	}
	return &v, nil
}

func (c *cache) FindTokenByHash(ctx context.Context, h [32]byte) (*glassbox.Token, error) {
	t, err := lookup(ctx, c, func() map[[32]byte]glassbox.Token { return c.tokens }, h, c.PartyStore.FindTokenByHash)
	if err != nil {
		return nil, err
	}
	t.Scopes = slices.Clone(t.Scopes)
	return t, nil
}

func (c *cache) TouchToken(ctx context.Context, id string, at time.Time) error {
	if err := c.PartyStore.TouchToken(ctx, id, at); err != nil {
		return err
	}
	// Not an administrative action: the kept row is updated here, so
	// that the next use is not recorded again within the minute.
	c.mu.Lock()
	for h, t := range c.tokens {
		if t.ID == id {
			t.LastUsed = &at
			c.tokens[h] = t
		}
	}
	c.mu.Unlock()
	return nil
}

func (c *cache) FindUser(ctx context.Context, id string) (*glassbox.User, error) {
	return lookup(ctx, c, func() map[string]glassbox.User { return c.users }, id, c.PartyStore.FindUser)
}

func (c *cache) FindOrg(ctx context.Context, id string) (*glassbox.Organisation, error) {
	return lookup(ctx, c, func() map[string]glassbox.Organisation { return c.orgs }, id, c.PartyStore.FindOrg)
}

// ProductOwner keeps a product's owner once it has one: ownership is
// claimed once and never moves.
func (c *cache) ProductOwner(ctx context.Context, product string) (string, error) {
	c.mu.Lock()
	owner, ok := c.owners[product]
	c.mu.Unlock()
	if ok {
		return owner, nil
	}
	owner, err := c.PartyStore.ProductOwner(ctx, product)
	if err != nil || owner == "" {
		return owner, err
	}
	c.mu.Lock()
	remember(c.owners, product, owner)
	c.mu.Unlock()
	return owner, nil
}

func (c *cache) ListGrants(ctx context.Context, vendorID, evaluator string) ([]*glassbox.Grant, error) {
	gs, err := lookup(ctx, c, func() map[[2]string][]glassbox.Grant { return c.grants }, [2]string{vendorID, evaluator},
		func(ctx context.Context, k [2]string) (*[]glassbox.Grant, error) {
			found, err := c.PartyStore.ListGrants(ctx, k[0], k[1])
			if err != nil {
				return nil, err
			}
			gs := make([]glassbox.Grant, len(found))
			for i, g := range found {
				gs[i] = *g
			}
			return &gs, nil
		})
	if err != nil {
		return nil, err
	}
	out := make([]*glassbox.Grant, len(*gs))
	for i := range *gs {
		g := (*gs)[i]
		out[i] = &g
	}
	return out, nil
}

// The changes: each drops what the cache keeps, whether it succeeded or
// not (a failure may have happened after the commit).

func (c *cache) CreateOrg(ctx context.Context, o *glassbox.Organisation, a glassbox.AdminAction) error {
	defer c.changed()
	return c.PartyStore.CreateOrg(ctx, o, a)
}

func (c *cache) CreateUser(ctx context.Context, u *glassbox.User, a glassbox.AdminAction) error {
	defer c.changed()
	return c.PartyStore.CreateUser(ctx, u, a)
}

func (c *cache) CreateToken(ctx context.Context, t *glassbox.Token, a glassbox.AdminAction) error {
	defer c.changed()
	return c.PartyStore.CreateToken(ctx, t, a)
}

func (c *cache) RevokeToken(ctx context.Context, id string, at time.Time, a glassbox.AdminAction) error {
	defer c.changed()
	return c.PartyStore.RevokeToken(ctx, id, at, a)
}

func (c *cache) CreateGrant(ctx context.Context, g *glassbox.Grant, a glassbox.AdminAction) error {
	defer c.changed()
	return c.PartyStore.CreateGrant(ctx, g, a)
}

func (c *cache) RevokeGrant(ctx context.Context, id string, at time.Time, a glassbox.AdminAction) error {
	defer c.changed()
	return c.PartyStore.RevokeGrant(ctx, id, at, a)
}
