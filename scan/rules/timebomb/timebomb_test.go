package timebomb

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
		{"Go: now after a literal date, guarding real work, is high", "x.go",
			"package x\n\nimport \"time\"\n\nfunc f() {\n\tif time.Now().After(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {\n\t\twipe()\n\t}\n}\n",
			"GB0401", glassbox.SeverityHigh, 6, "time.Now().After(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))"},
		{"Go: a deprecation notice that only logs is medium", "x.go",
			"package x\n\nimport (\n\t\"log\"\n\t\"time\"\n)\n\nfunc f() {\n\tif time.Now().Unix() > 1767225600 {\n\t\tlog.Println(\"v1 API is deprecated\")\n\t}\n}\n",
			"GB0401", glassbox.SeverityMedium, 9, "time.Now().Unix() > 1767225600"},
		{"C: time(NULL) against a timestamp", "a.c",
			"void f(void) {\n  if (time(NULL) >= 1767225600) { corrupt(); }\n}\n",
			"GB0401", glassbox.SeverityHigh, 2, "time(NULL) >= 1767225600"},
		{"JS: a log-only branch is medium", "a.js",
			"if (Date.now() > 1767225600000) {\n  console.warn('please upgrade');\n}\n",
			"GB0401", glassbox.SeverityMedium, 1, "Date.now() > 1767225600000"},
		{"Python: a log-only block is medium", "a.py",
			"def f():\n    if datetime.now() >= datetime(2026, 1, 1):\n        logging.warning('old')\n    return 1\n",
			"GB0401", glassbox.SeverityMedium, 2, "datetime.now() >= datetime(2026, 1, 1)"},
		{"in test code it is low and says so", "tests/clock_test.py",
			"import time\nassert time.time() > 1600000000\n",
			"GB0401", glassbox.SeverityLow, 2, "time.time() > 1600000000"},
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

// TestQuiet lists one-liners that must not be reported.
func TestQuiet(t *testing.T) {
	for _, tt := range []struct{ path, src string }{
		{"a.c", "int f(int x) { if (x == 0) return 1; return 0; }\n"},
		{"a.go", "package a\n\nimport \"time\"\n\nfunc f(c *C) bool { return time.Now().After(c.NotAfter) }\n"},
		{"a.go", "package a\n\nimport \"time\"\n\nfunc f() string { return time.Now().Format(\"2006-01-02\") }\n"},
		{"a.js", "const ms = Date.now() - t0;\n"},
		{"a.py", "if time.time() - start > 10:\n    pass\n"},
	} {
		if fs := New().Analyze(file(tt.path, tt.src)); len(fs) != 0 {
			t.Errorf("%s %q: unexpected %v", tt.path, tt.src, fs)
		}
	}
}

// TestRules checks the rule table is complete and in the family's range.
func TestRules(t *testing.T) {
	for _, r := range New().Rules() {
		if !strings.HasPrefix(r.ID, "GB04") || r.Name == "" || r.Family != Family || r.Summary == "" || r.Explanation == "" || r.Severity.Rank() < 0 {
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
	recoverPanics = false
	f.Fuzz(func(t *testing.T, name string, content []byte) {
		for _, lang := range []string{"go", "c", "java", "python", "javascript", "php", ""} {
			fs := New().Analyze(&scan.File{Path: name, Content: content, Lang: lang})
			for _, x := range fs {
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
