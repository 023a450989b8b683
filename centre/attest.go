package centre

import (
	"context"

	"glassbox.dev"
	"glassbox.dev/notary"
	"glassbox.dev/tlog"
)

// Attest signs a client's statement about artefacts with the submission
// key (never the key of the centre's verdicts), logs it and returns its
// receipt. A SLSA VSA or a glassbox predicate from a client is refused
// (package notary). It needs the log: without it, it is EINVALID.
func (c *Centre) Attest(ctx context.Context, req notary.Request) (*tlog.Receipt, error) {
	if c.Notary == nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the centre's log is not open: a statement is signed and logged, which needs its keys (glassbox keys generate)")
	}
	return c.Notary.Submit(ctx, req)
}
