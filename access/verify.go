package access

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"

	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
	"glassbox.dev/verify"
)

// Verify checks a recorded read offline, as a verdict's receipt is checked
// (verify.Statement): the checkpoint is signed by the log's key, the leaf
// is included in it, the leaf names the envelope, the envelope is signed
// by the centre's attestation key, its one subject is the release, and
// its predicate is an access statement that says exactly what the entry
// says. key is the centre's attestation public key, logKey the log's
// verifier key. A read that does not verify is an EINVALID error.
func Verify(e *Entry, key ed25519.PublicKey, logKey note.Verifier) error {
	fail := func(format string, args ...any) error {
		return glassbox.Errorf(glassbox.EINVALID, "the read recorded at log entry %d does not verify: "+format, append([]any{e.LogIndex}, args...)...)
	}
	if e.Receipt == nil {
		return fail("it has no receipt")
	}
	receipt, err := e.Receipt.Marshal()
	if err != nil {
		return fail("%v", err)
	}
	a, _, err := verify.Statement(e.Access.Release, receipt, verify.Options{Key: key, LogVerifier: logKey})
	if err != nil {
		return fail("%v", err)
	}
	switch {
	case a.PredicateType != PredicateType:
		return fail("it is a %s statement, not an access statement", a.PredicateType)
	case len(a.Subjects) != 1:
		return fail("an access statement has one subject, the release; this one has %d", len(a.Subjects))
	case a.LogIndex != e.LogIndex || a.EnvelopeDigest != e.EnvelopeDigest:
		return fail("its receipt proves envelope %s at log entry %d", a.EnvelopeDigest, a.LogIndex)
	}
	p, err := parsePredicate(a.Predicate)
	if err != nil {
		return fail("%v", err)
	}
	signed, err1 := json.Marshal(p)
	shown, err2 := json.Marshal(&e.Access)
	if err1 != nil || err2 != nil || !bytes.Equal(signed, shown) {
		return fail("the entry says %s, but the signed statement says %s", shown, signed)
	}
	return nil
}
