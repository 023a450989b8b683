package party

import (
	"context"
	"fmt"
	"time"

	"glassbox.dev"
)

// reserved are IDs no user or organisation may take, because the record
// of administrative actions uses them for actors that are not users.
var reserved = map[string]bool{LocalActor: true, BootstrapActor: true}

// CreateOrg records a new organisation for p, an administrator. Its
// creation time is set here.
func (s *Service) CreateOrg(ctx context.Context, p *glassbox.Principal, o glassbox.Organisation) (*glassbox.Organisation, error) {
	if err := s.allow(ctx, p, ActAdmin); err != nil {
		return nil, err
	}
	if reserved[o.ID] {
		return nil, glassbox.Errorf(glassbox.EINVALID, "organisation id %q is reserved for the record of administrative actions; choose another", o.ID)
	}
	o.Created = s.Now().UTC()
	if err := s.store.CreateOrg(ctx, &o, s.record(p, "org.create", o.ID, fmt.Sprintf("%s %q", o.Kind, o.Name))); err != nil {
		return nil, err
	}
	return &o, nil
}

// ListOrgs lists every organisation for p, an administrator or auditor.
func (s *Service) ListOrgs(ctx context.Context, p *glassbox.Principal) ([]*glassbox.Organisation, error) {
	if err := s.allow(ctx, p, ActAdminRead); err != nil {
		return nil, err
	}
	return s.store.ListOrgs(ctx)
}

// CreateUser records a new user for p, an administrator. The role must
// fit the organisation (RoleFits).
func (s *Service) CreateUser(ctx context.Context, p *glassbox.Principal, u glassbox.User) (*glassbox.User, error) {
	if err := s.allow(ctx, p, ActAdmin); err != nil {
		return nil, err
	}
	if reserved[u.ID] {
		return nil, glassbox.Errorf(glassbox.EINVALID, "user id %q is reserved for the record of administrative actions; choose another", u.ID)
	}
	o, err := s.store.FindOrg(ctx, u.OrgID)
	if err != nil {
		return nil, err
	}
	if !RoleFits(o.Kind, u.Role) {
		return nil, glassbox.Errorf(glassbox.EINVALID, "organisation %s is %s and cannot have a user with role %q: administrators and auditors belong to the operator, vendor members to vendors, evaluators to evaluators", o.ID, o.Kind, u.Role)
	}
	u.Created = s.Now().UTC()
	if err := s.store.CreateUser(ctx, &u, s.record(p, "user.create", u.ID, fmt.Sprintf("%s of %s, %q", u.Role, u.OrgID, u.Name))); err != nil {
		return nil, err
	}
	return &u, nil
}

// ListUsers lists the users of org ("" = of all) for p, an administrator
// or auditor.
func (s *Service) ListUsers(ctx context.Context, p *glassbox.Principal, org string) ([]*glassbox.User, error) {
	if err := s.allow(ctx, p, ActAdminRead); err != nil {
		return nil, err
	}
	return s.store.ListUsers(ctx, org)
}

// CreateGrant lets g.Evaluator, an evaluator organisation, see the
// releases of g.Product until g.Expires, for p: an administrator, or a
// member of the vendor that owns the product, with scope admin. The
// product must have an owner; the grant's vendor is that owner and its
// ID, creation time and grantor are set here.
func (s *Service) CreateGrant(ctx context.Context, p *glassbox.Principal, g glassbox.Grant) (*glassbox.Grant, error) {
	if err := glassbox.ValidateProduct(g.Product); err != nil {
		return nil, err
	}
	if _, err := s.Authorize(ctx, p, ActGrant, g.Product); err != nil {
		return nil, err
	}
	owner, err := s.store.ProductOwner(ctx, g.Product)
	if err != nil {
		return nil, err
	}
	if owner == "" {
		return nil, glassbox.Errorf(glassbox.EINVALID, "product %s has no vendor: grants are a vendor's, and a product without one is the operator's alone", g.Product)
	}
	now := s.Now().UTC()
	if g.Expires.IsZero() {
		return nil, glassbox.Errorf(glassbox.EINVALID, "a grant needs an expiry: access to a vendor's source is never open-ended")
	}
	if !g.Expires.After(now) {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the grant's expiry %s has passed", g.Expires.Format(time.RFC3339))
	}
	ev, err := s.store.FindOrg(ctx, g.Evaluator)
	if err != nil {
		return nil, err
	}
	if ev.Kind != glassbox.OrgEvaluator {
		return nil, glassbox.Errorf(glassbox.EINVALID, "organisation %s is %s; only evaluators are granted access", ev.ID, ev.Kind)
	}
	g = glassbox.Grant{ID: newID("grant_"), VendorID: owner, Product: g.Product, Evaluator: g.Evaluator,
		GrantedBy: p.User.ID, Created: now, Expires: g.Expires.UTC()}
	detail := fmt.Sprintf("%s of %s to %s until %s", g.Product, g.VendorID, g.Evaluator, g.Expires.Format(time.RFC3339))
	if err := s.store.CreateGrant(ctx, &g, s.record(p, "grant.create", g.ID, detail)); err != nil {
		return nil, err
	}
	return &g, nil
}

// FindGrant returns the grant with this ID, or ENOTFOUND. It decides
// nothing: the caller authorises on the grant's product.
func (s *Service) FindGrant(ctx context.Context, id string) (*glassbox.Grant, error) {
	return s.store.FindGrant(ctx, id)
}

// RevokeGrant ends grant id now, for p, who may grant on its product, and
// returns the revoked grant.
func (s *Service) RevokeGrant(ctx context.Context, p *glassbox.Principal, id string) (*glassbox.Grant, error) {
	g, err := s.store.FindGrant(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.Authorize(ctx, p, ActGrant, g.Product); err != nil {
		return nil, err
	}
	if p.User.Role == glassbox.RoleVendor && g.VendorID != p.Org.ID {
		// A product that changed hands keeps its old grants the old
		// vendor's to revoke, or an administrator's.
		return nil, glassbox.Errorf(glassbox.EFORBIDDEN, "grant %s was made by another vendor", id)
	}
	if err := s.store.RevokeGrant(ctx, id, s.Now(), s.record(p, "grant.revoke", id, fmt.Sprintf("%s of %s to %s", g.Product, g.VendorID, g.Evaluator))); err != nil {
		return nil, err
	}
	return s.store.FindGrant(ctx, id)
}

// ListGrants lists the grants p is party to, expired and revoked ones
// included: a vendor's own, those an evaluator holds, all for
// administrators and auditors.
func (s *Service) ListGrants(ctx context.Context, p *glassbox.Principal) ([]*glassbox.Grant, error) {
	if err := s.allow(ctx, p, ActListGrants); err != nil {
		return nil, err
	}
	switch p.User.Role {
	case glassbox.RoleVendor:
		return s.store.ListGrants(ctx, p.Org.ID, "")
	case glassbox.RoleEvaluator:
		return s.store.ListGrants(ctx, "", p.Org.ID)
	}
	return s.store.ListGrants(ctx, "", "")
}

// AdminActions lists the record of administrative actions after seq
// after, at most limit of them (<= 0: all), for p, an administrator or
// auditor.
func (s *Service) AdminActions(ctx context.Context, p *glassbox.Principal, after int64, limit int) ([]*glassbox.AdminAction, error) {
	if err := s.allow(ctx, p, ActAdminRead); err != nil {
		return nil, err
	}
	return s.store.ListAdminActions(ctx, after, limit)
}

// The organisation and administrator that Bootstrap makes.
const (
	OperatorOrg = "operator"
	FirstAdmin  = "admin"
)

// Bootstrap makes a new centre administrable: if there are no
// organisations yet, it creates the operator organisation, an
// administrator and a token with every scope that expires after
// BootstrapTokenTTL, and returns the token's secret, which is shown this
// once. On a centre that has organisations it does nothing and returns
// created false.
func (s *Service) Bootstrap(ctx context.Context) (secret string, created bool, err error) {
	orgs, err := s.store.ListOrgs(ctx)
	if err != nil || len(orgs) > 0 {
		return "", false, err
	}
	p := &glassbox.Principal{User: glassbox.User{ID: BootstrapActor, Role: glassbox.RoleAdmin}, Org: glassbox.Organisation{Kind: glassbox.OrgOperator}, Scopes: glassbox.Scopes}
	now := s.Now().UTC()
	o := &glassbox.Organisation{ID: OperatorOrg, Name: "the centre's operator", Kind: glassbox.OrgOperator, Created: now}
	if err := s.store.CreateOrg(ctx, o, s.record(p, "org.create", o.ID, "operator, at the first start")); err != nil {
		if glassbox.ErrorCode(err) == glassbox.ECONFLICT {
			return "", false, nil // another process bootstrapped first
		}
		return "", false, err
	}
	u := &glassbox.User{ID: FirstAdmin, OrgID: OperatorOrg, Name: "first administrator", Role: glassbox.RoleAdmin, Created: now}
	if err := s.store.CreateUser(ctx, u, s.record(p, "user.create", u.ID, "admin, at the first start")); err != nil {
		return "", false, err
	}
	secret, _, err = s.issue(ctx, p, u, "bootstrap", DefaultScopes(glassbox.RoleAdmin), BootstrapTokenTTL)
	if err != nil {
		return "", false, err
	}
	return secret, true, nil
}
