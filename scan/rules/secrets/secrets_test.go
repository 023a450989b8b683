package secrets

import (
	"glassbox.dev/scan/rules/internal/ruletest"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// file builds a scan.File the way the engine would for a path.
func file(path string, content []byte) *scan.File { return ruletest.File(path, content) }

// TestSpecifics pins down severities, redaction and the boundaries of
// each rule.
func TestSpecifics(t *testing.T) {
	// Token bodies are assembled at run time so this file does not itself
	// contain anything a secret scanner would flag.
	ghp := "gh" + "p_" + "R8kq2Vn5TzLw0pXe7YbJc4Hs9FdGmA1uQ3iN"
	aws := "AK" + "IA" + "Z7Q2XK4MWPLR9T3B"
	tests := []struct {
		name, path, content string
		rule                string // "" means no finding at all
		sev                 glassbox.Severity
		notInSnippet        string
	}{
		{"github token in code", "deploy/push.py", "TOKEN = '" + ghp + "'\n", "GB0502", glassbox.SeverityHigh, ghp[4:]},
		{"github token in test code is a low fixture", "tests/push_test.py", "TOKEN = '" + ghp + "'\n", "GB0502", glassbox.SeverityLow, ghp[4:]},
		{"token inside a longer word is not a token", "a.go", "x := \"my" + ghp + "\"\n", "", "", ""},
		{"token one character short", "a.go", "x := \"" + ghp[:len(ghp)-1] + "\"\n", "", "", ""},
		{"aws key id", "conf/aws.ini", "aws_access_key_id = " + aws + "\n", "GB0502", glassbox.SeverityHigh, aws[4:]},
		{"aws documentation example", "README.md", "AKIAIOSFODNN7EXAMPLE\n", "", "", ""},
		{"generic password", "app/config.yaml", "db_password: \"kT9#vQ2$mZ7!pL4x\"\n", "GB0503", glassbox.SeverityMedium, "Q2$mZ7"},
		{"generic placeholder", "app/config.yaml", "db_password: \"changeme-changeme\"\n", "", "", ""},
		{"generic low entropy", "app/config.yaml", "db_password: \"aaaaaaaaaaaaaaaaaaaa\"\n", "", "", ""},
		{"generic env reference", "app/config.yaml", "db_password: \"${DB_PASSWORD_FROM_ENV}\"\n", "", "", ""},
		{"generic name is a URL", "app/config.py", "auth_url = \"https://login.corp.invalid/oauth2/v2.0/x9\"\n", "", "", ""},
		{"pem header constant without body", "crypto/pem.go", "const hdr = \"-----BEGIN RSA PRIVATE KEY-----\"\nfunc f() {}\n", "", "", ""},
		// crane 0.20.2's images/dot/*.dot: a Graphviz node named after a
		// package path is not a typed assignment.
		{"graphviz node label", "images/dot/ggcr.dot", "\"github.com/docker/cli/cli/config/credentials\" [label=\"github.com/docker/cli/cli/config/credentials\" color=\"paleturquoise\"];\n", "", "", ""},
		{"quoted key followed by no operator", "a.json", "\"secret\" \"kT9#vQ2$mZ7!pL4x\"\n", "", "", ""},
		{"go typed assignment still found", "app/auth.go", "var apiToken string = \"kT9#vQ2$mZ7!pL4x\"\n", "GB0503", glassbox.SeverityMedium, "Q2$mZ7"},
		{"generic value in documentation is a low example", "pkg/authn/README.md", "    \"auth\": \"QXp1cmVEaWFtb25kOmh1bnRlcjI=\"\n", "GB0503", glassbox.SeverityLow, "cmVEaWFt"},
		{"provider token in documentation is still a leak", "docs/deploy.md", "TOKEN = '" + ghp + "'\n", "GB0502", glassbox.SeverityHigh, ghp[4:]},
		{"public key", "keys/id.pub", "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u\n-----END PUBLIC KEY-----\n", "", "", ""},
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
				if tc.notInSnippet != "" && strings.Contains(f.Snippet, tc.notInSnippet) {
					t.Errorf("snippet %q leaks the secret", f.Snippet)
				}
				if tc.sev == glassbox.SeverityLow && !strings.Contains(f.Message, "fixture") && !strings.Contains(f.Message, "an example") {
					t.Errorf("a lowered finding does not say why (a fixture? an example?): %q", f.Message)
				}
				return
			}
			t.Fatalf("no %s finding in %+v", tc.rule, fs)
		})
	}
}

// TestRules checks the rule table: IDs in the family's range, each once.
func TestRules(t *testing.T) { ruletest.Rules(t, New(), "GB05", Family) }

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
