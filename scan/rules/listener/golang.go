package listener

import (
	"go/ast"
	"go/token"
	"strconv"
	"strings"

	"glassbox.dev"
)

// listenFuncs are the standard-library calls that open a listening socket,
// by package name and function.
var listenFuncs = map[string]map[string]bool{
	"net":  {"Listen": true, "ListenTCP": true, "ListenUDP": true, "ListenPacket": true, "ListenUnix": true, "ListenIP": true},
	"http": {"ListenAndServe": true, "ListenAndServeTLS": true, "Serve": true, "ServeTLS": true},
	"tls":  {"Listen": true},
}

// connMakers are method or function names whose result is a network
// connection: dialled out (reverse shells) or accepted (bind shells).
var connMakers = map[string]bool{
	"Dial": true, "DialTCP": true, "DialUDP": true, "DialTimeout": true, "DialContext": true,
	"Accept": true, "AcceptTCP": true,
}

// shells are programs a remote shell runs.
var shells = map[string]bool{
	"sh": true, "/bin/sh": true, "bash": true, "/bin/bash": true, "/usr/bin/bash": true,
	"zsh": true, "/bin/zsh": true, "cmd": true, "cmd.exe": true,
	"powershell": true, "powershell.exe": true, "pwsh": true,
}

// goRules runs the AST-based rules: GB0201 (listeners reachable from
// init) and GB0203 (exec.Command of a shell with a connection as its
// standard streams).
func (c *collector) goRules() {
	file, fset, err := c.F.Go()
	if err != nil || file == nil {
		return
	}
	off := func(p token.Pos) int {
		if !p.IsValid() {
			return 0
		}
		return fset.Position(p).Offset
	}
	funcs := map[string]*ast.FuncDecl{}
	for _, d := range file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Body != nil && fd.Name.Name != "init" {
			funcs[fd.Name.Name] = fd
		}
	}

	// GB0201: walk init bodies and, transitively, the package functions
	// they call or start as goroutines; a helper called from init runs at
	// import time just the same.
	visited := map[string]bool{}
	var walk func(body *ast.BlockStmt, via string)
	walk = func(body *ast.BlockStmt, via string) {
		ast.Inspect(body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if pkg, name, ok := pkgCall(call); ok && listenFuncs[pkg][name] {
				msg := pkg + "." + name + " called from func init"
				if via != "" {
					msg = pkg + "." + name + " called from " + via + ", which func init starts"
				}
				c.add(RuleInitListener, glassbox.SeverityHigh, off(call.Pos()), off(call.End()),
					msg+", so importing the package opens a listener")
			}
			if id, ok := call.Fun.(*ast.Ident); ok {
				if fd := funcs[id.Name]; fd != nil && !visited[id.Name] {
					visited[id.Name] = true
					walk(fd.Body, id.Name)
				}
			}
			return true
		})
	}
	for _, d := range file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Body != nil && fd.Name.Name == "init" {
			walk(fd.Body, "")
		}
	}

	// GB0203, one top-level function at a time (closures included).
	for _, d := range file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
			c.goShell(fd, off)
		}
	}
}

// goShell flags a shell command whose Stdin/Stdout/Stderr is a network
// connection within one function.
func (c *collector) goShell(fd *ast.FuncDecl, off func(token.Pos) int) {
	conns := map[string]bool{}
	cmds := map[string]bool{}
	// Parameters typed net.Conn (or *net.TCPConn…) are connections: a
	// handler func(conn net.Conn) is the usual shape of a bind shell.
	if fd.Type.Params != nil {
		for _, p := range fd.Type.Params.List {
			if isConnType(p.Type) {
				for _, n := range p.Names {
					conns[n.Name] = true
				}
			}
		}
	}
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			for _, p := range n.Type.Params.List {
				if isConnType(p.Type) {
					for _, nm := range p.Names {
						conns[nm.Name] = true
					}
				}
			}
		case *ast.ValueSpec:
			if isConnType(n.Type) {
				for _, nm := range n.Names {
					conns[nm.Name] = true
				}
			}
		case *ast.AssignStmt:
			if len(n.Rhs) == 1 {
				if call, ok := n.Rhs[0].(*ast.CallExpr); ok && len(n.Lhs) > 0 {
					if id, ok := n.Lhs[0].(*ast.Ident); ok {
						if isConnCall(call) {
							conns[id.Name] = true
						}
						if isShellCommand(call) {
							cmds[id.Name] = true
						}
					}
				}
			}
		}
		return true
	})
	if len(conns) == 0 {
		return
	}
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				sel, ok := l.(*ast.SelectorExpr)
				if !ok || !isStdStream(sel.Sel.Name) {
					continue
				}
				x, ok := sel.X.(*ast.Ident)
				if !ok || !cmds[x.Name] {
					continue
				}
				rhs := n.Rhs[0]
				if len(n.Rhs) == len(n.Lhs) {
					rhs = n.Rhs[i]
				}
				if mentions(rhs, conns) {
					c.add(RuleSocketShell, glassbox.SeverityCritical, off(n.Pos()), off(n.End()),
						"Shell command's "+sel.Sel.Name+" set to a network connection, giving the peer a remote shell")
					return true
				}
			}
		case *ast.CompositeLit:
			// &exec.Cmd{Path: "/bin/sh", Stdin: conn, …}
			if pkg, name := selName(n.Type); pkg != "exec" || name != "Cmd" {
				return true
			}
			shell, wired := false, false
			for _, e := range n.Elts {
				kv, ok := e.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				k, _ := kv.Key.(*ast.Ident)
				if k == nil {
					continue
				}
				if k.Name == "Path" && isShellLit(kv.Value) {
					shell = true
				}
				if isStdStream(k.Name) && mentions(kv.Value, conns) {
					wired = true
				}
			}
			if shell && wired {
				c.add(RuleSocketShell, glassbox.SeverityCritical, off(n.Pos()), off(n.End()),
					"exec.Cmd running a shell with a network connection as its standard streams")
			}
		}
		return true
	})
}

func isStdStream(name string) bool {
	return name == "Stdin" || name == "Stdout" || name == "Stderr"
}

// mentions reports whether e refers to any of names, so wrappers such as
// bufio.NewReader(conn) or io.MultiWriter(conn, log) still count.
func mentions(e ast.Expr, names map[string]bool) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && names[id.Name] {
			found = true
		}
		return !found
	})
	return found
}

func isConnType(t ast.Expr) bool {
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	pkg, name := selName(t)
	return pkg == "net" && (name == "Conn" || name == "TCPConn" || name == "UDPConn" || name == "UnixConn") ||
		pkg == "tls" && name == "Conn"
}

func isConnCall(call *ast.CallExpr) bool {
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		return connMakers[fn.Sel.Name]
	}
	return false
}

// isShellCommand reports exec.Command("/bin/sh", …) and
// exec.CommandContext(ctx, "bash", …).
func isShellCommand(call *ast.CallExpr) bool {
	pkg, name, ok := pkgCall(call)
	if !ok || pkg != "exec" {
		return false
	}
	switch {
	case name == "Command" && len(call.Args) > 0:
		return isShellLit(call.Args[0])
	case name == "CommandContext" && len(call.Args) > 1:
		return isShellLit(call.Args[1])
	}
	return false
}

func isShellLit(e ast.Expr) bool {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return false
	}
	s, err := strconv.Unquote(lit.Value)
	return err == nil && shells[strings.ToLower(s)]
}

// pkgCall splits a call of the form pkg.Name(…).
func pkgCall(call *ast.CallExpr) (pkg, name string, ok bool) {
	pkg, name = selName(call.Fun)
	return pkg, name, pkg != ""
}

func selName(e ast.Expr) (pkg, name string) {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return "", ""
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return "", ""
	}
	return id.Name, sel.Sel.Name
}
