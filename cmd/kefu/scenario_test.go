package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kefu-ai/kefu/dialog"
)

// step is one customer message and what must come back.
type step struct {
	text       string
	state      string // "" = bot
	intent     string // reply intent, "" = not checked
	asksFor    string
	handoff    string // handoff reason, "" = none
	contains   string // reply text contains
	notContain string // reply text must not contain
}

// TestScenariosOverHTTP drives multi-turn scripts in Chinese and English
// through the real server and the demo model.
func TestScenariosOverHTTP(t *testing.T) {
	url := startServer(t, t.TempDir(), "KEFU_AUTH_SHOP_SECRET=shop-secret")
	tests := []struct {
		name  string
		start map[string]any
		steps []step
	}{
		{"slot: bare id answers the original question", nil, []step{
			{text: "我的快递到哪了", intent: "order_status", asksFor: "order_id"},
			{text: "DD20241123011", intent: "order_status", contains: "DD20241123011"},
		}},
		{"slot: topic switch instead of the id", nil, []step{
			{text: "我的订单到哪了", intent: "order_status", asksFor: "order_id"},
			{text: "算了，怎么开发票", intent: "invoice"},
		}},
		{"elliptical follow-up", nil, []step{
			{text: "怎么退货", intent: "return_request"},
			{text: "那运费谁出", intent: "return_shipping_fee"},
		}},
		{"explicit handoff in English", nil, []step{
			{text: "i want to talk to a person", state: "waiting_agent", handoff: dialog.ReasonExplicit},
		}},
		{"repeated fallback offers a person", nil, []step{
			{text: "今天天气咋样", intent: "oos"},
			{text: "给我讲个笑话吧", state: "waiting_agent", handoff: dialog.ReasonMisses},
		}},
		{"another customer's order is refused", map[string]any{"user_id": "u1001", "user_sig": dialog.SignUser("shop-secret", "u1001")}, []step{
			{text: "查一下DD20241123011到哪了", intent: "order_status", notContain: "SF"},
		}},
		{"emotional handoff", nil, []step{
			{text: "你们这些骗子!!!再不退钱我就打12315投诉你们", state: "waiting_agent", handoff: dialog.ReasonAngry},
		}},
		{"own order seen in full", map[string]any{"user_id": "u1003", "user_sig": dialog.SignUser("shop-secret", "u1003")}, []step{
			{text: "查一下DD20241123011到哪了", intent: "order_status", contains: "SF1429015563308"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.start
			if body == nil {
				body = map[string]any{}
			}
			code, conv := call(t, "POST", url+"/v1/conversations", "", body)
			if code != 201 {
				t.Fatalf("create = %d %v", code, conv)
			}
			id := conv["id"].(string)
			for i, s := range tt.steps {
				code, turn := call(t, "POST", url+"/v1/conversations/"+id+"/messages", "", map[string]any{"text": s.text})
				if code != 200 {
					t.Fatalf("step %d %q = %d %v", i, s.text, code, turn)
				}
				want := s.state
				if want == "" {
					want = "bot"
				}
				if turn["state"] != want {
					t.Errorf("step %d %q: state %v, want %s (%v)", i, s.text, turn["state"], want, turn)
				}
				reply, _ := turn["reply"].(map[string]any)
				if s.intent != "" && (reply == nil || reply["intent"] != s.intent) {
					t.Errorf("step %d %q: reply %v, want intent %s", i, s.text, reply, s.intent)
				}
				if s.asksFor != "" && (reply == nil || reply["asks_for"] != s.asksFor) {
					t.Errorf("step %d %q: reply %v, want asks_for %s", i, s.text, reply, s.asksFor)
				}
				text, _ := reply["text"].(string)
				if s.contains != "" && !strings.Contains(text, s.contains) {
					t.Errorf("step %d %q: reply %q lacks %q", i, s.text, text, s.contains)
				}
				if s.notContain != "" && strings.Contains(text, s.notContain) {
					t.Errorf("step %d %q: reply %q must not contain %q", i, s.text, text, s.notContain)
				}
				h, _ := turn["handoff"].(map[string]any)
				if s.handoff != "" && (h == nil || h["reason"] != s.handoff) {
					t.Errorf("step %d %q: handoff %v, want reason %s", i, s.text, h, s.handoff)
				}
			}
		})
	}
}

// TestAgentReplyOverSSE: the agent's message reaches the customer's event
// stream; closing the conversation and writing again starts a fresh turn
// with the bot.
func TestAgentReplyOverSSE(t *testing.T) {
	url := startServer(t, t.TempDir())
	_, conv := call(t, "POST", url+"/v1/conversations", "", map[string]any{})
	id := conv["id"].(string)
	if _, turn := call(t, "POST", url+"/v1/conversations/"+id+"/messages", "", map[string]any{"text": "转人工"}); turn["state"] != "waiting_agent" {
		t.Fatalf("handoff turn = %v", turn)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/v1/conversations/"+id+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("events content type %q", ct)
	}
	if code, _ := call(t, "POST", url+"/v1/handoff/"+id+"/claim", "agent-t", map[string]any{"agent_id": "a1"}); code != 200 {
		t.Fatalf("claim = %d", code)
	}
	if code, _ := call(t, "POST", url+"/v1/handoff/"+id+"/messages", "agent-t", map[string]any{"text": "您好，我是客服小王", "agent_id": "a1"}); code != 201 {
		t.Fatalf("agent message = %d", code)
	}
	sc := bufio.NewScanner(resp.Body)
	found := false
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "data:") && strings.Contains(line, "客服小王") {
			found = true
			break
		}
	}
	if !found {
		t.Fatal("the agent's message never reached the event stream")
	}
	if code, _ := call(t, "POST", url+"/v1/handoff/"+id+"/release", "agent-t", map[string]any{"to": "closed", "agent_id": "a1"}); code != 200 {
		t.Fatalf("close = %d", code)
	}
	if _, turn := call(t, "POST", url+"/v1/conversations/"+id+"/messages", "", map[string]any{"text": "还有个问题，发票怎么开"}); turn["state"] != "bot" || turn["reply"] == nil {
		t.Errorf("after closed, a new turn with the bot: %v", turn)
	}
}

// TestFailingOrderSystem: with the shop's order system down, the customer
// gets a holding answer, never an error.
func TestFailingOrderSystem(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	url := startServer(t, t.TempDir(), "KEFU_ORDERS_URL="+down.URL, "KEFU_ORDERS_TIMEOUT=200ms")
	_, conv := call(t, "POST", url+"/v1/conversations", "", map[string]any{})
	id := conv["id"].(string)
	code, turn := call(t, "POST", url+"/v1/conversations/"+id+"/messages", "", map[string]any{"text": "DD20241123011到哪了"})
	if code != 200 {
		t.Fatalf("turn = %d %v, want 200 with a holding answer", code, turn)
	}
	reply, _ := turn["reply"].(map[string]any)
	if reply == nil || reply["text"] == "" {
		t.Fatalf("no holding answer: %v", turn)
	}
	if strings.Contains(reply["text"].(string), "SF") {
		t.Errorf("a down order system cannot have given tracking data: %v", reply["text"])
	}
}

// TestUnansweredReachEditors: a question the bot could not answer shows up
// in the editors' unanswered list, grouped with its rewordings.
func TestUnansweredReachEditors(t *testing.T) {
	url := startServer(t, t.TempDir())
	for _, q := range []string{"你们店里卖的盆栽多久浇一次水", "你们店里卖的盆栽多久浇一次水？？"} {
		code, conv := call(t, "POST", url+"/v1/conversations", "", map[string]any{})
		if code != 201 {
			t.Fatalf("create = %d %v", code, conv)
		}
		if code, turn := call(t, "POST", url+"/v1/conversations/"+conv["id"].(string)+"/messages", "", map[string]any{"text": q}); code != 200 {
			t.Fatalf("message = %d %v", code, turn)
		}
	}
	code, list := call(t, "GET", url+"/v1/kb/unanswered", "editor-t", nil)
	if code != 200 {
		t.Fatalf("unanswered = %d %v", code, list)
	}
	items, _ := list["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("unanswered items %v, want the one question grouped", list)
	}
	raw, _ := json.Marshal(items[0])
	if !strings.Contains(string(raw), "盆栽") || !strings.Contains(string(raw), `"count":2`) {
		t.Errorf("unanswered item %s, want the question counted twice", raw)
	}
}
