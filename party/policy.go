package party

import (
	"context"
	"slices"

	"glassbox.dev"
)

// Action is what a request does, as the policy knows it. The strings are
// the x-glassbox-action of API v1's operations.
type Action string

// The actions and who may take them. A right needs both: the user's role
// (and, for a product, its owner or a grant) and the scope on the token
// presented. Anything not listed here is refused.
const (
	// ActPublic: anyone, anonymous included: verdicts, receipts, the
	// log, the OpenAPI document.
	ActPublic Action = "public"
	// ActAuthenticated: any valid token (who am I).
	ActAuthenticated Action = "authenticated"
	// ActListReleases: scope read; the list is filtered by ActReadRelease.
	ActListReleases Action = "list-releases"
	// ActReadRelease: a release and everything confidential in it (source,
	// archive, findings, SBOMs, reports, artefacts, diffs). Scope read, and
	// a member of the vendor that owns the product, an evaluator whose
	// organisation holds an active grant for it (whose ID Authorize
	// returns, for the access record), an auditor or an administrator. A
	// product without an owner is the operator's: administrators and
	// auditors only.
	ActReadRelease Action = "read-release"
	// ActReadJob: a job's state and progress, as reading its release.
	ActReadJob Action = "read-job"
	// ActSubmit: scope submit, a vendor member, and a product that is
	// unowned (the submission claims it: ClaimForSubmit) or its own.
	ActSubmit Action = "submit"
	// ActEvaluate: queue or cancel a rebuild, scan or evaluation. Scope
	// evaluate, and the owning vendor, a granted evaluator or an
	// administrator.
	ActEvaluate Action = "evaluate"
	// ActDeclare: state the vendor's own account of a release, its
	// implementation conformance statement (ICS). Scope submit and a
	// member of the vendor that owns the product, or an administrator
	// (scope submit or admin). Not an evaluator: the statement is the
	// vendor's, which evaluators check.
	ActDeclare Action = "declare"
	// ActJudge: scope judge and an evaluator with an active grant. Not the
	// vendor (no one judges their own product), not an administrator.
	ActJudge Action = "judge"
	// ActWithdraw: withdraw a release's verdicts. Scope admin and an
	// administrator.
	ActWithdraw Action = "withdraw"
	// ActReadAccessRecord: who read a vendor's releases. Scope read, and
	// the owning vendor (its own products, or all of them when no product
	// is named), an administrator or an auditor.
	ActReadAccessRecord Action = "read-access-record"
	// ActListGrants: the grants the caller is party to. Scope read: a
	// vendor sees its own, an evaluator those it holds, administrators and
	// auditors all.
	ActListGrants Action = "list-grants"
	// ActGrant: grant or revoke an evaluator's access to a product. Scope
	// admin, and an administrator or a member of the vendor that owns the
	// product. Admin and not submit or read: opening a vendor's source to
	// another organisation is a decision for a person, not for the CI
	// token that submits releases.
	ActGrant Action = "grant"
	// ActAdminRead: list organisations, users, tokens and the record of
	// administrative actions. An auditor with scope read, or an
	// administrator with scope read or admin.
	ActAdminRead Action = "admin-read"
	// ActAdmin: create organisations, users and tokens, revoke tokens.
	// Scope admin and an administrator.
	ActAdmin Action = "admin"
	// ActMetrics: the centre's metrics. An administrator or an auditor
	// with scope read.
	ActMetrics Action = "metrics"
	// ActSign: sign and log one of the centre's own statements for a
	// worker that holds no keys. Scope sign and an administrator: the
	// token of the operator's service account the workers run as.
	ActSign Action = "sign"
)

// Actions lists every action, in a fixed order.
var Actions = []Action{ActPublic, ActAuthenticated, ActListReleases, ActReadRelease, ActReadJob, ActSubmit,
	ActEvaluate, ActDeclare, ActJudge, ActWithdraw, ActReadAccessRecord, ActListGrants, ActGrant, ActAdminRead, ActAdmin, ActMetrics, ActSign}

// Authorize decides whether p (nil: anonymous) may take act on product
// ("" when the action is not about one product). It returns the ID of the
// grant the decision rests on when an evaluator is allowed under one, and
// otherwise "". A refusal is EUNAUTHENTICATED for an anonymous caller of
// anything not public, EFORBIDDEN for anyone else; an error of the store
// is returned as it is, and refuses too.
func (s *Service) Authorize(ctx context.Context, p *glassbox.Principal, act Action, product string) (grant string, err error) {
	if act == ActPublic {
		return "", nil
	}
	if p == nil {
		return "", glassbox.Errorf(glassbox.EUNAUTHENTICATED, "this needs an API token: send it as Authorization: Bearer gbx_…")
	}
	if !slices.Contains(Actions, act) {
		return "", glassbox.Errorf(glassbox.EFORBIDDEN, "unknown action %q: nothing is allowed that the policy does not name", act)
	}
	if !RoleFits(p.Org.Kind, p.User.Role) {
		return "", glassbox.Errorf(glassbox.EFORBIDDEN, "user %s is %s in organisation %s, which is %s; that role does not belong there", p.User.ID, p.User.Role, p.Org.ID, p.Org.Kind)
	}
	d := decision{s: s, ctx: ctx, p: p, act: act, product: product}
	return d.decide()
}

// decision is one call of Authorize.
type decision struct {
	s       *Service
	ctx     context.Context
	p       *glassbox.Principal
	act     Action
	product string
}

func (d *decision) decide() (string, error) {
	p := d.p
	role := p.User.Role
	admin, auditor := role == glassbox.RoleAdmin, role == glassbox.RoleAuditor
	switch d.act {
	case ActAuthenticated:
		return "", nil
	case ActListReleases:
		return "", d.scope(glassbox.ScopeRead)
	case ActReadRelease, ActReadJob:
		if err := d.scope(glassbox.ScopeRead); err != nil || admin || auditor {
			return "", err
		}
		return d.ownerOrGrant(role == glassbox.RoleVendor, role == glassbox.RoleEvaluator)
	case ActSubmit:
		if err := d.scope(glassbox.ScopeSubmit); err != nil {
			return "", err
		}
		if role != glassbox.RoleVendor {
			return "", d.forbid("only a vendor's members submit releases")
		}
		if d.product == "" {
			return "", nil // the product is known later; ClaimForSubmit decides it
		}
		owner, err := d.s.store.ProductOwner(d.ctx, d.product)
		if err != nil {
			return "", err
		}
		if owner != "" && owner != p.Org.ID {
			return "", d.forbid("another vendor owns the product")
		}
		return "", nil
	case ActEvaluate:
		if err := d.scope(glassbox.ScopeEvaluate); err != nil || admin {
			return "", err
		}
		return d.ownerOrGrant(role == glassbox.RoleVendor, role == glassbox.RoleEvaluator)
	case ActDeclare:
		if admin {
			return "", d.scope(glassbox.ScopeSubmit, glassbox.ScopeAdmin)
		}
		if err := d.scope(glassbox.ScopeSubmit); err != nil {
			return "", err
		}
		if role != glassbox.RoleVendor {
			return "", d.forbid("only the vendor that owns the product, or an administrator, states its conformance; evaluators check the statement")
		}
		return d.ownerOrGrant(true, false)
	case ActJudge:
		if err := d.scope(glassbox.ScopeJudge); err != nil {
			return "", err
		}
		if role != glassbox.RoleEvaluator {
			return "", d.forbid("only an evaluator under a grant judges; no one judges their own product")
		}
		return d.ownerOrGrant(false, true)
	case ActWithdraw, ActAdmin:
		if err := d.scope(glassbox.ScopeAdmin); err != nil {
			return "", err
		}
		if !admin {
			return "", d.forbid("only the centre's administrators may")
		}
		return "", nil
	case ActGrant:
		if err := d.scope(glassbox.ScopeAdmin); err != nil || admin {
			return "", err
		}
		if role != glassbox.RoleVendor || d.product == "" {
			return "", d.forbid("only the vendor that owns a product, or an administrator, grants access to it")
		}
		return d.ownerOrGrant(true, false)
	case ActListGrants, ActReadAccessRecord:
		if admin {
			return "", d.scope(glassbox.ScopeRead, glassbox.ScopeAdmin)
		}
		if err := d.scope(glassbox.ScopeRead); err != nil || auditor {
			return "", err
		}
		if d.act == ActListGrants && role == glassbox.RoleEvaluator && d.product == "" {
			return "", nil // the grants it holds
		}
		if role != glassbox.RoleVendor {
			return "", d.forbid("only the vendor that owns a product, an administrator or an auditor may")
		}
		if d.product == "" {
			return "", nil // its own products'
		}
		return d.ownerOrGrant(true, false)
	case ActAdminRead:
		if admin {
			return "", d.scope(glassbox.ScopeRead, glassbox.ScopeAdmin)
		}
		if !auditor {
			return "", d.forbid("only the centre's administrators and auditors may")
		}
		return "", d.scope(glassbox.ScopeRead)
	case ActMetrics:
		if !admin && !auditor {
			return "", d.forbid("only the centre's administrators and auditors may")
		}
		return "", d.scope(glassbox.ScopeRead)
	case ActSign:
		if !admin {
			return "", d.forbid("only the operator's workers, as an administrator's service token, may have the centre sign")
		}
		return "", d.scope(glassbox.ScopeSign)
	}
	return "", d.forbid("the policy allows no one")
}

// scope refuses unless the token carries one of scopes.
func (d *decision) scope(scopes ...glassbox.Scope) error {
	if slices.ContainsFunc(scopes, d.p.HasScope) {
		return nil
	}
	return glassbox.Errorf(glassbox.EFORBIDDEN, "%s: token %s carries scopes %v, and this needs %v; issue a token with that scope", d.act, d.p.Token, d.p.Scopes, scopes)
}

// ownerOrGrant allows the caller if its organisation owns the product
// (when owner may) or holds an active grant for it (when granted may),
// returning that grant's ID.
func (d *decision) ownerOrGrant(owner, granted bool) (string, error) {
	if d.product == "" {
		return "", d.forbid("no product named")
	}
	vendor, err := d.s.store.ProductOwner(d.ctx, d.product)
	if err != nil {
		return "", err
	}
	if vendor == "" {
		return "", d.forbid("the product has no vendor; it is the operator's alone")
	}
	if owner && vendor == d.p.Org.ID {
		return "", nil
	}
	if granted {
		gs, err := d.s.store.ListGrants(d.ctx, vendor, d.p.Org.ID)
		if err != nil {
			return "", err
		}
		now := d.s.Now()
		for _, g := range gs {
			if g.Product == d.product && g.Active(now) {
				return g.ID, nil
			}
		}
		return "", d.forbid("organisation " + d.p.Org.ID + " holds no active grant for it")
	}
	return "", d.forbid("it is not organisation " + d.p.Org.ID + "'s product")
}

// forbid refuses, saying why. It never names another vendor.
func (d *decision) forbid(why string) error {
	on := ""
	if d.product != "" {
		on = " on product " + d.product
	}
	return glassbox.Errorf(glassbox.EFORBIDDEN, "%s%s is refused to user %s of %s: %s", d.act, on, d.p.User.ID, d.p.Org.ID, why)
}

// ClaimForSubmit decides a submission of product by p and, if the product
// has no owner yet, makes p's organisation its owner, in one step that a
// concurrent submission by another vendor cannot interleave with. A
// product another vendor owns is EFORBIDDEN.
func (s *Service) ClaimForSubmit(ctx context.Context, p *glassbox.Principal, product string) error {
	if err := glassbox.ValidateProduct(product); err != nil {
		return err
	}
	if _, err := s.Authorize(ctx, p, ActSubmit, product); err != nil {
		return err
	}
	owner, err := s.store.ClaimProduct(ctx, product, p.Org.ID)
	if err != nil {
		return err
	}
	if owner != p.Org.ID {
		return glassbox.Errorf(glassbox.EFORBIDDEN, "submit on product %s is refused to user %s of %s: another vendor owns the product", product, p.User.ID, p.Org.ID)
	}
	return nil
}
