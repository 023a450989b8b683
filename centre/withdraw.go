package centre

import (
	"context"
	"strings"
	"time"

	"glassbox.dev"
	"glassbox.dev/notary"
	"glassbox.dev/tlog"
)

// Withdrawal is a logged withdrawal of a release.
type Withdrawal struct {
	// Receipt is the receipt of the revocation statement.
	Receipt *tlog.Receipt
	// Revoked are the verdicts the centre gave the release's artefacts
	// that the statement revokes.
	Revoked []notary.Verdict
}

// Withdraw signs and logs a revocation of every verdict the centre gave
// the release's artefacts and manifest, with the reason (public). From
// then on a verifier that reads the log denies them. It needs the log:
// without it, it is EINVALID.
func (c *Centre) Withdraw(ctx context.Context, rel *glassbox.Release, reason string) (*Withdrawal, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, glassbox.Errorf(glassbox.EINVALID, "a withdrawal says why the release is withdrawn")
	}
	if c.Notary == nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the centre's log is not open: a withdrawal is signed and logged, which needs its keys (glassbox keys generate)")
	}
	receipt, revoked, err := c.Notary.Withdraw(ctx, rel, reason, time.Now())
	if err != nil {
		return nil, err
	}
	return &Withdrawal{Receipt: receipt, Revoked: revoked}, nil
}
