// Package server is the centre's HTTP face: the transparency log served
// read-only as C2SP tlog-tiles, the attestations logged about an artefact,
// an authenticated endpoint to attest, and Prometheus metrics.
package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/notary"
	"glassbox.dev/party"
	"glassbox.dev/tlog"
)

// MaxRequestBody bounds an attestation request.
const MaxRequestBody = 4 << 20

// Server routes the centre's HTTP API.
type Server struct {
	notary *notary.Notary
	log    *tlog.Log
	token  [sha256.Size]byte // SHA-256 of the write token; zero: writes disabled
	writes bool

	api *API // API v1; nil serves the log and the legacy endpoints only
	// workspace adds the pages for browsers (package web), if set.
	workspace interface{ Mount(*http.ServeMux) }
	// witness answers add-checkpoint requests, if set.
	witness http.Handler

	registry *prometheus.Registry
	requests *prometheus.CounterVec
	attests  *prometheus.CounterVec
	latency  prometheus.Histogram
}

// New returns a server. An empty token disables the write endpoint.
func New(n *notary.Notary, l *tlog.Log, token string) *Server {
	s := &Server{notary: n, log: l, registry: prometheus.NewRegistry()}
	if token != "" {
		s.token, s.writes = sha256.Sum256([]byte(token)), true
	}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "glassbox_http_requests_total", Help: "HTTP requests by route and status code.",
	}, []string{"route", "code"})
	s.attests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "glassbox_attestations_total", Help: "Attestation requests by result (logged, refused, failed).",
	}, []string{"result"})
	s.latency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "glassbox_attest_seconds",
		Help:    "Time from an attestation request to its receipt: signing, storing, logging, proving.",
		Buckets: []float64{.01, .05, .1, .25, .5, .75, 1, 1.5, 2, 3, 5, 10},
	})
	s.registry.MustRegister(s.requests, s.attests, s.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "glassbox_log_size", Help: "Entries integrated into the transparency log."},
			func() float64 {
				n, err := l.Reader().IntegratedSize(context.Background())
				if err != nil {
					return -1
				}
				return float64(n)
			}))
	return s
}

// WithAPI serves API v1 beside the log.
func (s *Server) WithAPI(a *API) *Server {
	s.api, a.server = a, s
	return s
}

// WithWitness answers POST /add-checkpoint (C2SP tlog-witness) with h:
// the centre witnesses other centres' logs.
func (s *Server) WithWitness(h http.Handler) *Server {
	s.witness = h
	return s
}

// WithWorkspace serves the workspace's pages (package web) beside the API.
func (s *Server) WithWorkspace(w interface{ Mount(*http.ServeMux) }) *Server {
	s.workspace = w
	return s
}

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	tiles := s.log.Handler()
	mux.Handle("GET /checkpoint", s.count("checkpoint", tiles))
	mux.Handle("GET /tile/", s.count("tile", tiles))
	mux.Handle("GET /attestations/{digest}", s.count("attestations_get", http.HandlerFunc(s.getAttestations)))
	mux.Handle("POST /attestations", s.count("attestations_post", http.HandlerFunc(s.postAttestation)))
	metrics := promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
	if s.api != nil {
		s.api.mount(mux)
		// Metrics name routes, counts and sizes an outsider has no need
		// of: with the API they need a token that may read them.
		mux.Handle("GET /metrics", s.api.serve(route{method: "GET", pattern: "/metrics", act: party.ActMetrics, handle: func(w http.ResponseWriter, r *http.Request, _ string) error {
			metrics.ServeHTTP(w, r)
			return nil
		}}))
	} else {
		mux.Handle("GET /metrics", metrics)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	if s.workspace != nil {
		s.workspace.Mount(mux)
	}
	if s.witness != nil {
		mux.Handle("POST /add-checkpoint", s.count("add_checkpoint", s.witness))
	}
	return mux
}

// statusWriter remembers the status code for the request counter.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection's writer: a
// job's progress stream flushes each event through it, and without it
// every flush failed and the stream ended after one event (the client's
// reconnections hid it until a job had more events than it reconnects).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) count(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, r)
		s.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
	})
}

// writeError answers with the error's message and the status its code maps to.
func writeError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch glassbox.ErrorCode(err) {
	case glassbox.EINVALID:
		code = http.StatusBadRequest
	case glassbox.ENOTFOUND:
		code = http.StatusNotFound
	case glassbox.ECONFLICT:
		code = http.StatusConflict
	}
	if code == http.StatusInternalServerError {
		slog.Error("request failed", "err", err)
	}
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func (s *Server) getAttestations(w http.ResponseWriter, r *http.Request) {
	d, err := glassbox.ParseDigest(r.PathValue("digest"))
	if err != nil {
		writeError(w, err)
		return
	}
	list, err := s.notary.About(r.Context(), d)
	if err != nil {
		writeError(w, err)
		return
	}
	// Who read a vendor's confidential content is itself confidential: the
	// access record goes only to the vendor (package access), never here.
	list = slices.DeleteFunc(list, func(l notary.Logged) bool { return l.PredicateType == glassbox.PredicateAccess })
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{"subject": d, "attestations": list})
}

// AttestRequest is the body of POST /attestations.
type AttestRequest struct {
	Subjects      []attest.Subject `json:"subjects"`
	PredicateType string           `json:"predicateType"`
	Predicate     json.RawMessage  `json:"predicate"`
}

func (s *Server) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !s.writes {
		return false
	}
	sum := sha256.Sum256([]byte(tok))
	return subtle.ConstantTimeCompare(sum[:], s.token[:]) == 1
}

func (s *Server) postAttestation(w http.ResponseWriter, r *http.Request) {
	if !s.writes {
		s.attests.WithLabelValues("refused").Inc()
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "this centre accepts no attestations over HTTP: it was started without --token"})
		return
	}
	if !s.authorized(r) {
		s.attests.WithLabelValues("refused").Inc()
		w.Header().Set("WWW-Authenticate", `Bearer realm="glassbox"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "a valid token is required: send Authorization: Bearer TOKEN"})
		return
	}
	start := time.Now()
	req, err := readAttestRequest(w, r)
	if err != nil {
		s.attests.WithLabelValues("refused").Inc()
		if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": err.Error()})
			return
		}
		writeError(w, err)
		return
	}
	// A client's statement is signed by the submission key, never the
	// centre's verdict key, and a verdict is refused: the centre signs
	// verdicts only as the result of its own evaluation.
	receipt, err := s.notary.Submit(r.Context(), notary.Request{Subjects: req.Subjects, PredicateType: req.PredicateType, Predicate: req.Predicate})
	if err != nil {
		if glassbox.ErrorCode(err) == glassbox.EINVALID {
			s.attests.WithLabelValues("refused").Inc()
		} else {
			s.attests.WithLabelValues("failed").Inc()
		}
		writeError(w, err)
		return
	}
	s.attests.WithLabelValues("logged").Inc()
	s.latency.Observe(time.Since(start).Seconds())
	writeJSON(w, http.StatusOK, receipt)
}

// readAttestRequest reads the body of POST /attestations strictly: at most
// MaxRequestBody bytes, one JSON object with exactly the fields subjects,
// predicateType and predicate (each spelt exactly and once, no other,
// nothing after it), each subject exactly digest and an optional name. A
// lenient reading (case-insensitive keys, the last of duplicates, trailing
// data ignored) would let a proxy or log reader see another request than
// the one signed.
func readAttestRequest(w http.ResponseWriter, r *http.Request) (*AttestRequest, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, glassbox.Errorf(glassbox.EINVALID, "the attestation request is over %d bytes; send a smaller predicate: %w", MaxRequestBody, err)
		}
		return nil, glassbox.Errorf(glassbox.EINVALID, "read the attestation request: %v", err)
	}
	bad := func(format string, args ...any) error {
		return glassbox.Errorf(glassbox.EINVALID, "the request is not an attestation request: "+format, args...)
	}
	fields, err := attest.StrictObject(body, []string{"subjects", "predicateType", "predicate"}, nil)
	if err != nil {
		return nil, bad("%v; send one JSON object {\"subjects\": [...], \"predicateType\": URI, \"predicate\": {...}}", err)
	}
	var req AttestRequest
	if err := json.Unmarshal(fields["predicateType"], &req.PredicateType); err != nil {
		return nil, bad("predicateType is not a string")
	}
	req.Predicate = fields["predicate"]
	var subjects []json.RawMessage
	if err := json.Unmarshal(fields["subjects"], &subjects); err != nil {
		return nil, bad("subjects is not an array")
	}
	for i, raw := range subjects {
		f, err := attest.StrictObject(raw, []string{"digest"}, []string{"name"})
		if err != nil {
			return nil, bad("subject %d: %v", i+1, err)
		}
		var sub attest.Subject
		if err := json.Unmarshal(f["digest"], &sub.Digest); err != nil {
			return nil, bad("subject %d: digest is not a string", i+1)
		}
		if n, ok := f["name"]; ok {
			if err := json.Unmarshal(n, &sub.Name); err != nil {
				return nil, bad("subject %d: name is not a string", i+1)
			}
		}
		req.Subjects = append(req.Subjects, sub)
	}
	return &req, nil
}
