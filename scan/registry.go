package scan

import (
	"reflect"
	"slices"
	"sync"
)

// The registry holds the analysers of every rule family linked into the
// program. Families register from init, so that a command gets them all by
// importing glassbox.dev/scan/rules/all and a new family needs no change to
// the engine or the CLI.
var (
	registryMu sync.Mutex
	registry   []Analyzer
)

// Register adds an analyser to the registry. Registering a second analyser
// of the same type with the same rules does nothing, so a family may be
// registered both from its own init and by rules/all without running twice.
func Register(a Analyzer) {
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, b := range registry {
		if reflect.TypeOf(a) == reflect.TypeOf(b) && slices.Equal(ruleIDs(a), ruleIDs(b)) {
			return
		}
	}
	registry = append(registry, a)
}

// Analyzers returns the registered analysers, in the order they registered.
func Analyzers() []Analyzer {
	registryMu.Lock()
	defer registryMu.Unlock()
	return slices.Clone(registry)
}

func ruleIDs(a Analyzer) []string {
	var ids []string
	for _, r := range a.Rules() {
		ids = append(ids, r.ID)
	}
	return ids
}
