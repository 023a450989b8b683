// Package k8sschema turns the Kubernetes OpenAPI (swagger 2.0) document
// that ships with k8s.io/kubernetes into the standalone, strict JSON
// schemas kubeconform reads (one file per kind and version, named as
// kubeconform looks for it: deployment-apps-v1.json, service-v1.json), as
// kubeconform's own openapi2jsonschema.py does: every object with
// properties refuses others, and int-or-string fields take either.
package k8sschema

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

type gvk struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
}

// DefinitionsFile holds every definition; each kind's schema refers to it.
const DefinitionsFile = "_definitions.json"

// Generate writes the schemas of every kind in the swagger document at
// swaggerPath into dir.
func Generate(swaggerPath, dir string) (int, error) {
	b, err := os.ReadFile(swaggerPath)
	if err != nil {
		return 0, err
	}
	var doc struct {
		Definitions map[string]map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return 0, fmt.Errorf("%s: %w", swaggerPath, err)
	}
	defs := map[string]any{}
	for name, d := range doc.Definitions {
		defs[name] = strict(d)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	all, err := json.Marshal(map[string]any{"definitions": defs})
	if err != nil {
		return 0, err
	}
	if err := os.WriteFile(filepath.Join(dir, DefinitionsFile), all, 0o644); err != nil {
		return 0, err
	}
	n := 0
	for name, d := range doc.Definitions {
		raw, ok := d["x-kubernetes-group-version-kind"]
		if !ok {
			continue
		}
		rb, _ := json.Marshal(raw)
		var kinds []gvk
		if err := json.Unmarshal(rb, &kinds); err != nil {
			return n, fmt.Errorf("%s: %w", name, err)
		}
		for _, k := range kinds {
			schema := map[string]any{"$ref": DefinitionsFile + "#/definitions/" + name}
			out, err := json.Marshal(schema)
			if err != nil {
				return n, err
			}
			if err := os.WriteFile(filepath.Join(dir, FileName(k.Group, k.Version, k.Kind)), out, 0o644); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// FileName is the file kubeconform looks for a kind in, with the schema
// location DIR/{{ .ResourceKind }}{{ .KindSuffix }}.json.
func FileName(group, version, kind string) string {
	suffix := "-" + strings.ToLower(version)
	if group != "" {
		suffix = "-" + strings.ToLower(strings.Split(group, ".")[0]) + suffix
	}
	return strings.ToLower(kind) + suffix + ".json"
}

// strict rewrites a schema as openapi2jsonschema.py --strict does.
func strict(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = strict(e)
		}
		if out["format"] == "int-or-string" {
			return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}}
		}
		if _, ok := out["properties"]; ok {
			if _, set := out["additionalProperties"]; !set {
				out["additionalProperties"] = false
			}
		}
		// $refs point into the shared file of definitions.
		if r, ok := out["$ref"].(string); ok && strings.HasPrefix(r, "#/definitions/") {
			out["$ref"] = DefinitionsFile + r
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = strict(e)
		}
		return out
	}
	return v
}
