package trojansource

import (
	"bytes"
	"path"
	"strings"
)

// kind says what a byte of source is to the language: code the compiler
// reads as tokens, the inside of a string (or regular-expression) literal,
// or a comment. Where a character sits decides what it can do: a Latin
// letter mixed into a Cyrillic word of a string is locale data, the same
// letter in an identifier can shadow another identifier; a zero-width
// space between Khmer words of a string is how Khmer marks word breaks, the
// same character in an identifier makes two names that look alike differ.
type kind uint8

const (
	code kind = iota
	str
	comment
)

// span is a run of bytes [start, end) that is a string or a comment; the
// bytes between spans are code.
type span struct {
	start, end int
	kind       kind
}

// syntax is the lexical shape of a language: how its comments and string
// literals are written. It is deliberately small — enough to tell code
// from text, not a parser.
type syntax struct {
	slashComments bool // // and /* */
	hashComments  bool // # to the end of the line
	dashComments  bool // -- to the end of the line (SQL, Lua, Haskell)
	tripleQuotes  bool // Python's ''' and """
	backtick      int  // 0 none, 1 raw string (Go), 2 template literal with ${…} (JavaScript)
	regex         bool // JavaScript's /…/ literals
	singleQuotes  bool // '…' is a string (not Rust's or Lisp's lifetimes/quotes)
}

// syntaxOf returns the lexical shape of the file's language.
func syntaxOf(lang, p string) syntax {
	switch lang {
	case "go":
		return syntax{slashComments: true, backtick: 1, singleQuotes: true}
	case "javascript":
		return syntax{slashComments: true, backtick: 2, regex: true, singleQuotes: true}
	case "c", "cpp", "java":
		return syntax{slashComments: true, singleQuotes: true}
	case "php":
		return syntax{slashComments: true, hashComments: true, singleQuotes: true}
	case "python":
		return syntax{hashComments: true, tripleQuotes: true, singleQuotes: true}
	case "shell", "make", "cmake", "autoconf", "m4":
		return syntax{hashComments: true, singleQuotes: true}
	}
	switch strings.ToLower(path.Ext(p)) {
	case ".rb", ".pl", ".pm", ".r", ".jl", ".ex", ".exs", ".ps1", ".nim":
		return syntax{hashComments: true, singleQuotes: true}
	case ".sql", ".lua", ".hs":
		return syntax{dashComments: true, singleQuotes: true}
	case ".vue", ".svelte":
		return syntax{slashComments: true, backtick: 2, regex: true, singleQuotes: true}
	case ".rs", ".swift", ".kt", ".kts", ".scala", ".groovy", ".gradle", ".dart", ".cs", ".zig", ".sol":
		// Rust's 'a lifetimes and Kotlin's char literals are short;
		// single quotes are not strings here.
		return syntax{slashComments: true}
	}
	return syntax{slashComments: true, singleQuotes: true}
}

// maxLiteral bounds one string or comment: a quote that is never closed
// (a file the lexer misreads) ends a span at the next newline after this
// many bytes, so one mistake cannot turn a whole file into text.
const maxLiteral = 1 << 16

// lex splits b into the string and comment spans of its language, in
// order. It never fails: an unterminated literal runs to the end of its
// line (or of the file, for the kinds that may span lines).
func lex(b []byte, sx syntax) []span {
	var out []span
	// templates holds, for each open `…${ of a template literal, the
	// brace depth at which its ${ was opened.
	var templates []int
	depth := 0
	lastSig := byte(0) // last significant code byte, for regex detection
	lastWordEnd := -1  // end of the last word, when lastSig is a letter
	n := len(b)
	for i := 0; i < n; {
		c := b[i]
		switch {
		case c == '\n' || c == ' ' || c == '\t' || c == '\r':
			i++
			continue
		case sx.slashComments && c == '/' && i+1 < n && b[i+1] == '/',
			sx.hashComments && c == '#' && hashStartsComment(b, i) && !(sx.slashComments && i+1 < n && b[i+1] == '['),
			sx.dashComments && c == '-' && i+1 < n && b[i+1] == '-':
			e := lineEnd(b, i)
			out = append(out, span{i, e, comment})
			i = e
			continue
		case sx.slashComments && c == '/' && i+1 < n && b[i+1] == '*':
			e := indexFrom(b, i+2, "*/")
			if e < 0 {
				e = n
			} else {
				e += 2
			}
			out = append(out, span{i, e, comment})
			i = e
			continue
		case sx.tripleQuotes && (c == '"' || c == '\'') && i+2 < n && b[i+1] == c && b[i+2] == c:
			e := indexFrom(b, i+3, string([]byte{c, c, c}))
			if e < 0 {
				e = n
			} else {
				e += 3
			}
			out = append(out, span{i, e, str})
			i, lastSig = e, c
			continue
		case c == '"' || (c == '\'' && sx.singleQuotes):
			e := quoted(b, i, c, true)
			out = append(out, span{i, e, str})
			i, lastSig = e, c
			continue
		case c == '`' && sx.backtick == 1:
			e := quoted(b, i, c, false)
			out = append(out, span{i, e, str})
			i, lastSig = e, c
			continue
		case c == '`' && sx.backtick == 2:
			e, opened := template(b, i+1)
			out = append(out, span{i, e, str})
			i, lastSig = e, c
			if opened {
				templates = append(templates, depth)
				depth++
			}
			continue
		case c == '}' && len(templates) > 0 && depth-1 == templates[len(templates)-1]:
			// The end of a ${…} inside a template: the template resumes.
			templates = templates[:len(templates)-1]
			depth--
			e, opened := template(b, i+1)
			out = append(out, span{i, e, str})
			i, lastSig = e, '`'
			if opened {
				templates = append(templates, depth)
				depth++
			}
			continue
		case sx.regex && c == '/' && regexMayStart(b, lastSig, lastWordEnd):
			if e, ok := regexEnd(b, i); ok {
				out = append(out, span{i, e, str})
				i, lastSig = e, '/'
				continue
			}
		case c == '{':
			depth++
		case c == '}':
			depth--
		}
		if isWordByte(c) {
			j := i
			for j < n && isWordByte(b[j]) {
				j++
			}
			lastSig, lastWordEnd = b[j-1], j
			i = j
			continue
		}
		lastSig, lastWordEnd = c, -1
		i++
	}
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// hashStartsComment reports whether a # at i starts a comment: at the
// start of a word, as the shell has it (${#x} and a#b are not comments).
func hashStartsComment(b []byte, i int) bool {
	if i == 0 {
		return true
	}
	p := b[i-1]
	return p == ' ' || p == '\t' || p == '\n' || p == '\r' || p == ';' || p == '(' || p == ')' || p == '{' || p == '}'
}

func lineEnd(b []byte, i int) int {
	if j := bytes.IndexByte(b[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(b)
}

func indexFrom(b []byte, i int, sep string) int {
	if i > len(b) {
		return -1
	}
	if j := bytes.Index(b[i:], []byte(sep)); j >= 0 {
		return i + j
	}
	return -1
}

// quoted returns the end of the literal opened by the quote q at i. A
// literal with escapes ends at an unescaped newline (an unterminated
// string is the lexer's misreading, not a file-long string); a raw one may
// span lines.
func quoted(b []byte, i int, q byte, escapes bool) int {
	n := len(b)
	for j := i + 1; j < n; j++ {
		switch {
		case b[j] == '\\' && escapes:
			j++
		case b[j] == q:
			return j + 1
		case b[j] == '\n' && (escapes || j-i > maxLiteral):
			return j
		}
	}
	return n
}

// template returns the end of a template literal's text starting at i
// (just after ` or the } that closes a ${…}), and whether it ended at a ${
// rather than at the closing `.
func template(b []byte, i int) (end int, opened bool) {
	n := len(b)
	for j := i; j < n; j++ {
		switch {
		case b[j] == '\\':
			j++
		case b[j] == '`':
			return j + 1, false
		case b[j] == '$' && j+1 < n && b[j+1] == '{':
			return j + 2, true
		}
	}
	return n, false
}

// regexMayStart reports whether a / in JavaScript code begins a regular
// expression literal rather than a division: it does after an operator,
// an opening bracket or one of the keywords that take an expression.
func regexMayStart(b []byte, lastSig byte, lastWordEnd int) bool {
	switch lastSig {
	case 0, '(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';', '~', '+', '-', '*', '%', '<', '>', '^':
		return true
	}
	if lastWordEnd > 0 && isWordByte(lastSig) {
		s := lastWordEnd
		for s > 0 && isWordByte(b[s-1]) {
			s--
		}
		switch string(b[s:lastWordEnd]) {
		case "return", "typeof", "case", "in", "of", "delete", "void", "throw", "new", "else", "do", "yield", "await":
			return true
		}
	}
	return false
}

// regexEnd returns the end of the regular expression literal at i (its
// flags included), or false if the line has no closing slash.
func regexEnd(b []byte, i int) (int, bool) {
	class := false
	for j := i + 1; j < len(b) && j-i < maxLiteral; j++ {
		switch b[j] {
		case '\\':
			j++
		case '[':
			class = true
		case ']':
			class = false
		case '\n':
			return 0, false
		case '/':
			if class {
				continue
			}
			j++
			for j < len(b) && (b[j] >= 'a' && b[j] <= 'z') {
				j++
			}
			return j, true
		}
	}
	return 0, false
}

// spanAt returns the kind of the byte at off, advancing *k through the
// sorted spans; offsets must be asked in increasing order.
func spanAt(spans []span, k *int, off int) kind {
	for *k < len(spans) && spans[*k].end <= off {
		*k++
	}
	if *k < len(spans) && spans[*k].start <= off {
		return spans[*k].kind
	}
	return code
}
