//go:build cgo

package syntax

import (
	"fmt"
	"time"

	ts "github.com/tree-sitter/go-tree-sitter"
)

// match runs the grammar's query of kind k over the tree and calls fn with
// each match's captures by name. It stops after Timeout or maxResults
// matches.
func (t *Tree) match(k queryKind, fn func(caps map[string][]Node)) error {
	if t == nil || t.t == nil {
		return nil
	}
	q, err := t.g.query(k)
	if err != nil || q == nil {
		return err
	}
	names := q.CaptureNames()
	cur := ts.NewQueryCursor()
	defer cur.Close()
	// Not MatchesWithOptions: the binding hands tree-sitter a pointer to
	// Go memory holding the progress callback, which the cursor keeps and
	// calls from later next_match calls after the garbage collector may
	// have reclaimed it (a SIGSEGV under load: PC equal to the fault
	// address). The cursor's own time limit needs no callback.
	deadline := time.Now().Add(Timeout)
	cur.SetTimeoutMicros(uint64(Timeout / time.Microsecond))
	root := t.t.RootNode()
	matches := cur.Matches(q, root, t.src)
	for i := 0; i < maxResults; i++ {
		m := matches.Next()
		if m == nil {
			break
		}
		caps := make(map[string][]Node, len(m.Captures))
		for _, c := range m.Captures {
			if int(c.Index) < len(names) {
				caps[names[c.Index]] = append(caps[names[c.Index]], Node{n: c.Node, t: t})
			}
		}
		fn(caps)
	}
	if time.Now().After(deadline) {
		return fmt.Errorf("querying a %s tree: %w", t.Lang, ErrTimeout)
	}
	return nil
}

func first(ns []Node) Node {
	if len(ns) == 0 {
		return Node{}
	}
	return ns[0]
}

// Calls returns the calls in the tree, in source order.
func (t *Tree) Calls() ([]Call, error) {
	var out []Call
	err := t.match(qCalls, func(caps map[string][]Node) {
		c := Call{Node: first(caps["call"]), Callee: first(caps["callee"])}
		c.Name = calleeName(c.Callee)
		if a := first(caps["args"]); a.Valid() {
			for _, n := range a.NamedChildren() {
				if !t.g.comments[n.Kind()] {
					c.Args = append(c.Args, n)
				}
			}
		} else {
			c.Args = caps["arg"]
		}
		out = append(out, c)
	})
	return out, err
}

// Strings returns the string literals in the tree, each whole with its
// quotes, in source order.
func (t *Tree) Strings() ([]Node, error) { return t.nodes(qStrings, "string") }

// Comments returns the comments in the tree, in source order.
func (t *Tree) Comments() ([]Node, error) { return t.nodes(qComments, "comment") }

func (t *Tree) nodes(k queryKind, name string) ([]Node, error) {
	var out []Node
	err := t.match(k, func(caps map[string][]Node) { out = append(out, caps[name]...) })
	return out, err
}

// Functions returns the function definitions in the tree, in source order.
func (t *Tree) Functions() ([]Function, error) {
	var out []Function
	err := t.match(qFunctions, func(caps map[string][]Node) {
		f := Function{Node: first(caps["function"]), Body: first(caps["body"])}
		if n := first(caps["name"]); n.Valid() {
			f.Name = n.BoundName()
		}
		if p := first(caps["params"]); p.Valid() {
			if paramLists[p.Kind()] {
				for _, n := range p.NamedChildren() {
					if !t.g.comments[n.Kind()] {
						f.Params = append(f.Params, n)
					}
				}
			} else {
				f.Params = []Node{p} // an arrow function's lone parameter
			}
		}
		out = append(out, f)
	})
	return out, err
}

var paramLists = set([]string{"parameter_list", "formal_parameters", "parameters", "lambda_parameters", "inferred_parameters"})

// Assignments returns the assignments and initialised declarations in the
// tree, in source order.
func (t *Tree) Assignments() ([]Assignment, error) {
	var out []Assignment
	err := t.match(qAssignments, func(caps map[string][]Node) {
		out = append(out, Assignment{Node: first(caps["assign"]), Left: first(caps["left"]), Right: first(caps["right"])})
	})
	return out, err
}
