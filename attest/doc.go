// Package attest signs in-toto Statement v1 in DSSE envelopes with the
// centre's Ed25519 key, and defines the compact log leaf that records each
// signed envelope in the transparency log.
//
// # Keys
//
// A centre has two Ed25519 keys, written by [GenerateKeys]: the attestation
// key (attestation.key, attestation.pub) signs statements, and the log key
// (log.key, log.vkey) signs the log's checkpoints as a C2SP signed note. They
// are separate so that either can be rotated, kept in other hands, or moved
// to hardware without touching the other.
//
// # Statements and envelopes
//
// [NewStatement] builds the statement's payload as RFC 8785 canonical JSON,
// so the same subjects and predicate always give the same bytes; [Signer.Sign]
// wraps it in a DSSE envelope, which is the same bytes too, because Ed25519
// signatures are deterministic. [VerifyEnvelope] checks an envelope against
// the centre's public key and returns what it says.
//
// # The log leaf
//
// The transparency log does not hold envelopes, which can be large and may
// be confidential; it holds one short text leaf per envelope, which binds the
// envelope's digest to what an index and a monitor need without reading the
// envelope: who signed it, what kind of claim it is and which artefacts it is
// about. A leaf is at most [MaxLeafSize] bytes of this form, each line ending
// in "\n" and no blank line at the end:
//
//	glassbox.dev/attestation/v1
//	envelope sha256:<64 lower-case hex digits: SHA-256 of the envelope's bytes>
//	key <64 lower-case hex digits: the signing key's KeyID>
//	predicate <predicate type URI: 1 to 2048 bytes of printable ASCII, 0x21-0x7e>
//	subject sha256:<64 lower-case hex digits>
//	subject sha256:<64 lower-case hex digits>
//	...
//
// There is at least one subject line; subjects are sorted and unique. Every
// leaf has exactly one encoding, so [ParseLeaf] refuses any other spelling of
// the same content and a leaf's hash identifies its content.
package attest
