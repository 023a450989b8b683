package trojansource

import (
	"glassbox.dev/scan/rules/internal/ruletest"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// file builds a scan.File the way the engine would for a path.
func file(path string, content []byte) *scan.File { return ruletest.File(path, content) }

// TestSpecifics pins down severities and the boundaries of each rule.
func TestSpecifics(t *testing.T) {
	tests := []struct {
		name, path, content string
		rule                string // "" means no finding at all
		sev                 glassbox.Severity
	}{
		{"RLO in C code", "src/auth.c", "int ok = 1; /* \u202e } */\n", "GB0801", glassbox.SeverityHigh},
		{"RLO in a test is a low fixture", "tests/bidi.c", "int ok = 1; /* \u202e } */\n", "GB0801", glassbox.SeverityLow},
		{"RLO in Markdown is prose", "docs/rtl.md", "text \u202e more\n", "", ""},
		{"pure ASCII", "src/a.go", "package a\n", "", ""},
		{"mixed-script identifier colliding with another", "src/a.js", "var password = 0;\nvar p\u0430ssword = 1;\n", "GB0802", glassbox.SeverityHigh},
		{"mixed-script identifier colliding with nothing is low", "src/a.js", "var p\u0430ssword = 1;\n", "GB0802", glassbox.SeverityLow},
		{"Cyrillic word not like any identifier", "src/a.go", "package a\n\nvar s = \"слово\"\n", "", ""},
		{"two-letter Greek beside ASCII", "src/a.py", "ρο = 1\npo = 2\n", "", ""},
		// moment's ar locale writes its placeholders inside isolates.
		{"balanced isolate in Arabic text", "src/ar.js", "var s = 'منذ \u2066%s\u2069';\n", "", ""},
		{"Hebrew word with a mark", "src/he.js", "var s = 'שלום\u200f';\n", "", ""},
		{"balanced override of Latin text", "src/a.js", "if (u === '\u202enimda\u202c') {}\n", "GB0801", glassbox.SeverityHigh},
		{"bidi in code", "src/a.go", "package a\n\nvar x = 1 \u2067\n", "GB0801", glassbox.SeverityHigh},
		{"mixed word in a comment", "src/a.go", "package a\n\n// p\u0430ssword\nvar password = 1\n", "", ""},
		{"mixed word in a Python string", "src/a.py", "password = 1\nx = 'p\u0430ssword'\n", "", ""},
		{"homoglyph in template code", "src/a.js", "const isAdmin = 0;\nconst s = `${is\u0410dmin}`;\n", "GB0802", glassbox.SeverityHigh},
		// core-js's whitespace check, as bundled in consul's UI and next.
		{"string of invisible characters only", "dist/vendor.js", "return\"\u200b\u0085\u180e\"!==\"\u200b\u0085\u180e\"[t]()\n", "", ""},
		// the HTML entity map bundled in laravel's exception renderer.
		{"entity map", "dist/scripts.js", "const e={zwnj:`\u200c`,lrm:`\u200e`,rlm:`\u200f`};\n", "", ""},
		// dayjs 1.11.13 locale/ar-ly.js
		{"mark in a right-to-left locale's format", "locale/ar-ly.js", "const l={months:'يناير',L:'D/\u200fM/\u200fYYYY'};\n", "", ""},
		{"mark after Latin in a file with no right-to-left text", "src/a.js", "if (r === 'admin\u061c') {}\n", "GB0801", glassbox.SeverityHigh},
		{"lone zero-width space beside text", "src/a.js", "if (r === 'root\u200b') {}\n", "GB0803", glassbox.SeverityMedium},
		// the windows-874 table bundled as node-fetch's in next 14.2.15.
		{"zero-width space after an escape in a code page table", "dist/nf.js", "var t = \"\u0e2f\\ufeff\u200b\u2013\";\n", "", ""},
		// amphtml-validator in next 14.2.15.
		{"zero-width space in a regular expression class", "dist/av.js", "new RegExp(\"[\\\\s\u200b]\");\n", "", ""},
		// Django 3.2.25 django/conf/locale/ar/formats.py
		{"mark in an Arabic format with only an Arabic comma", "locale/ar/formats.py", "DATE_FORMAT = 'j F\u060c Y'\nSHORT_DATE_FORMAT = 'd\u200f/m\u200f/Y'\n", "", ""},
		// golang.org/x/tools v0.52.0 go/cfg/cfg.go
		{"zero-width space in a prose comment", "go/cfg/cfg.go", "package cfg\n\n// a block\u200bwith no successors\nvar x = 1\n", "", ""},
		{"zero-width space in a build directive", "a.go", "//go:build linux\u200b\n\npackage a\n", "GB0803", glassbox.SeverityMedium},
		{"zero-width space", "src/a.go", "package a\n\nvar x\u200b = 1\n", "GB0803", glassbox.SeverityMedium},
		{"BOM at start", "src/a.go", "\ufeffpackage a\n", "", ""},
		{"invalid UTF-8", "src/a.go", "package a\xff\xfe\xe2\x80", "", ""},
	}
	a := New()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := a.Analyze(file(tc.path, []byte(tc.content)))
			if tc.rule == "" {
				if len(fs) != 0 {
					t.Fatalf("want no finding, got %+v", fs)
				}
				return
			}
			for _, f := range fs {
				if f.RuleID != tc.rule {
					continue
				}
				if f.Severity != tc.sev {
					t.Errorf("severity %s, want %s", f.Severity, tc.sev)
				}
				if strings.ContainsAny(f.Snippet, "\u202e\u200b") {
					t.Errorf("snippet %q hides the character it reports", f.Snippet)
				}
				return
			}
			t.Fatalf("no %s finding in %+v", tc.rule, fs)
		})
	}
}

// TestRules checks the rule table: IDs in the family's range, each once.
func TestRules(t *testing.T) { ruletest.Rules(t, New(), "GB08", Family) }

// FuzzAnalyze checks that no input makes the analyser panic and that
// every finding's region lies inside the file.
func FuzzAnalyze(f *testing.F) {
	ruletest.Fuzz(f, New())
}

// TestCorpus is the specification by example (see ruletest.Corpus).
func TestCorpus(t *testing.T) { ruletest.Corpus(t, New(), ruletest.AsNamed) }

// TestConcurrent runs the analyser from many goroutines (run with -race).
func TestConcurrent(t *testing.T) { ruletest.Concurrent(t, New(), ruletest.AsNamed) }

// BenchmarkGOROOT measures throughput on the Go source tree
// (GOROOT_FOR_BENCH=$(go env GOROOT)/src).
func BenchmarkGOROOT(b *testing.B) { ruletest.Throughput(b, New()) }

// TestGOROOTReport lists what the analyser finds in the Go source tree; it
// runs only when GOROOT_FOR_BENCH is set.
func TestGOROOTReport(t *testing.T) { ruletest.Report(t, New()) }
