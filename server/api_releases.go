package server

import (
	"bytes"
	"context"
	"encoding/json"
	"glassbox.dev/evaluate"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"glassbox.dev"
	"glassbox.dev/internal/s3conf"
	"glassbox.dev/notary"
	"glassbox.dev/party"
	"glassbox.dev/review"
	"glassbox.dev/standard"
	"glassbox.dev/tlog"
)

// Backend is what API v1's handlers need of the centre. cmd/glassbox
// builds it from an open data directory; every job is the application
// layer's, the API only checks, calls and answers.
type Backend struct {
	Authority Authority
	Releases  glassbox.ReleaseStore
	// Resolve finds the release a reference names: an ID, an abbreviation
	// of one, or PRODUCT@VERSION.
	Resolve    func(ctx context.Context, ref string) (*glassbox.Release, error)
	Blobs      glassbox.BlobStore
	Notary     *notary.Notary
	Judgements glassbox.JudgementStore
	// Judge records and signs a judgement made by p.
	Judge func(ctx context.Context, p *glassbox.Principal, rel *glassbox.Release, j *glassbox.Judgement) error
	// Triage records p's decision on a finding of rel's scan (by its
	// fingerprint): confirmed, or dismissed with a reason.
	Triage func(ctx context.Context, p *glassbox.Principal, rel *glassbox.Release, fingerprint string, dismissed bool, reason string) (*glassbox.Triage, error)
	// Reviews runs differential reviews; nil when the centre runs none.
	Reviews Reviewer
	// Withdraw withdraws every verdict about rel.
	Withdraw func(ctx context.Context, p *glassbox.Principal, rel *glassbox.Release, reason string) ([]notary.Verdict, error)
	// Evidence finds the newest document of a kind (EvidenceKinds) the
	// centre keeps about rel, or ENOTFOUND.
	Evidence func(ctx context.Context, rel *glassbox.Release, kind string) (glassbox.Digest, error)
	// Evaluations lists the records of rel's evaluations, oldest first.
	Evaluations func(ctx context.Context, rel *glassbox.Release) ([]evaluate.Record, error)
	// Catalogs lists the catalogs of controls the centre judges against.
	Catalogs func(ctx context.Context) (any, error)
	// SubmitICS checks p's implementation conformance statement (YAML or
	// JSON; name is for messages) against the catalog and keeps it as
	// evidence of rel (centre.SubmitICS); a statement refused is
	// EINVALID and nothing is stored.
	SubmitICS func(ctx context.Context, p *glassbox.Principal, rel *glassbox.Release, name string, b []byte) (*standard.ICS, *standard.Catalog, error)
	// ICS returns rel's newest ICS and the catalog it answers, or nil when
	// the vendor submitted none (centre.ICS).
	ICS func(ctx context.Context, rel *glassbox.Release) (*standard.ICS, *standard.Catalog, error)
	// ICSCatalog is the catalog a new ICS answers (centre.ICSCatalog).
	ICSCatalog func(ctx context.Context) (*standard.Catalog, error)
	// Submit ingests a release from files the uploads hold.
	Submit  Submitter
	Access  AccessRecord
	Jobs    Jobs
	Parties PartyAdmin
	// Uploads is the directory, inside the data directory, that holds
	// uploads in progress.
	Uploads string
	// UploadLimit bounds one upload; UploadTTL is how long an unfinished
	// one is kept.
	UploadLimit int64
	UploadTTL   time.Duration
	// UploadBucket, if set, keeps the uploads in a bucket every server of
	// a deployment shares (its evidence bucket, under PREFIX/uploads/):
	// Uploads then holds this server's copies.
	UploadBucket *s3conf.Config
	// Rate and Burst bound each token's (or anonymous address's) requests
	// per second.
	Rate  float64
	Burst int
}

// Reviewer runs the differential review of a release against an earlier
// one of its product (package review, behind the centre).
type Reviewer interface {
	Review(ctx context.Context, rel, base *glassbox.Release) (*review.Review, error)
	FileDiff(ctx context.Context, a, b *glassbox.File) (*review.FileDiff, error)
	MarkReviewed(ctx context.Context, rel, base *glassbox.Release, evaluator, path string) (*glassbox.ReviewMark, error)
	ReviewMark(ctx context.Context, rel, base *glassbox.Release, path string) (*glassbox.ReviewMark, error)
}

// ReviewBase is the release rel is reviewed against: the one ref names,
// which must be of the same product, or, when ref is empty, the newest
// earlier release of the product (nil when there is none). Visibility is
// per product, so the base is as visible as rel.
func (b *Backend) ReviewBase(ctx context.Context, rel *glassbox.Release, ref string) (*glassbox.Release, error) {
	if b.Reviews == nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre runs no differential reviews")
	}
	if ref == "" {
		return review.Previous(ctx, b.Releases, rel)
	}
	base, err := b.Resolve(ctx, ref)
	if err != nil || base.Manifest.Product != rel.Manifest.Product || base.ID == rel.ID {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "there is no earlier release %q of %s to compare with", ref, rel.Manifest.Product)
	}
	return base, nil
}

// AccessRecord is the record of confidential reads (package access): a
// read is served only after Record returned without error.
type AccessRecord interface {
	// Record logs that p read files of rel (kind: source-file, archive,
	// artifact, …) under grant. An error means the read must be refused.
	Record(ctx context.Context, p *glassbox.Principal, grant string, rel *glassbox.Release, kind string, files []glassbox.File) error
	// List returns the recorded reads of rel, each with its proof.
	List(ctx context.Context, rel *glassbox.Release) ([]AccessEntry, error)
}

// AccessEntry is one recorded read as the API returns it: the signed
// statement's receipt, verifiable offline, and what it says.
type AccessEntry struct {
	LogIndex       uint64          `json:"log_index"`
	EnvelopeDigest glassbox.Digest `json:"envelope_digest"`
	// Access is the statement's predicate: who read what, when, why.
	Access  any           `json:"access"`
	Receipt *tlog.Receipt `json:"receipt"`
}

// API is the /api/v1 router.
type API struct {
	b         Backend
	authority Authority
	limits    *limiter
	uploads   *uploads
	server    *Server // for its request counter; may be nil
	verdicts  verdictAnswers
	releases  releasesByID
}

// NewAPI returns API v1 over b.
func NewAPI(b Backend) (*API, error) {
	if b.Authority == nil || b.Releases == nil || b.Resolve == nil || b.Blobs == nil || b.Notary == nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "server: API v1 needs an authority, the release store, a resolver, the blob store and the notary")
	}
	var bucket *uploadBucket
	if b.UploadBucket != nil {
		bucket = newUploadBucket(*b.UploadBucket)
	}
	up, err := newUploads(b.Uploads, b.UploadLimit, b.UploadTTL, bucket)
	if err != nil {
		return nil, err
	}
	if b.Rate == 0 {
		b.Rate = 50
	}
	if b.Burst <= 0 {
		b.Burst = max(1, int(2*b.Rate))
	}
	return &API{b: b, authority: b.Authority, limits: newLimiter(b.Rate, b.Burst), uploads: up}, nil
}

func (a *API) count(route string, h http.Handler) http.Handler {
	if a.server == nil {
		return h
	}
	return a.server.count(route, h)
}

// release resolves the {release} of the path.
func (a *API) release(r *http.Request) (*glassbox.Release, error) {
	ref := r.PathValue("release")
	if ref == "" {
		return nil, glassbox.Errorf(glassbox.EINVALID, "no release named in the path")
	}
	memo, _ := r.Context().Value(resolvedKey{}).(*resolved)
	if memo != nil && memo.rel != nil && memo.ref == ref {
		return memo.rel, nil
	}
	rel, ok := a.releases.get(ref)
	if !ok {
		var err error
		if rel, err = a.b.Resolve(r.Context(), ref); err != nil {
			return nil, err
		}
		a.releases.put(rel)
	}
	if memo != nil {
		memo.ref, memo.rel = ref, rel
	}
	return rel, nil
}

// releasesByID keeps the releases read lately by their full ID. A release
// never changes (its ID is the digest of its manifest) and is never
// deleted, so what is kept stays exact; a reference other than the full ID
// (an abbreviation, PRODUCT@VERSION) is always resolved by the store.
// Callers must not change a release they are given.
type releasesByID struct {
	mu  sync.Mutex // guards rel
	rel map[glassbox.Digest]*glassbox.Release
}

// maxReleasesByID bounds the memory the releases use; they are dropped
// when it is reached.
const maxReleasesByID = 1024

func (c *releasesByID) get(ref string) (*glassbox.Release, bool) {
	if !strings.HasPrefix(ref, glassbox.DigestPrefix) {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	rel, ok := c.rel[glassbox.Digest(ref)]
	return rel, ok
}

func (c *releasesByID) put(rel *glassbox.Release) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rel == nil || len(c.rel) >= maxReleasesByID {
		c.rel = map[glassbox.Digest]*glassbox.Release{}
	}
	c.rel[rel.ID] = rel
}

// resolved holds the release a request's path names once it is read, so
// that the policy and the handler read it from the store once.
type resolved struct {
	ref string
	rel *glassbox.Release
}

type resolvedKey struct{}

// releaseProduct is the product of the {release} of the path; a release
// that does not exist is ENOTFOUND here, before any decision, as one the
// caller may not see is after it.
func (a *API) releaseProduct(r *http.Request) (string, error) {
	rel, err := a.release(r)
	if err != nil {
		return "", err
	}
	return rel.Manifest.Product, nil
}

func (a *API) listReleases(w http.ResponseWriter, r *http.Request, _ string) error {
	f := glassbox.ReleaseFilter{Product: r.URL.Query().Get("product"), Limit: 1000}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return glassbox.Errorf(glassbox.EINVALID, "limit %q: want a number from 1 to 1000", v)
		}
		f.Limit = n
	}
	out, err := VisibleReleases(r.Context(), a.b.Releases, a.authority, PrincipalFrom(r.Context()), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"releases": out})
	return nil
}

// VisibleReleases returns the releases f selects that p may read, in the
// store's order.
func VisibleReleases(ctx context.Context, releases glassbox.ReleaseStore, auth Authority, p *glassbox.Principal, f glassbox.ReleaseFilter) ([]*glassbox.Release, error) {
	rels, err := releases.FindReleases(ctx, f)
	if err != nil {
		return nil, err
	}
	visible := map[string]bool{}
	out := []*glassbox.Release{}
	for _, rel := range rels {
		prod := rel.Manifest.Product
		ok, seen := visible[prod]
		if !seen {
			_, err := auth.Authorize(ctx, p, party.ActReadRelease, prod)
			ok = err == nil
			visible[prod] = ok
		}
		if ok {
			out = append(out, rel)
		}
	}
	return out, nil
}

func (a *API) getRelease(w http.ResponseWriter, r *http.Request, _ string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rel)
	return nil
}

// readSource serves one file of a release's source tree, after the read is
// on the record.
func (a *API) readSource(w http.ResponseWriter, r *http.Request, grant string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	p := r.PathValue("path")
	if err := glassbox.ValidatePath(p); err != nil {
		return err
	}
	file := rel.Manifest.SourceFile(p)
	if file == nil {
		return glassbox.Errorf(glassbox.ENOTFOUND, "release %s@%s has no source file %q", rel.Manifest.Product, rel.Manifest.Version, p)
	}
	return a.serveRecorded(w, r, grant, rel, "source-file", *file, "")
}

// search serves the lines of the release's source that contain ?q= (a
// case-sensitive match with ?case=1), once they are on the access record.
func (a *API) search(w http.ResponseWriter, r *http.Request, grant string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	q := SearchQuery{Text: r.URL.Query().Get("q"), CaseSensitive: r.URL.Query().Get("case") == "1"}
	res, err := a.b.Search(r.Context(), PrincipalFrom(r.Context()), grant, rel, q)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, res)
	return nil
}

// safeFilename is the last element of a path with anything a header could
// misread replaced.
func safeFilename(p string) string {
	p = p[strings.LastIndexByte(p, '/')+1:]
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == '\\' || r > 0x7e {
			return '_'
		}
		return r
	}, p)
}

func (a *API) listJudgements(w http.ResponseWriter, r *http.Request, _ string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	if a.b.Judgements == nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre keeps no judgements")
	}
	js, err := a.b.Judgements.FindJudgements(r.Context(), rel.ID)
	if err != nil {
		return err
	}
	if js == nil {
		js = []*glassbox.Judgement{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"judgements": js})
	return nil
}

// JudgeRequest is the body of POST /api/v1/releases/{release}/judgements.
type JudgeRequest struct {
	Catalog   string `json:"catalog"`
	Control   string `json:"control"`
	Satisfied bool   `json:"satisfied"`
	Note      string `json:"note"`
}

func (a *API) judge(w http.ResponseWriter, r *http.Request, _ string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	var req JudgeRequest
	if err := decodeJSON(w, r, 64<<10, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Control) == "" || strings.TrimSpace(req.Note) == "" {
		return glassbox.Errorf(glassbox.EINVALID, "a judgement needs a control and a note saying what was looked at")
	}
	if a.b.Judge == nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre takes no judgements over the API")
	}
	p := PrincipalFrom(r.Context())
	j := &glassbox.Judgement{Release: rel.ID, Catalog: req.Catalog, Control: req.Control, Satisfied: req.Satisfied, Note: req.Note}
	if err := a.b.Judge(r.Context(), p, rel, j); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, j)
	return nil
}

// Evaluator is how a principal is named on the judgements it makes and
// the statements about it: user@organisation.
func Evaluator(p *glassbox.Principal) string {
	return p.User.ID + "@" + p.Org.ID
}

// TriageRequest is a decision on a finding of the release's scan, by its
// fingerprint: confirmed, or dismissed with a reason.
type TriageRequest struct {
	Fingerprint string `json:"fingerprint"`
	Decision    string `json:"decision"` // "confirmed" or "dismissed"
	Reason      string `json:"reason,omitempty"`
}

// Decide records p's decision on a finding of rel (Backend.Triage).
func (b *Backend) Decide(ctx context.Context, p *glassbox.Principal, rel *glassbox.Release, req TriageRequest) (*glassbox.Triage, error) {
	if b.Triage == nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre takes no decisions on findings")
	}
	var dismissed bool
	switch req.Decision {
	case "dismissed":
		dismissed = true
	case "confirmed":
	default:
		return nil, glassbox.Errorf(glassbox.EINVALID, "decision %q: confirm or dismiss the finding (\"confirmed\" or \"dismissed\")", req.Decision)
	}
	return b.Triage(ctx, p, rel, req.Fingerprint, dismissed, req.Reason)
}

func (a *API) triage(w http.ResponseWriter, r *http.Request, _ string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	var req TriageRequest
	if err := decodeJSON(w, r, 64<<10, &req); err != nil {
		return err
	}
	t, err := a.b.Decide(r.Context(), PrincipalFrom(r.Context()), rel, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

// listTriage lists the decisions on the release's findings, oldest first,
// superseded ones included.
func (a *API) listTriage(w http.ResponseWriter, r *http.Request, _ string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	ts, ok := a.b.Releases.(glassbox.TriageStore)
	if !ok {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre's store keeps no decisions on findings")
	}
	all, err := ts.FindTriage(r.Context(), rel.ID)
	if err != nil {
		return err
	}
	if all == nil {
		all = []*glassbox.Triage{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"decisions": all})
	return nil
}

// ReviewFile is one changed file of a differential review.
type ReviewFile struct {
	Path     string               `json:"path"`
	Status   string               `json:"status"` // added, removed or changed
	Text     bool                 `json:"text"`   // compared line by line
	Added    int                  `json:"added"`
	Removed  int                  `json:"removed"`
	Reviewed *glassbox.ReviewMark `json:"reviewed,omitempty"`
}

// ReviewResult is the differential review of a release against an earlier
// one of its product.
type ReviewResult struct {
	Release  glassbox.Digest `json:"release"`
	Base     glassbox.Digest `json:"base"`
	Version  string          `json:"version"`
	BaseVer  string          `json:"base_version"`
	Changed  int             `json:"changed_lines"`
	Reviewed int             `json:"reviewed_lines"`
	Coverage float64         `json:"coverage"` // reviewed / changed, 0 to 1
	Files    []ReviewFile    `json:"files"`
}

// getReview serves the differential review against ?base= (default: the
// newest earlier release of the product).
func (a *API) getReview(w http.ResponseWriter, r *http.Request, _ string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	base, err := a.b.ReviewBase(r.Context(), rel, r.URL.Query().Get("base"))
	if err != nil {
		return err
	}
	if base == nil {
		return glassbox.Errorf(glassbox.ENOTFOUND, "%s has no release before %s to compare with", rel.Manifest.Product, rel.Manifest.Version)
	}
	rev, err := a.b.Reviews.Review(r.Context(), rel, base)
	if err != nil {
		return err
	}
	out := ReviewResult{Release: rel.ID, Base: base.ID, Version: rel.Manifest.Version, BaseVer: base.Manifest.Version,
		Changed: rev.Changed, Reviewed: rev.Reviewed, Coverage: rev.Coverage(), Files: []ReviewFile{}}
	for _, f := range rev.Files {
		out.Files = append(out.Files, ReviewFile{Path: f.Path, Status: f.Status, Text: f.Text, Added: f.Added, Removed: f.Removed, Reviewed: f.Reviewed})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// MarkRequest marks one changed file reviewed.
type MarkRequest struct {
	Base string `json:"base,omitempty"` // default: the newest earlier release
	Path string `json:"path"`
}

func (a *API) markReviewed(w http.ResponseWriter, r *http.Request, _ string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	var req MarkRequest
	if err := decodeJSON(w, r, 16<<10, &req); err != nil {
		return err
	}
	base, err := a.b.ReviewBase(r.Context(), rel, req.Base)
	if err != nil {
		return err
	}
	if base == nil {
		return glassbox.Errorf(glassbox.ENOTFOUND, "%s has no release before %s to compare with", rel.Manifest.Product, rel.Manifest.Version)
	}
	m, err := a.b.Reviews.MarkReviewed(r.Context(), rel, base, Evaluator(PrincipalFrom(r.Context())), req.Path)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, m)
	return nil
}

// WithdrawRequest is the body of POST /api/v1/releases/{release}/withdrawal.
type WithdrawRequest struct {
	Reason string `json:"reason"`
}

func (a *API) withdraw(w http.ResponseWriter, r *http.Request, _ string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	var req WithdrawRequest
	if err := decodeJSON(w, r, 16<<10, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Reason) == "" {
		return glassbox.Errorf(glassbox.EINVALID, "a withdrawal needs a reason")
	}
	if a.b.Withdraw == nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre takes no withdrawals over the API")
	}
	revoked, err := a.b.Withdraw(r.Context(), PrincipalFrom(r.Context()), rel, req.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"revoked": verdictsJSON(revoked)})
	return nil
}

// verdictJSON is a verdict as API v1 writes it.
type verdictJSON struct {
	LogIndex     uint64          `json:"log_index"`
	Envelope     glassbox.Digest `json:"envelope"`
	Result       string          `json:"result"`
	TimeVerified string          `json:"time_verified"`
}

func verdictsJSON(vs []notary.Verdict) []verdictJSON {
	out := []verdictJSON{}
	for _, v := range vs {
		out = append(out, verdictJSON{v.LogIndex, v.Envelope, v.Result, v.TimeVerified})
	}
	return out
}

// getVerdicts answers the centre's verdicts about an artefact with a
// receipt for each, which anyone can verify offline.
func (a *API) getVerdicts(w http.ResponseWriter, r *http.Request, _ string) error {
	d, err := glassbox.ParseDigest(r.PathValue("digest"))
	if err != nil {
		return err
	}
	// The answer depends only on the log: while it holds the same entries
	// under the same checkpoint, the answer built for it is still exact.
	size, cp, err := a.b.Notary.LogState(r.Context())
	if err != nil {
		return err
	}
	body, ok := a.verdicts.get(size, cp, d)
	if !ok {
		vs, err := a.b.Notary.Verdicts(r.Context(), d)
		if err != nil {
			return err
		}
		receipts := []*tlog.Receipt{}
		for _, v := range vs {
			rc, err := a.b.Notary.Receipt(r.Context(), v.Envelope)
			if err != nil {
				return err
			}
			receipts = append(receipts, rc)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(map[string]any{"subject": d, "verdicts": verdictsJSON(vs), "receipts": receipts}); err != nil {
			return glassbox.Errorf(glassbox.EINTERNAL, "verdicts of %s: %w", d, err)
		}
		body = buf.Bytes()
		a.verdicts.put(size, cp, d, body)
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
	return nil
}

// verdictAnswers keeps the answers of GET /api/v1/verdicts/{digest} for
// one state of the log (its size and checkpoint), and forgets them all
// when the log moves on: verifiers poll the same artefacts far more often
// than the log grows, and each answer costs an index pass, a walk of the
// log and an inclusion proof per verdict.
type verdictAnswers struct {
	mu   sync.Mutex // guards the fields below
	size uint64
	cp   []byte
	body map[glassbox.Digest][]byte
}

// maxVerdictAnswers bounds the memory the answers use; they are dropped
// when it is reached.
const maxVerdictAnswers = 4096

func (v *verdictAnswers) get(size uint64, cp []byte, d glassbox.Digest) ([]byte, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if size != v.size || !bytes.Equal(cp, v.cp) {
		return nil, false
	}
	b, ok := v.body[d]
	return b, ok
}

// put keeps an answer built after the log was seen at (size, cp). Built
// later than that, it may reflect a newer state; it is then never served,
// since the state it is kept under has passed.
func (v *verdictAnswers) put(size uint64, cp []byte, d glassbox.Digest, body []byte) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.body == nil || size != v.size || !bytes.Equal(cp, v.cp) || len(v.body) >= maxVerdictAnswers {
		v.size, v.cp, v.body = size, cp, map[glassbox.Digest][]byte{}
	}
	v.body[d] = body
}

func (a *API) accessRecord(w http.ResponseWriter, r *http.Request, _ string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	entries, err := a.b.AccessEntries(r.Context(), rel)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []AccessEntry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": entries})
	return nil
}

func (a *API) listEvaluations(w http.ResponseWriter, r *http.Request, _ string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	if a.b.Evaluations == nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre lists no evaluations")
	}
	recs, err := a.b.Evaluations(r.Context(), rel)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"evaluations": recs})
	return nil
}

func (a *API) listCatalogs(w http.ResponseWriter, r *http.Request, _ string) error {
	if a.b.Catalogs == nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre lists no catalogs")
	}
	cs, err := a.b.Catalogs(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, map[string]any{"catalogs": cs})
	return nil
}
