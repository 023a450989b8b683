package privilege

import "glassbox.dev/scan/rules/internal/rulekit"

// collector is the shared finding collector, with this package's rules
// as its methods.
type collector struct{ rulekit.Collector }

// The shared helpers under the names this package's code uses.
var (
	redact        = rulekit.Redact
	clamp         = rulekit.Clamp
	snippet       = rulekit.Snippet
	blankComments = rulekit.BlankComments
	lineEnd       = rulekit.LineEnd
	eachLine      = rulekit.EachLine
	asciiLower    = rulekit.ASCIILower
	containsAny   = rulekit.ContainsAny
)
