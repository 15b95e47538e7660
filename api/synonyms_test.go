package api_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/kefu-ai/kefu/errs"
)

// synonymList is the KB double's synonym list: versions as the knowledge
// base keeps them, and its one rule (two different members a group).
type synonymList struct {
	groups  [][]string
	version int
	by      string
}

func synonyms(e *env) *synonymList {
	l := &synonymList{groups: [][]string{{"快递", "物流"}, {"refund", "money back"}}}
	e.f.KB.SynonymsFunc = func(context.Context) ([][]string, int, error) {
		return l.groups, l.version, nil
	}
	e.f.KB.SetSynonymsFunc = func(_ context.Context, groups [][]string, version int, by string) ([][]string, int, error) {
		for i, g := range groups {
			if len(g) < 2 {
				return nil, 0, errs.E(errs.Invalid, "Synonym group %d needs at least two different words or phrases.", i+1)
			}
		}
		if version != l.version {
			return nil, 0, errs.E(errs.Conflict, "The synonym list is at version %d, not %d.", l.version, version)
		}
		l.groups, l.version, l.by = groups, version+1, by
		return groups, l.version, nil
	}
	return l
}

func TestSynonyms(t *testing.T) {
	tests := []struct {
		name   string
		r      req
		status int
		code   string
		want   string // the whole 2xx body
		kb     bool   // whether the request reaches the knowledge base
	}{
		{name: "get", r: req{method: "GET", path: "/v1/kb/synonyms", token: editorToken}, status: 200,
			want: `{"groups":[["快递","物流"],["refund","money back"]],"version":0}`, kb: true},
		{name: "get as admin", r: req{method: "GET", path: "/v1/kb/synonyms", token: adminToken}, status: 200,
			want: `{"groups":[["快递","物流"],["refund","money back"]],"version":0}`, kb: true},
		{name: "get without token", r: req{method: "GET", path: "/v1/kb/synonyms"}, status: 401, code: errs.Unauthorized},
		{name: "get as agent", r: req{method: "GET", path: "/v1/kb/synonyms", token: agentToken}, status: 403, code: errs.Forbidden},
		{name: "put", r: req{method: "PUT", path: "/v1/kb/synonyms", token: editorToken, body: `{"groups":[["快递","物流","包裹"]],"version":0}`},
			status: 200, want: `{"groups":[["快递","物流","包裹"]],"version":1}`, kb: true},
		{name: "put empty list", r: req{method: "PUT", path: "/v1/kb/synonyms", token: editorToken, body: `{"groups":[],"version":0}`},
			status: 200, want: `{"groups":[],"version":1}`, kb: true},
		{name: "put stale", r: req{method: "PUT", path: "/v1/kb/synonyms", token: editorToken, body: `{"groups":[["a","b"]],"version":3}`},
			status: 409, code: errs.Conflict, kb: true},
		{name: "put group of one", r: req{method: "PUT", path: "/v1/kb/synonyms", token: editorToken, body: `{"groups":[["a","b"],["快递"]],"version":0}`},
			status: 400, code: errs.Invalid, kb: true},
		{name: "put as agent", r: req{method: "PUT", path: "/v1/kb/synonyms", token: agentToken, body: `{"groups":[],"version":0}`}, status: 403, code: errs.Forbidden},
		{name: "put without groups", r: req{method: "PUT", path: "/v1/kb/synonyms", token: editorToken, body: `{"version":0}`}, status: 400, code: errs.Invalid},
		{name: "put null groups", r: req{method: "PUT", path: "/v1/kb/synonyms", token: editorToken, body: `{"groups":null,"version":0}`}, status: 400, code: errs.Invalid},
		{name: "put without version", r: req{method: "PUT", path: "/v1/kb/synonyms", token: editorToken, body: `{"groups":[]}`}, status: 400, code: errs.Invalid},
		{name: "put negative version", r: req{method: "PUT", path: "/v1/kb/synonyms", token: editorToken, body: `{"groups":[],"version":-1}`}, status: 400, code: errs.Invalid},
		{name: "put version not a number", r: req{method: "PUT", path: "/v1/kb/synonyms", token: editorToken, body: `{"groups":[],"version":"1"}`}, status: 400, code: errs.Invalid},
		{name: "put groups not lists", r: req{method: "PUT", path: "/v1/kb/synonyms", token: editorToken, body: `{"groups":["快递=物流"],"version":0}`}, status: 400, code: errs.Invalid},
		{name: "put member not a string", r: req{method: "PUT", path: "/v1/kb/synonyms", token: editorToken, body: `{"groups":[["a",1]],"version":0}`}, status: 400, code: errs.Invalid},
		{name: "put member with newline", r: req{method: "PUT", path: "/v1/kb/synonyms", token: editorToken, body: `{"groups":[["a","b\nc"]],"version":0}`}, status: 400, code: errs.Invalid},
		{name: "put member with bidi override", r: req{method: "PUT", path: "/v1/kb/synonyms", token: editorToken, body: `{"groups":[["a","b\u202e"]],"version":0}`}, status: 400, code: errs.Invalid},
		{name: "put member too long", r: req{method: "PUT", path: "/v1/kb/synonyms", token: editorToken, body: `{"groups":[["a","` + strings.Repeat("长", 65) + `"]],"version":0}`}, status: 400, code: errs.Invalid},
		{name: "put not JSON", r: req{method: "PUT", path: "/v1/kb/synonyms", token: editorToken, body: `groups: []`}, status: 400, code: errs.Invalid},
		{name: "post", r: req{method: "POST", path: "/v1/kb/synonyms", token: editorToken, body: `{}`}, status: 405, code: "method_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			synonyms(e)
			rr := e.do(tt.r)
			if tt.code != "" {
				wantError(t, rr, tt.status, tt.code)
			} else {
				wantStatus(t, rr, tt.status)
				if got := rr.Body.String(); got != tt.want {
					t.Errorf("body: got %s, want %s", got, tt.want)
				}
			}
			if reached := e.f.KB.Total() > 0; reached != tt.kb {
				t.Errorf("reached the knowledge base: %v, want %v", reached, tt.kb)
			}
		})
	}
}

// TestSynonymsEditor: the list is saved in the editor's name, and a body
// larger than the JSON body limit (a shop's long list) is accepted up to
// the import limit.
func TestSynonymsEditor(t *testing.T) {
	e := newEnv(t, func(c *apiConfig, _ *apiDeps) { c.BodyLimit = 1 << 10; c.ImportLimit = 64 << 10 })
	l := synonyms(e)
	var groups [][]string
	for i := range 200 {
		groups = append(groups, []string{fmt.Sprintf("word%d", i), fmt.Sprintf("other%d", i)})
	}
	raw := `{"version":0,"groups":[`
	for i, g := range groups {
		if i > 0 {
			raw += ","
		}
		raw += `["` + g[0] + `","` + g[1] + `"]`
	}
	raw += `]}`
	if len(raw) <= 1<<10 {
		t.Fatalf("the test body is only %d bytes", len(raw))
	}
	rr := e.do(req{method: "PUT", path: "/v1/kb/synonyms", token: editorToken, body: raw})
	wantStatus(t, rr, http.StatusOK)
	if l.version != 1 || l.by != "editor" || !reflect.DeepEqual(l.groups, groups) {
		t.Errorf("stored version %d by %q with %d groups; want version 1 by editor with the 200 sent", l.version, l.by, len(l.groups))
	}
	var got struct {
		Groups  [][]string `json:"groups"`
		Version int        `json:"version"`
	}
	decode(t, rr, &got)
	if got.Version != 1 || len(got.Groups) != len(groups) {
		t.Errorf("answer: version %d, %d groups", got.Version, len(got.Groups))
	}

	rr = e.do(req{method: "PUT", path: "/v1/kb/synonyms", token: adminToken,
		body: `{"version":1,"groups":[["` + strings.Repeat("词", 64) + `","x"]],"pad":"` + strings.Repeat("x", 64<<10) + `"}`})
	wantError(t, rr, http.StatusRequestEntityTooLarge, errs.TooLarge)
	if l.version != 1 {
		t.Errorf("a body over the import limit reached the knowledge base")
	}
}
