package server

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"glassbox.dev/internal/schemas"
)

// openAPIOperation is an operation of the document, by method and path.
type openAPIOperation struct {
	Method, Path string
	Action       string
}

func documentOperations(t *testing.T) map[string]openAPIOperation {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			Action string `json:"x-glassbox-action"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	ops := map[string]openAPIOperation{}
	for path, item := range doc.Paths {
		for method, op := range item {
			m := strings.ToUpper(method)
			ops[m+" "+path] = openAPIOperation{m, path, op.Action}
		}
	}
	return ops
}

// documentPath is a router pattern as OpenAPI writes it: {path...}, a
// wildcard over several segments, is {path}.
func documentPath(pattern string) string { return strings.ReplaceAll(pattern, "...}", "}") }

// TestOpenAPIDocumentIsValid: the document passes the official OpenAPI 3.1
// schema, and every schema in it compiles as JSON Schema 2020-12.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	s, err := schemas.Compile(schemas.OpenAPI31)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(OpenAPI()))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(doc); err != nil {
		t.Fatalf("openapi.json is not an OpenAPI 3.1 document: %v", err)
	}
	if _, err := compileComponents(); err != nil {
		t.Fatal(err)
	}
}

// TestEveryRouteIsDocumented: the router serves exactly the operations the
// document describes, each decided by the action the document names, so
// no route escapes the document or the authorization matrix built from it.
func TestEveryRouteIsDocumented(t *testing.T) {
	ops := documentOperations(t)
	served := map[string]bool{}
	for _, rt := range (&API{}).Routes() {
		key := rt.Method + " " + documentPath(rt.Pattern)
		served[key] = true
		op, ok := ops[key]
		if !ok {
			t.Errorf("the router serves %s, which openapi.json does not describe", key)
			continue
		}
		if op.Action != string(rt.Action) {
			t.Errorf("%s: the router decides it as %q, openapi.json says %q", key, rt.Action, op.Action)
		}
	}
	var missing []string
	for key := range ops {
		if !served[key] {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	for _, key := range missing {
		t.Errorf("openapi.json describes %s, which the router does not serve", key)
	}
}

// compileComponents compiles the document's component schemas, each
// addressable as openapi.json#/components/schemas/NAME.
func compileComponents() (*jsonschema.Compiler, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(OpenAPI()))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource("file:///openapi.json", doc); err != nil {
		return nil, err
	}
	var names struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	json.Unmarshal(OpenAPI(), &names)
	for n := range names.Components.Schemas {
		if _, err := c.Compile("file:///openapi.json#/components/schemas/" + n); err != nil {
			return nil, err
		}
	}
	return c, nil
}
