package trigger

import (
	"fmt"
	"go/ast"
	"go/token"
	"regexp"
	"strconv"
	"strings"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// authWords in a name say that what it holds or decides is authentication.
var authWords = regexp.MustCompile(`(?i)pass|token|secret|auth|login|cred|apikey|api_key|master|admin|sign|session|user`)

// constantTimeLiteral finds GB1402: subtle.ConstantTimeCompare or
// hmac.Equal with one side a value compiled into the program.
func constantTimeLiteral(f *scan.File) []glassbox.Finding {
	if !strings.Contains(string(f.Content), "crypto/subtle") && !strings.Contains(string(f.Content), "crypto/hmac") {
		return nil
	}
	file, fset, err := f.Go()
	if err != nil || file == nil {
		return nil
	}
	names := map[string]string{} // local name of crypto/subtle, crypto/hmac -> path
	for _, im := range file.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		if p != "crypto/subtle" && p != "crypto/hmac" {
			continue
		}
		n := p[strings.LastIndexByte(p, '/')+1:]
		if im.Name != nil {
			n = im.Name.Name
		}
		names[n] = p
	}
	if len(names) == 0 {
		return nil
	}
	// Package-level constants and variables of this file set to a literal.
	fixed := map[string]string{}
	for _, d := range file.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || (g.Tok != token.CONST && g.Tok != token.VAR) {
			continue
		}
		for _, sp := range g.Specs {
			vs, ok := sp.(*ast.ValueSpec)
			if !ok || len(vs.Names) != len(vs.Values) {
				continue
			}
			for i, n := range vs.Names {
				if s, ok := literal(vs.Values[i], nil); ok {
					fixed[n.Name] = s
				}
			}
		}
	}
	var out []glassbox.Finding
	for _, d := range file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok || len(c.Args) != 2 {
				return true
			}
			sel, ok := c.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			x, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			p := names[x.Name]
			if !(p == "crypto/subtle" && sel.Sel.Name == "ConstantTimeCompare" || p == "crypto/hmac" && sel.Sel.Name == "Equal") {
				return true
			}
			for i, a := range c.Args {
				lit, ok := literal(a, fixed)
				if !ok || lit == "" {
					continue
				}
				other := c.Args[1-i]
				if _, ok := literal(other, fixed); ok {
					continue // two fixed values: a self-test, not a check of input
				}
				out = append(out, ctFinding(f, fset, fd, c, a, other, lit))
				break
			}
			return true
		})
	}
	return out
}

// literal returns the string a value compiled into the program holds: a
// string literal, []byte("…"), or a name in fixed.
func literal(e ast.Expr, fixed map[string]string) (string, bool) {
	switch e := ast.Unparen(e).(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		}
	case *ast.Ident:
		s, ok := fixed[e.Name]
		return s, ok
	case *ast.CallExpr:
		if len(e.Args) == 1 {
			if at, ok := e.Fun.(*ast.ArrayType); ok && at.Len == nil {
				if id, ok := at.Elt.(*ast.Ident); ok && id.Name == "byte" {
					return literal(e.Args[0], fixed)
				}
			}
		}
	case *ast.CompositeLit:
		// []byte{0x41, …}
		if at, ok := e.Type.(*ast.ArrayType); ok && len(e.Elts) > 0 {
			if id, ok := at.Elt.(*ast.Ident); ok && id.Name == "byte" {
				b := make([]byte, 0, len(e.Elts))
				for _, el := range e.Elts {
					bl, ok := el.(*ast.BasicLit)
					if !ok || bl.Kind != token.INT && bl.Kind != token.CHAR {
						return "", false
					}
					v, err := strconv.ParseUint(bl.Value, 0, 8)
					if err != nil {
						if r, _, _, err := strconv.UnquoteChar(strings.Trim(bl.Value, "'"), '\''); err == nil && r < 256 {
							v = uint64(r)
						} else {
							return "", false
						}
					}
					b = append(b, byte(v))
				}
				return string(b), true
			}
		}
	}
	return "", false
}

func ctFinding(f *scan.File, fset *token.FileSet, fd *ast.FuncDecl, c *ast.CallExpr, lit, other ast.Expr, value string) glassbox.Finding {
	start, end := fset.Position(c.Pos()).Offset, fset.Position(c.End()).Offset
	call := string(f.Content[start:end])
	otherText := string(f.Content[fset.Position(other.Pos()).Offset:fset.Position(other.End()).Offset])
	litText := string(f.Content[fset.Position(lit.Pos()).Offset:fset.Position(lit.End()).Offset])
	// Authentication is what the names say: the function, the other
	// operand, the literal's name.
	auth := authWords.MatchString(fd.Name.Name) || authWords.MatchString(otherText) || authWords.MatchString(litText)
	if fd.Type.Params != nil {
		for _, p := range fd.Type.Params.List {
			for _, n := range p.Names {
				auth = auth || authWords.MatchString(n.Name)
			}
		}
	}
	sev := glassbox.SeverityHigh
	why := "which decides an authentication"
	if !auth {
		sev = glassbox.SeverityLow
		why = "though nothing around it names authentication"
	}
	return glassbox.Finding{
		RuleID:   RuleConstantTimeLiteral.ID,
		Severity: sev,
		Message: fmt.Sprintf("%s in %s compares %s with a value compiled into the program (%s, %d bytes), %s",
			strings.Join(strings.Fields(call), " "), fd.Name.Name, otherText, litText, len(value), why),
		Region:  f.RegionOf(start, end),
		Snippet: call,
		Inputs:  []string{value},
	}
}
