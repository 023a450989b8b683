// Package timebomb finds behaviour gated on a date or time literal: code
// that compares the current time with a fixed instant, a Unix timestamp
// or a year, so that it behaves one way when reviewed and tested and
// another after the date — the shape of a logic bomb.
//
// Go files are read through their syntax tree; C, C++, Java, JavaScript,
// PHP and Python through regular expressions over the source with comments
// blanked out, guarded by a cheap keyword pre-filter.
package timebomb

import (
	"bytes"
	"glassbox.dev/scan/rules/internal/rulekit"
	"regexp"
	"strings"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// Family is the name of the rule family this package implements.
const Family = "timebomb"

func init() { scan.Register(New()) }

// RuleDateGate is GB0401: behaviour gated on the current time reaching a
// literal date.
var RuleDateGate = scan.Rule{
	ID:       "GB0401",
	Name:     "date-gated-behaviour",
	Family:   Family,
	Severity: glassbox.SeverityHigh,
	Summary:  "The current time is compared with a literal date, Unix timestamp or year, and code runs only before or after it.",
	Explanation: "Code that changes behaviour at a fixed date passes every review and test run before that " +
		"date and then does something else in production: the defining trait of a logic bomb. Legitimate " +
		"deadlines (deprecations, certificate expiry) usually come from data, not a literal, or only log.",
}

// keywords pre-filter files: a file containing none of them cannot read
// the current time.
var keywords = [][]byte{
	[]byte("time"), []byte("Time"), []byte("Date"), []byte("date"), []byte("now"), []byte("Now"),
	[]byte("year"), []byte("Year"), []byte("Millis"),
}

// analyzer is stateless, so one value is safe for concurrent use.
type analyzer struct{}

// New returns the timebomb analyser.
func New() scan.Analyzer { return analyzer{} }

// Rules lists GB0401.
func (analyzer) Rules() []scan.Rule { return []scan.Rule{RuleDateGate} }

// textLangs are the languages read by the regular-expression path.
var textLangs = map[string]bool{"c": true, "cpp": true, "java": true, "javascript": true, "php": true, "python": true}

// recoverPanics is turned off by the fuzz test, so that a panic is a
// failure there rather than a silently empty result.
var recoverPanics = true

// Analyze returns the timebomb findings in f. It never panics: a panic
// from a malformed input is a bug, but losing one file's findings is
// better than losing the scan, so it is recovered as a last resort.
func (analyzer) Analyze(f *scan.File) (out []glassbox.Finding) {
	if f == nil || len(f.Content) == 0 || (f.Lang != "go" && !textLangs[f.Lang]) || !mayMatch(f.Content) {
		return nil
	}
	if recoverPanics {
		defer func() {
			if recover() != nil {
				out = nil
			}
		}()
	}
	c := &collector{rulekit.Collector{F: f}}
	if f.Lang == "go" {
		c.goRules()
	} else {
		c.text(blankComments(f.Content, f.Lang))
	}
	return c.Out
}

func mayMatch(b []byte) bool {
	for _, k := range keywords {
		if bytes.Contains(b, k) {
			return true
		}
	}
	return false
}

// logRe is a statement that only reports: print, log and warning calls,
// which is what a deprecation notice gated on a date does.
var logRe = regexp.MustCompile(`^(?:print|println|printf|fprintf|eprintf|puts|perror|echo|error_log|trigger_error|syslog|warn|alert|console\.\w+|System\.(?:out|err)\.\w+|(?:\w+\.)*(?:log|logger|logging|Log|LOG|slog|klog|glog|warnings|fmt)\.\w+|LOG\w*|g_warning|g_message|Debug\w*|Warn\w*|Info\w*)\s*\(`)

// logOnly reports whether body (the text of a block, braces included, or
// of one statement) consists only of print/log calls.
func logOnly(body string) bool {
	n := 0
	for _, st := range strings.FieldsFunc(body, func(r rune) bool { return r == ';' || r == '\n' }) {
		st = strings.TrimSpace(strings.Trim(strings.TrimSpace(st), "{}:"))
		if st == "" || strings.HasPrefix(st, "\"") || strings.HasPrefix(st, "'") || strings.HasPrefix(st, ")") || strings.HasPrefix(st, "+") {
			continue
		}
		if !logRe.MatchString(st) {
			return false
		}
		n++
	}
	return n > 0
}

// grade is the severity of a gate given the code it guards.
func grade(body string) glassbox.Severity {
	if logOnly(body) {
		return glassbox.SeverityMedium
	}
	return glassbox.SeverityHigh
}
