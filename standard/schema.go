package standard

import "glassbox.dev/internal/schemas"

// ValidateCatalog checks b against NIST's OSCAL 1.0.6 catalog schema, so
// that a user's catalog is checked against the official model before
// glassbox stores it, with no network.
func ValidateCatalog(b []byte) error { return schemas.Validate(schemas.OSCALCatalog, b) }

// ValidateAssessmentResults checks b against the OSCAL 1.0.6
// assessment-results schema.
func ValidateAssessmentResults(b []byte) error {
	return schemas.Validate(schemas.OSCALAssessmentResults, b)
}
