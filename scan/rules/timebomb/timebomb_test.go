package timebomb

import (
	"glassbox.dev/scan/rules/internal/ruletest"
	"testing"

	"glassbox.dev"
)

// TestSpecifics pins severities and places for the cases that matter.
func TestSpecifics(t *testing.T) {
	ruletest.Specifics(t, New(), []ruletest.Specific{
		// composer 2.5.5 src/Composer/PHPStan/ConfigReturnTypeExtension.php
		{Name: "a branch that runs only before the instant and skips nothing is low", Path: "Ext.php", Src: "<?php\nif ($path === 'allow-plugins' && time() < strtotime('2022-07-01')) {\n    $type = TypeCombinator::addNull($type);\n}\n", Rule: "GB0401", Sev: glassbox.SeverityLow, Line: 2, Snippet: "time() < strtotime('2022-07-01')"},
		{Name: "returning until the instant keeps what follows dormant: high", Path: "a.php", Src: "<?php\nif (time() < strtotime('2027-01-01')) {\n    return;\n}\nwipe();\n", Rule: "GB0401", Sev: glassbox.SeverityHigh, Line: 2, Snippet: "time() < strtotime('2027-01-01')"},
		{Name: "Go: now after a literal date, guarding real work, is high", Path: "x.go", Src: "package x\n\nimport \"time\"\n\nfunc f() {\n\tif time.Now().After(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {\n\t\twipe()\n\t}\n}\n", Rule: "GB0401", Sev: glassbox.SeverityHigh, Line: 6, Snippet: "time.Now().After(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))"},
		{Name: "Go: a deprecation notice that only logs is medium", Path: "x.go", Src: "package x\n\nimport (\n\t\"log\"\n\t\"time\"\n)\n\nfunc f() {\n\tif time.Now().Unix() > 1767225600 {\n\t\tlog.Println(\"v1 API is deprecated\")\n\t}\n}\n", Rule: "GB0401", Sev: glassbox.SeverityMedium, Line: 9, Snippet: "time.Now().Unix() > 1767225600"},
		{Name: "C: time(NULL) against a timestamp", Path: "a.c", Src: "void f(void) {\n  if (time(NULL) >= 1767225600) { corrupt(); }\n}\n", Rule: "GB0401", Sev: glassbox.SeverityHigh, Line: 2, Snippet: "time(NULL) >= 1767225600"},
		{Name: "JS: a log-only branch is medium", Path: "a.js", Src: "if (Date.now() > 1767225600000) {\n  console.warn('please upgrade');\n}\n", Rule: "GB0401", Sev: glassbox.SeverityMedium, Line: 1, Snippet: "Date.now() > 1767225600000"},
		{Name: "Python: a log-only block is medium", Path: "a.py", Src: "def f():\n    if datetime.now() >= datetime(2026, 1, 1):\n        logging.warning('old')\n    return 1\n", Rule: "GB0401", Sev: glassbox.SeverityMedium, Line: 2, Snippet: "datetime.now() >= datetime(2026, 1, 1)"},
		{Name: "in test code it is low and says so", Path: "tests/clock_test.py", Src: "import time\nassert time.time() > 1600000000\n", Rule: "GB0401", Sev: glassbox.SeverityLow, Line: 2, Snippet: "time.time() > 1600000000"},
	})
}

// TestQuiet lists one-liners that must not be reported.
func TestQuiet(t *testing.T) {
	ruletest.Quiet(t, New(), []ruletest.Source{
		{Path: "a.c", Src: "int f(int x) { if (x == 0) return 1; return 0; }\n"},
		{Path: "a.go", Src: "package a\n\nimport \"time\"\n\nfunc f(c *C) bool { return time.Now().After(c.NotAfter) }\n"},
		{Path: "a.go", Src: "package a\n\nimport \"time\"\n\nfunc f() string { return time.Now().Format(\"2006-01-02\") }\n"},
		{Path: "a.js", Src: "const ms = Date.now() - t0;\n"},
		{Path: "a.py", Src: "if time.time() - start > 10:\n    pass\n"},
	})
}

// TestRules checks the rule table is complete and in the family's range.
func TestRules(t *testing.T) { ruletest.Rules(t, New(), "GB04", Family) }

// FuzzAnalyze checks the analyser never panics, whatever the language.
func FuzzAnalyze(f *testing.F) {
	recoverPanics = false
	ruletest.Fuzz(f, New(), "go", "c", "java", "python", "javascript", "php", "")
}

// TestCorpus is the specification by example (see ruletest.Corpus).
func TestCorpus(t *testing.T) { ruletest.Corpus(t, New(), ruletest.AsSource) }

// TestConcurrent runs the analyser from many goroutines (run with -race).
func TestConcurrent(t *testing.T) { ruletest.Concurrent(t, New(), ruletest.AsSource) }
