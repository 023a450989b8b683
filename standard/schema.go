package standard

import (
	"bytes"
	"embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// NIST's OSCAL 1.0.6 JSON schemas (public domain), embedded so that a
// user's catalog is checked against the official model before glassbox
// stores it, with no network.
//
//go:embed schema/oscal-1.0.6-catalog.schema.json schema/oscal-1.0.6-assessment-results.schema.json
var schemaFiles embed.FS

const (
	catalogSchema = "schema/oscal-1.0.6-catalog.schema.json"
	resultsSchema = "schema/oscal-1.0.6-assessment-results.schema.json"
)

var (
	schemaOnce sync.Once
	schemas    map[string]*jsonschema.Schema
	schemaErr  error
)

func compileSchemas() {
	c := jsonschema.NewCompiler()
	schemas = map[string]*jsonschema.Schema{}
	for _, name := range []string{catalogSchema, resultsSchema} {
		b, err := schemaFiles.ReadFile(name)
		if err != nil {
			schemaErr = err
			return
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			schemaErr = fmt.Errorf("%s: %w", name, err)
			return
		}
		fixAnchors(doc)
		url := "file:///glassbox/" + name
		if err := c.AddResource(url, doc); err != nil {
			schemaErr = fmt.Errorf("%s: %w", name, err)
			return
		}
		s, err := c.Compile(url)
		if err != nil {
			schemaErr = fmt.Errorf("compile %s: %w", name, err)
			return
		}
		schemas[name] = s
	}
}

// validate checks the JSON document b against one of the embedded schemas.
func validate(schema string, b []byte) error {
	schemaOnce.Do(compileSchemas)
	if schemaErr != nil {
		return schemaErr
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := schemas[schema].Validate(inst); err != nil {
		return err
	}
	return nil
}

// ValidateCatalog checks b against the OSCAL 1.0.6 catalog schema.
func ValidateCatalog(b []byte) error { return validate(catalogSchema, b) }

// ValidateAssessmentResults checks b against the OSCAL 1.0.6
// assessment-results schema.
func ValidateAssessmentResults(b []byte) error { return validate(resultsSchema, b) }

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
