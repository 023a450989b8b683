package policy_test

import (
	"encoding/json"
	"fmt"
	"log"
	"time"

	"glassbox.dev/verify/policy"
)

// An operator's gate, judged over the attestations `glassbox verify` has
// already checked against the log: one evaluation failed, one is too old.
func Example() {
	p, err := policy.Load("testdata/require-passed-vsa.yaml")
	if err != nil {
		log.Fatal(err) // exit 2: the policy itself is wrong
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	firmware := policy.Subject{Name: "firmware.bin", Digest: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
	d, err := p.Evaluate(policy.Input{
		Now:      now,
		Artifact: firmware,
		Attestations: []policy.Attestation{{
			PredicateType: "https://slsa.dev/verification_summary/v1",
			Predicate:     json.RawMessage(`{"verificationResult":"FAILED","policy":{"uri":"https://glassbox.dev/policy/cra-annex-i@1.0.0"},"timeVerified":"2026-11-20T09:00:00Z"}`),
			Subjects:      []policy.Subject{firmware},
			LogIndex:      4,
		}, {
			PredicateType: "https://slsa.dev/verification_summary/v1",
			Predicate:     json.RawMessage(`{"verificationResult":"PASSED","policy":{"uri":"https://glassbox.dev/policy/cra-annex-i@1.0.0"},"timeVerified":"2026-05-02T09:00:00Z"}`),
			Subjects:      []policy.Subject{firmware},
			LogIndex:      9,
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("allow:", d.Allow)
	for _, reason := range d.Reasons() {
		fmt.Println(reason)
	}
	// Output:
	// allow: false
	// rule "passed-cra-evaluation": no attestation matched (2 of 2 applied: #4: att.predicate.verificationResult == "PASSED" is false; #9: now - timestamp(att.predicate.timeVerified) < duration("2160h") is false)
}
