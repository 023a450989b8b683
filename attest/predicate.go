package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	provenance "github.com/in-toto/attestation/go/predicates/provenance/v1"
	vsa "github.com/in-toto/attestation/go/predicates/vsa/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"glassbox.dev"
)

// validatePredicate checks the predicates glassbox knows against their
// specifications, so that the centre never signs a malformed SLSA
// Verification Summary or SLSA Provenance. Other predicate types are any
// JSON object.
func validatePredicate(predicateType string, predicate []byte) error {
	switch predicateType {
	case glassbox.PredicateVSA:
		var p vsa.VerificationSummary
		if err := unmarshalPredicate(predicate, &p, vsaUnmodelled); err != nil {
			return glassbox.Errorf(glassbox.EINVALID, "the predicate is not a SLSA Verification Summary v1: %w", err)
		}
		if err := validateVSA(&p); err != nil {
			return glassbox.Errorf(glassbox.EINVALID, "the predicate is not a valid SLSA Verification Summary v1: %w", err)
		}
	case glassbox.PredicateProvenance:
		var p provenance.Provenance
		if err := unmarshalPredicate(predicate, &p, nil); err != nil {
			return glassbox.Errorf(glassbox.EINVALID, "the predicate is not SLSA Provenance v1: %w", err)
		}
		if err := p.Validate(); err != nil {
			return glassbox.Errorf(glassbox.EINVALID, "the predicate is not valid SLSA Provenance v1: %w", err)
		}
	}
	return nil
}

// unmarshalPredicate reads predicate into the library's typed message,
// refusing fields the message does not have: a misspelt field name is a
// mistake to report, not a field to ignore. Fields the specification allows
// but the message does not model are left out first: extension fields,
// whose names are URIs (in-toto parsing rules), and those unmodelled
// reports true for.
func unmarshalPredicate(predicate []byte, m proto.Message, unmodelled func(path []string, key string) bool) error {
	dec := json.NewDecoder(bytes.NewReader(predicate))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	v = withoutUnmodelled(v, nil, unmodelled)
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(b, m); err != nil {
		// The position protojson gives is in the copy made above, not in
		// the caller's document; the field name it gives is what helps.
		return errors.New(protoPosition.ReplaceAllString(err.Error(), ""))
	}
	return nil
}

var protoPosition = regexp.MustCompile(`\(line \d+:\d+\): `)

// withoutUnmodelled returns v without the object fields that
// unmarshalPredicate leaves out. path is where v is, "*" standing for any
// array index.
func withoutUnmodelled(v any, path []string, unmodelled func(path []string, key string) bool) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			// No protobuf JSON field name has a colon; a URI always has one.
			if strings.Contains(k, ":") || unmodelled != nil && unmodelled(path, k) {
				continue
			}
			out[k] = withoutUnmodelled(e, append(path[:len(path):len(path)], k), unmodelled)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = withoutUnmodelled(e, append(path[:len(path):len(path)], "*"), unmodelled)
		}
		return out
	}
	return v
}

// vsaUnmodelled reports the VSA fields that the specification allows and
// in-toto's VerificationSummary message (v1.2.0) lacks: verifier.version,
// added by SLSA 1.1, and the ResourceDescriptor fields of policy and
// inputAttestations other than uri and digest.
func vsaUnmodelled(path []string, key string) bool {
	p := strings.Join(path, ".")
	switch p {
	case "verifier":
		return key == "version"
	case "policy", "inputAttestations.*":
		switch key {
		case "name", "downloadLocation", "mediaType", "content", "annotations":
			return true
		}
	}
	return false
}

// validateVSA checks what SLSA Verification Summary v1 requires
// (https://slsa.dev/spec/v1.0/verification_summary). The in-toto library
// leaves this to its users: its message has no Validate method.
func validateVSA(p *vsa.VerificationSummary) error {
	switch {
	case p.GetVerifier().GetId() == "":
		return errors.New("verifier.id is required: the URI of the verifier that made the decision")
	case p.GetTimeVerified() == nil:
		return errors.New("timeVerified is required: when the verification happened")
	case p.GetResourceUri() == "":
		return errors.New("resourceUri is required: the URI of the artefact that was verified")
	case p.GetPolicy().GetUri() == "":
		return errors.New("policy.uri is required: the policy the artefact was verified against")
	case p.GetVerificationResult() != "PASSED" && p.GetVerificationResult() != "FAILED":
		return fmt.Errorf("verificationResult is required and must be \"PASSED\" or \"FAILED\", not %s", clip(p.GetVerificationResult()))
	case len(p.GetVerifiedLevels()) == 0:
		return errors.New("verifiedLevels is required: the SLSA levels verified, e.g. [\"SLSA_BUILD_LEVEL_3\"], or [\"FAILED\"]")
	}
	if err := p.GetTimeVerified().CheckValid(); err != nil {
		return fmt.Errorf("timeVerified: %w", err)
	}
	for i, a := range p.GetInputAttestations() {
		if len(a.GetDigest()) == 0 {
			return fmt.Errorf("inputAttestations[%d] has no digest; each input attestation is named by its digest", i)
		}
	}
	return nil
}
