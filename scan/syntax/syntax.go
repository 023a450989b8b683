// Package syntax parses the source of languages other than Go into concrete
// syntax trees with tree-sitter grammars (C, C++, Java, JavaScript,
// TypeScript, PHP, Python and shell), and answers the questions analysers
// ask of code in one vocabulary whatever the language: which calls, which
// strings, which comments, which functions, which assignments.
//
// Parsing is bounded: a file over MaxSize is refused, a parse stops after
// Timeout or when its context ends, and a Tree holds C memory that Close
// frees.
package syntax

import (
	"errors"
	"sync/atomic"
	"time"
)

// MaxSize is the largest source Parse builds a tree for. Larger files are
// generated or data more often than code, and a tree costs about ten times
// its source in memory.
const MaxSize = 1 << 20

// Timeout bounds one parse, and one query over a tree.
const Timeout = 2 * time.Second

// maxResults bounds what one query returns, so that a hostile file of a
// million one-character calls cannot make an analyser's work unbounded.
const maxResults = 100000

var (
	// ErrTooLarge is returned for source over MaxSize.
	ErrTooLarge = errors.New("source is larger than the 1 MiB syntax trees are built for")
	// ErrUnsupported is returned for a language no grammar is linked for.
	ErrUnsupported = errors.New("no grammar for this language")
	// ErrTimeout is returned when a parse or query took longer than Timeout.
	ErrTimeout = errors.New("parsing took longer than its time limit")
	// ErrNoCgo is returned by Parse in a build without cgo: the grammars
	// are C.
	ErrNoCgo = errors.New("glassbox was built without cgo, which tree-sitter's grammars need")
)

// Class is what a place in source is: code, or text inside a string
// literal or a comment, which a program carries but does not run.
type Class int

const (
	Code Class = iota
	String
	Comment
)

func (c Class) String() string {
	switch c {
	case String:
		return "string"
	case Comment:
		return "comment"
	}
	return "code"
}

// Call is a call of a function, method or (in shell) a command.
type Call struct {
	Node   Node   // the whole call
	Callee Node   // what is called: a name, a member expression, a command name
	Name   string // the called name's last part: "system" for os.system, "curl" for a shell command
	Args   []Node // the arguments, in order
}

// Function is a function, method or shell function definition.
type Function struct {
	Node   Node
	Name   string // empty for an anonymous function
	Params []Node // each parameter's node, in order
	Body   Node
}

// ParamNames returns the names the function's parameters bind, in order
// ("" where a parameter binds no single name, as a destructuring pattern).
func (f Function) ParamNames() []string {
	names := make([]string, len(f.Params))
	for i, p := range f.Params {
		names[i] = p.BoundName()
	}
	return names
}

// Assignment is an assignment or an initialised declaration.
type Assignment struct {
	Node  Node
	Left  Node
	Right Node
}

// Grammar returns the grammar Parse uses for a file of the scanner's
// language lang at path p: TypeScript's for .ts, TSX's for .tsx, bash's
// for shell. It returns "" when there is none.
func Grammar(lang, p string) string {
	switch lang {
	case "c", "cpp", "java", "python", "php":
		return lang
	case "shell", "bash":
		return "bash"
	case "javascript", "typescript", "tsx":
		switch {
		case hasSuffix(p, ".tsx"):
			return "tsx"
		case hasSuffix(p, ".ts"), hasSuffix(p, ".mts"), hasSuffix(p, ".cts"):
			return "typescript"
		}
		return lang
	}
	return ""
}

func hasSuffix(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}

// Stats counts the parsing done in this process, for benchmarks: how many
// trees were built, of how many bytes, in how much time, and how many
// sources were refused (too large, out of time, cancelled).
type Stats struct {
	Trees   int64
	Bytes   int64
	Time    time.Duration
	Refused int64
}

var stats struct{ trees, bytes, nanos, refused atomic.Int64 }

// ReadStats returns the parsing done so far in this process.
func ReadStats() Stats {
	return Stats{
		Trees:   stats.trees.Load(),
		Bytes:   stats.bytes.Load(),
		Time:    time.Duration(stats.nanos.Load()),
		Refused: stats.refused.Load(),
	}
}

// Sub returns the parsing done between an earlier reading and s.
func (s Stats) Sub(earlier Stats) Stats {
	return Stats{s.Trees - earlier.Trees, s.Bytes - earlier.Bytes, s.Time - earlier.Time, s.Refused - earlier.Refused}
}
