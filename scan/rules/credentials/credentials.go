// Package credentials finds hard-coded credentials and magic-value
// authentication: a password, user name, token or request header compared
// with a string literal (the vsftpd 2.3.4 ":)" user name, the Juniper
// ScreenOS master password), a password-like variable assigned a literal,
// and a request header compared with a literal right before something is
// evaluated or executed (the 2021 PHP "User-Agentt"/zerodium commit).
//
// Go files are read through their syntax tree; C, C++, Java, JavaScript,
// PHP and Python through regular expressions over the source with comments
// blanked out, guarded by a cheap keyword pre-filter.
package credentials

import (
	"bytes"
	"glassbox.dev/scan/rules/internal/rulekit"
	"regexp"
	"strings"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// Family is the name of the rule family this package implements.
const Family = "credentials"

func init() { scan.Register(New()) }

// The rules, in ID order. Their IDs are stable: suppressions key on them.
var (
	// RuleMagicValue is GB0101: an authentication input compared with a literal.
	RuleMagicValue = scan.Rule{
		ID:       "GB0101",
		Name:     "magic-value-authentication",
		Family:   Family,
		Severity: glassbox.SeverityHigh,
		Summary:  "A password, user name, token or authentication header is compared with a string literal.",
		Explanation: "Real authentication compares what the user sent with a stored, hashed secret; comparing " +
			"it with a literal baked into the code is a master password or magic user name that works on " +
			"every installation and cannot be rotated, which is how the vsftpd 2.3.4 and Juniper ScreenOS " +
			"backdoors let their authors in.",
	}
	// RuleHardcodedPassword is GB0102: a password-like name assigned a literal.
	RuleHardcodedPassword = scan.Rule{
		ID:       "GB0102",
		Name:     "hard-coded-password-assignment",
		Family:   Family,
		Severity: glassbox.SeverityHigh,
		Summary:  "A variable, field or key named like a password, secret or token is assigned a non-empty string literal.",
		Explanation: "A secret in source code is known to everyone who can read the repository, ships in every " +
			"build and survives in history after it is removed; secrets belong in a secret store or the environment.",
	}
	// RuleHeaderBackdoor is GB0103: a header compared with a literal, then eval/exec.
	RuleHeaderBackdoor = scan.Rule{
		ID:       "GB0103",
		Name:     "header-backdoor",
		Family:   Family,
		Severity: glassbox.SeverityCritical,
		Summary:  "A request header is compared with a literal and, within a few lines, something is evaluated or executed.",
		Explanation: "A secret value in a request header that unlocks eval or exec is a remote code execution " +
			"backdoor reachable by anyone who knows the value, as in the 2021 commit planted in PHP's source " +
			"that ran code from a \"User-Agentt\" header starting with \"zerodium\".",
	}
)

// keywords pre-filter files: a file containing none of them cannot match
// any rule. They are matched case-sensitively, so both spellings appear.
var keywords = [][]byte{
	[]byte("pass"), []byte("Pass"), []byte("PASS"), []byte("pwd"), []byte("Pwd"), []byte("PWD"),
	[]byte("token"), []byte("Token"), []byte("TOKEN"), []byte("secret"), []byte("Secret"), []byte("SECRET"),
	[]byte("key"), []byte("Key"), []byte("KEY"), []byte("auth"), []byte("Auth"), []byte("AUTH"),
	[]byte("user"), []byte("User"), []byte("USER"), []byte("login"), []byte("Login"), []byte("LOGIN"),
	[]byte("cred"), []byte("Cred"), []byte("CRED"), []byte("eader"), []byte("HTTP_"), []byte("X-"),
	[]byte("agent"), []byte("Agent"),
}

// analyzer is stateless, so one value is safe for concurrent use.
type analyzer struct{}

// New returns the credentials analyser.
func New() scan.Analyzer { return analyzer{} }

// Rules lists GB0101–GB0103.
func (analyzer) Rules() []scan.Rule {
	return []scan.Rule{RuleMagicValue, RuleHardcodedPassword, RuleHeaderBackdoor}
}

// textLangs are the languages read by the regular-expression path. Data,
// documentation and build files are left out: a password in a README or a
// YAML default is documentation, not code that authenticates.
var textLangs = map[string]bool{"c": true, "cpp": true, "java": true, "javascript": true, "php": true, "python": true}

// Analyze returns the credentials findings in f. It never panics: a panic
// from a malformed input is a bug, but losing one file's findings is
// better than losing the scan, so it is recovered as a last resort.
func (analyzer) Analyze(f *scan.File) (out []glassbox.Finding) {
	if f == nil || len(f.Content) == 0 || !mayMatch(f.Content) {
		return nil
	}
	if f.Lang != "go" && !textLangs[f.Lang] && f.Lang != "shell" {
		return nil
	}
	if recoverPanics {
		defer func() {
			if recover() != nil {
				out = nil
			}
		}()
	}
	c := &collector{rulekit.Collector{F: f}}
	code := blankComments(f.Content, f.Lang)
	cmps := c.textComparisons(code)
	if f.Lang == "go" {
		c.goRules()
	} else if textLangs[f.Lang] {
		c.magicText(code, cmps)
	}
	if f.Lang != "go" {
		c.assignText(code)
	}
	if f.Lang != "shell" {
		c.headerBackdoor(code, cmps)
	}
	return c.Out
}

// recoverPanics is turned off by the fuzz test, so that a panic is a
// failure there rather than a silently empty result.
var recoverPanics = true

func mayMatch(b []byte) bool {
	for _, k := range keywords {
		if bytes.Contains(b, k) {
			return true
		}
	}
	return false
}

// ---- what names and literals mean ----------------------------------------

// authWords are the words of an identifier that make it an authentication
// input. "pass" alone is included for C-style names (pass, p_pass); plurals
// and longer words ("users", "author", "bypass") are not, because words()
// splits on identifier boundaries.
var authWords = map[string]bool{
	"password": true, "passwd": true, "pass": true, "pwd": true, "passphrase": true, "passcode": true,
	"token": true, "secret": true, "apikey": true, "auth": true, "authorization": true,
	"user": true, "username": true, "uname": true, "login": true, "credential": true,
	"credentials": true, "creds": true, "cred": true,
}

// weakAuthWords name authentication inputs only as the last word of a name.
var weakAuthWords = map[string]bool{"pass": true, "token": true, "user": true, "uname": true,
	"auth": true, "login": true, "credentials": true, "cred": true, "creds": true}

// notAuthLast are final words that turn an authentication-looking name
// into metadata about it: user.role == "admin" is authorisation,
// token.type == "EOF" is a lexer, authMethod == "basic" a dispatch.
var notAuthLast = map[string]bool{
	"role": true, "roles": true, "type": true, "kind": true, "status": true, "state": true,
	"mode": true, "method": true, "scheme": true, "lang": true, "locale": true, "format": true,
	"provider": true, "level": true, "group": true, "plan": true, "tier": true, "len": true,
	"length": true, "size": true, "count": true, "version": true, "domain": true, "path": true,
	"file": true, "url": true, "host": true, "field": true, "label": true, "param": true,
	"policy": true, "strategy": true, "source": true, "action": true, "dir": true, "env": true,
	"var": true, "name_field": true, "prompt": true, "error": true, "err": true, "msg": true,
	"message": true, "hint": true, "placeholder": true, "header": true, "id": true, "key_name": true,
	"endpoint": true, "timeout": true, "expiry": true, "expires": true, "ttl": true, "store": true,
}

// benignHeaders are X- headers whose comparison with a literal is
// ordinary protocol handling (proxies, webhooks, AJAX), not a secret.
var benignHeaders = []string{"forwarded", "requested", "real-ip", "request-id", "event", "method",
	"proto", "frame", "content", "correlation", "trace", "amz", "delivery", "powered"}

// authName reports whether an operand's source text names an
// authentication input, and which word made it so; header names inside
// string literals count ("X-Admin-Token", "HTTP_USER_AGENTT").
func authName(operand string) (word string, header bool, ok bool) {
	for _, lit := range litRe.FindAllString(operand, -1) {
		name := strings.ToLower(strings.Trim(lit, "\"'`"))
		if isHeaderName(name) {
			return name, true, true
		}
	}
	w := words(litRe.ReplaceAllString(operand, " "))
	if len(w) == 0 {
		return "", false, false
	}
	if notAuthLast[w[len(w)-1]] {
		return "", false, false
	}
	for i, x := range w {
		if x == "agent" || x == "agentt" {
			if i > 0 && w[i-1] == "user" {
				return "user-agent", true, true
			}
		}
	}
	// The name's last two words carry its meaning: in session.username
	// the input is a user name, in user.sessions.count it is not. Words
	// that are common outside authentication (a compiler "pass", a lexer
	// "token", a "user" record) count only as the very last word.
	for i := len(w) - 1; i >= 0 && i >= len(w)-2; i-- {
		x := w[i]
		if authWords[x] && (i == len(w)-1 || !weakAuthWords[x]) {
			return x, false, true
		}
		if x == "key" && i > 0 && (w[i-1] == "api" || w[i-1] == "secret" || w[i-1] == "access") {
			return w[i-1] + "key", false, true
		}
	}
	return "", false, false
}

// isHeaderName reports whether a lower-cased string names a request
// header that carries identity or is custom: X-…, User-Agent(t),
// Authorization, in HTTP or CGI spelling.
func isHeaderName(name string) bool {
	name = strings.ReplaceAll(name, "_", "-")
	name = strings.TrimPrefix(name, "http-")
	switch {
	case name == "user-agent" || name == "user-agentt" || name == "authorization":
		return true
	case strings.HasPrefix(name, "x-") && len(name) > 2:
		for _, b := range benignHeaders {
			if strings.Contains(name, b) {
				return false
			}
		}
		return true
	}
	return false
}

// boringLiterals are values compared with authentication inputs for
// ordinary reasons: scheme names, empty-ish and boolean spellings.
var boringLiterals = map[string]bool{
	"basic": true, "bearer": true, "digest": true, "null": true, "none": true, "nil": true,
	"undefined": true, "true": true, "false": true, "ok": true, "yes": true, "no": true,
	"on": true, "off": true, "anonymous": true, "guest": true, "oauth": true, "ntlm": true,
	"negotiate": true, "token": true, "*": true, "-": true, "same-origin": true, "include": true,
	"omit": true, "password": true,
}

// interesting reports whether a compared literal could be a magic value.
// Single characters are separators (username.contains("@")), and a
// "token" compared with punctuation or a keyword is a lexer.
func interesting(lit, word string) bool {
	if len([]rune(lit)) < 2 || boringLiterals[strings.ToLower(lit)] {
		return false
	}
	for _, scheme := range []string{"Bearer ", "Basic ", "Token ", "bearer ", "token "} {
		lit = strings.TrimPrefix(lit, scheme)
	}
	// A lexer compares tokens with keywords; a planted token is long.
	if word == "token" && (len(lit) < 16 || strings.ContainsAny(lit, " ")) {
		return false
	}
	return true
}

// grantRe is what a branch that lets someone in looks like.
var grantRe = regexp.MustCompile(`(?i)return\s*\(?\s*(?:true|1)\b|authenticated?\b|\broot\b|admin|grant|\bexec|setuid|\bsystem\s*\(|\beval\s*\(|logged_?in|is_?auth|access\s*=\s*(?:true|1)`)

// execRe is code evaluation or command execution, in the languages read.
var execRe = regexp.MustCompile(`(?:^|[^.\w$>])(?:eval|system|exec|execl|execlp|execle|execv|execvp|execve|popen|passthru|shell_exec|proc_open|pcntl_exec|zend_eval_string|zend_eval_stringl|create_function)\s*\(|\bos\.(?:system|popen|exec\w*)\s*\(|\bsubprocess\.\w+\s*\(|\bexec\.Command(?:Context)?\s*\(|\bsyscall\.Exec\s*\(|Runtime\.getRuntime\(\)\s*\.\s*exec\s*\(|\bchild_process\b|\bexecSync\s*\(|\bnew\s+Function\s*\(|\bProcessBuilder\s*\(`)
