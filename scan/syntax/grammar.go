//go:build cgo

package syntax

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	ts "github.com/tree-sitter/go-tree-sitter"
	tsbash "github.com/tree-sitter/tree-sitter-bash/bindings/go"
	tsc "github.com/tree-sitter/tree-sitter-c/bindings/go"
	tscpp "github.com/tree-sitter/tree-sitter-cpp/bindings/go"
	tsjava "github.com/tree-sitter/tree-sitter-java/bindings/go"
	tsjs "github.com/tree-sitter/tree-sitter-javascript/bindings/go"
	tsphp "github.com/tree-sitter/tree-sitter-php/bindings/go"
	tspython "github.com/tree-sitter/tree-sitter-python/bindings/go"
	tsts "github.com/tree-sitter/tree-sitter-typescript/bindings/go"
)

// grammar is one language: its tree-sitter language, a free list of
// parsers (a parser is not safe for concurrent use, and holds C memory a
// sync.Pool would drop without freeing), and its queries, compiled once.
type grammar struct {
	name     string
	language *ts.Language
	comments map[string]bool // node kinds that are comments
	strings  map[string]bool // node kinds that are string literals (whole, with their quotes)
	queries  map[queryKind]string

	free chan *ts.Parser

	mu       sync.Mutex
	compiled map[queryKind]*ts.Query
	failed   map[queryKind]error
}

func newGrammar(name string, lang unsafe.Pointer, comments, strs []string, queries map[queryKind]string) *grammar {
	g := &grammar{
		name:     name,
		language: ts.NewLanguage(lang),
		comments: set(comments),
		strings:  set(strs),
		queries:  queries,
		free:     make(chan *ts.Parser, 2*runtime.GOMAXPROCS(0)),
		compiled: map[queryKind]*ts.Query{},
		failed:   map[queryKind]error{},
	}
	return g
}

func set(ss []string) map[string]bool {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[s] = true
	}
	return m
}

func (g *grammar) parser() (*ts.Parser, error) {
	select {
	case p := <-g.free:
		return p, nil
	default:
	}
	p := ts.NewParser()
	if err := p.SetLanguage(g.language); err != nil {
		p.Close()
		return nil, fmt.Errorf("loading the %s grammar: %w", g.name, err)
	}
	return p, nil
}

func (g *grammar) release(p *ts.Parser) {
	select {
	case g.free <- p:
	default:
		p.Close()
	}
}

// query returns the grammar's compiled query of kind k, compiling it on
// first use. A query is immutable once compiled, and safe to run from
// several goroutines, each with its own cursor.
func (g *grammar) query(k queryKind) (*ts.Query, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if q := g.compiled[k]; q != nil {
		return q, nil
	}
	if err := g.failed[k]; err != nil {
		return nil, err
	}
	src, ok := g.queries[k]
	if !ok {
		return nil, nil
	}
	q, qerr := ts.NewQuery(g.language, src)
	if qerr != nil {
		err := fmt.Errorf("compiling a %s query: %s", g.name, qerr.Error())
		g.failed[k] = err
		return nil, err
	}
	g.compiled[k] = q
	return q, nil
}

var grammars = map[string]*grammar{
	"c":          newGrammar("c", tsc.Language(), cComments, cStrings, cQueries),
	"cpp":        newGrammar("cpp", tscpp.Language(), cComments, cppStrings, cppQueries),
	"java":       newGrammar("java", tsjava.Language(), javaComments, javaStrings, javaQueries),
	"javascript": newGrammar("javascript", tsjs.Language(), jsComments, jsStrings, jsQueries),
	"typescript": newGrammar("typescript", tsts.LanguageTypescript(), jsComments, jsStrings, tsQueries),
	"tsx":        newGrammar("tsx", tsts.LanguageTSX(), jsComments, jsStrings, tsQueries),
	"php":        newGrammar("php", tsphp.LanguagePHP(), phpComments, phpStrings, phpQueries),
	"python":     newGrammar("python", tspython.Language(), pyComments, pyStrings, pyQueries),
	"bash":       newGrammar("bash", tsbash.Language(), shComments, shStrings, shQueries),
}

// Languages lists the grammars Parse knows.
func Languages() []string {
	return []string{"bash", "c", "cpp", "java", "javascript", "php", "python", "tsx", "typescript"}
}
