package credentials

import (
	"strings"

	"glassbox.dev/scan/rules/internal/rulekit"
)

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

// words splits identifiers and header names into lower-case words:
// camelCase, snake_case, kebab-case and dotted paths all split, so
// "HTTP_USER_AGENT", "userAgent" and "User-Agent" give the same words and
// "author" is not mistaken for "auth".
func words(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		isUpper := r >= 'A' && r <= 'Z'
		isLower := r >= 'a' && r <= 'z'
		isDigit := r >= '0' && r <= '9'
		if !isUpper && !isLower && !isDigit {
			flush()
			continue
		}
		if isUpper && len(cur) > 0 {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && rs[i+1] >= 'a' && rs[i+1] <= 'z'
			if (prev >= 'a' && prev <= 'z') || (prev >= 'A' && prev <= 'Z' && nextLower) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return out
}
