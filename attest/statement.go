package attest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"math"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"glassbox.dev"
	"glassbox.dev/internal/jcs"
)

// MaxStatementSize bounds a statement's payload. Its envelope (the payload
// in base64, a third larger) must fit in a receipt, which readers take up
// to 8 MiB.
const MaxStatementSize = 4 << 20

// Subject is an artefact a statement is about.
type Subject struct {
	Name   string          `json:"name"`   // what the artefact is called, e.g. its file name; may be empty
	Digest glassbox.Digest `json:"digest"` // what the artefact is: its SHA-256
}

// NewStatement returns the payload of an in-toto Statement v1 about
// subjects, with the given predicate type and predicate (a JSON object), as
// RFC 8785 canonical JSON: the same subjects and predicate always give the
// same bytes. Subjects are written in the order of their digests, so the
// order a caller lists them in does not change the statement.
//
// It refuses a statement that could not be signed and logged: no subjects,
// two subjects with one digest, a predicate type that is not an absolute URI
// or cannot be written on a log leaf, a predicate that is not a JSON object,
// more subjects than a leaf holds, or a payload over MaxStatementSize. SLSA
// Verification Summary and SLSA Provenance predicates (PredicateVSA,
// PredicateProvenance) must also be valid as such; other predicate types
// take any JSON object.
func NewStatement(subjects []Subject, predicateType string, predicate json.RawMessage) ([]byte, error) {
	if err := checkPredicateType(predicateType); err != nil {
		return nil, err
	}
	if len(subjects) == 0 {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the statement has no subjects; name at least one artefact it is about")
	}
	if n := MaxSubjects(predicateType); len(subjects) > n {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the statement has %d subjects; a log leaf holds at most %d with this predicate type: split it into several statements", len(subjects), n)
	}
	seen := make(map[glassbox.Digest]int, len(subjects))
	for i, s := range subjects {
		if err := s.Digest.Validate(); err != nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "subject %d (%s): %w", i+1, clip(s.Name), err)
		}
		if j, ok := seen[s.Digest]; ok {
			return nil, glassbox.Errorf(glassbox.EINVALID, "subjects %d (%s) and %d (%s) have the same digest %s; name each artefact once", j+1, clip(subjects[j].Name), i+1, clip(s.Name), s.Digest)
		}
		seen[s.Digest] = i
	}
	pred, err := parsePredicate(predicate)
	if err != nil {
		return nil, err
	}
	if err := validatePredicate(predicateType, predicate); err != nil {
		return nil, err
	}

	sorted := slices.Clone(subjects)
	slices.SortFunc(sorted, func(a, b Subject) int { return strings.Compare(string(a.Digest), string(b.Digest)) })
	st := &intoto.Statement{
		Type:          intoto.StatementTypeUri,
		PredicateType: predicateType,
		Predicate:     pred,
	}
	for _, s := range sorted {
		st.Subject = append(st.Subject, &intoto.ResourceDescriptor{
			Name:   s.Name,
			Digest: map[string]string{"sha256": s.Digest.Hex()},
		})
	}
	if err := st.Validate(); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the statement is not a valid in-toto Statement v1: %w", err)
	}
	raw, err := protojson.Marshal(st)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "encode the statement: %w", err)
	}
	// protojson deliberately varies its output (spacing changes from build
	// to build so that nobody depends on it); the payload is signed and
	// hashed, so it is put in the one canonical form.
	payload, err := jcs.Transform(raw)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "canonicalise the statement: %w", err)
	}
	if len(payload) > MaxStatementSize {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the statement is %d bytes, over the %d-byte limit; keep large evidence in the evidence store and refer to it by digest", len(payload), MaxStatementSize)
	}
	built.add(payload)
	return payload, nil
}

// built remembers the statements NewStatement made in this process, so
// that Sign need not decode and validate them a second time: on the
// centre's busiest path (attest under load) that check was a tenth of the
// work. A statement from elsewhere is always checked.
var built = &builtSet{m: map[[sha256.Size]byte]struct{}{}}

type builtSet struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]struct{}
}

// builtSetMax bounds the memory the set uses; it is cleared when full.
const builtSetMax = 1 << 16

func (b *builtSet) add(payload []byte) {
	sum := sha256.Sum256(payload)
	b.mu.Lock()
	if len(b.m) >= builtSetMax {
		clear(b.m)
	}
	b.m[sum] = struct{}{}
	b.mu.Unlock()
}

func (b *builtSet) has(payload []byte) bool {
	sum := sha256.Sum256(payload)
	b.mu.Lock()
	_, ok := b.m[sum]
	b.mu.Unlock()
	return ok
}

// checkPredicateType checks that pt is an absolute URI that a log leaf can
// carry.
func checkPredicateType(pt string) error {
	if err := checkPredicateTypeText(pt); err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "%w", err)
	}
	u, err := url.Parse(pt)
	if err != nil || !u.IsAbs() {
		return glassbox.Errorf(glassbox.EINVALID, "predicate type %s is not an absolute URI; name the predicate's schema, e.g. %s", clip(pt), glassbox.PredicateVSA)
	}
	return nil
}

// parsePredicate checks that predicate is one JSON object that canonical
// JSON represents exactly, and converts it for the statement.
func parsePredicate(predicate []byte) (*structpb.Struct, error) {
	trimmed := bytes.TrimLeft(predicate, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the predicate is empty; it must be a JSON object")
	}
	if trimmed[0] != '{' {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the predicate is a JSON %s, not an object; in-toto predicates are JSON objects", jsonKind(trimmed[0]))
	}
	// protojson refuses what encoding/json would quietly accept: duplicate
	// keys (readers disagree on which one counts), invalid UTF-8, data
	// after the object.
	var s structpb.Struct
	if err := protojson.Unmarshal(predicate, &s); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the predicate is not a valid JSON object: %w", err)
	}
	if err := checkNumbers(predicate); err != nil {
		return nil, err
	}
	return &s, nil
}

// jsonKind names the kind of JSON value that starts with c.
func jsonKind(c byte) string {
	switch {
	case c == '[':
		return "array"
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	case c == '-' || '0' <= c && c <= '9':
		return "number"
	}
	return "value that is not valid JSON"
}

// checkNumbers refuses integers that an IEEE 754 double cannot hold
// exactly. Canonical JSON (RFC 8785) writes every number as a double, so
// 12345678901234567891 would be signed as 12345678901234567000: a statement
// must not say something other than what its author wrote.
func checkNumbers(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			// The document was parsed already; the end is the only error.
			return nil
		}
		n, ok := tok.(json.Number)
		if !ok || strings.ContainsAny(string(n), ".eE") {
			continue
		}
		i, ok := new(big.Int).SetString(string(n), 10)
		if !ok {
			continue
		}
		f, _ := strconv.ParseFloat(string(n), 64)
		if math.IsInf(f, 0) {
			return glassbox.Errorf(glassbox.EINVALID, "the predicate's number %s is too large for JSON numbers (IEEE 754 doubles); write it as a string", clip(string(n)))
		}
		if back, _ := big.NewFloat(f).Int(nil); back.Cmp(i) != 0 {
			signed, _ := jcs.Marshal(f)
			return glassbox.Errorf(glassbox.EINVALID, "the predicate's number %s cannot be represented exactly: canonical JSON (RFC 8785) writes numbers as IEEE 754 doubles, so it would be signed as %s; write it as a string", clip(string(n)), signed)
		}
	}
}

// decodeStatement reads an in-toto Statement v1 payload as VerifyEnvelope
// returns it, and checks that a log leaf can record it. Unknown fields are
// ignored, as in-toto's parsing rules require of consumers.
func decodeStatement(payload []byte) (*Verified, error) {
	var st intoto.Statement
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(payload, &st); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the payload is not an in-toto statement: %w", err)
	}
	if st.GetType() != intoto.StatementTypeUri {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the payload is not an in-toto Statement v1: its _type is %s, not %q", clip(st.GetType()), intoto.StatementTypeUri)
	}
	if err := st.Validate(); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the payload is not a valid in-toto Statement v1: %w", err)
	}
	// The predicate's own bytes, not protojson's re-encoding of them:
	// protojson turned every number into a double. protojson has refused
	// duplicate keys, so this reading and protojson's agree.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(payload, &fields); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the payload is not an in-toto statement: %w", err)
	}
	v := &Verified{
		Statement:     json.RawMessage(payload),
		PredicateType: st.GetPredicateType(),
		Predicate:     fields["predicate"],
	}
	if err := checkPredicateTypeText(v.PredicateType); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the statement cannot be logged: %w", err)
	}
	if n := MaxSubjects(v.PredicateType); len(st.GetSubject()) > n {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the statement cannot be logged: it has %d subjects and a log leaf holds at most %d", len(st.GetSubject()), n)
	}
	for i, rd := range st.GetSubject() {
		h, ok := rd.GetDigest()["sha256"]
		if !ok {
			return nil, glassbox.Errorf(glassbox.EINVALID, "subject %d (%s) has no sha256 digest; glassbox names artefacts by their SHA-256", i+1, clip(rd.GetName()))
		}
		d, err := glassbox.ParseDigest(glassbox.DigestPrefix + h)
		if err != nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "subject %d (%s): %w", i+1, clip(rd.GetName()), err)
		}
		v.Subjects = append(v.Subjects, Subject{Name: rd.GetName(), Digest: d})
	}
	return v, nil
}
