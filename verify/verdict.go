package verify

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
)

// VerdictPassed is the verificationResult of a verdict that allows.
const VerdictPassed = "PASSED"

// Verdict is the centre's verdict about the artefact: what its SLSA
// Verification Summary Attestation says, and where the log holds it.
type Verdict struct {
	LogIndex       uint64          `json:"log_index"`
	EnvelopeDigest glassbox.Digest `json:"envelope_digest"`
	Result         string          `json:"result"`    // verificationResult: PASSED or FAILED
	Standards      []string        `json:"standards"` // verifiedLevels: each standard passed, with its version
	Policy         string          `json:"policy"`    // policy.uri: what the centre evaluated against
	TimeVerified   time.Time       `json:"time_verified"`
	Verifier       string          `json:"verifier"`
	// Revoked, when set, is why a revocation statement of the centre
	// withdrew the verdict.
	Revoked string `json:"revoked,omitempty"`
}

// vsaFields are the fields of an SLSA VSA v1 predicate a verdict is read from.
type vsaFields struct {
	Verifier struct {
		ID string `json:"id"`
	} `json:"verifier"`
	TimeVerified string `json:"timeVerified"`
	Policy       struct {
		URI string `json:"uri"`
	} `json:"policy"`
	VerificationResult string   `json:"verificationResult"`
	VerifiedLevels     []string `json:"verifiedLevels"`
}

// readVerdict reads the verdict of a verified VSA.
func readVerdict(a *Attestation) (*Verdict, error) {
	var p vsaFields
	if err := json.Unmarshal(a.Predicate, &p); err != nil {
		return nil, fmt.Errorf("the verification summary at log entry %d is not an SLSA VSA predicate: %v", a.LogIndex, err)
	}
	t, err := time.Parse(time.RFC3339, p.TimeVerified)
	if err != nil {
		return nil, fmt.Errorf("the verification summary at log entry %d has no valid timeVerified (%q): when the verdict was made is unknown", a.LogIndex, p.TimeVerified)
	}
	if p.VerificationResult != VerdictPassed && p.VerificationResult != "FAILED" {
		return nil, fmt.Errorf("the verification summary at log entry %d has verificationResult %q, neither PASSED nor FAILED", a.LogIndex, p.VerificationResult)
	}
	return &Verdict{
		LogIndex: a.LogIndex, EnvelopeDigest: a.EnvelopeDigest,
		Result: p.VerificationResult, Standards: slices.Clone(p.VerifiedLevels),
		Policy: p.Policy.URI, TimeVerified: t.UTC(), Verifier: p.Verifier.ID,
	}, nil
}

// verdicts finds the centre's verdicts among the verified attestations and
// makes the newest (by log index: the log orders what the centre said) the
// current one; the others are superseded.
func (o *Options) verdicts(res *Result) {
	var all []Verdict
	for i := range res.Attestations {
		a := &res.Attestations[i]
		if a.PredicateType != glassbox.PredicateVSA {
			continue
		}
		v, err := readVerdict(a)
		if err != nil {
			res.deny("%v", err)
			continue
		}
		all = append(all, *v)
	}
	if len(all) == 0 {
		return
	}
	slices.SortFunc(all, func(a, b Verdict) int { return int(int64(b.LogIndex) - int64(a.LogIndex)) })
	o.revocations(res, all)
	cur := all[0]
	res.Verdict = &cur
	res.Superseded = all[1:]
}

// revocations marks the verdicts the centre revoked: those a revocation
// statement names, and every verdict about a withdrawn release's artefacts.
func (o *Options) revocations(res *Result, verdicts []Verdict) {
	for _, a := range res.Attestations {
		if a.PredicateType != attest.PredicateRevocation {
			continue
		}
		r, revoked, err := attest.ParseRevocation(a.Predicate)
		if err != nil {
			res.deny("the revocation at log entry %d cannot be read: %v", a.LogIndex, err)
			continue
		}
		for i := range verdicts {
			v := &verdicts[i]
			if r.Withdrawn || slices.Contains(revoked, v.EnvelopeDigest) {
				v.Revoked = fmt.Sprintf("%s (revocation at log entry %d, %s)", r.Reason, a.LogIndex, r.TimeRevoked)
			}
		}
	}
}

// judgeVerdict applies the demands every verification makes of the
// current verdict (not revoked, young enough) and, unless a policy with
// rules decides instead, the default: a verdict exists and it is PASSED.
func (o *Options) judgeVerdict(res *Result) {
	v := res.Verdict
	defaultRule := o.Policy == nil || len(o.Policy.Rules) == 0
	if v == nil {
		if defaultRule {
			res.deny("no verdict: the centre signed no SLSA verification summary (%s) about the artefact %s; without one nothing says it passed an evaluation", glassbox.PredicateVSA, res.Artifact)
		}
		return
	}
	if v.Revoked != "" {
		res.deny("the centre revoked its verdict at log entry %d: %s", v.LogIndex, v.Revoked)
	}
	if o.Policy != nil && o.Policy.MaxAge > 0 && o.Now.Sub(v.TimeVerified) > o.Policy.MaxAge {
		res.deny("policy %s: the verdict was made at %s, %s ago, longer than max_age %s; ask the centre for a newer evaluation", o.Policy.Name, v.TimeVerified.Format(time.RFC3339), o.Now.Sub(v.TimeVerified).Round(time.Second), o.Policy.MaxAge)
	}
	if defaultRule && v.Result != VerdictPassed {
		standards := "no standard passed"
		if len(v.Standards) > 0 {
			standards = strings.Join(v.Standards, ", ")
		}
		res.deny("the centre's verdict (log entry %d, made %s against %s) is %s (%s); only a PASSED verdict allows", v.LogIndex, v.TimeVerified.Format(time.RFC3339), v.Policy, v.Result, standards)
	}
}
