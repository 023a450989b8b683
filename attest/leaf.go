package attest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"glassbox.dev"
)

// LeafHeader is the first line of every attestation leaf, without its
// newline. It names the format so that a log can carry other kinds of leaf
// later and readers can tell them apart.
const LeafHeader = "glassbox.dev/attestation/v1"

// MaxLeafSize is the largest leaf Marshal writes and ParseLeaf reads. C2SP
// tlog-tiles allows 64 KiB entries; 48 KiB is what the centre's log accepts
// (a receipt carries the leaf base64-encoded on one line of its tlog-proof,
// and common tlog-proof readers stop at 64 KiB lines), so every leaf that
// Marshal writes can be logged and receipted.
const MaxLeafSize = 48 << 10

// MaxPredicateTypeSize bounds the predicate type on a leaf's predicate line.
const MaxPredicateTypeSize = 2048

// Line prefixes of a leaf, in their order.
const (
	leafEnvelope  = "envelope "
	leafKey       = "key "
	leafPredicate = "predicate "
	leafSubject   = "subject "
)

// Byte sizes of the fixed lines, newline included.
const (
	headerLineSize   = len(LeafHeader) + 1
	envelopeLineSize = len(leafEnvelope) + len(glassbox.DigestPrefix) + 64 + 1
	keyLineSize      = len(leafKey) + 64 + 1
	subjectLineSize  = len(leafSubject) + len(glassbox.DigestPrefix) + 64 + 1
)

// Leaf is what the transparency log records about one signed envelope: the
// envelope's digest, the key that signed it, its predicate type and the
// digests of its subjects. The envelope itself is kept beside the log.
//
// A leaf's encoding is text, at most MaxLeafSize bytes, every line ending in
// "\n" and no blank line at the end:
//
//	glassbox.dev/attestation/v1
//	envelope sha256:<64 lower-case hex: SHA-256 of the envelope's bytes>
//	key <64 lower-case hex: KeyID of the signing key>
//	predicate <predicate type: 1 to 2048 bytes of printable ASCII, 0x21-0x7e>
//	subject sha256:<64 lower-case hex>
//	...
//
// with one or more subject lines, sorted and unique. Text, so that anyone
// can read a log entry with no tool; one encoding, so that a leaf's hash
// identifies its content; subjects on the leaf, so that a monitor finds the
// entries about an artefact without fetching envelopes.
type Leaf struct {
	Envelope      glassbox.Digest   // SHA-256 of the envelope's bytes
	KeyID         string            // KeyID of the signing key
	PredicateType string            // the statement's predicateType
	Subjects      []glassbox.Digest // the statement's subjects; Marshal sorts them and drops repeats
}

// LeafFor returns the leaf that records envelope, whose statement v is (as
// VerifyEnvelope returned it).
func LeafFor(envelope []byte, v *Verified) Leaf {
	subjects := make([]glassbox.Digest, len(v.Subjects))
	for i, s := range v.Subjects {
		subjects[i] = s.Digest
	}
	return Leaf{
		Envelope:      glassbox.DigestOf(envelope),
		KeyID:         v.KeyID,
		PredicateType: v.PredicateType,
		Subjects:      sortedDigests(subjects),
	}
}

// MaxSubjects returns how many subjects fit in one leaf with this predicate
// type: a statement about more artefacts cannot be logged.
func MaxSubjects(predicateType string) int {
	fixed := headerLineSize + envelopeLineSize + keyLineSize + len(leafPredicate) + len(predicateType) + 1
	if fixed > MaxLeafSize {
		return 0
	}
	return (MaxLeafSize - fixed) / subjectLineSize
}

// Marshal returns the leaf's one encoding. It sorts the subjects and drops
// repeats (an artefact is a subject once, however often it was named), and
// refuses a leaf with a field it cannot encode or more subjects than fit in
// MaxLeafSize.
func (l Leaf) Marshal() ([]byte, error) {
	if err := l.Envelope.Validate(); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "log leaf: envelope digest: %w", err)
	}
	if !isKeyID(l.KeyID) {
		return nil, glassbox.Errorf(glassbox.EINVALID, "log leaf: key id %s is not 64 lower-case hex digits", clip(l.KeyID))
	}
	if err := checkPredicateTypeText(l.PredicateType); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "log leaf: %w", err)
	}
	if len(l.Subjects) == 0 {
		return nil, glassbox.Errorf(glassbox.EINVALID, "log leaf: no subjects; a leaf records what artefacts its statement is about")
	}
	for _, d := range l.Subjects {
		if err := d.Validate(); err != nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "log leaf: subject: %w", err)
		}
	}
	subjects := sortedDigests(l.Subjects)
	if n := MaxSubjects(l.PredicateType); len(subjects) > n {
		return nil, glassbox.Errorf(glassbox.EINVALID, "log leaf: %d subjects do not fit in %d bytes; at most %d fit with this predicate type: split the statement", len(subjects), MaxLeafSize, n)
	}
	var b bytes.Buffer
	b.Grow(headerLineSize + envelopeLineSize + keyLineSize + len(leafPredicate) + len(l.PredicateType) + 1 + len(subjects)*subjectLineSize)
	b.WriteString(LeafHeader + "\n")
	b.WriteString(leafEnvelope + string(l.Envelope) + "\n")
	b.WriteString(leafKey + l.KeyID + "\n")
	b.WriteString(leafPredicate + l.PredicateType + "\n")
	for _, d := range subjects {
		b.WriteString(leafSubject + string(d) + "\n")
	}
	return b.Bytes(), nil
}

// ParseLeaf reads a leaf written by Marshal. It accepts only the one
// encoding Marshal writes: the exact header, the fields in order with one
// space after each name, no carriage returns, subjects sorted and unique,
// and a final newline with nothing after it.
func ParseLeaf(data []byte) (*Leaf, error) {
	if len(data) > MaxLeafSize {
		return nil, glassbox.Errorf(glassbox.EINVALID, "log leaf: %d bytes, over the %d-byte limit", len(data), MaxLeafSize)
	}
	if len(data) == 0 || data[len(data)-1] != '\n' {
		return nil, glassbox.Errorf(glassbox.EINVALID, "log leaf: does not end in a newline")
	}
	lines := strings.Split(string(data[:len(data)-1]), "\n")
	if lines[0] != LeafHeader {
		return nil, glassbox.Errorf(glassbox.EINVALID, "log leaf: line 1 is %s, not %q: this is not a glassbox attestation leaf", clip(lines[0]), LeafHeader)
	}
	if len(lines) < 5 {
		return nil, glassbox.Errorf(glassbox.EINVALID, "log leaf: %d lines; want the header, envelope, key, predicate and at least one subject line", len(lines))
	}
	var l Leaf
	v, err := leafField(lines, 1, leafEnvelope)
	if err != nil {
		return nil, err
	}
	l.Envelope = glassbox.Digest(v)
	if err := l.Envelope.Validate(); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "log leaf: line 2: %w", err)
	}
	if l.KeyID, err = leafField(lines, 2, leafKey); err != nil {
		return nil, err
	}
	if !isKeyID(l.KeyID) {
		return nil, glassbox.Errorf(glassbox.EINVALID, "log leaf: line 3: key id %s is not 64 lower-case hex digits", clip(l.KeyID))
	}
	if l.PredicateType, err = leafField(lines, 3, leafPredicate); err != nil {
		return nil, err
	}
	if err := checkPredicateTypeText(l.PredicateType); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "log leaf: line 4: %w", err)
	}
	l.Subjects = make([]glassbox.Digest, 0, len(lines)-4)
	for i := 4; i < len(lines); i++ {
		v, err := leafField(lines, i, leafSubject)
		if err != nil {
			return nil, err
		}
		d := glassbox.Digest(v)
		if err := d.Validate(); err != nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "log leaf: line %d: %w", i+1, err)
		}
		if n := len(l.Subjects); n > 0 && d <= l.Subjects[n-1] {
			return nil, glassbox.Errorf(glassbox.EINVALID, "log leaf: line %d: subject %s is not after %s; subjects are sorted and unique", i+1, d, l.Subjects[n-1])
		}
		l.Subjects = append(l.Subjects, d)
	}
	return &l, nil
}

// leafField returns the value of line i, which must start with prefix.
func leafField(lines []string, i int, prefix string) (string, error) {
	v, ok := strings.CutPrefix(lines[i], prefix)
	if !ok {
		return "", glassbox.Errorf(glassbox.EINVALID, "log leaf: line %d is %s; want %q followed by its value", i+1, clip(lines[i]), prefix)
	}
	return v, nil
}

// checkPredicateTypeText checks that a predicate type can be written on a
// leaf's line: 1 to MaxPredicateTypeSize bytes of printable ASCII, so that
// it has one spelling and cannot break the line or hide characters.
func checkPredicateTypeText(pt string) error {
	if pt == "" {
		return fmt.Errorf("the predicate type is empty")
	}
	if len(pt) > MaxPredicateTypeSize {
		return fmt.Errorf("the predicate type is %d bytes, over the %d-byte limit", len(pt), MaxPredicateTypeSize)
	}
	for i := 0; i < len(pt); i++ {
		if c := pt[i]; c < 0x21 || c > 0x7e {
			return fmt.Errorf("predicate type %s has byte 0x%02x at offset %d; a predicate type is printable ASCII (0x21-0x7e) without spaces", clip(pt), c, i)
		}
	}
	return nil
}

// isKeyID reports whether s is 64 lower-case hex digits, as KeyID returns.
func isKeyID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// sortedDigests returns a sorted copy of ds without repeats; the caller's
// slice is left as it was.
func sortedDigests(ds []glassbox.Digest) []glassbox.Digest {
	out := slices.Clone(ds)
	slices.Sort(out)
	return slices.Compact(out)
}

// clip quotes s for an error message, cut short so that a hostile input
// cannot make the message huge.
func clip(s string) string {
	const max = 80
	if len(s) > max {
		return fmt.Sprintf("%q…", s[:max])
	}
	return fmt.Sprintf("%q", s)
}
