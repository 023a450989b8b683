package privilege

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
		{"wait4: uid assigned 0 in a condition is critical, at the assignment", "exit.c",
			"long f(int options) {\n\tif ((options == (__WCLONE|__WALL)) && (current->uid = 0))\n\t\treturn -1;\n}\n",
			"GB0901", glassbox.SeverityCritical, 2, "current->uid = 0"},
		{"a privilege variable assigned another variable is high", "a.js",
			"if (ok && (user.isAdmin = wanted)) { go(); }\n",
			"GB0901", glassbox.SeverityHigh, 1, "user.isAdmin = wanted"},
		{"PHP: is_admin assigned true", "a.php",
			"<?php\nif ($u->is_admin = true) { grant(); }\n",
			"GB0901", glassbox.SeverityCritical, 2, "$u->is_admin = true"},
		{"setuid(0) in a helper is medium", "a.c",
			"void helper(void)\n{\n    setuid(0);\n}\n",
			"GB0902", glassbox.SeverityMedium, 3, "setuid(0)"},
		{"Go: os.Setuid(0) in a handler", "h.go",
			"package h\n\nimport \"os\"\n\nfunc serve() {\n\tos.Setuid(0)\n}\n",
			"GB0902", glassbox.SeverityMedium, 6, "os.Setuid(0)"},
		{"in test code it is low and says so", "tests/uid_test.c",
			"void t(void) { if (cred->uid = 0) abort(); }\n",
			"GB0901", glassbox.SeverityLow, 1, "cred->uid = 0"},
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
		{"a.c", "int f(void) { if ((uid = getuid()) == 0) return 1; return 0; }\n"},
		{"a.c", "int f(void) { if (current->uid == 0 || cred->euid != 0) return 1; return 0; }\n"},
		{"a.c", "int f(int n) { if (n = 0) return 1; return 0; }\n"},
		{"a.c", "/* if (current->uid = 0) */ int x;\n"},
		{"a.c", "int f(void) { if (strcmp(s, \"uid = 0\") == 0) return 1; return 0; }\n"},
		{"a.go", "package a\n\nfunc init() { syscall.Setuid(0) }\n"},
	} {
		if fs := New().Analyze(file(tt.path, tt.src)); len(fs) != 0 {
			t.Errorf("%s %q: unexpected %v", tt.path, tt.src, fs)
		}
	}
}

// TestRules checks the rule table is complete and in the family's range.
func TestRules(t *testing.T) {
	for _, r := range New().Rules() {
		if !strings.HasPrefix(r.ID, "GB09") || r.Name == "" || r.Family != Family || r.Summary == "" || r.Explanation == "" || r.Severity.Rank() < 0 {
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
