// Package all links every rule family into a program: import it for its
// side effect and scan.Analyzers returns them all.
//
// A family registers itself from its own init with scan.Register. The
// families here are also registered explicitly, from their New, because
// the first ones were written before the registry existed; registering an
// analyser twice is harmless (scan.Register ignores the second). A new
// family under scan/rules must be added to this list.
package all

import (
	"glassbox.dev/scan"
	"glassbox.dev/scan/rules/listener"
	"glassbox.dev/scan/rules/payload"
)

func init() {
	scan.Register(listener.New())
	scan.Register(payload.New())
}
