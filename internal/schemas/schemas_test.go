package schemas

import "testing"

func TestSchemasCompileAndRejectNonsense(t *testing.T) {
	for _, name := range []string{SARIF, CycloneDX, OSV, OSCALCatalog, OSCALAssessmentResults} {
		if _, err := Compile(name); err != nil {
			t.Fatal(err)
		}
		if err := Validate(name, []byte(`{"nonsense": true}`)); err == nil {
			t.Errorf("%s accepts a document that is not one", name)
		}
	}
	if err := Validate(SARIF, []byte(`{"version":"2.1.0","runs":[]}`)); err != nil {
		t.Errorf("a minimal SARIF log: %v", err)
	}
}
