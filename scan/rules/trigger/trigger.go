// Package trigger finds hidden triggers, the GB14xx family: input matched
// against a magic value that, when it matches, does something the program
// never otherwise does — a byte-by-byte comparison in C that opens a shell
// (vsftpd 2.3.4), a constant-time comparison with a literal that grants
// access in Go, an npm install hook that downloads code and runs it.
package trigger

import (
	"path"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// The family's rules.
var (
	RuleByteTrigger = scan.Rule{
		ID:       "GB1401",
		Name:     "byte-by-byte-magic-trigger",
		Family:   "trigger",
		Severity: glassbox.SeverityHigh,
		Summary:  "Consecutive bytes of a buffer are compared with constants and, on a match, a function is called that starts a shell, runs a program or opens a listener.",
		Explanation: "Comparing input byte by byte with a constant keeps the magic value out of any string a reviewer or grep would see; " +
			"when the match starts a shell or a listener that the data itself does not feed, the input is a password to a hidden feature: vsftpd 2.3.4's \":)\" in a user name opened a root shell on port 6200.",
	}
	RuleConstantTimeLiteral = scan.Rule{
		ID:       "GB1402",
		Name:     "constant-time-compare-with-literal",
		Family:   "trigger",
		Severity: glassbox.SeverityHigh,
		Summary:  "A constant-time comparison (subtle.ConstantTimeCompare, hmac.Equal) with a string literal or a package-level constant decides an authentication.",
		Explanation: "Constant-time comparison is what careful code uses for secrets, so a backdoor dressed in it looks careful: " +
			"comparing a password or token with a value compiled into the program is a master key that works on every installation.",
	}
	RuleInstallDropper = scan.Rule{
		ID:       "GB1403",
		Name:     "install-hook-downloads-and-runs",
		Family:   "trigger",
		Severity: glassbox.SeverityHigh,
		Summary:  "An npm install hook (preinstall, install, postinstall) runs a script that downloads code and executes it.",
		Explanation: "Install hooks run on every machine that installs the package, before anyone uses it; a hook that fetches code from the network and runs it " +
			"is how event-stream, ua-parser-js and many typosquats delivered their payloads, and what it fetches is never in the reviewed package.",
	}
)

type analyzer struct{}

func init() { scan.Register(analyzer{}) }

func (analyzer) Rules() []scan.Rule {
	return []scan.Rule{RuleByteTrigger, RuleConstantTimeLiteral, RuleInstallDropper}
}

// Analyze runs the rules that need one file: GB1402 on Go.
func (analyzer) Analyze(f *scan.File) []glassbox.Finding {
	if f.Lang == "go" && !f.Test {
		return constantTimeLiteral(f)
	}
	return nil
}

// SetOf groups a directory's C files (a trigger in one file may call a
// function in another) and an npm package's manifest with its scripts.
func (analyzer) SetOf(p, lang string) string {
	switch {
	case scan.IsTestPath(p):
		return ""
	case lang == "c" || lang == "cpp":
		return "c:" + path.Dir(p)
	case path.Base(p) == "package.json":
		// The scripts its hooks run are read through the layout.
		return "npm:" + path.Dir(p)
	}
	return ""
}

// AnalyzeSet runs the rules that need several files.
func (analyzer) AnalyzeSet(s *scan.FileSet) []glassbox.Finding {
	if len(s.Key) > 2 && s.Key[:2] == "c:" {
		return byteTriggers(s.Files)
	}
	return installDroppers(s)
}
