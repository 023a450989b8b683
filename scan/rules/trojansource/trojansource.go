// Package trojansource finds Trojan Source attacks (CVE-2021-42574 and
// CVE-2021-42694): Unicode bidirectional controls that make a reviewer
// see code in a different order from the compiler, identifiers that look
// like other identifiers but are spelt with Cyrillic or Greek letters, and
// invisible characters hidden inside code.
//
// Nearly all source files are pure ASCII, so the analyser first checks,
// eight bytes at a time, whether a file has any byte ≥ 0x80 and returns at
// once if not; only files with non-ASCII text are decoded.
package trojansource

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// Family is the name of the rule family this package implements.
const Family = "trojansource"

// The rules, in ID order. Their IDs are stable: suppressions key on them.
var (
	// RuleBidi is GB0801: a bidirectional control character in source.
	RuleBidi = scan.Rule{
		ID:       "GB0801",
		Name:     "bidi-control",
		Family:   Family,
		Severity: glassbox.SeverityHigh,
		Summary:  "A Unicode bidirectional control character (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) is in a source file.",
		Explanation: "Bidirectional overrides and isolates reorder how text is displayed but not how it is " +
			"compiled, so a reviewer can be shown a comment where the compiler sees a return, or code where " +
			"the compiler sees a comment (Trojan Source, CVE-2021-42574).",
	}
	// RuleHomoglyph is GB0802: an identifier that impersonates another.
	RuleHomoglyph = scan.Rule{
		ID:       "GB0802",
		Name:     "homoglyph-identifier",
		Family:   Family,
		Severity: glassbox.SeverityHigh,
		Summary:  "An identifier mixes Latin with Cyrillic or Greek letters, or is spelt with non-ASCII letters that look like an ASCII identifier used in the same file.",
		Explanation: "Letters such as Cyrillic а, е, о, р, с and Н render exactly like Latin ones, so a function " +
			"or variable can shadow another that looks identical in review (CVE-2021-42694).",
	}
	// RuleInvisible is GB0803: an invisible character inside code.
	RuleInvisible = scan.Rule{
		ID:       "GB0803",
		Name:     "invisible-character",
		Family:   Family,
		Severity: glassbox.SeverityMedium,
		Summary:  "An invisible character (U+200B zero-width space, U+2060 word joiner, or U+FEFF after the start of the file) is in a source file.",
		Explanation: "Zero-width characters make two identifiers or strings that look the same differ, and " +
			"hide content from review; they have no business in code.",
	}
)

// maxPerRule bounds the findings of one rule in one file: a file with a
// thousand bidi controls needs reviewing once, not a thousand times.
const maxPerRule = 20

type analyzer struct{}

// New returns the Trojan Source analyser. It holds no state and is safe
// for concurrent use.
func New() scan.Analyzer { return analyzer{} }

// Rules lists GB0801–GB0803.
func (analyzer) Rules() []scan.Rule { return []scan.Rule{RuleBidi, RuleHomoglyph, RuleInvisible} }

// sourceLangs are the languages scan.Language knows that are code.
// Prose (text, Markdown) and data (JSON, YAML, .po catalogues) legitimately
// carry bidi marks in right-to-left text.
var sourceLangs = map[string]bool{
	"go": true, "c": true, "cpp": true, "java": true, "python": true, "javascript": true,
	"php": true, "shell": true, "m4": true, "make": true, "autoconf": true, "cmake": true,
}

// sourceExts are further code extensions scan.Language does not name.
var sourceExts = map[string]bool{
	".rs": true, ".rb": true, ".swift": true, ".kt": true, ".kts": true, ".cs": true, ".scala": true,
	".lua": true, ".pl": true, ".pm": true, ".dart": true, ".m": true, ".mm": true, ".hs": true,
	".ml": true, ".ex": true, ".exs": true, ".erl": true, ".clj": true, ".groovy": true, ".gradle": true,
	".vb": true, ".fs": true, ".sql": true, ".ps1": true, ".bat": true, ".zig": true, ".nim": true,
	".s": true, ".asm": true, ".r": true, ".jl": true, ".sol": true, ".vue": true, ".svelte": true,
}

func isSource(f *scan.File) bool {
	if sourceLangs[f.Lang] {
		return true
	}
	return f.Lang == "" && sourceExts[strings.ToLower(path.Ext(f.Path))]
}

// firstNonASCII returns the offset of the first byte ≥ 0x80, or -1,
// checking eight bytes per step.
func firstNonASCII(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= 0x80 {
			return i
		}
	}
	return -1
}

// Analyze returns the Trojan Source findings in f.
func (analyzer) Analyze(f *scan.File) []glassbox.Finding {
	if f == nil || !isSource(f) {
		return nil
	}
	b := f.Content
	first := firstNonASCII(b)
	if first < 0 {
		return nil
	}
	c := &collector{f: f}
	var spans []span // the file's strings and comments, lexed on first need
	lexed := false
	kindAt := func(off int) kind {
		if !lexed {
			spans, lexed = lex(b, syntaxOf(f.Lang, f.Path)), true
		}
		k := sort.Search(len(spans), func(i int) bool { return spans[i].end > off })
		if k < len(spans) && spans[k].start <= off {
			return spans[k].kind
		}
		return code
	}
	letters := false // any non-ASCII letter, so identifiers are worth tokenising
	for i := first; i < len(b); {
		if b[i] < 0x80 {
			if j := firstNonASCII(b[i:]); j < 0 {
				break
			} else {
				i += j
			}
		}
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case isBidi(r):
			k := kindAt(i)
			if why := c.bidiDeceives(spans, k, i); why != "" {
				c.add(RuleBidi, i, i+n, fmt.Sprintf("bidirectional control %s (%s) %s", uplus(r), runeName(r), why))
			}
		case r == 0x200B || r == 0x2060 || (r == 0xFEFF && i > 0):
			k := kindAt(i)
			if why := invisibleDeceives(b, k, i, n); why != "" {
				c.add(RuleInvisible, i, i+n, fmt.Sprintf("invisible character %s (%s) %s", uplus(r), runeName(r), why))
			}
		case n > 1 && unicode.IsLetter(r):
			letters = true
		}
		i += n
	}
	if letters {
		kindAt(0)
		c.homoglyphs(spans)
	}
	return c.out
}

// bidiDeceives says why the bidi control r at off misleads a reader, or
// "" if it does not. In code a bidi control has no business at all. In a
// string or comment it is how right-to-left text is written (an Arabic
// message with a left-to-right isolate around its %s, a mark after a
// Hebrew word), and it deceives when it leaks out: an embedding, override
// or isolate still open at the end of its string or comment on that line
// reorders the code after it (the stretched string, the commented-out
// check of CVE-2021-42574), and one in text with no right-to-left letter
// at all only disguises Latin text ("admin" + U+061C is not "admin").
func (c *collector) bidiDeceives(spans []span, k kind, off int) string {
	if k == code {
		return "in code, outside any string or comment"
	}
	b := c.f.Content
	j := sort.Search(len(spans), func(i int) bool { return spans[i].end > off })
	s, e := spans[j].start, spans[j].end
	// The segment is the literal's part of this line: display reordering
	// runs to the end of a line (a paragraph), never further.
	if ls := bytes.LastIndexByte(b[s:off], '\n'); ls >= 0 {
		s += ls + 1
	}
	if le := bytes.IndexByte(b[off:e], '\n'); le >= 0 {
		e = off + le
	}
	seg := b[s:e]
	mark := false // only marks: they reorder nothing, but can disguise text
	if r, n := utf8.DecodeRune(b[off:]); r == 0x200E || r == 0x200F || r == 0x061C {
		mark = true
		if !touchesWord(b, off, n) {
			return ""
		}
	}
	embed, isolate := 0, 0
	unbalanced, rtl := false, false
	for _, q := range string(seg) {
		switch {
		case q == 0x202A || q == 0x202B || q == 0x202D || q == 0x202E:
			embed++
		case q == 0x202C:
			if embed--; embed < 0 {
				unbalanced = true
			}
		case q >= 0x2066 && q <= 0x2068:
			isolate++
		case q == 0x2069:
			if isolate--; isolate < 0 {
				unbalanced = true
			}
		case isRTL(q):
			// Hebrew, Arabic, Syriac, Thaana, NKo and their presentation forms.
			rtl = true
		}
	}
	where := "string"
	if k == comment {
		where = "comment"
	}
	switch {
	case unbalanced || embed > 0 || isolate > 0:
		return "is not closed before the end of its " + where + ": the code after it is displayed reordered"
	case rtl:
		return ""
	case mark && c.rightToLeft():
		// A mark beside a neutral character of a right-to-left locale's
		// format (dayjs's ar-ly 'D/\u200fM/\u200fYYYY') sets the
		// direction the slash is drawn in.
		return ""
	}
	return "in a " + where + " with no right-to-left text: it disguises what the text holds"
}

// rightToLeft reports whether the file holds any right-to-left letter: a
// right-to-left locale or message catalogue written as code.
func (c *collector) rightToLeft() bool {
	if c.rtl == 0 {
		c.rtl = 2
		for _, q := range string(c.f.Content) {
			if isRTL(q) {
				c.rtl = 1
				break
			}
		}
	}
	return c.rtl == 1
}

// isRTL reports a character of a right-to-left script (Hebrew, Arabic,
// Syriac, Thaana, NKo and their presentation forms), its punctuation too:
// Django's Arabic date format 'j F، Y' has an Arabic comma and no letter.
// The Arabic letter mark is a control, not text.
func isRTL(q rune) bool {
	return (q >= 0x0590 && q <= 0x08FF || q >= 0xFB1D && q <= 0xFDFF || q >= 0xFE70 && q <= 0xFEFE) && q != 0x061C && !unicode.Is(unicode.Mn, q)
}

// directive reports whether the comment line holding off is one a tool
// reads (//go:build, //go:generate, #cgo, # -*- coding, #!): there an
// invisible character changes what the tool does.
func directive(b []byte, off int) bool {
	ls := bytes.LastIndexByte(b[:off], '\n') + 1
	line := bytes.TrimLeft(b[ls:off], " \t")
	for _, p := range []string{"//go:", "//line ", "//export ", "#cgo", "//+build", "# -*-", "#!", "// +build"} {
		if bytes.HasPrefix(line, []byte(p)) {
			return true
		}
	}
	return false
}

// touchesWord reports whether the character at [off, off+n) touches an
// ASCII letter, digit or underscore of a word, which it then makes differ
// from the word it looks like. A letter that ends an escape sequence
// (\n, \s, \ufeff) is not a word: tables of special characters and
// regular-expression classes are written so.
func touchesWord(b []byte, off, n int) bool {
	word := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
	}
	if off+n < len(b) && word(b[off+n]) {
		return true
	}
	if off == 0 || !word(b[off-1]) {
		return false
	}
	// Walk back over the hex digits and letters of a possible escape.
	i := off - 1
	for i > 0 && off-i <= 9 && word(b[i]) {
		if b[i-1] == '\\' {
			return false
		}
		i--
	}
	return true
}

// invisibleDeceives says why the invisible character at [off, off+n)
// misleads a reader, or "" if it does not. In code it makes two names that
// look alike differ. In a string or comment it deceives when it touches a
// Latin word ("root" + U+2060 is not "root"); elsewhere it is text: a
// zero-width space between Khmer, Thai or Gujarati words marks a word
// break, and tables of special characters hold it on its own (core-js's
// whitespace check "\u200b\u0085\u180e", an HTML entity map's
// "NegativeMediumSpace":"\u200b", a regular expression's [\s\u200b]).
func invisibleDeceives(b []byte, k kind, off, n int) string {
	switch {
	case k == code:
		return "in code, outside any string or comment"
	case !touchesWord(b, off, n), k == comment && !directive(b, off):
		// A comment runs nothing: a zero-width space typed into prose
		// (golang.org/x/tools go/cfg/cfg.go) changes no name and no value.
		return ""
	}
	return "in a string, touching a Latin word: the string is not what it looks"
}

type collector struct {
	f      *scan.File
	out    []glassbox.Finding
	counts [3]int
	rtl    int // 0 not yet known, 1 the file holds right-to-left letters, 2 it does not
}

func (c *collector) add(r scan.Rule, start, end int, msg string) {
	c.addSev(r, r.Severity, start, end, msg)
}

func (c *collector) addSev(r scan.Rule, sev glassbox.Severity, start, end int, msg string) {
	idx := map[string]int{"GB0801": 0, "GB0802": 1, "GB0803": 2}[r.ID]
	if c.counts[idx] >= maxPerRule {
		return
	}
	c.counts[idx]++
	if c.f.Test && sev.Rank() > glassbox.SeverityLow.Rank() {
		// Tests of Unicode handling are full of these on purpose.
		sev = glassbox.SeverityLow
		msg += " in test code — a fixture?"
	}
	c.out = append(c.out, glassbox.Finding{
		RuleID:   r.ID,
		Rule:     r.Name,
		Family:   Family,
		Severity: sev,
		Message:  msg,
		Region:   c.f.RegionOf(start, end),
		Snippet:  visibleLine(c.f.Content, start),
	})
}

func isBidi(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

func isInvisible(r rune) bool { return r == 0x200B || r == 0x2060 || r == 0xFEFF }

func uplus(r rune) string { return fmt.Sprintf("U+%04X", r) }

// runeNames are the names of the characters the rules report.
var runeNames = map[rune]string{
	0x202A: "LEFT-TO-RIGHT EMBEDDING", 0x202B: "RIGHT-TO-LEFT EMBEDDING", 0x202C: "POP DIRECTIONAL FORMATTING",
	0x202D: "LEFT-TO-RIGHT OVERRIDE", 0x202E: "RIGHT-TO-LEFT OVERRIDE", 0x2066: "LEFT-TO-RIGHT ISOLATE",
	0x2067: "RIGHT-TO-LEFT ISOLATE", 0x2068: "FIRST STRONG ISOLATE", 0x2069: "POP DIRECTIONAL ISOLATE",
	0x200E: "LEFT-TO-RIGHT MARK", 0x200F: "RIGHT-TO-LEFT MARK", 0x061C: "ARABIC LETTER MARK",
	0x200B: "ZERO WIDTH SPACE", 0x2060: "WORD JOINER", 0xFEFF: "ZERO WIDTH NO-BREAK SPACE",
}

func runeName(r rune) string { return runeNames[r] }

// visibleLine returns the line around off with every bidi control and
// invisible character spelt out as <U+XXXX>, so the snippet shows what the
// reviewer's editor hid.
func visibleLine(b []byte, off int) string {
	ls := strings.LastIndexByte(string(b[max(0, off-200):off]), '\n') + 1 + max(0, off-200)
	le := len(b)
	if j := strings.IndexByte(string(b[off:min(len(b), off+200)]), '\n'); j >= 0 {
		le = off + j
	} else {
		le = min(le, off+200)
	}
	var sb strings.Builder
	for _, r := range strings.ToValidUTF8(string(b[ls:le]), "�") {
		if isBidi(r) || isInvisible(r) {
			sb.WriteString("<" + uplus(r) + ">")
			continue
		}
		sb.WriteRune(r)
	}
	return strings.TrimSpace(sb.String())
}

func init() { scan.Register(New()) }
