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
		{Name: "a password comparison that does not obviously grant is high", Path: "u.py", Src: "def f(password):\n    log(password == \"svc_backup\")\n", Rule: "GB0101", Sev: glassbox.SeverityHigh, Line: 2, Snippet: `password == "sv…"`},
		// redis 7.0.15 src/acl.c: the "default" user is special; the
		// branch refuses, it lets no one in.
		{Name: "a user name compared with a literal, granting nothing, is low", Path: "acl.c", Src: "void f(sds username) {\n    if (!strcmp(username,\"default\")) {\n        addReplyError(c,\"The 'default' user cannot be removed\");\n        return;\n    }\n}\n", Rule: "GB0101", Sev: glassbox.SeverityLow, Line: 2, Snippet: `strcmp(username,"de…")`},
		// composer 2.5.5 src/Composer/Util/AuthHelper.php: the stored
		// password says which kind of credential it is.
		{Name: "a password compared with several literals is a dispatch, low", Path: "AuthHelper.php", Src: "<?php\nif ($auth['password'] === 'bearer') {\n    $headers[] = 'Authorization: Bearer '.$auth['username'];\n} elseif ('github.com' === $origin && 'x-oauth-basic' === $auth['password']) {\n    $headers[] = 'Authorization: token '.$auth['username'];\n    $authenticationDisplayMessage = 'Using GitHub token authentication';\n}\n", Rule: "GB0101", Sev: glassbox.SeverityLow, Line: 4, Snippet: `'x-…' === $auth['password']`},
		// x/net v0.63.0 webdav/litmus_test_server.go: a header value that
		// the branch answers with 400 Bad Request.
		{Name: "Go: a header compared with a literal whose branch refuses is low", Path: "litmus.go", Src: "package main\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\tif r.Header.Get(\"X-Litmus\") == \"props: 3 (propfind_invalid2)\" {\n\t\thttp.Error(w, \"400 Bad Request\", http.StatusBadRequest)\n\t\treturn\n\t}\n}\n", Rule: "GB0101", Sev: glassbox.SeverityLow, Line: 4, Snippet: `r.Header.Get("X-Litmus") == "pr…"`},
		{Name: "Go: a user name compared with a literal", Path: "x.go", Src: "package x\n\nfunc ok(username string) bool {\n\tif username == \"maint\" {\n\t\treturn true\n\t}\n\treturn false\n}\n", Rule: "GB0101", Sev: glassbox.SeverityCritical, Line: 4, Snippet: `username == "ma…"`},
		{Name: "Go: User-Agent compared exactly", Path: "x.go", Src: "package x\n\nfunc ok(r *R) bool { return r.UserAgent() == \"curl/7.0-special\" }\n", Rule: "GB0101", Sev: glassbox.SeverityHigh, Line: 3, Snippet: `r.UserAgent() == "cu…"`},
		{Name: "a real-looking password assigned is high", Path: "x.go", Src: "package x\n\nvar dbPassword = \"Tr0ub4dor&3\"\n", Rule: "GB0102", Sev: glassbox.SeverityHigh, Line: 3, Snippet: `dbPassword = "Tr…"`},
		{Name: "a placeholder password is medium", Path: "settings.py", Src: "DB_PASSWORD = 'changeme'\n", Rule: "GB0102", Sev: glassbox.SeverityMedium, Line: 1, Snippet: `DB_PASSWORD = 'ch…'`},
		// busybox 1.35.0 networking/ftpgetput.c: anonymous FTP.
		{Name: "the anonymous account's conventional password is low", Path: "ftpgetput.c", Src: "\tconst char *user = \"anonymous\";\n\tconst char *password = \"busybox\";\n", Rule: "GB0102", Sev: glassbox.SeverityLow, Line: 2, Snippet: `password = "bu…"`},
		// python3-flask 2.2.2 usr/share/doc/python3-flask/examples/flaskr/__init__.py.
		{Name: "a secret key in example code is low", Path: "examples/flaskr/__init__.py", Src: "app.config.from_mapping(\n    SECRET_KEY='dev',\n)\n", Rule: "GB0102", Sev: glassbox.SeverityLow, Line: 2, Snippet: `SECRET_KEY='de…'`},
		{Name: "a real-looking token is still high", Path: "deploy.js", Src: "const token = 'Zq8#kW2$vN5!';\n", Rule: "GB0102", Sev: glassbox.SeverityHigh, Line: 1, Snippet: `token = 'Zq…'`},
		// composer 2.5.5 src/Composer/Util/AuthHelper.php: the branch
		// fetches a token and stores it; it lets no one in.
		{Name: "a user name compared, the branch storing credentials, is low", Path: "AuthHelper.php", Src: "<?php\nif ($auth['username'] !== 'x-token-auth') {\n    $accessToken = $bitbucketUtil->requestToken($origin, $auth['username'], $auth['password']);\n    if (!empty($accessToken)) {\n        $this->io->setAuthentication($origin, 'x-token-auth', $accessToken);\n    }\n}\n", Rule: "GB0101", Sev: glassbox.SeverityLow, Line: 2, Snippet: `$auth['username'] !== 'x-…'`},
		// symfony 5.4.53 SecurityBundle/DependencyInjection/MainConfiguration.php:
		// an example configuration for the reader.
		{Name: "a metasyntactic password is low", Path: "MainConfiguration.php", Src: "<?php\n    'foo' => ['password' => 'foo', 'roles' => 'ROLE_USER'],\n", Rule: "GB0102", Sev: glassbox.SeverityLow, Line: 2, Snippet: `'password' => 'fo…'`},
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
		// lodash 4.17.21 fp/_mapping.js: an alias table maps function
		// names to function names.
		{Path: "fp/_mapping.js", Src: "exports.aliasToReal = {\n  'allPass': 'overEvery',\n  'anyPass': 'overSome',\n};\n"},
		// moment 2.30.1 src/lib/units/millisecond.js: a date-format token.
		{Path: "millisecond.js", Src: "var token, getSetMillisecond;\nfor (token = 'SSSS'; token.length <= 9; token += 'S') {\n    addParseToken(token, parseMs);\n}\n"},
		// date-fns 4.1.0 formatRelative.js: a relative-date token.
		{Path: "formatRelative.js", Src: "let token;\nif (diff < -6) {\n  token = 'other';\n} else if (diff < -1) {\n  token = 'lastWeek';\n}\n"},
		// nginx 1.22.1 src/mail/ngx_mail_smtp_handler.c: the SASL LOGIN
		// prompt, base64 of "Password:".
		{Path: "ngx_mail_smtp_handler.c", Src: "static u_char  smtp_password[] = \"334 UGFzc3dvcmQ6\" CRLF;\n"},
		{Path: "ngx_mail_imap_handler.c", Src: "static u_char  imap_password[] = \"+ UGFzc3dvcmQ6\" CRLF;\n"},
		// nginx 1.22.1 src/mail/ngx_mail_auth_http_module.c: a header name
		// inside a string is not an assignment.
		{Path: "ngx_mail_auth_http_module.c", Src: "b->last = ngx_cpymem(b->last, \"Auth-Pass: \", sizeof(\"Auth-Pass: \") - 1);\n"},
		// curl 7.88.1 lib/urldata.h: anonymous FTP's e-mail password.
		{Path: "urldata.h", Src: "#define CURL_DEFAULT_USER \"anonymous\"\n#define CURL_DEFAULT_PASSWORD \"ftp@example.com\"\n"},
		// numpy 1.24.2 distutils/mingw32ccompiler.py: the token of a
		// public key in an assembly manifest.
		{Path: "mingw32ccompiler.py", Src: "publicKeyToken=\"1fc8b3b9a1e18e3b\"\n"},
		// sqlite 3.40.1 ext/wasm/tester1.js and libpng 1.6.39
		// contrib/libtests/pngimage.c: the branches of a ternary.
		{Path: "tester1.js", Src: "e.classList.add(pass ? 'tests-pass' : 'tests-fail');\n"},
		{Path: "pngimage.c", Src: "printf(\"%s: pngimage \", pass ? \"PASS\" : \"FAIL\");\n"},
		// jq 1.6 src/parser.c (bison's output).
		{Path: "parser.c", Src: "YYFPRINTF (yyo, \"%s %s (\",\n             yytype < YYNTOKENS ? \"token\" : \"nterm\", yytname[yytype]);\n"},
		// symfony 5.4.53 ErrorHandler/Internal/TentativeTypes.php: a
		// method's return type.
		{Path: "TentativeTypes.php", Src: "<?php\n    'ZipArchive' => [\n        'setPassword' => 'bool',\n    ],\n"},
		// composer 2.5.5 src/Composer/Util/Git.php: a masked credential.
		{Path: "Git.php", Src: "<?php\n    $maskedCredentials[] = 'XXX';\n"},
		// openssh 9.2p1 auth-passwd.c: a password's first character
		// compared with '\0' is an emptiness check.
		{Path: "auth-passwd.c", Src: "int f(const char *password) {\n\tif (*password == '\\0' && options.permit_empty_passwd == 0)\n\t\treturn 0;\n\treturn 1;\n}\n"},
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
