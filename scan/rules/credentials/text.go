package credentials

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"glassbox.dev"
	"glassbox.dev/scan/rules/internal/rulekit"
)

// Building blocks of the text patterns. A literal is a quoted string with
// escapes; an operand is an identifier path with member access, indexing
// and one level of call arguments: password, p->user, $_SERVER['X'],
// req.headers['user-agent'], request.getHeader("X-Debug").
const (
	litPat = "\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*'|`[^`]*`"
	opPat  = `[A-Za-z_$][\w$]*(?:\s*(?:\.|->|::|\?\.)\s*[A-Za-z_$][\w$]*|\[[^\]\n]{0,80}\]|\([^()\n]{0,80}\))*`
)

var (
	litRe = regexp.MustCompile(litPat)
	// operand == "literal", operand === 'literal', operand != "literal".
	binOpLitRe = regexp.MustCompile(`(` + opPat + `)\s*(?:===?|!==?)\s*(` + litPat + `)`)
	// "literal" == operand.
	binLitOpRe = regexp.MustCompile(`(` + litPat + `)\s*(?:===?|!==?)\s*(` + opPat + `)`)
	// Comparison calls, with an optional receiver for the method forms:
	// password.equals("x"), "x".equals(password), strcmp(pass, "x"),
	// hash_equals("x", $token), strstr(user, ":)").
	cmpCallRe = regexp.MustCompile(`(?:(` + opPat + `|` + litPat + `)\s*\.\s*)?\b(equals|equalsIgnoreCase|strcmp|strncmp|strcasecmp|strncasecmp|stricmp|memcmp|hash_equals|compare_digest|timingSafeEqual|EqualFold|ConstantTimeCompare|Equal|strstr|strcasestr|includes|startsWith|endsWith|contains|Contains|HasPrefix|HasSuffix|startswith|endswith)\s*\(`)
)

// containFuncs test containment rather than equality: a magic value
// hidden in a user name (vsftpd's ":)") is still one, but a user agent
// containing "Mobile" is not.
var containFuncs = map[string]bool{"strstr": true, "strcasestr": true, "includes": true, "startsWith": true,
	"endsWith": true, "contains": true, "Contains": true, "HasPrefix": true, "HasSuffix": true,
	"startswith": true, "endswith": true}

// comparison is one literal compared with one operand, found by text.
type comparison struct {
	start, end       int    // the whole comparison
	litFrom, litTo   int    // the literal's content, without quotes
	lit, operand, fn string // fn is the comparison function, "" for an operator
	contain          bool
}

// textComparisons finds every comparison of a string literal with an
// operand in code (comments already blanked), on the lines that could
// hold one that matters: a quote, a comparison, and an authentication
// word or a request header read within the ten lines before.
func (c *collector) textComparisons(code []byte) []comparison {
	var out []comparison
	lower := asciiLower(code)
	lastHeader := -100
	ln := 0
	eachLine(code, func(ls int, line []byte) {
		ln++
		low := lower[ls : ls+len(line)]
		if containsAny(low, "http_", "agent", "header", "x-") && headerRefRe.Match(line) {
			lastHeader = ln
		}
		if !containsAny(line, `"`, "'", "`") ||
			!containsAny(low, "==", "!=", "equal", "cmp", "strstr", "strcasestr", "includes", "with", "contains", "prefix", "suffix", "compare_digest", "timingsafe") ||
			!(ln-lastHeader <= 10 || containsAny(low, authKeywords...)) {
			return
		}
		out = append(out, c.lineComparisons(code, ls, line)...)
	})
	return out
}

// authKeywords are the lower-case fragments every authentication word
// contains: the line-level pre-filter of GB0101.
var authKeywords = []string{"pass", "pwd", "token", "secret", "key", "auth", "user", "uname", "login", "cred", "agent", "x-", "http_"}

// shift moves a submatch index slice from line to file offsets.
func shift(m []int, off int) []int {
	for i := range m {
		if m[i] >= 0 {
			m[i] += off
		}
	}
	return m
}

// lineComparisons finds the comparisons on one line starting at ls.
func (c *collector) lineComparisons(code []byte, ls int, line []byte) []comparison {
	var out []comparison
	for _, m := range binOpLitRe.FindAllSubmatchIndex(line, -1) {
		m = shift(m, ls)
		out = append(out, mkCmp(code, m[0], m[1], m[4], m[5], string(code[m[2]:m[3]]), "", false))
	}
	for _, m := range binLitOpRe.FindAllSubmatchIndex(line, -1) {
		m = shift(m, ls)
		out = append(out, mkCmp(code, m[0], m[1], m[2], m[3], string(code[m[4]:m[5]]), "", false))
	}
	for _, m := range cmpCallRe.FindAllSubmatchIndex(line, -1) {
		m = shift(m, ls)
		fn := string(code[m[4]:m[5]])
		open := m[1] - 1
		closeAt := rulekit.Closing(code, open, 400)
		if closeAt < 0 {
			continue
		}
		var parts [][2]int
		if m[2] >= 0 {
			parts = append(parts, [2]int{m[2], m[3]})
		}
		parts = append(parts, splitArgs(code, open+1, closeAt)...)
		// One part must be (or wrap) a literal; the others are what it is
		// compared with.
		for i, p := range parts {
			ls, le, ok := wrappedLiteral(code, p[0], p[1])
			if !ok {
				continue
			}
			var ops []string
			for j, q := range parts {
				if j != i {
					ops = append(ops, string(code[q[0]:q[1]]))
				}
			}
			if len(ops) == 0 {
				continue
			}
			out = append(out, mkCmp(code, m[0], closeAt+1, ls, le, strings.Join(ops, " "), fn, containFuncs[fn]))
			break
		}
	}
	return out
}

func mkCmp(code []byte, start, end, ls, le int, operand, fn string, contain bool) comparison {
	q := code[ls:le]
	from, to := ls, le
	if len(q) >= 2 {
		from, to = ls+1, le-1
	}
	return comparison{start: start, end: end, litFrom: from, litTo: to, lit: unescape(string(code[from:to])),
		operand: strings.TrimSpace(operand), fn: fn, contain: contain}
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	if u, err := strconv.Unquote(`"` + strings.ReplaceAll(s, `"`, `\"`) + `"`); err == nil {
		return u
	}
	// C's short octal escapes (\0), which Go's syntax lacks.
	if u, err := strconv.Unquote(`"` + cOctalRe.ReplaceAllStringFunc(strings.ReplaceAll(s, `"`, `\"`), func(e string) string {
		n, _ := strconv.ParseUint(e[1:], 8, 8)
		return fmt.Sprintf(`\x%02x`, n)
	}) + `"`); err == nil {
		return u
	}
	return s
}

// cOctalRe is a C octal escape of one to three digits.
var cOctalRe = regexp.MustCompile(`\\[0-7]{1,3}`)

// splitArgs splits b[from:to] at top-level commas, trimming spaces.
func splitArgs(b []byte, from, to int) [][2]int {
	var out [][2]int
	depth, s := 0, from
	emit := func(e int) {
		for s < e && isSpace(b[s]) {
			s++
		}
		for e > s && isSpace(b[e-1]) {
			e--
		}
		if e > s {
			out = append(out, [2]int{s, e})
		}
	}
	for i := from; i < to; i++ {
		switch b[i] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case '"', '\'', '`':
			q := b[i]
			for i++; i < to && b[i] != q; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case ',':
			if depth == 0 {
				emit(i)
				s = i + 1
			}
		}
	}
	emit(to)
	return out
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// wrappedLiteral reports whether b[from:to] is a string literal or a
// literal in a conversion — []byte("x"), b"x", Buffer.from("x"),
// "x".getBytes() — and returns the literal's quoted range.
func wrappedLiteral(b []byte, from, to int) (int, int, bool) {
	locs := litRe.FindAllIndex(b[from:to], -1)
	if len(locs) != 1 {
		return 0, 0, false
	}
	ls, le := from+locs[0][0], from+locs[0][1]
	rest := strings.TrimSpace(string(b[from:ls]) + string(b[le:to]))
	switch rest {
	case "", "[]byte()", "b", "Buffer.from()", ".getBytes()", "str()", "String()", ".encode()":
		return ls, le, true
	}
	return 0, 0, false
}

// magicText reports GB0101 for comparisons outside Go.
func (c *collector) magicText(code []byte, cmps []comparison) {
	values := comparedValues{}
	for _, m := range cmps {
		values.add(m.operand, m.lit)
	}
	charLits := c.F.Lang == "c" || c.F.Lang == "cpp" || c.F.Lang == "java"
	for _, m := range cmps {
		// 'x' in C, C++ and Java is one character, not a string: a
		// password's first character compared with '\0' is an emptiness
		// check.
		if charLits && m.litFrom > 0 && code[m.litFrom-1] == '\'' {
			continue
		}
		word, header, ok := authName(m.operand)
		if !ok || (header && m.contain) || !interesting(m.lit, word) {
			continue
		}
		c.magic(code[m.end:min(lineEnd(code, m.end, 5), m.end+2000)], m.start, m.end, m.litFrom, m.litTo, m.lit, m.operand, word, header, values)
	}
}

// comparedValues records, for each operand (its text with blanks
// removed), the distinct literals it is compared with in the file.
type comparedValues map[string]map[string]bool

func (v comparedValues) add(operand, lit string) {
	k := strings.Join(strings.Fields(operand), "")
	if v[k] == nil {
		v[k] = map[string]bool{}
	}
	v[k][lit] = true
}

// others returns how many literals other than lit operand is compared with.
func (v comparedValues) others(operand, lit string) int {
	set := v[strings.Join(strings.Fields(operand), "")]
	n := len(set)
	if set[lit] {
		n--
	}
	return n
}

// identityWords name who someone is (or a weak, overloaded word: a
// compiler pass, a lexer token), not a secret they prove it with: a user
// name compared with a literal is how programs treat special accounts
// (Redis's "default" user, utmp's "LOGIN" and "reboot" records), and is a
// backdoor only when the branch lets the caller in.
var identityWords = map[string]bool{"user": true, "username": true, "uname": true, "login": true,
	"auth": true, "pass": true, "token": true, "cred": true, "creds": true, "credentials": true}

// denyRe is what a branch that turns the caller away looks like.
var denyRe = regexp.MustCompile(`\bhttp\.Error\b|\bStatus(?:BadRequest|Unauthorized|Forbidden)\b|\b40[0134]\b|\b(?:throw|raise)\b|\breturn\s+(?:false|-1|NULL|nil\s*,|err\b|errors\.)|\babort\s*\(|\bdie\s*\(|\bexit\s*\(\s*[1-9]|[Ee]rror\s*\(`)

// magic reports one GB0101 finding. The severity says what the
// comparison does:
//   - critical: the guarded code (window) lets the caller in and the
//     literal is used nowhere else (it is not a constant shared with other
//     code);
//   - low: the operand is compared with other literals too (a dispatch on
//     a kind of credential, as composer's 'bearer' / 'x-oauth-basic' /
//     'oauth2', or on utmp record names), an identity rather than a
//     secret is compared and nothing is granted, or the branch turns the
//     caller away (input validation);
//   - high otherwise.
func (c *collector) magic(window []byte, start, end, litFrom, litTo int, lit, operand, word string, header bool, values comparedValues) {
	sev := glassbox.SeverityHigh
	if len(window) > 2000 {
		window = window[:2000]
	}
	what := "authentication input"
	if header {
		what = "request header"
	}
	msg := what + " " + shorten(operand) + " is compared with the literal " + strconv.Quote(redact(lit))
	grant := grantRe.Match(window)
	switch n := values.others(operand, lit); {
	case n > 0:
		sev = glassbox.SeverityLow
		msg += ", one of " + strconv.Itoa(n+1) + " values it is compared with: a dispatch on its value, not a secret check"
	case !grant && !header && identityWords[word]:
		sev = glassbox.SeverityLow
		msg += "; it names an identity, not a secret, and the code it guards grants nothing"
	case !grant && denyRe.Match(window):
		sev = glassbox.SeverityLow
		msg += "; the code it guards turns the caller away"
	case grant && bytes.Count(c.F.Content, []byte(lit)) <= 1:
		sev = glassbox.SeverityCritical
	}
	c.AddInput(RuleMagicValue, sev, start, end, litFrom, litTo, msg, lit)
}

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return s
}

var (
	// Where a request header is read: CGI names (HTTP_USER_AGENTT in PHP's
	// $_SERVER or the C SAPI), header accessors and header-name literals.
	headerRefRe = regexp.MustCompile(`(?i)\bHTTP_[A-Z0-9_]+|user[-_]?agentt?|getHeader\b|\.Header\.Get\b|\.Header\[|\bheaders\s*[\[.]|["']X-[A-Za-z0-9][A-Za-z0-9-]*["']`)
)

// headerBackdoor reports GB0103: a comparison with a literal that reads
// or follows a request header within ten lines and is followed by eval or
// exec within ten lines.
func (c *collector) headerBackdoor(code []byte, cmps []comparison) {
	for _, m := range cmps {
		if len([]rune(m.lit)) < 2 {
			continue
		}
		// Windows are bounded in bytes as well as lines, so a minified
		// file of one huge line costs linear time, not quadratic.
		from := max(lineStartBack(code, m.start, 10), m.start-2000)
		h := headerRefRe.Find(code[from:m.end])
		if h == nil {
			continue
		}
		ex := execRe.Find(code[m.end:min(lineEnd(code, m.end, 10), m.end+2000)])
		if ex == nil {
			continue
		}
		c.AddInput(RuleHeaderBackdoor, glassbox.SeverityCritical, m.start, m.end, m.litFrom, m.litTo,
			"request header "+strings.Trim(string(h), `"'`)+" is compared with the literal "+strconv.Quote(redact(m.lit))+
				" and then "+strings.TrimSpace(strings.TrimRight(strings.TrimLeft(string(ex), "(.=!&| \t\n;{}"), "( \t"))+" runs", m.lit)
	}
}

// lineStartBack returns the start of the line n lines before off's.
func lineStartBack(b []byte, off, n int) int {
	off = clamp(off, 0, len(b))
	i := bytes.LastIndexByte(b[:off], '\n') + 1
	for ; n > 0 && i > 0; n-- {
		i = bytes.LastIndexByte(b[:i-1], '\n') + 1
	}
	return i
}

// ---- GB0102 by text --------------------------------------------------------

var (
	// name = "literal", name: "literal", 'name' => 'literal', name := "x",
	// char name[] = "x". The character before the name keeps member
	// accesses whole and the = is never part of ==, <=, >= or !=, because
	// the literal must follow it directly.
	assignRe = regexp.MustCompile(`(?:^|[^\w$.>'"])(\$?[A-Za-z_][\w]*|"[\w.-]+"|'[\w.-]+')(?:\s*\[\w*\])?\s*(?::=|=>|=|:)\s*(` + litPat + `)`)
	defineRe = regexp.MustCompile(`(?m)^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+(` + litPat + `)`)
)

func (c *collector) assignText(code []byte) {
	eachLine(code, func(ls int, line []byte) {
		if !containsAny(line, `"`, "'", "`") || !containsAny(asciiLower(line), "pass", "pwd", "secret", "token", "key", "cred") {
			return
		}
		for _, re := range []*regexp.Regexp{assignRe, defineRe} {
			for _, m := range re.FindAllSubmatchIndex(line, -1) {
				// A name inside a string ("Auth-Pass: " in nginx's mail
				// proxy) is text, and a quoted word before the colon of
				// a ternary (pass ? 'tests-pass' : 'tests-fail') is a
				// value, not a key.
				if inString(line, m[2]) || ternaryBranch(line, m[2]) {
					continue
				}
				m = shift(m, ls)
				c.assignment(m[2], m[5], string(code[m[2]:m[3]]), m[4], m[5])
			}
		}
	})
}

// inString reports whether line[at] is inside a string literal that
// opens on the line.
func inString(line []byte, at int) bool {
	var q byte
	for i := 0; i < at && i < len(line); i++ {
		switch ch := line[i]; {
		case q != 0 && ch == '\\':
			i++
		case q != 0 && ch == q:
			q = 0
		case q == 0 && (ch == '"' || ch == '\'' || ch == '`'):
			q = ch
		}
	}
	return q != 0
}

// ternaryBranch reports whether the quoted name at line[at] follows the ?
// of a conditional expression.
func ternaryBranch(line []byte, at int) bool {
	if at >= len(line) || (line[at] != '"' && line[at] != '\'') {
		return false
	}
	before := bytes.TrimRight(line[:at], " \t")
	return len(before) > 0 && before[len(before)-1] == '?'
}

// secretLast are the final words of a name that holds a secret; the whole
// last word must match, so passwordField and tokenType are metadata.
var secretLast = map[string]bool{"password": true, "passwd": true, "pass": true, "pwd": true,
	"passphrase": true, "secret": true, "token": true, "apikey": true, "credential": true,
	"credentials": true, "passcode": true}

// secretName reports whether a name (identifier or quoted key) holds a
// secret. A public one (publicKeyToken, the hash of a .NET assembly's
// public key in a manifest) does not.
func secretName(name string) bool {
	w := words(name)
	if len(w) == 0 {
		return false
	}
	for _, x := range w {
		if x == "public" {
			return false
		}
	}
	// setPassword, checkToken, resetSecret: an operation on a secret
	// (symfony's TentativeTypes maps 'setPassword' => 'bool'), not one.
	if len(w) > 1 && accessorVerbs[w[0]] {
		return false
	}
	last := w[len(w)-1]
	if secretLast[last] {
		return true
	}
	if last == "key" && len(w) > 1 {
		switch w[len(w)-2] {
		case "api", "secret", "private", "access", "signing", "encryption":
			return true
		}
	}
	return false
}

var (
	// Placeholders that a program may ship as its real default are
	// medium; metasyntactic ones (foo, example, <your-password>) are
	// written for a reader and low.
	placeholderRe   = regexp.MustCompile(`(?i)^(?:change_?me|changeit|password\d*|passw0rd|pass|secret|replace_?me|default)$`)
	metasyntacticRe = regexp.MustCompile(`(?i)^(?:example|test|testing|dummy|placeholder|todo|fixme|your[_-].*|<.*>|sample|fake|foo|bar|baz|foobar|redacted)$`)
	sentenceRe      = regexp.MustCompile(`^[A-Za-z][\w'’]*(?:[ ,]+[\w'’]+)+[ .:!?]*$`)
	envNameRe       = regexp.MustCompile(`^[A-Z][A-Z0-9_]*_[A-Z0-9_]+$`)
	alnumRe         = regexp.MustCompile(`[A-Za-z0-9]`)
	colourRe        = regexp.MustCompile(`^(?:(?:bold|italic|underline|bg:|border:|no\w*)\s*)*#[0-9a-fA-F]{3,8}\b`)
	templateRe      = regexp.MustCompile(`%[-\d.]*[sdvq]|\{\{|\$\{|\$\(|\{\w*\}`)
)

// assignment checks one name = "literal" pair found by text or syntax
// tree; start/end span it, litFrom/litTo the quoted literal.
func (c *collector) assignment(start, end int, name string, litFrom, litTo int) {
	name = strings.Trim(name, `"'$`)
	if !secretName(name) {
		return
	}
	q := c.F.Content[litFrom:litTo]
	if len(q) < 2 {
		return
	}
	val := unescape(string(q[1 : len(q)-1]))
	sev, ok := secretValue(name, val)
	if !ok {
		return
	}
	msg := name + " is assigned the hard-coded literal " + strconv.Quote(redact(val))
	switch {
	case anonymousNear(c.F.Content, start):
		// Anonymous FTP: the password that goes with the "anonymous"
		// account is by convention the client's name or e-mail address
		// (busybox's ftpgetput sends "busybox"); it opens nothing the
		// account does not already open to anyone.
		sev = glassbox.SeverityLow
		msg += " beside the anonymous account, whose password is by convention no secret"
	case rulekit.IsExamplePath(c.F.Path):
		sev = glassbox.SeverityLow
		msg += " in example code, written for a reader to copy"
	}
	c.AddInput(RuleHardcodedPassword, sev, start, end, litFrom+1, litTo-1, msg, val)
}

// anonymousNear reports whether the literal "anonymous" is within three
// lines of off.
func anonymousNear(b []byte, off int) bool {
	from := lineStartBack(b, off, 3)
	to := min(lineEnd(b, off, 4), len(b))
	return bytes.Contains(b[from:to], []byte(`"anonymous"`)) || bytes.Contains(b[from:to], []byte(`'anonymous'`))
}

// accessorVerbs begin the names of operations.
var accessorVerbs = map[string]bool{"set": true, "get": true, "has": true, "is": true, "check": true,
	"verify": true, "validate": true, "reset": true, "update": true, "change": true, "hash": true,
	"encode": true, "decode": true, "encrypt": true, "decrypt": true, "generate": true, "gen": true,
	"make": true, "create": true, "read": true, "load": true,
	"fetch": true, "refresh": true, "revoke": true, "parse": true, "format": true, "mask": true, "masked": true,
	"on": true, "handle": true, "require": true, "prompt": true, "ask": true, "show": true, "forgot": true}

// weakSecretLast are last words that name a secret in some code and
// something else in much more (a test or compiler pass, a lexer or
// date-format token): the value must then look like a secret itself.
var weakSecretLast = map[string]bool{"pass": true, "token": true}

// secretShaped reports whether a value looks generated or chosen as a
// secret rather than written as a word: no blanks, at least eight
// characters, and a digit or a symbol besides letters. 'overEvery'
// (lodash's allPass alias), 'SS' (a date-format token) and 'FAIL' are
// words.
func secretShaped(v string) bool {
	if len(v) < 8 || strings.ContainsAny(v, " \t") {
		return false
	}
	letters, other := false, false
	for _, r := range v {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			letters = true
		case r == '_' || r == '-' || r == '.':
		default:
			other = true
		}
	}
	return letters && other
}

// emailRe is an e-mail address or its local part with an empty domain
// ("busybox@"): an identity that anonymous FTP sends as its password.
var emailRe = regexp.MustCompile(`^[\w.+-]+@(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?$`)

// spellsOwnName reports whether a value, or the text a base64 word of it
// decodes to, contains the last word of the name it is assigned to: the
// value is the field's label or prompt, as "334 UGFzc3dvcmQ6" (base64 of
// "Password:") is the SMTP AUTH LOGIN prompt nginx's mail proxy sends.
func spellsOwnName(name, v string) bool {
	w := words(name)
	if len(w) == 0 {
		return false
	}
	last := w[len(w)-1]
	if strings.Contains(strings.ToLower(v), last) {
		return true
	}
	for _, f := range strings.Fields(v) {
		if len(f) < 8 || len(f)%4 != 0 {
			continue
		}
		if d, err := base64.StdEncoding.DecodeString(f); err == nil && strings.Contains(strings.ToLower(string(d)), last) {
			return true
		}
	}
	return false
}

// secretValue grades a literal assigned to a secret-named variable:
// empty values, prompts, environment-variable names and templates are not
// secrets; placeholders are medium, as they are usually documentation but
// sometimes ship as the real default; anything else is high.
func secretValue(name, val string) (glassbox.Severity, bool) {
	v := strings.TrimSpace(val)
	if len([]rune(v)) < 3 || sentenceRe.MatchString(v) || !alnumRe.MatchString(v) || colourRe.MatchString(v) ||
		strings.ContainsAny(v, "\x1b\x00\r\n") || boringLiterals[strings.ToLower(v)] || envNameRe.MatchString(v) || templateRe.MatchString(v) ||
		strings.HasPrefix(v, "/") || strings.Contains(v, "://") {
		return "", false
	}
	if emailRe.MatchString(v) {
		return "", false
	}
	if w := words(name); len(w) > 0 && weakSecretLast[w[len(w)-1]] && !secretShaped(v) {
		return "", false
	}
	if strings.Count(v, v[:1]) == len(v) {
		return "", false // XXX, ***, ...: a mask, not a value
	}
	if placeholderRe.MatchString(v) {
		return glassbox.SeverityMedium, true
	}
	if metasyntacticRe.MatchString(v) {
		return glassbox.SeverityLow, true
	}
	// A value that contains the name's own last word is the name of the
	// field, the OID or the form input ("challengePassword",
	// "use-credentials"), not a secret.
	if spellsOwnName(name, v) {
		return "", false
	}
	if strings.EqualFold(strings.Join(words(v), ""), strings.Join(words(name), "")) {
		return glassbox.SeverityMedium, true
	}
	return glassbox.SeverityHigh, true
}
