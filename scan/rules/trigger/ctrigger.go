package trigger

import (
	"fmt"
	"strconv"
	"strings"

	"glassbox.dev"
	"glassbox.dev/scan"
	"glassbox.dev/scan/rules/internal/cprog"
	"glassbox.dev/scan/syntax"
)

// maxCallDepth bounds how far a trigger's call is followed to a shell.
const maxCallDepth = 6

// execCalls start a program; listenCalls open a socket to the network.
var (
	execCalls = map[string]bool{
		"system": true, "popen": true, "execl": true, "execle": true, "execlp": true, "execv": true, "execve": true,
		"execvp": true, "execvpe": true, "fexecve": true, "posix_spawn": true, "posix_spawnp": true,
	}
	listenCalls = map[string]bool{"listen": true, "accept": true, "bind": true}
)

func dangerous(c syntax.Call) bool { return execCalls[c.Name] || listenCalls[c.Name] }

// byteTriggers finds GB1401 in a directory's C files.
func byteTriggers(files []*scan.File) []glassbox.Finding {
	if !cprog.Mentions(files, "exec", "system", "popen", "listen", "posix_spawn") {
		return nil
	}
	p := cprog.Load(files)
	var out []glassbox.Finding
	for _, fn := range p.Order {
		fn.Node.Walk(func(n syntax.Node) bool {
			if n.Kind() != "if_statement" {
				return true
			}
			if f, ok := checkIf(p, fn, n); ok {
				out = append(out, f)
			}
			return true
		})
	}
	return out
}

// byteCmp is one comparison of an indexed byte with a constant.
type byteCmp struct {
	base, index string // "p_str->p_buf", "i+1"
	value       int64
	node        syntax.Node
}

// checkIf reports an if statement whose condition compares at least two
// bytes of one buffer with constants, and whose body calls, with none of
// that buffer in its arguments, a function that reaches a shell or a
// listener.
func checkIf(p *cprog.Program, fn *cprog.Func, n syntax.Node) (glassbox.Finding, bool) {
	cond, body := n.Field("condition"), n.Field("consequence")
	if !cond.Valid() || !body.Valid() {
		return glassbox.Finding{}, false
	}
	var cmps []byteCmp
	conjuncts(cond, func(c syntax.Node) {
		if bc, ok := compareByte(c); ok {
			cmps = append(cmps, bc)
		}
	})
	// At least two distinct positions of one buffer.
	byBase := map[string][]byteCmp{}
	var base string
	for _, c := range cmps {
		byBase[c.base] = append(byBase[c.base], c)
		idx := map[string]bool{}
		for _, d := range byBase[c.base] {
			idx[d.index] = true
		}
		if len(idx) >= 2 {
			base = c.base
		}
	}
	if base == "" {
		return glassbox.Finding{}, false
	}
	root := rootName(base)
	for _, c := range fn.Calls {
		if c.Node.Start() < body.Start() || c.Node.End() > body.End() {
			continue
		}
		if passes(c, root) {
			continue // the data feeds the call: a parser acting on what it read
		}
		var chain []cprog.Hop
		if dangerous(c) {
			chain = []cprog.Hop{{In: fn, Call: c}}
		} else if p.Funcs[c.Name] != nil {
			chain = append([]cprog.Hop{{In: fn, Call: c}}, p.Reach(c.Name, maxCallDepth, dangerous)...)
			if len(chain) == 1 {
				continue
			}
		} else {
			continue
		}
		return report(fn, byBase[base], chain), true
	}
	return glassbox.Finding{}, false
}

// conjuncts calls fn for each operand of a chain of && in n.
func conjuncts(n syntax.Node, fn func(syntax.Node)) {
	for depth := 0; n.Kind() == "parenthesized_expression" && depth < 32; depth++ {
		kids := n.NamedChildren()
		if len(kids) != 1 {
			return
		}
		n = kids[0]
	}
	if n.Kind() == "binary_expression" && n.Field("operator").Text() == "&&" {
		conjuncts(n.Field("left"), fn)
		conjuncts(n.Field("right"), fn)
		return
	}
	fn(n)
}

// compareByte recognises buf[i] == 'c', *(p+1) == 0x29 and the reverse.
func compareByte(n syntax.Node) (byteCmp, bool) {
	if n.Kind() != "binary_expression" || n.Field("operator").Text() != "==" {
		return byteCmp{}, false
	}
	l, r := unparen(n.Field("left")), unparen(n.Field("right"))
	v, ok := constByte(r)
	if !ok {
		l, r = r, l
		if v, ok = constByte(r); !ok {
			return byteCmp{}, false
		}
	}
	switch l.Kind() {
	case "subscript_expression":
		idx := l.Field("index")
		if !idx.Valid() {
			// tree-sitter-c 0.24 names it indices
			if ks := l.FieldAll("indices"); len(ks) == 1 {
				idx = ks[0]
			}
		}
		return byteCmp{base: squash(l.Field("argument").Text()), index: squash(idx.Text()), value: v, node: n}, idx.Valid()
	case "pointer_expression":
		a := unparen(l.Field("argument"))
		if a.Kind() == "binary_expression" && a.Field("operator").Text() == "+" {
			return byteCmp{base: squash(a.Field("left").Text()), index: squash(a.Field("right").Text()), value: v, node: n}, true
		}
		if a.Kind() == "identifier" || a.Kind() == "field_expression" {
			return byteCmp{base: squash(a.Text()), index: "0", value: v, node: n}, true
		}
	}
	return byteCmp{}, false
}

func unparen(n syntax.Node) syntax.Node {
	for depth := 0; n.Kind() == "parenthesized_expression" && depth < 32; depth++ {
		kids := n.NamedChildren()
		if len(kids) != 1 {
			break
		}
		n = kids[0]
	}
	return n
}

// constByte is the value of a character or small integer literal.
func constByte(n syntax.Node) (int64, bool) {
	t := n.Text()
	switch n.Kind() {
	case "char_literal":
		s, err := strconv.Unquote(t)
		if err != nil || len(s) != 1 {
			if v, _, _, err := strconv.UnquoteChar(strings.Trim(t, "'"), '\''); err == nil {
				return int64(v), true
			}
			return 0, false
		}
		return int64(s[0]), true
	case "number_literal":
		v, err := strconv.ParseInt(strings.TrimRight(strings.ToLower(t), "ul"), 0, 64)
		return v, err == nil && v >= 0 && v < 256
	}
	return 0, false
}

func squash(s string) string { return strings.Join(strings.Fields(s), "") }

// rootName is the variable a buffer expression starts from: p_str for
// p_str->p_buf, buf for buf.data.
func rootName(base string) string {
	end := strings.IndexAny(base, "-.[(")
	if end < 0 {
		return base
	}
	return strings.TrimLeft(base[:end], "*&(")
}

// passes reports whether a call's arguments mention the variable root.
func passes(c syntax.Call, root string) bool {
	for _, a := range c.Args {
		found := false
		a.Walk(func(n syntax.Node) bool {
			if n.Kind() == "identifier" && n.Text() == root {
				found = true
			}
			return !found
		})
		if found {
			return true
		}
	}
	return false
}

func report(fn *cprog.Func, cmps []byteCmp, chain []cprog.Hop) glassbox.Finding {
	first := cmps[0].node
	var idx, vals []string
	magic := make([]byte, 0, len(cmps))
	printable := true
	for _, c := range cmps {
		idx = append(idx, "["+c.index+"]")
		vals = append(vals, fmt.Sprintf("%#x", c.value))
		magic = append(magic, byte(c.value))
		printable = printable && c.value >= 0x20 && c.value < 0x7f
	}
	shown := strings.Join(vals, " ")
	if printable {
		shown += fmt.Sprintf(" (%q)", magic)
	}
	last := chain[len(chain)-1]
	what := "starts a program"
	if listenCalls[last.Call.Name] {
		what = "opens a listening socket"
	}
	var via []string
	flow := []glassbox.FlowStep{step(fn.File, first, fmt.Sprintf("bytes %s%s compared with %s in %s", cmps[0].base, strings.Join(idx, ""), shown, fn.Name))}
	for _, h := range chain {
		via = append(via, h.In.Name)
		flow = append(flow, step(h.In.File, h.Call.Node, fmt.Sprintf("%s calls %s", h.In.Name, h.Call.Name)))
	}
	line, _ := fn.File.LineCol(first.Start())
	ll, _ := last.In.File.LineCol(last.Call.Node.Start())
	msg := fmt.Sprintf("bytes %s%s are compared with %s in %s (%s:%d); on a match %s calls %s, which %s via %s (%s at %s:%d), and none of the buffer is passed to it",
		cmps[0].base, strings.Join(idx, ""), shown, fn.Name, fn.File.Path, line, fn.Name, chain[0].Call.Name, what, strings.Join(append(via, last.Call.Name), " -> "), last.Call.Name, last.In.File.Path, ll)
	return glassbox.Finding{
		RuleID:  RuleByteTrigger.ID,
		Message: msg,
		Path:    fn.File.Path,
		Region:  fn.File.RegionOf(first.Start(), first.End()),
		Snippet: fmt.Sprintf("%s%s == %s -> %s", cmps[0].base, strings.Join(idx, ""), shown, strings.Join(append(via, last.Call.Name), " -> ")),
		Flow:    flow,
		Inputs:  []string{magicInput(cmps)},
	}
}

// magicInput is the input the compared bytes make: at their positions when
// every index is a number (filler between them), else the bytes in the
// order compared, which the run stage also tries at the end of an input
// (vsftpd's p_str[len-2], p_str[len-1]).
func magicInput(cmps []byteCmp) string {
	at := map[int]byte{}
	last := -1
	for _, c := range cmps {
		i, err := strconv.Atoi(strings.TrimSpace(c.index))
		if err != nil || i < 0 || i > 4096 {
			at = nil
			break
		}
		at[i] = byte(c.value)
		last = max(last, i)
	}
	b := make([]byte, 0, len(cmps))
	if at == nil {
		for _, c := range cmps {
			b = append(b, byte(c.value))
		}
		return string(b)
	}
	for i := 0; i <= last; i++ {
		if v, ok := at[i]; ok {
			b = append(b, v)
		} else {
			b = append(b, 'A')
		}
	}
	return string(b)
}

func step(f *scan.File, n syntax.Node, msg string) glassbox.FlowStep {
	l, c := f.LineCol(n.Start())
	return glassbox.FlowStep{Path: f.Path, Line: l, Column: c, Message: msg}
}
