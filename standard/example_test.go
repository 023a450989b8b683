package standard_test

import (
	"fmt"
	"time"

	"glassbox.dev"
	"glassbox.dev/standard"
)

// How glassbox evaluate uses the package: open the library of the data
// directory (built-in and added catalogs), assess the release from the
// checks' results and the judgements the store holds, then write the OSCAL
// assessment results and the report, and name the policy in the VSA.
func Example() {
	lib, err := standard.OpenLibrary("/nonexistent/data") // no added catalogs: the built-in ones
	if err != nil {
		panic(err)
	}
	rel := &glassbox.Release{
		ID:       glassbox.DigestOf([]byte("example release")),
		Manifest: glassbox.Manifest{Product: "acme/router", Version: "1.4.2"},
	}
	checks := []glassbox.CheckResult{
		{Check: glassbox.CheckNoKnownExploitable, Status: glassbox.CheckPass, Summary: "no reachable vulnerability"},
		{Check: glassbox.CheckSBOMAvailable, Status: glassbox.CheckPass, Summary: "CycloneDX SBOM derived"},
		{Check: glassbox.CheckReproducible, Status: glassbox.CheckFail, Summary: "bin/router differs in .text"},
	}
	a, err := lib.Assess(rel, []string{"cra-annex-i"}, checks, nil)
	if err != nil {
		panic(err)
	}
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	if _, err := standard.AssessmentResults(a, at); err != nil {
		panic(err)
	}
	if _, err := standard.Report(standard.ReportData{Assessment: a, At: at}); err != nil {
		panic(err)
	}
	s := a.Standards[0]
	fmt.Println(a.Verdict, a.Policy.URI)
	fmt.Println(s.Satisfied, "satisfied,", s.NotSatisfied, "not satisfied,", s.NotAssessed, "not assessed")
	for _, c := range s.Controls {
		if c.Status != glassbox.ControlNotAssessed {
			fmt.Printf("%s %s: %s\n", c.Control.Label, c.Status, c.Reason)
		}
	}
	// Output:
	// FAILED https://glassbox.dev/policy/cra-annex-i@1.0.0
	// 1 satisfied, 1 not satisfied, 20 not assessed
	// I.2.a satisfied: passed vulns.no-known-exploitable, sbom.available, which suffice for this control
	// I.2.f not-satisfied: failed rebuild.reproducible: bin/router differs in .text
}
