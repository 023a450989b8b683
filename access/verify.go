package access

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"

	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
	"glassbox.dev/tlog"
	"glassbox.dev/verify"
)

// VerifyReceipt checks offline that a receipt proves a read of release,
// as a verdict's receipt is checked (verify.Statement): the checkpoint is
// signed by the log's key, the leaf is included in it, the leaf names the
// envelope, the envelope is signed by the centre's attestation key, its one
// subject is the release, and it is an access statement. It returns the
// read the receipt proves; nothing but the receipt and the keys is
// trusted, so a remote client verifies what a centre served this way. key
// is the centre's attestation public key, logKey the log's verifier key. A
// receipt that does not verify is an EINVALID error.
func VerifyReceipt(release glassbox.Digest, receipt *tlog.Receipt, key ed25519.PublicKey, logKey note.Verifier) (*Entry, error) {
	if receipt == nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the read has no receipt")
	}
	raw, err := receipt.Marshal()
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the read's receipt: %v", err)
	}
	a, _, err := verify.Statement(release, raw, verify.Options{Key: key, LogVerifier: logKey})
	if err != nil {
		return nil, err
	}
	fail := func(format string, args ...any) error {
		return glassbox.Errorf(glassbox.EINVALID, "log entry %d is not a read of release %s: "+format, append([]any{a.LogIndex, release}, args...)...)
	}
	switch {
	case a.PredicateType != PredicateType:
		return nil, fail("it is a %s statement, not an access statement", a.PredicateType)
	case len(a.Subjects) != 1:
		return nil, fail("an access statement has one subject, the release; this one has %d", len(a.Subjects))
	}
	p, err := parsePredicate(a.Predicate)
	if err != nil {
		return nil, fail("%v", err)
	}
	if p.Release != release {
		return nil, fail("its predicate names release %s", p.Release)
	}
	return &Entry{LogIndex: a.LogIndex, EnvelopeDigest: a.EnvelopeDigest, Access: *p, Receipt: receipt}, nil
}

// Verify checks a listed read offline: its receipt proves a read of the
// release (VerifyReceipt) at the entry's log index, and the entry says
// exactly what the signed statement says. key is the centre's attestation
// public key, logKey the log's verifier key. A read that does not verify
// is an EINVALID error.
func Verify(e *Entry, key ed25519.PublicKey, logKey note.Verifier) error {
	fail := func(format string, args ...any) error {
		return glassbox.Errorf(glassbox.EINVALID, "the read recorded at log entry %d does not verify: "+format, append([]any{e.LogIndex}, args...)...)
	}
	proved, err := VerifyReceipt(e.Access.Release, e.Receipt, key, logKey)
	if err != nil {
		return fail("%v", err)
	}
	if proved.LogIndex != e.LogIndex || proved.EnvelopeDigest != e.EnvelopeDigest {
		return fail("its receipt proves envelope %s at log entry %d", proved.EnvelopeDigest, proved.LogIndex)
	}
	signed, err1 := json.Marshal(&proved.Access)
	shown, err2 := json.Marshal(&e.Access)
	if err1 != nil || err2 != nil || !bytes.Equal(signed, shown) {
		return fail("the entry says %s, but the signed statement says %s", shown, signed)
	}
	return nil
}
