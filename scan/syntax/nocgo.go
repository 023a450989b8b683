//go:build !cgo

package syntax

import (
	"context"
	"fmt"
)

// Tree is the syntax tree of one source; in a build without cgo there are
// none.
type Tree struct{ Lang string }

// Parse refuses every source in a build without cgo; analysers fall back
// to reading text.
func Parse(ctx context.Context, lang string, src []byte) (*Tree, error) {
	return nil, fmt.Errorf("parsing %s: %w", lang, ErrNoCgo)
}

// Languages lists no grammar in a build without cgo.
func Languages() []string { return nil }

func (t *Tree) Close()                             {}
func (t *Tree) Source() []byte                     { return nil }
func (t *Tree) Root() Node                         { return Node{} }
func (t *Tree) ClassAt(off int) Class              { return Code }
func (t *Tree) Calls() ([]Call, error)             { return nil, ErrNoCgo }
func (t *Tree) Strings() ([]Node, error)           { return nil, ErrNoCgo }
func (t *Tree) Comments() ([]Node, error)          { return nil, ErrNoCgo }
func (t *Tree) Functions() ([]Function, error)     { return nil, ErrNoCgo }
func (t *Tree) Assignments() ([]Assignment, error) { return nil, ErrNoCgo }

// Node is no node in a build without cgo.
type Node struct{}

func (n Node) Valid() bool                 { return false }
func (n Node) Kind() string                { return "" }
func (n Node) Start() int                  { return 0 }
func (n Node) End() int                    { return 0 }
func (n Node) Line() int                   { return 0 }
func (n Node) Text() string                { return "" }
func (n Node) IsNamed() bool               { return false }
func (n Node) IsError() bool               { return false }
func (n Node) HasError() bool              { return false }
func (n Node) Parent() Node                { return Node{} }
func (n Node) ChildCount() int             { return 0 }
func (n Node) Child(i int) Node            { return Node{} }
func (n Node) NamedChildren() []Node       { return nil }
func (n Node) Field(name string) Node      { return Node{} }
func (n Node) FieldAll(name string) []Node { return nil }
func (n Node) Walk(fn func(Node) bool)     {}
func (n Node) SExpr() string               { return "" }
