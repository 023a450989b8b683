// Package policy is the deployment policy an operator writes: a YAML file of
// named rules whose conditions are CEL expressions (https://cel.dev), judged
// over attestations whose signatures and log proofs the caller has already
// verified.
//
// A policy only decides allow or deny over verified facts. It is loaded and
// compiled once ([Load], [Parse]); a malformed policy is an EINVALID error
// naming the rule and the expression at fault, so that `glassbox verify`
// can exit 2 before looking at any evidence. [Policy.Evaluate] then returns
// a [Decision] that allows only if every rule passed, with a human reason
// for each rule.
//
// # The policy file
//
//	name: deploy-core-network          # optional, for messages
//	rules:
//	  - name: passed-cra-evaluation
//	    description: evaluated against CRA Annex I and passed, within 90 days
//	    require: any                    # any (default), all, none or expr
//	    applies: 'att.predicateType == "https://slsa.dev/verification_summary/v1"'
//	    match: >
//	      att.predicate.verificationResult == "PASSED" &&
//	      att.predicate.policy.uri.startsWith("https://glassbox.dev/policy/cra-annex-i@") &&
//	      now - timestamp(att.predicate.timeVerified) < duration("2160h")
//
//	max_age: 720h                      # optional: refuse a verdict made longer ago
//	witnesses:                         # optional: the log's checkpoint must be cosigned
//	  threshold: 2                     #   by at least 2 of
//	  keys:                            #   these witnesses (C2SP verifier keys)
//	    - witness.example/w1+2e87bc36+BNok…
//	    - witness.example/w2+…
//	    - witness.example/w3+…
//
// Unknown fields, unnamed or duplicate rules and unknown require values are
// refused. A policy needs rules, a max_age or both. A policy without rules
// keeps the default demand of `glassbox verify`: the centre's current
// verdict about the artefact (its newest SLSA VSA) is PASSED.
//
// # witnesses
//
// The checkpoint a verification rests on (the receipt's, or the log's when
// verifying from it) must carry valid cosignatures (C2SP tlog-cosignature)
// of at least threshold of the listed witnesses: independent parties that
// checked the log only grew before they cosigned. A receipt with fewer is
// denied, whatever the verdict says.
//
// # max_age
//
// A Go duration ("720h", "90m"): the newest verdict about the artefact must
// have been made (its timeVerified) no longer ago than this. A receipt is a
// verdict at one moment; max_age is how an offline verifier bounds how long
// it trusts a verdict that a later evaluation may have superseded.
//
// # Rules
//
// `applies` (optional) selects the attestations a rule considers; `match`
// is the condition. `require` says how many of the considered attestations
// must match:
//
//   - any: at least one.
//   - all: every one, and at least one must be considered: a gate that
//     passes because nothing was there to check would let a release with no
//     evaluation at all through.
//   - none: not one.
//   - expr: `match` is evaluated once over the whole set (`attestations`),
//     for rules that relate attestations to each other; `applies` and `att`
//     are not available.
//
// An evaluation error (say, `no such key: policy` because a predicate lacks
// a field) never helps a rule pass: for any and all the attestation does
// not match, for none it might have matched and so fails the rule. The
// error is quoted in the rule's reason so that a deny is never a mystery.
//
// # The CEL environment
//
//	now           timestamp      the verification time, supplied by the caller
//	artifact      map            {name, digest} of the artefact being deployed
//	att           map            the attestation under consideration (not in expr rules):
//	  .predicateType  string
//	  .predicate      the predicate JSON (objects as maps, numbers as double)
//	  .subjects       list of {name, digest}
//	  .keyId          string     hex SHA-256 of the signer's public key
//	  .logIndex       int        index in the transparency log
//	  .loggedAt       timestamp  absent when unknown: test with has(att.loggedAt)
//	attestations  list           every attestation, each shaped like att
//
// The environment is CEL's standard library with the ext strings library,
// timestamps in UTC and numbers comparable across int and double (JSON
// numbers arrive as double, literals in policies are usually int).
//
// Evaluation is bounded: every expression has a CEL cost limit and the whole
// policy a total budget, so a hostile or careless policy (nested
// comprehensions over a large list) is stopped and reported rather than
// hanging the verifier. Expressions are limited in length and nesting.
package policy

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	f_note "github.com/transparency-dev/formats/note"
	sumnote "golang.org/x/mod/sumdb/note"
	"gopkg.in/yaml.v3"

	"glassbox.dev"
	"glassbox.dev/attest"
)

// Limits on the policy file. They are far above what an operator writes by
// hand and low enough that loading a hostile file is cheap.
const (
	// MaxPolicySize is the largest policy file Load and Parse accept.
	MaxPolicySize = 1 << 20
	// MaxRules is the most rules a policy may have.
	MaxRules = 256
)

// Require says how many of the attestations a rule considers must match.
type Require string

// The values of a rule's `require` field.
const (
	RequireAny  Require = "any"  // at least one considered attestation matches (the default)
	RequireAll  Require = "all"  // at least one is considered and every one matches
	RequireNone Require = "none" // no considered attestation matches
	RequireExpr Require = "expr" // match is evaluated once, over `attestations`
)

// Policy is a compiled deployment policy. It is safe for concurrent use.
type Policy struct {
	// Name is the policy's `name`, or the name it was parsed under if it
	// has none.
	Name string
	// Rules are the rules in the order they were written, compiled.
	Rules []Rule
	// MaxAge is the oldest a verdict may be; zero: no limit.
	MaxAge time.Duration
	// Witnesses, when set, must have cosigned the checkpoint a
	// verification rests on: at least Threshold of Keys.
	Witnesses *Witnesses
	// Centres, when set, asks for the verdicts of several centres: the
	// artefact is allowed only when at least Threshold of them allow it.
	Centres *Centres
}

// Centres is a policy's demand on several centres, each with its own log
// and keys: at least Threshold of them must allow the artefact, each
// judged by the rest of the policy (rules, max_age, witnesses) against
// its own verdicts.
type Centres struct {
	Threshold int
	Of        []Centre
}

// Centre is one centre a policy names.
type Centre struct {
	Name        string
	Key         ed25519.PublicKey // the centre's attestation public key
	LogVerifier sumnote.Verifier  // its log's key; its name is the log's origin
	Log         string            // optional: where its log is served, to fetch verdicts from
}

// MaxCentres bounds the centres a policy names.
const MaxCentres = 32

// Witnesses is a policy's demand on the log's witnesses: the checkpoint
// carries valid cosignatures (C2SP tlog-cosignature) of at least Threshold
// of the witnesses whose verifier keys are listed.
type Witnesses struct {
	Threshold int
	Keys      []sumnote.Verifier
}

// relative resolves a file a policy names, relative to the policy's file.
func relative(policyPath, file string) string {
	if filepath.IsAbs(file) {
		return file
	}
	return filepath.Join(filepath.Dir(policyPath), file)
}

// Cosigned returns the names of the witnesses whose valid cosignature the
// signed checkpoint raw carries, and whether they are enough.
func (w *Witnesses) Cosigned(raw []byte) ([]string, bool) {
	var by []string
	for _, v := range w.Keys {
		if _, err := sumnote.Open(raw, sumnote.VerifierList(v)); err == nil {
			by = append(by, v.Name())
		}
	}
	return by, len(by) >= w.Threshold
}

// MaxWitnessKeys bounds the witnesses a policy names.
const MaxWitnessKeys = 64

// Rule is one compiled rule of a policy.
type Rule struct {
	Name        string
	Description string
	Require     Require
	Applies     string // CEL source; "" when the rule considers every attestation
	Match       string // CEL source

	applies *expr // nil when Applies is ""
	match   *expr
}

// file and fileRule are the YAML form. yaml.v3 names these types in its
// errors, so their names read as part of a message (see yamlError).
type file struct {
	Name      string         `yaml:"name"`
	Rules     []fileRule     `yaml:"rules"`
	MaxAge    string         `yaml:"max_age"`
	Witnesses *fileWitnesses `yaml:"witnesses"`
	Centres   *fileCentres   `yaml:"centres"`
}

type fileCentres struct {
	Threshold int          `yaml:"threshold"`
	Of        []fileCentre `yaml:"of"`
}

type fileCentre struct {
	Name   string `yaml:"name"`
	Key    string `yaml:"key"`     // a PEM public key file, relative to the policy
	LogKey string `yaml:"log_key"` // a verifier key file, relative to the policy, or the key itself
	Log    string `yaml:"log"`
}

type fileWitnesses struct {
	Threshold int      `yaml:"threshold"`
	Keys      []string `yaml:"keys"`
}

type fileRule struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Require     string `yaml:"require"`
	Applies     string `yaml:"applies"`
	Match       string `yaml:"match"`
}

// Load reads, parses and compiles the policy file at path. Errors name the
// file by path.
func Load(path string) (*Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, glassbox.Errorf(glassbox.ENOTFOUND, "policy %s: %w", path, err)
		}
		return nil, glassbox.Errorf(glassbox.EINVALID, "policy %s: %w", path, err)
	}
	defer f.Close()
	// Read one byte more than allowed so that an oversized file is told
	// apart from one exactly at the limit without trusting Stat.
	data, err := io.ReadAll(io.LimitReader(f, MaxPolicySize+1))
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "policy %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse parses and compiles a policy. name identifies it in error messages
// (usually the file's path) and becomes Policy.Name when the policy has no
// `name` of its own. Every error is EINVALID.
func Parse(name string, data []byte) (*Policy, error) {
	fail := func(format string, args ...any) error {
		return glassbox.Errorf(glassbox.EINVALID, "policy %s: "+format, append([]any{name}, args...)...)
	}
	if len(data) > MaxPolicySize {
		return nil, fail("larger than %d bytes", MaxPolicySize)
	}
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	// A misspelt field ("aplies:") would otherwise be dropped silently and
	// the rule would consider every attestation: refuse it instead.
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fail("empty; a policy needs at least one rule")
		}
		return nil, fail("%s", yamlError(err))
	}
	// A second document would be ignored by Decode; an operator who wrote
	// one meant something by it.
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fail("more than one YAML document; put every rule in one document")
	}
	var maxAge time.Duration
	if f.MaxAge != "" {
		d, err := time.ParseDuration(f.MaxAge)
		if err != nil || d <= 0 {
			return nil, fail("max_age: %q is not a positive duration; write it as Go does, e.g. \"720h\" for 30 days", f.MaxAge)
		}
		maxAge = d
	}
	var witnesses *Witnesses
	if w := f.Witnesses; w != nil {
		if len(w.Keys) == 0 || len(w.Keys) > MaxWitnessKeys {
			return nil, fail("witnesses: list 1 to %d keys, each a witness's verifier key (name+hash+key)", MaxWitnessKeys)
		}
		if w.Threshold < 1 || w.Threshold > len(w.Keys) {
			return nil, fail("witnesses: threshold %d; want 1 to %d, the number of keys listed", w.Threshold, len(w.Keys))
		}
		witnesses = &Witnesses{Threshold: w.Threshold}
		seen := map[string]bool{}
		for i, k := range w.Keys {
			v, err := f_note.NewVerifierForCosignatureV1(strings.TrimSpace(k))
			if err != nil {
				return nil, fail("witnesses: key %d (%q) is not a witness's verifier key: %v", i+1, k, err)
			}
			id := fmt.Sprintf("%s+%08x", v.Name(), v.KeyHash())
			if seen[id] {
				return nil, fail("witnesses: key %d (%s) is listed twice; each witness counts once", i+1, id)
			}
			seen[id] = true
			witnesses.Keys = append(witnesses.Keys, v)
		}
	}
	var centres *Centres
	if c := f.Centres; c != nil {
		if len(c.Of) == 0 || len(c.Of) > MaxCentres {
			return nil, fail("centres: name 1 to %d centres under of:", MaxCentres)
		}
		if c.Threshold < 1 || c.Threshold > len(c.Of) {
			return nil, fail("centres: threshold %d; want 1 to %d, the number of centres named", c.Threshold, len(c.Of))
		}
		centres = &Centres{Threshold: c.Threshold}
		seen := map[string]bool{}
		for i, fc := range c.Of {
			if strings.TrimSpace(fc.Name) == "" || seen[fc.Name] {
				return nil, fail("centres: centre %d needs a name of its own", i+1)
			}
			seen[fc.Name] = true
			if fc.Key == "" || fc.LogKey == "" {
				return nil, fail("centres: %s: name its attestation public key file (key:) and its log's key (log_key:)", fc.Name)
			}
			key, err := attest.LoadPublicKey(relative(name, fc.Key))
			if err != nil {
				return nil, fail("centres: %s: key: %v", fc.Name, err)
			}
			logKey := fc.LogKey
			if _, err := sumnote.NewVerifier(strings.TrimSpace(logKey)); err != nil {
				logKey = relative(name, logKey) // a file, not the key itself
			}
			lv, err := attest.LoadLogVerifier(logKey)
			if err != nil {
				return nil, fail("centres: %s: log_key: %v", fc.Name, err)
			}
			for _, other := range centres.Of {
				if other.LogVerifier.Name() == lv.Name() {
					return nil, fail("centres: %s and %s name the same log %q; each centre has its own", other.Name, fc.Name, lv.Name())
				}
			}
			centres.Of = append(centres.Of, Centre{Name: fc.Name, Key: key, LogVerifier: lv, Log: fc.Log})
		}
	}
	if len(f.Rules) == 0 && maxAge == 0 && witnesses == nil && centres == nil {
		return nil, fail("no rules; a policy needs at least one rule, a max_age, witnesses or centres")
	}
	if len(f.Rules) > MaxRules {
		return nil, fail("%d rules; at most %d are allowed", len(f.Rules), MaxRules)
	}

	p := &Policy{Name: f.Name, Rules: make([]Rule, 0, len(f.Rules)), MaxAge: maxAge, Witnesses: witnesses, Centres: centres}
	if strings.TrimSpace(p.Name) == "" {
		p.Name = name
	}
	seen := map[string]bool{}
	for i, fr := range f.Rules {
		if strings.TrimSpace(fr.Name) == "" {
			return nil, fail("rule %d has no name; every rule needs one for its reasons to be read", i+1)
		}
		if seen[fr.Name] {
			return nil, fail("rule %q is defined twice; rule names must be unique", fr.Name)
		}
		seen[fr.Name] = true
		r, err := compileRule(fr)
		if err != nil {
			return nil, fail("rule %q: %s", fr.Name, err)
		}
		p.Rules = append(p.Rules, r)
	}
	return p, nil
}

func compileRule(fr fileRule) (Rule, error) {
	r := Rule{
		Name:        fr.Name,
		Description: fr.Description,
		Require:     Require(fr.Require),
		Applies:     strings.TrimSpace(fr.Applies),
		Match:       strings.TrimSpace(fr.Match),
	}
	env := attEnv
	switch r.Require {
	case "":
		r.Require = RequireAny
	case RequireAny, RequireAll, RequireNone:
	case RequireExpr:
		if r.Applies != "" {
			return Rule{}, fmt.Errorf("applies: not allowed with require: expr, whose match sees every attestation at once; filter inside match instead")
		}
		env = setEnv
	default:
		return Rule{}, fmt.Errorf("require: %q is not one of any, all, none, expr", fr.Require)
	}
	if r.Match == "" {
		return Rule{}, fmt.Errorf("match: missing; a rule needs a condition")
	}
	var err error
	if r.Applies != "" {
		if r.applies, err = compile(env, "applies", r.Applies, false); err != nil {
			return Rule{}, fmt.Errorf("applies: %w", err)
		}
	}
	if r.match, err = compile(env, "match", r.Match, true); err != nil {
		return Rule{}, fmt.Errorf("match: %w", err)
	}
	return r, nil
}

// yamlErrorNames turns the Go type names yaml.v3 puts in its messages into
// the words an operator knows.
var yamlErrorNames = strings.NewReplacer(
	"in type policy.fileRule", "in a rule (want name, description, require, applies, match)",
	"in type policy.file", "at the top level (want name, rules, max_age, witnesses)",
	"in type policy.fileWitnesses", "in witnesses (want threshold, keys)",
	"in type policy.fileCentres", "in centres (want threshold, of)",
	"in type policy.fileCentre", "in a centre (want name, key, log_key, log)",
	"into policy.fileRule", "into a rule",
	"into policy.file", "into a policy",
	"into []policy.fileRule", "into the list of rules",
)

func yamlError(err error) string {
	return yamlErrorNames.Replace(err.Error())
}
