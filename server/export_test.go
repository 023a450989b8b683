package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// DocumentedRoutes lists the operations of openapi.json, sorted, with the
// action each names: the authorization matrix is built from the document,
// so a route added to it is in the matrix, and TestEveryRouteIsDocumented
// keeps the router to the document.
func DocumentedRoutes(t *testing.T) []Route {
	var out []Route
	for _, op := range documentOperations(t) {
		out = append(out, Route{Method: op.Method, Pattern: op.Path, Action: Action(op.Action)})
	}
	sort.Slice(out, func(i, j int) bool {
		return strings.Compare(out[i].Pattern+out[i].Method, out[j].Pattern+out[j].Method) < 0
	})
	return out
}

var (
	docOnce     sync.Once
	docCompiler *jsonschema.Compiler
	docTree     map[string]any
	docErr      error
)

// ValidateResponse checks an answer of the operation method pattern (as
// the document writes it) against the document: the status must be one it
// lists, the content type one it lists for that status, and a JSON body
// must validate against that response's schema.
func ValidateResponse(method, pattern string, status int, contentType string, body []byte) error {
	docOnce.Do(func() {
		docCompiler, docErr = compileComponents()
		if docErr == nil {
			docErr = json.Unmarshal(OpenAPI(), &docTree)
		}
	})
	if docErr != nil {
		return docErr
	}
	get := func(v any, keys ...string) any {
		for _, k := range keys {
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		}
		return v
	}
	esc := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1") }
	m := strings.ToLower(method)
	code := strconv.Itoa(status)
	pointer := "/paths/" + esc(pattern) + "/" + m + "/responses/" + code
	resp := get(docTree, "paths", pattern, m, "responses", code)
	if resp == nil {
		return fmt.Errorf("%s %s: status %d is not in openapi.json", method, pattern, status)
	}
	if ref, ok := get(resp, "$ref").(string); ok {
		pointer = strings.TrimPrefix(ref, "#")
		resp = get(docTree, strings.Split(strings.TrimPrefix(pointer, "/"), "/")...)
	}
	content, _ := get(resp, "content").(map[string]any)
	mediaType, _, _ := mime.ParseMediaType(contentType)
	if content == nil {
		if len(body) != 0 {
			return fmt.Errorf("%s %s %d: openapi.json says no body, got %d bytes", method, pattern, status, len(body))
		}
		return nil
	}
	if _, ok := content[mediaType]; !ok {
		return fmt.Errorf("%s %s %d: content type %q is not in openapi.json", method, pattern, status, contentType)
	}
	if mediaType != "application/json" {
		return nil
	}
	s, err := docCompiler.Compile("file:///openapi.json#" + pointer + "/content/application~1json/schema")
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s %s %d: the body is not JSON: %v", method, pattern, status, err)
	}
	if err := s.Validate(v); err != nil {
		return fmt.Errorf("%s %s %d: %v", method, pattern, status, err)
	}
	return nil
}
