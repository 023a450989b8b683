//go:build cgo

package syntax

import (
	"context"
	"fmt"
	"sync"
	"time"

	ts "github.com/tree-sitter/go-tree-sitter"
)

// Tree is the syntax tree of one source. It is safe for concurrent reads;
// Close frees it, after which its nodes must not be used.
type Tree struct {
	Lang string // the grammar: "c", "cpp", "java", "javascript", "typescript", "tsx", "php", "python", "bash"

	src  []byte
	g    *grammar
	once sync.Once
	t    *ts.Tree
}

// Parse builds the syntax tree of src in the grammar lang (see Grammar).
// It refuses source over MaxSize, and stops when ctx ends or after Timeout.
// A tree is returned for any source that fits, valid or not: parts that do
// not parse are ERROR nodes.
func Parse(ctx context.Context, lang string, src []byte) (*Tree, error) {
	g := grammars[lang]
	if g == nil {
		return nil, fmt.Errorf("parsing %q: %w", lang, ErrUnsupported)
	}
	if len(src) > MaxSize {
		stats.refused.Add(1)
		return nil, fmt.Errorf("parsing %s source of %d bytes: %w", lang, len(src), ErrTooLarge)
	}
	began := time.Now()
	defer func() { stats.nanos.Add(int64(time.Since(began))) }()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("parsing %s source: %w", lang, err)
	}
	p, err := g.parser()
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(Timeout)
	var stopped error
	opts := &ts.ParseOptions{ProgressCallback: func(ts.ParseState) bool {
		if err := ctx.Err(); err != nil {
			stopped = err
		} else if time.Now().After(deadline) {
			stopped = ErrTimeout
		}
		return stopped != nil
	}}
	// The binding copies each chunk it is handed into C memory; chunks
	// keep that copy small when the lexer seeks back and forth.
	const chunk = 64 << 10
	t := p.ParseWithOptions(func(i int, _ ts.Point) []byte {
		if i < 0 || i >= len(src) {
			return nil
		}
		return src[i:min(len(src), i+chunk)]
	}, nil, opts)
	if t == nil {
		p.Reset()
		g.release(p)
		if stopped == nil {
			stopped = ErrTimeout
		}
		stats.refused.Add(1)
		return nil, fmt.Errorf("parsing %s source of %d bytes: %w", lang, len(src), stopped)
	}
	g.release(p)
	stats.trees.Add(1)
	stats.bytes.Add(int64(len(src)))
	return &Tree{Lang: lang, src: src, g: g, t: t}, nil
}

// Close frees the tree's C memory. It is safe to call more than once.
func (t *Tree) Close() {
	if t == nil {
		return
	}
	t.once.Do(func() {
		t.t.Close()
		t.t = nil
	})
}

// Source returns the source the tree was parsed from.
func (t *Tree) Source() []byte { return t.src }

// Root returns the tree's root node.
func (t *Tree) Root() Node {
	if t == nil || t.t == nil {
		return Node{}
	}
	return Node{n: *t.t.RootNode(), t: t}
}

// ClassAt tells whether the byte at offset off is code, or inside a string
// literal or a comment.
func (t *Tree) ClassAt(off int) Class {
	if t == nil || t.t == nil || off < 0 || off >= len(t.src) {
		return Code
	}
	n := t.t.RootNode().DescendantForByteRange(uint(off), uint(off+1))
	for ; n != nil; n = n.Parent() {
		k := n.Kind()
		if t.g.comments[k] {
			return Comment
		}
		if interpolations[k] {
			return Code // ${x} in a template, $x in a PHP or shell string: code the string runs
		}
		if t.g.strings[k] {
			return String
		}
	}
	return Code
}

// interpolations are the node kinds, in any grammar, of code inside a
// string literal that the program evaluates: JavaScript's ${…}, Python's
// f-string {…}, PHP's "$x" and "{$x}", the shell's $x and $(…).
var interpolations = set([]string{
	"template_substitution", "interpolation", "variable_name", "dynamic_variable_name",
	"subscript_expression", "member_access_expression", "simple_expansion", "expansion",
	"command_substitution", "process_substitution", "arithmetic_expansion",
})

// Node is one node of a Tree. The zero Node is no node: Valid is false,
// and every method returns a zero value.
type Node struct {
	n ts.Node
	t *Tree
}

func (t *Tree) wrap(n *ts.Node) Node {
	if n == nil {
		return Node{}
	}
	return Node{n: *n, t: t}
}

// Valid reports whether n is a node.
func (n Node) Valid() bool { return n.t != nil }

// Kind is the node's type in its grammar: "call_expression", "string",
// "comment", "command", …
func (n Node) Kind() string {
	if n.t == nil {
		return ""
	}
	return n.n.Kind()
}

// Start and End are the node's byte offsets in the source.
func (n Node) Start() int {
	if n.t == nil {
		return 0
	}
	return int(n.n.StartByte())
}

func (n Node) End() int {
	if n.t == nil {
		return 0
	}
	return int(n.n.EndByte())
}

// Line is the 1-based line the node starts on.
func (n Node) Line() int {
	if n.t == nil {
		return 0
	}
	return int(n.n.StartPosition().Row) + 1
}

// Text returns the node's source text.
func (n Node) Text() string {
	if n.t == nil {
		return ""
	}
	s, e := n.Start(), n.End()
	if s < 0 || e > len(n.t.src) || s > e {
		return ""
	}
	return string(n.t.src[s:e])
}

// IsNamed reports whether the node is a named node of the grammar (not
// punctuation or a keyword).
func (n Node) IsNamed() bool { return n.t != nil && n.n.IsNamed() }

// IsError reports whether the node is source the grammar could not parse.
func (n Node) IsError() bool { return n.t != nil && (n.n.IsError() || n.n.IsMissing()) }

// HasError reports whether the node or a descendant could not be parsed.
func (n Node) HasError() bool { return n.t != nil && n.n.HasError() }

// Parent returns the node's parent, or no node for the root.
func (n Node) Parent() Node {
	if n.t == nil {
		return Node{}
	}
	return n.t.wrap(n.n.Parent())
}

// ChildCount and Child give the node's children, named or not.
func (n Node) ChildCount() int {
	if n.t == nil {
		return 0
	}
	return int(n.n.ChildCount())
}

func (n Node) Child(i int) Node {
	if n.t == nil || i < 0 {
		return Node{}
	}
	return n.t.wrap(n.n.Child(uint(i)))
}

// NamedChildren returns the node's named children.
func (n Node) NamedChildren() []Node {
	if n.t == nil {
		return nil
	}
	c := n.n.Walk()
	defer c.Close()
	kids := n.n.NamedChildren(c)
	out := make([]Node, len(kids))
	for i := range kids {
		out[i] = Node{n: kids[i], t: n.t}
	}
	return out
}

// Field returns the child in the grammar's field name ("function",
// "arguments", "name", "body", …).
func (n Node) Field(name string) Node {
	if n.t == nil {
		return Node{}
	}
	return n.t.wrap(n.n.ChildByFieldName(name))
}

// FieldAll returns every child in the field name (a shell command's
// "argument"s).
func (n Node) FieldAll(name string) []Node {
	if n.t == nil {
		return nil
	}
	c := n.n.Walk()
	defer c.Close()
	kids := n.n.ChildrenByFieldName(name, c)
	out := make([]Node, len(kids))
	for i := range kids {
		out[i] = Node{n: kids[i], t: n.t}
	}
	return out
}

// Walk calls fn for n and each of its descendants in source order; where
// fn returns false, the node's descendants are skipped.
func (n Node) Walk(fn func(Node) bool) {
	if n.t == nil {
		return
	}
	c := n.n.Walk()
	defer c.Close()
	for {
		if fn(n.t.wrap(c.Node())) && c.GotoFirstChild() {
			continue
		}
		for !c.GotoNextSibling() {
			if !c.GotoParent() {
				return
			}
		}
	}
}

// SExpr renders the node's subtree as an S-expression, for tests and
// debugging.
func (n Node) SExpr() string {
	if n.t == nil {
		return ""
	}
	return n.n.ToSexp()
}
