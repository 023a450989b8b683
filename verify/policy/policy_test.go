package policy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
)

func TestLoadExample(t *testing.T) {
	p, err := Load("testdata/require-passed-vsa.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "deploy-core-network" {
		t.Errorf("Name = %q, want deploy-core-network", p.Name)
	}
	if len(p.Rules) != 1 {
		t.Fatalf("%d rules, want 1", len(p.Rules))
	}
	r := p.Rules[0]
	if r.Name != "passed-cra-evaluation" || r.Require != RequireAny || r.Applies == "" || r.Match == "" {
		t.Errorf("rule = %+v", r)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "policy.yaml"))
	if code := glassbox.ErrorCode(err); code != glassbox.ENOTFOUND {
		t.Errorf("code %q, want %q (err %v)", code, glassbox.ENOTFOUND, err)
	}
}

func TestLoadOversizedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	big := "# " + strings.Repeat("x", MaxPolicySize) + "\nrules: [{name: r, match: 'true'}]\n"
	if err := os.WriteFile(path, []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if code := glassbox.ErrorCode(err); code != glassbox.EINVALID || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("err = %v (code %q), want EINVALID larger than …", err, code)
	}
}

func TestParseDefaults(t *testing.T) {
	p, err := Parse("ops/gate.yaml", []byte("rules:\n  - name: r\n    match: 'true'\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "ops/gate.yaml" {
		t.Errorf("a policy without a name is called after its file; got %q", p.Name)
	}
	if p.Rules[0].Require != RequireAny {
		t.Errorf("require defaults to any; got %q", p.Rules[0].Require)
	}
}

// A malformed policy is refused when it is loaded, before any evidence is
// looked at, with an EINVALID error that says where: the file, the rule and
// the expression.
func TestParseRefuses(t *testing.T) {
	longExpr := "true" + strings.Repeat(" && true", MaxExpressionSize/8)
	var tooMany strings.Builder
	tooMany.WriteString("rules:\n")
	for i := 0; i <= MaxRules; i++ {
		fmt.Fprintf(&tooMany, "  - {name: r%d, match: 'true'}\n", i)
	}
	tests := []struct {
		name string
		yaml string
		want string // the error's message starts with "policy policy.yaml: " and contains this
	}{
		{"bad YAML", "rules: [\n", "yaml: line"},
		{"not a mapping", "just a string\n", "cannot unmarshal"},
		{"unknown top-level field", "rulez: []\n", `line 1: field rulez not found at the top level`},
		{"unknown rule field", "rules:\n  - name: r\n    aplies: 'true'\n    match: 'true'\n", `line 3: field aplies not found in a rule`},
		{"duplicate key", "rules:\n  - name: r\n    match: 'true'\n    match: 'false'\n", `"match" already defined`},
		{"empty file", "", "empty; a policy needs at least one rule"},
		{"only a comment", "# nothing\n", "empty; a policy needs at least one rule"},
		{"no rules field", "name: x\n", "no rules; a policy needs at least one rule"},
		{"empty rules", "rules: []\n", "no rules; a policy needs at least one rule"},
		{"two documents", "rules: [{name: r, match: 'true'}]\n---\nrules: [{name: s, match: 'false'}]\n", "more than one YAML document"},
		{"too many rules", tooMany.String(), fmt.Sprintf("at most %d are allowed", MaxRules)},
		{"unnamed rule", "rules:\n  - {name: a, match: 'true'}\n  - match: 'true'\n", "rule 2 has no name"},
		{"blank name", "rules:\n  - {name: '  ', match: 'true'}\n", "rule 1 has no name"},
		{"duplicate names", "rules:\n  - {name: a, match: 'true'}\n  - {name: a, match: 'false'}\n", `rule "a" is defined twice`},
		{"unknown require", "rules:\n  - {name: a, require: most, match: 'true'}\n", `rule "a": require: "most" is not one of any, all, none, expr`},
		{"missing match", "rules:\n  - {name: a, applies: 'true'}\n", `rule "a": match: missing`},
		{"applies with expr", "rules:\n  - {name: a, require: expr, applies: 'true', match: 'true'}\n", `rule "a": applies: not allowed with require: expr`},
		{"CEL syntax error", "rules:\n  - {name: a, match: 'att.predicate.x =='}\n", `rule "a": match: 1:19: Syntax error`},
		{"CEL syntax error in applies", "rules:\n  - {name: a, applies: '(', match: 'true'}\n", `rule "a": applies: 1:2: Syntax error`},
		{"non-bool match", "rules:\n  - {name: a, match: 'att.predicateType + \"x\"'}\n", `rule "a": match: att.predicateType + "x" has type string; match must be true or false`},
		{"non-bool applies", "rules:\n  - {name: a, applies: '1', match: 'true'}\n", `rule "a": applies: 1 has type int; applies must be true or false`},
		{"unknown variable", "rules:\n  - {name: a, match: 'predicate.verificationResult == \"PASSED\"'}\n", `rule "a": match: 1:1: undeclared reference to 'predicate'`},
		{"att in an expr rule", "rules:\n  - {name: a, require: expr, match: 'att.keyId == \"\"'}\n", `rule "a": match: 1:1: undeclared reference to 'att'`},
		{"unknown function", "rules:\n  - {name: a, match: 'att.keyId.sha256() == \"\"'}\n", `rule "a": match: 1:17: undeclared reference to 'sha256'`},
		{"misspelt att field", "rules:\n  - {name: a, match: 'att.predicatetype == \"x\"'}\n", `rule "a": match: 1:4: att has no field "predicatetype"; it has predicateType, predicate, subjects, keyId, logIndex, loggedAt`},
		{"misspelt field of an element of attestations", "rules:\n  - {name: a, require: expr, match: 'attestations.exists(x, x.keyID == \"\")'}\n", `rule "a": match: 1:25: x has no field "keyID"`},
		{"misspelt artifact field", "rules:\n  - {name: a, match: 'artifact.sha256 == \"\"'}\n", `rule "a": match: 1:9: artifact has no field "sha256"; it has name, digest`},
		{"expression too long", "rules:\n  - name: a\n    match: '" + longExpr + "'\n", `rule "a": match: expression code point size exceeds limit`},
		{"expression too deep", "rules:\n  - name: a\n    match: '" + strings.Repeat("(", 200) + "true" + strings.Repeat(")", 200) + "'\n", `rule "a": match: expression recursion limit exceeded`},
		// Aliases expanding to 9^8 strings are refused, not expanded.
		{"billion laughs", `rules:
  - {name: a, match: 'true', description: &a ["x","x","x","x","x","x","x","x","x"]}
  - {name: b, match: 'true', description: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]}
  - {name: c, match: 'true', description: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]}
  - {name: d, match: 'true', description: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]}
  - {name: e, match: 'true', description: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]}
  - {name: f, match: 'true', description: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]}
  - {name: g, match: 'true', description: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]}
  - {name: h, match: 'true', description: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]}
`, "line 2: cannot unmarshal !!seq into string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("policy.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("accepted: %+v", p)
			}
			var e *glassbox.Error
			if !errors.As(err, &e) || e.Code != glassbox.EINVALID {
				t.Errorf("err = %#v, want a glassbox EINVALID error", err)
			}
			if !strings.HasPrefix(err.Error(), "policy policy.yaml: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q\nwant it to start with %q and contain %q", err, "policy policy.yaml: ", tt.want)
			}
		})
	}
}

// The limits on expressions are generous: a long but honest rule is fine.
func TestParseAcceptsLongHonestRule(t *testing.T) {
	var clauses []string
	for i := 0; i < 50; i++ {
		clauses = append(clauses, fmt.Sprintf(`att.predicate.policy.uri != "https://example.org/standard/%d"`, i))
	}
	yaml := "rules:\n  - name: long\n    match: '" + strings.Join(clauses, " && ") + "'\n"
	if _, err := Parse("policy.yaml", []byte(yaml)); err != nil {
		t.Fatal(err)
	}
}

// Every require value and every variable the documentation names compiles.
func TestParseDocumentedEnvironment(t *testing.T) {
	yaml := `
rules:
  - name: any
    require: any
    applies: 'att.predicateType == "https://slsa.dev/verification_summary/v1"'
    match: >
      att.predicate.verificationResult == "PASSED" &&
      att.subjects.exists(s, s.digest == artifact.digest && s.name == artifact.name) &&
      att.keyId.lowerAscii() == att.keyId &&
      att.logIndex >= 0 &&
      (!has(att.loggedAt) || att.loggedAt <= now)
  - name: all
    require: all
    match: 'att.predicate.findings.critical == 0'
  - name: none
    require: none
    match: 'att.predicate.verificationResult == "FAILED"'
  - name: expr
    require: expr
    match: 'attestations.exists(a, a.predicateType == "https://slsa.dev/provenance/v1") && size(attestations) < 100'
`
	p, err := Parse("policy.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	want := []Require{RequireAny, RequireAll, RequireNone, RequireExpr}
	for i, r := range p.Rules {
		if r.Require != want[i] {
			t.Errorf("rule %q: require %q, want %q", r.Name, r.Require, want[i])
		}
	}
	// And it can be evaluated without an internal error.
	if _, err := p.Evaluate(Input{Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// The examples in README.md are policies this package accepts.
func TestREADMEExamples(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(readme), "```yaml\n")[1:]
	if len(blocks) < 4 {
		t.Fatalf("found %d YAML examples in README.md", len(blocks))
	}
	for i, b := range blocks {
		b, _, _ = strings.Cut(b, "```")
		var policies []string
		switch {
		case strings.Contains(b, "rules:"):
			policies = []string{b}
		case strings.HasPrefix(b, "  - name:"):
			policies = []string{"rules:\n" + b}
		default:
			for _, line := range strings.Split(b, "\n") {
				if strings.HasPrefix(line, "match: ") {
					policies = append(policies, "rules:\n  - name: example\n    "+line+"\n")
				}
			}
		}
		if len(policies) == 0 {
			t.Errorf("example %d: no policy found in\n%s", i+1, b)
		}
		for _, p := range policies {
			if _, err := Parse("README.md", []byte(p)); err != nil {
				t.Errorf("example %d: %v\n%s", i+1, err, p)
			}
		}
	}
}

// TestWitnessesInAPolicy: a policy may demand cosignatures of witnesses;
// a threshold out of range, a key that is not a witness's verifier key, a
// key listed twice or an unknown field is refused, naming what is wrong.
func TestWitnessesInAPolicy(t *testing.T) {
	const w1 = "witness.example/w1+2e87bc36+BNokrEftgLiAfkGjnWApGtOqJPkxJOqYVfwpmIUTObRo"
	const w2 = "witness.example/w2+0a6cd99f+BJ5W0WJvKSHwdHnNH1vz7cVh2jvlB4pbzM2MbqqrKdyQ"
	p, err := Parse("ok", []byte("witnesses:\n  threshold: 2\n  keys: ["+w1+", "+w2+"]\n"))
	if err != nil || p.Witnesses == nil || p.Witnesses.Threshold != 2 || len(p.Witnesses.Keys) != 2 || p.Witnesses.Keys[0].Name() != "witness.example/w1" {
		t.Fatalf("Parse = %+v, %v", p, err)
	}
	for _, c := range []struct{ name, yaml, want string }{
		{"threshold zero", "witnesses:\n  threshold: 0\n  keys: [" + w1 + "]\n", "threshold 0"},
		{"threshold above the keys", "witnesses:\n  threshold: 3\n  keys: [" + w1 + ", " + w2 + "]\n", "threshold 3"},
		{"no keys", "witnesses:\n  threshold: 1\n", "list 1 to"},
		{"a log key, not a witness's", "witnesses:\n  threshold: 1\n  keys: [\"log.example+12345678+AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\"]\n", "not a witness's verifier key"},
		{"a key twice", "witnesses:\n  threshold: 1\n  keys: [" + w1 + ", " + w1 + "]\n", "listed twice"},
		{"a misspelt field", "witnesses:\n  treshold: 1\n  keys: [" + w1 + "]\n", "treshold"},
	} {
		_, err := Parse(c.name, []byte(c.yaml))
		if glassbox.ErrorCode(err) != glassbox.EINVALID || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want EINVALID saying %q", c.name, err, c.want)
		}
	}
}
