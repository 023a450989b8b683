package payload

import (
	"bytes"
	"go/ast"
	"go/token"
	"regexp"
	"strings"

	"glassbox.dev"
	"glassbox.dev/scan"
	"glassbox.dev/scan/rules/internal/rulekit"
)

// RuleRemoteExec is GB0303: code fetched over the network is executed.
var RuleRemoteExec = scan.Rule{
	ID:       "GB0303",
	Name:     "downloaded-code-executed",
	Family:   Family,
	Severity: glassbox.SeverityCritical,
	Summary:  "Data fetched over the network at run time (an HTTP download) is evaluated, run by a shell or launched.",
	Explanation: "Code that fetches its real behaviour from a server when it runs ships none of it for " +
		"review: whoever controls the server decides what every installation does, and can change it " +
		"at any time. Malicious packages (typosquatted PyPI and npm packages whose setup.py or install " +
		"script runs exec(urlopen(…).read())) work exactly like this.",
}

// remoteSources are, per language, the calls whose result is data from the
// network.
var remoteSources = map[string]*regexp.Regexp{
	"python":     regexp.MustCompile(`\burlopen\s*\(|\burllib\d?\.request\.urlopen\s*\(|\brequests\.(?:get|post|request)\s*\(|\bhttpx\.(?:get|post)\s*\(|\burlretrieve\s*\(|\bhttp\.client\.HTTPS?Connection\s*\(`),
	"javascript": regexp.MustCompile(`\bfetch\s*\(|\bhttps?\.(?:get|request)\s*\(|\baxios(?:\.get|\.post)?\s*\(|\bgot(?:\.get)?\s*\(|\.on\s*\(\s*['"]data['"]`),
	"php":        regexp.MustCompile(`\bfile_get_contents\s*\(\s*['"]https?://|\bcurl_exec\s*\(|\bfopen\s*\(\s*['"]https?://`),
}

// remoteKeywords pre-filter GB0303.
var remoteKeywords = [][]byte{
	[]byte("urlopen"), []byte("requests."), []byte("httpx."), []byte("urlretrieve"), []byte("HTTPConnection"),
	[]byte("HTTPSConnection"), []byte("fetch("), []byte("http.get"), []byte("https.get"), []byte("http.request"),
	[]byte("https.request"), []byte("axios"), []byte("got("), []byte("'data'"), []byte(`"data"`),
	[]byte("file_get_contents"), []byte("curl_exec"), []byte("fopen"),
}

// dataHandlerRe finds the assignments made in a stream's data handler:
// res.on('data', c => body += c) makes body hold the download.
var dataHandlerRe = regexp.MustCompile(`\.on\s*\(\s*['"]data['"][^\n]*?([A-Za-z_$][\w$]*)\s*(?:\+=|=(?:[^=>]|$)|\.push\s*\()`)

// remoteExec is GB0303 for the scripting languages: a sink whose arguments
// contain a download, or a variable assigned from one shortly before.
func (c *collector) remoteExec() {
	src, ok := remoteSources[c.F.Lang]
	l, okl := langs[c.F.Lang]
	b := c.F.Content
	if !ok || !okl || !anyKeyword(b, remoteKeywords) || src.Find(b) == nil {
		return
	}
	tainted := taints{}
	tainted.rebind(b)
	for _, m := range dataHandlerRe.FindAllSubmatchIndex(b, -1) {
		tainted.add(string(b[m[2]:m[3]]), m[0], false)
	}
	for pass := 0; pass < 2; pass++ {
		for pos := 0; pos < len(b); {
			m := assignRe.FindSubmatchIndex(b[pos:])
			if m == nil {
				break
			}
			name, rhs, at := string(b[pos+m[2]:pos+m[3]]), b[pos+m[4]:pos+m[5]], pos+m[2]
			if (src.Match(rhs) || mentionsTainted(rhs, tainted, at)) && !tainted.at(name, at+1) {
				tainted.add(name, at, false)
			}
			pos += m[4]
		}
	}
	for _, m := range l.sink.FindAllIndex(b, -1) {
		start := m[0]
		if loc := sinkNameRe.FindIndex(b[m[0]:m[1]]); loc != nil {
			start = m[0] + loc[0]
		}
		name := b[start:m[1]]
		if l.keep != nil && !l.keep(b, string(name)) {
			continue
		}
		end := matchParen(b, m[1]-1)
		if end < 0 {
			continue
		}
		args := b[m[1] : end-1]
		if bytes.HasPrefix(name, []byte("set")) {
			// setTimeout and setInterval run code only when their first
			// argument is a string: a callback with a timeout taken from a
			// response (node-fetch's request timer) runs nothing fetched.
			args = firstArg(args)
			if bytes.Contains(args, []byte("=>")) || bytes.Contains(args, []byte("function")) || identRe.Find(args) == nil {
				continue
			}
		}
		via := ""
		if s := src.Find(args); s != nil {
			via = string(bytes.TrimRight(s, "( \t"))
		} else {
			for _, id := range identRe.FindAll(rulekit.BlankStrings(args), -1) {
				if tainted.at(string(id), start) {
					via = string(id)
					break
				}
			}
		}
		if via == "" || bytes.HasPrefix(name, []byte("require")) && !bytes.Contains(args, []byte("(")) {
			continue
		}
		c.add(RuleRemoteExec, glassbox.SeverityCritical, start, end,
			"Code downloaded at run time ("+via+") is passed to "+trimCall(string(name)))
	}
}

// firstArg returns a call's first argument: args up to the first comma
// outside brackets and strings.
func firstArg(args []byte) []byte {
	depth := 0
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case '"', '\'', '`':
			q := args[i]
			for i++; i < len(args) && args[i] != q; i++ {
				if args[i] == '\\' {
					i++
				}
			}
		case ',':
			if depth == 0 {
				return args[:i]
			}
		}
	}
	return args
}

func anyKeyword(b []byte, ks [][]byte) bool {
	for _, k := range ks {
		if bytes.Contains(b, k) {
			return true
		}
	}
	return false
}

// isFetchCall recognises http.Get/Post/PostForm/Head and a client's Do,
// Get and Post: calls whose result is data from the network.
func isFetchCall(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	switch sel.Sel.Name {
	case "Get", "Post", "PostForm", "Head", "Do":
	default:
		return false
	}
	if id, ok := sel.X.(*ast.Ident); ok && id.Name == "http" {
		return true
	}
	// client.Do(req), http.DefaultClient.Get(url): only with an http
	// client in sight, so that cache.Get(key) is not a download.
	s := exprText(sel.X)
	return strings.Contains(strings.ToLower(s), "client") || strings.HasPrefix(s, "http.")
}

func exprText(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprText(e.X) + "." + e.Sel.Name
	}
	return ""
}

// goRemote is GB0303 for Go: the result of an HTTP request, or what is read
// from it, reaching exec.Command and friends in the same function.
func (c *collector) goRemote() {
	b := c.F.Content
	if !bytes.Contains(b, []byte(`"net/http"`)) || !anyKeyword(b, [][]byte{[]byte("exec."), []byte("syscall."), []byte("unix.Exec"), []byte("os.StartProcess"), []byte("plugin.Open")}) {
		return
	}
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
	for _, d := range file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		tainted := map[string]bool{}
		holds := func(e ast.Node) bool {
			found := false
			ast.Inspect(e, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.Ident:
					found = found || tainted[n.Name]
				case *ast.CallExpr:
					found = found || isFetchCall(n)
				case *ast.FuncLit:
					return false
				}
				return !found
			})
			return found
		}
		for changed, i := true, 0; changed && i < 6; i++ {
			changed = false
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				as, ok := n.(*ast.AssignStmt)
				if !ok {
					return true
				}
				for _, r := range as.Rhs {
					if !holds(r) {
						continue
					}
					for _, l := range as.Lhs {
						if id, ok := l.(*ast.Ident); ok && id.Name != "_" && !tainted[id.Name] {
							tainted[id.Name], changed = true, true
						}
					}
				}
				return true
			})
		}
		if len(tainted) == 0 {
			continue
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
				if holds(a) {
					c.add(RuleRemoteExec, glassbox.SeverityCritical, off(call.Pos()), off(call.End()),
						"Code downloaded at run time is passed to "+pkg+"."+name)
					break
				}
			}
			return true
		})
	}
}
