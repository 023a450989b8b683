package standard_test

import (
	"testing"

	"glassbox.dev/internal/schemas"
)

// validateWith checks b against one of the official schemas the repository
// keeps (internal/schemas).
func validateWith(t testing.TB, schema string, b []byte) {
	t.Helper()
	if err := schemas.Validate(schema, b); err != nil {
		t.Errorf("%v", err)
	}
}
