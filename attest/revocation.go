package attest

import (
	"encoding/json"
	"fmt"
	"time"

	"glassbox.dev"
)

// PredicateRevocation is the predicate type of the centre's statement that
// earlier statements of its own no longer hold: a verdict superseded by a
// worse one, or every verdict about a release the centre withdrew. Its
// subjects are the artefacts the revoked statements were about, so that
// whoever looks an artefact up in the log finds the revocation beside the
// verdict.
const PredicateRevocation = "https://glassbox.dev/predicates/revocation/v1"

// Revocation is the predicate of a revocation statement.
type Revocation struct {
	Release glassbox.Digest `json:"release"`
	Product string          `json:"product"`
	Version string          `json:"version"`
	// Revokes names the DSSE envelopes no longer to be relied on, by
	// SHA-256, as SLSA names input attestations.
	Revokes []ResourceDescriptor `json:"revokes"`
	Reason  string               `json:"reason"`
	// Withdrawn says the release itself is withdrawn: every verdict about
	// its artefacts is revoked, earlier or later, not only those named.
	Withdrawn   bool   `json:"withdrawn"`
	TimeRevoked string `json:"timeRevoked"` // RFC 3339
}

// ResourceDescriptor names a resource by URI and digests, as in-toto and
// SLSA do (policy, inputAttestations).
type ResourceDescriptor struct {
	URI    string            `json:"uri"`
	Digest map[string]string `json:"digest"`
}

// EnvelopeDescriptor names a DSSE envelope by its digest.
func EnvelopeDescriptor(kind string, d glassbox.Digest) ResourceDescriptor {
	return ResourceDescriptor{URI: "glassbox:attestation/" + kind, Digest: map[string]string{"sha256": d.Hex()}}
}

// ParseRevocation reads a revocation predicate and checks what a verifier
// relies on: a reason, a time, and digests it can compare.
func ParseRevocation(predicate []byte) (*Revocation, []glassbox.Digest, error) {
	var r Revocation
	if err := json.Unmarshal(predicate, &r); err != nil {
		return nil, nil, fmt.Errorf("not a revocation predicate: %v", err)
	}
	if r.Reason == "" {
		return nil, nil, fmt.Errorf("the revocation gives no reason")
	}
	if _, err := time.Parse(time.RFC3339, r.TimeRevoked); err != nil {
		return nil, nil, fmt.Errorf("the revocation's timeRevoked %q is not an RFC 3339 time", r.TimeRevoked)
	}
	var ds []glassbox.Digest
	for i, rd := range r.Revokes {
		d, err := glassbox.ParseDigest("sha256:" + rd.Digest["sha256"])
		if err != nil {
			return nil, nil, fmt.Errorf("revoked statement %d: %v", i+1, err)
		}
		ds = append(ds, d)
	}
	return &r, ds, nil
}
