package payload

import (
	"bytes"
	"regexp"
	"strings"

	"glassbox.dev"
	"glassbox.dev/scan/rules/internal/rulekit"
	"glassbox.dev/scan/syntax"
)

// lang describes, for one scripting language, what decodes and what
// executes. Sink patterns may start with one guard character (so eval is
// not matched inside obj.eval); the sink itself begins at the last match
// of sinkNameRe inside the match.
type lang struct {
	decode *regexp.Regexp
	sink   *regexp.Regexp
	// keep, if set, vets a sink match (e.g. regex.exec is not a sink).
	keep func(file []byte, sink string) bool
}

var langs = map[string]lang{
	"javascript": {
		decode: regexp.MustCompile(`Buffer\.from\([^)]*['"](?:base64|hex)['"]|\batob\s*\(|String\.fromCharCode\s*\(|\.split\(\s*(?:''|"")\s*\)\s*\.reverse\(\)\s*\.join\(|createDecipher(?:iv)?\s*\(|\bunescape\s*\(`),
		sink:   regexp.MustCompile(`(?:^|[^.\w$])(?:eval|Function|require|setTimeout|setInterval)\s*\(|\bnew\s+Function\s*\(|\.?\b(?:exec|execSync|spawn|spawnSync|execFile|execFileSync)\s*\(|\b_compile\s*\(|\brun(?:InThisContext|InNewContext|InContext)\s*\(`),
		keep: func(file []byte, sink string) bool {
			// RegExp.prototype.exec is not child_process.exec.
			return sink[0] != '.' || bytes.Contains(file, []byte("child_process"))
		},
	},
	"python": {
		decode: regexp.MustCompile(`\b(?:b64decode|b32decode|b16decode|a85decode|b85decode|urlsafe_b64decode|decodebytes|decodestring)\s*\(|\bbytes\.fromhex\s*\(|\bcodecs\.decode\s*\(|\bbinascii\.(?:unhexlify|a2b_base64|a2b_hex)\s*\(|\bzlib\.decompress\s*\(|\bmarshal\.loads\s*\(|\bjoin\(\s*(?:map\(\s*chr\b|\[?\s*chr\s*\()|\[::-1\]|\.decode\(\s*['"](?:hex|base64|rot13|rot_13)['"]`),
		sink:   regexp.MustCompile(`(?:^|[^.\w])(?:exec|eval|compile|execfile|__import__)\s*\(|\bos\.(?:system|popen|exec\w*|spawn\w*)\s*\(|\bsubprocess\.\w+\s*\(|\bpty\.spawn\s*\(|\bimportlib\.import_module\s*\(`),
	},
	"php": {
		decode: regexp.MustCompile(`\b(?:base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|hex2bin|strrev|convert_uudecode)\s*\(`),
		sink:   regexp.MustCompile(`(?:^|[^.\w$>:])(?:eval|assert|system|exec|shell_exec|passthru|popen|proc_open|create_function|pcntl_exec)\s*\(`),
	},
}

var (
	// assignRe finds "name = …" (also +=, .=) up to the end of the line or
	// statement; the right side may not start a comparison or an arrow.
	assignRe = regexp.MustCompile(`(\$?[A-Za-z_$][\w$]*)\s*(?:\+=|\.=|=)([^=>~][^\n;]*)`)
	identRe  = regexp.MustCompile(`\$?[A-Za-z_$][\w$]*`)
	// funcDeclRe finds JavaScript/PHP function declarations (ending at
	// their opening brace) and Python defs (ending at the colon).
	funcDeclRe = regexp.MustCompile(`\bfunction\s+([A-Za-z_$][\w$]*)\s*\([^)]*\)\s*\{|\bdef\s+([A-Za-z_]\w*)\s*\([^)]*\)[^:\n]*:`)
	// sinkNameRe locates the callee name inside a sink match.
	sinkNameRe = regexp.MustCompile(`[.\w$]+\s*\($`)
)

// textTaint is the scripting-language GB0301: a sink whose arguments
// contain a decode call (same statement), or an identifier assigned
// earlier in the file from a decode call or from another such identifier.
//
// Without a parser, "within the same function" is approximated by "shortly
// before, in the same file": taint flows forward a bounded distance.
func (c *collector) textTaint(l lang) {
	b := c.F.Content
	if l.decode.Find(b) == nil {
		return
	}
	tainted := taints{} // name -> offsets of its tainting assignments
	tainted.rebind(b)
	// A helper whose body decodes is itself a decoder: flatmap-stream
	// wrapped Buffer.from(x, "hex") in a one-letter function and called
	// that everywhere. Its name counts as a decode wherever it appears.
	for _, m := range funcDeclRe.FindAllSubmatchIndex(b, -1) {
		name := string(b[m[2]:m[3]])
		if name == "" && m[4] >= 0 {
			name = string(b[m[4]:m[5]])
		}
		body := b[m[1]:min(len(b), m[1]+2000)]
		if end := matchBrace(b, m[1]-1); end > 0 && b[m[1]-1] == '{' {
			body = b[m[1]:end]
		}
		if name != "" && l.decode.Match(body) {
			tainted.add(name, m[0], true)
		}
	}
	for pos := 0; pos < len(b); {
		m := assignRe.FindSubmatchIndex(b[pos:])
		if m == nil {
			break
		}
		name := string(b[pos+m[2] : pos+m[3]])
		rhs := b[pos+m[4] : pos+m[5]]
		at := pos + m[2]
		if c.decodesInCode(l, rhs, pos+m[4]) || mentionsTainted(rhs, tainted, at) {
			tainted.add(name, at, false)
		}
		// Resume inside the right-hand side: "var a = 1, b = atob(x)"
		// has a second assignment there.
		pos += m[4]
	}
	c.hiddenCalls(l, tainted)
	sinks := l.sink.FindAllIndex(b, -1)
	// A sink renamed (var r = require) is still a sink: flatmap-stream
	// called require only through a one-letter alias.
	aliases, aliasRe := sinkAliases(b)
	if aliasRe != nil {
		sinks = append(sinks, aliasRe.FindAllIndex(b, -1)...)
	}
	for _, m := range sinks {
		open := m[1] - 1
		start := m[0]
		if loc := sinkNameRe.FindIndex(b[m[0]:m[1]]); loc != nil {
			start = m[0] + loc[0]
		}
		name := b[start:m[1]]
		if l.keep != nil && !l.keep(b, string(name)) {
			continue
		}
		if callee := strings.TrimRight(string(name), "( \t"); aliases[callee] != nil && !l.sink.Match(b[m[0]:m[1]]) && !aliases.at(callee, start) {
			continue // the name is another function here
		}
		if !c.inCode(start) {
			continue // the name of a sink in a comment or a string runs nothing
		}
		close := matchParen(b, open)
		if close < 0 {
			continue
		}
		args := b[open+1 : close-1]
		if l.decode.Match(args) {
			c.add(RuleDecodedExec, glassbox.SeverityCritical, start, close,
				"Decoded string passed straight to "+trimCall(string(name)))
			continue
		}
		// setTimeout(fn, ms) is everywhere and runs code only when given a
		// string, so only a decode in the call itself counts; likewise any
		// call whose argument is a function literal.
		if bytes.HasPrefix(name, []byte("set")) || bytes.Contains(args, []byte("=>")) || bytes.Contains(args, []byte("function")) {
			continue
		}
		for _, id := range identRe.FindAll(rulekit.BlankStrings(args), -1) {
			if tainted.at(string(id), start) {
				c.add(RuleDecodedExec, glassbox.SeverityCritical, start, close,
					"Decoded string "+string(id)+" passed to "+trimCall(string(name)))
				break
			}
		}
	}
}

// inCode reports whether the byte at off is code, not inside a comment or
// a string literal, by the file's syntax tree; without one (a language
// scan/syntax does not parse, a file over its size limit) everything is
// taken as code.
func (c *collector) inCode(off int) bool {
	if !c.treeRead {
		c.treeRead = true
		if t, err := c.F.Tree(); err == nil {
			c.tree = t
		}
	}
	return c.tree == nil || c.tree.ClassAt(off) == syntax.Code
}

// decodesInCode reports whether b, which starts at offset at of the file,
// calls a decoder in its code (not in a trailing comment).
func (c *collector) decodesInCode(l lang, b []byte, at int) bool {
	for _, m := range l.decode.FindAllIndex(b, -1) {
		if c.inCode(at + m[0]) {
			return true
		}
	}
	return false
}

// aliasRe finds a code-running function given another name:
// "var r = require", "const run = eval", "e = Function,".
var aliasRe = regexp.MustCompile(`([A-Za-z_$][\w$]*)\s*=\s*(?:require|eval|Function|globalThis\.eval|window\.eval)\s*[,;)\n]`)

// sinkAliases returns where the file makes aliases of sinks, and a
// pattern matching calls of them (nil if it has none). An alias holds
// from its assignment on, and a short name (three letters or fewer, as
// minifiers name every local) only within reach: mongoose's browser
// bundle sets one h=Function and has a thousand other functions named h.
func sinkAliases(b []byte) (taints, *regexp.Regexp) {
	var names []string
	at := taints{}
	for _, m := range aliasRe.FindAllSubmatchIndex(b, -1) {
		name := string(b[m[2]:m[3]])
		if at[name] == nil {
			names = append(names, regexp.QuoteMeta(name))
		}
		at.add(name, m[2], len(name) > 3)
	}
	if names == nil {
		return nil, nil
	}
	return at, regexp.MustCompile(`(?:^|[^.\w$])(?:` + strings.Join(names, "|") + `)\s*\(`)
}

// computedCallRe finds obj[f(…)]( and getattr(obj, f(…))( — a call of a
// method whose name is computed by a function call.
var computedCallRe = regexp.MustCompile(`\[\s*([A-Za-z_$][\w$.]*)\s*\(|\bgetattr\s*\([^,()]+,\s*([A-Za-z_$][\w$.]*)\s*\(`)

// hiddenCalls reports calls of a method whose name is decoded at run time
// (f[e(n[7])](code) in flatmap-stream, where e decodes hex and n[7] is
// "_compile"): code that hides even which function it calls.
func (c *collector) hiddenCalls(l lang, tainted taints) {
	b := c.F.Content
	for _, m := range computedCallRe.FindAllSubmatchIndex(b, -1) {
		g := 2
		if m[2] < 0 {
			g = 4
		}
		callee := b[m[g]:m[g+1]]
		open := m[g+1]
		for open < len(b) && b[open] != '(' {
			open++
		}
		end := matchParen(b, open)
		if end < 0 {
			continue
		}
		decoded := tainted.at(string(callee), m[0]) || l.decode.Match(b[m[0]:end])
		if !decoded {
			continue
		}
		// The computed name must itself be called: "](" or ")(" after it.
		rest := bytes.TrimLeft(b[end:min(len(b), end+8)], " \t")
		if g == 2 {
			if !bytes.HasPrefix(rest, []byte("]")) {
				continue
			}
			rest = bytes.TrimLeft(rest[1:], " \t")
		} else if !bytes.HasPrefix(rest, []byte(")")) {
			continue
		} else {
			rest = bytes.TrimLeft(rest[1:], " \t")
		}
		if !bytes.HasPrefix(rest, []byte("(")) {
			continue
		}
		c.add(RuleDecodedExec, glassbox.SeverityCritical, m[0], end,
			"A method whose name is decoded at run time ("+string(callee)+"(…)) is called: the code hides even what it runs")
	}
}

// taints records where each identifier was tainted. Without a parser
// there are no function boundaries, so a taint only reaches code that
// follows it closely: within reach bytes, about one function's worth. Decoder helpers (global) reach the whole file.
type taints map[string][]taint

// paramsKey holds, under a name no identifier can have, where each name is
// declared anew as a function's parameter.
const paramsKey = "\x00params "

// paramListRe finds the parameter lists of JavaScript functions and
// arrows: function f(a, b) {, function(t){, (e, r) =>, t =>.
var paramListRe = regexp.MustCompile(`\bfunction\b[\w$\s]*\(([^()]*)\)\s*\{|\(([^()]*)\)\s*=>|([A-Za-z_$][\w$]*)\s*=>`)

// rebind records where a name is declared as a parameter: from there on,
// until the function ends, it is another variable, whatever an
// assignment before it held (minified code names every parameter t or e).
func (t taints) rebind(b []byte) {
	for _, m := range paramListRe.FindAllSubmatchIndex(b, -1) {
		for g := 2; g < len(m); g += 2 {
			if m[g] < 0 {
				continue
			}
			for _, id := range identRe.FindAll(b[m[g]:m[g+1]], -1) {
				t.add(paramsKey+string(id), m[g], false)
			}
		}
	}
}

type taint struct {
	off    int
	global bool
}

const reach = 4000

func (t taints) add(name string, off int, global bool) {
	t[name] = append(t[name], taint{off, global})
}

// at reports whether name holds decoded data at offset use.
func (t taints) at(name string, use int) bool {
	for _, x := range t[name] {
		if x.off < use && (x.global || use-x.off <= reach) && !t.redeclared(name, x.off, use) {
			return true
		}
	}
	return false
}

// redeclared reports whether name is declared as a parameter between the
// offsets from and to.
func (t taints) redeclared(name string, from, to int) bool {
	for _, p := range t[paramsKey+name] {
		if p.off > from && p.off < to {
			return true
		}
	}
	return false
}

func mentionsTainted(b []byte, tainted taints, at int) bool {
	if len(tainted) == 0 {
		return false
	}
	for _, id := range identRe.FindAll(rulekit.BlankStrings(b), -1) {
		if tainted.at(string(id), at) {
			return true
		}
	}
	return false
}

func trimCall(s string) string {
	s = string(bytes.TrimRight([]byte(s), "( \t"))
	return s + "()"
}

// matchBrace returns the offset just past the brace closing the one at
// open, skipping quoted strings, or -1 if there is none within 8 KiB.
func matchBrace(b []byte, open int) int {
	depth := 0
	for i := open; i < len(b) && i < open+8192; i++ {
		switch b[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i + 1
			}
		case '"', '\'', '`':
			q := b[i]
			for i++; i < len(b) && b[i] != q; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		}
	}
	return -1
}

// matchParen returns the offset just past the parenthesis closing the one
// at open, or -1 if there is none within 4 KiB.
func matchParen(b []byte, open int) int {
	if i := rulekit.Closing(b, open, 4096); i >= 0 {
		return i + 1
	}
	return -1
}
