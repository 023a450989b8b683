package server

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"glassbox.dev"
	"glassbox.dev/party"
)

// API v1 (/api/v1/…) is the centre for every party: vendors submit and
// grant, evaluators read and judge under a grant, operators administer,
// anyone reads verdicts. Every route is declared once in routes(), with
// the action the policy decides it by; openapi.json describes the same
// routes, and a test holds the two together and checks every response
// against the document's schemas.

//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns the OpenAPI 3.1 document of API v1.
func OpenAPI() []byte { return openAPIDocument }

// Action names what a request does, for the policy: one per route. The
// actions are package party's, which decides them.
type Action = party.Action

// Authority authenticates tokens and decides what a principal may do.
// Package party implements it; the API never decides access itself.
type Authority interface {
	// Authenticate returns the principal a bearer token stands for, or an
	// EUNAUTHENTICATED error.
	Authenticate(ctx context.Context, secret string) (*glassbox.Principal, error)
	// Authorize decides act on a product ("" when the action is not about
	// one) for p (nil: anonymous). It returns the grant the decision rests
	// on, if any, or an EUNAUTHENTICATED or EFORBIDDEN error.
	Authorize(ctx context.Context, p *glassbox.Principal, act Action, product string) (grant string, err error)
}

// APIError is the body of every error response: a stable code a client
// can act on, and a message for the person reading it.
type APIError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Error codes of API v1 beyond glassbox's own (glassbox.EINVALID …).
const (
	codeTooLarge    = "too_large"
	codeRateLimited = "rate_limited"
)

// Status is the HTTP status that answers err.
func Status(err error) int { return statusOf(glassbox.ErrorCode(err)) }

// statusOf maps an error code to its HTTP status.
func statusOf(code string) int {
	switch code {
	case glassbox.EINVALID:
		return http.StatusBadRequest
	case glassbox.EUNAUTHENTICATED:
		return http.StatusUnauthorized
	case glassbox.EFORBIDDEN:
		return http.StatusForbidden
	case glassbox.ENOTFOUND:
		return http.StatusNotFound
	case glassbox.ECONFLICT:
		return http.StatusConflict
	case glassbox.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case codeTooLarge:
		return http.StatusRequestEntityTooLarge
	case codeRateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// apiError answers err as JSON. Internal failures are logged and answered
// without their detail, which may name files or queries.
func apiError(w http.ResponseWriter, err error) {
	code := glassbox.ErrorCode(err)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		code = codeTooLarge
	}
	msg := err.Error()
	if code == glassbox.EINTERNAL {
		slog.Error("request failed", "err", err)
		msg = "the centre failed to answer; the failure is logged"
	}
	writeAPIError(w, code, msg)
}

func writeAPIError(w http.ResponseWriter, code, msg string) {
	var body APIError
	body.Error.Code, body.Error.Message = code, msg
	status := statusOf(code)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="glassbox"`)
	}
	writeJSON(w, status, body)
}

// principalKey is the context key of the request's principal.
type principalKey struct{}

// PrincipalFrom returns the principal a request was authenticated as, or
// nil for an anonymous request.
func PrincipalFrom(ctx context.Context) *glassbox.Principal {
	p, _ := ctx.Value(principalKey{}).(*glassbox.Principal)
	return p
}

// bearer returns the token of an Authorization: Bearer header, and whether
// one was sent.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(tok), true
}

// authenticate resolves the request's principal. A request without
// credentials is anonymous; one with credentials that do not hold (unknown,
// expired, revoked, malformed) is refused even on a public route, so a
// client learns at once that its token is no good.
func (a *API) authenticate(r *http.Request) (*http.Request, error) {
	tok, sent := bearer(r)
	if !sent {
		return r, nil
	}
	if tok == "" {
		return nil, glassbox.Errorf(glassbox.EUNAUTHENTICATED, "the Authorization header is not \"Bearer TOKEN\"")
	}
	p, err := a.authority.Authenticate(r.Context(), tok)
	if err != nil {
		return nil, err
	}
	return r.WithContext(context.WithValue(r.Context(), principalKey{}, p)), nil
}

// limiter is a token bucket per key (a token's ID, or the client's
// address for anonymous requests): rate per second, up to burst at once.
type limiter struct {
	rate, burst float64
	mu          sync.Mutex
	buckets     map[string]*bucket // guarded by mu
	swept       time.Time          // guarded by mu
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), buckets: map[string]*bucket{}}
}

// allow takes one request from key's bucket, or says how long to wait.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	if l == nil || l.rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		// Forget buckets that have refilled: they hold nothing.
		for k, b := range l.buckets {
			if now.Sub(b.last).Seconds()*l.rate >= l.burst {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	return true, 0
}

// clientKey is who a request is counted against for rate limiting.
func clientKey(r *http.Request) string {
	if p := PrincipalFrom(r.Context()); p != nil {
		return "token:" + p.Token
	}
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return "addr:" + host
}

// rateLimited answers 429 when the client's bucket is empty.
func (a *API) rateLimited(w http.ResponseWriter, r *http.Request) bool {
	ok, wait := a.limits.allow(clientKey(r), time.Now())
	if ok {
		return false
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
	writeAPIError(w, codeRateLimited, "too many requests from this client; retry after the time in Retry-After")
	return true
}

// decodeJSON reads a JSON request body of at most max bytes into v,
// refusing unknown fields and trailing data.
func decodeJSON(w http.ResponseWriter, r *http.Request, max int64, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, max))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return glassbox.Errorf(glassbox.EINVALID, "the request body is not the JSON this route takes: %v; see /api/v1/openapi.json", err)
	}
	if dec.More() {
		return glassbox.Errorf(glassbox.EINVALID, "the request body holds more than one JSON value; send one")
	}
	return nil
}
