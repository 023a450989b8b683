package verify

import (
	"context"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/verify/policy"
)

// TestDefaultDemandsPassedVerdict: with no policy, a receipt allows only
// when it holds a centre-signed VSA about the artefact whose result is
// PASSED; the verdict is reported either way.
func TestDefaultDemandsPassedVerdict(t *testing.T) {
	c := newCentre(t)
	ctx := context.Background()
	cases := []struct {
		name          string
		predicateType string
		predicate     string
		allowed       bool
		result        string
		reason        string
	}{
		{"passed verdict", glassbox.PredicateVSA, passedVSA, true, "PASSED", ""},
		{"failed verdict", glassbox.PredicateVSA, failedVSA, false, "FAILED", "is FAILED"},
		{"evidence, no verdict", "https://glassbox.dev/predicates/evidence/v1", `{"kind":"sbom"}`, false, "", "no verdict"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			art := glassbox.DigestOf([]byte{byte(i), 'a'})
			res, err := Receipt(ctx, art, c.attest(t, art, tc.predicateType, tc.predicate), c.options())
			if err != nil {
				t.Fatal(err)
			}
			if res.Allowed != tc.allowed {
				t.Fatalf("allowed = %v, want %v: %v", res.Allowed, tc.allowed, res.Reasons)
			}
			if tc.result == "" {
				if res.Verdict != nil {
					t.Errorf("a verdict was read from a statement that is not a VSA: %+v", res.Verdict)
				}
			} else if res.Verdict == nil || res.Verdict.Result != tc.result || res.Verdict.TimeVerified.IsZero() || len(res.Verdict.Standards) == 0 {
				t.Errorf("verdict = %+v, want %s with its standards and time", res.Verdict, tc.result)
			}
			if tc.reason != "" && !strings.Contains(strings.Join(res.Reasons, "\n"), tc.reason) {
				t.Errorf("reasons %q do not say %q", res.Reasons, tc.reason)
			}
		})
	}
}

// TestPolicyMaxAge: a policy's max_age denies a verdict made longer ago,
// and a policy of only max_age keeps the default demand of PASSED.
func TestPolicyMaxAge(t *testing.T) {
	c := newCentre(t)
	ctx := context.Background()
	art := glassbox.DigestOf([]byte("fw"))
	receipt := c.attest(t, art, glassbox.PredicateVSA, passedVSA) // made 2026-11-20T10:00
	failedArt := glassbox.DigestOf([]byte("fw-failed"))
	failedReceipt := c.attest(t, failedArt, glassbox.PredicateVSA, failedVSA)
	for _, tc := range []struct {
		maxAge  string
		art     glassbox.Digest
		receipt []byte
		allowed bool
		reason  string
	}{
		{"720h", art, receipt, true, ""},
		{"24h", art, receipt, false, "longer than max_age 24h0m0s"},
		{"720h", failedArt, failedReceipt, false, "is FAILED"},
	} {
		p, err := policy.Parse("fresh", []byte("max_age: "+tc.maxAge+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		o := c.options()
		o.Policy = p
		res, err := Receipt(ctx, tc.art, tc.receipt, o)
		if err != nil {
			t.Fatal(err)
		}
		if res.Allowed != tc.allowed || (tc.reason != "" && !strings.Contains(strings.Join(res.Reasons, "\n"), tc.reason)) {
			t.Errorf("max_age %s: allowed %v (want %v), reasons %q (want %q)", tc.maxAge, res.Allowed, tc.allowed, res.Reasons, tc.reason)
		}
	}
	if _, err := policy.Parse("bad", []byte("max_age: soon\n")); err == nil || !strings.Contains(err.Error(), "max_age") {
		t.Errorf("max_age: soon was accepted or misreported: %v", err)
	}
}
