package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"glassbox.dev"
	"glassbox.dev/party"
)

// route is one operation of API v1.
type route struct {
	method, pattern string // as http.ServeMux reads it
	act             Action
	// product finds the product the request is about, for the policy; nil
	// when the action is not about one product.
	product func(r *http.Request) (string, error)
	handle  func(w http.ResponseWriter, r *http.Request, grant string) error
}

// routes lists every operation of API v1.
func (a *API) routes() []route {
	rel := a.releaseProduct
	return []route{
		{"GET", "/api/v1/openapi.json", party.ActPublic, nil, a.getOpenAPI},
		{"GET", "/api/v1/whoami", party.ActAuthenticated, nil, a.whoami},
		{"GET", "/api/v1/verdicts/{digest}", party.ActPublic, nil, a.getVerdicts},
		{"POST", "/api/v1/signing/attest", party.ActSign, nil, a.attestForWorker},
		{"GET", "/api/v1/catalogs", party.ActPublic, nil, a.listCatalogs},
		{"GET", "/api/v1/releases", party.ActListReleases, nil, a.listReleases},
		{"POST", "/api/v1/releases", party.ActSubmit, nil, a.submit},
		{"GET", "/api/v1/releases/{release}", party.ActReadRelease, rel, a.getRelease},
		{"GET", "/api/v1/releases/{release}/source/{path...}", party.ActReadRelease, rel, a.readSource},
		{"GET", "/api/v1/releases/{release}/search", party.ActReadRelease, rel, a.search},
		{"GET", "/api/v1/releases/{release}/archive", party.ActReadRelease, rel, a.readArchive},
		{"GET", "/api/v1/releases/{release}/artifacts/{name}", party.ActReadRelease, rel, a.readArtifact},
		{"GET", "/api/v1/releases/{release}/evidence/{kind...}", party.ActReadRelease, rel, a.readEvidence},
		{"POST", "/api/v1/releases/{release}/evaluations", party.ActEvaluate, rel, a.evaluate},
		{"GET", "/api/v1/releases/{release}/evaluations", party.ActReadRelease, rel, a.listEvaluations},
		{"POST", "/api/v1/releases/{release}/rebuilds", party.ActEvaluate, rel, a.rebuild},
		{"POST", "/api/v1/releases/{release}/scans", party.ActEvaluate, rel, a.scan},
		{"GET", "/api/v1/releases/{release}/jobs", party.ActReadRelease, rel, a.listJobs},
		{"GET", "/api/v1/releases/{release}/ics", party.ActReadRelease, rel, a.getICS},
		{"PUT", "/api/v1/releases/{release}/ics", party.ActDeclare, rel, a.putICS},
		{"GET", "/api/v1/releases/{release}/judgements", party.ActReadRelease, rel, a.listJudgements},
		{"POST", "/api/v1/releases/{release}/judgements", party.ActJudge, rel, a.judge},
		{"GET", "/api/v1/releases/{release}/triage", party.ActReadRelease, rel, a.listTriage},
		{"POST", "/api/v1/releases/{release}/triage", party.ActJudge, rel, a.triage},
		{"GET", "/api/v1/releases/{release}/review", party.ActReadRelease, rel, a.getReview},
		{"POST", "/api/v1/releases/{release}/review", party.ActJudge, rel, a.markReviewed},
		{"POST", "/api/v1/releases/{release}/withdrawal", party.ActWithdraw, rel, a.withdraw},
		{"GET", "/api/v1/releases/{release}/access", party.ActReadAccessRecord, rel, a.accessRecord},
		{"GET", "/api/v1/jobs/{job}", party.ActReadJob, a.jobProduct, a.getJob},
		{"GET", "/api/v1/jobs/{job}/events", party.ActReadJob, a.jobProduct, a.jobEvents},
		{"POST", "/api/v1/jobs/{job}/cancel", party.ActEvaluate, a.jobProduct, a.cancelJob},
		{"POST", "/api/v1/uploads", party.ActSubmit, nil, a.createUpload},
		{"GET", "/api/v1/uploads/{upload}", party.ActSubmit, nil, a.getUpload},
		{"PATCH", "/api/v1/uploads/{upload}", party.ActSubmit, nil, a.appendUpload},
		{"DELETE", "/api/v1/uploads/{upload}", party.ActSubmit, nil, a.deleteUpload},
		{"GET", "/api/v1/grants", party.ActListGrants, nil, a.listGrants},
		{"POST", "/api/v1/grants", party.ActGrant, a.grantRequestProduct, a.createGrant},
		{"DELETE", "/api/v1/grants/{grant}", party.ActGrant, a.grantProduct, a.revokeGrant},
		{"GET", "/api/v1/orgs", party.ActAdminRead, nil, a.listOrgs},
		{"POST", "/api/v1/orgs", party.ActAdmin, nil, a.createOrg},
		{"GET", "/api/v1/users", party.ActAdminRead, nil, a.listUsers},
		{"POST", "/api/v1/users", party.ActAdmin, nil, a.createUser},
		{"GET", "/api/v1/tokens", party.ActAdminRead, nil, a.listTokens},
		{"POST", "/api/v1/tokens", party.ActAdmin, nil, a.createToken},
		{"DELETE", "/api/v1/tokens/{token}", party.ActAdmin, nil, a.revokeToken},
		{"GET", "/api/v1/admin/actions", party.ActAdminRead, nil, a.adminActions},
	}
}

// Route is an operation as the router serves it, for tests that hold the
// router and the OpenAPI document together.
type Route struct {
	Method, Pattern string
	Action          Action
}

// Routes lists the operations the API serves.
func (a *API) Routes() []Route {
	var out []Route
	for _, rt := range a.routes() {
		out = append(out, Route{rt.method, rt.pattern, rt.act})
	}
	return out
}

// maxRequestTime bounds a request that is not an upload or a stream.
const maxRequestTime = 30 * time.Second

// mount registers every route on mux behind authentication, rate limits
// and the policy.
func (a *API) mount(mux *http.ServeMux) {
	for _, rt := range a.routes() {
		mux.Handle(rt.method+" "+rt.pattern, a.count("api "+rt.method+" "+rt.pattern, a.serve(rt)))
	}
	// Anything else under /api/v1/ is a JSON 404, not the mux's text.
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, glassbox.ENOTFOUND, "no route "+r.Method+" "+r.URL.Path+"; see /api/v1/openapi.json")
	})
}

func (a *API) serve(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !streams(rt) {
			ctx, cancel := context.WithTimeout(r.Context(), maxRequestTime)
			defer cancel()
			r = r.WithContext(ctx)
		}
		r, err := a.authenticate(r)
		if err != nil {
			apiError(w, err)
			return
		}
		if a.rateLimited(w, r) {
			return
		}
		p := PrincipalFrom(r.Context())
		product := ""
		if rt.product != nil {
			if p == nil {
				// Say who must sign in before saying what exists.
				apiError(w, glassbox.Errorf(glassbox.EUNAUTHENTICATED, "this route needs a token: send Authorization: Bearer TOKEN"))
				return
			}
			// The handler reads the release the policy was asked about,
			// not a second copy from the store.
			r = r.WithContext(context.WithValue(r.Context(), resolvedKey{}, &resolved{}))
			if product, err = rt.product(r); err != nil {
				apiError(w, err)
				return
			}
		}
		grant, err := a.authority.Authorize(r.Context(), p, rt.act, product)
		if err != nil {
			if glassbox.ErrorCode(err) == glassbox.EFORBIDDEN && product != "" && !Related(r.Context(), a.authority, p, product) {
				err = hidden(r)
			}
			apiError(w, err)
			return
		}
		if err := rt.handle(w, r, grant); err != nil {
			apiError(w, err)
		}
	})
}

// Related reports whether p's organisation has any part in product: it
// could read it, given a token with the read scope. Refusals to those who
// have none are answered as for a product that does not exist, so no route
// or page tells a party which of another vendor's releases exist; those
// who have a part but not the right (a token without the scope, a vendor
// judging its own product) are told they are forbidden.
func Related(ctx context.Context, auth Authority, p *glassbox.Principal, product string) bool {
	if p == nil {
		return false
	}
	q := *p
	q.Scopes = []glassbox.Scope{glassbox.ScopeRead}
	_, err := auth.Authorize(ctx, &q, party.ActReadRelease, product)
	return err == nil
}

// hidden is the answer about a resource the caller may not see: the same
// as for one that does not exist.
func hidden(r *http.Request) error {
	what := r.PathValue("release")
	if what == "" {
		what = r.PathValue("job")
	}
	if what == "" {
		what = r.PathValue("grant")
	}
	return glassbox.Errorf(glassbox.ENOTFOUND, "no %q visible to you", what)
}

// streams reports the routes whose requests may outlast maxRequestTime:
// uploads, submissions (which ingest what was uploaded) and event streams
// set their own deadlines.
func streams(rt route) bool {
	return strings.HasSuffix(rt.pattern, "/events") || (rt.method == "PATCH" && strings.HasPrefix(rt.pattern, "/api/v1/uploads/")) ||
		rt.method == "POST" && rt.pattern == "/api/v1/releases"
}

func (a *API) getOpenAPI(w http.ResponseWriter, r *http.Request, _ string) error {
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openAPIDocument)
	return err
}

func (a *API) whoami(w http.ResponseWriter, r *http.Request, _ string) error {
	writeJSON(w, http.StatusOK, PrincipalFrom(r.Context()))
	return nil
}
