package api_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kefu-ai/kefu/api"
	"github.com/kefu-ai/kefu/dialog"
	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/nlu"
	"github.com/kefu-ai/kefu/store"
)

func TestStartConversation(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		status    int
		code      string // error code when status >= 400
		wantStart dialog.Start
	}{
		{name: "no body", status: http.StatusCreated},
		{name: "empty object", body: `{}`, status: http.StatusCreated},
		{name: "all fields", status: http.StatusCreated,
			body:      `{"user_id":"u-1","user_sig":"ABCDEF0123","channel":"web","locale":"zh-CN","profile":{"vip":true,"tier":"gold"},"extra":1}`,
			wantStart: dialog.Start{UserID: "u-1", UserSig: "ABCDEF0123", Channel: "web", Locale: "zh-CN", Profile: &store.Profile{VIP: true, Tier: "gold"}}},
		{name: "invalid JSON", body: `{"user_id":`, status: 400, code: errs.Invalid},
		{name: "not an object", body: `["u-1"]`, status: 400, code: errs.Invalid},
		{name: "signature not hex", body: `{"user_id":"u-1","user_sig":"zz"}`, status: 400, code: errs.Invalid},
		{name: "signature without user", body: `{"user_sig":"abcd"}`, status: 400, code: errs.Invalid},
		{name: "user id with space", body: `{"user_id":"a b"}`, status: 400, code: errs.Invalid},
		{name: "profile not an object", body: `{"profile":"vip"}`, status: 400, code: errs.Invalid},
		{name: "bidi in channel", body: `{"channel":"web\u202e"}`, status: 400, code: errs.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var got dialog.Start
			e.f.Conversations.StartFunc = func(_ context.Context, s dialog.Start) (store.Conversation, error) {
				got = s
				return store.Conversation{ID: "c-1", State: store.StateBot}, nil
			}
			rr := e.do(req{method: http.MethodPost, path: "/v1/conversations", body: tt.body})
			if tt.status >= 400 {
				wantError(t, rr, tt.status, tt.code)
				if n := e.f.Conversations.Count("Start"); n != 0 {
					t.Errorf("Start calls: got %d, want 0 for rejected input", n)
				}
				return
			}
			wantStatus(t, rr, tt.status)
			var body map[string]any
			decode(t, rr, &body)
			if body["id"] != "c-1" || body["state"] != "bot" || len(body) != 2 {
				t.Errorf("body: got %v, want {id: c-1, state: bot}", body)
			}
			if loc := rr.Header().Get("Location"); loc != "/v1/conversations/c-1" {
				t.Errorf("Location: got %q, want /v1/conversations/c-1", loc)
			}
			if got.UserID != tt.wantStart.UserID || got.Channel != tt.wantStart.Channel || got.Locale != tt.wantStart.Locale ||
				got.UserSig != tt.wantStart.UserSig || (got.Profile == nil) != (tt.wantStart.Profile == nil) ||
				got.Profile != nil && *got.Profile != *tt.wantStart.Profile {
				t.Errorf("Start: got %+v, want %+v", got, tt.wantStart)
			}
		})
	}
}

// nested returns a body whose "x" field nests depth-1 arrays inside the
// object (depth levels in all).
func nested(depth int) string {
	return `{"text":"hi","x":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`
}

func TestReceiveMessageValidation(t *testing.T) {
	long := strings.Repeat("好", 2000)
	tests := []struct {
		name     string
		path     string // default /v1/conversations/c-1/messages
		body     string
		status   int
		code     string
		wantText string // what the engine must receive on success (default: none checked)
	}{
		{name: "chinese", body: `{"text":"我的订单DD20241123001到哪了？"}`, status: 200, wantText: "我的订单DD20241123001到哪了？"},
		{name: "english", body: `{"text":"where is my order"}`, status: 200, wantText: "where is my order"},
		{name: "newlines and tabs kept", body: `{"text":"line one\n\tline two"}`, status: 200, wantText: "line one\n\tline two"},
		{name: "unknown fields tolerated", body: `{"text":"hi","extra":{"a":[1,2]},"n":null}`, status: 200, wantText: "hi"},
		{name: "2000 characters", body: `{"text":"` + long + `"}`, status: 200, wantText: long},
		{name: "nested 32 deep", body: nested(32), status: 200, wantText: "hi"},
		{name: "sql injection is data", body: `{"text":"'; DROP TABLE conversations; --"}`, status: 200,
			wantText: "'; DROP TABLE conversations; --"},
		{name: "template injection is data", body: `{"text":"{{.Secret}} ${7*7} <%= 7*7 %> {{7*7}}"}`, status: 200,
			wantText: "{{.Secret}} ${7*7} <%= 7*7 %> {{7*7}}"},
		{name: "script is data", body: `{"text":"<script>alert(1)</script>"}`, status: 200, wantText: "<script>alert(1)</script>"},

		{name: "invalid JSON", body: `{"text":`, status: 400, code: errs.Invalid},
		{name: "invalid JSON token", body: `{"text":hi}`, status: 400, code: errs.Invalid},
		{name: "invalid UTF-8 bytes", body: "{\"text\":\"\xff\xfe\xfd\"}", status: 400, code: errs.Invalid},
		{name: "truncated UTF-8", body: "{\"text\":\"\xe6\x88\"}", status: 400, code: errs.Invalid},
		{name: "empty body", body: "", status: 400, code: errs.Invalid},
		{name: "blank body", body: " \n ", status: 400, code: errs.Invalid},
		{name: "missing text", body: `{}`, status: 400, code: errs.Invalid},
		{name: "empty text", body: `{"text":""}`, status: 400, code: errs.Invalid},
		{name: "whitespace text", body: `{"text":"  \n\t\u3000 "}`, status: 400, code: errs.Invalid},
		{name: "zero-width text", body: `{"text":"\u200b\ufeff"}`, status: 400, code: errs.Invalid},
		{name: "text is a number", body: `{"text":42}`, status: 400, code: errs.Invalid},
		{name: "text is null", body: `{"text":null}`, status: 400, code: errs.Invalid},
		{name: "array body", body: `["hi"]`, status: 400, code: errs.Invalid},
		{name: "string body", body: `"hi"`, status: 400, code: errs.Invalid},
		{name: "null body", body: `null`, status: 400, code: errs.Invalid},
		{name: "two objects", body: `{"text":"a"}{"text":"b"}`, status: 400, code: errs.Invalid},
		{name: "2001 characters", body: `{"text":"` + long + `x"}`, status: 400, code: errs.Invalid},
		{name: "100 KB text", body: `{"text":"` + strings.Repeat("a", 100<<10) + `"}`, status: 413, code: errs.TooLarge},
		{name: "NUL", body: `{"text":"a\u0000b"}`, status: 400, code: errs.Invalid},
		{name: "bell", body: `{"text":"a\u0007b"}`, status: 400, code: errs.Invalid},
		{name: "carriage return", body: `{"text":"a\rb"}`, status: 400, code: errs.Invalid},
		{name: "escape", body: `{"text":"\u001b[31mred"}`, status: 400, code: errs.Invalid},
		{name: "DEL", body: `{"text":"a\u007fb"}`, status: 400, code: errs.Invalid},
		{name: "C1 control", body: `{"text":"a\u0085b"}`, status: 400, code: errs.Invalid},
		{name: "bidi RLO", body: `{"text":"invoice\u202egpj.exe"}`, status: 400, code: errs.Invalid},
		{name: "bidi LRE", body: `{"text":"a\u202ab"}`, status: 400, code: errs.Invalid},
		{name: "bidi isolate", body: `{"text":"a\u2066b\u2069"}`, status: 400, code: errs.Invalid},
		{name: "raw bidi bytes", body: "{\"text\":\"a\u202eb\"}", status: 400, code: errs.Invalid},
		{name: "nested 33 deep", body: nested(33), status: 400, code: errs.Invalid},
		{name: "nested 20000 deep", body: `{"x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, status: 400, code: errs.Invalid},
		{name: "unclosed nesting", body: strings.Repeat(`{"a":`, 10000), status: 400, code: errs.Invalid},
		{name: "id with space", path: "/v1/conversations/a%20b/messages", body: `{"text":"hi"}`, status: 400, code: errs.Invalid},
		{name: "id with NUL", path: "/v1/conversations/a%00b/messages", body: `{"text":"hi"}`, status: 400, code: errs.Invalid},
		{name: "id too long", path: "/v1/conversations/" + strings.Repeat("x", 200) + "/messages", body: `{"text":"hi"}`, status: 400, code: errs.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var got string
			e.f.Conversations.ReceiveFunc = func(_ context.Context, id, text string) (dialog.Turn, error) {
				got = text
				return dialog.Turn{MessageID: "m-1", State: store.StateBot, Reply: &dialog.Reply{
					Text: "You said: " + text, Intent: "order_status", Confidence: 0.9,
					Emotion: nlu.Emotion{Label: nlu.EmotionNeutral, Score: 0.8},
				}}, nil
			}
			path := tt.path
			if path == "" {
				path = "/v1/conversations/c-1/messages"
			}
			rr := e.do(req{method: http.MethodPost, path: path, body: tt.body})
			if tt.status >= 400 {
				wantError(t, rr, tt.status, tt.code)
				if n := e.f.Conversations.Count("Receive"); n != 0 {
					t.Errorf("Receive calls: got %d, want 0: rejected input must not be passed down", n)
				}
				return
			}
			wantStatus(t, rr, tt.status)
			if got != tt.wantText {
				t.Errorf("engine got text %q, want %q", got, tt.wantText)
			}
			if strings.ContainsAny(rr.Body.String(), "<>") {
				t.Errorf("body reflects raw markup: %s", rr.Body.String())
			}
		})
	}
}

func TestReceiveMessageEscapesMarkup(t *testing.T) {
	e := newEnv(t)
	e.f.Conversations.ReceiveFunc = func(_ context.Context, id, text string) (dialog.Turn, error) {
		return dialog.Turn{MessageID: "m-1", State: store.StateBot, Reply: &dialog.Reply{Text: text, Intent: "oos"}}, nil
	}
	rr := e.do(req{method: http.MethodPost, path: "/v1/conversations/c-1/messages", body: `{"text":"<script>alert('x')</script> & <img src=x onerror=alert(1)>"}`})
	wantStatus(t, rr, http.StatusOK)
	body := rr.Body.String()
	if strings.Contains(body, "<script>") || strings.Contains(body, "<img") {
		t.Errorf("body reflects raw markup: %s", body)
	}
	if !strings.Contains(body, `\u003cscript\u003e`) || !strings.Contains(body, `\u0026`) {
		t.Errorf("body: got %s, want <, > and & escaped as \\u003c, \\u003e, \\u0026", body)
	}
	if got := rr.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options: got %q, want nosniff", got)
	}
	if ct := rr.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type: got %q, want application/json; charset=utf-8", ct)
	}
}

func TestReceiveMessageTurn(t *testing.T) {
	tests := []struct {
		name   string
		turn   dialog.Turn
		err    error
		status int
		code   string
		want   string // a fragment of the body
	}{
		{name: "bot reply", status: 200,
			turn: dialog.Turn{MessageID: "m-1", State: "bot", Reply: &dialog.Reply{Text: "在路上", Intent: "order_status", Confidence: 0.93,
				Emotion: nlu.Emotion{Label: "neutral", Score: 0.7}, ArticleID: "a-1", AsksFor: "order_id", Suggestions: []string{"退货"}}},
			want: `"reply":{"text":"在路上","intent":"order_status","confidence":0.93,"emotion":{"label":"neutral","score":0.7},"article_id":"a-1","asks_for":"order_id","suggestions":["退货"]}`},
		{name: "agent holds it: reply null", status: 200,
			turn: dialog.Turn{MessageID: "m-2", State: "agent"}, want: `{"message_id":"m-2","state":"agent","reply":null}`},
		{name: "handoff", status: 200,
			turn: dialog.Turn{MessageID: "m-3", State: "waiting_agent", Handoff: &dialog.HandoffInfo{Reason: "angry", Priority: 2, QueuePosition: 3}},
			want: `"handoff":{"reason":"angry","priority":2,"queue_position":3}`},
		{name: "no such conversation", err: errs.E(errs.NotFound, "No conversation c-1."), status: 404, code: errs.NotFound},
		{name: "closed conversation", err: errs.E(errs.Conflict, "The conversation is closed."), status: 409, code: errs.Conflict},
		{name: "engine down", err: errs.E(errs.Unavailable, "The store is unavailable."), status: 503, code: errs.Unavailable},
		{name: "deadline", err: context.DeadlineExceeded, status: 503, code: errs.Unavailable},
		{name: "internal errs message hidden", err: errs.E(errs.Internal, "sqlite: database is locked"), status: 500, code: errs.Internal},
		{name: "unknown code", err: errs.E("exploded", "sqlite: database is locked"), status: 500, code: errs.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.f.Conversations.ReceiveFunc = func(context.Context, string, string) (dialog.Turn, error) { return tt.turn, tt.err }
			rr := e.do(req{method: http.MethodPost, path: "/v1/conversations/c-1/messages", body: `{"text":"hi"}`})
			if tt.status >= 400 {
				wantError(t, rr, tt.status, tt.code)
				if tt.status == 500 && strings.Contains(rr.Body.String(), "sqlite") {
					t.Errorf("body leaks the internal error: %s", rr.Body.String())
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

func TestInternalErrorIsGeneric(t *testing.T) {
	e := newEnv(t)
	e.f.Conversations.ReceiveFunc = func(context.Context, string, string) (dialog.Turn, error) {
		return dialog.Turn{}, errSecret
	}
	rr := e.do(req{method: http.MethodPost, path: "/v1/conversations/c-1/messages", body: `{"text":"hi"}`,
		header: map[string]string{"X-Request-ID": "req-internal-1"}})
	wantError(t, rr, http.StatusInternalServerError, errs.Internal)
	if strings.Contains(rr.Body.String(), "sqlite") {
		t.Errorf("body leaks the internal error: %s", rr.Body.String())
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "req-internal-1") || !strings.Contains(logs, "sqlite: disk I/O error") {
		t.Errorf("logs: got %s, want the internal error under request id req-internal-1", logs)
	}
	if strings.Contains(logs, "13812345678") {
		t.Errorf("logs leak a phone number: %s", logs)
	}
}

type secretError struct{}

func (secretError) Error() string { return "sqlite: disk I/O error for 13812345678" }

var errSecret error = secretError{}

func TestTranscript(t *testing.T) {
	e := newEnv(t)
	e.f.Conversations.TranscriptFunc = func(_ context.Context, id string) (dialog.Transcript, error) {
		if id != "c-1" {
			return dialog.Transcript{}, errs.E(errs.NotFound, "No conversation %s.", id)
		}
		return dialog.Transcript{Conversation: store.Conversation{ID: "c-1", State: "bot"}}, nil
	}
	rr := e.do(req{method: http.MethodGet, path: "/v1/conversations/c-1"})
	wantStatus(t, rr, http.StatusOK)
	var got map[string]any
	decode(t, rr, &got)
	if got["id"] != "c-1" || got["state"] != "bot" {
		t.Errorf("transcript: got %v, want id c-1, state bot", got)
	}
	if msgs, ok := got["messages"].([]any); !ok || len(msgs) != 0 {
		t.Errorf("messages: got %v, want []", got["messages"])
	}
	if tr, ok := got["transitions"].([]any); !ok || len(tr) != 0 {
		t.Errorf("transitions: got %v, want []", got["transitions"])
	}
	wantError(t, e.do(req{method: http.MethodGet, path: "/v1/conversations/nope"}), http.StatusNotFound, errs.NotFound)
}

func TestFeedback(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{name: "helpful", body: `{"message_id":"m-1","helpful":true}`, status: 204},
		{name: "not helpful", body: `{"message_id":"m-1","helpful":false}`, status: 204},
		{name: "missing helpful", body: `{"message_id":"m-1"}`, status: 400, code: errs.Invalid},
		{name: "helpful as string", body: `{"message_id":"m-1","helpful":"yes"}`, status: 400, code: errs.Invalid},
		{name: "missing message", body: `{"helpful":true}`, status: 400, code: errs.Invalid},
		{name: "unknown message", body: `{"message_id":"m-404","helpful":true}`, status: 404, code: errs.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var gotHelpful *bool
			e.f.Conversations.FeedbackFunc = func(_ context.Context, conv, msg string, helpful bool) error {
				if msg == "m-404" {
					return errs.E(errs.NotFound, "No message %s.", msg)
				}
				gotHelpful = &helpful
				return nil
			}
			rr := e.do(req{method: http.MethodPost, path: "/v1/conversations/c-1/feedback", body: tt.body})
			if tt.status >= 400 {
				wantError(t, rr, tt.status, tt.code)
				return
			}
			wantStatus(t, rr, tt.status)
			if rr.Body.Len() != 0 {
				t.Errorf("204 body: got %q, want none", rr.Body.String())
			}
			if gotHelpful == nil || *gotHelpful != strings.Contains(tt.body, "true") {
				t.Errorf("helpful: got %v, want as sent in %s", gotHelpful, tt.body)
			}
		})
	}
}

func TestLeaveMessage(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{name: "with contact", body: `{"text":"请回电","contact":"13812345678"}`, status: 201},
		{name: "without contact", body: `{"text":"please call back"}`, status: 201},
		{name: "empty text", body: `{"text":"  "}`, status: 400, code: errs.Invalid},
		{name: "contact with newline", body: `{"text":"hi","contact":"a\nb"}`, status: 400, code: errs.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.f.Conversations.LeaveMessageFunc = func(_ context.Context, conv, text, contact string) (store.Ticket, error) {
				return store.Ticket{ID: "t-1", ConversationID: conv, Text: text, Contact: contact, Status: "open"}, nil
			}
			rr := e.do(req{method: http.MethodPost, path: "/v1/conversations/c-1/leave-message", body: tt.body})
			if tt.status >= 400 {
				wantError(t, rr, tt.status, tt.code)
				if n := e.f.Conversations.Count("LeaveMessage"); n != 0 {
					t.Errorf("LeaveMessage calls: got %d, want 0", n)
				}
				return
			}
			wantStatus(t, rr, tt.status)
			var got store.Ticket
			decode(t, rr, &got)
			if got.ID != "t-1" || got.ConversationID != "c-1" || got.Status != "open" {
				t.Errorf("ticket: got %+v, want t-1 of c-1, open", got)
			}
			if loc := rr.Header().Get("Location"); loc != "/v1/tickets/t-1" {
				t.Errorf("Location: got %q, want /v1/tickets/t-1", loc)
			}
		})
	}
}

func TestEventsFrames(t *testing.T) {
	e := newEnv(t)
	var cancelled sync.WaitGroup
	cancelled.Add(1)
	e.f.Conversations.SubscribeFunc = func(_ context.Context, id string) (<-chan dialog.Event, func(), error) {
		if id != "c-1" {
			return nil, nil, errs.E(errs.NotFound, "No conversation %s.", id)
		}
		ch := make(chan dialog.Event, 3)
		ch <- dialog.Event{Type: dialog.EventQueuePosition, Data: dialog.QueuePosition{Position: 2, ExpectedWaitSec: 60}}
		ch <- dialog.Event{Type: dialog.EventMessage, Data: store.Message{ID: "m-9", Role: "agent", Text: "<b>您好</b>\n有什么可以帮您"}}
		ch <- dialog.Event{Type: "evil\ntype", Data: map[string]int{"n": 1}}
		close(ch)
		return ch, cancelled.Done, nil
	}
	rr := e.do(req{method: http.MethodGet, path: "/v1/conversations/c-1/events"})
	wantStatus(t, rr, http.StatusOK)
	if ct := rr.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Errorf("Content-Type: got %q, want text/event-stream", ct)
	}
	cancelled.Wait() // the handler released the subscription
	want := []string{
		"event: queue_position\ndata: {\"position\":2,\"expected_wait_seconds\":60,\"offer_leave_message\":false}\n\n",
		"event: message\ndata: {\"id\":\"m-9\",",
		`"text":"\u003cb\u003e您好\u003c/b\u003e\n有什么可以帮您"`,
		"event: eviltype\ndata: {\"n\":1}\n\n",
	}
	body := rr.Body.String()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("stream: got %q, want it to contain %q", body, w)
		}
	}
	var data int
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "data: ") {
			data++
		}
	}
	if data != 3 {
		t.Errorf("data lines: got %d, want 3; stream: %q", data, body)
	}
	wantError(t, e.do(req{method: http.MethodGet, path: "/v1/conversations/nope/events"}), http.StatusNotFound, errs.NotFound)
}

func TestEventsHeartbeatAndClientGone(t *testing.T) {
	e := newEnv(t, func(c *api.Config, _ *api.Deps) { c.Heartbeat = 10 * time.Millisecond })
	subCtx := make(chan context.Context, 1)
	released := make(chan struct{})
	e.f.Conversations.SubscribeFunc = func(ctx context.Context, id string) (<-chan dialog.Event, func(), error) {
		subCtx <- ctx
		var once sync.Once
		return make(chan dialog.Event), func() { once.Do(func() { close(released) }) }, nil
	}
	ts := newHTTPServer(t, e)
	ctx, cancel := context.WithCancel(context.Background())
	r, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/v1/conversations/c-1/events", nil)
	resp, err := ts.Client().Do(r)
	if err != nil {
		t.Fatalf("GET events: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status: got %d, want 200", resp.StatusCode)
	}
	buf := make([]byte, 0, 256)
	tmp := make([]byte, 64)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(string(buf), ": heartbeat\n\n") {
		if time.Now().After(deadline) {
			t.Fatalf("no heartbeat within 5 s; stream so far: %q", buf)
		}
		n, err := resp.Body.Read(tmp)
		buf = append(buf, tmp[:n]...)
		if err != nil {
			t.Fatalf("reading stream: %v; so far %q", err, buf)
		}
	}
	cancel()
	select {
	case <-released:
	case <-time.After(5 * time.Second):
		t.Fatal("the handler did not release the subscription after the client left")
	}
	<-subCtx
}
