// Package scan looks for backdoors, planted secrets and build tampering in
// source trees and artefacts, with one analyser per rule family, and writes
// what it finds as SARIF 2.1.0.
//
// Analysers see one file at a time, set analysers a group of files (a Go
// package) after them; the engine walks the tree, skips (and
// reports) what it does not scan, runs the analysers on every core, applies
// audited suppressions and fingerprints the findings.
package scan

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"strings"
	"sync"

	"glassbox.dev"
	"glassbox.dev/scan/syntax"
)

// Rule describes one rule an analyser reports findings of. Its ID is
// stable across releases of glassbox: SARIF consumers and suppressions key
// on it.
type Rule struct {
	ID          string            // "GB" + two digits of family + two of rule, e.g. "GB0101"
	Name        string            // kebab-case, e.g. "magic-value-authentication"
	Family      string            // the family's name, e.g. "credentials"
	Severity    glassbox.Severity // the default severity of its findings
	Summary     string            // one sentence: what it finds
	Explanation string            // why what it finds looks like a backdoor
}

// Analyzer finds one family's findings in one file. It must be safe for
// concurrent use (the engine calls it from several goroutines), must not
// panic on any input, and should return quickly on files its keyword
// pre-filter rules out.
type Analyzer interface {
	// Rules lists every rule the analyser reports.
	Rules() []Rule
	// Analyze returns the findings in f. The engine fills in Path,
	// Fingerprint, and Rule/Family/Explanation from the rule when empty.
	Analyze(f *File) []glassbox.Finding
}

// File is one file as analysers see it.
type File struct {
	Path    string // slash-separated, relative to the scanned root
	Content []byte
	Lang    string // "go", "c", "cpp", "java", "python", "javascript", "php", "shell", "m4", "make", "autoconf", "cmake", "json", "yaml", "text", or "" if unknown
	// Test is true for test code and test data (…_test.go, test/, tests/,
	// testdata/, fixtures/): findings there may be fixtures, not backdoors.
	Test bool
	// Artifact is true for a file the vendor ships (a release's artefact),
	// which is not source: a compiled artefact is expected, and is judged
	// by the rebuild, not as a binary committed to the tree.
	Artifact bool
	// Doc is true for documentation (Markdown, reStructuredText,
	// AsciiDoc): values in it are examples for a reader, not code.
	Doc bool
	// Layout is the tree the file was scanned in (nil for a file analysed
	// on its own): which files are beside it, and its manifests.
	Layout *Layout

	goOnce sync.Once
	goFile *ast.File
	goFset *token.FileSet
	goErr  error

	treeOnce sync.Once
	tree     *syntax.Tree
	treeErr  error
}

// NewFile presents content at the slash-separated path p to analysers,
// with what its name tells: language, test code, documentation.
func NewFile(p string, content []byte) *File {
	return &File{Path: p, Content: content, Lang: Language(p), Test: IsTestPath(p), Doc: IsDocPath(p)}
}

// Go returns the parsed syntax tree of a Go file, parsed once however many
// analysers ask. It returns an error for files that are not Go or do not
// parse.
func (f *File) Go() (*ast.File, *token.FileSet, error) {
	f.goOnce.Do(func() {
		if f.Lang != "go" {
			f.goErr = errNotGo
			return
		}
		f.goFset = token.NewFileSet()
		f.goFile, f.goErr = parser.ParseFile(f.goFset, f.Path, f.Content, parser.ParseComments|parser.SkipObjectResolution)
	})
	return f.goFile, f.goFset, f.goErr
}

var errNotGo = glassbox.Errorf(glassbox.EINVALID, "not a Go file")

// Tree returns the syntax tree of a file in C, C++, Java, JavaScript,
// TypeScript, PHP, Python or shell, parsed once however many analysers
// ask. It returns an error for other languages, for files over
// syntax.MaxSize, and for a parse that ran out of time; an analyser then
// falls back to reading the text. The tree is valid until Close.
func (f *File) Tree() (*syntax.Tree, error) {
	f.treeOnce.Do(func() {
		g := syntax.Grammar(f.Lang, f.Path)
		if g == "" {
			f.treeErr = glassbox.Errorf(glassbox.EINVALID, "%s: no grammar for language %q", f.Path, f.Lang)
			return
		}
		f.tree, f.treeErr = syntax.Parse(context.Background(), g, f.Content)
	})
	return f.tree, f.treeErr
}

// Close frees what was built for the file's analysers (its syntax tree).
// The engine closes each file once its analysers have run.
func (f *File) Close() {
	f.treeOnce.Do(func() {})
	f.tree.Close()
	f.tree, f.treeErr = nil, errClosed
}

var errClosed = glassbox.Errorf(glassbox.EINVALID, "the file was closed")

// LineCol converts a byte offset in f.Content to a 1-based line and column.
func (f *File) LineCol(off int) (line, col int) {
	if off > len(f.Content) {
		off = len(f.Content)
	}
	line = 1 + strings.Count(string(f.Content[:off]), "\n")
	start := strings.LastIndexByte(string(f.Content[:off]), '\n') + 1
	return line, off - start + 1
}

// RegionOf returns the region of the bytes [start, end) of f.Content.
func (f *File) RegionOf(start, end int) glassbox.Region {
	sl, sc := f.LineCol(start)
	el, ec := f.LineCol(end)
	return glassbox.Region{StartLine: sl, StartColumn: sc, EndLine: el, EndColumn: ec}
}

// Language guesses a file's language from its name.
func Language(p string) string {
	base := path.Base(p)
	switch base {
	case "Makefile", "GNUmakefile", "makefile", "Makefile.am", "Makefile.in":
		return "make"
	case "configure", "config.status":
		return "shell"
	case "configure.ac", "configure.in":
		return "autoconf"
	case "CMakeLists.txt":
		return "cmake"
	case "package.json":
		return "json"
	}
	switch strings.ToLower(path.Ext(base)) {
	case ".go":
		return "go"
	case ".c", ".h":
		return "c"
	case ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx":
		return "cpp"
	case ".java":
		return "java"
	case ".py", ".pyi":
		return "python"
	case ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx":
		return "javascript"
	case ".php":
		return "php"
	case ".sh", ".bash", ".ksh", ".zsh":
		return "shell"
	case ".m4", ".ac":
		return "m4"
	case ".mk", ".make":
		return "make"
	case ".cmake":
		return "cmake"
	case ".json":
		return "json"
	case ".yml", ".yaml":
		return "yaml"
	case ".txt", ".md", ".rst":
		return "text"
	}
	return ""
}

// IsDocPath reports whether a path is prose documentation.
func IsDocPath(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".md", ".markdown", ".rst", ".adoc", ".asciidoc":
		return true
	}
	return false
}

// IsTestPath reports whether a path is test code or test data, by the
// conventions of the languages scanned: Go's _test.go and testdata/,
// Python's test_*.py, PHPUnit's and JUnit's Tests/ and *Test.php or
// *Test.java, JavaScript's *.test.js and *.spec.ts, and test folders
// (tests/, testcerts/, OpenSSH's and PostgreSQL's regress/).
func IsTestPath(p string) bool {
	base := path.Base(p)
	if strings.HasSuffix(p, "_test.go") || strings.HasSuffix(p, "_test.py") || strings.HasPrefix(base, "test_") {
		return true
	}
	if stem, ext, ok := strings.Cut(base, "."); ok {
		switch {
		case (ext == "php" || ext == "java") && (strings.HasSuffix(stem, "Test") || strings.HasSuffix(stem, "Tests")),
			strings.HasPrefix(ext, "test.") || strings.HasPrefix(ext, "spec."):
			return true
		}
	}
	for _, elem := range strings.Split(path.Dir(p), "/") {
		switch elem = strings.ToLower(elem); elem {
		case "test", "tests", "testdata", "testing", "fixtures", "__tests__", "spec", "regress", "regression":
			return true
		default:
			// testcerts/, test-data/, test_utils/: a folder named as a
			// test's.
			if strings.HasPrefix(elem, "test") && len(elem) > 4 && !isLower(elem[4]) {
				return true
			}
			if strings.HasPrefix(elem, "testcert") || strings.HasPrefix(elem, "testdata") {
				return true
			}
		}
	}
	return false
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
