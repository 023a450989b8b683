package listener

import (
	"bytes"
	"regexp"

	"glassbox.dev"
	"glassbox.dev/scan"
	"glassbox.dev/scan/rules/internal/rulekit"
)

// RuleRequestExec is GB0204: web request input run as a command or as code.
var RuleRequestExec = scan.Rule{
	ID:       "GB0204",
	Name:     "request-input-executed",
	Family:   Family,
	Severity: glassbox.SeverityCritical,
	Summary:  "Input from a web request (a query or form parameter, a header, a cookie, the body) reaches a command shell, eval or a process launcher.",
	Explanation: "A request parameter passed to eval, system or exec is a remote shell over HTTP: " +
		"whoever can reach the endpoint runs what they like with the server's rights. It is the " +
		"whole of a web shell (<?php eval($_POST['x']); ?>) and the second half of header- and " +
		"token-gated backdoors; a program that must run commands for its users validates them " +
		"against a fixed list instead.",
}

// webLang says, for one language, where request input comes from and what
// runs what it is given. shell marks the sinks that interpret a string as
// code or a shell command line (critical); the others start a program with
// arguments (high).
type webLang struct {
	source *regexp.Regexp
	sink   *regexp.Regexp
	shell  *regexp.Regexp
}

var webLangs = map[string]webLang{
	"php": {
		source: regexp.MustCompile(`\$_(?:GET|POST|REQUEST|COOKIE|FILES)\b|\$_SERVER\s*\[\s*['"]HTTP_|php://input|\bgetallheaders\s*\(|\bapache_request_headers\s*\(`),
		sink:   regexp.MustCompile(`(?:^|[^\w$>:])(?:eval|assert|system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|create_function|call_user_func)\s*\(`),
		shell:  regexp.MustCompile(`eval|assert|system|shell_exec|passthru|popen|proc_open|create_function`),
	},
	"python": {
		source: regexp.MustCompile(`\brequest\.(?:args|form|values|json|data|headers|cookies|GET|POST|body|query_params|get_json|files)\b|\bself\.get_argument\s*\(|\bself\.request\.`),
		sink:   regexp.MustCompile(`(?:^|[^.\w])(?:eval|exec|compile)\s*\(|\bos\.(?:system|popen|exec\w*|spawn\w*)\s*\(|\bsubprocess\.\w+\s*\(|\bcommands\.getoutput\s*\(|\bpty\.spawn\s*\(`),
		shell:  regexp.MustCompile(`^(?:eval|exec|compile|os\.system|os\.popen|commands\.getoutput)|shell\s*=\s*True`),
	},
	"javascript": {
		source: regexp.MustCompile(`\b(?:req|request)\.(?:query|body|params|headers|cookies|get\s*\()|\bctx\.(?:query|params|request\.body|headers|cookies)\b|\bsearchParams\.get\s*\(`),
		sink:   regexp.MustCompile(`(?:^|[^.\w$])(?:eval|Function)\s*\(|\bnew\s+Function\s*\(|\b(?:exec|execSync|spawn|spawnSync|execFile|execFileSync)\s*\(|\bvm\.run\w*\s*\(`),
		shell:  regexp.MustCompile(`^(?:eval|Function|new\s+Function|exec|execSync|vm\.)|shell\s*:\s*true`),
	},
	"go": {
		source: regexp.MustCompile(`\.URL\.Query\(\)|\.URL\.RawQuery\b|\.(?:Post)?FormValue\s*\(|\.(?:Post)?Form\.Get\s*\(|\.Header\.Get\s*\(|\.Cookie\s*\(|\bc\.(?:Query|DefaultQuery|Param|PostForm|GetHeader|FormValue)\s*\(`),
		sink:   regexp.MustCompile(`\bexec\.Command(?:Context)?\s*\(|\bsyscall\.Exec\s*\(|\bos\.StartProcess\s*\(`),
		shell:  regexp.MustCompile(`"(?:/bin/)?(?:ba|z|da)?sh"\s*,\s*"-c"|"cmd(?:\.exe)?"\s*,\s*"/[cC]"|"powershell`),
	},
	"java": {
		source: regexp.MustCompile(`\.getParameter\s*\(|\.getHeader\s*\(|\.getQueryString\s*\(|\.getCookies\s*\(|@RequestParam|@RequestHeader|@PathVariable`),
		sink:   regexp.MustCompile(`\.exec\s*\(|\bnew\s+ProcessBuilder\s*\(|\.eval\s*\(`),
		shell:  regexp.MustCompile(`^\.eval|"(?:/bin/)?(?:ba)?sh"\s*,\s*"-c"|"cmd(?:\.exe)?"\s*,\s*"/[cC]"`),
	},
	"c": {
		source: regexp.MustCompile(`\bgetenv\s*\(\s*"(?:QUERY_STRING|HTTP_[A-Z0-9_]+|REQUEST_URI|PATH_INFO)"`),
		sink:   regexp.MustCompile(`(?:^|[^.\w])(?:system|popen|execl|execlp|execle|execv|execvp|execve)\s*\(`),
		shell:  regexp.MustCompile(`^(?:system|popen)|"(?:/bin/)?(?:ba)?sh"`),
	},
}

func init() { webLangs["cpp"] = webLangs["c"] }

// webKeywords pre-filter GB0204: a file without one has no request input.
var webKeywords = [][]byte{
	[]byte("$_"), []byte("request"), []byte("req."), []byte("ctx."), []byte("FormValue"), []byte("URL.Query"),
	[]byte("RawQuery"), []byte("Header.Get"), []byte("getParameter"), []byte("getHeader"), []byte("QUERY_STRING"),
	[]byte("HTTP_"), []byte("searchParams"), []byte("c.Query"), []byte("c.Param"), []byte("getallheaders"),
	[]byte("@Request"), []byte("get_argument"), []byte("php://input"), []byte("Cookie("),
}

var (
	// webAssignRe finds "name = …", "name := …", "$name = …" and Go's
	// "a, b := …", up to the end of the statement or line.
	webAssignRe = regexp.MustCompile(`(\$?[A-Za-z_][\w]*)(?:\s*,\s*[A-Za-z_]\w*)*\s*(?::=|=|\.=|\+=)\s*([^=\n;][^\n;]*)`)
	webIdentRe  = regexp.MustCompile(`\$?[A-Za-z_][\w]*`)
)

// requestExec is GB0204: a sink whose arguments hold request input, read
// in the call itself or through a variable assigned from it shortly before.
func (c *collector) requestExec() {
	l, ok := webLangs[c.F.Lang]
	b := c.F.Content
	if !ok || !anyKeyword(b, webKeywords) || l.source.Find(b) == nil {
		return
	}
	if c.F.Lang != "go" {
		if tree, err := c.F.Tree(); err == nil && c.requestExecTree(l, tree) {
			return
		}
	}
	// Variables that hold request input, and where they were assigned.
	tainted := map[string][]int{}
	at := func(name string, use int) bool {
		for _, off := range tainted[name] {
			if off < use && use-off <= 4000 {
				return true
			}
		}
		return false
	}
	for pass := 0; pass < 2; pass++ {
		for _, m := range webAssignRe.FindAllSubmatchIndex(b, -1) {
			name, rhs := string(b[m[2]:m[3]]), b[m[4]:m[5]]
			if l.source.Match(rhs) || mentionsInput(rhs, at, m[0]) {
				if !at(name, m[0]+1) {
					tainted[name] = append(tainted[name], m[0])
				}
			}
		}
	}
	for _, m := range l.sink.FindAllIndex(b, -1) {
		start := m[0]
		for start < m[1] && !isIdentStart(b[start]) {
			start++
		}
		// RegExp.prototype.exec is not child_process's.
		if c.F.Lang == "javascript" && start > 0 && b[start-1] == '.' && !bytes.Contains(b, []byte("child_process")) {
			continue
		}
		open := m[1] - 1
		end := rulekit.Closing(b, open, 4096) + 1
		if end <= 0 {
			continue
		}
		args := b[open+1 : end-1]
		via := ""
		if src := l.source.Find(args); src != nil {
			via = string(src)
		} else {
			for _, id := range webIdentRe.FindAll(rulekit.BlankStrings(args), -1) {
				if at(string(id), start) {
					via = string(id)
					break
				}
			}
		}
		if via == "" {
			continue
		}
		call := string(bytes.TrimRight(b[start:m[1]], "( \t"))
		sev, what := glassbox.SeverityHigh, "a program it starts"
		if l.shell.MatchString(call) || l.shell.Match(args) {
			sev, what = glassbox.SeverityCritical, "code or a shell command line"
		}
		c.add(RuleRequestExec, sev, start, end,
			"request input ("+clip(via)+") reaches "+call+"(): whoever sends the request chooses "+what)
	}
}

// mentionsInput reports whether an identifier in b holds request input at use.
func mentionsInput(b []byte, at func(string, int) bool, use int) bool {
	for _, id := range webIdentRe.FindAll(rulekit.BlankStrings(b), -1) {
		if at(string(id), use) {
			return true
		}
	}
	return false
}

func anyKeyword(b []byte, ks [][]byte) bool {
	for _, k := range ks {
		if bytes.Contains(b, k) {
			return true
		}
	}
	return false
}

func isIdentStart(c byte) bool {
	return c == '$' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.'
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
