package standard_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// sharedSchemas is the project's copy of the official schemas.
const sharedSchemas = "../../shared/schemas"

func compileSchema(t testing.TB, name string) *jsonschema.Schema {
	t.Helper()
	// NIST's OSCAL schemas put "$id" anchors beside "$ref"s, which
	// draft-07 ignores; the rewrite moves each such "$ref" into an "allOf"
	// (as package standard does), changing nothing else.
	b, err := os.ReadFile(filepath.Join(sharedSchemas, name))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	fixAnchors(doc)
	c := jsonschema.NewCompiler()
	url := "file:///shared/" + name
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile %s: %v", name, err)
	}
	return sch
}

func validateWith(t testing.TB, sch *jsonschema.Schema, b []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("does not validate: %v", err)
	}
}

func fixAnchors(v any) {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["$ref"]; ok {
			if _, ok := v["$id"]; ok {
				delete(v, "$ref")
				v["allOf"] = []any{map[string]any{"$ref": ref}}
			}
		}
		for _, x := range v {
			fixAnchors(x)
		}
	case []any:
		for _, x := range v {
			fixAnchors(x)
		}
	}
}
