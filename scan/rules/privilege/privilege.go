// Package privilege finds code that quietly grants privilege: an
// assignment where a security check needs a comparison (the 2003 attempt
// to slip "current->uid = 0" into the Linux kernel's wait4), and a
// process making itself root with setuid(0) away from its start-up code.
//
// The analyser is textual, over source with comments blanked out and
// guarded by a cheap keyword pre-filter. Go needs no assignment rule: an
// assignment is not an expression there, so the compiler rejects it.
package privilege

import (
	"bytes"
	"glassbox.dev/scan/rules/internal/rulekit"
	"regexp"
	"strings"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// Family is the name of the rule family this package implements.
const Family = "privilege"

func init() { scan.Register(New()) }

// The rules, in ID order. Their IDs are stable: suppressions key on them.
var (
	// RuleAssignInCondition is GB0901: an assignment to a privilege variable in a condition.
	RuleAssignInCondition = scan.Rule{
		ID:       "GB0901",
		Name:     "assignment-in-condition",
		Family:   Family,
		Severity: glassbox.SeverityCritical,
		Summary:  "A condition assigns to a user ID, admin, root or authentication variable where a comparison belongs.",
		Explanation: "\"if (uid = 0)\" reads like a check but makes the caller root (or admin, or authenticated) " +
			"whenever the rest of the condition holds; one missing \"=\" is the smallest possible backdoor, and " +
			"was how the 2003 attempt to backdoor the Linux kernel's wait4 was disguised.",
	}
	// RuleSetuidZero is GB0902: setuid(0) outside start-up code.
	RuleSetuidZero = scan.Rule{
		ID:       "GB0902",
		Name:     "setuid-root",
		Family:   Family,
		Severity: glassbox.SeverityMedium,
		Summary:  "The process sets its user or group ID to 0 (root) outside main or initialisation code (high when a shell follows, critical when a comparison with a literal gates both).",
		Explanation: "Privileged programs change identity once, at start-up; becoming root later, inside a " +
			"request handler or helper, is how a trigger somewhere else in the program turns into a root shell, " +
			"as in ProFTPD 1.3.3c (2010), whose HELP command with the argument ACIDBITCHEZ became root and ran /bin/sh.",
	}
)

// keywords pre-filter files: a file containing none of them names no
// privilege variable and calls no set*id.
var keywords = [][]byte{
	[]byte("uid"), []byte("gid"), []byte("Uid"), []byte("Gid"), []byte("UID"), []byte("GID"),
	[]byte("dmin"), []byte("DMIN"), []byte("root"), []byte("Root"), []byte("ROOT"),
	[]byte("riv"), []byte("RIV"), []byte("uth"), []byte("UTH"), []byte("capable"), []byte("erm"),
	[]byte("ERM"), []byte("uperuser"), []byte("ogged"), []byte("ranted"), []byte("ccess"),
}

// analyzer is stateless, so one value is safe for concurrent use.
type analyzer struct{}

// New returns the privilege analyser.
func New() scan.Analyzer { return analyzer{} }

// Rules lists GB0901–GB0902.
func (analyzer) Rules() []scan.Rule { return []scan.Rule{RuleAssignInCondition, RuleSetuidZero} }

// condLangs allow assignments inside conditions. Python and shell do not
// (in shell "=" inside [ ] is a comparison), nor does Go.
var condLangs = map[string]bool{"c": true, "cpp": true, "java": true, "javascript": true, "php": true}

// setuidLangs are where set*id(0) is looked for.
var setuidLangs = map[string]bool{"c": true, "cpp": true, "go": true, "python": true, "php": true, "javascript": true}

// recoverPanics is turned off by the fuzz test, so that a panic is a
// failure there rather than a silently empty result.
var recoverPanics = true

// Analyze returns the privilege findings in f. It never panics: a panic
// from a malformed input is a bug, but losing one file's findings is
// better than losing the scan, so it is recovered as a last resort.
func (analyzer) Analyze(f *scan.File) (out []glassbox.Finding) {
	if f == nil || len(f.Content) == 0 || (!condLangs[f.Lang] && !setuidLangs[f.Lang]) || !mayMatch(f.Content) {
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
	// Minified bundles assign inside conditions by design (a=b&&(c=d));
	// their source, not the bundle, is where such a bug is reviewed.
	if condLangs[f.Lang] && !strings.Contains(f.Path, ".min.") {
		c.assignInCondition(code)
	}
	if setuidLangs[f.Lang] {
		c.setuidZero(code)
	}
	return c.Out
}

func mayMatch(b []byte) bool {
	for _, k := range keywords {
		if bytes.Contains(b, k) {
			return true
		}
	}
	return false
}

// ---- GB0901 ------------------------------------------------------------------

// privNames are privilege variables, lower-cased with underscores removed.
var privNames = map[string]bool{
	"uid": true, "euid": true, "suid": true, "fsuid": true, "ruid": true, "gid": true, "egid": true,
	"sgid": true, "fsgid": true, "rgid": true, "admin": true, "isadmin": true, "administrator": true,
	"isadministrator": true, "root": true, "isroot": true, "privileged": true, "isprivileged": true,
	"priv": true, "privs": true, "privilege": true, "privileges": true, "authenticated": true,
	"isauthenticated": true, "auth": true, "authed": true, "authorized": true, "isauthorized": true,
	"authorised": true, "isauthorised": true, "capable": true, "perm": true, "perms": true,
	"permission": true, "permissions": true, "superuser": true, "issuperuser": true, "su": true,
	"issu": true, "loggedin": true, "isloggedin": true, "granted": true, "accessgranted": true,
	"hasaccess": true, "canaccess": true,
}

var (
	condStartRe = regexp.MustCompile(`\b(?:if|while)\s*\(`)
	// A privilege-granting literal: 0 (root's ID), 1 or true, optionally
	// cast: (uid_t)0.
	grantLitRe = regexp.MustCompile(`^(?:\(\s*\w+\s*\)\s*)?(?:0|0x0|1|true|TRUE|True)$`)
	lhsRe      = regexp.MustCompile(`[\w$]+(?:\s*(?:->|\.|::)\s*[\w$]+|\[[^\]\n]*\])*\s*$`)
	rhsRe      = regexp.MustCompile(`^\s*((?:\(\s*\w+\s*\)\s*)?[\w$]+(?:\s*(?:->|\.|::)\s*[\w$]+)*)(\s*\()?`)
)

// assignInCondition scans every if/while condition for a lone "=".
func (c *collector) assignInCondition(code []byte) {
	for _, m := range condStartRe.FindAllIndex(code, -1) {
		open := m[1] - 1
		end := rulekit.Closing(code, open, 1000)
		if end < 0 {
			continue
		}
		for _, i := range loneAssignments(code, open+1, end) {
			lm := lhsRe.FindIndex(code[open+1 : i])
			if lm == nil {
				continue
			}
			ls := open + 1 + lm[0]
			lhs := strings.TrimSpace(string(code[ls:i]))
			rm := rhsRe.FindSubmatchIndex(code[i+1 : end])
			if rm == nil {
				continue
			}
			rhs := string(code[i+1+rm[2] : i+1+rm[3]])
			isCall := rm[4] >= 0
			if !privNames[normalise(lastComponent(lhs))] || isCall {
				// (uid = getuid()) == 0 is the ordinary C idiom: assign
				// the result of a call, then compare it.
				continue
			}
			re := i + 1 + rm[3]
			if grantLitRe.MatchString(rhs) {
				c.Add(RuleAssignInCondition, glassbox.SeverityCritical, ls, re, 0, 0,
					"the condition assigns "+rhs+" to "+lhs+" (\""+lhs+" = "+rhs+"\") where a comparison belongs, granting the privilege instead of checking it")
			} else if strings.Contains(rhs, "::") || strings.Contains(rhs, "->") || strings.Contains(rhs, ".") {
				// Fetch and test: "if (!$gid = self::$gid)" reads a
				// stored value and tests it (symfony's VarCloner), which
				// grants nothing.
				c.Add(RuleAssignInCondition, glassbox.SeverityLow, ls, re, 0, 0,
					"the condition assigns "+rhs+", a value read from elsewhere, to the privilege variable "+lhs+" and tests it: fetch and test, not a grant")
			} else {
				c.Add(RuleAssignInCondition, glassbox.SeverityHigh, ls, re, 0, 0,
					"the condition assigns "+rhs+" to the privilege variable "+lhs+" where a comparison may belong")
			}
		}
	}
}

// loneAssignments returns the offsets in code[from:to] of "=" characters
// that are assignments: not part of ==, !=, <=, >=, =>, or a compound
// assignment, and not inside a string literal.
func loneAssignments(code []byte, from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		switch code[i] {
		case '"', '\'', '`':
			q := code[i]
			for i++; i < to && code[i] != q; i++ {
				if code[i] == '\\' {
					i++
				}
			}
		case '=':
			prev, next := byte(0), byte(0)
			if i > from {
				prev = code[i-1]
			}
			if i+1 < to {
				next = code[i+1]
			}
			if next == '=' || next == '>' || strings.IndexByte("=!<>+-*/%&|^~:?.", prev) >= 0 && prev != 0 {
				if next == '=' {
					i++ // skip the rest of == / ===
					for i+1 < to && code[i+1] == '=' {
						i++
					}
				}
				continue
			}
			out = append(out, i)
		}
	}
	return out
}

// lastComponent returns the final name of a member path: current->uid
// gives uid, $user->is_admin gives is_admin, perms[0] gives perms.
func lastComponent(s string) string {
	if i := strings.IndexByte(s, '['); i >= 0 {
		s = s[:i]
	}
	for _, sep := range []string{"->", ".", "::"} {
		if i := strings.LastIndex(s, sep); i >= 0 {
			s = s[i+len(sep):]
		}
	}
	return strings.TrimSpace(strings.TrimLeft(s, "$"))
}

func normalise(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }

// ---- GB0902 ------------------------------------------------------------------

var (
	setuidRe = regexp.MustCompile(`\b(?:(?:os|syscall|unix|process|posix)\.|posix_)?(setuid|seteuid|setgid|setegid|setreuid|setregid|setresuid|setresgid|Setuid|Seteuid|Setgid|Setegid|Setreuid|Setregid|Setresuid|Setresgid)\s*\(\s*(?:\(\s*\w+\s*\)\s*)?0\s*[,)]`)
	// Function headers, per language family, to find the function a call is in.
	goFuncRe = regexp.MustCompile(`(?m)^func\s+(?:\([^)]*\)\s*)?(\w+)`)
	pyFuncRe = regexp.MustCompile(`(?m)^[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)`)
	cFuncRe  = regexp.MustCompile(`\b(\w+)\s*\([^;{}()]*(?:\([^;{}()]*\)[^;{}()]*)*\)\s*(?:const\s*)?(?:throws[\w\s,.]+)?\{`)
	// Start-up code: where a privileged program legitimately settles its
	// identity.
	startupRe = regexp.MustCompile(`(?i)^(?:main|_?init|\w+_init|init_\w+|\w*Init|__init__|_start|start|setup|daemoni[sz]e\w*)$`)
)

var (
	// shellAfterRe finds a shell started after privileges were raised.
	shellAfterRe = regexp.MustCompile(`\b(?:system|popen|execlp?|execle|execvp?e?|os\.system|subprocess\.\w+|exec\.Command|syscall\.Exec|Runtime\.getRuntime\(\)\.exec)\s*\(|"/bin/(?:ba|da|z)?sh\b`)
	// magicCmpRe finds a comparison with a string literal.
	magicCmpRe = regexp.MustCompile(`\b(?:strn?(?:case)?cmp|equals(?:IgnoreCase)?|hash_equals|Equal|EqualFold)\s*\([^;\n]*"([^"\n]{2,})"|(?:==|!=)\s*"([^"\n]{2,})"|"([^"\n]{2,})"\s*(?:==|!=)`)
)

func firstNonEmptyGroup(m [][]byte) string {
	for _, g := range m[1:] {
		if len(g) > 0 {
			return string(g)
		}
	}
	return ""
}

// notFuncs are keywords cFuncRe would otherwise take for function names.
var notFuncs = map[string]bool{"if": true, "while": true, "for": true, "switch": true, "catch": true,
	"return": true, "sizeof": true, "else": true, "do": true, "synchronized": true, "function": true, "with": true}

// setuidZero reports set*id(0) calls outside start-up functions.
func (c *collector) setuidZero(code []byte) {
	if !containsAny(code, "setuid", "setgid", "seteuid", "setegid", "setre", "setres", "Setuid", "Setgid", "Seteuid", "Setegid", "Setre", "Setres") {
		return
	}
	locs := setuidRe.FindAllSubmatchIndex(code, -1)
	if len(locs) == 0 {
		return
	}
	var heads [][]int
	switch c.F.Lang {
	case "go":
		heads = goFuncRe.FindAllSubmatchIndex(code, -1)
	case "python":
		heads = pyFuncRe.FindAllSubmatchIndex(code, -1)
	default:
		for _, h := range cFuncRe.FindAllSubmatchIndex(code, -1) {
			if !notFuncs[string(code[h[2]:h[3]])] {
				heads = append(heads, h)
			}
		}
	}
	for _, m := range locs {
		fn, fnStart := "", 0
		for _, h := range heads {
			if h[0] > m[0] {
				break
			}
			fn, fnStart = string(code[h[2]:h[3]]), h[0]
		}
		// No enclosing function is a script's top level, which is its main.
		if fn == "" || startupRe.MatchString(fn) {
			continue
		}
		call := string(code[m[2]:m[3]])
		// Root followed by a shell is a root shell; behind a comparison
		// with a literal it is ProFTPD 1.3.3c's "HELP ACIDBITCHEZ".
		before := code[max(0, m[0]-400):m[0]]
		after := code[m[1]:min(len(code), m[1]+400)]
		if shellAfterRe.Match(after) {
			if lit := magicCmpRe.FindSubmatch(before); lit != nil {
				c.Add(RuleSetuidZero, glassbox.SeverityCritical, m[0], m[1], 0, 0,
					call+"(0) and a shell follow a comparison with the literal \""+firstNonEmptyGroup(lit)+"\" inside "+fn+": a magic value that opens a root shell")
				continue
			}
			c.Add(RuleSetuidZero, glassbox.SeverityHigh, m[0], m[1], 0, 0,
				call+"(0) is followed by a shell inside "+fn+", which is not start-up code: a root shell")
			continue
		}
		if drops(code[fnStart:m[0]]) || drops(code[m[1]:min(len(code), m[1]+200)]) {
			// Root restored after a temporary drop in the same function
			// (openssh's sshpam_chauthtok_ruid: setreuid(pw_uid, -1),
			// pam_chauthtok, setreuid(0, -1)), or taken back only to drop
			// for good right after (auth-sia.c: setuid(0);
			// permanently_set_uid(pw)): the process was root already.
			c.Add(RuleSetuidZero, glassbox.SeverityLow, m[0], m[1], 0, 0,
				call+"(0) inside "+fn+" restores root next to a drop of it in the same function: the process was root already")
			continue
		}
		c.Add(RuleSetuidZero, glassbox.SeverityMedium, m[0], m[1], 0, 0,
			call+"(0) makes the process root inside "+fn+", which is not start-up code")
	}
}

// dropRe is a change of identity: the first argument says to whom.
var dropRe = regexp.MustCompile(`\b(?:set(?:re|res)?[ug]id|sete[ug]id|Set(?:re|res)?[ug]id|Sete[ug]id|permanently_set_uid|temporarily_use_uid)\s*\(([^()\n]*)`)

// drops reports whether code changes identity to someone other than root.
func drops(code []byte) bool {
	for _, m := range dropRe.FindAllSubmatch(code, -1) {
		arg, _, _ := strings.Cut(string(m[1]), ",")
		if a := strings.TrimSpace(arg); a != "0" && a != "" {
			return true
		}
	}
	return false
}
