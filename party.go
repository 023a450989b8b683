package glassbox

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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
	// ScopeSign lets a worker that holds no keys ask a server of the
	// centre to sign and log the centre's statements its jobs make.
	ScopeSign Scope = "sign"
)

// Scopes lists every scope, in a fixed order.
var Scopes = []Scope{ScopeRead, ScopeSubmit, ScopeEvaluate, ScopeJudge, ScopeAdmin, ScopeSign}

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
	// LastAdminAction returns the seq of the latest administrative
	// action, 0 if there is none: every change of tokens, users,
	// organisations and grants raises it.
	LastAdminAction(ctx context.Context) (int64, error)
}

// Session is a signed-in person's session in the workspace: the browser
// holds its secret in a cookie, the centre only its hash.
type Session struct {
	Hash     [32]byte   `json:"-"`  // SHA-256 of the cookie's secret
	ID       string     `json:"id"` // a short public handle: the hash's first 16 hex digits
	UserID   string     `json:"user_id"`
	CSRF     string     `json:"-"` // the token every form of the session carries
	Created  time.Time  `json:"created"`
	LastSeen time.Time  `json:"last_seen"`
	Ended    *time.Time `json:"ended,omitempty"`
}

// SignInStore keeps the workspace's credentials and sessions.
type SignInStore interface {
	// SetPassword keeps user's password hash (a PHC string, argon2id) and
	// ends every session of the user, with the administrative action a.
	SetPassword(ctx context.Context, userID, hash string, a AdminAction) error
	// PasswordHash returns user's password hash, or ENOTFOUND.
	PasswordHash(ctx context.Context, userID string) (string, error)
	CreateSession(ctx context.Context, s *Session) error
	// FindSession returns the session whose secret hashes to h, or
	// ENOTFOUND; callers check that it has not ended or timed out.
	FindSession(ctx context.Context, h [32]byte) (*Session, error)
	// TouchSession records activity; it may be coarse (once a minute).
	TouchSession(ctx context.Context, h [32]byte, at time.Time) error
	EndSession(ctx context.Context, h [32]byte, at time.Time) error

	// AddPasskey keeps a user's new passkey, with the administrative
	// action a; a credential ID already kept is ECONFLICT.
	AddPasskey(ctx context.Context, k *Passkey, a AdminAction) error
	// Passkeys lists a user's passkeys, oldest first.
	Passkeys(ctx context.Context, userID string) ([]*Passkey, error)
	// FindPasskey returns the passkey with the credential ID, or ENOTFOUND.
	FindPasskey(ctx context.Context, id string) (*Passkey, error)
	// UsePasskey records a sign-in with the passkey and its credential
	// record as it now stands (the authenticator's counter moves).
	UsePasskey(ctx context.Context, id string, credential []byte, at time.Time) error
	// RemovePasskey removes a user's passkey, with the administrative
	// action a; ENOTFOUND when the user has no such passkey.
	RemovePasskey(ctx context.Context, userID, id string, a AdminAction) error
	// SaveCeremony keeps a WebAuthn ceremony until it is taken or expires.
	SaveCeremony(ctx context.Context, c *Ceremony) error
	// TakeCeremony returns the ceremony whose secret hashes to h and
	// forgets it, so that its challenge is answered once; one expired at
	// now, or unknown, is ENOTFOUND.
	TakeCeremony(ctx context.Context, h [32]byte, now time.Time) (*Ceremony, error)
}

// Passkey is a WebAuthn credential a user signs in with: the private key
// stays on the user's authenticator, the centre keeps the public key.
type Passkey struct {
	ID         string     `json:"id"` // the credential ID, base64url
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	Credential []byte     `json:"-"` // the credential record (public key, counter, flags), JSON
	Created    time.Time  `json:"created"`
	LastUsed   *time.Time `json:"last_used,omitempty"`
}

// The kinds of WebAuthn ceremony.
const (
	CeremonyRegister     = "register"      // a signed-in user adds a passkey
	CeremonySignIn       = "signin"        // someone signs in with a passkey alone
	CeremonySecondFactor = "second-factor" // a user whose password was right confirms with a passkey
)

// Ceremony is a WebAuthn ceremony begun and not yet finished: the
// challenge the browser must have signed, bound to the secret of a cookie
// the centre keeps only the hash of.
type Ceremony struct {
	Hash    [32]byte
	Kind    string
	UserID  string // the user registering or confirming; empty for a passkey alone
	Data    []byte // the relying party's session data, JSON
	Expires time.Time
}

// Bounds on the names the centre keeps about its parties.
const (
	MaxPartyID   = 64  // organisation and user IDs
	MaxPartyName = 256 // names for people, token names
)

// ValidPartyID returns an EINVALID error unless id can name an
// organisation or a user: 1 to MaxPartyID lower-case ASCII letters, digits
// and '-', starting with a letter or digit. IDs appear in URLs, logs and
// access statements, so they must need no quoting anywhere.
func ValidPartyID(what, id string) error {
	ok := id != "" && len(id) <= MaxPartyID && id[0] != '-'
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-'
	}
	if !ok {
		return Errorf(EINVALID, "%s %q: want 1 to %d lower-case letters, digits and '-', not starting with '-'", what, id, MaxPartyID)
	}
	return nil
}

// validPartyName returns an EINVALID error unless v is a name for people:
// UTF-8 without control characters, at most MaxPartyName bytes, and not
// empty unless optional.
func validPartyName(what, v string, optional bool) error {
	if (!optional && strings.TrimSpace(v) == "") || len(v) > MaxPartyName || !utf8.ValidString(v) ||
		strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return Errorf(EINVALID, "%s %q: want at most %d bytes of UTF-8 text without control characters", what, v, MaxPartyName)
	}
	return nil
}

// Validate reports whether o can be recorded.
func (o *Organisation) Validate() error {
	if err := ValidPartyID("organisation id", o.ID); err != nil {
		return err
	}
	if err := validPartyName("organisation name", o.Name, false); err != nil {
		return err
	}
	switch o.Kind {
	case OrgVendor, OrgEvaluator, OrgOperator:
		return nil
	}
	return Errorf(EINVALID, "organisation %s: kind %q: want vendor, evaluator or operator", o.ID, o.Kind)
}

// Validate reports whether u can be recorded. Whether the role fits the
// organisation's kind is the party service's rule, not checked here.
func (u *User) Validate() error {
	if err := ValidPartyID("user id", u.ID); err != nil {
		return err
	}
	if err := ValidPartyID("organisation id", u.OrgID); err != nil {
		return err
	}
	if err := validPartyName("user name", u.Name, false); err != nil {
		return err
	}
	switch u.Role {
	case RoleAdmin, RoleVendor, RoleEvaluator, RoleAuditor:
		return nil
	}
	return Errorf(EINVALID, "user %s: role %q: want admin, vendor, evaluator or auditor", u.ID, u.Role)
}

// ValidScope reports whether s is one of Scopes.
func ValidScope(s Scope) bool { return slices.Contains(Scopes, s) }

// Validate reports whether t can be recorded: a handle, a user, known
// scopes without repeats, a hash and an expiry after its creation.
func (t *Token) Validate() error {
	if !strings.HasPrefix(t.ID, "tok_") || ValidPartyID("token id", t.ID[4:]) != nil {
		return Errorf(EINVALID, "token id %q: want tok_ followed by lower-case letters, digits and '-'", t.ID)
	}
	if err := ValidPartyID("user id", t.UserID); err != nil {
		return err
	}
	if err := validPartyName("token name", t.Name, true); err != nil {
		return err
	}
	if len(t.Scopes) == 0 {
		return Errorf(EINVALID, "token %s has no scopes; want one or more of %v", t.ID, Scopes)
	}
	for i, s := range t.Scopes {
		if !ValidScope(s) {
			return Errorf(EINVALID, "token %s: scope %q: want one of %v", t.ID, s, Scopes)
		}
		if slices.Contains(t.Scopes[:i], s) {
			return Errorf(EINVALID, "token %s names scope %s twice", t.ID, s)
		}
	}
	if t.Hash == ([32]byte{}) {
		return Errorf(EINVALID, "token %s has no hash", t.ID)
	}
	if !t.Expires.After(t.Created) {
		return Errorf(EINVALID, "token %s expires (%s) before it is created (%s)", t.ID, t.Expires.Format(time.RFC3339), t.Created.Format(time.RFC3339))
	}
	return nil
}

// Validate reports whether g can be recorded.
func (g *Grant) Validate() error {
	if !strings.HasPrefix(g.ID, "grant_") || ValidPartyID("grant id", g.ID[6:]) != nil {
		return Errorf(EINVALID, "grant id %q: want grant_ followed by lower-case letters, digits and '-'", g.ID)
	}
	if err := ValidPartyID("vendor", g.VendorID); err != nil {
		return err
	}
	if err := ValidPartyID("evaluator", g.Evaluator); err != nil {
		return err
	}
	if err := validPartyName("product", g.Product, false); err != nil {
		return err
	}
	if err := validPartyName("granted by", g.GrantedBy, false); err != nil {
		return err
	}
	if !g.Expires.After(g.Created) {
		return Errorf(EINVALID, "grant %s expires (%s) before it is created (%s)", g.ID, g.Expires.Format(time.RFC3339), g.Created.Format(time.RFC3339))
	}
	return nil
}

// Validate reports whether a can be recorded.
func (a *AdminAction) Validate() error {
	if err := validPartyName("admin action actor", a.Actor, false); err != nil {
		return err
	}
	if err := validPartyName("admin action", a.Action, false); err != nil {
		return err
	}
	if err := validPartyName("admin action target", a.Target, false); err != nil {
		return err
	}
	if len(a.Detail) > 4096 || !utf8.ValidString(a.Detail) {
		return Errorf(EINVALID, "admin action detail: want at most 4096 bytes of UTF-8 text")
	}
	return nil
}

// Validate reports whether k can be kept.
func (k *Passkey) Validate() error {
	if k.ID == "" {
		return Errorf(EINVALID, "a passkey without a credential ID")
	}
	if err := ValidPartyID("user id", k.UserID); err != nil {
		return err
	}
	return validPartyName("passkey name", k.Name, false)
}

// WitnessedLog is a log the centre witnesses: the keys its checkpoints are
// signed with and the tree the centre last cosigned.
type WitnessedLog struct {
	Origin string   `json:"origin"`
	Keys   []string `json:"keys"` // C2SP signed-note verifier keys
	Size   uint64   `json:"size"`
	Hash   []byte   `json:"hash,omitempty"`
}

// WitnessStore keeps the logs the centre witnesses.
type WitnessStore interface {
	// AddWitnessedLog starts witnessing origin from size zero, or adds a
	// key to a log already witnessed.
	AddWitnessedLog(ctx context.Context, origin, vkey string) error
	// WitnessedLogs lists them; WitnessedLog returns one, or ENOTFOUND.
	WitnessedLogs(ctx context.Context) ([]*WitnessedLog, error)
	WitnessedLog(ctx context.Context, origin string) (*WitnessedLog, error)
	// AdvanceWitnessedLog moves origin's tree from size old to size with
	// hash, only if it stands at old; otherwise it returns a
	// *WitnessConflict with the size it stands at.
	AdvanceWitnessedLog(ctx context.Context, origin string, old, size uint64, hash []byte) error
}

// WitnessConflict is the answer to a request that names a tree size other
// than the one the witness stands at.
type WitnessConflict struct{ Size uint64 }

func (c *WitnessConflict) Error() string {
	return fmt.Sprintf("the witness stands at tree size %d", c.Size)
}
