// Package payload finds decoded-then-executed payloads: code or commands
// kept in base64, hex, XOR, reversed or character-array form so that a
// reviewer reading the source does not see them, then decoded at run time
// and handed to eval, a shell, a process launcher or a module loader.
//
// Go files are analysed on their syntax tree with a small, flow-
// insensitive taint tracker per function; other languages with regular
// expressions and a textual approximation of the same tracking. Every path
// starts with a bytes.Contains keyword pre-filter.
package payload

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"glassbox.dev"
	"glassbox.dev/scan"
	"glassbox.dev/scan/rules/internal/rulekit"
	"glassbox.dev/scan/syntax"
)

// Family is the name of the rule family this package implements.
const Family = "payload"

// The rules, in ID order. Their IDs are stable: suppressions key on them.
var (
	// RuleDecodedExec is GB0301: a decoded string reaches an executor.
	RuleDecodedExec = scan.Rule{
		ID:       "GB0301",
		Name:     "decoded-payload-executed",
		Family:   Family,
		Severity: glassbox.SeverityCritical,
		Summary:  "A string decoded or decrypted at run time is executed: evaluated, run by a shell, launched or loaded as code.",
		Explanation: "Legitimate programs have no reason to hide the code or command they run; decoding " +
			"base64, hex, XOR or character arrays immediately before eval, exec or a module loader is " +
			"how supply-chain implants (the event-stream/flatmap-stream payload, typosquatted Go and " +
			"npm packages) keep their behaviour out of sight of reviewers and scanners.",
	}
	// RuleObfuscatedCommand is GB0302: an encoded literal hides a command.
	RuleObfuscatedCommand = scan.Rule{
		ID:       "GB0302",
		Name:     "obfuscated-command-string",
		Family:   Family,
		Severity: glassbox.SeverityHigh,
		Summary:  "A base64, hex, reversed or character-array string decodes to a shell command.",
		Explanation: "A command such as \"wget -O - https://… | /bin/bash\" stored encoded instead of in " +
			"plain text is written to be missed; typosquatted Go modules assembled exactly such " +
			"download-and-run commands from obfuscated pieces.",
	}
)

// keywords pre-filter files: without one of them no rule can match.
var keywords = [][]byte{
	[]byte("decode"), []byte("Decode"), []byte("base64"), []byte("atob"), []byte("fromCharCode"),
	[]byte("fromhex"), []byte("unhexlify"), []byte("rot13"), []byte("reverse"), []byte("chr("),
	[]byte("Decipher"), []byte("gzinflate"), []byte("hex2bin"), []byte("strrev"), []byte("xxd"),
	[]byte("rune("), []byte("[]string{"), []byte("^"), []byte("[::-1]"), []byte("_compile"),
	[]byte(`"hex"`), []byte(`'hex'`), []byte("getattr("),
}

// analyzer is stateless, so one value is safe for concurrent use.
type analyzer struct{}

// New returns the payload analyser.
func New() scan.Analyzer { return analyzer{} }

// Rules lists GB0301–GB0303.
func (analyzer) Rules() []scan.Rule {
	return []scan.Rule{RuleDecodedExec, RuleObfuscatedCommand, RuleRemoteExec}
}

// Analyze returns the payload findings in f. A panic is recovered as a
// last resort: losing one file's findings is better than losing a scan.
func (analyzer) Analyze(f *scan.File) (out []glassbox.Finding) {
	if f == nil || len(f.Content) == 0 {
		return nil
	}
	c := newCollector(f)
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	// GB0302 looks at long encoded runs, which need no keyword.
	c.encodedLiterals()
	if f.Lang == "go" {
		c.goRemote()
	} else {
		c.remoteExec()
	}
	if mayMatch(f.Content) {
		if f.Lang == "go" {
			c.goTaint()
		} else if l, ok := langs[f.Lang]; ok {
			c.textTaint(l)
		}
		c.shellPipes()
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

// collector is the shared finding collector (deduplication, test code
// downgraded), with messages written as sentences.
type collector struct {
	rulekit.Collector
	tree     *syntax.Tree // the file's syntax tree, if it has one, read on first need
	treeRead bool
}

func newCollector(f *scan.File) *collector { return &collector{Collector: rulekit.Collector{F: f}} }

func (c *collector) add(r scan.Rule, sev glassbox.Severity, start, end int, msg string) {
	c.Add(r, sev, start, end, 0, 0, rulekit.Capitalise(msg))
}

// ---- GB0302: encoded literals that hide commands ---------------------------

var (
	hexEscRe = regexp.MustCompile(`(?:\\x[0-9a-fA-F]{2}){14,}`)
	// commandRe recognises a shell command in decoded text.
	commandRe = regexp.MustCompile(`(?i)\b(?:wget|curl)\s+\S|\bsh\s+-c\b|/bin/(?:ba|z)?sh\b|\bbash\s+-[ic]\b|chmod\s+\+x|\|\s*(?:/bin/)?(?:ba)?sh\b|\bpowershell\b|/dev/tcp/|\bnohup\s`)
	// quotedRe finds short string literals for the reversed-string check.
	quotedRe = regexp.MustCompile(`"[^"\\\n]{12,400}"|'[^'\\\n]{12,400}'`)
)

// encodedLiterals decodes long base64 and hex runs, and reverses string
// literals, looking for shell commands that were written not to be read.
// It runs on every file, so the runs are found by a byte loop rather than
// a regular expression, and the rest is gated on literal anchors.
func (c *collector) encodedLiterals() {
	b := c.F.Content
	if len(b) < 12 {
		return
	}
	for i := 0; i < len(b); {
		if !isB64[b[i]] {
			i++
			continue
		}
		j, hexOnly := i, true
		for j < len(b) && isB64[b[j]] {
			hexOnly = hexOnly && isHex[b[j]]
			j++
		}
		end := j
		for end < len(b) && end < j+2 && b[end] == '=' {
			end++
		}
		if j-i >= 40 {
			run := string(b[i:j])
			if hexOnly && (j-i)%2 == 0 {
				if d, err := hex.DecodeString(run); err == nil {
					c.hidden(i, j, "hex", string(d))
				}
			} else if d, ok := decodeB64(string(b[i:end])); ok {
				c.hidden(i, end, "base64", d)
			}
		}
		i = end
		if i == j {
			i = j + 1
		}
	}
	if bytes.Contains(b, []byte(`\x`)) {
		for _, m := range hexEscRe.FindAllIndex(b, -1) {
			s := strings.ReplaceAll(string(b[m[0]:m[1]]), `\x`, "")
			if d, err := hex.DecodeString(s); err == nil {
				c.hidden(m[0], m[1], "hex-escaped", string(d))
			}
		}
	}
	if containsAny(b, reversedAnchors...) {
		for _, m := range quotedRe.FindAllIndex(b, -1) {
			s := string(b[m[0]+1 : m[1]-1])
			if commandRe.MatchString(s) {
				continue
			}
			c.hidden(m[0], m[1], "reversed", reverse(s))
		}
	}
}

// isB64 and isHex are byte-class tables for the run scanner.
var isB64, isHex [256]bool

func init() {
	for _, ch := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-") {
		isB64[ch] = true
	}
	for _, ch := range []byte("0123456789abcdefABCDEF") {
		isHex[ch] = true
	}
}

// reversedAnchors are command words spelled backwards; without one, no
// reversed literal can spell a command.
var reversedAnchors = []string{"tegw", "lruc", "hsab", "hs/", "hs |", "hs|", "x+ domhc", "llehsrewop", "puhon", "pct/"}

// containsAny reports whether b contains any of the anchors.
func containsAny(b []byte, anchors ...string) bool {
	for _, a := range anchors {
		if bytes.Contains(b, []byte(a)) {
			return true
		}
	}
	return false
}

// hidden reports decoded text that is readable and contains a command.
func (c *collector) hidden(start, end int, how, decoded string) {
	if !printable(decoded) {
		return
	}
	if loc := commandRe.FindStringIndex(decoded); loc != nil {
		c.add(RuleObfuscatedCommand, glassbox.SeverityHigh, start, end,
			"A "+how+" string literal decodes to a shell command ("+excerpt(decoded, loc[0])+")")
	}
}

func decodeB64(s string) (string, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if d, err := enc.DecodeString(s); err == nil {
			return string(d), true
		}
	}
	return "", false
}

// printable reports whether s is mostly printable text: random bytes
// decode to base64 all the time and must not count.
func printable(s string) bool {
	if len(s) == 0 || !utf8.ValidString(s) {
		return false
	}
	bad := 0
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == utf8.RuneError || r == 0x7f {
			bad++
		}
	}
	return bad*20 <= len(s)
}

// excerpt quotes up to 60 bytes of decoded text around i, on one line.
func excerpt(s string, i int) string {
	from := i - 20
	if from < 0 {
		from = 0
	}
	to := from + 60
	if to > len(s) {
		to = len(s)
	}
	for from > 0 && !utf8.RuneStart(s[from]) {
		from--
	}
	for to < len(s) && !utf8.RuneStart(s[to]) {
		to++
	}
	return strconv.Quote(strings.TrimSpace(s[from:to]))
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// ---- GB0301 in shell text: decode piped to a shell -------------------------

var (
	// echo … | base64 -d | sh, xxd -r -p | bash, … | rev | sh
	pipeShellRe = regexp.MustCompile(`(?:\bbase64\s+(?:-d|--decode|-D)\b|\bxxd\s+-r|\bopenssl\s+(?:enc\s+)?(?:-\S+\s+)*-d\b|\|\s*rev\b)[^\n]{0,200}?\|\s*(?:sudo\s+)?(?:/usr)?(?:/bin/)?(?:(?:ba|z|k|da)?sh|python3?|perl)\b`)
	// eval "$(echo … | base64 -d)", bash -c "$(… | base64 --decode)";
	// make spells $( as $$(.
	evalSubstRe = regexp.MustCompile(`(?:\beval|\b(?:ba)?sh\s+-c)\s+["']?\$\$?\([^\n]{0,300}?(?:\bbase64\s+(?:-d|--decode|-D)\b|\bxxd\s+-r)`)
)

// shellPipes looks everywhere, not only in shell scripts: the same
// one-liners hide in Makefiles, package.json scripts, CI YAML and strings.
func (c *collector) shellPipes() {
	if !containsAny(c.F.Content, "base64 -", "xxd -r", "openssl", "| rev", "|rev") {
		return
	}
	for _, re := range []*regexp.Regexp{pipeShellRe, evalSubstRe} {
		for _, m := range re.FindAllIndex(c.F.Content, -1) {
			c.add(RuleDecodedExec, glassbox.SeverityCritical, m[0], m[1],
				"Decoded data is piped into a shell or interpreter")
		}
	}
}
