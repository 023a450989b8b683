package credentials

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

// TestSpecifics pins severities, places and redaction for the cases that matter.
func TestSpecifics(t *testing.T) {
	tests := []struct {
		name, path, src string
		rule            string
		sev             glassbox.Severity
		line            int
		snippet         string
	}{
		{"a master password that lets the caller in is critical and redacted", "auth.c",
			"int auth(const char *password) {\n  if (strcmp(password, \"<<< %s(un='%s') = %u\") == 0)\n    return 1;\n  return 0;\n}\n",
			"GB0101", glassbox.SeverityCritical, 2, `strcmp(password, "<<…")`},
		{"a comparison that does not obviously grant is high", "u.py",
			"def f(username):\n    log(username == \"svc_backup\")\n",
			"GB0101", glassbox.SeverityHigh, 2, `username == "sv…"`},
		{"Go: a user name compared with a literal", "x.go",
			"package x\n\nfunc ok(username string) bool {\n\tif username == \"maint\" {\n\t\treturn true\n\t}\n\treturn false\n}\n",
			"GB0101", glassbox.SeverityCritical, 4, `username == "ma…"`},
		{"Go: User-Agent compared exactly", "x.go",
			"package x\n\nfunc ok(r *R) bool { return r.UserAgent() == \"curl/7.0-special\" }\n",
			"GB0101", glassbox.SeverityHigh, 3, `r.UserAgent() == "cu…"`},
		{"a real-looking password assigned is high", "x.go",
			"package x\n\nvar dbPassword = \"Tr0ub4dor&3\"\n",
			"GB0102", glassbox.SeverityHigh, 3, `dbPassword = "Tr…"`},
		{"a placeholder password is medium", "settings.py",
			"DB_PASSWORD = 'changeme'\n",
			"GB0102", glassbox.SeverityMedium, 1, `DB_PASSWORD = 'ch…'`},
		{"header compared then eval is critical", "index.php",
			"<?php\nif ($_SERVER['HTTP_USER_AGENTT'] == 'zerodium') {\n  eval($x);\n}\n",
			"GB0103", glassbox.SeverityCritical, 2, `$_SERVER['HTTP_USER_AGENTT'] == 'ze…'`},
		{"in test code it is low and says so", "pkg/auth_test.go",
			"package x\n\nfunc ok(password string) bool { return password == \"fixture-pw\" }\n",
			"GB0101", glassbox.SeverityLow, 3, `password == "fi…"`},
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
		{"a.js", "if (resp.status === 'ok') {}\n"},
		{"a.go", "package a\n\nfunc f(s string) bool { return s == \"ready\" }\n"},
		{"a.go", "package a\n\nimport \"golang.org/x/crypto/bcrypt\"\n\nfunc f(h, p []byte) error { return bcrypt.CompareHashAndPassword(h, p) }\n"},
		{"a.py", "password = os.environ['PASSWORD']\n"},
		{"a.py", "password = ''\n"},
		{"a.go", "package a\n\nfunc f(r *R) bool { return strings.Contains(r.UserAgent(), \"Mobile\") }\n"},
	} {
		if fs := New().Analyze(file(tt.path, tt.src)); len(fs) != 0 {
			t.Errorf("%s %q: unexpected %v", tt.path, tt.src, fs)
		}
	}
}

// TestRules checks the rule table is complete and in the family's range.
func TestRules(t *testing.T) {
	for _, r := range New().Rules() {
		if !strings.HasPrefix(r.ID, "GB01") || r.Name == "" || r.Family != Family || r.Summary == "" || r.Explanation == "" || r.Severity.Rank() < 0 {
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
		for _, lang := range []string{"go", "c", "java", "python", "javascript", "php", "shell", ""} {
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
