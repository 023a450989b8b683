package credentials

import (
	"go/ast"
	"go/token"
	"strconv"
)

// goRules reports GB0101 and GB0102 in Go from the syntax tree, which
// knows an operand from a literal without guessing. Files that do not
// parse are left to nothing: the compiler rejects them anyway.
func (c *collector) goRules() {
	file, fset, err := c.F.Go()
	if err != nil || file == nil {
		return
	}
	tf := fset.File(file.Pos())
	if tf == nil {
		return
	}
	off := func(p token.Pos) int {
		if !p.IsValid() || int(p) < tf.Base() || int(p) > tf.Base()+tf.Size() {
			return -1
		}
		return tf.Offset(p)
	}
	src := c.F.Content
	text := func(n ast.Node) string {
		s, e := off(n.Pos()), off(n.End())
		if s < 0 || e < s || e > len(src) {
			return ""
		}
		return string(src[s:e])
	}
	// The stack of enclosing nodes finds the if whose body a comparison
	// guards. Comparisons are reported after the walk, once every literal
	// each operand is compared with is known.
	var stack []ast.Node
	values := comparedValues{}
	var pending []func()
	magic := func(n ast.Node, lit *ast.BasicLit, operand ast.Expr, contain bool) {
		val, err := strconv.Unquote(lit.Value)
		if err != nil {
			return
		}
		op := text(operand)
		values.add(op, val)
		word, header, ok := authName(op)
		if !ok || (header && contain) || !interesting(val, word) {
			return
		}
		s, e, ls, le := off(n.Pos()), off(n.End()), off(lit.Pos()), off(lit.End())
		if s < 0 || e < 0 || ls < 0 || le < 0 {
			return
		}
		// Grant words are looked for in the guarded body, not in the next
		// lines: in Go the if statement says exactly where that is.
		body := src[e:e]
		for i := len(stack) - 1; i >= 0; i-- {
			if is, ok := stack[i].(*ast.IfStmt); ok && is.Body != nil {
				bs, be := off(is.Body.Pos()), off(is.Body.End())
				if bs >= 0 && be >= bs {
					body = src[bs:be]
				}
				break
			}
		}
		pending = append(pending, func() { c.magic(body, s, e, ls+1, le-1, val, op, word, header, values) })
	}
	defer func() {
		for _, report := range pending {
			report()
		}
	}()
	ast.Inspect(file, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		switch x := n.(type) {
		case *ast.BinaryExpr:
			if x.Op != token.EQL && x.Op != token.NEQ {
				break
			}
			if l := strLit(x.Y); l != nil {
				magic(x, l, x.X, false)
			} else if l := strLit(x.X); l != nil {
				magic(x, l, x.Y, false)
			}
		case *ast.CallExpr:
			sel, ok := x.Fun.(*ast.SelectorExpr)
			if !ok || len(x.Args) != 2 {
				break
			}
			pkg, _ := sel.X.(*ast.Ident)
			if pkg == nil {
				break
			}
			contain := false
			switch pkg.Name + "." + sel.Sel.Name {
			case "subtle.ConstantTimeCompare", "hmac.Equal", "bytes.Equal", "strings.EqualFold":
			case "strings.HasPrefix", "strings.HasSuffix", "strings.Contains", "bytes.HasPrefix", "bytes.Contains":
				contain = true
			default:
				return true
			}
			if l := strLit(x.Args[1]); l != nil {
				magic(x, l, x.Args[0], contain)
			} else if l := strLit(x.Args[0]); l != nil && !contain {
				magic(x, l, x.Args[1], contain)
			}
		case *ast.AssignStmt:
			if len(x.Lhs) == len(x.Rhs) {
				for i := range x.Lhs {
					c.goAssign(off, x.Lhs[i], x.Rhs[i], text)
				}
			}
		case *ast.ValueSpec:
			if len(x.Names) == len(x.Values) {
				for i := range x.Names {
					c.goAssign(off, x.Names[i], x.Values[i], text)
				}
			}
		case *ast.KeyValueExpr:
			c.goAssign(off, x.Key, x.Value, text)
		}
		return true
	})
}

// goAssign checks one name = "literal" pair of a Go assignment,
// declaration or composite literal.
func (c *collector) goAssign(off func(token.Pos) int, lhs, rhs ast.Expr, text func(ast.Node) string) {
	l := strLit(rhs)
	if l == nil {
		return
	}
	var name string
	switch k := lhs.(type) {
	case *ast.Ident:
		name = k.Name
	case *ast.SelectorExpr:
		name = k.Sel.Name
	case *ast.BasicLit:
		if k.Kind != token.STRING {
			return
		}
		name, _ = strconv.Unquote(k.Value)
	default:
		return
	}
	s, e, ls, le := off(lhs.Pos()), off(rhs.End()), off(l.Pos()), off(l.End())
	if s < 0 || e < s || ls < 0 || le < ls {
		return
	}
	c.assignment(s, e, name, ls, le)
}

// strLit returns e as a string literal, looking through []byte("…") and
// string("…") conversions, or nil.
func strLit(e ast.Expr) *ast.BasicLit {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind == token.STRING {
			return x
		}
	case *ast.ParenExpr:
		return strLit(x.X)
	case *ast.CallExpr:
		if len(x.Args) != 1 {
			return nil
		}
		switch f := x.Fun.(type) {
		case *ast.ArrayType:
			if id, ok := f.Elt.(*ast.Ident); ok && id.Name == "byte" && f.Len == nil {
				return strLit(x.Args[0])
			}
		case *ast.Ident:
			if f.Name == "string" {
				return strLit(x.Args[0])
			}
		}
	}
	return nil
}
