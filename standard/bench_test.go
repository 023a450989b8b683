package standard_test

import (
	"os"
	"testing"

	"glassbox.dev"
	"glassbox.dev/standard"
)

// The standards step of an evaluation: assess a release against three
// standards, write the OSCAL assessment results and the HTML report.
func BenchmarkAssessWriteAll(b *testing.B) {
	checks := with(allPass(), glassbox.CheckNoBackdoorIndicators, glassbox.CheckFail, "1 unsuppressed high finding")
	js := judgeAll(b, three, true)
	b.ReportAllocs()
	for b.Loop() {
		a, err := standard.Assess(release, three, checks, js)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := standard.AssessmentResults(a, assessAt); err != nil {
			b.Fatal(err)
		}
		if _, err := standard.Report(standard.ReportData{Assessment: a, At: assessAt}); err != nil {
			b.Fatal(err)
		}
	}
}

// Loading a user's catalog: schema validation and indexing of the OSPS
// Baseline's 358 KB catalog, the largest glassbox ships.
func BenchmarkParseCatalog(b *testing.B) {
	cb, err := os.ReadFile("catalogs/osps-baseline.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(cb)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := standard.ParseCatalog("osps-baseline.json", "osps-copy", cb); err != nil {
			b.Fatal(err)
		}
	}
}

// Validating the assessment results written for three standards against
// NIST's assessment-results schema, as the tests do.
func BenchmarkValidateAssessmentResults(b *testing.B) {
	a, err := standard.Assess(release, three, allPass(), nil)
	if err != nil {
		b.Fatal(err)
	}
	ar, err := standard.AssessmentResults(a, assessAt)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(ar)))
	for b.Loop() {
		if err := standard.ValidateAssessmentResults(ar); err != nil {
			b.Fatal(err)
		}
	}
}
