package payload

import (
	"go/ast"
	"go/token"
	"regexp"
	"strconv"
	"strings"

	"glassbox.dev"
)

// decoderPkgs are standard packages whose Decode*/NewReader functions
// turn an innocuous-looking literal into bytes.
var decoderPkgs = map[string]bool{
	"base64": true, "hex": true, "base32": true, "ascii85": true,
	"gzip": true, "zlib": true, "flate": true, "lzw": true, "bzip2": true,
}

// decoderFuncRe matches the names of a package's own helpers that decode
// or decrypt: implants wrap the decoding in a function of their own.
var decoderFuncRe = regexp.MustCompile(`(?i)decode|decrypt|deobf|unxor|xor|unhex|rot13|reverse|unscramble`)

// goSinks are the calls that execute, launch or load what they are given.
var goSinks = map[string]map[string]bool{
	"exec":    {"Command": true, "CommandContext": true},
	"syscall": {"Exec": true, "ForkExec": true, "StartProcess": true},
	"unix":    {"Exec": true},
	"os":      {"StartProcess": true},
	"plugin":  {"Open": true},
}

// goTaint is GB0301 for Go (identifiers assigned from a decode reaching
// exec.Command and friends) and the Go half of GB0302 (strings assembled
// from character arrays or rune conversions that spell a command).
func (c *collector) goTaint() {
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
	// Package-level variables are visible in every function, and the
	// typosquats keep their pieces there.
	globals := taintSet{}
	arrays := map[string][]string{}
	for _, d := range file.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.VAR {
			globals.propagate(gd, arrays)
		}
	}
	c.assembled(file, arrays, off)
	for _, d := range file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		t := taintSet{}
		for k := range globals {
			t[k] = true
		}
		// Flow-insensitive: iterate until no new identifier is tainted,
		// so a loop that XORs a buffer after its use still counts.
		for i := 0; i < 6 && t.propagate(fd.Body, arrays); i++ {
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			pkg, name := selName(call.Fun)
			if !goSinks[pkg][name] {
				return true
			}
			for _, a := range call.Args {
				if t.tainted(a) {
					c.add(RuleDecodedExec, glassbox.SeverityCritical, off(call.Pos()), off(call.End()),
						"Decoded or deobfuscated string passed to "+pkg+"."+name)
					break
				}
			}
			return true
		})
	}
}

// taintSet is the identifiers of one scope that hold decoded data.
type taintSet map[string]bool

// tainted reports whether e contains a decode or a tainted identifier.
func (t taintSet) tainted(e ast.Node) bool {
	if e == nil {
		return false
	}
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if found {
			return false
		}
		switch n := n.(type) {
		case *ast.Ident:
			found = t[n.Name]
		case *ast.CallExpr:
			found = isDecodeCall(n)
		case *ast.BinaryExpr:
			found = n.Op == token.XOR
		case *ast.CompositeLit:
			found = isCharArray(n)
		case *ast.FuncLit:
			return false // a closure's body is its own business
		}
		return !found
	})
	return found
}

// propagate taints identifiers assigned from tainted expressions, buffers
// XORed or reversed in place, and builders written tainted data. It
// records []string character arrays in arrays. It reports whether
// anything new was tainted.
func (t taintSet) propagate(root ast.Node, arrays map[string][]string) bool {
	changed := false
	mark := func(e ast.Expr) {
		if id, ok := e.(*ast.Ident); ok && id.Name != "_" && !t[id.Name] {
			t[id.Name] = true
			changed = true
		}
	}
	ast.Inspect(root, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok == token.XOR_ASSIGN {
				// buf[i] ^= key: XOR decoding in place.
				if ix, ok := n.Lhs[0].(*ast.IndexExpr); ok {
					mark(ix.X)
				}
			}
			if isSwap(n) {
				mark(n.Lhs[0].(*ast.IndexExpr).X)
			}
			for i, l := range n.Lhs {
				r := n.Rhs[0]
				if len(n.Rhs) == len(n.Lhs) {
					r = n.Rhs[i]
				}
				if cl, ok := r.(*ast.CompositeLit); ok {
					if id, ok := l.(*ast.Ident); ok {
						if s, ok := stringArray(cl); ok {
							arrays[id.Name] = s
						}
					}
				}
				if t.tainted(r) {
					if ix, ok := l.(*ast.IndexExpr); ok {
						mark(ix.X)
					} else {
						mark(l)
					}
				}
			}
		case *ast.ValueSpec:
			for i, nm := range n.Names {
				if i < len(n.Values) {
					if cl, ok := n.Values[i].(*ast.CompositeLit); ok {
						if s, ok := stringArray(cl); ok {
							arrays[nm.Name] = s
						}
					}
				}
				if (i < len(n.Values) && t.tainted(n.Values[i])) || (len(n.Values) == 1 && t.tainted(n.Values[0])) {
					mark(nm)
				}
			}
		case *ast.RangeStmt:
			// for _, c := range chars { cmd += c }: the elements of a
			// tainted array are tainted.
			if n.Value != nil && t.tainted(n.X) {
				mark(n.Value)
			}
		case *ast.CallExpr:
			// sb.WriteString(decoded) taints sb.
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && strings.HasPrefix(sel.Sel.Name, "Write") {
				for _, a := range n.Args {
					if t.tainted(a) {
						mark(sel.X)
					}
				}
			}
		}
		return true
	})
	return changed
}

// isDecodeCall recognises base64.StdEncoding.DecodeString(…),
// hex.DecodeString(…), gzip.NewReader(…), string(rune(N)) and calls of
// local helpers named like decoders.
func isDecodeCall(call *ast.CallExpr) bool {
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		if (fn.Name == "string") && len(call.Args) == 1 {
			if inner, ok := call.Args[0].(*ast.CallExpr); ok {
				if id, ok := inner.Fun.(*ast.Ident); ok && (id.Name == "rune" || id.Name == "byte") {
					return true
				}
			}
		}
		return decoderFuncRe.MatchString(fn.Name)
	case *ast.SelectorExpr:
		root := fn.X
		for {
			s, ok := root.(*ast.SelectorExpr)
			if !ok {
				break
			}
			root = s.X
		}
		if id, ok := root.(*ast.Ident); ok && decoderPkgs[id.Name] {
			return strings.HasPrefix(fn.Sel.Name, "Decode") || fn.Sel.Name == "NewReader"
		}
	}
	return false
}

// isCharArray recognises a []string of single characters or a
// []byte/[]rune of eight or more numeric literals: text spelled out so a
// grep for it fails.
func isCharArray(cl *ast.CompositeLit) bool {
	if s, ok := stringArray(cl); ok {
		return len(s) >= 8
	}
	at, ok := cl.Type.(*ast.ArrayType)
	if !ok || len(cl.Elts) < 8 {
		return false
	}
	if id, ok := at.Elt.(*ast.Ident); !ok || (id.Name != "byte" && id.Name != "rune") {
		return false
	}
	for _, e := range cl.Elts {
		if lit, ok := e.(*ast.BasicLit); !ok || (lit.Kind != token.INT && lit.Kind != token.CHAR) {
			return false
		}
	}
	return true
}

// stringArray returns the values of a []string literal whose elements are
// all one- or two-byte string literals.
func stringArray(cl *ast.CompositeLit) ([]string, bool) {
	at, ok := cl.Type.(*ast.ArrayType)
	if !ok || len(cl.Elts) == 0 {
		return nil, false
	}
	if id, ok := at.Elt.(*ast.Ident); !ok || id.Name != "string" {
		return nil, false
	}
	out := make([]string, 0, len(cl.Elts))
	for _, e := range cl.Elts {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return nil, false
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil || len(s) > 2 {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// isSwap recognises r[i], r[j] = r[j], r[i]: an in-place reversal.
func isSwap(n *ast.AssignStmt) bool {
	if len(n.Lhs) != 2 || len(n.Rhs) != 2 {
		return false
	}
	var xs [4]string
	for i, e := range []ast.Expr{n.Lhs[0], n.Lhs[1], n.Rhs[0], n.Rhs[1]} {
		ix, ok := e.(*ast.IndexExpr)
		if !ok {
			return false
		}
		id, ok := ix.X.(*ast.Ident)
		if !ok {
			return false
		}
		xs[i] = id.Name
	}
	return xs[0] == xs[1] && xs[1] == xs[2] && xs[2] == xs[3]
}

// assembled is GB0302 for Go: it evaluates string concatenations built
// from indexes into character arrays or from string(rune(N)) pieces and
// reports those that spell a shell command.
func (c *collector) assembled(file *ast.File, arrays map[string][]string, off func(token.Pos) int) {
	// Arrays declared inside functions are needed too: collect them all.
	ast.Inspect(file, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
			for i, l := range as.Lhs {
				id, ok1 := l.(*ast.Ident)
				cl, ok2 := as.Rhs[i].(*ast.CompositeLit)
				if ok1 && ok2 {
					if s, ok := stringArray(cl); ok {
						arrays[id.Name] = s
					}
				}
			}
		}
		return true
	})
	ast.Inspect(file, func(n ast.Node) bool {
		be, ok := n.(*ast.BinaryExpr)
		if !ok || be.Op != token.ADD {
			return true
		}
		s, pieces, ok := evalConcat(be, arrays)
		if ok && pieces >= 4 {
			if loc := commandRe.FindStringIndex(s); loc != nil {
				c.add(RuleObfuscatedCommand, glassbox.SeverityHigh, off(be.Pos()), off(be.End()),
					"A string assembled from "+strconv.Itoa(pieces)+" obfuscated pieces spells a shell command ("+excerpt(s, loc[0])+")")
			}
		}
		return false // the outermost concatenation is enough
	})
}

// evalConcat evaluates a + chain of string literals, arr[N] indexes into
// known character arrays and string(rune(N)) conversions; pieces counts
// the obfuscated (non-literal) operands.
func evalConcat(e ast.Expr, arrays map[string][]string) (string, int, bool) {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return evalConcat(e.X, arrays)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", 0, false
		}
		l, lp, ok := evalConcat(e.X, arrays)
		if !ok {
			return "", 0, false
		}
		r, rp, ok := evalConcat(e.Y, arrays)
		if !ok || len(l)+len(r) > 1<<16 {
			return "", 0, false
		}
		return l + r, lp + rp, true
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			return s, 0, err == nil
		}
	case *ast.IndexExpr:
		id, ok := e.X.(*ast.Ident)
		lit, ok2 := e.Index.(*ast.BasicLit)
		if !ok || !ok2 || lit.Kind != token.INT {
			return "", 0, false
		}
		arr := arrays[id.Name]
		i, err := strconv.Atoi(lit.Value)
		if err != nil || i < 0 || i >= len(arr) {
			return "", 0, false
		}
		return arr[i], 1, true
	case *ast.CallExpr:
		if !isDecodeCall(e) || len(e.Args) != 1 {
			return "", 0, false
		}
		if inner, ok := e.Args[0].(*ast.CallExpr); ok && len(inner.Args) == 1 {
			if lit, ok := inner.Args[0].(*ast.BasicLit); ok {
				switch lit.Kind {
				case token.INT:
					if v, err := strconv.ParseInt(lit.Value, 0, 32); err == nil && v >= 0 && v < 0x110000 {
						return string(rune(v)), 1, true
					}
				case token.CHAR:
					if s, err := strconv.Unquote(lit.Value); err == nil {
						return s, 1, true
					}
				}
			}
		}
	}
	return "", 0, false
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
