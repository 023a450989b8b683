// Package cprog indexes the functions of a set of C or C++ files (a
// directory's translation units) from their syntax trees, so that rules
// can follow calls from one file into another: which function a name
// calls, and what that function calls in turn.
package cprog

import (
	"bytes"
	"sort"

	"glassbox.dev/scan"
	"glassbox.dev/scan/syntax"
)

// Func is one function definition of the set.
type Func struct {
	Name   string
	File   *scan.File
	Node   syntax.Node
	Params []string      // parameter names, in order
	Calls  []syntax.Call // the calls in its body, in source order
}

// Program is the functions of a set of files by name. A name defined in
// more than one file (static functions of the same name) keeps the first,
// by path.
type Program struct {
	Funcs map[string]*Func
	Order []*Func // by path, then position
}

// Load indexes the C and C++ files among files; files that have no tree
// (too large, no grammar, no cgo) are left out.
func Load(files []*scan.File) *Program {
	p := &Program{Funcs: map[string]*Func{}}
	for _, f := range files {
		if f.Lang != "c" && f.Lang != "cpp" {
			continue
		}
		t, err := f.Tree()
		if err != nil {
			continue
		}
		fns, err := t.Functions()
		if err != nil {
			continue
		}
		calls, _ := t.Calls()
		sort.Slice(fns, func(i, j int) bool { return fns[i].Node.Start() < fns[j].Node.Start() })
		for _, fn := range fns {
			if fn.Name == "" {
				continue
			}
			g := &Func{Name: fn.Name, File: f, Node: fn.Node, Params: fn.ParamNames()}
			for _, c := range calls {
				if c.Node.Start() >= fn.Body.Start() && c.Node.End() <= fn.Body.End() {
					g.Calls = append(g.Calls, c)
				}
			}
			if _, ok := p.Funcs[g.Name]; !ok {
				p.Funcs[g.Name] = g
			}
			p.Order = append(p.Order, g)
		}
	}
	return p
}

// Mentions reports whether any file among files holds one of the words:
// a cheap test before any tree is built.
func Mentions(files []*scan.File, words ...string) bool {
	for _, f := range files {
		if f.Lang != "c" && f.Lang != "cpp" {
			continue
		}
		for _, w := range words {
			if bytes.Contains(f.Content, []byte(w)) {
				return true
			}
		}
	}
	return false
}

// Hop is one call on a chain: the function the call is in, and the call.
type Hop struct {
	In   *Func
	Call syntax.Call
}

// Reach returns the shortest chain of calls from the function name to a
// call that is(call) accepts, following the set's functions at most depth
// calls deep, or nil if there is none.
func (p *Program) Reach(name string, depth int, is func(syntax.Call) bool) []Hop {
	type item struct {
		fn    *Func
		chain []Hop
	}
	start := p.Funcs[name]
	if start == nil {
		return nil
	}
	seen := map[string]bool{name: true}
	queue := []item{{start, nil}}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		for _, c := range it.fn.Calls {
			chain := append(append([]Hop{}, it.chain...), Hop{it.fn, c})
			if is(c) {
				return chain
			}
			if g := p.Funcs[c.Name]; g != nil && !seen[c.Name] && len(chain) < depth {
				seen[c.Name] = true
				queue = append(queue, item{g, chain})
			}
		}
	}
	return nil
}
