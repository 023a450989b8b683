// Package party is who may do what in a centre: it issues and checks API
// tokens, administers organisations, users and grants, and decides every
// request by one deny-by-default policy (Authorize).
//
// Every change is made for an authorised glassbox.Principal and recorded
// as a glassbox.AdminAction in the same transaction as the change.
package party

import (
	"context"
	"crypto/rand"
	"slices"
	"strings"
	"time"

	"glassbox.dev"
)

// Service is the party administration and the policy over a PartyStore.
type Service struct {
	store glassbox.PartyStore
	// signin is the store's sign-in part, if it has one.
	signin glassbox.SignInStore
	// Now is the clock; tests set it before the Service is used.
	Now func() time.Time
}

// New returns the Service over store. It keeps what the policy reads on
// every request; a change made through another Service on the same
// database (another process) reaches its decisions within
// RevocationDelay, one made through it at once.
func New(store glassbox.PartyStore) *Service {
	s := &Service{store: newCache(store), Now: time.Now}
	s.signin, _ = store.(glassbox.SignInStore)
	return s
}

// Identities that are never users of the store: the actors of the
// administrative record for the data directory's owner and for the first
// start.
const (
	LocalActor     = "local"
	BootstrapActor = "bootstrap"
)

// LocalOperator is the principal of the operating-system user who owns
// the data directory, for commands run on it directly: an administrator
// with every scope, recorded as LocalActor.
func LocalOperator() *glassbox.Principal {
	return &glassbox.Principal{
		User:   glassbox.User{ID: LocalActor, Name: "local operator", Role: glassbox.RoleAdmin},
		Org:    glassbox.Organisation{ID: LocalActor, Name: "local operator", Kind: glassbox.OrgOperator},
		Token:  LocalActor,
		Scopes: slices.Clone(glassbox.Scopes),
	}
}

// RoleFits reports whether a user of role may belong to an organisation
// of kind: administrators and auditors to the operator, vendor members to
// vendors, evaluators to evaluators.
func RoleFits(kind glassbox.OrgKind, role glassbox.Role) bool {
	switch role {
	case glassbox.RoleAdmin, glassbox.RoleAuditor:
		return kind == glassbox.OrgOperator
	case glassbox.RoleVendor:
		return kind == glassbox.OrgVendor
	case glassbox.RoleEvaluator:
		return kind == glassbox.OrgEvaluator
	}
	return false
}

// RoleScopes lists the scopes a token of a user with role may carry.
//
// A vendor member may hold admin, which for a vendor means granting and
// revoking evaluators' access to its own products and nothing else: so a
// CI token (read, submit) that leaks cannot open the vendor's source to
// anyone.
func RoleScopes(role glassbox.Role) []glassbox.Scope {
	switch role {
	case glassbox.RoleAdmin:
		return slices.Clone(glassbox.Scopes)
	case glassbox.RoleAuditor:
		return []glassbox.Scope{glassbox.ScopeRead}
	case glassbox.RoleVendor:
		return []glassbox.Scope{glassbox.ScopeRead, glassbox.ScopeSubmit, glassbox.ScopeEvaluate, glassbox.ScopeAdmin}
	case glassbox.RoleEvaluator:
		return []glassbox.Scope{glassbox.ScopeRead, glassbox.ScopeEvaluate, glassbox.ScopeJudge}
	}
	return nil
}

// DefaultScopes are the scopes a token gets when none are asked for: what
// the role does day to day. For an administrator that is every scope but
// sign: a token that has the centre sign statements is made for the
// workers on purpose (--scopes sign), never by default, so that a person's
// token leaked is not also the centre's signing key.
func DefaultScopes(role glassbox.Role) []glassbox.Scope {
	switch role {
	case glassbox.RoleAdmin:
		return slices.DeleteFunc(slices.Clone(glassbox.Scopes), func(s glassbox.Scope) bool { return s == glassbox.ScopeSign })
	case glassbox.RoleVendor:
		return []glassbox.Scope{glassbox.ScopeRead, glassbox.ScopeSubmit}
	}
	return RoleScopes(role)
}

// newID returns prefix followed by 80 random bits in lower-case base32.
func newID(prefix string) string {
	return prefix + strings.ToLower(rand.Text()[:16])
}

// record is the administrative action p takes on target.
func (s *Service) record(p *glassbox.Principal, action, target, detail string) glassbox.AdminAction {
	return glassbox.AdminAction{At: s.Now().UTC(), Actor: p.User.ID, Action: action, Target: target, Detail: detail}
}

// allow returns the error of Authorize for act, with no product.
func (s *Service) allow(ctx context.Context, p *glassbox.Principal, act Action) error {
	_, err := s.Authorize(ctx, p, act, "")
	return err
}
