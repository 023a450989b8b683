package buildtamper

import (
	"bytes"
	"context"
	"regexp"
	"strings"

	"glassbox.dev/scan/syntax"
)

// Whether a download piped into a shell is run or only shown is a question
// about the shell's grammar: `curl … | sh` as a command runs; the same
// words inside echo's argument, a comment, or a here-document handed to
// cat are text for a reader (install instructions in a help target).
// Shell scripts are read with the file's bash tree, Makefile recipes with
// a tree of each recipe line as make hands it to the shell.

// printers are the commands that show their arguments and run nothing.
var printers = map[string]bool{"echo": true, "printf": true, "print": true, ":": true, "true": true, "read": true}

// textOnly reports whether fn's body only prints, so that its arguments
// are text: every command in it is a printer, or a printer-only function
// defined earlier, or a shell built-in that sets up printing.
func textOnly(fn syntax.Function, funcs map[string]syntax.Function, depth int) bool {
	if depth > 4 || !fn.Body.Valid() {
		return false
	}
	only := true
	fn.Body.Walk(func(n syntax.Node) bool {
		if !only {
			return false
		}
		switch n.Kind() {
		case "command":
			name := n.Field("name").Text()
			switch {
			case printers[name], name == "local", name == "return", name == "tput", name == "cat" && len(n.FieldAll("argument")) == 0:
			case funcs[name].Body.Valid() && funcs[name].Node.Start() != fn.Node.Start():
				only = textOnly(funcs[name], funcs, depth+1)
			default:
				only = false
			}
		case "command_substitution", "process_substitution":
			only = false
		}
		return only
	})
	return only
}

// shellContext decides whether the text at offset off of tree runs as
// shell code. refs are the offsets of make variable references that are
// expansions of text, not commands: a `$(NAME)` there is not a command
// substitution. It says why when the text is not run.
type shellContext struct {
	tree  *syntax.Tree
	funcs map[string]syntax.Function
	// makeRefs holds the start offsets of `$(NAME)` that make expands
	// before the shell sees the line.
	makeRefs map[int]bool
}

func newShellContext(tree *syntax.Tree) *shellContext {
	sc := &shellContext{tree: tree, funcs: map[string]syntax.Function{}}
	if fns, err := tree.Functions(); err == nil {
		for _, f := range fns {
			sc.funcs[f.Name] = f
		}
	}
	return sc
}

// executed reports whether the byte at off is part of a command the shell
// runs, and if not, why.
func (sc *shellContext) executed(off int) (bool, string) {
	n := sc.tree.Root()
	if !n.Valid() {
		return true, ""
	}
	n = deepest(n, off)
	for ; n.Valid(); n = n.Parent() {
		switch n.Kind() {
		case "comment":
			return false, "in a comment"
		case "command_substitution", "process_substitution":
			if sc.makeRefs[n.Start()] {
				continue // make's own $(NAME), expanded to text
			}
			return true, ""
		case "heredoc_body", "heredoc_redirect":
			stmt, cmd := enclosingCommand(n)
			name := cmd.Field("name").Text()
			if isShell(name) || writesFile(stmt) || pipedToShell(stmt) || heredocPipedToShell(n) {
				return true, ""
			}
			return false, "in a here-document handed to " + quoteName(name)
		case "string", "raw_string", "ansi_c_string", "translated_string":
			return sc.stringRuns(n)
		}
	}
	return true, ""
}

// stringRuns decides for a quoted string whether its text is run: it is
// when a shell or eval is handed it, not when echo or a printing function
// is; a string assigned to a variable runs where the variable runs.
func (sc *shellContext) stringRuns(s syntax.Node) (bool, string) {
	for p := s.Parent(); p.Valid(); p = p.Parent() {
		switch p.Kind() {
		case "command":
			name := p.Field("name").Text()
			if printers[name] {
				return false, "in text printed by " + name
			}
			if f, ok := sc.funcs[name]; ok && textOnly(f, sc.funcs, 0) {
				return false, "in text printed by the function " + name
			}
			return true, ""
		case "variable_assignment":
			return sc.variableRuns(p.Field("name").Text(), 0)
		case "command_substitution", "process_substitution":
			if !sc.makeRefs[p.Start()] {
				return true, ""
			}
		}
	}
	return true, ""
}

// variableRuns decides whether a shell variable's value is run: it is if
// any expansion of it is run; a variable no command of the file expands
// runs nothing here.
func (sc *shellContext) variableRuns(name string, depth int) (bool, string) {
	if name == "" || depth > 3 {
		return true, ""
	}
	used := false
	runs := false
	sc.tree.Root().Walk(func(n syntax.Node) bool {
		if runs {
			return false
		}
		if (n.Kind() == "simple_expansion" || n.Kind() == "expansion") && n.Text() != "" {
			if v := firstChildOfKind(n, "variable_name"); v.Valid() && v.Text() == name {
				used = true
				if ok, _ := sc.executed(n.Start()); ok {
					runs = true
				}
			}
			return false
		}
		return true
	})
	if runs {
		return true, ""
	}
	if used {
		return false, "in the variable " + name + ", which is only printed"
	}
	return false, "in the variable " + name + ", which nothing here expands"
}

func firstChildOfKind(n syntax.Node, kind string) syntax.Node {
	for _, c := range n.NamedChildren() {
		if c.Kind() == kind {
			return c
		}
	}
	return syntax.Node{}
}

// deepest returns the smallest node of n's subtree that contains off.
func deepest(n syntax.Node, off int) syntax.Node {
	for depth := 0; depth < 512; depth++ {
		var next syntax.Node
		for i := 0; i < n.ChildCount(); i++ {
			c := n.Child(i)
			if c.Start() <= off && off < c.End() {
				next = c
				break
			}
		}
		if !next.Valid() {
			return n
		}
		n = next
	}
	return n
}

// enclosingCommand returns the redirected statement a here-document
// belongs to, and the command it is redirected into.
func enclosingCommand(n syntax.Node) (stmt, cmd syntax.Node) {
	for ; n.Valid(); n = n.Parent() {
		if n.Kind() == "redirected_statement" {
			body := n.Field("body")
			if body.Kind() == "command" {
				return n, body
			}
			return n, syntax.Node{}
		}
	}
	return syntax.Node{}, syntax.Node{}
}

// writesFile reports whether a redirected statement also writes a file
// (cat > install.sh <<EOF): what it writes may be run later.
func writesFile(stmt syntax.Node) bool {
	for _, r := range stmt.FieldAll("redirect") {
		if r.Kind() == "file_redirect" && !strings.Contains(r.Text(), "&") {
			return true
		}
	}
	return false
}

// heredocPipedToShell reports whether the here-document's command is
// piped on into a shell, as bash's grammar writes `cat <<EOF | sh`: the
// pipeline after the here-document's start.
func heredocPipedToShell(n syntax.Node) bool {
	for ; n.Valid() && n.Kind() != "heredoc_redirect"; n = n.Parent() {
	}
	for _, c := range n.NamedChildren() {
		if c.Kind() != "pipeline" {
			continue
		}
		for _, cmd := range c.NamedChildren() {
			if cmd.Kind() == "command" && isShell(cmd.Field("name").Text()) {
				return true
			}
		}
	}
	return false
}

// pipedToShell reports whether a statement's output is piped into a shell
// (cat <<EOF | sh).
func pipedToShell(stmt syntax.Node) bool {
	p := stmt.Parent()
	if p.Kind() != "pipeline" {
		return false
	}
	after := false
	for _, c := range p.NamedChildren() {
		if after && c.Kind() == "command" && isShell(c.Field("name").Text()) {
			return true
		}
		if c.Start() == stmt.Start() {
			after = true
		}
	}
	return false
}

func isShell(name string) bool {
	name = name[strings.LastIndexByte(name, '/')+1:]
	switch name {
	case "sh", "bash", "zsh", "dash", "ksh", "ash", "eval", "source", ".", "python", "python3", "perl", "ruby", "node", "sudo", "su", "env", "exec", "xargs", "ssh", "docker", "":
		return true
	}
	return false
}

func quoteName(name string) string {
	if name == "" {
		return "a command"
	}
	return name
}

// makeLines is a Makefile read as make reads it: logical lines (joined at
// backslash-newlines), each a recipe line, a variable definition (also
// inside define … endef), a comment or a rule.
type makeLine struct {
	start, end int    // the logical line's bytes in the file
	recipe     bool   // a recipe line, handed to the shell
	variable   string // the variable it defines, if it defines one
	valueAt    int    // where the variable's value starts
}

var makeAssign = regexp.MustCompile(`^(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:::?=|\?=|\+=|!=|=)`)
var makeDefine = regexp.MustCompile(`^(?:export\s+|override\s+)?define\s+([A-Za-z_][A-Za-z0-9_.-]*)`)

func makeLines(b []byte) []makeLine {
	var out []makeLine
	inDefine := ""
	for i := 0; i < len(b); {
		j := i
		for {
			nl := bytes.IndexByte(b[j:], '\n')
			if nl < 0 {
				j = len(b)
				break
			}
			j += nl
			if j > i && b[j-1] == '\\' {
				j++
				continue
			}
			break
		}
		line := b[i:j]
		ml := makeLine{start: i, end: j}
		trimmed := bytes.TrimLeft(line, " \t")
		switch {
		case inDefine != "":
			if bytes.HasPrefix(trimmed, []byte("endef")) {
				inDefine = ""
			} else {
				ml.variable, ml.valueAt = inDefine, i
			}
		case len(line) > 0 && line[0] == '\t':
			ml.recipe = true
		case len(trimmed) > 0 && trimmed[0] == '#':
		default:
			if m := makeDefine.FindSubmatch(trimmed); m != nil {
				inDefine = string(m[1])
			} else if m := makeAssign.FindSubmatchIndex(trimmed); m != nil {
				off := i + len(line) - len(trimmed)
				ml.variable, ml.valueAt = string(trimmed[m[2]:m[3]]), off+m[1]
			}
		}
		out = append(out, ml)
		i = j + 1
	}
	return out
}

// makeRuns decides whether the text at offset off of a Makefile runs in a
// shell, and if not, why.
func makeRuns(b []byte, lines []makeLine, off int, depth int) (bool, string) {
	var ml *makeLine
	for k := range lines {
		if lines[k].start <= off && off <= lines[k].end {
			ml = &lines[k]
			break
		}
	}
	if ml == nil {
		return true, ""
	}
	line := b[ml.start:ml.end]
	rel := off - ml.start
	if ml.recipe {
		return recipeRuns(line, rel)
	}
	for _, fn := range []string{"$(info ", "$(warning ", "$(error "} {
		if bytes.Contains(line[:rel], []byte(fn)) {
			return false, "in a message make prints"
		}
	}
	if ml.variable == "" {
		trimmed := bytes.TrimLeft(line, " \t")
		if len(trimmed) > 0 && trimmed[0] == '#' {
			return false, "in a comment"
		}
		return true, ""
	}
	before := b[ml.valueAt:off]
	if bytes.Contains(before, []byte("$(shell")) || bytes.Contains(before, []byte("${shell")) {
		return true, "" // run by make as it reads the Makefile
	}
	if depth > 3 {
		return true, ""
	}
	// A variable's value runs where the variable is expanded into a
	// command.
	used := false
	for _, u := range variableUses(b, lines, ml.variable) {
		used = true
		if ok, _ := makeRuns(b, lines, u, depth+1); ok {
			return true, ""
		}
	}
	if used {
		return false, "in the make variable " + ml.variable + ", which is only printed"
	}
	return false, "in the make variable " + ml.variable + ", which nothing in this Makefile expands"
}

// variableUses returns where a make variable is referenced in recipe lines
// or other variables' values: $(NAME), ${NAME}, and $$NAME for an exported
// variable read by the recipe's shell.
func variableUses(b []byte, lines []makeLine, name string) []int {
	var out []int
	refs := [][]byte{[]byte("$(" + name + ")"), []byte("${" + name + "}"), []byte("$$" + name), []byte("$${" + name + "}")}
	for _, ml := range lines {
		if !ml.recipe && ml.variable == "" || ml.variable == name {
			continue
		}
		line := b[ml.start:ml.end]
		for _, r := range refs {
			for i := 0; ; {
				j := bytes.Index(line[i:], r)
				if j < 0 {
					break
				}
				at := i + j
				end := at + len(r)
				if r[1] == '$' && end < len(line) && isNameByte(line[end]) {
					i = end
					continue // $$NAMEX, another variable
				}
				out = append(out, ml.start+at)
				i = end
			}
		}
	}
	return out
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// recipeRuns parses one recipe line as make hands it to the shell (its
// @, - and + prefixes stripped, $$ turned into $) and decides whether the
// text at rel runs.
func recipeRuns(line []byte, rel int) (bool, string) {
	i := 0
	for i < len(line) && (line[i] == '\t' || line[i] == ' ' || line[i] == '@' || line[i] == '-' || line[i] == '+') {
		i++
	}
	if rel < i {
		return true, ""
	}
	var sh []byte
	at := -1
	refs := map[int]bool{}
	for k := i; k < len(line); k++ {
		if k == rel {
			at = len(sh)
		}
		if line[k] == '$' && k+1 < len(line) && line[k+1] == '$' {
			sh = append(sh, '$')
			k++
			continue
		}
		if line[k] == '$' && k+1 < len(line) && (line[k+1] == '(' || line[k+1] == '{') {
			refs[len(sh)] = true
		}
		sh = append(sh, line[k])
	}
	if at < 0 {
		at = len(sh) - 1
	}
	tree, err := syntax.Parse(context.Background(), "bash", sh)
	if err != nil {
		return true, ""
	}
	defer tree.Close()
	sc := newShellContext(tree)
	sc.makeRefs = refs
	return sc.executed(at)
}

// scalarOutput reports whether the command or process substitution that
// holds off prints only a truth value or a count, whatever the download in
// it held: its pipeline ends in jq with a filter that compares or tests,
// in wc, or in grep -c or -q. Evaluating that output runs `true`, `false`
// or a number, never text from the network. testify 1.12.1's
// .ci.ghactions.sh evals `$(curl … | jq -r '.sha == "'"$hash"'"')` to ask
// whether a commit is the branch's head.
func (sc *shellContext) scalarOutput(off int) (bool, string) {
	n := deepest(sc.tree.Root(), off)
	for ; n.Valid() && n.Kind() != "command_substitution" && n.Kind() != "process_substitution"; n = n.Parent() {
	}
	if !n.Valid() {
		return false, ""
	}
	body := n.NamedChildren()
	if len(body) != 1 {
		return false, ""
	}
	last := body[0]
	if last.Kind() == "pipeline" {
		cmds := last.NamedChildren()
		if len(cmds) < 2 {
			return false, ""
		}
		last = cmds[len(cmds)-1]
	} else {
		return false, "" // the download itself is the output
	}
	if last.Kind() != "command" {
		return false, ""
	}
	name := last.Field("name").Text()
	name = name[strings.LastIndexByte(name, '/')+1:]
	args := last.FieldAll("argument")
	switch name {
	case "wc":
		return true, "its output is a count (wc)"
	case "grep", "egrep", "fgrep":
		for _, a := range args {
			w := wordText(a)
			if w == "-c" || w == "-q" || w == "--count" || w == "--quiet" || w == "--silent" ||
				(strings.HasPrefix(w, "-") && !strings.HasPrefix(w, "--") && strings.ContainsAny(w, "cq") && !strings.ContainsAny(w, "efm")) {
				return true, "its output is a count or nothing (grep " + w + ")"
			}
		}
	case "jq", "gojq":
		if f, ok := jqFilter(args); ok && jqScalar(f) {
			return true, "its output is a truth value or a count (jq '" + f + "')"
		}
	}
	return false, ""
}

// jqTakes is how many words each jq option that takes values consumes.
var jqTakes = map[string]int{"--arg": 2, "--argjson": 2, "--slurpfile": 2, "--rawfile": 2, "--indent": 1, "-L": 1}

// jqFilter returns the filter among jq's arguments, its text as jq sees
// it (shell quoting removed, expansions stand as $x). A filter read from a
// file (-f, --from-file) is not known.
func jqFilter(args []syntax.Node) (string, bool) {
	for i := 0; i < len(args); i++ {
		w := wordText(args[i])
		switch {
		case w == "-f" || w == "--from-file":
			return "", false
		case jqTakes[w] > 0:
			i += jqTakes[w]
		case strings.HasPrefix(w, "-") && len(w) > 1:
		default:
			return w, true
		}
	}
	return "", false
}

// wordText is a shell word's value with its quoting removed; expansions
// inside double quotes or bare stand as "$x".
func wordText(n syntax.Node) string {
	switch n.Kind() {
	case "raw_string":
		return strings.Trim(n.Text(), "'")
	case "string":
		var b strings.Builder
		t := n.Text()
		last := n.Start() + 1
		for _, c := range n.NamedChildren() {
			if c.Kind() == "string_content" {
				continue
			}
			b.WriteString(t[last-n.Start() : c.Start()-n.Start()])
			b.WriteString("$x")
			last = c.End()
		}
		if end := n.End() - 1; end > last {
			b.WriteString(t[last-n.Start() : end-n.Start()])
		}
		return b.String()
	case "concatenation":
		var b strings.Builder
		for _, c := range n.NamedChildren() {
			b.WriteString(wordText(c))
		}
		return b.String()
	case "simple_expansion", "expansion", "command_substitution":
		return "$x"
	}
	return n.Text()
}

var (
	// jqTerm is a path, a literal or a variable.
	jqTerm = `(?:\.[\w.\[\]"$-]*|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|\$\w+|true|false|null)`
	// jqTest is a filter whose result is a truth value or a count: two
	// terms compared, a test function, not, length.
	jqTest = regexp.MustCompile(`^\s*(?:` + jqTerm + `\s*(?:==|!=|<=|>=|<|>)\s*` + jqTerm +
		`|(?:` + jqTerm + `\s*\|\s*)?(?:not|length|(?:test|startswith|endswith|contains|inside|has|any|all|isvalid)(?:\((?:[^()|]|\([^()|]*\))*\))?))\s*$`)
)

// jqScalar reports whether a jq filter's output is a truth value or a
// count: its last stage (after the last | outside strings and brackets)
// is one.
func jqScalar(filter string) bool {
	depth, inStr, cut := 0, false, 0
	for i := 0; i < len(filter); i++ {
		switch c := filter[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case c == '|' && depth == 0:
			cut = i + 1
		}
	}
	if inStr || depth != 0 {
		return false
	}
	return jqTest.MatchString(filter[cut:])
}
