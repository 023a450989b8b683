package listener

import (
	"bytes"
	"sort"

	"glassbox.dev"
	"glassbox.dev/scan/syntax"
)

// requestExecTree is GB0204 read from the file's syntax tree: the sinks
// are calls (not words in comments or strings), request input counts only
// where it is code (a `$_GET` in a PHP string's interpolation is; the
// words in a docstring are not), and a variable carries request input from
// its assignment to a sink in the same function, however far apart.
func (c *collector) requestExecTree(l webLang, tree *syntax.Tree) bool {
	calls, err := tree.Calls()
	if err != nil {
		return false
	}
	assigns, err := tree.Assignments()
	if err != nil {
		return false
	}
	fns, err := tree.Functions()
	if err != nil {
		return false
	}
	b := c.F.Content
	// scope returns the innermost function holding off (-1: the file).
	starts := make([][2]int, 0, len(fns))
	for _, f := range fns {
		starts = append(starts, [2]int{f.Node.Start(), f.Node.End()})
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i][0] < starts[j][0] })
	scope := func(off int) int {
		best := -1
		for _, s := range starts {
			if s[0] > off {
				break
			}
			if off < s[1] {
				best = s[0] // later starts are nested deeper
			}
		}
		return best
	}
	// source returns the request input read as code in n, or "".
	source := func(n syntax.Node) string {
		text := n.Text()
		for _, m := range l.source.FindAllStringIndex(text, -1) {
			if tree.ClassAt(n.Start()+m[0]) == syntax.Code {
				return text[m[0]:m[1]]
			}
		}
		return ""
	}
	type taint struct{ scope, at int }
	tainted := map[string][]taint{}
	holds := func(name string, off int) bool {
		sc := scope(off)
		for _, t := range tainted[name] {
			if t.scope == sc && t.at < off {
				return true
			}
		}
		return false
	}
	// mentions returns a tainted variable n reads, or "".
	mentions := func(n syntax.Node) string {
		found := ""
		n.Walk(func(k syntax.Node) bool {
			if found != "" {
				return false
			}
			switch k.Kind() {
			case "identifier", "variable_name":
				if name := k.BoundName(); holds(name, k.Start()) {
					found = k.Text()
				}
				return false
			}
			return true
		})
		return found
	}
	for pass := 0; pass < 2; pass++ {
		for _, a := range assigns {
			name := a.Left.BoundName()
			if name == "" || holds(name, a.Node.Start()+1) {
				continue
			}
			if source(a.Right) != "" || mentions(a.Right) != "" {
				tainted[name] = append(tainted[name], taint{scope(a.Node.Start()), a.Node.Start()})
			}
		}
	}
	hasChildProcess := bytes.Contains(b, []byte("child_process"))
	for _, call := range calls {
		start, calleeEnd, end := call.Node.Start(), call.Callee.End(), call.Node.End()
		if start < 0 || calleeEnd < start || end > len(b) || calleeEnd > end {
			continue
		}
		head := string(b[start:calleeEnd]) + "("
		m := l.sink.FindStringIndex(head)
		if m == nil || m[1] != len(head) {
			continue // the sink must be what is called, not a word before it
		}
		if c.F.Lang == "javascript" && call.Callee.Kind() == "member_expression" && !hasChildProcess {
			continue // RegExp.prototype.exec is not child_process's
		}
		via := ""
		for _, a := range call.Args {
			if via = source(a); via == "" {
				via = mentions(a)
			}
			if via != "" {
				break
			}
		}
		if via == "" {
			continue
		}
		name := string(bytes.TrimSpace(b[start+m[0] : calleeEnd]))
		for len(name) > 0 && !isIdentStart(name[0]) {
			name = name[1:]
		}
		args := b[calleeEnd:end]
		sev, what := glassbox.SeverityHigh, "a program it starts"
		if l.shell.MatchString(name) || l.shell.Match(args) {
			sev, what = glassbox.SeverityCritical, "code or a shell command line"
		}
		c.add(RuleRequestExec, sev, start+m[0]+(len(string(b[start+m[0]:calleeEnd]))-len(name)), end,
			"request input ("+clip(via)+") reaches "+name+"(): whoever sends the request chooses "+what)
	}
	return true
}
