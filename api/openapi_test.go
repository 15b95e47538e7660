package api_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
)

// TestOpenAPICoversRoutes keeps openapi.json and the router in step: every
// registered route is documented, and nothing documented is missing.
func TestOpenAPICoversRoutes(t *testing.T) {
	e := newEnv(t)
	rr := e.do(req{method: http.MethodGet, path: "/openapi.json"})
	wantStatus(t, rr, http.StatusOK)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	decode(t, rr, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi: got %q, want 3.x", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	routes := e.srv.Routes()
	if len(routes) == 0 {
		t.Fatal("no routes registered")
	}
	registered := map[string]bool{}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		registered[key] = true
		if !documented[key] {
			t.Errorf("route %s is not in openapi.json", key)
		}
	}
	var extra []string
	for key := range documented {
		if !registered[key] {
			extra = append(extra, key)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("openapi.json documents routes the router does not have: %v", extra)
	}
}

// TestOpenAPIRefsResolve checks every $ref points at a defined component.
func TestOpenAPIRefsResolve(t *testing.T) {
	e := newEnv(t)
	rr := e.do(req{method: http.MethodGet, path: "/openapi.json"})
	var doc map[string]any
	decode(t, rr, &doc)
	comps, _ := doc["components"].(map[string]any)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
				group, _ := comps[parts[0]].(map[string]any)
				if len(parts) != 2 || group[parts[1]] == nil {
					t.Errorf("dangling $ref %s", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
}
