package privilege

import (
	"glassbox.dev/scan/rules/internal/ruletest"
	"testing"

	"glassbox.dev"
)

// TestSpecifics pins severities and places for the cases that matter.
func TestSpecifics(t *testing.T) {
	ruletest.Specifics(t, New(), []ruletest.Specific{
		{Name: "wait4: uid assigned 0 in a condition is critical, at the assignment", Path: "exit.c", Src: "long f(int options) {\n\tif ((options == (__WCLONE|__WALL)) && (current->uid = 0))\n\t\treturn -1;\n}\n", Rule: "GB0901", Sev: glassbox.SeverityCritical, Line: 2, Snippet: "current->uid = 0"},
		{Name: "a privilege variable assigned another variable is high", Path: "a.js", Src: "if (ok && (user.isAdmin = wanted)) { go(); }\n", Rule: "GB0901", Sev: glassbox.SeverityHigh, Line: 1, Snippet: "user.isAdmin = wanted"},
		// symfony 5.4.53 src/Symfony/Component/VarDumper/Cloner/VarCloner.php
		{Name: "PHP: a static property fetched and tested is low", Path: "VarCloner.php", Src: "<?php\nif (!$gid = self::$gid) {\n    $gid = self::$gid = md5(random_bytes(6));\n}\n", Rule: "GB0901", Sev: glassbox.SeverityLow, Line: 2, Snippet: "$gid = self::$gid"},
		{Name: "PHP: is_admin assigned true", Path: "a.php", Src: "<?php\nif ($u->is_admin = true) { grant(); }\n", Rule: "GB0901", Sev: glassbox.SeverityCritical, Line: 2, Snippet: "$u->is_admin = true"},
		{Name: "setuid(0) in a helper is medium", Path: "a.c", Src: "void helper(void)\n{\n    setuid(0);\n}\n", Rule: "GB0902", Sev: glassbox.SeverityMedium, Line: 3, Snippet: "setuid(0)"},
		// openssh 9.2p1 auth-pam.c
		{Name: "root restored after a temporary drop is low", Path: "auth-pam.c", Src: "static int\nsshpam_chauthtok_ruid(pam_handle_t *pamh, int flags)\n{\n\tint result;\n\n\tif (setreuid(sshpam_authctxt->pw->pw_uid, -1) == -1)\n\t\tfatal(\"setreuid\");\n\tresult = pam_chauthtok(pamh, flags);\n\tif (setreuid(0, -1) == -1)\n\t\tfatal(\"setreuid\");\n\treturn result;\n}\n", Rule: "GB0902", Sev: glassbox.SeverityLow, Line: 9, Snippet: "setreuid(0,"},
		// openssh 9.2p1 auth-sia.c
		{Name: "root taken back to drop for good is low", Path: "auth-sia.c", Src: "void\nsession_setup_sia(struct passwd *pw, char *tty)\n{\n\tsia_ses_release(&ent);\n\n\tsetuid(0);\n\tpermanently_set_uid(pw);\n}\n", Rule: "GB0902", Sev: glassbox.SeverityLow, Line: 6, Snippet: "setuid(0)"},
		{Name: "Go: os.Setuid(0) in a handler", Path: "h.go", Src: "package h\n\nimport \"os\"\n\nfunc serve() {\n\tos.Setuid(0)\n}\n", Rule: "GB0902", Sev: glassbox.SeverityMedium, Line: 6, Snippet: "os.Setuid(0)"},
		{Name: "in test code it is low and says so", Path: "tests/uid_test.c", Src: "void t(void) { if (cred->uid = 0) abort(); }\n", Rule: "GB0901", Sev: glassbox.SeverityLow, Line: 1, Snippet: "cred->uid = 0"},
	})
}

// TestQuiet lists one-liners that must not be reported.
func TestQuiet(t *testing.T) {
	ruletest.Quiet(t, New(), []ruletest.Source{
		{Path: "a.c", Src: "int f(int x) { if (x == 0) return 1; return 0; }\n"},
		{Path: "a.c", Src: "int f(void) { if ((uid = getuid()) == 0) return 1; return 0; }\n"},
		{Path: "a.c", Src: "int f(void) { if (current->uid == 0 || cred->euid != 0) return 1; return 0; }\n"},
		{Path: "a.c", Src: "int f(int n) { if (n = 0) return 1; return 0; }\n"},
		// composer 2.5.5 src/Composer/Console/Application.php
		{Path: "Application.php", Src: "<?php\nif ($uid = (int) Platform::getEnv('SUDO_UID')) {\n    shell_exec('sudo -K');\n}\n"},
		{Path: "a.c", Src: "/* if (current->uid = 0) */ int x;\n"},
		{Path: "a.c", Src: "int f(void) { if (strcmp(s, \"uid = 0\") == 0) return 1; return 0; }\n"},
		{Path: "a.go", Src: "package a\n\nfunc init() { syscall.Setuid(0) }\n"},
	})
}

// TestRules checks the rule table is complete and in the family's range.
func TestRules(t *testing.T) { ruletest.Rules(t, New(), "GB09", Family) }

// FuzzAnalyze checks the analyser never panics, whatever the language.
func FuzzAnalyze(f *testing.F) {
	recoverPanics = false
	ruletest.Fuzz(f, New(), "go", "c", "java", "python", "javascript", "php", "shell", "")
}

// TestCorpus is the specification by example (see ruletest.Corpus).
func TestCorpus(t *testing.T) { ruletest.Corpus(t, New(), ruletest.AsSource) }

// TestConcurrent runs the analyser from many goroutines (run with -race).
func TestConcurrent(t *testing.T) { ruletest.Concurrent(t, New(), ruletest.AsSource) }
