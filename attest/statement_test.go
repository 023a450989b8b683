package attest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	provenance "github.com/in-toto/attestation/go/predicates/provenance/v1"
	vsa "github.com/in-toto/attestation/go/predicates/vsa/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"glassbox.dev"
)

// A VSA as the centre writes one for a rebuild verdict.
const validVSA = `{
  "verifier": {"id": "https://glassbox.dev/centre/rebuild"},
  "timeVerified": "2026-03-01T12:00:00Z",
  "resourceUri": "pkg:generic/acme-router-firmware@4.2.1",
  "policy": {"uri": "https://glassbox.dev/policy/binary-equivalence/v1", "digest": {"sha256": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"}},
  "inputAttestations": [{"uri": "https://glassbox.dev/evidence/sha256:fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9", "digest": {"sha256": "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9"}}],
  "verificationResult": "PASSED",
  "verifiedLevels": ["SLSA_BUILD_LEVEL_3"],
  "dependencyLevels": {"SLSA_BUILD_LEVEL_3": 5},
  "slsaVersion": "1.0"
}`

const validProvenance = `{
  "buildDefinition": {
    "buildType": "https://glassbox.dev/rebuild/v1",
    "externalParameters": {"recipe": "make release", "source": "git+https://example.org/acme/router@v4.2.1"},
    "resolvedDependencies": [{"uri": "git+https://example.org/acme/router@v4.2.1", "digest": {"gitCommit": "4b825dc642cb6eb9a060e54bf8d69288fbee4904"}}]
  },
  "runDetails": {
    "builder": {"id": "https://glassbox.dev/centre/rebuilder"},
    "metadata": {"invocationId": "rebuild-17", "startedOn": "2026-03-01T11:00:00Z", "finishedOn": "2026-03-01T11:40:00Z"}
  }
}`

// edit returns the JSON object doc with the field at path set to value, or
// removed if value is nil.
func edit(t *testing.T, doc string, value any, path ...string) json.RawMessage {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	keys := path
	obj := m
	for _, k := range keys[:len(keys)-1] {
		obj = obj[k].(map[string]any)
	}
	if value == nil {
		delete(obj, keys[len(keys)-1])
	} else {
		obj[keys[len(keys)-1]] = value
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewStatementIsCanonicalValidInToto(t *testing.T) {
	subjects := []Subject{{Name: "firmware.bin", Digest: digest(2)}, {Name: "firmware.sig", Digest: digest(1)}}
	payload, err := NewStatement(subjects, glassbox.PredicateVSA, json.RawMessage(validVSA))
	if err != nil {
		t.Fatal(err)
	}

	// The library reads it back as a valid Statement v1 with a valid VSA.
	var st intoto.Statement
	if err := protojson.Unmarshal(payload, &st); err != nil {
		t.Fatalf("protojson cannot read the payload: %v", err)
	}
	if err := st.Validate(); err != nil {
		t.Fatalf("the payload is not a valid in-toto statement: %v", err)
	}
	if st.GetType() != "https://in-toto.io/Statement/v1" || st.GetPredicateType() != glassbox.PredicateVSA {
		t.Errorf("_type %q, predicateType %q", st.GetType(), st.GetPredicateType())
	}
	pb, _ := protojson.Marshal(st.GetPredicate())
	var p vsa.VerificationSummary
	if err := protojson.Unmarshal(pb, &p); err != nil {
		t.Fatalf("the predicate is not a VerificationSummary: %v", err)
	}
	if p.GetVerifier().GetId() != "https://glassbox.dev/centre/rebuild" || p.GetVerificationResult() != "PASSED" {
		t.Errorf("the predicate changed: %v", &p)
	}

	// Subjects are in digest order, whatever order they were given in.
	if len(st.GetSubject()) != 2 || st.GetSubject()[0].GetDigest()["sha256"] != subjects[1].Digest.Hex() || st.GetSubject()[0].GetName() != "firmware.sig" {
		t.Errorf("subjects: %v", st.GetSubject())
	}
	reordered, err := NewStatement([]Subject{subjects[1], subjects[0]}, glassbox.PredicateVSA, json.RawMessage(validVSA))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(payload, reordered) {
		t.Error("the order of subjects changed the statement")
	}

	// The same content in another JSON spelling gives the same bytes.
	var compact bytes.Buffer
	json.Compact(&compact, []byte(validVSA))
	again, err := NewStatement(subjects, glassbox.PredicateVSA, compact.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(payload, again) {
		t.Errorf("the same statement gave two payloads:\n%s\n%s", payload, again)
	}
	// ... and that one form is RFC 8785 canonical JSON: keys sorted, no spaces.
	if !bytes.HasPrefix(payload, []byte(`{"_type":"https://in-toto.io/Statement/v1","predicate":{"dependencyLevels":{"SLSA_BUILD_LEVEL_3":5},"inputAttestations":`)) {
		t.Errorf("the payload is not canonical JSON: %.120s", payload)
	}
}

func TestNewStatementTakesAnyJSONObjectForOtherPredicateTypes(t *testing.T) {
	predicate := `{"tool":"glassbox scan","findings":[{"rule":"hardcoded-credential","file":"src/auth.c","line":42}],"clean":false,"score":9.5,"note":null,"unicode":"Grüße \u2028 ✓","big":9007199254740992}`
	payload, err := NewStatement([]Subject{{Name: "src.tar.gz", Digest: digest(1)}}, "https://glassbox.dev/analysis/v1", json.RawMessage(predicate))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Predicate map[string]any `json:"predicate"`
	}
	if err := json.Unmarshal(payload, &st); err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	json.Unmarshal([]byte(predicate), &want)
	if fmt.Sprint(st.Predicate) != fmt.Sprint(want) {
		t.Errorf("the predicate changed:\n got %v\nwant %v", st.Predicate, want)
	}
}

func TestNewStatementRefuses(t *testing.T) {
	one := []Subject{{Name: "a", Digest: digest(1)}}
	tooMany := make([]Subject, MaxSubjects("https://example.org/p")+1)
	for i := range tooMany {
		tooMany[i] = Subject{Digest: digest(i)}
	}
	for _, c := range []struct {
		name          string
		subjects      []Subject
		predicateType string
		predicate     string
		says          string
	}{
		{"no subjects", nil, "https://example.org/p", `{}`, "no subjects"},
		{"a malformed digest", []Subject{{Name: "a", Digest: "sha256:ABC"}}, "https://example.org/p", `{}`, "is not a digest"},
		{"another algorithm", []Subject{{Name: "a", Digest: glassbox.Digest("sha512:" + digest(1).Hex())}}, "https://example.org/p", `{}`, "is not a digest"},
		{"a repeated digest", []Subject{{Name: "a", Digest: digest(1)}, {Name: "b", Digest: digest(2)}, {Name: "c", Digest: digest(1)}}, "https://example.org/p", `{}`, `subjects 1 ("a") and 3 ("c") have the same digest`},
		{"more subjects than a leaf holds", tooMany, "https://example.org/p", `{}`, fmt.Sprintf("at most %d", len(tooMany)-1)},
		{"an empty predicate type", one, "", `{}`, "predicate type is empty"},
		{"a relative predicate type", one, "verification_summary/v1", `{}`, "not an absolute URI"},
		{"a predicate type with a space", one, "https://example.org/a b", `{}`, "printable ASCII"},
		{"a predicate type with a newline", one, "https://example.org/a\nsubject x", `{}`, "printable ASCII"},
		{"a long predicate type", one, "https://example.org/" + strings.Repeat("p", MaxPredicateTypeSize), `{}`, "over the 2048-byte limit"},
		{"no predicate", one, "https://example.org/p", ``, "predicate is empty"},
		{"an array predicate", one, "https://example.org/p", `[1]`, "JSON array, not an object"},
		{"a string predicate", one, "https://example.org/p", `"x"`, "JSON string, not an object"},
		{"a null predicate", one, "https://example.org/p", `null`, "JSON null, not an object"},
		{"invalid JSON", one, "https://example.org/p", `{"a":}`, "not a valid JSON object"},
		{"two values", one, "https://example.org/p", `{} {}`, "not a valid JSON object"},
		{"a duplicate key", one, "https://example.org/p", `{"result":"FAILED","result":"PASSED"}`, "duplicate"},
		{"invalid UTF-8", one, "https://example.org/p", "{\"a\":\"\xff\"}", "not a valid JSON object"},
		{"an integer a double cannot hold", one, "https://example.org/p", `{"size":12345678901234567891}`, "cannot be represented exactly"},
		{"a number too large for JSON", one, "https://example.org/p", `{"n":1` + strings.Repeat("0", 400) + `}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewStatement(c.subjects, c.predicateType, json.RawMessage(c.predicate))
			if glassbox.ErrorCode(err) != glassbox.EINVALID || !strings.Contains(err.Error(), c.says) {
				t.Errorf("got %v; want EINVALID saying %q", err, c.says)
			}
		})
	}
}

func TestNewStatementChecksSLSAPredicates(t *testing.T) {
	s := []Subject{{Name: "firmware.bin", Digest: digest(1)}}
	for _, c := range []struct {
		name          string
		predicateType string
		predicate     json.RawMessage
		says          string // "" means accepted
	}{
		{"a valid VSA", glassbox.PredicateVSA, json.RawMessage(validVSA), ""},
		{"VSA without verifier.id", glassbox.PredicateVSA, edit(t, validVSA, nil, "verifier", "id"), "verifier.id is required"},
		{"VSA without verifier", glassbox.PredicateVSA, edit(t, validVSA, nil, "verifier"), "verifier.id is required"},
		{"VSA without timeVerified", glassbox.PredicateVSA, edit(t, validVSA, nil, "timeVerified"), "timeVerified is required"},
		{"VSA with a malformed timeVerified", glassbox.PredicateVSA, edit(t, validVSA, "yesterday", "timeVerified"), "not a SLSA Verification Summary"},
		{"VSA without resourceUri", glassbox.PredicateVSA, edit(t, validVSA, nil, "resourceUri"), "resourceUri is required"},
		{"VSA without policy", glassbox.PredicateVSA, edit(t, validVSA, nil, "policy"), "policy.uri is required"},
		{"VSA without verificationResult", glassbox.PredicateVSA, edit(t, validVSA, nil, "verificationResult"), "verificationResult is required"},
		{"VSA with another verificationResult", glassbox.PredicateVSA, edit(t, validVSA, "OK", "verificationResult"), `not "OK"`},
		{"VSA without verifiedLevels", glassbox.PredicateVSA, edit(t, validVSA, nil, "verifiedLevels"), "verifiedLevels is required"},
		{"VSA input attestation without digest", glassbox.PredicateVSA, edit(t, validVSA, []any{map[string]any{"uri": "https://example.org/a"}}, "inputAttestations"), "inputAttestations[0] has no digest"},
		{"VSA with a misspelt field", glassbox.PredicateVSA, edit(t, validVSA, []any{"SLSA_BUILD_LEVEL_3"}, "verifiedLevel"), `unknown field "verifiedLevel"`},
		{"VSA with verificationResult a number", glassbox.PredicateVSA, edit(t, validVSA, 1, "verificationResult"), "not a SLSA Verification Summary"},
		// What the specification allows and the library's message lacks.
		{"VSA with verifier.version (SLSA 1.1)", glassbox.PredicateVSA, edit(t, validVSA, map[string]any{"glassbox": "0.1.0"}, "verifier", "version"), ""},
		{"VSA with an extension field", glassbox.PredicateVSA, edit(t, validVSA, map[string]any{"diffs": 0}, "https://glassbox.dev/vsa/rebuild"), ""},
		{"VSA with a named policy", glassbox.PredicateVSA, edit(t, validVSA, "binary equivalence", "policy", "name"), ""},

		{"valid provenance", glassbox.PredicateProvenance, json.RawMessage(validProvenance), ""},
		{"provenance without buildDefinition", glassbox.PredicateProvenance, edit(t, validProvenance, nil, "buildDefinition"), provenance.ErrBuildDefinitionRequired.Error()},
		{"provenance without buildType", glassbox.PredicateProvenance, edit(t, validProvenance, nil, "buildDefinition", "buildType"), provenance.ErrBuildTypeRequired.Error()},
		{"provenance without builder.id", glassbox.PredicateProvenance, edit(t, validProvenance, map[string]any{"version": map[string]any{"glassbox": "1"}}, "runDetails", "builder"), provenance.ErrBuilderIdRequired.Error()},
		{"provenance without runDetails", glassbox.PredicateProvenance, edit(t, validProvenance, nil, "runDetails"), provenance.ErrRunDetailsRequired.Error()},
		{"provenance with a misspelt field", glassbox.PredicateProvenance, edit(t, validProvenance, "x", "buildDefinition", "buildtype"), `unknown field "buildtype"`},

		// Any other predicate type is not checked against the SLSA schemas.
		{"a VSA-like object under another type", "https://example.org/vsa-like", edit(t, validVSA, nil, "verifier"), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewStatement(s, c.predicateType, c.predicate)
			if c.says == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if glassbox.ErrorCode(err) != glassbox.EINVALID || !strings.Contains(err.Error(), c.says) {
				t.Errorf("got %v; want EINVALID saying %q", err, c.says)
			}
		})
	}
}

func TestNewStatementKeepsExtensionFieldsInThePayload(t *testing.T) {
	pred := edit(t, validVSA, map[string]any{"glassbox": "0.1.0"}, "verifier", "version")
	payload, err := NewStatement([]Subject{{Digest: digest(1)}}, glassbox.PredicateVSA, pred)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(payload, []byte(`"verifier":{"id":"https://glassbox.dev/centre/rebuild","version":{"glassbox":"0.1.0"}}`)) {
		t.Errorf("verifier.version was dropped from the statement: %s", payload)
	}
}
