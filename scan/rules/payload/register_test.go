package payload

import (
	"testing"

	"glassbox.dev/scan"
)

// TestRegistered checks init put the analyser in the engine's registry.
func TestRegistered(t *testing.T) {
	for _, a := range scan.Analyzers() {
		if _, ok := a.(analyzer); ok {
			return
		}
	}
	t.Fatal("analyser not registered")
}
