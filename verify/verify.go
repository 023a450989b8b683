// Package verify checks, offline, that an artefact is what the centre
// attested: the artefact's digest is a subject of a statement signed by the
// centre's key, logged in its transparency log (inclusion proof against a
// checkpoint signed by the log's key), consistent with every checkpoint the
// verifier has seen before, and allowed by the centre's verdict: the newest
// SLSA VSA about the artefact must be PASSED (or, with an operator's policy
// that has rules, allowed by the policy), not revoked, and no older than
// the policy's max_age.
//
// A failed check is a denial with a reason; malformed input is an error.
package verify

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/tlog"
	"glassbox.dev/verify/policy"
)

// Options say whom to trust and what to demand.
type Options struct {
	Key         ed25519.PublicKey // the centre's attestation key
	LogVerifier note.Verifier     // the log's checkpoint key
	Policy      *policy.Policy    // optional: without one (or without rules), only a current PASSED verdict allows
	State       *State            // optional: the largest checkpoint seen before
	Log         *Remote           // optional: a served log, for consistency proofs
	Now         time.Time
}

// Attestation is a verified statement about the artefact.
type Attestation struct {
	LogIndex       uint64           `json:"log_index"`
	EnvelopeDigest glassbox.Digest  `json:"envelope_digest"`
	KeyID          string           `json:"key_id"`
	PredicateType  string           `json:"predicate_type"`
	Predicate      json.RawMessage  `json:"predicate"`
	Subjects       []attest.Subject `json:"subjects"`
}

// Checkpoint describes the signed checkpoint a verification rests on.
type Checkpoint struct {
	Origin string `json:"origin"`
	Size   uint64 `json:"size"`
	Hash   []byte `json:"hash"`
}

// Result is the outcome of a verification.
type Result struct {
	Artifact     glassbox.Digest  `json:"artifact"`
	Allowed      bool             `json:"allowed"`
	Reasons      []string         `json:"reasons,omitempty"` // every reason for a denial
	Attestations []Attestation    `json:"attestations"`
	Verdict      *Verdict         `json:"verdict,omitempty"`    // the centre's current verdict: its newest VSA
	Superseded   []Verdict        `json:"superseded,omitempty"` // older verdicts, newest first
	Checkpoint   *Checkpoint      `json:"checkpoint,omitempty"`
	Ignored      int              `json:"ignored,omitempty"` // logged statements by other keys (clients' submissions), not considered
	Policy       *policy.Decision `json:"policy,omitempty"`
	// Centres is each named centre's verification, when the policy asks
	// for several (Federated).
	Centres []CentreResult `json:"centres,omitempty"`
}

// CentreResult is one centre's part of a federated verification.
type CentreResult struct {
	Name   string  `json:"name"`
	Log    string  `json:"log"` // its log's origin
	Result *Result `json:"result"`
}

func (r *Result) deny(format string, args ...any) {
	r.Reasons = append(r.Reasons, fmt.Sprintf(format, args...))
}

// Receipt verifies an artefact, known by its digest, against a receipt.
// It returns an error only for malformed input; every failed check is a
// reason in a denying Result.
func Receipt(ctx context.Context, artifact glassbox.Digest, receipt []byte, o Options) (*Result, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	r, p, err := tlog.ParseReceipt(receipt)
	if err != nil {
		return nil, err
	}
	res := &Result{Artifact: artifact, Attestations: []Attestation{}}
	cp, ok := o.checkpoint(res, p.Checkpoint)
	if !ok {
		return res.finish(), nil
	}
	res.Checkpoint = cp
	if a, ok := o.entry(res, cp, p.Index, p.ExtraData, proofHashes(p.Hashes), r.Envelope); ok {
		res.Attestations = append(res.Attestations, *a)
	}
	return o.conclude(ctx, res, p.Checkpoint)
}

func proofHashes(hs [][sha256.Size]byte) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

func (o *Options) check() error {
	if len(o.Key) != ed25519.PublicKeySize {
		return glassbox.Errorf(glassbox.EINVALID, "verify: no centre key given")
	}
	if o.LogVerifier == nil {
		return glassbox.Errorf(glassbox.EINVALID, "verify: no log key given")
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	return nil
}

// checkpoint opens a signed checkpoint with the log's key.
func (o *Options) checkpoint(res *Result, raw []byte) (*Checkpoint, bool) {
	c, _, _, err := log.ParseCheckpoint(raw, o.LogVerifier.Name(), o.LogVerifier)
	if err != nil {
		res.deny("the checkpoint is not signed by the log key %s+%08x (origin %q): %v", o.LogVerifier.Name(), o.LogVerifier.KeyHash(), o.LogVerifier.Name(), err)
		return nil, false
	}
	if o.Policy != nil && o.Policy.Witnesses != nil {
		w := o.Policy.Witnesses
		if by, ok := w.Cosigned(raw); !ok {
			res.deny("the checkpoint (size %d) carries valid cosignatures of %d of the witnesses the policy names (%s); it requires %d: the log's growth is not witnessed as the policy demands", c.Size, len(by), strings.Join(by, ", "), w.Threshold)
			return nil, false
		}
	}
	return &Checkpoint{Origin: c.Origin, Size: c.Size, Hash: c.Hash}, true
}

// entry checks one logged attestation: the leaf's inclusion at index, the
// envelope against the leaf, the envelope's signature, and the artefact
// among its subjects.
func (o *Options) entry(res *Result, cp *Checkpoint, index uint64, leaf []byte, hashes [][]byte, envelope []byte) (*Attestation, bool) {
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, index, cp.Size, rfc6962.DefaultHasher.HashLeaf(leaf), hashes, cp.Hash); err != nil {
		res.deny("the inclusion proof does not prove the leaf at index %d in the checkpoint of size %d: %v", index, cp.Size, err)
		return nil, false
	}
	l, err := attest.ParseLeaf(leaf)
	if err != nil {
		res.deny("log entry %d is not a glassbox attestation: %v", index, err)
		return nil, false
	}
	if got := glassbox.DigestOf(envelope); got != l.Envelope {
		res.deny("the envelope has been modified: it hashes to %s, but log entry %d records %s", got, index, l.Envelope)
		return nil, false
	}
	v, err := attest.VerifyEnvelope(envelope, o.Key)
	if err != nil {
		res.deny("log entry %d: %v", index, err)
		return nil, false
	}
	if l.KeyID != v.KeyID || l.PredicateType != v.PredicateType || !slices.Equal(l.Subjects, subjectDigests(v.Subjects)) {
		res.deny("log entry %d does not describe its envelope (key, predicate type or subjects differ)", index)
		return nil, false
	}
	if !slices.Contains(l.Subjects, res.Artifact) {
		res.deny("the artefact (%s) is not a subject of the attestation at log entry %d, which is about %s", res.Artifact, index, strings.Join(digestStrings(l.Subjects), ", "))
		return nil, false
	}
	return &Attestation{
		LogIndex: index, EnvelopeDigest: l.Envelope, KeyID: l.KeyID,
		PredicateType: v.PredicateType, Predicate: v.Predicate, Subjects: v.Subjects,
	}, true
}

func subjectDigests(ss []attest.Subject) []glassbox.Digest {
	out := make([]glassbox.Digest, 0, len(ss))
	for _, s := range ss {
		out = append(out, s.Digest)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func digestStrings(ds []glassbox.Digest) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = string(d)
	}
	return out
}

// conclude checks consistency with the remembered state and the policy.
func (o *Options) conclude(ctx context.Context, res *Result, rawCheckpoint []byte) (*Result, error) {
	if o.State != nil && res.Checkpoint != nil {
		if err := o.State.Check(ctx, rawCheckpoint, o.LogVerifier, o.Log); err != nil {
			if glassbox.ErrorCode(err) == glassbox.EINTERNAL {
				return nil, err
			}
			res.deny("%v", err)
		}
	}
	if len(res.Attestations) == 0 && len(res.Reasons) == 0 {
		if res.Ignored > 0 {
			res.deny("no verdict: the log holds nothing signed by the centre's key about the artefact %s (%d statements by other keys, such as clients' submissions, are not the centre's word)", res.Artifact, res.Ignored)
		} else {
			res.deny("no attestation about the artefact %s was found", res.Artifact)
		}
	}
	o.verdicts(res)
	if len(res.Reasons) == 0 {
		o.judgeVerdict(res)
	}
	if o.Policy != nil && len(o.Policy.Rules) > 0 && len(res.Reasons) == 0 {
		in := policy.Input{Now: o.Now, Artifact: policy.Subject{Digest: string(res.Artifact)}}
		for _, a := range res.Attestations {
			if res.superseded(a.EnvelopeDigest) {
				continue // a policy judges the current verdict, never an older one
			}
			pa := policy.Attestation{PredicateType: a.PredicateType, Predicate: a.Predicate, KeyID: a.KeyID, LogIndex: a.LogIndex}
			for _, s := range a.Subjects {
				pa.Subjects = append(pa.Subjects, policy.Subject{Name: s.Name, Digest: string(s.Digest)})
			}
			in.Attestations = append(in.Attestations, pa)
		}
		d, err := o.Policy.Evaluate(in)
		if err != nil {
			return nil, err
		}
		res.Policy = d
		if !d.Allow {
			for _, r := range d.Reasons() {
				res.deny("policy %s: %s", o.Policy.Name, r)
			}
		}
	}
	return res.finish(), nil
}

// superseded reports whether the envelope holds a verdict a newer one replaced.
func (r *Result) superseded(d glassbox.Digest) bool {
	return slices.ContainsFunc(r.Superseded, func(v Verdict) bool { return v.EnvelopeDigest == d })
}

func (r *Result) finish() *Result {
	r.Allowed = len(r.Reasons) == 0
	return r
}
