package glassbox

import (
	"context"
	"time"
)

// Predicate types glassbox signs statements with. Any other URI is accepted
// with an arbitrary JSON predicate.
const (
	PredicateVSA        = "https://slsa.dev/verification_summary/v1"
	PredicateProvenance = "https://slsa.dev/provenance/v1"
	// PredicateAccess is the centre's record of a read of confidential
	// content (package access): served only to the release's vendor, never
	// publicly.
	PredicateAccess = "https://glassbox.dev/predicates/access/v1"
)

// Attestation is a signed in-toto statement that the centre made and
// appended to its transparency log: what the log's leaf records about it.
type Attestation struct {
	EnvelopeDigest Digest    `json:"envelope_digest"` // SHA-256 of the DSSE envelope as stored
	PredicateType  string    `json:"predicate_type"`
	KeyID          string    `json:"key_id"`   // hex SHA-256 of the signing key's DER public key
	Subjects       []Digest  `json:"subjects"` // the artefacts the statement is about, sorted
	LogIndex       uint64    `json:"log_index"`
	LoggedAt       time.Time `json:"logged_at"` // when the index recorded it
}

// AttestationStore indexes the transparency log by subject so that the
// envelopes about an artefact can be found. The log is the source of truth:
// the index can be rebuilt by reading the log from the start.
type AttestationStore interface {
	// RecordAttestations records the attestations read from the log up to
	// (not including) index next, in one transaction. An envelope already
	// recorded keeps its first index.
	RecordAttestations(ctx context.Context, atts []*Attestation, next uint64) error
	// LogWatermark returns the index of the first log entry not yet recorded.
	LogWatermark(ctx context.Context) (uint64, error)
	// FindAttestation returns the attestation of an envelope, or ENOTFOUND.
	FindAttestation(ctx context.Context, envelope Digest) (*Attestation, error)
	// FindAttestations lists the attestations about a subject, oldest first.
	FindAttestations(ctx context.Context, subject Digest) ([]*Attestation, error)
}
