// Package notary is the centre's attestation service: it signs in-toto
// statements about artefacts, keeps the envelopes as evidence, appends them
// to the transparency log and hands back receipts.
//
// It also indexes the log by subject. The log is the source of truth: the
// index is rebuilt from it on start, which also makes appends idempotent
// across crashes.
package notary

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/tlog"
)

// Notary signs, logs and indexes attestations.
type Notary struct {
	signer      *attest.Signer // the centre's own statements: evidence, verdicts, revocations
	submissions *attest.Signer // clients' statements (Submit); nil: none accepted
	log         *tlog.Log
	blobs       glassbox.BlobStore
	index       glassbox.AttestationStore

	mu       sync.Mutex                // guards inflight and recent
	inflight map[glassbox.Digest]*call // appends under way, by envelope digest
	recent   map[glassbox.Digest]uint64
	seen     *seen // every envelope in the log, as a Bloom filter

	indexMu sync.Mutex // serialises indexing passes
	wake    chan struct{}
	stop    context.CancelFunc
	done    chan struct{}
}

// call is one append that concurrent callers with the same envelope share.
type call struct {
	done  chan struct{}
	index uint64
	err   error
}

// New starts a notary. Before it returns, the index has caught up with the
// log, so that an envelope logged before a crash is found, not logged again.
func New(ctx context.Context, signer *attest.Signer, log *tlog.Log, blobs glassbox.BlobStore, index glassbox.AttestationStore) (*Notary, error) {
	n := &Notary{
		signer: signer, log: log, blobs: blobs, index: index,
		inflight: map[glassbox.Digest]*call{},
		recent:   map[glassbox.Digest]uint64{},
		seen:     newSeen(),
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	if err := n.fillSeen(ctx, 1<<14); err != nil {
		return nil, err
	}
	if err := n.IndexLog(ctx); err != nil {
		return nil, err
	}
	ictx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	n.stop = cancel
	go n.indexLoop(ictx)
	return n, nil
}

// Close stops the indexer after a last pass.
func (n *Notary) Close(ctx context.Context) error {
	n.stop()
	<-n.done
	return n.IndexLog(ctx)
}

// Request is what a caller asks the centre to attest.
type Request struct {
	Subjects      []attest.Subject
	PredicateType string
	Predicate     json.RawMessage
}

// Attest signs a statement with the centre's attestation key, logs it and
// returns its receipt. It is for the centre's own statements, made by its
// own evaluation (evidence, verdicts, judgements, revocations): never call
// it with what a client sent (see Submit). The same statement attested
// twice is the same envelope (Ed25519 signatures are deterministic) and
// gets the same log index.
func (n *Notary) Attest(ctx context.Context, req Request) (*tlog.Receipt, error) {
	return n.sign(ctx, n.signer, req)
}

// AcceptSubmissions lets the notary log clients' statements (Submit),
// signed by s, which must not be the centre's attestation key.
func (n *Notary) AcceptSubmissions(s *attest.Signer) error {
	if s.KeyID() == n.signer.KeyID() {
		return glassbox.Errorf(glassbox.EINVALID, "the submission key is the centre's attestation key; clients' statements need a key of their own")
	}
	n.submissions = s
	return nil
}

// SubmissionKeyID is the KeyID clients' statements are signed under, or ""
// when the notary accepts none.
func (n *Notary) SubmissionKeyID() string {
	if n.submissions == nil {
		return ""
	}
	return n.submissions.KeyID()
}

// CentrePredicate reports whether a predicate type is one only the centre's
// own evaluation may state: an SLSA VSA (a verdict) or any glassbox
// predicate (evidence, judgement, revocation).
func CentrePredicate(predicateType string) bool {
	return predicateType == glassbox.PredicateVSA || strings.HasPrefix(predicateType, "https://glassbox.dev/predicates/")
}

// StagePredicate reports whether a predicate type is one a pipeline stage
// has the centre sign: its own predicates (CentrePredicate) and the SLSA
// Provenance a rebuild makes. What a keyless worker may have signed through
// POST /api/v1/signing/attest is exactly this.
func StagePredicate(predicateType string) bool {
	return CentrePredicate(predicateType) || predicateType == glassbox.PredicateProvenance
}

// Submit logs a statement a client sent (POST /attestations, glassbox
// attest), signed by the submission key: the leaf names that key, so the
// statement is told apart from the centre's in the log, and a verifier who
// trusts the attestation key never takes it for the centre's word. A
// verdict (SLSA VSA) or a glassbox predicate is refused: the centre signs
// those only as the result of its own evaluation.
func (n *Notary) Submit(ctx context.Context, req Request) (*tlog.Receipt, error) {
	if n.submissions == nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "this centre accepts no statements from clients: it has no submission key")
	}
	if CentrePredicate(req.PredicateType) {
		return nil, glassbox.Errorf(glassbox.EINVALID, "refusing to log a %s statement on request: the centre makes verdicts, evidence, judgements and revocations only through its own evaluation (glassbox evaluate, judge, withdraw); submit other kinds of statement, such as SLSA Provenance", req.PredicateType)
	}
	return n.sign(ctx, n.submissions, req)
}

func (n *Notary) sign(ctx context.Context, signer *attest.Signer, req Request) (*tlog.Receipt, error) {
	payload, err := attest.NewStatement(req.Subjects, req.PredicateType, req.Predicate)
	if err != nil {
		return nil, err
	}
	envelope, err := signer.Sign(ctx, payload)
	if err != nil {
		return nil, err
	}
	leaf, err := attest.Leaf{
		Envelope:      glassbox.DigestOf(envelope),
		KeyID:         signer.KeyID(),
		PredicateType: req.PredicateType,
		Subjects:      digests(req.Subjects),
	}.Marshal()
	if err != nil {
		return nil, err
	}
	return n.logEnvelope(ctx, envelope, leaf)
}

func digests(subjects []attest.Subject) []glassbox.Digest {
	out := make([]glassbox.Digest, len(subjects))
	for i, s := range subjects {
		out[i] = s.Digest
	}
	return out
}

// logEnvelope stores and appends an envelope once, however many callers
// ask at the same time or later, and proves its inclusion.
func (n *Notary) logEnvelope(ctx context.Context, envelope, leaf []byte) (*tlog.Receipt, error) {
	d := glassbox.DigestOf(envelope)
	n.mu.Lock()
	if idx, ok := n.recent[d]; ok {
		n.mu.Unlock()
		return n.receipt(ctx, envelope, leaf, idx, nil)
	}
	if c, ok := n.inflight[d]; ok {
		n.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if c.err != nil {
			return nil, c.err
		}
		return n.receipt(ctx, envelope, leaf, c.index, nil)
	}
	c := &call{done: make(chan struct{})}
	n.inflight[d] = c
	n.mu.Unlock()

	inc, err := n.appendOnce(ctx, d, envelope, leaf)
	n.mu.Lock()
	delete(n.inflight, d)
	if err == nil {
		n.recent[d] = inc.Index
		c.index = inc.Index
	}
	c.err = err
	n.mu.Unlock()
	close(c.done)
	if err != nil {
		return nil, err
	}
	n.kick()
	return tlog.NewReceipt(envelope, leaf, inc)
}

func (n *Notary) appendOnce(ctx context.Context, d glassbox.Digest, envelope, leaf []byte) (*tlog.Inclusion, error) {
	if n.seen.mayHave(d) {
		if a, err := n.index.FindAttestation(ctx, d); err == nil {
			return n.log.Prove(ctx, a.LogIndex, nil)
		} else if glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
			return nil, err
		}
	}
	// The envelope is evidence before it is logged: a leaf must never name
	// an envelope the centre cannot produce.
	if _, err := n.blobs.Put(ctx, envelope); err != nil {
		return nil, err
	}
	inc, err := n.log.Append(ctx, leaf)
	if err == nil {
		n.remember(ctx, d)
	}
	return inc, err
}

// remember adds an envelope to the filter, growing it from the log when it
// gets too full.
func (n *Notary) remember(ctx context.Context, d glassbox.Digest) {
	if n.seen.add(d) {
		n.seen.mu.Lock()
		words := len(n.seen.bits) * 2
		n.seen.mu.Unlock()
		if err := n.fillSeen(ctx, words); err != nil {
			slog.Error("growing the filter of logged envelopes", "err", err)
		}
	}
}

// fillSeen rebuilds the filter with the given number of 64-bit words from
// every leaf of the log. While it reads, the filter answers "maybe" (the
// index decides) and collects what is appended meanwhile.
func (n *Notary) fillSeen(ctx context.Context, words int) error {
	n.seen.mu.Lock()
	if n.seen.refilling {
		n.seen.mu.Unlock()
		return nil
	}
	n.seen.refilling, n.seen.pending = true, nil
	n.seen.mu.Unlock()
	s := &seen{bits: make([]uint64, words)}
	_, err := n.log.Entries(ctx, 0, func(index uint64, leaf []byte) error {
		if l, err := attest.ParseLeaf(leaf); err == nil {
			s.add(l.Envelope)
		}
		return nil
	})
	n.seen.mu.Lock()
	defer n.seen.mu.Unlock()
	if err == nil {
		for _, d := range n.seen.pending {
			s.positions(d, func(w int, m uint64) { s.bits[w] |= m })
			s.count++
		}
		n.seen.bits, n.seen.count = s.bits, s.count
	}
	n.seen.refilling, n.seen.pending = false, nil
	return err
}

func (n *Notary) receipt(ctx context.Context, envelope, leaf []byte, idx uint64, cp []byte) (*tlog.Receipt, error) {
	inc, err := n.log.Prove(ctx, idx, cp)
	if err != nil {
		return nil, err
	}
	return tlog.NewReceipt(envelope, leaf, inc)
}

func (n *Notary) kick() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

func (n *Notary) indexLoop(ctx context.Context) {
	defer close(n.done)
	// Indexing is batched: a pass at most every 250 ms under load, so that
	// appends do not pay for an index write each. Readers (About) index on
	// demand and see everything regardless.
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.wake:
		case <-tick.C:
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(250 * time.Millisecond):
		}
		if err := n.IndexLog(ctx); err != nil && ctx.Err() == nil {
			slog.Error("indexing the transparency log", "err", err)
		}
	}
}

// IndexLog records every log entry past the index's watermark.
func (n *Notary) IndexLog(ctx context.Context) error {
	n.indexMu.Lock()
	defer n.indexMu.Unlock()
	start, err := n.index.LogWatermark(ctx)
	if err != nil {
		return err
	}
	var batch []*glassbox.Attestation
	flush := func(next uint64) error {
		if next == start && len(batch) == 0 {
			return nil
		}
		if err := n.index.RecordAttestations(ctx, batch, next); err != nil {
			return err
		}
		n.mu.Lock()
		for _, a := range batch {
			delete(n.recent, a.EnvelopeDigest)
		}
		n.mu.Unlock()
		batch, start = batch[:0], next
		return nil
	}
	next, err := n.log.Entries(ctx, start, func(index uint64, leaf []byte) error {
		l, err := attest.ParseLeaf(leaf)
		if err != nil {
			// A leaf the centre cannot read is not an attestation; it is
			// reported and skipped, never fatal to the index.
			slog.Warn("transparency log entry is not an attestation leaf", "index", index, "err", err)
		} else {
			n.seen.add(l.Envelope) // appended by another process, perhaps
			batch = append(batch, &glassbox.Attestation{
				EnvelopeDigest: l.Envelope, PredicateType: l.PredicateType, KeyID: l.KeyID,
				Subjects: l.Subjects, LogIndex: index,
			})
		}
		if len(batch) >= 1000 {
			return flush(index + 1)
		}
		return nil
	})
	if ferr := flush(next); err == nil {
		err = ferr
	}
	return err
}

// Envelope returns a stored envelope.
func (n *Notary) Envelope(ctx context.Context, d glassbox.Digest) ([]byte, error) {
	rc, err := n.blobs.Open(ctx, d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(rc); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "read envelope %s: %w", d, err)
	}
	return buf.Bytes(), nil
}

// Logged is an attestation with its envelope.
type Logged struct {
	glassbox.Attestation
	Envelope []byte `json:"envelope"`
}

// About returns every logged attestation about a subject, with envelopes.
func (n *Notary) About(ctx context.Context, subject glassbox.Digest) ([]Logged, error) {
	if err := n.IndexLog(ctx); err != nil {
		return nil, err
	}
	atts, err := n.index.FindAttestations(ctx, subject)
	if err != nil {
		return nil, err
	}
	out := make([]Logged, 0, len(atts))
	for _, a := range atts {
		env, err := n.Envelope(ctx, a.EnvelopeDigest)
		if err != nil {
			return nil, err
		}
		out = append(out, Logged{Attestation: *a, Envelope: env})
	}
	return out, nil
}

// LogState returns what About, Verdicts and Receipt answer from: the log's
// integrated size and its latest checkpoint. While both are unchanged,
// they answer the same, so a reader may keep their answers until then.
func (n *Notary) LogState(ctx context.Context) (uint64, []byte, error) {
	return n.log.State(ctx)
}

// errFound stops a walk of the log at the entry sought.
var errFound = errors.New("found")

// Receipt returns the receipt of an envelope the log already holds,
// proved against the current checkpoint, so that anyone can verify it
// offline; ENOTFOUND if the centre never logged it.
func (n *Notary) Receipt(ctx context.Context, d glassbox.Digest) (*tlog.Receipt, error) {
	if err := n.IndexLog(ctx); err != nil {
		return nil, err
	}
	a, err := n.index.FindAttestation(ctx, d)
	if err != nil {
		return nil, err
	}
	env, err := n.Envelope(ctx, d)
	if err != nil {
		return nil, err
	}
	var leaf []byte
	_, err = n.log.Entries(ctx, a.LogIndex, func(_ uint64, l []byte) error {
		leaf = bytes.Clone(l)
		return errFound
	})
	if err != nil && !errors.Is(err, errFound) {
		return nil, err
	}
	if leaf == nil {
		return nil, glassbox.Errorf(glassbox.ECORRUPT, "the index places envelope %s at log entry %d, which the log does not hold", d, a.LogIndex)
	}
	return n.receipt(ctx, env, leaf, a.LogIndex, nil)
}
