package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"glassbox.dev"
)

// PartyAdmin is the administration of organisations, users, tokens and
// grants (package party). Each call is made for p, who the policy already
// allowed the route; the service checks what only it can (a vendor grants
// only its own products, a role fits its organisation) and records every
// change.
type PartyAdmin interface {
	CreateOrg(ctx context.Context, p *glassbox.Principal, o glassbox.Organisation) (*glassbox.Organisation, error)
	ListOrgs(ctx context.Context, p *glassbox.Principal) ([]*glassbox.Organisation, error)
	CreateUser(ctx context.Context, p *glassbox.Principal, u glassbox.User) (*glassbox.User, error)
	ListUsers(ctx context.Context, p *glassbox.Principal, org string) ([]*glassbox.User, error)
	// IssueToken returns the token's secret, which is never available again.
	IssueToken(ctx context.Context, p *glassbox.Principal, user, name string, scopes []glassbox.Scope, ttl time.Duration) (string, *glassbox.Token, error)
	ListTokens(ctx context.Context, p *glassbox.Principal, user string) ([]*glassbox.Token, error)
	RevokeToken(ctx context.Context, p *glassbox.Principal, id string) error
	CreateGrant(ctx context.Context, p *glassbox.Principal, g glassbox.Grant) (*glassbox.Grant, error)
	FindGrant(ctx context.Context, id string) (*glassbox.Grant, error)
	RevokeGrant(ctx context.Context, p *glassbox.Principal, id string) (*glassbox.Grant, error)
	// ListGrants lists the grants p is party to (all for the operator).
	ListGrants(ctx context.Context, p *glassbox.Principal) ([]*glassbox.Grant, error)
	AdminActions(ctx context.Context, p *glassbox.Principal, after int64, limit int) ([]*glassbox.AdminAction, error)
}

func (a *API) parties() (PartyAdmin, error) {
	if a.b.Parties == nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre has no party administration")
	}
	return a.b.Parties, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (a *API) listOrgs(w http.ResponseWriter, r *http.Request, _ string) error {
	pa, err := a.parties()
	if err != nil {
		return err
	}
	orgs, err := pa.ListOrgs(r.Context(), PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"orgs": nonNil(orgs)})
	return nil
}

// CreateOrgRequest is the body of POST /api/v1/orgs.
type CreateOrgRequest struct {
	ID   string           `json:"id"`
	Name string           `json:"name"`
	Kind glassbox.OrgKind `json:"kind"`
}

func (a *API) createOrg(w http.ResponseWriter, r *http.Request, _ string) error {
	pa, err := a.parties()
	if err != nil {
		return err
	}
	var req CreateOrgRequest
	if err := decodeJSON(w, r, 16<<10, &req); err != nil {
		return err
	}
	o, err := pa.CreateOrg(r.Context(), PrincipalFrom(r.Context()), glassbox.Organisation{ID: req.ID, Name: req.Name, Kind: req.Kind})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, o)
	return nil
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request, _ string) error {
	pa, err := a.parties()
	if err != nil {
		return err
	}
	us, err := pa.ListUsers(r.Context(), PrincipalFrom(r.Context()), r.URL.Query().Get("org"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": nonNil(us)})
	return nil
}

// CreateUserRequest is the body of POST /api/v1/users.
type CreateUserRequest struct {
	ID   string        `json:"id"`
	Org  string        `json:"org"`
	Name string        `json:"name"`
	Role glassbox.Role `json:"role"`
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request, _ string) error {
	pa, err := a.parties()
	if err != nil {
		return err
	}
	var req CreateUserRequest
	if err := decodeJSON(w, r, 16<<10, &req); err != nil {
		return err
	}
	u, err := pa.CreateUser(r.Context(), PrincipalFrom(r.Context()), glassbox.User{ID: req.ID, OrgID: req.Org, Name: req.Name, Role: req.Role})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (a *API) listTokens(w http.ResponseWriter, r *http.Request, _ string) error {
	pa, err := a.parties()
	if err != nil {
		return err
	}
	ts, err := pa.ListTokens(r.Context(), PrincipalFrom(r.Context()), r.URL.Query().Get("user"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": nonNil(ts)})
	return nil
}

// CreateTokenRequest is the body of POST /api/v1/tokens.
type CreateTokenRequest struct {
	User      string           `json:"user"`
	Name      string           `json:"name"`
	Scopes    []glassbox.Scope `json:"scopes"`
	ExpiresIn string           `json:"expires_in"`
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request, _ string) error {
	pa, err := a.parties()
	if err != nil {
		return err
	}
	var req CreateTokenRequest
	if err := decodeJSON(w, r, 16<<10, &req); err != nil {
		return err
	}
	var ttl time.Duration
	if req.ExpiresIn != "" {
		if ttl, err = time.ParseDuration(req.ExpiresIn); err != nil || ttl <= 0 {
			return glassbox.Errorf(glassbox.EINVALID, "expires_in %q: want a positive duration such as 2160h", req.ExpiresIn)
		}
	}
	secret, t, err := pa.IssueToken(r.Context(), PrincipalFrom(r.Context()), req.User, req.Name, req.Scopes, ttl)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, map[string]any{"token": t, "secret": secret})
	return nil
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request, _ string) error {
	pa, err := a.parties()
	if err != nil {
		return err
	}
	if err := pa.RevokeToken(r.Context(), PrincipalFrom(r.Context()), r.PathValue("token")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listGrants(w http.ResponseWriter, r *http.Request, _ string) error {
	pa, err := a.parties()
	if err != nil {
		return err
	}
	gs, err := pa.ListGrants(r.Context(), PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"grants": nonNil(gs)})
	return nil
}

// CreateGrantRequest is the body of POST /api/v1/grants.
type CreateGrantRequest struct {
	Product   string    `json:"product"`
	Evaluator string    `json:"evaluator"`
	Expires   time.Time `json:"expires"`
}

// grantRequestProduct reads the product a grant request is about, for the
// policy, and keeps the body for the handler.
func (a *API) grantRequestProduct(r *http.Request) (string, error) {
	var req CreateGrantRequest
	if err := decodeJSON(nil, r, 16<<10, &req); err != nil {
		return "", err
	}
	*r = *r.WithContext(context.WithValue(r.Context(), grantRequestKey{}, &req))
	if err := glassbox.ValidateProduct(req.Product); err != nil {
		return "", err
	}
	return req.Product, nil
}

type grantRequestKey struct{}

func (a *API) createGrant(w http.ResponseWriter, r *http.Request, _ string) error {
	pa, err := a.parties()
	if err != nil {
		return err
	}
	req, _ := r.Context().Value(grantRequestKey{}).(*CreateGrantRequest)
	if req == nil {
		return glassbox.Errorf(glassbox.EINVALID, "no grant request")
	}
	g, err := pa.CreateGrant(r.Context(), PrincipalFrom(r.Context()), glassbox.Grant{Product: req.Product, Evaluator: req.Evaluator, Expires: req.Expires})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, g)
	return nil
}

// grantProduct is the product of the {grant} of the path.
func (a *API) grantProduct(r *http.Request) (string, error) {
	pa, err := a.parties()
	if err != nil {
		return "", err
	}
	g, err := pa.FindGrant(r.Context(), r.PathValue("grant"))
	if err != nil {
		return "", err
	}
	return g.Product, nil
}

func (a *API) revokeGrant(w http.ResponseWriter, r *http.Request, _ string) error {
	pa, err := a.parties()
	if err != nil {
		return err
	}
	g, err := pa.RevokeGrant(r.Context(), PrincipalFrom(r.Context()), r.PathValue("grant"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}

func (a *API) adminActions(w http.ResponseWriter, r *http.Request, _ string) error {
	pa, err := a.parties()
	if err != nil {
		return err
	}
	var after int64
	if v := r.URL.Query().Get("after"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			return glassbox.Errorf(glassbox.EINVALID, "after %q: want a sequence number", v)
		}
	}
	as, err := pa.AdminActions(r.Context(), PrincipalFrom(r.Context()), after, 1000)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"actions": nonNil(as)})
	return nil
}
