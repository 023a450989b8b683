package verify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
	"glassbox.dev/attest"
)

// Remote is a log served over HTTP as C2SP tlog-tiles, plus the centre's
// GET /attestations/{digest}. Everything fetched is checked before use:
// checkpoints against the log key, tiles against checkpoints.
type Remote struct {
	base    *url.URL
	http    *http.Client
	fetcher *client.HTTPFetcher
}

// NewRemote returns a client of the log served at base.
func NewRemote(base string, hc *http.Client) (*Remote, error) {
	u, err := url.Parse(strings.TrimSuffix(base, "/") + "/")
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, glassbox.Errorf(glassbox.EINVALID, "log URL %q is not an http(s) URL", base)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	f, err := client.NewHTTPFetcher(u, hc)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "log URL %q: %v", base, err)
	}
	return &Remote{base: u, http: hc, fetcher: f}, nil
}

// Checkpoint fetches the log's latest checkpoint and opens it with v.
func (r *Remote) Checkpoint(ctx context.Context, v note.Verifier) ([]byte, *log.Checkpoint, error) {
	raw, err := r.fetcher.ReadCheckpoint(ctx)
	if err != nil {
		return nil, nil, glassbox.Errorf(glassbox.EINTERNAL, "fetch the checkpoint from %s: %v", r.base, err)
	}
	cp, _, _, err := log.ParseCheckpoint(raw, v.Name(), v)
	if err != nil {
		return nil, nil, glassbox.Errorf(glassbox.ECONFLICT, "the checkpoint served by %s is not signed by the log key %s: %v", r.base, v.Name(), err)
	}
	return raw, cp, nil
}

// ConsistencyProof builds a consistency proof from the served tiles.
func (r *Remote) ConsistencyProof(ctx context.Context, smaller, larger uint64) ([][]byte, error) {
	pb, err := client.NewProofBuilder(ctx, larger, r.fetcher.ReadTile)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "proofs from %s: %v", r.base, err)
	}
	p, err := pb.ConsistencyProof(ctx, smaller, larger)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "consistency proof %d→%d from %s: %v", smaller, larger, r.base, err)
	}
	return p, nil
}

// InclusionProof builds the inclusion proof of index in a tree of size.
func (r *Remote) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	pb, err := client.NewProofBuilder(ctx, size, r.fetcher.ReadTile)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "proofs from %s: %v", r.base, err)
	}
	p, err := pb.InclusionProof(ctx, index)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "inclusion proof of %d in %d from %s: %v", index, size, r.base, err)
	}
	return p, nil
}

// Leaf fetches the leaf at index of a tree of size from its entry bundle.
func (r *Remote) Leaf(ctx context.Context, index, size uint64) ([]byte, error) {
	entries, err := r.EntryBundle(ctx, index/256, size)
	if err != nil {
		return nil, err
	}
	if int(index%256) >= len(entries) {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "the entry bundle from %s has no entry %d", r.base, index)
	}
	return entries[index%256], nil
}

// EntryBundle fetches the entries of bundle n (entries 256n to 256n+255)
// of a tree of size: all of them, or those below size in the last,
// partial bundle. They are untrusted until hashed into a verified tree.
func (r *Remote) EntryBundle(ctx context.Context, n, size uint64) ([][]byte, error) {
	b, err := client.GetEntryBundle(ctx, r.fetcher.ReadEntryBundle, n, size)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "entry bundle %d from %s: %v", n, r.base, err)
	}
	return b.Entries, nil
}

// URL is the log's base URL.
func (r *Remote) URL() string { return r.base.String() }

// logged is one element of GET /attestations/{digest}.
type logged struct {
	LogIndex uint64 `json:"log_index"`
	Envelope []byte `json:"envelope"`
}

// Attestations fetches the envelopes the centre logged about a subject.
// They are untrusted until verified like a receipt's.
func (r *Remote) Attestations(ctx context.Context, subject glassbox.Digest) ([]logged, error) {
	u := r.base.JoinPath("attestations", string(subject))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "GET %s: %v", u, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(body)))
	}
	if resp.StatusCode != http.StatusOK {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(body)))
	}
	var out struct {
		Attestations []logged `json:"attestations"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "GET %s: not an attestation list: %v", u, err)
	}
	return out.Attestations, nil
}

// FromLog verifies an artefact against what a served log holds about it,
// with no receipt: every attestation about the artefact is fetched and
// checked as a receipt would be, against the log's latest checkpoint.
func FromLog(ctx context.Context, artifact glassbox.Digest, o Options) (*Result, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if o.Log == nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "verify: no log to fetch from")
	}
	res := &Result{Artifact: artifact, Attestations: []Attestation{}}
	raw, err := o.Log.fetcher.ReadCheckpoint(ctx)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "fetch the checkpoint from %s: %v", o.Log.base, err)
	}
	cp, ok := o.checkpoint(res, raw)
	if !ok {
		return res.finish(), nil
	}
	res.Checkpoint = cp
	list, err := o.Log.Attestations(ctx, artifact)
	if err != nil {
		return nil, err
	}
	centre := attest.KeyID(o.Key)
	for _, l := range list {
		if l.LogIndex >= cp.Size {
			continue // logged after the checkpoint we fetched; the next run sees it
		}
		leaf, err := o.Log.Leaf(ctx, l.LogIndex, cp.Size)
		if err != nil {
			return nil, err
		}
		p, err := o.Log.InclusionProof(ctx, l.LogIndex, cp.Size)
		if err != nil {
			return nil, err
		}
		// A statement the log records under another key (a client's
		// submission) is not the centre's word: once its leaf is proved in
		// the log, it is left aside, neither trusted nor held against the
		// artefact.
		if pl, err := attest.ParseLeaf(leaf); err == nil && pl.KeyID != centre &&
			proof.VerifyInclusion(rfc6962.DefaultHasher, l.LogIndex, cp.Size, rfc6962.DefaultHasher.HashLeaf(leaf), p, cp.Hash) == nil {
			res.Ignored++
			continue
		}
		if a, ok := o.entry(res, cp, l.LogIndex, leaf, p, l.Envelope); ok {
			res.Attestations = append(res.Attestations, *a)
		}
	}
	return o.conclude(ctx, res, raw)
}
