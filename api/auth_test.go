package api_test

import (
	"net/http"
	"testing"

	"github.com/kefu-ai/kefu/errs"
)

// protected lists every route that needs a token, with a valid body.
var protected = []struct {
	role string
	r    req
}{
	{"editor", req{method: "POST", path: "/v1/nlu/parse", body: `{"text":"hi"}`}},
	{"editor", req{method: "GET", path: "/v1/kb/articles"}},
	{"editor", req{method: "POST", path: "/v1/kb/articles", body: `{"title":"t","answer":"a"}`}},
	{"editor", req{method: "GET", path: "/v1/kb/articles/a-1"}},
	{"editor", req{method: "PUT", path: "/v1/kb/articles/a-1", body: `{"title":"t","answer":"a","version":1}`}},
	{"editor", req{method: "DELETE", path: "/v1/kb/articles/a-1"}},
	{"editor", req{method: "GET", path: "/v1/kb/articles/a-1/history"}},
	{"editor", req{method: "POST", path: "/v1/kb/articles/a-1/restore", body: `{"version":1}`}},
	{"editor", req{method: "GET", path: "/v1/kb/search?q=refund"}},
	{"editor", req{method: "POST", path: "/v1/kb/import", body: `{"title":"t","answer":"a"}`}},
	{"editor", req{method: "GET", path: "/v1/kb/export"}},
	{"editor", req{method: "GET", path: "/v1/kb/unanswered"}},
	{"editor", req{method: "DELETE", path: "/v1/kb/unanswered/k"}},
	{"agent", req{method: "GET", path: "/v1/handoff/queue"}},
	{"agent", req{method: "POST", path: "/v1/handoff/c-1/claim", body: `{"agent_id":"ag-1"}`}},
	{"agent", req{method: "POST", path: "/v1/handoff/c-1/messages", body: `{"text":"hi","agent_id":"ag-1"}`}},
	{"agent", req{method: "POST", path: "/v1/handoff/c-1/release", body: `{"to":"bot"}`}},
	{"agent", req{method: "POST", path: "/v1/handoff/c-1/transfer", body: `{"skill":"refunds"}`}},
	{"agent", req{method: "GET", path: "/v1/tickets"}},
	{"agent", req{method: "POST", path: "/v1/tickets/t-1/claim", body: `{"agent_id":"ag-1"}`}},
	{"agent", req{method: "POST", path: "/v1/tickets/t-1/resolve"}},
	{"admin", req{method: "PUT", path: "/v1/admin/incidents/order_status", body: `{"article_id":"a-1"}`}},
	{"admin", req{method: "DELETE", path: "/v1/admin/incidents/order_status"}},
}

var tokenOf = map[string]string{"admin": adminToken, "editor": editorToken, "agent": agentToken}

func TestAuth(t *testing.T) {
	for _, p := range protected {
		t.Run(p.r.method+" "+p.r.path, func(t *testing.T) {
			cases := []struct {
				name   string
				header string
				status int
				code   string
			}{
				{name: "no token", status: 401, code: errs.Unauthorized},
				{name: "empty bearer", header: "Bearer ", status: 401, code: errs.Unauthorized},
				{name: "basic scheme", header: "Basic " + tokenOf[p.role], status: 401, code: errs.Unauthorized},
				{name: "unknown token", header: "Bearer not-a-token", status: 401, code: errs.Unauthorized},
				{name: "token prefix", header: "Bearer " + tokenOf[p.role][:5], status: 401, code: errs.Unauthorized},
			}
			for role, tok := range tokenOf {
				if role != p.role && role != "admin" {
					cases = append(cases, struct {
						name   string
						header string
						status int
						code   string
					}{name: role + " token", header: "Bearer " + tok, status: 403, code: errs.Forbidden})
				}
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					e := newEnv(t)
					r := p.r
					if c.header != "" {
						r.header = map[string]string{"Authorization": c.header}
					}
					rr := e.do(r)
					wantError(t, rr, c.status, c.code)
					if c.status == 401 && rr.Header().Get("WWW-Authenticate") == "" {
						t.Errorf("401 without WWW-Authenticate")
					}
					if n := e.f.Total(); n != 0 {
						t.Errorf("calls down: got %d, want 0 for a request without the right token", n)
					}
				})
			}
			for _, role := range []string{p.role, "admin"} {
				t.Run(role+" may", func(t *testing.T) {
					e := newEnv(t)
					r := p.r
					r.token = tokenOf[role]
					rr := e.do(r)
					// The doubles are not stubbed: the call reaches them and fails inside (500).
					if rr.Code == http.StatusUnauthorized || rr.Code == http.StatusForbidden {
						t.Fatalf("status: got %d, want the request let through; body: %s", rr.Code, rr.Body.String())
					}
					if e.f.Total() == 0 && rr.Code != http.StatusNoContent {
						t.Errorf("the request was let through but reached nothing; status %d body %s", rr.Code, rr.Body.String())
					}
				})
			}
		})
	}
}

func TestCustomerRoutesNeedNoToken(t *testing.T) {
	e := newEnv(t)
	for _, r := range []req{
		{method: "POST", path: "/v1/conversations"},
		{method: "GET", path: "/v1/conversations/c-1"},
		{method: "POST", path: "/v1/conversations/c-1/messages", body: `{"text":"hi"}`},
		{method: "POST", path: "/v1/conversations/c-1/feedback", body: `{"message_id":"m","helpful":true}`},
		{method: "POST", path: "/v1/conversations/c-1/leave-message", body: `{"text":"hi"}`},
		{method: "GET", path: "/healthz"},
		{method: "GET", path: "/metrics"},
		{method: "GET", path: "/openapi.json"},
	} {
		if rr := e.do(r); rr.Code == 401 || rr.Code == 403 {
			t.Errorf("%s %s: got %d, want no auth needed; body %s", r.method, r.path, rr.Code, rr.Body.String())
		}
	}
}

func TestUnsetTokenGrantsNothing(t *testing.T) {
	e := newEnv(t, func(c *apiConfig, _ *apiDeps) { c.Tokens.Agent = "" })
	rr := e.do(req{method: "GET", path: "/v1/handoff/queue", header: map[string]string{"Authorization": "Bearer "}})
	wantError(t, rr, 401, errs.Unauthorized)
	rr = e.do(req{method: "GET", path: "/v1/handoff/queue", header: map[string]string{"Authorization": "Bearer \"\""}})
	wantError(t, rr, 401, errs.Unauthorized)
}
