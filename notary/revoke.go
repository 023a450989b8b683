package notary

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/tlog"
)

// Verdict is a verdict (SLSA VSA) the centre logged about an artefact.
type Verdict struct {
	LogIndex     uint64
	Envelope     glassbox.Digest
	Result       string // PASSED or FAILED
	TimeVerified string
}

// Verdicts returns the verdicts the centre itself signed about an
// artefact, oldest first (in log order). Clients' submissions are not
// verdicts and are never returned.
func (n *Notary) Verdicts(ctx context.Context, artifact glassbox.Digest) ([]Verdict, error) {
	list, err := n.About(ctx, artifact)
	if err != nil {
		return nil, err
	}
	var out []Verdict
	for _, l := range list {
		if l.PredicateType != glassbox.PredicateVSA || l.KeyID != n.signer.KeyID() {
			continue
		}
		v, err := attest.VerifyEnvelope(l.Envelope, n.signer.PublicKey())
		if err != nil {
			return nil, glassbox.Errorf(glassbox.ECORRUPT, "the centre's verdict at log entry %d: %w", l.LogIndex, err)
		}
		var p struct {
			VerificationResult string `json:"verificationResult"`
			TimeVerified       string `json:"timeVerified"`
		}
		if err := json.Unmarshal(v.Predicate, &p); err != nil {
			return nil, glassbox.Errorf(glassbox.ECORRUPT, "the centre's verdict at log entry %d: %v", l.LogIndex, err)
		}
		out = append(out, Verdict{LogIndex: l.LogIndex, Envelope: l.EnvelopeDigest, Result: p.VerificationResult, TimeVerified: p.TimeVerified})
	}
	return out, nil
}

// Revoke signs and logs the centre's revocation of its own statements,
// about the artefacts they were about.
func (n *Notary) Revoke(ctx context.Context, subjects []attest.Subject, r attest.Revocation) (*tlog.Receipt, error) {
	return Revoke(ctx, n, subjects, r)
}

// Revoke has the attester a sign and log the revocation of its own statements,
// about the artefacts they were about: a statement like any other, so that
// a worker's revocation goes through its signing service.
func Revoke(ctx context.Context, a Attester, subjects []attest.Subject, r attest.Revocation) (*tlog.Receipt, error) {
	if strings.TrimSpace(r.Reason) == "" {
		return nil, glassbox.Errorf(glassbox.EINVALID, "a revocation needs a reason: say why the verdict no longer holds")
	}
	if r.Revokes == nil {
		r.Revokes = []attest.ResourceDescriptor{}
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return a.Attest(ctx, Request{Subjects: subjects, PredicateType: attest.PredicateRevocation, Predicate: b})
}

// Withdraw withdraws a release: it logs one revocation, about every
// artefact of the release and its manifest, naming every verdict the centre
// gave them and saying the release is withdrawn, so that verification
// against the log denies the release from now on.
func (n *Notary) Withdraw(ctx context.Context, rel *glassbox.Release, reason string, at time.Time) (*tlog.Receipt, []Verdict, error) {
	subjects := []attest.Subject{{Name: rel.Manifest.Product + "@" + rel.Manifest.Version + " manifest", Digest: rel.ID}}
	var revoked []Verdict
	var revokes []attest.ResourceDescriptor
	seen := map[glassbox.Digest]bool{rel.ID: true}
	for _, a := range rel.Manifest.Artifacts {
		if seen[a.Digest] {
			continue // the same file shipped under two names: one subject
		}
		seen[a.Digest] = true
		subjects = append(subjects, attest.Subject{Name: a.Path, Digest: a.Digest})
		vs, err := n.Verdicts(ctx, a.Digest)
		if err != nil {
			return nil, nil, err
		}
		for _, v := range vs {
			revoked = append(revoked, v)
			revokes = append(revokes, attest.EnvelopeDescriptor("vsa", v.Envelope))
		}
	}
	r, err := n.Revoke(ctx, subjects, attest.Revocation{
		Release: rel.ID, Product: rel.Manifest.Product, Version: rel.Manifest.Version,
		Revokes: revokes, Reason: fmt.Sprintf("release withdrawn: %s", reason), Withdrawn: true,
		TimeRevoked: at.UTC().Format(time.RFC3339),
	})
	if err != nil {
		return nil, nil, err
	}
	return r, revoked, nil
}
