package api_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kefu-ai/kefu/api/apitest"
	"github.com/kefu-ai/kefu/dialog"
	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// queueDouble stubs the handoff double with one waiting conversation
// (c-1, 42 s) that one agent at a time can hold.
func queueDouble(e *env) {
	var mu sync.Mutex
	holder := ""
	h := e.f.Handoff
	h.QueueFunc = func(context.Context) ([]dialog.QueueEntry, error) {
		mu.Lock()
		defer mu.Unlock()
		return []dialog.QueueEntry{{ConversationID: "c-1", Priority: 2, Reason: "angry", WaitingSeconds: 42,
			Intent: "refund_status", Emotion: "angry", Summary: "<b>退款</b>", ClaimedBy: holder}}, nil
	}
	h.ClaimFunc = func(_ context.Context, conv, agent string) error {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case conv != "c-1":
			return errs.E(errs.NotFound, "No conversation %s waits.", conv)
		case holder != "" && holder != agent:
			return errs.E(errs.Conflict, "Agent %s holds conversation %s.", holder, conv)
		}
		holder = agent
		return nil
	}
	h.AgentSendFunc = func(_ context.Context, conv, agent, text string) (store.Message, error) {
		return store.Message{ID: "m-7", ConversationID: conv, Role: "agent", AgentID: agent, Text: text}, nil
	}
	h.ReleaseFunc = func(_ context.Context, conv, agent, to, note string) error { return nil }
	h.TransferFunc = func(_ context.Context, conv, agent, skill, note string) error { return nil }
}

func TestHandoff(t *testing.T) {
	tests := []struct {
		name   string
		r      req
		status int
		code   string
		want   string
		calls  string
	}{
		{name: "queue", r: req{method: "GET", path: "/v1/handoff/queue"}, status: 200,
			want: `{"items":[{"conversation_id":"c-1","priority":2,"reason":"angry","waiting_seconds":42,"intent":"refund_status","emotion":"angry","summary":"\u003cb\u003e退款\u003c/b\u003e"}]}`},
		{name: "claim", r: req{method: "POST", path: "/v1/handoff/c-1/claim", body: `{"agent_id":"ag-1"}`}, status: 200,
			want: `{"conversation_id":"c-1","state":"agent","agent_id":"ag-1"}`},
		{name: "claim unknown", r: req{method: "POST", path: "/v1/handoff/c-9/claim", body: `{"agent_id":"ag-1"}`}, status: 404, code: errs.NotFound},
		{name: "claim without agent", r: req{method: "POST", path: "/v1/handoff/c-1/claim", body: `{}`}, status: 400, code: errs.Invalid, calls: "Claim"},
		{name: "claim blank agent", r: req{method: "POST", path: "/v1/handoff/c-1/claim", body: `{"agent_id":"  "}`}, status: 400, code: errs.Invalid, calls: "Claim"},
		{name: "agent message", r: req{method: "POST", path: "/v1/handoff/c-1/messages", body: `{"text":"您好，我来处理","agent_id":"ag-1"}`}, status: 201,
			want: `"role":"agent","agent_id":"ag-1","text":"您好，我来处理"`},
		{name: "agent message without agent id", r: req{method: "POST", path: "/v1/handoff/c-1/messages", body: `{"text":"hello"}`}, status: 201,
			want: `"text":"hello"`},
		{name: "agent message empty", r: req{method: "POST", path: "/v1/handoff/c-1/messages", body: `{"text":"\n"}`}, status: 400, code: errs.Invalid, calls: "AgentSend"},
		{name: "agent message bidi", r: req{method: "POST", path: "/v1/handoff/c-1/messages", body: `{"text":"a\u202db"}`}, status: 400, code: errs.Invalid, calls: "AgentSend"},
		{name: "release to bot", r: req{method: "POST", path: "/v1/handoff/c-1/release", body: `{"to":"bot","note":"已解决"}`}, status: 200,
			want: `{"conversation_id":"c-1","state":"bot"}`},
		{name: "release closed", r: req{method: "POST", path: "/v1/handoff/c-1/release", body: `{"to":"closed"}`}, status: 200,
			want: `{"conversation_id":"c-1","state":"closed"}`},
		{name: "release to agent", r: req{method: "POST", path: "/v1/handoff/c-1/release", body: `{"to":"agent"}`}, status: 400, code: errs.Invalid, calls: "Release"},
		{name: "release without to", r: req{method: "POST", path: "/v1/handoff/c-1/release", body: `{"note":"x"}`}, status: 400, code: errs.Invalid, calls: "Release"},
		{name: "transfer", r: req{method: "POST", path: "/v1/handoff/c-1/transfer", body: `{"skill":"refunds","note":"needs finance"}`}, status: 200,
			want: `{"conversation_id":"c-1","state":"waiting_agent","skill":"refunds"}`},
		{name: "transfer keeping the skill", r: req{method: "POST", path: "/v1/handoff/c-1/transfer", body: `{}`}, status: 200,
			want: `{"conversation_id":"c-1","state":"waiting_agent"}`},
		{name: "transfer note with NUL", r: req{method: "POST", path: "/v1/handoff/c-1/transfer", body: `{"note":"a\u0000"}`}, status: 400, code: errs.Invalid, calls: "Transfer"},
		{name: "queue with bad agent", r: req{method: "GET", path: "/v1/handoff/queue?agent_id=a%0Ab"}, status: 400, code: errs.Invalid, calls: "Queue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			queueDouble(e)
			tt.r.token = agentToken
			rr := e.do(tt.r)
			if tt.status >= 400 {
				wantError(t, rr, tt.status, tt.code)
				if tt.calls != "" && e.f.Handoff.Count(tt.calls) != 0 {
					t.Errorf("%s calls: got %d, want 0 for rejected input", tt.calls, e.f.Handoff.Count(tt.calls))
				}
				return
			}
			wantStatus(t, rr, tt.status)
			if !strings.Contains(rr.Body.String(), tt.want) {
				t.Errorf("body: got %s, want it to contain %s", rr.Body.String(), tt.want)
			}
		})
	}
}

func TestClaimConflict(t *testing.T) {
	e := newEnv(t)
	queueDouble(e)
	wantStatus(t, e.do(req{method: "POST", path: "/v1/handoff/c-1/claim", body: `{"agent_id":"ag-1"}`, token: agentToken}), http.StatusOK)
	wantError(t, e.do(req{method: "POST", path: "/v1/handoff/c-1/claim", body: `{"agent_id":"ag-2"}`, token: agentToken}), http.StatusConflict, errs.Conflict)
	metrics := e.scrape()
	for _, want := range []string{"kefu_queue_wait_seconds_count 1", "kefu_queue_wait_seconds_sum 42", "kefu_queue_length 0"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics: want %q in\n%s", want, metrics)
		}
	}
}

func TestEmptyQueue(t *testing.T) {
	e := newEnv(t)
	e.f.Handoff.QueueFunc = func(context.Context) ([]dialog.QueueEntry, error) { return nil, nil }
	rr := e.do(req{method: "GET", path: "/v1/handoff/queue", token: agentToken})
	wantStatus(t, rr, http.StatusOK)
	if rr.Body.String() != `{"items":[]}` {
		t.Errorf("body: got %s, want {\"items\":[]}", rr.Body.String())
	}
}

func TestTickets(t *testing.T) {
	tests := []struct {
		name   string
		r      req
		status int
		code   string
		want   string
	}{
		{name: "list", r: req{method: "GET", path: "/v1/tickets"}, status: 200, want: `{"items":[{"id":"t-1","conversation_id":"c-1","text":"请回电","status":"open"`},
		{name: "list open", r: req{method: "GET", path: "/v1/tickets?status=open"}, status: 200, want: `"status":"open"`},
		{name: "list bad status", r: req{method: "GET", path: "/v1/tickets?status=lost"}, status: 400, code: errs.Invalid},
		{name: "claim", r: req{method: "POST", path: "/v1/tickets/t-1/claim", body: `{"agent_id":"ag-1"}`}, status: 200, want: `"status":"claimed","agent_id":"ag-1"`},
		{name: "claim taken", r: req{method: "POST", path: "/v1/tickets/t-2/claim", body: `{"agent_id":"ag-1"}`}, status: 409, code: errs.Conflict},
		{name: "claim without agent", r: req{method: "POST", path: "/v1/tickets/t-1/claim", body: `{}`}, status: 400, code: errs.Invalid},
		{name: "resolve without body", r: req{method: "POST", path: "/v1/tickets/t-1/resolve"}, status: 200, want: `"status":"resolved"`},
		{name: "resolve with agent", r: req{method: "POST", path: "/v1/tickets/t-1/resolve", body: `{"agent_id":"ag-1"}`}, status: 200, want: `"agent_id":"ag-1"`},
		{name: "resolve unknown", r: req{method: "POST", path: "/v1/tickets/t-9/resolve", body: `{}`}, status: 404, code: errs.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			h := e.f.Handoff
			h.TicketsFunc = func(_ context.Context, status string) ([]store.Ticket, error) {
				return []store.Ticket{{ID: "t-1", ConversationID: "c-1", Text: "请回电", Status: "open"}}, nil
			}
			h.ClaimTicketFunc = func(_ context.Context, id, agent string) (store.Ticket, error) {
				if id == "t-2" {
					return store.Ticket{}, errs.E(errs.Conflict, "Ticket t-2 is claimed.")
				}
				return store.Ticket{ID: id, Status: "claimed", AgentID: agent}, nil
			}
			h.ResolveTicketFunc = func(_ context.Context, id, agent string) (store.Ticket, error) {
				if id == "t-9" {
					return store.Ticket{}, errs.E(errs.NotFound, "No ticket t-9.")
				}
				return store.Ticket{ID: id, Status: "resolved", AgentID: agent}, nil
			}
			tt.r.token = agentToken
			rr := e.do(tt.r)
			if tt.status >= 400 {
				wantError(t, rr, tt.status, tt.code)
				return
			}
			wantStatus(t, rr, tt.status)
			if !strings.Contains(rr.Body.String(), tt.want) {
				t.Errorf("body: got %s, want it to contain %s", rr.Body.String(), tt.want)
			}
		})
	}
}

func TestIncidents(t *testing.T) {
	e := newEnv(t)
	articles(e)
	var set [][2]string
	var cleared []string
	e.f.Handoff.SetIncidentFunc = func(intent, article string) { set = append(set, [2]string{intent, article}) }
	e.f.Handoff.ClearIncidentFunc = func(intent string) { cleared = append(cleared, intent) }

	rr := e.do(req{method: "PUT", path: "/v1/admin/incidents/order_status", body: `{"article_id":"a-1"}`, token: adminToken})
	wantStatus(t, rr, http.StatusOK)
	if rr.Body.String() != `{"intent":"order_status","article_id":"a-1"}` {
		t.Errorf("body: got %s", rr.Body.String())
	}
	wantError(t, e.do(req{method: "PUT", path: "/v1/admin/incidents/order_status", body: `{"article_id":"nope"}`, token: adminToken}), 404, errs.NotFound)
	wantError(t, e.do(req{method: "PUT", path: "/v1/admin/incidents/no_such_intent", body: `{"article_id":"a-1"}`, token: adminToken}), 404, errs.NotFound)
	wantError(t, e.do(req{method: "PUT", path: "/v1/admin/incidents/order_status", body: `{}`, token: adminToken}), 400, errs.Invalid)
	wantError(t, e.do(req{method: "PUT", path: "/v1/admin/incidents/order_status", body: `{"article_id":"a-1"}`, token: editorToken}), 403, errs.Forbidden)
	wantStatus(t, e.do(req{method: "DELETE", path: "/v1/admin/incidents/order_status", token: adminToken}), http.StatusNoContent)

	if len(set) != 1 || set[0] != [2]string{"order_status", "a-1"} {
		t.Errorf("SetIncident: got %v, want one call (order_status, a-1)", set)
	}
	if len(cleared) != 1 || cleared[0] != "order_status" {
		t.Errorf("ClearIncident: got %v, want [order_status]", cleared)
	}
}

// presenceHandoff is a handoff double that also tracks agents online.
type presenceHandoff struct {
	*apitest.Handoff
	seen []string
}

func (p *presenceHandoff) AgentSeen(agent string) { p.seen = append(p.seen, agent) }

func TestQueueMarksAgentSeen(t *testing.T) {
	h := &presenceHandoff{Handoff: &apitest.Handoff{}}
	h.QueueFunc = func(context.Context) ([]dialog.QueueEntry, error) { return nil, nil }
	e := newEnv(t, func(_ *apiConfig, d *apiDeps) { d.Handoff = h })
	wantStatus(t, e.do(req{method: "GET", path: "/v1/handoff/queue?agent_id=ag-7", token: agentToken}), http.StatusOK)
	wantStatus(t, e.do(req{method: "GET", path: "/v1/handoff/queue", token: agentToken}), http.StatusOK)
	if len(h.seen) != 1 || h.seen[0] != "ag-7" {
		t.Errorf("AgentSeen: got %q, want [ag-7]", h.seen)
	}
}
