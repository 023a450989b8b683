package glassbox

import (
	"context"
	"time"
)

// The parties of a centre. Organisations are vendors (they deposit
// products and source), evaluators (agencies, test labs, customers'
// security teams that review releases under a grant) and the centre's
// operator. Users belong to one organisation and act through API tokens.
// Everything a vendor deposits is confidential by default: only that
// vendor, evaluators it (or an admin) granted for the product, and the
// operator see it; verdicts, receipts and the log are public.

// OrgKind says what part an organisation plays.
type OrgKind string

const (
	OrgVendor    OrgKind = "vendor"
	OrgEvaluator OrgKind = "evaluator"
	OrgOperator  OrgKind = "operator" // the centre itself
)

// Role is what a user may do within its organisation.
type Role string

const (
	RoleAdmin     Role = "admin"     // the centre's administrators (operator organisation only)
	RoleVendor    Role = "vendor"    // a member of a vendor organisation
	RoleEvaluator Role = "evaluator" // a member of an evaluator organisation
	RoleAuditor   Role = "auditor"   // reads everything, changes nothing (operator organisation only)
)

// Scope is one right a token carries; a request needs the token's user to
// hold the right by role and the token to carry the scope.
type Scope string

const (
	ScopeRead     Scope = "read"
	ScopeSubmit   Scope = "submit"
	ScopeEvaluate Scope = "evaluate"
	ScopeJudge    Scope = "judge"
	ScopeAdmin    Scope = "admin"
)

// Scopes lists every scope, in a fixed order.
var Scopes = []Scope{ScopeRead, ScopeSubmit, ScopeEvaluate, ScopeJudge, ScopeAdmin}

// Organisation is a vendor, an evaluator or the operator.
type Organisation struct {
	ID      string    `json:"id"`   // a short stable name: lower-case letters, digits, '-'
	Name    string    `json:"name"` // for people
	Kind    OrgKind   `json:"kind"`
	Created time.Time `json:"created"`
}

// User is a person (or a CI job) acting for an organisation.
type User struct {
	ID      string    `json:"id"` // unique across the centre, as an organisation's ID
	OrgID   string    `json:"org"`
	Name    string    `json:"name"`
	Role    Role      `json:"role"`
	Created time.Time `json:"created"`
}

// Token is an API token as the centre keeps it: never the secret itself,
// only its SHA-256, which is what a presented token is looked up by.
type Token struct {
	ID       string     `json:"id"` // public handle ("tok_…"), shown in lists and logs
	UserID   string     `json:"user"`
	Name     string     `json:"name,omitempty"` // what it is for ("vendor CI")
	Scopes   []Scope    `json:"scopes"`
	Hash     [32]byte   `json:"-"` // SHA-256 of the secret
	Created  time.Time  `json:"created"`
	Expires  time.Time  `json:"expires"`
	Revoked  *time.Time `json:"revoked,omitempty"`
	LastUsed *time.Time `json:"last_used,omitempty"`
}

// Grant lets an evaluator organisation see a vendor's releases of one
// product, until it expires or is revoked.
type Grant struct {
	ID        string     `json:"id"`
	VendorID  string     `json:"vendor"`
	Product   string     `json:"product"`
	Evaluator string     `json:"evaluator"` // the evaluator organisation's ID
	GrantedBy string     `json:"granted_by"`
	Created   time.Time  `json:"created"`
	Expires   time.Time  `json:"expires"`
	Revoked   *time.Time `json:"revoked,omitempty"`
}

// Active reports whether the grant is in force at t.
func (g *Grant) Active(t time.Time) bool {
	return g.Revoked == nil && t.Before(g.Expires)
}

// Principal is who a request acts as: the user, its organisation and the
// token presented. Every access decision and every access statement is
// made about a Principal.
type Principal struct {
	User  User         `json:"user"`
	Org   Organisation `json:"org"`
	Token string       `json:"token"` // the token's ID, never its secret
	// Scopes are the token's scopes.
	Scopes []Scope `json:"scopes"`
}

// HasScope reports whether the principal's token carries s.
func (p *Principal) HasScope(s Scope) bool {
	for _, x := range p.Scopes {
		if x == s {
			return true
		}
	}
	return false
}

// AdminAction is one change an administrator (or a vendor granting access)
// made, kept append-only.
type AdminAction struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`  // user ID, or "bootstrap"
	Action string    `json:"action"` // "org.create", "token.revoke", "grant.create", …
	Target string    `json:"target"` // the ID acted on
	Detail string    `json:"detail,omitempty"`
}

// PartyStore keeps organisations, users, tokens, grants, which vendor owns
// which product, and the record of administrative actions. Every change
// also appends its AdminAction in the same transaction.
type PartyStore interface {
	CreateOrg(ctx context.Context, o *Organisation, a AdminAction) error
	FindOrg(ctx context.Context, id string) (*Organisation, error)
	ListOrgs(ctx context.Context) ([]*Organisation, error)

	CreateUser(ctx context.Context, u *User, a AdminAction) error
	FindUser(ctx context.Context, id string) (*User, error)
	ListUsers(ctx context.Context, orgID string) ([]*User, error)

	CreateToken(ctx context.Context, t *Token, a AdminAction) error
	// FindTokenByHash returns the token whose secret hashes to h, or
	// ENOTFOUND; callers check expiry and revocation.
	FindTokenByHash(ctx context.Context, h [32]byte) (*Token, error)
	ListTokens(ctx context.Context, userID string) ([]*Token, error)
	RevokeToken(ctx context.Context, id string, at time.Time, a AdminAction) error
	// TouchToken records a use; it may be coarse (once a minute).
	TouchToken(ctx context.Context, id string, at time.Time) error

	// ClaimProduct makes vendorID the owner of product if it has none. It
	// returns the owner either way.
	ClaimProduct(ctx context.Context, product, vendorID string) (owner string, err error)
	// ProductOwner returns the vendor that owns product, or "" if none.
	ProductOwner(ctx context.Context, product string) (string, error)

	CreateGrant(ctx context.Context, g *Grant, a AdminAction) error
	RevokeGrant(ctx context.Context, id string, at time.Time, a AdminAction) error
	FindGrant(ctx context.Context, id string) (*Grant, error)
	// ListGrants lists grants for a vendor's products ("" = all vendors)
	// and, if evaluator is set, only that evaluator's.
	ListGrants(ctx context.Context, vendorID, evaluator string) ([]*Grant, error)

	ListAdminActions(ctx context.Context, after int64, limit int) ([]*AdminAction, error)
}
