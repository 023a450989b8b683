package dataflow

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"path"
	"slices"
	"strconv"
	"strings"

	"glassbox.dev"
	"glassbox.dev/scan"
	"glassbox.dev/scan/syntax"
)

// Bounds on one package's analysis: summaries are iterated to a fixpoint
// at most maxRounds times, and one function's body at most maxLocal times
// per round; a path longer than that is cut, never followed for ever.
const (
	maxRounds = 8
	maxLocal  = 4
	maxParams = 64 // parameters tracked per function (a bit each)
)

// analyzeGo follows remote input to command execution in the Go files of
// one directory, one package clause at a time.
func analyzeGo(files []*scan.File) []glassbox.Finding {
	// Most packages can have no such path: none imports both a source
	// and a sink package. They are not type-checked.
	var hasSink, hasSource bool
	for _, f := range files {
		hasSink = hasSink || bytes.Contains(f.Content, []byte(`"os/exec"`)) || bytes.Contains(f.Content, []byte(`"syscall"`)) ||
			bytes.Contains(f.Content, []byte(`"plugin"`)) || bytes.Contains(f.Content, []byte(`StartProcess`)) ||
			bytes.Contains(f.Content, []byte(`"golang.org/x/sys/unix"`))
		hasSource = hasSource || bytes.Contains(f.Content, []byte(`"net`)) || bytes.Contains(f.Content, []byte(`"crypto/tls"`))
	}
	if !hasSink || !hasSource {
		return nil
	}
	// Which package clause each file has, and what it imports, read
	// first: a full parse is for the packages that can hold a path.
	type header struct {
		f   *scan.File
		pkg string
	}
	var heads []header
	imports := map[string][]*ast.File{}
	var names []string
	hfset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(hfset, f.Path, f.Content, parser.ImportsOnly|parser.SkipObjectResolution)
		if err != nil || af == nil {
			continue // the per-file families report what does not parse
		}
		n := af.Name.Name
		if _, ok := imports[n]; !ok {
			names = append(names, n)
		}
		imports[n] = append(imports[n], af)
		heads = append(heads, header{f, n})
	}
	slices.Sort(names)
	var out []glassbox.Finding
	for _, n := range names {
		if !mayFlow(imports[n]) {
			continue
		}
		fset := token.NewFileSet()
		var pkgFiles []*ast.File
		for _, h := range heads {
			if h.pkg != n {
				continue
			}
			if af, err := parser.ParseFile(fset, h.f.Path, h.f.Content, parser.SkipObjectResolution); err == nil && af != nil {
				pkgFiles = append(pkgFiles, af)
			}
		}
		out = append(out, analyzeGoPackage(fset, n, pkgFiles)...)
	}
	return out
}

// sourceImports and sinkImports are the packages a path starts and ends
// in; a package that imports none of one kind has no path.
var (
	sourceImports = map[string]bool{"net": true, "net/http": true, "crypto/tls": true}
	sinkImports   = map[string]bool{"os/exec": true, "syscall": true, "plugin": true, "golang.org/x/sys/unix": true, "os": true}
)

func mayFlow(files []*ast.File) bool {
	var src, sink bool
	for _, f := range files {
		for _, im := range f.Imports {
			p, err := strconv.Unquote(im.Path.Value)
			if err != nil {
				continue
			}
			src = src || sourceImports[p]
			sink = sink || sinkImports[p]
		}
	}
	return src && sink
}

// stubImporter gives every import an empty package: the analysis needs to
// know which package a name refers to (os/exec, net/http), never what is
// in it, and must not read anything outside the set.
type stubImporter struct{}

func (stubImporter) Import(p string) (*types.Package, error) {
	name := path.Base(p)
	if strings.HasPrefix(name, "v") && len(name) > 1 && strings.Trim(name[1:], "0123456789") == "" && path.Dir(p) != "." {
		name = path.Base(path.Dir(p))
	}
	name = strings.TrimPrefix(strings.TrimSuffix(name, ".go"), "go-")
	pkg := types.NewPackage(p, name)
	pkg.MarkComplete()
	return pkg, nil
}

// origin is remote input and how it came to where it is: the steps from
// where it was received, and the functions it passed through.
type origin struct {
	what  string // "HTTP request r"
	steps []glassbox.FlowStep
	via   []string
}

// taint is what an expression may carry: parameters of the function
// being analysed (a bit each) and remote input.
type taint struct {
	params uint64
	src    *origin
}

func (t taint) empty() bool { return t.params == 0 && t.src == nil }

func join(a, b taint) taint {
	if a.src == nil {
		a.src = b.src
	}
	a.params |= b.params
	return a
}

// sinkPath is how a parameter reaches a sink: the steps from the call into
// the function to the sink, which is the last.
type sinkPath struct {
	label string // "exec.Command's program name"
	steps []glassbox.FlowStep
	via   []string
	pos   token.Pos
	end   token.Pos
	// In C, where the sink is.
	file *scan.File
	node syntax.Node
}

// fn is one function of the package and its summary.
type fn struct {
	decl   *ast.FuncDecl
	name   string
	params []*types.Var
	// The summary, grown monotonically until the fixpoint.
	retParams uint64            // parameters that reach the results
	retSrc    *origin           // remote input the results carry
	paramSink map[int]*sinkPath // parameters that reach a sink
	env       map[types.Object]taint
}

// pkgFlow is one package under analysis.
type pkgFlow struct {
	fset     *token.FileSet
	info     *types.Info
	pkg      *types.Package
	funcs    map[*types.Func]*fn
	globals  map[*types.Var]*origin // package variables and struct fields holding remote input
	findings map[string]glassbox.Finding
	changed  bool // a summary or global grew this round
}

func analyzeGoPackage(fset *token.FileSet, name string, files []*ast.File) []glassbox.Finding {
	info := &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
	conf := types.Config{Importer: stubImporter{}, Error: func(error) {}, FakeImportC: true}
	pkg, _ := conf.Check(name, fset, files, info) // errors are expected: imports are empty
	if pkg == nil {
		return nil
	}
	p := &pkgFlow{fset: fset, info: info, pkg: pkg, funcs: map[*types.Func]*fn{}, globals: map[*types.Var]*origin{}, findings: map[string]glassbox.Finding{}}
	var order []*fn
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			obj, _ := info.Defs[fd.Name].(*types.Func)
			if obj == nil {
				continue
			}
			g := &fn{decl: fd, name: funcName(fd), paramSink: map[int]*sinkPath{}}
			// A method's receiver is its first parameter.
			if fd.Recv != nil {
				var recv *types.Var
				if len(fd.Recv.List) == 1 && len(fd.Recv.List[0].Names) == 1 {
					recv, _ = info.Defs[fd.Recv.List[0].Names[0]].(*types.Var)
				}
				g.params = append(g.params, recv)
			}
			for _, field := range fd.Type.Params.List {
				for _, id := range field.Names {
					if v, ok := info.Defs[id].(*types.Var); ok {
						g.params = append(g.params, v)
					}
				}
				if len(field.Names) == 0 {
					g.params = append(g.params, nil)
				}
			}
			p.funcs[obj] = g
			order = append(order, g)
		}
	}
	for round := 0; round < maxRounds; round++ {
		p.changed = false
		for _, g := range order {
			p.analyzeFunc(g)
		}
		if !p.changed {
			break
		}
	}
	keys := make([]string, 0, len(p.findings))
	for k := range p.findings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]glassbox.Finding, 0, len(keys))
	for _, k := range keys {
		out = append(out, p.findings[k])
	}
	return out
}

func funcName(fd *ast.FuncDecl) string {
	if fd.Recv != nil && len(fd.Recv.List) == 1 {
		t := fd.Recv.List[0].Type
		for {
			switch x := t.(type) {
			case *ast.StarExpr:
				t = x.X
				continue
			case *ast.IndexExpr:
				t = x.X
				continue
			case *ast.IndexListExpr:
				t = x.X
				continue
			}
			break
		}
		if id, ok := t.(*ast.Ident); ok {
			return id.Name + "." + fd.Name.Name
		}
	}
	return fd.Name.Name
}

// walker analyses one function body once.
type walker struct {
	p       *pkgFlow
	g       *fn
	changed bool // env grew on this pass
}

func (p *pkgFlow) analyzeFunc(g *fn) {
	if g.env == nil {
		g.env = map[types.Object]taint{}
		for i, v := range g.params {
			if v != nil && i < maxParams {
				g.env[v] = taint{params: 1 << i}
			}
		}
	}
	w := &walker{p: p, g: g}
	w.sourceFields(g.decl.Type)
	for i := 0; i < maxLocal; i++ {
		w.changed = false
		w.walk(g.decl.Body, false)
		if !w.changed {
			break
		}
	}
}

func (w *walker) step(pos token.Pos, msg string) glassbox.FlowStep {
	ps := w.p.fset.Position(pos)
	return glassbox.FlowStep{Path: ps.Filename, Line: ps.Line, Column: ps.Column, Message: msg}
}

// sourceFields marks the parameters of a function type that are remote
// input by their declared type (an *http.Request, a net.Conn).
func (w *walker) sourceFields(ft *ast.FuncType) {
	if ft == nil || ft.Params == nil {
		return
	}
	for _, field := range ft.Params.List {
		w.sourceDecl(field.Type, field.Names)
	}
}

func (w *walker) sourceDecl(typ ast.Expr, names []*ast.Ident) {
	what := w.sourceType(typ)
	if what == "" {
		return
	}
	for _, id := range names {
		obj := w.p.info.Defs[id]
		if obj == nil || id.Name == "_" {
			continue
		}
		o := &origin{what: what + " " + id.Name, via: []string{w.g.name}}
		o.steps = []glassbox.FlowStep{w.step(id.Pos(), fmt.Sprintf("%s %s received by %s", what, id.Name, w.g.name))}
		w.set(obj, taint{src: o})
	}
}

// sourceTypes are the types whose values hold what a remote party sent.
var sourceTypes = map[string]map[string]string{
	"net/http":   {"Request": "HTTP request", "Response": "HTTP response"},
	"net":        {"Conn": "network connection", "TCPConn": "network connection", "UDPConn": "network connection", "UnixConn": "network connection", "IPConn": "network connection", "PacketConn": "network connection"},
	"crypto/tls": {"Conn": "TLS connection"},
}

func (w *walker) sourceType(t ast.Expr) string {
	for {
		if s, ok := t.(*ast.StarExpr); ok {
			t = s.X
			continue
		}
		break
	}
	pkg, name := w.pkgSel(t)
	return sourceTypes[pkg][name]
}

// pkgSel returns the import path and name of a qualified identifier
// (exec.Command), or "" if e is none.
func (w *walker) pkgSel(e ast.Expr) (string, string) {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return "", ""
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return "", ""
	}
	pn, ok := w.p.info.Uses[id].(*types.PkgName)
	if !ok {
		return "", ""
	}
	return pn.Imported().Path(), sel.Sel.Name
}

func (w *walker) set(obj types.Object, t taint) {
	v, ok := obj.(*types.Var)
	if !ok || t.empty() || !canCarry(v.Type()) {
		return
	}
	if w.isGlobal(v) {
		if t.src != nil && w.p.globals[v] == nil {
			w.p.globals[v] = t.src
			w.p.changed = true
		}
		return
	}
	old := w.g.env[v]
	nt := join(old, t)
	if nt.params != old.params || (old.src == nil && nt.src != nil) {
		w.g.env[v] = nt
		w.changed = true
	}
}

// isLocal reports whether id is a variable declared in the function's
// body, not a parameter, a receiver or a package variable.
func (w *walker) isLocal(id *ast.Ident) bool {
	v, ok := w.p.info.Uses[id].(*types.Var)
	if !ok || w.isGlobal(v) || slices.Contains(w.g.params, v) {
		return false
	}
	return w.g.decl.Body != nil && w.g.decl.Body.Pos() <= v.Pos() && v.Pos() < w.g.decl.Body.End()
}

var errorType = types.Universe.Lookup("error").Type()

// canCarry reports whether a value of type t can carry a command: an error,
// a bool or a number read from a connection cannot name a program.
func canCarry(t types.Type) bool {
	if t == nil || types.Identical(t, errorType) {
		return false
	}
	if b, ok := t.Underlying().(*types.Basic); ok {
		return b.Kind() == types.Invalid || b.Info()&types.IsString != 0 || b.Kind() == types.UnsafePointer
	}
	return true
}

func (w *walker) isGlobal(v *types.Var) bool {
	return v.IsField() || v.Parent() == w.p.pkg.Scope()
}

// walk visits the statements of a body; inClosure is set inside function
// literals, whose returns are not the function's.
// assignAll gives each of lhs the taint of its value in rhs: pairwise,
// or all of them the taint of one multi-valued rhs (a call, a map index, a
// type assertion).
func (w *walker) assignAll(lhs, rhs []ast.Expr) {
	if len(lhs) == len(rhs) {
		for i := range lhs {
			w.assign(lhs[i], w.eval(rhs[i]))
		}
	} else if len(rhs) == 1 {
		t := w.eval(rhs[0])
		for _, l := range lhs {
			w.assign(l, t)
		}
	}
}

func (w *walker) walk(body ast.Node, inClosure bool) {
	if body == nil {
		return
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			w.sourceFields(n.Type)
			w.walk(n.Body, true)
			return false
		case *ast.AssignStmt:
			w.assignAll(n.Lhs, n.Rhs)
		case *ast.ValueSpec:
			w.sourceDecl(n.Type, n.Names)
			lhs := make([]ast.Expr, len(n.Names))
			for i, name := range n.Names {
				lhs[i] = name
			}
			w.assignAll(lhs, n.Values)
		case *ast.RangeStmt:
			t := w.eval(n.X)
			if n.Key != nil {
				w.assign(n.Key, t)
			}
			if n.Value != nil {
				w.assign(n.Value, t)
			}
		case *ast.SendStmt:
			w.assign(n.Chan, w.eval(n.Value))
		case *ast.ReturnStmt:
			if !inClosure {
				w.ret(n)
			}
		case *ast.CallExpr:
			w.eval(n) // for the sinks and the buffers it fills
		}
		return true
	})
}

func (w *walker) ret(n *ast.ReturnStmt) {
	var t taint
	if len(n.Results) == 0 && w.g.decl.Type.Results != nil {
		for _, f := range w.g.decl.Type.Results.List {
			for _, id := range f.Names {
				if obj := w.p.info.Defs[id]; obj != nil {
					t = join(t, w.g.env[obj])
				}
			}
		}
	}
	for _, r := range n.Results {
		t = join(t, w.eval(r))
	}
	if t.params&^w.g.retParams != 0 {
		w.g.retParams |= t.params
		w.p.changed = true
	}
	if t.src != nil && w.g.retSrc == nil {
		w.g.retSrc = t.src
		w.p.changed = true
	}
}

// assign records that l now may hold t.
func (w *walker) assign(l ast.Expr, t taint) {
	if t.empty() {
		return
	}
	switch l := l.(type) {
	case *ast.Ident:
		if l.Name == "_" {
			return
		}
		obj := w.p.info.Defs[l]
		if obj == nil {
			obj = w.p.info.Uses[l]
		}
		w.set(obj, t)
	case *ast.SelectorExpr:
		if sel := w.p.info.Selections[l]; sel != nil && sel.Kind() == types.FieldVal {
			// The field holds it wherever its struct goes; the struct
			// itself is tainted only while it is being built here, so
			// that setting one field of a long-lived receiver does not
			// taint all the others.
			w.set(sel.Obj(), t)
			if id, ok := ast.Unparen(l.X).(*ast.Ident); !ok || !w.isLocal(id) {
				return
			}
		}
		w.assign(l.X, t)
	case *ast.IndexExpr:
		w.assign(l.X, t)
	case *ast.StarExpr:
		w.assign(l.X, t)
	case *ast.ParenExpr:
		w.assign(l.X, t)
	case *ast.UnaryExpr:
		w.assign(l.X, t)
	case *ast.SliceExpr:
		w.assign(l.X, t)
	}
}

// eval returns what e may carry.
func (w *walker) eval(e ast.Expr) taint {
	switch e := e.(type) {
	case *ast.Ident:
		obj := w.p.info.Uses[e]
		if obj == nil {
			obj = w.p.info.Defs[e]
		}
		v, ok := obj.(*types.Var)
		if !ok {
			return taint{}
		}
		if w.isGlobal(v) {
			return taint{src: w.p.globals[v]}
		}
		return w.g.env[v]
	case *ast.ParenExpr:
		return w.eval(e.X)
	case *ast.StarExpr:
		return w.eval(e.X)
	case *ast.UnaryExpr:
		return w.eval(e.X)
	case *ast.IndexExpr:
		return w.eval(e.X)
	case *ast.IndexListExpr:
		return w.eval(e.X)
	case *ast.SliceExpr:
		return w.eval(e.X)
	case *ast.TypeAssertExpr:
		return w.eval(e.X)
	case *ast.KeyValueExpr:
		return w.eval(e.Value)
	case *ast.CompositeLit:
		var t taint
		for _, x := range e.Elts {
			t = join(t, w.eval(x))
		}
		return t
	case *ast.BinaryExpr:
		switch e.Op {
		case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.AND, token.OR, token.XOR, token.SHL, token.SHR, token.AND_NOT:
			return join(w.eval(e.X), w.eval(e.Y))
		}
		return taint{} // a comparison is a bool the sender chose, not data
	case *ast.SelectorExpr:
		if pkg, _ := w.pkgSel(e); pkg != "" {
			return taint{}
		}
		t := w.eval(e.X)
		if sel := w.p.info.Selections[e]; sel != nil && sel.Kind() == types.FieldVal {
			if v, ok := sel.Obj().(*types.Var); ok && w.p.globals[v] != nil {
				t = join(t, taint{src: w.p.globals[v]})
			}
		}
		return t
	case *ast.CallExpr:
		return w.call(e)
	}
	return taint{}
}

// sourceFuncs are calls whose results hold what a remote party sends.
var sourceFuncs = map[string]map[string]string{
	"net": {"Dial": "network connection", "DialTimeout": "network connection", "DialTCP": "network connection", "DialUDP": "network connection",
		"DialIP": "network connection", "DialUnix": "network connection", "ListenUDP": "datagram socket", "ListenPacket": "datagram socket", "ListenUnixgram": "datagram socket", "ListenIP": "datagram socket"},
	"crypto/tls": {"Dial": "TLS connection", "DialWithDialer": "TLS connection"},
	"net/http":   {"Get": "HTTP response", "Post": "HTTP response", "PostForm": "HTTP response", "Head": "HTTP response"},
}

// sourceMethods are methods whose results are connections from afar.
var sourceMethods = map[string]string{"Accept": "accepted connection", "AcceptTCP": "accepted connection", "AcceptUnix": "accepted connection"}

// fillers are calls that write what they read into an argument: a reader
// that carries input fills the buffer it is given.
var fillers = map[string]bool{
	"Read": true, "ReadFull": true, "ReadAtLeast": true, "ReadFrom": true, "ReadFromUDP": true, "ReadMsgUDP": true,
	"Decode": true, "Unmarshal": true, "Fscan": true, "Fscanf": true, "Fscanln": true, "Copy": true, "CopyN": true, "CopyBuffer": true,
}

func (w *walker) call(c *ast.CallExpr) taint {
	info := w.p.info
	// A conversion carries what it converts.
	if tv, ok := info.Types[c.Fun]; ok && tv.IsType() {
		if len(c.Args) == 1 {
			return w.eval(c.Args[0])
		}
		return taint{}
	}
	var args taint
	argT := make([]taint, len(c.Args))
	for i, a := range c.Args {
		argT[i] = w.eval(a)
		args = join(args, argT[i])
	}
	fun := ast.Unparen(c.Fun)
	if id, ok := fun.(*ast.Ident); ok {
		switch obj := info.Uses[id].(type) {
		case *types.Builtin:
			switch id.Name {
			case "append":
				return args
			case "copy":
				if len(c.Args) == 2 {
					w.assign(c.Args[0], argT[1])
				}
			}
			return taint{}
		case *types.Func:
			if g := w.p.funcs[obj]; g != nil {
				return w.apply(g, c, argT)
			}
		}
		return args
	}
	sel, ok := fun.(*ast.SelectorExpr)
	if !ok {
		return args
	}
	if pkg, name := w.pkgSel(sel); pkg != "" {
		if what := sourceFuncs[pkg][name]; what != "" {
			return taint{src: w.source(c, what, pkg[strings.LastIndexByte(pkg, '/')+1:]+"."+name)}
		}
		w.sink(c, pkg, name, argT)
		if fillers[name] && !args.empty() {
			for _, a := range c.Args {
				w.assign(a, args)
			}
		}
		return args
	}
	if s := info.Selections[sel]; s != nil && s.Kind() == types.MethodVal {
		if g := w.p.funcs[s.Obj().(*types.Func)]; g != nil {
			return w.apply(g, c, append([]taint{w.eval(sel.X)}, argT...))
		}
	}
	if what := sourceMethods[sel.Sel.Name]; what != "" && len(c.Args) == 0 {
		return taint{src: w.source(c, what, sel.Sel.Name)}
	}
	if pkg, name := w.pkgSel(sel.X); pkg == "net/http" && name == "DefaultClient" {
		return taint{src: w.source(c, "HTTP response", "http.DefaultClient."+sel.Sel.Name)}
	}
	recv := w.eval(sel.X)
	if fillers[sel.Sel.Name] && !recv.empty() {
		for _, a := range c.Args {
			w.assign(a, recv)
		}
	}
	return join(recv, args)
}

func (w *walker) source(c *ast.CallExpr, what, call string) *origin {
	return &origin{
		what:  what + " from " + call,
		steps: []glassbox.FlowStep{w.step(c.Pos(), fmt.Sprintf("%s opened by %s in %s", what, call, w.g.name))},
		via:   []string{w.g.name},
	}
}

// apply is a call of the package's function g: its summary says what the
// result carries and which arguments reach a sink.
func (w *walker) apply(g *fn, c *ast.CallExpr, argT []taint) taint {
	var res taint
	if g.retSrc != nil {
		o := *g.retSrc
		o.steps = append(slices.Clip(o.steps), w.step(c.Pos(), fmt.Sprintf("returned by %s to %s", g.name, w.g.name)))
		o.via = appendVia(o.via, w.g.name)
		res.src = &o
	}
	for i, t := range argT {
		if t.empty() || len(g.params) == 0 {
			continue
		}
		pi := min(i, len(g.params)-1) // a variadic parameter takes the rest
		if pi >= maxParams {
			continue
		}
		if g.retParams&(1<<pi) != 0 {
			res = join(res, t)
		}
		sp := g.paramSink[pi]
		if sp == nil {
			continue
		}
		pname := "an argument"
		if v := g.params[pi]; v != nil {
			pname = v.Name()
		}
		at := c.Pos()
		if j := i - (len(argT) - len(c.Args)); j >= 0 {
			at = c.Args[j].Pos()
		}
		call := w.step(at, fmt.Sprintf("passed by %s to %s as %s", w.g.name, g.name, pname))
		steps := append([]glassbox.FlowStep{call}, sp.steps...)
		via := append([]string{w.g.name}, sp.via...)
		w.reach(t, &sinkPath{label: sp.label, steps: steps, via: via, pos: sp.pos, end: sp.end})
	}
	return res
}

// reach records that t reaches the sink path sp: remote input makes a
// finding; a parameter makes the sink part of this function's summary.
func (w *walker) reach(t taint, sp *sinkPath) {
	if t.src != nil {
		w.report(t.src, sp)
	}
	for i := 0; i < maxParams && i < len(w.g.params); i++ {
		if t.params&(1<<i) != 0 && w.g.paramSink[i] == nil {
			w.g.paramSink[i] = sp
			w.p.changed = true
		}
	}
}

// shellFlags are the flags after which a shell's argument is a script.
var shellFlags = map[string]bool{"-c": true, "/c": true, "/C": true, "-Command": true, "-command": true, "/k": true, "/K": true}

// sink checks a call of a package function that runs a program.
func (w *walker) sink(c *ast.CallExpr, pkg, name string, argT []taint) {
	first := -1 // the argument naming the program
	label := ""
	switch {
	case pkg == "os/exec" && name == "Command":
		first, label = 0, "exec.Command"
	case pkg == "os/exec" && name == "CommandContext":
		first, label = 1, "exec.CommandContext"
	case (pkg == "syscall" || pkg == "golang.org/x/sys/unix") && (name == "Exec" || name == "ForkExec" || name == "StartProcess"):
		first, label = 0, path.Base(pkg)+"."+name
	case pkg == "os" && name == "StartProcess":
		first, label = 0, "os.StartProcess"
	case pkg == "plugin" && name == "Open":
		first, label = 0, "plugin.Open"
	}
	if first < 0 || first >= len(argT) {
		return
	}
	var t taint
	what := ""
	if !argT[first].empty() {
		t, what = argT[first], label+"'s program name"
		if label == "plugin.Open" {
			what = "plugin.Open's path"
		}
	} else if shells[w.constString(c.Args[first])] && first+1 < len(c.Args) {
		// A shell's script: the argument after -c, or an argv slice.
		if label == "exec.Command" || label == "exec.CommandContext" {
			for i := first + 1; i+1 < len(c.Args); i++ {
				if f := w.constString(c.Args[i]); shellFlags[f] {
					t, what = argT[i+1], label+"'s shell script (after "+f+")"
					break
				}
			}
			if t.empty() && c.Ellipsis.IsValid() {
				t, what = argT[len(c.Args)-1], label+"'s shell arguments"
			}
		} else {
			t, what = argT[first+1], label+"'s shell arguments"
		}
	}
	if t.empty() {
		return
	}
	sp := &sinkPath{
		label: what,
		steps: []glassbox.FlowStep{w.step(c.Pos(), fmt.Sprintf("decides %s in %s", what, w.g.name))},
		via:   []string{w.g.name},
		pos:   c.Pos(),
		end:   c.End(),
	}
	w.reach(t, sp)
}

// shells are programs whose argument after -c is a script.
var shells = map[string]bool{
	"sh": true, "/bin/sh": true, "bash": true, "/bin/bash": true, "/usr/bin/bash": true, "/usr/bin/sh": true,
	"zsh": true, "/bin/zsh": true, "dash": true, "/bin/dash": true, "ksh": true,
	"cmd": true, "cmd.exe": true, "powershell": true, "powershell.exe": true, "pwsh": true,
}

func (w *walker) constString(e ast.Expr) string {
	if tv, ok := w.p.info.Types[e]; ok && tv.Value != nil && tv.Value.Kind() == constant.String {
		return constant.StringVal(tv.Value)
	}
	return ""
}

func appendVia(via []string, name string) []string {
	if len(via) > 0 && via[len(via)-1] == name {
		return via
	}
	return append(slices.Clip(via), name)
}

// report makes the finding for remote input o reaching the sink sp.
func (w *walker) report(o *origin, sp *sinkPath) {
	ps, pe := w.p.fset.Position(sp.pos), w.p.fset.Position(sp.end)
	key := fmt.Sprintf("%s:%d:%d", ps.Filename, ps.Line, ps.Column)
	if _, ok := w.p.findings[key]; ok {
		return
	}
	flow := append(slices.Clip(o.steps), sp.steps...)
	via := slices.Clone(o.via)
	for _, v := range sp.via {
		via = appendVia(via, v)
	}
	src := o.steps[0]
	sink := sp.steps[len(sp.steps)-1]
	msg := fmt.Sprintf("%s in %s (%s:%d) reaches %s in %s (%s:%d) via %s",
		o.what, o.via[0], src.Path, src.Line, sp.label, sp.via[len(sp.via)-1], sink.Path, sink.Line, strings.Join(via, " -> "))
	region := glassbox.Region{StartLine: ps.Line, StartColumn: ps.Column, EndLine: pe.Line, EndColumn: pe.Column}
	w.p.findings[key] = glassbox.Finding{
		RuleID:  RuleInputToExec.ID,
		Message: msg,
		Path:    ps.Filename,
		Region:  region,
		Snippet: sp.label + " <- " + o.what,
		Flow:    flow,
	}
}
