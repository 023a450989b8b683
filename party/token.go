package party

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"slices"
	"strings"
	"time"

	"glassbox.dev"
)

// Token lifetimes: every token expires, by default after DefaultTokenTTL,
// never later than MaxTokenTTL after it is issued; the bootstrap token
// after a day, time enough to make the real administrators.
const (
	DefaultTokenTTL   = 90 * 24 * time.Hour
	MaxTokenTTL       = 366 * 24 * time.Hour
	BootstrapTokenTTL = 24 * time.Hour
)

// SecretPrefix begins every token secret, so that a secret pasted where it
// should not be (a log, a repository) is recognisable by scanners.
const SecretPrefix = "gbx_"

// unauthenticated is the one refusal of a presented token, whatever was
// wrong with it, so that a caller learns nothing about tokens it does not
// hold.
func unauthenticated() error {
	return glassbox.Errorf(glassbox.EUNAUTHENTICATED, "the API token is not valid: it is unknown, expired or revoked; ask the centre's administrator for a new one")
}

// Authenticate returns the principal the token secret stands for. A
// secret that is malformed, unknown, expired or revoked, or whose user or
// organisation no longer exists, is EUNAUTHENTICATED with one message that
// does not say which. A use is recorded at most once a minute.
func (s *Service) Authenticate(ctx context.Context, secret string) (*glassbox.Principal, error) {
	if !strings.HasPrefix(secret, SecretPrefix) || len(secret) > 128 {
		return nil, unauthenticated()
	}
	h := sha256.Sum256([]byte(secret))
	t, err := s.store.FindTokenByHash(ctx, h)
	if glassbox.ErrorCode(err) == glassbox.ENOTFOUND {
		return nil, unauthenticated()
	}
	if err != nil {
		return nil, err
	}
	// The store found it by this hash; compare again in constant time in
	// case a store ever finds by something weaker (a prefix, a collation).
	now := s.Now()
	if subtle.ConstantTimeCompare(h[:], t.Hash[:]) != 1 || t.Revoked != nil || !now.Before(t.Expires) {
		return nil, unauthenticated()
	}
	u, err := s.store.FindUser(ctx, t.UserID)
	if glassbox.ErrorCode(err) == glassbox.ENOTFOUND {
		return nil, unauthenticated()
	}
	if err != nil {
		return nil, err
	}
	o, err := s.store.FindOrg(ctx, u.OrgID)
	if glassbox.ErrorCode(err) == glassbox.ENOTFOUND {
		return nil, unauthenticated()
	}
	if err != nil {
		return nil, err
	}
	if t.LastUsed == nil || now.Sub(*t.LastUsed) >= time.Minute {
		// Best effort: a use that cannot be recorded does not refuse the
		// request that made it.
		_ = s.store.TouchToken(ctx, t.ID, now)
	}
	// The scopes the role allows, whatever the row says.
	allowed := RoleScopes(u.Role)
	scopes := slices.DeleteFunc(slices.Clone(t.Scopes), func(sc glassbox.Scope) bool { return !slices.Contains(allowed, sc) })
	return &glassbox.Principal{User: *u, Org: *o, Token: t.ID, Scopes: scopes}, nil
}

// IssueToken makes a token for user with scopes (none: DefaultScopes of
// its role) and lifetime ttl (0: DefaultTokenTTL), for p, an
// administrator. It returns the secret, which is kept nowhere and cannot
// be shown again.
func (s *Service) IssueToken(ctx context.Context, p *glassbox.Principal, user, name string, scopes []glassbox.Scope, ttl time.Duration) (string, *glassbox.Token, error) {
	if err := s.allow(ctx, p, ActAdmin); err != nil {
		return "", nil, err
	}
	u, err := s.store.FindUser(ctx, user)
	if err != nil {
		return "", nil, err
	}
	if len(scopes) == 0 {
		scopes = DefaultScopes(u.Role)
	}
	allowed := RoleScopes(u.Role)
	for _, sc := range scopes {
		if !slices.Contains(allowed, sc) {
			return "", nil, glassbox.Errorf(glassbox.EINVALID, "user %s is %s, whose tokens may carry %v, not %q", u.ID, u.Role, allowed, sc)
		}
	}
	switch {
	case ttl == 0:
		ttl = DefaultTokenTTL
	case ttl < 0 || ttl > MaxTokenTTL:
		return "", nil, glassbox.Errorf(glassbox.EINVALID, "a token's lifetime %s must be positive and at most %d days; issue a new token when it runs out", ttl, MaxTokenTTL/(24*time.Hour))
	}
	return s.issue(ctx, p, u, name, scopes, ttl)
}

// issue makes and records the token; its caller has decided everything.
func (s *Service) issue(ctx context.Context, p *glassbox.Principal, u *glassbox.User, name string, scopes []glassbox.Scope, ttl time.Duration) (string, *glassbox.Token, error) {
	secret, hash := newSecret(SecretPrefix)
	now := s.Now().UTC()
	t := &glassbox.Token{ID: newID("tok_"), UserID: u.ID, Name: name, Scopes: slices.Clone(scopes), Hash: hash, Created: now, Expires: now.Add(ttl)}
	detail := fmt.Sprintf("for %s, scopes %s, expires %s", u.ID, joinScopes(t.Scopes), t.Expires.Format(time.RFC3339))
	if err := s.store.CreateToken(ctx, t, s.record(p, "token.create", t.ID, detail)); err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

func joinScopes(scopes []glassbox.Scope) string {
	ss := make([]string, len(scopes))
	for i, sc := range scopes {
		ss[i] = string(sc)
	}
	return strings.Join(ss, " ")
}

// ListTokens lists the tokens of user ("" = of everyone) for p, an
// administrator or auditor. Their secrets are not among them: the centre
// does not have them.
func (s *Service) ListTokens(ctx context.Context, p *glassbox.Principal, user string) ([]*glassbox.Token, error) {
	if err := s.allow(ctx, p, ActAdminRead); err != nil {
		return nil, err
	}
	return s.store.ListTokens(ctx, user)
}

// RevokeToken ends token id now, for p, an administrator.
func (s *Service) RevokeToken(ctx context.Context, p *glassbox.Principal, id string) error {
	if err := s.allow(ctx, p, ActAdmin); err != nil {
		return err
	}
	return s.store.RevokeToken(ctx, id, s.Now(), s.record(p, "token.revoke", id, ""))
}
