package notary

import (
	"context"

	"glassbox.dev"
	"glassbox.dev/tlog"
)

// Attester signs and logs the centre's own statements (evidence, verdicts,
// judgements, revocations) and says which verdicts it has signed about an
// artefact. A Notary, in a process that holds the keys, is one; a client of
// a signing service (client.Signer), in a worker that holds none, is the
// other.
type Attester interface {
	Attest(ctx context.Context, req Request) (*tlog.Receipt, error)
	Verdicts(ctx context.Context, artifact glassbox.Digest) ([]Verdict, error)
}

var _ Attester = (*Notary)(nil)
