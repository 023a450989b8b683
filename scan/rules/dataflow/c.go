package dataflow

import (
	"fmt"
	"slices"
	"strings"

	"glassbox.dev"
	"glassbox.dev/scan"
	"glassbox.dev/scan/rules/internal/cprog"
	"glassbox.dev/scan/syntax"
)

// In C, remote input is what recv and its kin put in a buffer, and what
// read or fgets take from a descriptor that accept or socket returned;
// the sinks are system, popen and the exec family's program.
var (
	cRecv = map[string]int{"recv": 1, "recvfrom": 1, "recvmsg": 1, "SSL_read": 1} // call -> the argument it fills
	cRead = map[string][2]int{"read": {0, 1}, "fgets": {2, 0}, "fread": {3, 0}}   // call -> {descriptor, buffer}
	cSink = map[string]int{"system": 0, "popen": 0, "execl": 0, "execlp": 0, "execle": 0, "execv": 0, "execvp": 0, "execve": 0, "execvpe": 0}
	// cCopy are calls that copy their later arguments into their first.
	cCopy = map[string]bool{"strcpy": true, "strncpy": true, "strcat": true, "strncat": true, "memcpy": true, "memmove": true,
		"sprintf": true, "snprintf": true, "strlcpy": true, "strlcat": true, "vsnprintf": true, "vsprintf": true}
)

// cFn is a C function and its summary.
type cFn struct {
	f         *cprog.Func
	tainted   map[string]*origin // local names holding remote input
	sockets   map[string]bool    // names holding an accepted or opened socket
	derived   map[string][]int   // local names holding what parameters (by index) held
	paramSink map[int]*sinkPath
	retSrc    *origin
}

// analyzeC follows remote input to command execution through the C files
// of a directory.
func analyzeC(files []*scan.File) []glassbox.Finding {
	if !cprog.Mentions(files, "recv", "SSL_read", "accept") || !cprog.Mentions(files, "system", "popen", "exec") {
		return nil
	}
	p := cprog.Load(files)
	fns := map[string]*cFn{}
	var order []*cFn
	for _, f := range p.Order {
		g := &cFn{f: f, tainted: map[string]*origin{}, sockets: map[string]bool{}, derived: map[string][]int{}, paramSink: map[int]*sinkPath{}}
		if _, ok := fns[f.Name]; !ok {
			fns[f.Name] = g
		}
		order = append(order, g)
	}
	findings := map[string]glassbox.Finding{}
	for round := 0; round < maxRounds; round++ {
		changed := false
		for _, g := range order {
			if cPass(g, fns, findings) {
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	keys := make([]string, 0, len(findings))
	for k := range findings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]glassbox.Finding, 0, len(keys))
	for _, k := range keys {
		out = append(out, findings[k])
	}
	return out
}

func cStep(f *scan.File, n syntax.Node, msg string) glassbox.FlowStep {
	l, c := f.LineCol(n.Start())
	return glassbox.FlowStep{Path: f.Path, Line: l, Column: c, Message: msg}
}

// names returns the identifiers n mentions.
func names(n syntax.Node) []string {
	var out []string
	n.Walk(func(m syntax.Node) bool {
		if m.Kind() == "identifier" {
			out = append(out, m.Text())
		}
		return true
	})
	return out
}

// cPass analyses one function once; it reports whether its summary grew.
func cPass(g *cFn, fns map[string]*cFn, findings map[string]glassbox.Finding) bool {
	grew := false
	f := g.f
	params := f.Params
	paramIdx := func(name string) int { return slices.Index(params, name) }
	taintOf := func(n syntax.Node) (*origin, []int) {
		var o *origin
		var ps []int
		for _, id := range names(n) {
			if t := g.tainted[id]; t != nil && o == nil {
				o = t
			}
			if i := paramIdx(id); i >= 0 && !slices.Contains(ps, i) {
				ps = append(ps, i)
			}
			for _, i := range g.derived[id] {
				if !slices.Contains(ps, i) {
					ps = append(ps, i)
				}
			}
		}
		return o, ps
	}
	derive := func(name string, ps []int) {
		for _, i := range ps {
			if name != "" && paramIdx(name) < 0 && !slices.Contains(g.derived[name], i) {
				g.derived[name] = append(g.derived[name], i)
			}
		}
	}
	count := func() int {
		n := len(g.tainted) + len(g.sockets)
		for _, ps := range g.derived {
			n += len(ps)
		}
		return n
	}
	taint := func(name string, o *origin) {
		if name != "" && o != nil && g.tainted[name] == nil {
			g.tainted[name] = o
		}
	}
	// Assignments first, a few times, so that calls see what reached them.
	for i := 0; i < maxLocal; i++ {
		before := count()
		f.Node.Walk(func(n syntax.Node) bool {
			var left, right syntax.Node
			switch n.Kind() {
			case "assignment_expression":
				left, right = n.Field("left"), n.Field("right")
			case "init_declarator":
				left, right = n.Field("declarator"), n.Field("value")
			default:
				return true
			}
			if !right.Valid() {
				return true
			}
			name := left.BoundName()
			if c := unwrapCall(right); c != "" && (c == "accept" || c == "socket" || c == "accept4") {
				g.sockets[name] = true
			}
			o, ps := taintOf(right)
			taint(name, o)
			derive(name, ps)
			if callee := fns[unwrapCall(right)]; callee != nil && callee.retSrc != nil {
				o := *callee.retSrc
				o.steps = append(slices.Clip(o.steps), cStep(f.File, right, fmt.Sprintf("returned by %s to %s", callee.f.Name, f.Name)))
				o.via = appendVia(o.via, f.Name)
				taint(name, &o)
			}
			return true
		})
		for _, c := range f.Calls {
			argName := func(i int) string {
				if i < len(c.Args) {
					return strings.TrimLeft(c.Args[i].BoundName(), "&*")
				}
				return ""
			}
			mk := func(what string) *origin {
				return &origin{what: what, via: []string{f.Name}, steps: []glassbox.FlowStep{cStep(f.File, c.Node, fmt.Sprintf("%s received by %s in %s", what, c.Name, f.Name))}}
			}
			if i, ok := cRecv[c.Name]; ok {
				taint(argName(i), mk("bytes received from the network"))
			}
			if fb, ok := cRead[c.Name]; ok && fb[0] < len(c.Args) {
				fd := names(c.Args[fb[0]])
				for _, n := range fd {
					if g.sockets[n] {
						taint(argName(fb[1]), mk("bytes read from an accepted socket"))
						break
					}
				}
			}
			if cCopy[c.Name] && len(c.Args) > 1 {
				for _, a := range c.Args[1:] {
					o, ps := taintOf(a)
					taint(argName(0), o)
					derive(argName(0), ps)
				}
			}
		}
		if count() == before {
			break
		}
	}
	// Sinks, direct and through the set's functions.
	reach := func(argNode syntax.Node, sp *sinkPath) {
		o, ps := taintOf(argNode)
		if o != nil {
			cReport(findings, o, sp)
		}
		for _, i := range ps {
			if g.paramSink[i] == nil {
				g.paramSink[i] = sp
				grew = true
			}
		}
	}
	for _, c := range f.Calls {
		if i, ok := cSink[c.Name]; ok && i < len(c.Args) {
			arg := c.Args[i]
			what := c.Name + "'s command"
			if strings.HasPrefix(c.Name, "exec") {
				what = c.Name + "'s program"
				if shells[strings.Trim(arg.Text(), `"`)] && len(c.Args) > 3 && shellFlags[strings.Trim(c.Args[2].Text(), `"`)] {
					arg, what = c.Args[3], c.Name+"'s shell script (after -c)"
				}
			}
			reach(arg, &sinkPath{label: what, via: []string{f.Name}, steps: []glassbox.FlowStep{cStep(f.File, c.Node, fmt.Sprintf("decides %s in %s", what, f.Name))}, file: f.File, node: c.Node})
		}
		callee := fns[c.Name]
		if callee == nil || callee == g {
			continue
		}
		for i, a := range c.Args {
			sp := callee.paramSink[i]
			if sp == nil {
				continue
			}
			pname := "an argument"
			if i < len(callee.f.Params) && callee.f.Params[i] != "" {
				pname = callee.f.Params[i]
			}
			steps := append([]glassbox.FlowStep{cStep(f.File, a, fmt.Sprintf("passed by %s to %s as %s", f.Name, c.Name, pname))}, sp.steps...)
			reach(a, &sinkPath{label: sp.label, steps: steps, via: append([]string{f.Name}, sp.via...), file: sp.file, node: sp.node})
		}
	}
	// What the function returns.
	if g.retSrc == nil {
		f.Node.Walk(func(n syntax.Node) bool {
			if n.Kind() == "return_statement" && g.retSrc == nil {
				if o, _ := taintOf(n); o != nil {
					g.retSrc = o
					grew = true
				}
			}
			return true
		})
	}
	return grew
}

// unwrapCall returns the name a call expression (under casts and
// parentheses) calls, or "".
func unwrapCall(n syntax.Node) string {
	for depth := 0; depth < 8 && n.Valid(); depth++ {
		switch n.Kind() {
		case "call_expression":
			return n.Field("function").Text()
		case "parenthesized_expression", "cast_expression":
			kids := n.NamedChildren()
			if len(kids) == 0 {
				return ""
			}
			n = kids[len(kids)-1]
			continue
		}
		return ""
	}
	return ""
}

func cReport(findings map[string]glassbox.Finding, o *origin, sp *sinkPath) {
	l, col := sp.file.LineCol(sp.node.Start())
	key := fmt.Sprintf("%s:%d:%d", sp.file.Path, l, col)
	if _, ok := findings[key]; ok {
		return
	}
	via := slices.Clone(o.via)
	for _, v := range sp.via {
		via = appendVia(via, v)
	}
	src := o.steps[0]
	findings[key] = glassbox.Finding{
		RuleID: RuleInputToExec.ID,
		Message: fmt.Sprintf("%s in %s (%s:%d) reaches %s in %s (%s:%d) via %s",
			o.what, o.via[0], src.Path, src.Line, sp.label, sp.via[len(sp.via)-1], sp.file.Path, l, strings.Join(via, " -> ")),
		Path:    sp.file.Path,
		Region:  sp.file.RegionOf(sp.node.Start(), sp.node.End()),
		Snippet: sp.label + " <- " + o.what,
		Flow:    append(slices.Clip(o.steps), sp.steps...),
	}
}
