package timebomb

import (
	"go/ast"
	"go/token"
	"strconv"
	"strings"
)

// goRules reports GB0401 in Go from the syntax tree: time.Now() (or a
// variable assigned from it) compared through After/Before/Equal/Compare
// with time.Date/time.Unix of literals (or a variable assigned one), its
// Unix() with a timestamp literal, or its Year() with a year literal.
func (c *collector) goRules() {
	file, fset, err := c.F.Go()
	if err != nil || file == nil {
		return
	}
	tf := fset.File(file.Pos())
	if tf == nil {
		return
	}
	src := c.F.Content
	off := func(p token.Pos) int {
		if !p.IsValid() || int(p) < tf.Base() || int(p) > tf.Base()+tf.Size() {
			return -1
		}
		return tf.Offset(p)
	}
	text := func(n ast.Node) string {
		s, e := off(n.Pos()), off(n.End())
		if s < 0 || e < s || e > len(src) {
			return ""
		}
		return string(src[s:e])
	}
	// First pass: which names hold "now" (as a time or as a Unix number)
	// and which hold a literal instant. Names are file-wide, a deliberate
	// simplification: shadowing that turns a deadline into something else
	// is rare, and scoping would cost a type checker.
	nowVars, unixVars, dateVars := map[string]bool{}, map[string]bool{}, map[string]bool{}
	bind := func(lhs []ast.Expr, rhs []ast.Expr) {
		if len(rhs) != 1 || len(lhs) == 0 {
			return
		}
		id, ok := lhs[0].(*ast.Ident)
		if !ok || id.Name == "_" {
			return
		}
		switch {
		case isNow(rhs[0], nowVars):
			nowVars[id.Name] = true
		case isUnixNow(rhs[0], nowVars, unixVars):
			unixVars[id.Name] = true
		case isDateLit(rhs[0], dateVars):
			dateVars[id.Name] = true
		}
	}
	ast.Inspect(file, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.AssignStmt:
			bind(x.Lhs, x.Rhs)
		case *ast.ValueSpec:
			if len(x.Names) > 0 {
				bind([]ast.Expr{x.Names[0]}, x.Values)
			}
		}
		return true
	})
	var stack []ast.Node
	report := func(n ast.Node, what string) {
		s, e := off(n.Pos()), off(n.End())
		if s < 0 || e < s {
			return
		}
		sev := grade("")
		for i := len(stack) - 1; i >= 0; i-- {
			if is, ok := stack[i].(*ast.IfStmt); ok && is.Body != nil {
				sev = grade(text(is.Body))
				break
			}
		}
		c.Add(RuleDateGate, sev, s, e, 0, 0, what)
	}
	ast.Inspect(file, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		switch x := n.(type) {
		case *ast.CallExpr:
			sel, ok := x.Fun.(*ast.SelectorExpr)
			if !ok || len(x.Args) != 1 {
				break
			}
			switch sel.Sel.Name {
			case "After", "Before", "Equal", "Compare":
			default:
				return true
			}
			if (isNow(sel.X, nowVars) && isDateLit(x.Args[0], dateVars)) || (isDateLit(sel.X, dateVars) && isNow(x.Args[0], nowVars)) {
				report(x, "the current time is compared with a literal date in "+shorten(text(x)))
			}
		case *ast.BinaryExpr:
			switch x.Op {
			case token.LSS, token.GTR, token.LEQ, token.GEQ, token.EQL, token.NEQ:
			default:
				return true
			}
			for _, p := range [][2]ast.Expr{{x.X, x.Y}, {x.Y, x.X}} {
				v, ok := intLit(p[1])
				if !ok {
					if isUnixNow(p[0], nowVars, unixVars) && isDateLit(p[1], dateVars) {
						report(x, "the current Unix time is compared with a literal timestamp in "+shorten(text(x)))
						return true
					}
					continue
				}
				if v >= 1_000_000_000 && isUnixNow(p[0], nowVars, unixVars) {
					report(x, "the current Unix time is compared with the timestamp literal "+strconv.FormatInt(v, 10))
					return true
				}
				if v >= 2000 && v <= 2200 && isYearNow(p[0], nowVars) {
					report(x, "the current year is compared with the literal "+strconv.FormatInt(v, 10))
					return true
				}
			}
		}
		return true
	})
}

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}

// call returns the package-or-receiver expression and method name of a
// selector call e, or nil.
func call(e ast.Expr) (ast.Expr, string, *ast.CallExpr) {
	ce, ok := e.(*ast.CallExpr)
	if !ok {
		return nil, "", nil
	}
	sel, ok := ce.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil, "", nil
	}
	return sel.X, sel.Sel.Name, ce
}

func isPkg(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// isNow reports whether e is the current time: time.Now(), a variable
// holding it, or either converted by UTC/Local/In/Round/Truncate.
func isNow(e ast.Expr, nowVars map[string]bool) bool {
	if id, ok := e.(*ast.Ident); ok {
		return nowVars[id.Name]
	}
	x, name, _ := call(e)
	switch name {
	case "Now":
		return isPkg(x, "time")
	case "UTC", "Local", "In", "Round", "Truncate":
		return isNow(x, nowVars)
	}
	return false
}

// isUnixNow reports whether e is the current time as a Unix number.
func isUnixNow(e ast.Expr, nowVars, unixVars map[string]bool) bool {
	if id, ok := e.(*ast.Ident); ok {
		return unixVars[id.Name]
	}
	if ce, ok := e.(*ast.CallExpr); ok && len(ce.Args) == 1 {
		// int64(time.Now().Unix()) and friends.
		if id, ok := ce.Fun.(*ast.Ident); ok && strings.HasPrefix(id.Name, "int") || ok && strings.HasPrefix(id.Name, "uint") {
			return isUnixNow(ce.Args[0], nowVars, unixVars)
		}
	}
	x, name, _ := call(e)
	switch name {
	case "Unix", "UnixMilli", "UnixNano", "UnixMicro":
		return isNow(x, nowVars)
	}
	return false
}

// isYearNow reports whether e is the current year.
func isYearNow(e ast.Expr, nowVars map[string]bool) bool {
	x, name, _ := call(e)
	return name == "Year" && isNow(x, nowVars)
}

// isDateLit reports whether e is a literal instant: time.Date with a
// literal year, time.Unix/UnixMilli of a literal, a time.Parse of a
// literal, or a variable assigned one.
func isDateLit(e ast.Expr, dateVars map[string]bool) bool {
	if id, ok := e.(*ast.Ident); ok {
		return dateVars[id.Name]
	}
	if v, ok := intLit(e); ok {
		return v >= 1_000_000_000
	}
	x, name, ce := call(e)
	if ce == nil || !isPkg(x, "time") || len(ce.Args) == 0 {
		return false
	}
	switch name {
	case "Date":
		v, ok := intLit(ce.Args[0])
		return ok && v >= 1970 && v <= 2200
	case "Unix", "UnixMilli", "UnixMicro":
		v, ok := intLit(ce.Args[0])
		return ok && v >= 1_000_000_000
	case "Parse", "ParseInLocation":
		if len(ce.Args) >= 2 {
			l, ok := ce.Args[1].(*ast.BasicLit)
			return ok && l.Kind == token.STRING
		}
	}
	return false
}

// intLit returns e's value if it is an integer literal (underscores
// allowed), through parentheses and conversions like int64(…).
func intLit(e ast.Expr) (int64, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.INT {
			return 0, false
		}
		v, err := strconv.ParseInt(x.Value, 0, 64)
		return v, err == nil
	case *ast.ParenExpr:
		return intLit(x.X)
	case *ast.CallExpr:
		if id, ok := x.Fun.(*ast.Ident); ok && len(x.Args) == 1 && (strings.HasPrefix(id.Name, "int") || strings.HasPrefix(id.Name, "uint")) {
			return intLit(x.Args[0])
		}
	}
	return 0, false
}
