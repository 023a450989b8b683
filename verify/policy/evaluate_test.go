package policy

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"glassbox.dev"
)

// now is the verification time of every test: decisions depend on the
// caller's clock only.
var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

const craURI = "https://glassbox.dev/policy/cra-annex-i@1.0.0"

var firmware = Subject{Name: "firmware.bin", Digest: "sha256:" + strings.Repeat("ab", 32)}

// vsa is a SLSA Verification Summary about firmware.
func vsa(index uint64, result, policyURI string, verified time.Time) Attestation {
	pred, err := json.Marshal(map[string]any{
		"verifier":           map[string]any{"id": "https://glassbox.dev/centre/eu-1"},
		"timeVerified":       verified.Format(time.RFC3339),
		"resourceUri":        "file://firmware.bin",
		"policy":             map[string]any{"uri": policyURI},
		"verificationResult": result,
		"verifiedLevels":     []string{"SLSA_BUILD_LEVEL_3"},
	})
	if err != nil {
		panic(err)
	}
	return Attestation{
		PredicateType: glassbox.PredicateVSA,
		Predicate:     pred,
		Subjects:      []Subject{firmware},
		KeyID:         strings.Repeat("0f", 32),
		LogIndex:      index,
		LoggedAt:      verified.Add(time.Minute),
	}
}

// provenance is a SLSA Provenance about firmware.
func provenance(index uint64) Attestation {
	return Attestation{
		PredicateType: glassbox.PredicateProvenance,
		Predicate:     json.RawMessage(`{"buildDefinition":{"buildType":"https://glassbox.dev/rebuild/v1"},"runDetails":{"builder":{"id":"https://glassbox.dev/centre/eu-1"}}}`),
		Subjects:      []Subject{firmware},
		KeyID:         strings.Repeat("0f", 32),
		LogIndex:      index,
	}
}

func withPredicate(a Attestation, pred string) Attestation {
	a.Predicate = json.RawMessage(pred)
	return a
}

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

func mustParse(t *testing.T, yaml string) *Policy {
	t.Helper()
	p, err := Parse("policy.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func evaluate(t *testing.T, p *Policy, atts ...Attestation) *Decision {
	t.Helper()
	d, err := p.Evaluate(Input{Now: now, Artifact: firmware, Attestations: atts})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The example policy in testdata: deploy only a binary a centre evaluated
// against CRA Annex I and passed, within 90 days.
func TestRequirePassedVSA(t *testing.T) {
	p, err := Load("testdata/require-passed-vsa.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const (
		resultFalse = `att.predicate.verificationResult == "PASSED" is false`
		uriFalse    = `att.predicate.policy.uri.startsWith("https://glassbox.dev/policy/cra-annex-i@") is false`
		ageFalse    = `now - timestamp(att.predicate.timeVerified) < duration("2160h") is false`
	)
	tests := []struct {
		name       string
		atts       []Attestation
		allow      bool
		matched    []uint64
		wantReason string
	}{
		{
			name:       "a fresh PASSED VSA allows",
			atts:       []Attestation{vsa(4, "PASSED", craURI, now.Add(-days(10)))},
			allow:      true,
			matched:    []uint64{4},
			wantReason: "matched #4 (1 of 1 applied)",
		},
		{
			name:       "a FAILED VSA denies",
			atts:       []Attestation{vsa(4, "FAILED", craURI, now.Add(-days(10)))},
			wantReason: "no attestation matched (1 of 1 applied: #4: " + resultFalse + ")",
		},
		{
			name:       "a VSA older than 90 days denies",
			atts:       []Attestation{vsa(4, "PASSED", craURI, now.Add(-days(100)))},
			wantReason: "no attestation matched (1 of 1 applied: #4: " + ageFalse + ")",
		},
		{
			name:       "a VSA for another standard denies",
			atts:       []Attestation{vsa(4, "PASSED", "https://etsi.org/en-303-645", now.Add(-days(10)))},
			wantReason: "no attestation matched (1 of 1 applied: #4: " + uriFalse + ")",
		},
		{
			name:       "provenance alone denies",
			atts:       []Attestation{provenance(3)},
			wantReason: "no attestation matched (none of 1 applied)",
		},
		{
			name:       "nothing at all denies",
			wantReason: "no attestation matched (no attestations given)",
		},
		{
			name: "one good VSA among bad ones allows",
			atts: []Attestation{
				provenance(3),
				vsa(4, "FAILED", craURI, now.Add(-days(10))),
				vsa(5, "PASSED", craURI, now.Add(-days(5))),
				vsa(6, "PASSED", craURI, now.Add(-days(200))),
			},
			allow:      true,
			matched:    []uint64{5},
			wantReason: "matched #5 (3 of 4 applied)",
		},
		{
			name: "every reason is given, in log order",
			atts: []Attestation{
				provenance(3),
				vsa(4, "FAILED", craURI, now.Add(-days(10))),
				vsa(6, "PASSED", craURI, now.Add(-days(200))),
			},
			wantReason: "no attestation matched (2 of 3 applied: #4: " + resultFalse + "; #6: " + ageFalse + ")",
		},
		{
			name:       "a predicate without the policy field denies, saying which field",
			atts:       []Attestation{withPredicate(vsa(4, "PASSED", craURI, now), `{"verificationResult":"PASSED","timeVerified":"2026-11-20T00:00:00Z"}`)},
			wantReason: "no attestation matched (1 of 1 applied: #4: att.predicate.policy: no such key: policy)",
		},
		{
			name:       "a malformed time denies, saying which call",
			atts:       []Attestation{withPredicate(vsa(4, "PASSED", craURI, now), `{"verificationResult":"PASSED","policy":{"uri":"`+craURI+`"},"timeVerified":"last week"}`)},
			wantReason: `no attestation matched (1 of 1 applied: #4: timestamp(att.predicate.timeVerified): invalid RFC 3339 timestamp "last week")`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := evaluate(t, p, tt.atts...)
			if d.Allow != tt.allow {
				t.Errorf("Allow = %v, want %v; %+v", d.Allow, tt.allow, d.Rules)
			}
			r := d.Rules[0]
			if r.Name != "passed-cra-evaluation" || r.Passed != tt.allow {
				t.Errorf("rule result %+v", r)
			}
			if r.Reason != tt.wantReason {
				t.Errorf("reason\n got: %s\nwant: %s", r.Reason, tt.wantReason)
			}
			if !reflect.DeepEqual(r.Matched, tt.matched) {
				t.Errorf("Matched = %v, want %v", r.Matched, tt.matched)
			}
		})
	}
}

const vsaOnly = `'att.predicateType == "https://slsa.dev/verification_summary/v1"'`

// require says how many of the attestations a rule considers must match.
func TestRequire(t *testing.T) {
	passed := vsa(4, "PASSED", craURI, now.Add(-days(1)))
	passed2 := vsa(5, "PASSED", craURI, now.Add(-days(2)))
	failed := vsa(6, "FAILED", craURI, now.Add(-days(3)))
	tests := []struct {
		name    string
		rule    string // YAML of the rule's fields after name
		atts    []Attestation
		passed  bool
		reason  string
		matched []uint64
	}{
		{"any is the default", `match: 'att.predicate.verificationResult == "PASSED"'`,
			[]Attestation{failed, passed}, true, "matched #4 (2 considered)", []uint64{4}},
		{"any fails when none matches", `match: 'att.predicate.verificationResult == "PASSED"'`,
			[]Attestation{failed}, false, "no attestation matched (1 considered: #6: did not match)", nil},

		{"all passes when every considered one matches", "require: all\napplies: " + vsaOnly + "\nmatch: 'att.predicate.verificationResult == \"PASSED\"'",
			[]Attestation{provenance(3), passed, passed2}, true, "all matched (2 of 3 applied)", []uint64{4, 5}},
		{"all fails on one that does not", "require: all\napplies: " + vsaOnly + "\nmatch: 'att.predicate.verificationResult == \"PASSED\"'",
			[]Attestation{provenance(3), passed, failed}, false, "1 did not match (2 of 3 applied: #6: did not match)", []uint64{4}},
		// A gate must not pass because there was nothing to check.
		{"all fails when nothing applies", "require: all\napplies: " + vsaOnly + "\nmatch: 'att.predicate.verificationResult == \"PASSED\"'",
			[]Attestation{provenance(3)}, false, "no attestation to check (none of 1 applied); require: all needs at least one", nil},
		{"all fails when nothing is given", "require: all\nmatch: 'true'",
			nil, false, "no attestation to check (no attestations given); require: all needs at least one", nil},

		{"none passes when nothing matches", "require: none\napplies: " + vsaOnly + "\nmatch: 'att.predicate.verificationResult == \"FAILED\"'",
			[]Attestation{provenance(3), passed, passed2}, true, "none matched (2 of 3 applied)", nil},
		{"none fails on one that matches", "require: none\napplies: " + vsaOnly + "\nmatch: 'att.predicate.verificationResult == \"FAILED\"'",
			[]Attestation{passed, failed}, false, "#6 matched, which require: none forbids (2 of 2 applied)", []uint64{6}},
		{"none passes when nothing is given", "require: none\nmatch: 'true'",
			nil, true, "none matched (no attestations given)", nil},
		// An attestation that cannot be judged might match.
		{"none fails on one that cannot be evaluated", "require: none\nmatch: 'att.predicate.verificationResult == \"FAILED\"'",
			[]Attestation{passed, provenance(3)}, false,
			"1 could not be evaluated, so they may match, which require: none forbids (2 considered: #3: att.predicate.verificationResult: no such key: verificationResult)", nil},

		{"expr sees every attestation at once", "require: expr\nmatch: >\n  attestations.exists(a, a.predicateType == \"https://slsa.dev/provenance/v1\") &&\n  attestations.exists(a, a.predicateType == \"https://slsa.dev/verification_summary/v1\" && a.predicate.verificationResult == \"PASSED\")",
			[]Attestation{provenance(3), passed}, true, "match is true", nil},
		{"expr says which clause is false", "require: expr\nmatch: >\n  attestations.exists(a, a.predicateType == \"https://slsa.dev/provenance/v1\") &&\n  attestations.exists(a, a.predicateType == \"https://slsa.dev/verification_summary/v1\" && a.predicate.verificationResult == \"PASSED\")",
			[]Attestation{passed}, false, `match is false: attestations.exists(a, a.predicateType == "https://slsa.dev/provenance/v1") is false`, nil},
		{"expr: two centres agree", "require: expr\nmatch: >\n  attestations.filter(a, a.predicateType == \"https://slsa.dev/verification_summary/v1\" && a.predicate.verificationResult == \"PASSED\").map(a, a.keyId).size() >= 2",
			[]Attestation{passed, failed}, false, "match is false", nil},
		{"expr reports evaluation errors", "require: expr\nmatch: 'attestations.all(a, a.predicate.verificationResult == \"PASSED\")'",
			[]Attestation{passed, provenance(3)}, false, "match could not be evaluated: a.predicate.verificationResult: no such key: verificationResult", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, "rules:\n  - name: r\n"+indent(tt.rule, "    "))
			d := evaluate(t, p, tt.atts...)
			r := d.Rules[0]
			if r.Passed != tt.passed || d.Allow != tt.passed {
				t.Errorf("Passed = %v, Allow = %v, want %v", r.Passed, d.Allow, tt.passed)
			}
			if r.Reason != tt.reason {
				t.Errorf("reason\n got: %s\nwant: %s", r.Reason, tt.reason)
			}
			if !reflect.DeepEqual(r.Matched, tt.matched) {
				t.Errorf("Matched = %v, want %v", r.Matched, tt.matched)
			}
		})
	}
}

func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = prefix + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}

// A deny gives every reason, not the first: an operator fixes them all in
// one round.
func TestEveryFailingRuleIsReported(t *testing.T) {
	p := mustParse(t, `
name: deploy-core-network
rules:
  - name: passed-cra-evaluation
    applies: `+vsaOnly+`
    match: 'att.predicate.verificationResult == "PASSED" && att.predicate.policy.uri == "`+craURI+`"'
  - name: rebuilt-by-the-centre
    applies: 'att.predicateType == "https://slsa.dev/provenance/v1"'
    match: 'att.predicate.runDetails.builder.id.startsWith("https://glassbox.dev/")'
  - name: no-failed-evaluation
    require: none
    applies: `+vsaOnly+`
    match: 'att.predicate.verificationResult == "FAILED"'
  - name: about-this-artifact
    require: all
    match: 'att.subjects.exists(s, s.digest == artifact.digest)'
`)
	d := evaluate(t, p, vsa(4, "FAILED", craURI, now.Add(-days(1))), vsa(5, "FAILED", craURI, now.Add(-days(2))))
	if d.Allow {
		t.Fatal("allowed")
	}
	want := []string{
		`rule "passed-cra-evaluation": no attestation matched (2 of 2 applied: #4, #5: att.predicate.verificationResult == "PASSED" is false)`,
		`rule "rebuilt-by-the-centre": no attestation matched (none of 2 applied)`,
		`rule "no-failed-evaluation": #4, #5 matched, which require: none forbids (2 of 2 applied)`,
	}
	if got := d.Reasons(); !reflect.DeepEqual(got, want) {
		t.Errorf("Reasons():\n got: %q\nwant: %q", got, want)
	}
	if len(d.Rules) != 4 || !d.Rules[3].Passed {
		t.Errorf("every rule has a result, passed or not: %+v", d.Rules)
	}
}

// The CEL environment gives attestations the types the documentation says.
func TestEnvironment(t *testing.T) {
	a := vsa(7, "PASSED", craURI, now.Add(-time.Hour))
	a.Predicate = json.RawMessage(`{"findings":{"critical":0,"high":2},"levels":["L1","L2"],"ok":true,"none":null}`)
	noTime := a
	noTime.LoggedAt = time.Time{}
	noPredicate := a
	noPredicate.Predicate = nil
	tests := []struct {
		match string
		att   Attestation
		want  bool
	}{
		{`att.predicateType == "https://slsa.dev/verification_summary/v1"`, a, true},
		{`att.keyId == "` + strings.Repeat("0f", 32) + `"`, a, true},
		{`att.logIndex == 7 && type(att.logIndex) == int`, a, true},
		{`att.loggedAt == timestamp("2026-11-27T11:01:00Z")`, a, true},
		{`has(att.loggedAt)`, noTime, false},
		{`has(att.predicate)`, noPredicate, false},
		{`att.subjects.size() == 1 && att.subjects[0].name == "firmware.bin"`, a, true},
		{`att.subjects[0].digest == artifact.digest && artifact.name == "firmware.bin"`, a, true},
		// JSON numbers are double, and compare with int literals.
		{`type(att.predicate.findings.critical) == double`, a, true},
		{`att.predicate.findings.critical == 0 && att.predicate.findings.high < 3`, a, true},
		{`att.predicate.ok && att.predicate.none == null && "L2" in att.predicate.levels`, a, true},
		{`now == timestamp("2026-11-27T12:00:00Z") && now.getHours() == 12`, a, true},
		{`size(attestations) == 1 && attestations[0].logIndex == att.logIndex`, a, true},
		// ext strings
		{`att.predicateType.split("/")[2] == "slsa.dev" && "ab".upperAscii() == "AB"`, a, true},
		{`att.predicate.ok`, withPredicate(a, `{"ok":false}`), false},
	}
	for _, tt := range tests {
		t.Run(tt.match, func(t *testing.T) {
			p := mustParse(t, fmt.Sprintf("rules:\n  - name: r\n    match: %q\n", tt.match))
			d := evaluate(t, p, tt.att)
			if d.Allow != tt.want {
				t.Errorf("Allow = %v, want %v: %s", d.Allow, tt.want, d.Rules[0].Reason)
			}
		})
	}
}

// An expression whose result is not a bool at run time (a dyn predicate
// field) is an evaluation error, not a silent false.
func TestNonBoolResult(t *testing.T) {
	p := mustParse(t, "rules:\n  - name: r\n    match: att.predicate.verificationResult\n")
	d := evaluate(t, p, vsa(4, "PASSED", craURI, now))
	want := "no attestation matched (1 considered: #4: evaluated to string, not true or false)"
	if d.Allow || d.Rules[0].Reason != want {
		t.Errorf("got %v %q, want deny %q", d.Allow, d.Rules[0].Reason, want)
	}
}

// Errors in applies are reported too, and never let an attestation slip
// past a require: all.
func TestAppliesError(t *testing.T) {
	p := mustParse(t, `
rules:
  - name: r
    require: all
    applies: 'att.predicate.verificationResult != "SKIPPED"'
    match: 'att.predicate.verificationResult == "PASSED"'
`)
	d := evaluate(t, p, vsa(4, "PASSED", craURI, now), provenance(5))
	want := "1 did not match (2 of 2 applied: #5: applies: att.predicate.verificationResult: no such key: verificationResult)"
	if d.Allow || d.Rules[0].Reason != want {
		t.Errorf("got %v %q, want deny %q", d.Allow, d.Rules[0].Reason, want)
	}
}

// A hostile or careless policy cannot hang the verifier: every evaluation
// has a cost limit and the whole policy a budget, and hitting either is a
// deny with the reason.
func TestCostLimit(t *testing.T) {
	var atts []Attestation
	for i := range 200 {
		atts = append(atts, vsa(uint64(i), "PASSED", craURI, now))
	}
	tests := []struct {
		name string
		rule string
		want string
	}{
		{"nested comprehensions in one expression", `require: expr
    match: 'attestations.all(a, attestations.all(b, attestations.all(c, a.logIndex + b.logIndex + c.logIndex >= 0)))'`,
			"match could not be evaluated: stopped: over the cost limit of 1000000 for one evaluation"},
		{"an expensive expression per attestation", `match: 'attestations.all(a, attestations.all(b, attestations.all(c, a.logIndex + b.logIndex >= att.logIndex - 400)))'`,
			"no attestation matched (200 considered: #0, #1, #2, #3, #4, and 5 more: stopped: over the cost limit of 1000000 for one evaluation; #10, #11, #12, #13, #14, and 185 more: not evaluated: the policy used up its total cost budget of 10000000)"},
		{"string growth", `require: expr
    match: 'attestations.map(a, attestations.map(b, a.keyId + b.keyId).join("")).join("").size() > 0'`,
			"stopped: over the cost limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, "rules:\n  - name: r\n    "+tt.rule+"\n")
			// The reason says the cost limit stopped it: bounded work, not a
			// timer, is what is asserted.
			d := evaluate(t, p, atts...)
			if d.Allow {
				t.Fatal("allowed")
			}
			if !strings.Contains(d.Rules[0].Reason, tt.want) {
				t.Errorf("reason %q\nwant it to contain %q", d.Rules[0].Reason, tt.want)
			}
		})
	}

	// Once the budget is spent, later rules are not evaluated, and say so.
	p := mustParse(t, `
rules:
  - name: expensive
    match: 'attestations.all(a, attestations.all(b, attestations.all(c, a.logIndex + b.logIndex >= att.logIndex - 400)))'
  - name: cheap
    match: 'true'
`)
	d := evaluate(t, p, atts...)
	want := fmt.Sprintf("#0, #1, #2, #3, #4, and 195 more: not evaluated: the policy used up its total cost budget of %d", MaxTotalCost)
	if d.Allow || d.Rules[1].Passed || !strings.Contains(d.Rules[1].Reason, want) {
		t.Errorf("cheap rule after the budget: %+v, want a deny containing %q", d.Rules[1], want)
	}
}

func TestEvaluateRefusesBadInput(t *testing.T) {
	p := mustParse(t, "rules:\n  - {name: r, match: 'true'}\n")
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"no time", Input{Attestations: []Attestation{provenance(1)}}, "no verification time given"},
		{"a predicate that is not JSON", Input{Now: now, Attestations: []Attestation{withPredicate(provenance(1), "{")}}, "attestation #1: predicate is not JSON"},
		{"a log index beyond int64", Input{Now: now, Attestations: []Attestation{{LogIndex: 1 << 63}}}, "does not fit CEL's int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.Evaluate(tt.in)
			if glassbox.ErrorCode(err) != glassbox.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want EINVALID containing %q", err, tt.want)
			}
		})
	}
}

func TestEvaluateRefusesUncompiledPolicy(t *testing.T) {
	p := &Policy{Name: "literal", Rules: []Rule{{Name: "r", Require: RequireAny, Match: "true"}}}
	_, err := p.Evaluate(Input{Now: now})
	if glassbox.ErrorCode(err) != glassbox.EINTERNAL || !strings.Contains(err.Error(), "Load or Parse") {
		t.Errorf("err = %v, want EINTERNAL saying to use Load or Parse", err)
	}
}

// The decision is what `glassbox verify --json` prints.
func TestDecisionJSON(t *testing.T) {
	p, err := Load("testdata/require-passed-vsa.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := evaluate(t, p, vsa(4, "PASSED", craURI, now.Add(-days(1))))
	got, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"allow":true,"rules":[{"name":"passed-cra-evaluation","passed":true,"reason":"matched #4 (1 of 1 applied)","matched":[4]}]}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// A compiled policy is shared by concurrent verifications.
func TestConcurrentEvaluate(t *testing.T) {
	p, err := Load("testdata/require-passed-vsa.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			result := "PASSED"
			if i%2 == 1 {
				result = "FAILED"
			}
			d, err := p.Evaluate(Input{Now: now, Attestations: []Attestation{vsa(uint64(i), result, craURI, now)}})
			if err != nil || d.Allow != (i%2 == 0) {
				t.Errorf("%d: %v %+v", i, err, d)
			}
		})
	}
	wg.Wait()
}
