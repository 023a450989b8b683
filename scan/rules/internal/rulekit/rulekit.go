// Package rulekit holds what the text-pattern rule families share: a
// finding Collector that deduplicates, redacts and downgrades test code, and
// the line, comment and keyword helpers their pre-filters use.
package rulekit

import (
	"bytes"
	"strconv"
	"strings"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// Collector accumulates one file's findings, deduplicating by rule and
// start offset so overlapping patterns report a place once.
type Collector struct {
	F    *scan.File         // the file being analysed
	Out  []glassbox.Finding // the findings so far
	seen map[string]bool
}

// AddInput is Add for a finding about a comparison with a value compiled
// into the program: input is that value, kept unredacted in the finding's
// Inputs for the run stage's probes.
func (c *Collector) AddInput(r scan.Rule, sev glassbox.Severity, start, end, redactFrom, redactTo int, msg, input string) {
	n := len(c.Out)
	c.Add(r, sev, start, end, redactFrom, redactTo, msg)
	if len(c.Out) > n && input != "" {
		c.Out[n].Inputs = []string{input}
	}
}

// Add records a finding for content[start:end]. redactFrom/redactTo, when
// redactTo > redactFrom, is the range of a secret-looking literal's
// content inside the match, which the Snippet shortens to its first two
// characters so the report does not republish the secret.
func (c *Collector) Add(r scan.Rule, sev glassbox.Severity, start, end, redactFrom, redactTo int, msg string) {
	n := len(c.F.Content)
	start = Clamp(start, 0, n)
	end = Clamp(end, start, n)
	key := r.ID + ":" + strconv.Itoa(start)
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	if c.F.Test {
		// Test code is full of fixtures that look like what they test;
		// keep it visible but out of the way.
		sev = glassbox.SeverityLow
		msg += " in test code"
	}
	text := c.F.Content[start:end]
	if redactTo > redactFrom && redactFrom >= start && redactTo <= end {
		text = []byte(string(c.F.Content[start:redactFrom]) + Redact(string(c.F.Content[redactFrom:redactTo])) + string(c.F.Content[redactTo:end]))
	}
	c.Out = append(c.Out, glassbox.Finding{
		RuleID:      r.ID,
		Rule:        r.Name,
		Family:      r.Family,
		Severity:    sev,
		Message:     msg + ".",
		Explanation: r.Explanation,
		Path:        c.F.Path,
		Region:      c.F.RegionOf(start, end),
		Snippet:     Snippet(text),
	})
}

// Redact keeps the first two characters of a secret: enough to recognise
// it in the source, not enough to use it.
func Redact(s string) string {
	r := []rune(s)
	if len(r) <= 2 {
		return s
	}
	return string(r[:2]) + "…"
}

func Clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// Snippet keeps the first line of the match, at most 160 bytes of it.
func Snippet(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	if s == "" {
		s = "…"
	}
	return s
}

// BlankComments returns a copy of src with comments replaced by spaces
// (newlines kept), so byte offsets still match src but text in comments —
// documentation, commented-out code — cannot match a rule. String
// literals are skipped whole so a "//" or "#" inside one is not taken for
// a comment.
func BlankComments(src []byte, lang string) []byte {
	out := make([]byte, len(src))
	copy(out, src)
	slash := lang != "python" && lang != "shell"
	hash := lang == "python" || lang == "shell" || lang == "php"
	n := len(out)
	for i := 0; i < n; {
		c := out[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			i++
			for i < n && out[i] != c {
				if out[i] == '\\' {
					i++
				} else if out[i] == '\n' && c != '`' {
					break
				}
				i++
			}
			i++
		case slash && c == '/' && i+1 < n && out[i+1] == '/', hash && c == '#':
			for i < n && out[i] != '\n' {
				out[i] = ' '
				i++
			}
		case slash && c == '/' && i+1 < n && out[i+1] == '*':
			for i < n && !(out[i] == '*' && i+1 < n && out[i+1] == '/') {
				if out[i] != '\n' {
					out[i] = ' '
				}
				i++
			}
			for k := 0; k < 2 && i < n; k++ {
				out[i] = ' '
				i++
			}
		default:
			i++
		}
	}
	return out
}

// LineEnd returns the offset just past the n-th newline after off (or the
// end of b): the end of a window of n lines starting at off's line.
func LineEnd(b []byte, off, n int) int {
	off = Clamp(off, 0, len(b))
	for ; n > 0; n-- {
		i := bytes.IndexByte(b[off:], '\n')
		if i < 0 {
			return len(b)
		}
		off += i + 1
	}
	return off
}

// EachLine calls fn with the offset and text (without the newline) of
// every line of b. Rules run their regular expressions line by line, and
// only on lines a cheap keyword test selects, which keeps a megabyte of
// generated or minified code from costing seconds.
func EachLine(b []byte, fn func(start int, line []byte)) {
	for off := 0; off < len(b); {
		i := bytes.IndexByte(b[off:], '\n')
		if i < 0 {
			fn(off, b[off:])
			return
		}
		fn(off, b[off:off+i])
		off += i + 1
	}
}

// ASCIILower lower-cases ASCII letters only, so offsets are unchanged.
func ASCIILower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// ContainsAny reports whether b contains any of the keywords.
func ContainsAny(b []byte, kws ...string) bool {
	for _, k := range kws {
		if bytes.Contains(b, []byte(k)) {
			return true
		}
	}
	return false
}

// Closing returns the offset of the bracket that closes the one at open
// ('(', '[' or '{'), looking at most limit bytes ahead and skipping quoted
// strings, or -1.
func Closing(b []byte, open, limit int) int {
	if open < 0 || open >= len(b) {
		return -1
	}
	var closer byte
	switch b[open] {
	case '(':
		closer = ')'
	case '[':
		closer = ']'
	case '{':
		closer = '}'
	default:
		return -1
	}
	opener := b[open]
	depth := 0
	end := min(open+limit, len(b))
	for i := open; i < end; i++ {
		switch b[i] {
		case opener:
			depth++
		case closer:
			depth--
			if depth == 0 {
				return i
			}
		case '"', '\'', '`':
			q := b[i]
			for i++; i < end && b[i] != q; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		}
	}
	return -1
}

// BlankStrings returns a copy of b with the contents of quoted strings
// blanked, so that words inside them (require("path")) are not taken for
// identifiers.
func BlankStrings(b []byte) []byte {
	out := bytes.Clone(b)
	for i := 0; i < len(out); i++ {
		q := out[i]
		if q != '"' && q != '\'' && q != '`' {
			continue
		}
		for i++; i < len(out) && out[i] != q; i++ {
			if out[i] == '\\' && i+1 < len(out) {
				out[i] = ' '
				i++
			}
			out[i] = ' '
		}
	}
	return out
}

// Capitalise makes a message read as a sentence when it starts with a
// lower-case word ("socket bound…"), but leaves a leading identifier
// ("net.Listen called…") as the language spells it.
func Capitalise(s string) string {
	first, _, _ := strings.Cut(s, " ")
	if s != "" && s[0] >= 'a' && s[0] <= 'z' && !strings.ContainsAny(first, ".(") {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// IsExamplePath reports whether a path is example code or documentation
// written for a reader to copy: a folder named examples/, samples/,
// demo/ or docs/, or a configuration template (config.json.sample,
// settings.py.example, phpunit.xml.dist). Values in it are shown, not
// used.
func IsExamplePath(p string) bool {
	elems := strings.Split(strings.ToLower(p), "/")
	for _, e := range elems[:len(elems)-1] {
		switch e {
		case "example", "examples", "sample", "samples", "demo", "demos", "doc", "docs":
			return true
		}
	}
	base := elems[len(elems)-1]
	for _, ext := range []string{".sample", ".example", ".dist", ".template", ".tmpl"} {
		if strings.HasSuffix(base, ext) {
			return true
		}
	}
	return false
}
