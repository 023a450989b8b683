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
		// Regressions from the precision corpus (scan/internal/precision):
		// each is the shape of real code in a clean project.
		// typescript 5.6.3 lib/ja/diagnosticMessages.generated.json: CJK
		// text is high-entropy bytes, and text.
		{"japanese diagnostic message", "lib/ja/diagnosticMessages.generated.json", "  \"Unexpected_token_1012\": \"予期しないトークンです。\",\n", "", "", ""},
		{"chinese diagnostic message", "lib/zh-cn/diagnosticMessages.generated.json", "  \"An_accessibility_modifier_cannot_be_used_with_a_private_identifier_18010\": \"可访问性修饰符不能与专用标识符一起使用。\",\n", "", "", ""},
		// consul api v1.34.5 config_entry.go: the value names what the
		// name says.
		{"value spells its name", "api/config_entry.go", "\tBuiltinExtAuthzExtension          string = \"builtin/ext-authz\"\n", "", "", ""},
		// symfony 5.4.53 splitsh.json.
		{"value is the name's path", "splitsh.json", "        \"password-hasher\": \"src/Symfony/Component/PasswordHasher\",\n", "", "", ""},
		// symfony 5.4.53 HttpClientTrait.php: a quoted key inside a message.
		{"literal that continues an expression", "HttpClientTrait.php", "throw new InvalidArgumentException('Invalid character found in option \"auth_bearer\": '.json_encode($options['auth_bearer']).'.');\n", "", "", ""},
		// symfony 5.4.53 WebProfilerBundle base_js.html.twig: code in a
		// template, not a configuration value.
		{"unquoted code in a template", "views/base_js.html.twig", "                            credentials: arguments[0].credentials,\n", "", "", ""},
		// date-fns 4.1.0 locale/types.d.cts and cryptography 38.0.4
		// ocsp.pyi: type annotations.
		{"typescript declaration", "locale/types.d.cts", "  token: FormatDistanceToken,\n", "", "", ""},
		{"python stub", "_rust/ocsp.pyi", "    private_key: typing.Optional[PRIVATE_KEY_TYPES],\n", "", "", ""},
		// django 3.2.25 docs/topics/auth/customizing.txt.
		{"password hash in docs is a low example", "docs/topics/auth/customizing.txt", "        ADMIN_PASSWORD = 'pbkdf2_sha256$30000$Vo0VlMnkR4Bk$qEvtdyZRWTcOsCnI/oQ7fVOu1XAURIZYoOZ3iq8Dr4M='\n", "GB0503", glassbox.SeverityLow, "Vo0VlMnkR4Bk"},
		// minio-go v7.4.1 .github/workflows/go.yml: the test server's KMS key.
		{"CI workflow setting is low", ".github/workflows/go.yml", "          MINIO_KMS_SECRET_KEY: my-minio-key:OSMM+vkKUTCvQs9YL/CVMIMt43HFhkUpqJxTmGl6rYw=\n", "GB0503", glassbox.SeverityLow, "vkKUTCvQs9YL"},
		// minio-go v7.4.1 pkg/credentials/config.json.sample: the public
		// play server's keys in a template.
		{"configuration template is low", "pkg/credentials/config.json.sample", "\t\t\t\"secretKey\": \"zuf+tfteSlswRu7BJ86wekitnifILbZam1KYY3TG\",\n", "GB0503", glassbox.SeverityLow, "tfteSlswRu7BJ86"},
		// cryptography 38.0.4 docs/hazmat/primitives/asymmetric/serialization.rst.
		{"private key in documentation is a low example", "docs/serialization.rst", "    -----BEGIN RSA PRIVATE KEY-----\n    MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n    4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u\n    -----END RSA PRIVATE KEY-----\n", "GB0501", glassbox.SeverityLow, "LfVLPHCozMxH2Mo"},
		// caddy v2.11.9 caddytest/caddy.localhost.key.
		{"private key for localhost is a low fixture", "caddytest/caddy.localhost.key", "-----BEGIN RSA PRIVATE KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u\n-----END RSA PRIVATE KEY-----\n", "GB0501", glassbox.SeverityLow, "LfVLPHCozMxH2Mo"},
		// openssh 9.2p1 regress/rsa_openssh.prv and minio-go testcerts/.
		{"private key in regress/ is a low fixture", "regress/rsa_openssh.prv", "-----BEGIN RSA PRIVATE KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u\n-----END RSA PRIVATE KEY-----\n", "GB0501", glassbox.SeverityLow, "LfVLPHCozMxH2Mo"},
		{"private key elsewhere is high", "deploy/server.key", "-----BEGIN RSA PRIVATE KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u\n-----END RSA PRIVATE KEY-----\n", "GB0501", glassbox.SeverityHigh, "LfVLPHCozMxH2Mo"},
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
