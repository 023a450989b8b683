package syntax

import "strings"

// identifierKinds are the node kinds that are a name in some grammar.
var identifierKinds = map[string]bool{
	"identifier": true, "field_identifier": true, "property_identifier": true,
	"type_identifier": true, "shorthand_property_identifier_pattern": true,
	"name": true, "variable_name": true, "word": true, "command_name": true,
	"private_property_identifier": true, "namespace_identifier": true,
}

// BoundName returns the single name a declarator, parameter or callee
// binds or designates: "x" for `int *x`, `$x` in PHP, `x: int` in
// Python or TypeScript, `char x[]` in C. It returns "" when there is no
// single name (a destructuring pattern).
func (n Node) BoundName() string {
	for depth := 0; n.Valid() && depth < 16; depth++ {
		switch n.Kind() {
		case "object_pattern", "array_pattern", "tuple_pattern", "list_pattern":
			return ""
		}
		if identifierKinds[n.Kind()] {
			if n.Kind() == "variable_name" {
				if nm := n.Field("name"); nm.Valid() {
					return nm.Text()
				}
				return strings.TrimPrefix(n.Text(), "$")
			}
			return n.Text()
		}
		var next Node
		for _, f := range []string{"declarator", "name", "pattern", "left"} {
			if next = n.Field(f); next.Valid() {
				break
			}
		}
		if !next.Valid() {
			kids := n.NamedChildren()
			if len(kids) == 0 {
				return ""
			}
			for _, k := range kids {
				if identifierKinds[k.Kind()] {
					next = k
					break
				}
			}
			if !next.Valid() {
				return ""
			}
		}
		n = next
	}
	return ""
}

// calleeName returns the last part of what a call calls: "system" for
// `system`, `os.system`, `obj->system`, `$obj->system` or `Runtime::exec`'s
// "exec".
func calleeName(n Node) string {
	for depth := 0; n.Valid() && depth < 16; depth++ {
		if identifierKinds[n.Kind()] {
			return strings.TrimPrefix(n.Text(), "\\")
		}
		var next Node
		for _, f := range []string{"property", "attribute", "field", "name", "constructor", "function"} {
			if next = n.Field(f); next.Valid() {
				break
			}
		}
		if !next.Valid() {
			kids := n.NamedChildren()
			if len(kids) == 0 {
				return n.Text()
			}
			next = kids[len(kids)-1]
		}
		n = next
	}
	return ""
}
