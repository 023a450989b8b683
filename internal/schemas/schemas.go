// Package schemas holds the official JSON schemas of the formats glassbox
// writes (SARIF 2.1.0, CycloneDX 1.6, OSV, OSCAL 1.0.6, OpenAPI 3.1) and validates
// documents against them. Tests use it to hold every document the project
// writes to its standard; SOURCE.txt says where each schema comes from.
package schemas

import (
	"bytes"
	"embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed *.json
var files embed.FS

// The schemas by name. CycloneDX's refers to two others by URL; they are
// registered under those URLs.
const (
	SARIF                  = "sarif-schema-2.1.0.json"
	CycloneDX              = "cyclonedx-bom-1.6.schema.json"
	OSV                    = "osv-schema.json"
	OSCALCatalog           = "oscal-1.0.6-catalog.schema.json"
	OSCALAssessmentResults = "oscal-1.0.6-assessment-results.schema.json"
	OpenAPI31              = "openapi-3.1.schema.json"
)

// urls are the ids under which schemas that others reference are known.
var urls = map[string]string{
	"cyclonedx-bom-1.6.schema.json":  "http://cyclonedx.org/schema/bom-1.6.schema.json",
	"cyclonedx-spdx.schema.json":     "http://cyclonedx.org/schema/spdx.schema.json",
	"cyclonedx-jsf-0.82.schema.json": "http://cyclonedx.org/schema/jsf-0.82.schema.json",
}

var (
	mu       sync.Mutex
	compiled = map[string]*jsonschema.Schema{}
)

// needs lists the schemas a schema refers to, which are registered with it.
var needs = map[string][]string{
	CycloneDX: {"cyclonedx-spdx.schema.json", "cyclonedx-jsf-0.82.schema.json"},
}

// Compile returns the named schema, compiled once, with formats asserted.
func Compile(name string) (*jsonschema.Schema, error) {
	mu.Lock()
	defer mu.Unlock()
	if s, ok := compiled[name]; ok {
		return s, nil
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	id := func(n string) string {
		if u, ok := urls[n]; ok {
			return u
		}
		return "file:///schemas/" + n
	}
	for _, n := range append([]string{name}, needs[name]...) {
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("no schema %s: %w", n, err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", n, err)
		}
		fixAnchors(doc)
		if err := c.AddResource(id(n), doc); err != nil {
			return nil, fmt.Errorf("schema %s: %w", n, err)
		}
	}
	s, err := c.Compile(id(name))
	if err != nil {
		return nil, fmt.Errorf("compile schema %s: %w", name, err)
	}
	compiled[name] = s
	return s, nil
}

// fixAnchors rewrites NIST's OSCAL schemas where they give a definition both
// an "$id" anchor and a "$ref": draft-07 ignores every keyword beside a
// "$ref", so the anchors that the rest of the schema refers to would not
// exist. Moving the "$ref" into an "allOf" keeps its meaning and the anchor.
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

// Validate checks doc (JSON) against the named schema.
func Validate(name string, doc []byte) error {
	s, err := Compile(name)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("does not validate against %s: %w", name, err)
	}
	return nil
}
