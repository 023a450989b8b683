package verify

import (
	"strings"

	"glassbox.dev"
	"glassbox.dev/tlog"
)

// Statement checks the receipt of a statement that is not a verdict (an
// access statement, say) as Receipt checks a verdict's: the checkpoint
// against the log key, the leaf's inclusion in it, the envelope against
// the leaf, the envelope's signature by the centre's key, and subject among
// the statement's subjects. No verdict is looked for and no policy applied.
// A receipt that does not verify is an EINVALID error giving every reason.
func Statement(subject glassbox.Digest, receipt []byte, o Options) (*Attestation, *Checkpoint, error) {
	if err := o.check(); err != nil {
		return nil, nil, err
	}
	r, p, err := tlog.ParseReceipt(receipt)
	if err != nil {
		return nil, nil, err
	}
	res := &Result{Artifact: subject}
	cp, ok := o.checkpoint(res, p.Checkpoint)
	if ok {
		if a, ok := o.entry(res, cp, p.Index, p.ExtraData, proofHashes(p.Hashes), r.Envelope); ok {
			return a, cp, nil
		}
	}
	return nil, nil, glassbox.Errorf(glassbox.EINVALID, "%s", strings.Join(res.Reasons, "; "))
}
