//go:build cgo

package syntax

import (
	"context"
	"testing"
)

// FuzzParse parses arbitrary bytes in every grammar and asks every
// question of the tree: nothing may panic, and what is returned must lie
// within the source.
func FuzzParse(f *testing.F) {
	for i, p := range programs {
		f.Add(uint8(i), []byte(p.src))
	}
	f.Add(uint8(0), []byte("\x00\xff\xfe"))
	f.Add(uint8(7), []byte("cat <<EOF\n$(curl x|sh)\n"))
	langs := Languages()
	f.Fuzz(func(t *testing.T, which uint8, src []byte) {
		lang := langs[int(which)%len(langs)]
		tree, err := Parse(context.Background(), lang, src)
		if err != nil {
			if len(src) <= MaxSize {
				t.Fatalf("%s: %v", lang, err)
			}
			return
		}
		defer tree.Close()
		inside := func(what string, n Node) {
			if n.Valid() && (n.Start() < 0 || n.End() > len(src) || n.Start() > n.End()) {
				t.Fatalf("%s: %s [%d,%d) outside the source of %d bytes", lang, what, n.Start(), n.End(), len(src))
			}
		}
		count := 0
		tree.Root().Walk(func(n Node) bool {
			inside(n.Kind(), n)
			count++
			_ = n.Text()
			return count < 100000
		})
		calls, _ := tree.Calls()
		for _, c := range calls {
			inside("call", c.Node)
			for _, a := range c.Args {
				inside("argument", a)
			}
		}
		fns, _ := tree.Functions()
		for _, fn := range fns {
			inside("function", fn.Node)
			_ = fn.ParamNames()
		}
		as, _ := tree.Assignments()
		for _, a := range as {
			inside("assignment", a.Node)
			_ = a.Left.BoundName()
		}
		ss, _ := tree.Strings()
		cs, _ := tree.Comments()
		for _, n := range append(ss, cs...) {
			inside("literal", n)
		}
		for off := -1; off <= len(src); off += 1 + len(src)/16 {
			_ = tree.ClassAt(off)
		}
	})
}
