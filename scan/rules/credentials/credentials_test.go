package credentials

import (
	"glassbox.dev/scan/rules/internal/ruletest"
	"testing"

	"glassbox.dev"
)

// TestSpecifics pins severities, places and redaction for the cases that matter.
func TestSpecifics(t *testing.T) {
	ruletest.Specifics(t, New(), []ruletest.Specific{
		{Name: "a master password that lets the caller in is critical and redacted", Path: "auth.c", Src: "int auth(const char *password) {\n  if (strcmp(password, \"<<< %s(un='%s') = %u\") == 0)\n    return 1;\n  return 0;\n}\n", Rule: "GB0101", Sev: glassbox.SeverityCritical, Line: 2, Snippet: `strcmp(password, "<<…")`},
		{Name: "a comparison that does not obviously grant is high", Path: "u.py", Src: "def f(username):\n    log(username == \"svc_backup\")\n", Rule: "GB0101", Sev: glassbox.SeverityHigh, Line: 2, Snippet: `username == "sv…"`},
		{Name: "Go: a user name compared with a literal", Path: "x.go", Src: "package x\n\nfunc ok(username string) bool {\n\tif username == \"maint\" {\n\t\treturn true\n\t}\n\treturn false\n}\n", Rule: "GB0101", Sev: glassbox.SeverityCritical, Line: 4, Snippet: `username == "ma…"`},
		{Name: "Go: User-Agent compared exactly", Path: "x.go", Src: "package x\n\nfunc ok(r *R) bool { return r.UserAgent() == \"curl/7.0-special\" }\n", Rule: "GB0101", Sev: glassbox.SeverityHigh, Line: 3, Snippet: `r.UserAgent() == "cu…"`},
		{Name: "a real-looking password assigned is high", Path: "x.go", Src: "package x\n\nvar dbPassword = \"Tr0ub4dor&3\"\n", Rule: "GB0102", Sev: glassbox.SeverityHigh, Line: 3, Snippet: `dbPassword = "Tr…"`},
		{Name: "a placeholder password is medium", Path: "settings.py", Src: "DB_PASSWORD = 'changeme'\n", Rule: "GB0102", Sev: glassbox.SeverityMedium, Line: 1, Snippet: `DB_PASSWORD = 'ch…'`},
		{Name: "header compared then eval is critical", Path: "index.php", Src: "<?php\nif ($_SERVER['HTTP_USER_AGENTT'] == 'zerodium') {\n  eval($x);\n}\n", Rule: "GB0103", Sev: glassbox.SeverityCritical, Line: 2, Snippet: `$_SERVER['HTTP_USER_AGENTT'] == 'ze…'`},
		{Name: "in test code it is low and says so", Path: "pkg/auth_test.go", Src: "package x\n\nfunc ok(password string) bool { return password == \"fixture-pw\" }\n", Rule: "GB0101", Sev: glassbox.SeverityLow, Line: 3, Snippet: `password == "fi…"`},
	})
}

// TestQuiet lists one-liners that must not be reported.
func TestQuiet(t *testing.T) {
	ruletest.Quiet(t, New(), []ruletest.Source{
		{Path: "a.c", Src: "int f(int x) { if (x == 0) return 1; return 0; }\n"},
		{Path: "a.js", Src: "if (resp.status === 'ok') {}\n"},
		{Path: "a.go", Src: "package a\n\nfunc f(s string) bool { return s == \"ready\" }\n"},
		{Path: "a.go", Src: "package a\n\nimport \"golang.org/x/crypto/bcrypt\"\n\nfunc f(h, p []byte) error { return bcrypt.CompareHashAndPassword(h, p) }\n"},
		{Path: "a.py", Src: "password = os.environ['PASSWORD']\n"},
		{Path: "a.py", Src: "password = ''\n"},
		{Path: "a.go", Src: "package a\n\nfunc f(r *R) bool { return strings.Contains(r.UserAgent(), \"Mobile\") }\n"},
	})
}

// TestRules checks the rule table is complete and in the family's range.
func TestRules(t *testing.T) { ruletest.Rules(t, New(), "GB01", Family) }

// FuzzAnalyze checks the analyser never panics, whatever the language.
func FuzzAnalyze(f *testing.F) {
	recoverPanics = false
	ruletest.Fuzz(f, New(), "go", "c", "java", "python", "javascript", "php", "shell", "")
}

// TestCorpus is the specification by example (see ruletest.Corpus).
func TestCorpus(t *testing.T) { ruletest.Corpus(t, New(), ruletest.AsSource) }

// TestConcurrent runs the analyser from many goroutines (run with -race).
func TestConcurrent(t *testing.T) { ruletest.Concurrent(t, New(), ruletest.AsSource) }
