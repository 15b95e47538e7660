package dialog_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kefu-ai/kefu/dialog"
	"github.com/kefu-ai/kefu/dialog/dialogtest"
	"github.com/kefu-ai/kefu/dialog/orders"
	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

func TestSlotFilling(t *testing.T) {
	tests := []struct {
		name       string
		turns      []string
		wantIntent string // of the last reply
		wantAsks   string // of the last reply
		wantText   []string
		wantNot    []string
		wantHow    string
	}{
		{
			name:       "bare id answers the original question",
			turns:      []string{"我的快递到哪了", "DD20241123010"},
			wantIntent: "order_status", wantText: []string{"DD20241123010", "已发货", "中通快递"}, wantHow: "slot_fill",
		},
		{
			name:       "id in chatter answers the original question",
			turns:      []string{"我的快递到哪了", "单号是DD20241123010哦"},
			wantIntent: "order_status", wantText: []string{"DD20241123010", "已发货"}, wantHow: "slot_fill",
		},
		{
			name:       "English id in a sentence",
			turns:      []string{"where is my order?", "it's dd20241123010"},
			wantIntent: "order_status", wantText: []string{"DD20241123010", "shipped"}, wantHow: "slot_fill",
		},
		{
			name:       "customer switches topic instead and the bot follows",
			turns:      []string{"我的快递到哪了", "那运费谁出?"},
			wantIntent: "return_shipping_fee", wantNot: []string{"订单号"}, wantHow: "parse",
		},
		{
			name:       "asked once: no id again is not asked again",
			turns:      []string{"我的快递到哪了", "我不记得了"},
			wantIntent: "order_status", wantText: []string{"没有订单号"}, wantHow: "slot_miss",
		},
		{
			name:       "unknown id is reported and asked for",
			turns:      []string{"我的快递到哪了", "DD20991231999"},
			wantIntent: "order_status", wantText: []string{"没有找到订单 DD20991231999"},
		},
		{
			name:       "order id remembered for a later order question",
			turns:      []string{"我的快递到哪了", "DD20241123010", "我要取消订单"},
			wantIntent: "cancel_order", wantText: []string{"DD20241123010", "已发货"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			conv := h.start("", false, false)
			first := h.say(conv, tt.turns[0])
			if first.Reply == nil || first.Reply.AsksFor != "order_id" {
				t.Fatalf("first turn %q: reply %+v, want asks_for order_id", tt.turns[0], first.Reply)
			}
			var turn dialog.Turn
			for _, text := range tt.turns[1:] {
				turn = h.say(conv, text)
			}
			r := turn.Reply
			if r == nil {
				t.Fatalf("no reply")
			}
			if r.Intent != tt.wantIntent || r.AsksFor != tt.wantAsks && tt.wantAsks != "" {
				t.Errorf("reply intent %q asks_for %q, want %q %q (text %q)", r.Intent, r.AsksFor, tt.wantIntent, tt.wantAsks, r.Text)
			}
			if !containsAll(r.Text, tt.wantText...) {
				t.Errorf("reply %q lacks %q", r.Text, tt.wantText)
			}
			for _, not := range tt.wantNot {
				if strings.Contains(r.Text, not) {
					t.Errorf("reply %q contains %q", r.Text, not)
				}
			}
			if tt.wantHow != "" {
				msgs, _ := h.store.Messages(h.ctx, conv, 0, 0)
				cust := msgs[len(msgs)-2]
				if !strings.Contains(string(cust.Meta), `"context":"`+tt.wantHow+`"`) {
					t.Errorf("customer message meta %s, want context %q", cust.Meta, tt.wantHow)
				}
			}
		})
	}
}

func TestEllipticalFollowUps(t *testing.T) {
	tests := []struct {
		name  string
		turns []string
		want  []string // intent acted on, per turn
	}{
		{"zh return, postage, refund time", []string{"怎么退货?", "那运费谁出?", "要多久到账?"},
			[]string{"return_request", "return_shipping_fee", "refund_status"}},
		{"en exchange then the blue one", []string{"can I exchange it for a bigger size?", "and for the blue one?"},
			[]string{"exchange_request", "exchange_request"}},
		{"marker alone carries", []string{"那运费谁出?", "还有呢"},
			[]string{"return_shipping_fee", "return_shipping_fee"}},
		{"out of scope is not carried", []string{"怎么退货?", "那今天天气怎么样呢?"},
			[]string{"return_request", "oos"}},
		{"no context without a previous intent", []string{"要多久到账?"},
			[]string{"warranty_repair"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			conv := h.start("", false, false)
			for i, text := range tt.turns {
				turn := h.say(conv, text)
				if turn.Reply == nil || turn.Reply.Intent != tt.want[i] {
					t.Errorf("turn %d %q: reply %+v, want intent %s", i, text, turn.Reply, tt.want[i])
				}
			}
		})
	}
}

func TestExplicitHandoff(t *testing.T) {
	tests := []struct {
		text    string
		handoff bool
	}{
		{"转人工", true},
		{"我要人工客服！", true},
		{"can I talk to a person please", true},
		{"不要转人工，我自己看看", false},
		{"你好", false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			h := newHarness(t)
			conv := h.start("", false, false)
			turn := h.say(conv, tt.text)
			if got := turn.State == store.StateWaitingAgent; got != tt.handoff {
				t.Fatalf("state %s, handoff %v, want %v (reply %q)", turn.State, got, tt.handoff, replyText(turn))
			}
			if !tt.handoff {
				return
			}
			if turn.Handoff == nil || turn.Handoff.Reason != dialog.ReasonExplicit || turn.Handoff.QueuePosition != 1 {
				t.Errorf("handoff %+v, want reason %s at position 1", turn.Handoff, dialog.ReasonExplicit)
			}
			if turn.Reply == nil || turn.Reply.Intent != "human_agent" {
				t.Errorf("reply %+v, want intent human_agent", turn.Reply)
			}
			trs, _ := h.store.Transitions(h.ctx, conv)
			last := trs[len(trs)-1]
			if last.From != store.StateBot || last.To != store.StateWaitingAgent || last.Reason != dialog.ReasonExplicit || last.At.IsZero() {
				t.Errorf("transition %+v", last)
			}
			if m := h.lastBotMeta(conv); m["decision"] != "handoff" || m["reason"] != dialog.ReasonExplicit {
				t.Errorf("meta %v", m)
			}
			// Waiting: the bot stays quiet, the customer learns the position.
			w := h.say(conv, "还要等多久")
			if w.Reply != nil || w.State != store.StateWaitingAgent || w.Handoff == nil || w.Handoff.QueuePosition != 1 {
				t.Errorf("waiting turn %+v reply %q", w, replyText(w))
			}
		})
	}
}

func TestEmotionalHandoff(t *testing.T) {
	tests := []struct {
		name   string
		turns  []string
		reason string // "" = no handoff
	}{
		{"angry", []string{"你们气死我了"}, dialog.ReasonAngry},
		{"strongly anxious", []string{"我好着急啊"}, dialog.ReasonAnxious},
		{"mildly anxious stays", []string{"有点担心付款"}, ""},
		{"rising negativity", []string{"有点担心付款", "付款怎么回事", "付款太慢了"}, dialog.ReasonNegativity},
		{"negativity that falls back stays", []string{"付款怎么回事", "有点担心付款", "付款怎么回事"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			conv := h.start("", false, false)
			var turn dialog.Turn
			for _, text := range tt.turns {
				turn = h.say(conv, text)
			}
			if tt.reason == "" {
				if turn.State != store.StateBot {
					t.Fatalf("state %s, want bot (handoff %+v)", turn.State, turn.Handoff)
				}
				return
			}
			if turn.State != store.StateWaitingAgent || turn.Handoff == nil || turn.Handoff.Reason != tt.reason {
				t.Fatalf("state %s handoff %+v, want reason %s", turn.State, turn.Handoff, tt.reason)
			}
		})
	}
}

func TestRepeatedFallbackHandsOff(t *testing.T) {
	tests := []struct {
		name      string
		first     string
		second    string
		wantFirst string
	}{
		{"zh", "今天天气怎么样", "xyzzy 咕噜咕噜", "抱歉"},
		{"en", "what's the weather like?", "tell me a joke", "Sorry"},
		{"clarify then fallback", "退", "今天天气怎么样", "请问您是想了解"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			conv := h.start("", false, false)
			first := h.say(conv, tt.first)
			if first.State != store.StateBot || first.Reply == nil || !strings.Contains(first.Reply.Text, tt.wantFirst) {
				t.Fatalf("first turn: state %s reply %q, want a %q reply from the bot", first.State, replyText(first), tt.wantFirst)
			}
			second := h.say(conv, tt.second)
			if second.State != store.StateWaitingAgent || second.Handoff == nil || second.Handoff.Reason != dialog.ReasonMisses {
				t.Fatalf("second turn: state %s handoff %+v, want %s", second.State, second.Handoff, dialog.ReasonMisses)
			}
		})
	}
}

func TestFallbackSpeaksTheCustomersLanguage(t *testing.T) {
	h := newHarness(t)
	conv := h.start("", false, false)
	en := h.say(conv, "what's the weather like?")
	if !strings.Contains(en.Reply.Text, "talk to a person") {
		t.Errorf("English fallback %q", en.Reply.Text)
	}
	conv = h.start("", false, false)
	zh := h.say(conv, "今天天气怎么样")
	if !strings.Contains(zh.Reply.Text, "转人工") {
		t.Errorf("Chinese fallback %q", zh.Reply.Text)
	}
	if m := h.lastBotMeta(conv); m["decision"] != "fallback" || m["reason"] != "out_of_scope" {
		t.Errorf("meta %v", m)
	}
}

func TestClarifyAndPick(t *testing.T) {
	h := newHarness(t)
	conv := h.start("", false, false)
	turn := h.say(conv, "退")
	if turn.Reply == nil || len(turn.Reply.Suggestions) != 2 {
		t.Fatalf("reply %+v, want two suggestions", turn.Reply)
	}
	if turn.Reply.Suggestions[0] != "退货政策" || turn.Reply.Suggestions[1] != "申请退货" {
		t.Errorf("suggestions %q", turn.Reply.Suggestions)
	}
	picked := h.say(conv, "1")
	if picked.Reply == nil || picked.Reply.Intent != "return_policy" || picked.Reply.ArticleID == "" {
		t.Fatalf("picked %+v", picked.Reply)
	}
}

func TestRouteAndProfileHandoffs(t *testing.T) {
	tests := []struct {
		name   string
		user   string
		signed bool
		vip    bool
		turns  []string
		reason string
	}{
		{"intent routed to people", "", false, false, []string{"显示签收了没收到"}, dialog.ReasonRoute},
		{"verified VIP", "u1002", true, true, []string{"你好"}, dialog.ReasonVIP},
		{"unsigned VIP profile is not trusted", "u1002", false, true, []string{"你好"}, ""},
		{"high-value order of its verified owner", "u1001", true, false, []string{"我的快递到哪了", "DD20241123009"}, dialog.ReasonHighValue},
		{"ordinary order", "u1002", true, false, []string{"我的快递到哪了", "DD20241123010"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			conv := h.start(tt.user, tt.signed, tt.vip)
			var turn dialog.Turn
			for _, text := range tt.turns {
				turn = h.say(conv, text)
			}
			got := ""
			if turn.Handoff != nil {
				got = turn.Handoff.Reason
			}
			if got != tt.reason {
				t.Fatalf("handoff reason %q, want %q (state %s, reply %q)", got, tt.reason, turn.State, replyText(turn))
			}
			if tt.reason == dialog.ReasonHighValue && !strings.Contains(turn.Reply.Text, "SF1428830917264") {
				t.Errorf("high-value handoff should still answer: %q", turn.Reply.Text)
			}
		})
	}
}

func TestHandoffConfigSwitchesTriggersOff(t *testing.T) {
	h := newHarness(t, withConfig(func(c *dialog.Config) {
		c.Handoff.Explicit, c.Handoff.AngryScore, c.Handoff.Route, c.Handoff.MaxMisses = false, 0, false, 0
	}))
	conv := h.start("", false, false)
	for _, text := range []string{"转人工", "你们气死我了", "显示签收了没收到", "今天天气怎么样", "今天天气怎么样", "今天天气怎么样"} {
		if turn := h.say(conv, text); turn.State != store.StateBot {
			t.Fatalf("%q handed off (%+v) with the trigger off", text, turn.Handoff)
		}
	}
}

func TestOrderPrivacy(t *testing.T) {
	tests := []struct {
		name    string
		user    string
		signed  bool
		order   string
		want    []string
		wantNot []string
		access  string
	}{
		{
			name: "anonymous sees shipping status only", order: "DD20241123016",
			want:    []string{"DD20241123016", "已签收", "顺丰速运", "SF14*******2873"},
			wantNot: []string{"王建国", "13700137003", "望京", "阜通东大街", "SF1427004412873", "1299"},
			access:  "status",
		},
		{
			name: "unsigned user id is anonymous", user: "u1003", order: "DD20241123016",
			want: []string{"已签收"}, wantNot: []string{"望京", "SF1427004412873"}, access: "status",
		},
		{
			name: "verified owner sees the whole tracking", user: "u1003", signed: true, order: "DD20241123016",
			want: []string{"SF1427004412873", "丰巢柜"}, access: "owner",
		},
		{
			name: "another customer's order is refused", user: "u1001", signed: true, order: "DD20241123010",
			want:    []string{"不在您当前登录的账号下"},
			wantNot: []string{"已发货", "中通", "ZT77", "李思雨", "上海"},
			access:  "refused",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			conv := h.start(tt.user, tt.signed, false)
			h.say(conv, "我的快递到哪了")
			turn := h.say(conv, tt.order)
			text := replyText(turn)
			if !containsAll(text, tt.want...) {
				t.Errorf("reply %q lacks %q", text, tt.want)
			}
			for _, not := range tt.wantNot {
				if strings.Contains(text, not) {
					t.Errorf("reply %q leaks %q", text, not)
				}
			}
			if m := h.lastBotMeta(conv); m["order_access"] != tt.access {
				t.Errorf("order_access %v, want %s", m["order_access"], tt.access)
			}
		})
	}
}

func TestFailingOrderSystemGivesHoldingAnswer(t *testing.T) {
	failing := &dialogtest.Orders{OrderFunc: func(context.Context, string) (dialog.Order, error) {
		return dialog.Order{}, errs.E(errs.Unavailable, "shop down")
	}}
	h := newHarness(t, withOrders(failing))
	conv := h.start("", false, false)
	h.say(conv, "我的快递到哪了")
	turn, err := h.eng.Receive(h.ctx, conv, "DD20241123010")
	if err != nil {
		t.Fatalf("Receive: %v, want a holding answer", err)
	}
	if turn.Reply == nil || !strings.Contains(turn.Reply.Text, "订单系统暂时繁忙") || turn.State != store.StateBot {
		t.Fatalf("turn %+v reply %q", turn, replyText(turn))
	}
	if m := h.lastBotMeta(conv); m["reason"] != "orders_unavailable" {
		t.Errorf("meta %v", m)
	}
	// A panicking-free nil connector is wired as NopOrders.
	h2 := newHarness(t, withOrders(nil))
	conv = h2.start("", false, false)
	h2.say(conv, "我的快递到哪了")
	if turn := h2.say(conv, "DD20241123010"); !strings.Contains(replyText(turn), "订单系统暂时繁忙") {
		t.Errorf("no connector: %q", replyText(turn))
	}
}

func TestIncidentOverridesAnswers(t *testing.T) {
	h := newHarness(t)
	h.eng.SetIncident("order_status", "kb-incident-payment")
	conv := h.start("", false, false)
	turn := h.say(conv, "我的快递到哪了")
	if turn.Reply == nil || turn.Reply.ArticleID != "kb-incident-payment" || turn.Reply.AsksFor != "" {
		t.Fatalf("under incident: %+v", turn.Reply)
	}
	if m := h.lastBotMeta(conv); m["incident"] != true {
		t.Errorf("meta %v", m)
	}
	h.eng.ClearIncident("order_status")
	if turn := h.say(conv, "我的快递到哪了"); turn.Reply.AsksFor != "order_id" {
		t.Errorf("after incident: %+v", turn.Reply)
	}
}

func TestClaimRace(t *testing.T) {
	h := newHarness(t)
	conv := h.handoff()
	const n = 50
	var wg sync.WaitGroup
	results := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = h.eng.Claim(h.ctx, conv, fmt.Sprintf("agent-%d", i))
		}()
	}
	wg.Wait()
	wins, conflicts := 0, 0
	for _, err := range results {
		switch {
		case err == nil:
			wins++
		case errs.Is(err, errs.Conflict):
			conflicts++
		default:
			t.Errorf("claim: %v", err)
		}
	}
	if wins != 1 || conflicts != n-1 {
		t.Fatalf("%d wins, %d conflicts; want 1 and %d", wins, conflicts, n-1)
	}
	c := h.conv(conv)
	if c.State != store.StateAgent || c.AgentID == "" {
		t.Fatalf("conversation %s held by %q", c.State, c.AgentID)
	}
	if err := h.eng.Claim(h.ctx, conv, c.AgentID); err != nil {
		t.Errorf("the holder claiming again: %v", err)
	}
}

func TestAgentCapacity(t *testing.T) {
	h := newHarness(t, withConfig(func(c *dialog.Config) { c.Queue.AgentCapacity = 2 }))
	convs := []string{h.handoff(), h.handoff(), h.handoff()}
	for i, conv := range convs {
		err := h.eng.Claim(h.ctx, conv, "alice")
		if want := i == 2; errs.Is(err, errs.Conflict) != want {
			t.Fatalf("claim %d: %v, want conflict %v", i, err, want)
		}
	}
	if err := h.eng.Release(h.ctx, convs[0], "alice", "closed", ""); err != nil {
		t.Fatal(err)
	}
	if err := h.eng.Claim(h.ctx, convs[2], "alice"); err != nil {
		t.Fatalf("after a release: %v", err)
	}
}

func TestAgentMessageReachesSubscriber(t *testing.T) {
	h := newHarness(t)
	conv := h.handoff()
	events, unsubscribe, err := h.eng.Subscribe(h.ctx, conv)
	if err != nil {
		t.Fatal(err)
	}
	defer unsubscribe()
	if err := h.eng.Claim(h.ctx, conv, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.AgentSend(h.ctx, conv, "bob", "hi"); !errs.Is(err, errs.Conflict) {
		t.Errorf("another agent sending: %v, want conflict", err)
	}
	sent, err := h.eng.AgentSend(h.ctx, conv, "alice", "您好，我是客服小李")
	if err != nil {
		t.Fatal(err)
	}
	timeout := time.After(2 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.Type != dialog.EventMessage {
				continue
			}
			m := ev.Data.(store.Message)
			if m.Role == store.RoleAgent {
				if m.ID != sent.ID || m.Text != "您好，我是客服小李" || m.AgentID != "alice" {
					t.Fatalf("event message %+v", m)
				}
				return
			}
		case <-timeout:
			t.Fatal("agent message never reached the subscriber")
		}
	}
}

func TestBotStaysQuietWhileAgentHolds(t *testing.T) {
	h := newHarness(t)
	conv := h.handoff()
	if err := h.eng.Claim(h.ctx, conv, "alice"); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"我的快递到哪了", "转人工", "今天天气怎么样"} {
		turn := h.say(conv, text)
		if turn.Reply != nil || turn.State != store.StateAgent {
			t.Fatalf("%q while an agent holds: %+v", text, turn)
		}
	}
}

func TestReleaseBackToBot(t *testing.T) {
	h := newHarness(t)
	conv := h.handoff()
	if err := h.eng.Claim(h.ctx, conv, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := h.eng.Release(h.ctx, conv, "bob", "bot", ""); !errs.Is(err, errs.Conflict) {
		t.Errorf("release by another agent: %v", err)
	}
	if err := h.eng.Release(h.ctx, conv, "alice", "nowhere", ""); !errs.Is(err, errs.Invalid) {
		t.Errorf("release to nowhere: %v", err)
	}
	if err := h.eng.Release(h.ctx, conv, "alice", "bot", "solved"); err != nil {
		t.Fatal(err)
	}
	turn := h.say(conv, "怎么退货?")
	if turn.State != store.StateBot || turn.Reply == nil || turn.Reply.Intent != "return_request" {
		t.Fatalf("after release: %+v", turn)
	}
	items, _ := h.eng.Queue(h.ctx)
	if len(items) != 0 {
		t.Errorf("queue after release: %+v", items)
	}
	trs, _ := h.store.Transitions(h.ctx, conv)
	want := []string{"->bot started", "bot->waiting_agent explicit_request", "waiting_agent->agent claimed", "agent->bot released_to_bot: solved"}
	var got []string
	for _, tr := range trs {
		got = append(got, tr.From+"->"+tr.To+" "+tr.Reason)
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("transitions\n got %q\nwant %q", got, want)
	}
}

func TestClosedReturnsToBotNotAgent(t *testing.T) {
	h := newHarness(t)
	conv := h.handoff()
	if err := h.eng.Claim(h.ctx, conv, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := h.eng.Release(h.ctx, conv, "alice", "closed", ""); err != nil {
		t.Fatal(err)
	}
	if c := h.conv(conv); c.State != store.StateClosed || c.AgentID != "" {
		t.Fatalf("closed conversation %+v", c)
	}
	turn := h.say(conv, "你好")
	if turn.State != store.StateBot || turn.Reply == nil || turn.Reply.Intent != "greeting" {
		t.Fatalf("message after closed: %+v", turn)
	}
	if c := h.conv(conv); c.AgentID != "" {
		t.Errorf("agent %q still attached", c.AgentID)
	}
	trs, _ := h.store.Transitions(h.ctx, conv)
	last := trs[len(trs)-1]
	if last.From != store.StateClosed || last.To != store.StateBot || last.Reason != "customer_returned" {
		t.Errorf("last transition %+v", last)
	}
}

func TestTransferAndLeaveMessage(t *testing.T) {
	h := newHarness(t)
	conv := h.handoff()
	if err := h.eng.Claim(h.ctx, conv, "alice"); err != nil {
		t.Fatal(err)
	}
	before, _ := h.store.QueueItem(h.ctx, conv)
	if err := h.eng.Transfer(h.ctx, conv, "alice", "payment", "needs refunds team"); err != nil {
		t.Fatal(err)
	}
	after, _ := h.store.QueueItem(h.ctx, conv)
	if after.ClaimedBy != "" || after.Skill != "payment" || after.Priority <= before.Priority || h.conv(conv).State != store.StateWaitingAgent {
		t.Fatalf("after transfer: %+v", after)
	}
	tk, err := h.eng.LeaveMessage(h.ctx, conv, "请给我回电话", "13800000000")
	if err != nil {
		t.Fatal(err)
	}
	if tk.Status != dialog.TicketOpen || tk.ConversationID != conv {
		t.Errorf("ticket %+v", tk)
	}
	if c := h.conv(conv); c.State != store.StateBot {
		t.Errorf("state after leaving a message %s", c.State)
	}
	if items, _ := h.eng.Queue(h.ctx); len(items) != 0 {
		t.Errorf("queue %+v", items)
	}
	open, _ := h.eng.Tickets(h.ctx, dialog.TicketOpen)
	if len(open) != 1 {
		t.Fatalf("open tickets %+v", open)
	}
	if _, err := h.eng.ClaimTicket(h.ctx, tk.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.ResolveTicket(h.ctx, tk.ID, "carol"); !errs.Is(err, errs.Conflict) {
		t.Errorf("resolve by another agent: %v", err)
	}
	if r, err := h.eng.ResolveTicket(h.ctx, tk.ID, "bob"); err != nil || r.Status != dialog.TicketResolved {
		t.Errorf("resolve: %+v %v", r, err)
	}
	if _, err := h.eng.Tickets(h.ctx, "bogus"); !errs.Is(err, errs.Invalid) {
		t.Errorf("bogus status: %v", err)
	}
}

func TestQueueOrderAndAging(t *testing.T) {
	h := newHarness(t)
	h.eng.AgentSeen("alice")
	old := h.handoff() // explicit request: base 20
	h.clock.Advance(10 * time.Second)
	angry := h.start("", false, false)
	h.say(angry, "你们气死我了") // angry: 40 + 19
	q, _ := h.eng.Queue(h.ctx)
	if len(q) != 2 || q[0].ConversationID != angry {
		t.Fatalf("queue %+v, want the angry customer first", q)
	}
	if q[0].Reason != dialog.ReasonAngry || q[0].Emotion != "angry" || !strings.Contains(q[0].Summary, "reason: angry") ||
		!strings.Contains(q[0].Summary, "你们气死我了") {
		t.Errorf("entry %+v", q[0])
	}
	// Half an hour on, the old request has aged past a new angry one.
	h.clock.Advance(30 * time.Minute)
	newer := h.start("", false, false)
	h.say(newer, "你们气死我了")
	q, _ = h.eng.Queue(h.ctx)
	if q[0].ConversationID != angry || q[1].ConversationID != old || q[2].ConversationID != newer {
		t.Fatalf("queue after aging %+v", q)
	}
	if q[1].WaitingSeconds != 1810 || q[1].Priority != 20+1810/30 {
		t.Errorf("aged entry %+v", q[1])
	}
	// Claimed items come after the waiting ones.
	if err := h.eng.Claim(h.ctx, old, "alice"); err != nil {
		t.Fatal(err)
	}
	q, _ = h.eng.Queue(h.ctx)
	if q[len(q)-1].ConversationID != old || q[len(q)-1].ClaimedBy != "alice" {
		t.Errorf("claimed item not last: %+v", q)
	}
}

func TestQueuePositionEvents(t *testing.T) {
	h := newHarness(t)
	first := h.handoff()
	h.clock.Advance(time.Second)
	conv := h.start("", false, false)
	events, unsubscribe, err := h.eng.Subscribe(h.ctx, conv)
	if err != nil {
		t.Fatal(err)
	}
	defer unsubscribe()
	turn := h.say(conv, "转人工")
	if turn.Handoff.QueuePosition != 2 || !strings.Contains(turn.Reply.Text, "暂无客服在线") {
		t.Fatalf("handoff %+v reply %q", turn.Handoff, turn.Reply.Text)
	}
	pos := waitPosition(t, events)
	if pos.Position != 2 || !pos.OfferMessage || pos.ExpectedWaitSec <= 0 {
		t.Errorf("position %+v", pos)
	}
	h.eng.AgentSeen("alice")
	if err := h.eng.Claim(h.ctx, first, "alice"); err != nil {
		t.Fatal(err)
	}
	pos = waitPosition(t, events)
	if pos.Position != 1 || pos.OfferMessage {
		t.Errorf("after the first was claimed: %+v", pos)
	}
	h.clock.Advance(3 * time.Minute)
	if turn := h.say(conv, "还要等多久"); turn.Handoff == nil || turn.Handoff.QueuePosition != 1 {
		t.Errorf("waiting turn %+v", turn)
	}
	if pos := waitPosition(t, events); !pos.OfferMessage {
		t.Errorf("after 3 minutes: %+v, want the leave-a-message offer", pos)
	}
}

func waitPosition(t *testing.T, events <-chan dialog.Event) dialog.QueuePosition {
	t.Helper()
	timeout := time.After(2 * time.Second)
	for {
		select {
		case ev := <-events:
			if p, ok := ev.Data.(dialog.QueuePosition); ok {
				return p
			}
		case <-timeout:
			t.Fatal("no queue position event")
		}
	}
}

func TestConcurrentReceiveKeepsOrder(t *testing.T) {
	h := newHarness(t)
	conv := h.start("", false, false)
	texts := []string{"怎么退货?", "那运费谁出?", "你好", "can I exchange it?", "我要取消订单", "hello"}
	const rounds = 5
	var wg sync.WaitGroup
	for r := range rounds {
		for i, text := range texts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := h.eng.Receive(h.ctx, conv, fmt.Sprintf("%s #%d-%d", text, r, i)); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	msgs, _ := h.store.Messages(h.ctx, conv, 0, 0)
	if len(msgs) != 2*rounds*len(texts) {
		t.Fatalf("%d messages, want %d", len(msgs), 2*rounds*len(texts))
	}
	for i, m := range msgs {
		want := store.RoleCustomer
		if i%2 == 1 {
			want = store.RoleBot
		}
		if m.Seq != int64(i+1) || m.Role != want {
			t.Fatalf("message %d: seq %d role %s, want seq %d role %s", i, m.Seq, m.Role, i+1, want)
		}
	}
}

func TestReceiveValidation(t *testing.T) {
	h := newHarness(t)
	conv := h.start("", false, false)
	tests := []struct {
		name, conv, text, code string
	}{
		{"empty", conv, "", errs.Invalid},
		{"blank", conv, " \n\t", errs.Invalid},
		{"too long", conv, strings.Repeat("退", 2001), errs.Invalid},
		{"invalid UTF-8", conv, "\xe6\x88", errs.Invalid},
		{"unknown conversation", "c_nope", "你好", errs.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := h.eng.Receive(h.ctx, tt.conv, tt.text); errs.Code(err) != tt.code {
				t.Errorf("error %v, want %s", err, tt.code)
			}
		})
	}
	if _, err := h.eng.Receive(h.ctx, conv, strings.Repeat("退", 2000)); err != nil {
		t.Errorf("2000 characters: %v", err)
	}
	msgs, _ := h.store.Messages(h.ctx, conv, 0, 0)
	if len(msgs) != 2 {
		t.Errorf("bad input was stored: %d messages", len(msgs))
	}
}

func TestStartVerifiesSignature(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name         string
		start        dialog.Start
		verified     bool
		vip          bool
		wantErrCode  string
		wantLocaleIn string
	}{
		{name: "signed", start: dialog.Start{UserID: "u1001", UserSig: dialog.SignUser(secret, "u1001"), Profile: &store.Profile{VIP: true}}, verified: true, vip: true},
		{name: "upper-case hex", start: dialog.Start{UserID: "u1001", UserSig: strings.ToUpper(dialog.SignUser(secret, "u1001"))}, verified: true},
		{name: "signature of another user", start: dialog.Start{UserID: "u1001", UserSig: dialog.SignUser(secret, "u1002"), Profile: &store.Profile{VIP: true}}},
		{name: "wrong secret", start: dialog.Start{UserID: "u1001", UserSig: dialog.SignUser("other", "u1001")}},
		{name: "not hex", start: dialog.Start{UserID: "u1001", UserSig: "zz"}},
		{name: "unsigned", start: dialog.Start{UserID: "u1001", Profile: &store.Profile{VIP: true}}},
		{name: "anonymous", start: dialog.Start{}},
		{name: "invalid UTF-8", start: dialog.Start{UserID: "\xff"}, wantErrCode: errs.Invalid},
		{name: "long channel", start: dialog.Start{Channel: strings.Repeat("x", 100)}, wantErrCode: errs.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := h.eng.Start(h.ctx, tt.start)
			if errs.Code(err) != tt.wantErrCode {
				t.Fatalf("error %v, want %q", err, tt.wantErrCode)
			}
			if err != nil {
				return
			}
			if c.Verified != tt.verified || c.Profile.VIP != tt.vip || c.State != store.StateBot {
				t.Errorf("conversation %+v, want verified %v vip %v", c, tt.verified, tt.vip)
			}
		})
	}
	if dialog.VerifyUser("", "u1", dialog.SignUser("", "u1")) {
		t.Error("an empty secret verified a user")
	}
}

func TestTranscriptAndFeedback(t *testing.T) {
	h := newHarness(t)
	conv := h.start("", false, false)
	turn := h.say(conv, "怎么退货?")
	tr, err := h.eng.Transcript(h.ctx, conv)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Messages) != 2 || tr.Messages[0].ID != turn.MessageID || len(tr.Transitions) != 1 || tr.ID != conv {
		t.Fatalf("transcript %+v", tr)
	}
	if _, err := h.eng.Transcript(h.ctx, "c_nope"); !errs.Is(err, errs.NotFound) {
		t.Errorf("unknown transcript: %v", err)
	}
	bot := tr.Messages[1]
	if err := h.eng.Feedback(h.ctx, conv, bot.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := h.eng.Feedback(h.ctx, conv, turn.MessageID, true); !errs.Is(err, errs.Invalid) {
		t.Errorf("feedback on the customer's message: %v", err)
	}
	if err := h.eng.Feedback(h.ctx, conv, "m_nope", false); !errs.Is(err, errs.NotFound) {
		t.Errorf("feedback on an unknown message: %v", err)
	}
	if fb := h.store.Feedbacks(); len(fb) != 1 || !fb[0].Helpful || fb[0].MessageID != bot.ID {
		t.Errorf("feedback %+v", fb)
	}
}

func TestSubscribeLifecycle(t *testing.T) {
	h := newHarness(t, withConfig(func(c *dialog.Config) { c.SubscriberBuffer = 2 }))
	conv := h.start("", false, false)
	if _, _, err := h.eng.Subscribe(h.ctx, "c_nope"); !errs.Is(err, errs.NotFound) {
		t.Errorf("unknown conversation: %v", err)
	}
	// A subscriber that never reads does not block the engine and keeps
	// the newest events.
	slow, unsubscribeSlow, err := h.eng.Subscribe(h.ctx, conv)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		h.say(conv, fmt.Sprintf("你好 %d", i))
	}
	var got []string
	for range 2 {
		ev := <-slow
		got = append(got, ev.Data.(store.Message).Text)
	}
	if len(got) != 2 || got[1] == "" || h.conv(conv).State != store.StateBot {
		t.Errorf("slow subscriber got %q", got)
	}
	unsubscribeSlow()
	unsubscribeSlow() // twice is fine
	if _, open := <-slow; open {
		t.Error("channel open after unsubscribe")
	}
	// Cancelling the context ends the subscription.
	ctx, cancel := context.WithCancel(context.Background())
	events, unsubscribe, err := h.eng.Subscribe(ctx, conv)
	if err != nil {
		t.Fatal(err)
	}
	defer unsubscribe()
	cancel()
	select {
	case _, open := <-events:
		if open {
			t.Error("event after cancel")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("channel not closed after the context ended")
	}
}

func TestStats(t *testing.T) {
	h := newHarness(t)
	conv := h.start("", false, false)
	h.say(conv, "怎么退货?")
	h.say(conv, "今天天气怎么样")
	h.say(conv, "转人工")
	h.say(conv, "在吗")
	other := h.start("", false, false)
	h.say(other, "你好")
	s := h.eng.Stats()
	want := map[string]int64{"ask": 1, "fallback": 1, "handoff": 1, "to_agent": 1, "answer": 1, "clarify": 0}
	for d, n := range want {
		if s.Turns[d] != n {
			t.Errorf("turns[%s] = %d, want %d (%v)", d, s.Turns[d], n, s.Turns)
		}
	}
	if s.Conversations != 2 || s.Handoffs[dialog.ReasonExplicit] != 1 || s.Handoffs[dialog.ReasonAngry] != 0 || s.Contained != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	st := dialogtest.NewStore()
	nlu := &dialogtest.NLU{}
	cfg := dialog.DefaultConfig()
	cfg.LowConfidence = 0.9
	if _, err := dialog.New(cfg, dialog.Deps{NLU: nlu, Store: st}); err == nil {
		t.Error("low_confidence above answer_confidence accepted")
	}
	cfg = dialog.DefaultConfig()
	cfg.Intents = []dialog.IntentSpec{{Intent: "a", Route: "somewhere"}}
	if _, err := dialog.New(cfg, dialog.Deps{NLU: nlu, Store: st}); err == nil {
		t.Error("unknown route accepted")
	}
	if _, err := dialog.New(dialog.DefaultConfig(), dialog.Deps{Store: st}); err == nil {
		t.Error("missing NLU accepted")
	}
	if _, err := dialog.New(dialog.DefaultConfig(), dialog.Deps{NLU: nlu, Store: st}); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

func TestStoreFailureIsAnError(t *testing.T) {
	h := newHarness(t)
	conv := h.start("", false, false)
	boom := errors.New("disk on fire")
	h.store.Fail = func(method string) error {
		// A turn writes through SaveTurn (or AppendMessage on a handoff).
		if method == "AppendMessage" || method == "SaveTurn" {
			return boom
		}
		return nil
	}
	if _, err := h.eng.Receive(h.ctx, conv, "你好"); !errors.Is(err, boom) {
		t.Errorf("error %v, want the store's", err)
	}
}

func TestEmptyAgentIDMeansTheHolder(t *testing.T) {
	h := newHarness(t)
	conv := h.handoff()
	if _, err := h.eng.AgentSend(h.ctx, conv, "", "hi"); !errs.Is(err, errs.Conflict) {
		t.Errorf("send before anyone holds it: %v", err)
	}
	if err := h.eng.Claim(h.ctx, conv, "alice"); err != nil {
		t.Fatal(err)
	}
	m, err := h.eng.AgentSend(h.ctx, conv, "", "您好")
	if err != nil || m.AgentID != "alice" || m.Role != store.RoleAgent {
		t.Fatalf("send as the holder: %+v %v", m, err)
	}
	if err := h.eng.Release(h.ctx, conv, "", "bot", ""); err != nil {
		t.Fatal(err)
	}
	trs, _ := h.store.Transitions(h.ctx, conv)
	if last := trs[len(trs)-1]; last.Actor != "alice" || last.To != store.StateBot {
		t.Errorf("release transition %+v", last)
	}
}

func TestHTTPOrderSystemDownGivesHoldingAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	cfg := orders.DefaultHTTPConfig(srv.URL)
	cfg.Backoff = time.Millisecond
	shop, err := orders.NewHTTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, withOrders(shop))
	conv := h.start("u1002", true, false)
	h.say(conv, "where is my order?")
	turn, err := h.eng.Receive(h.ctx, conv, "DD20241123010")
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if turn.Reply == nil || !strings.Contains(turn.Reply.Text, "order system is busy") {
		t.Fatalf("reply %q", replyText(turn))
	}
}

func TestSubscribersLeakNoGoroutines(t *testing.T) {
	h := newHarness(t)
	conv := h.start("", false, false)
	before := runtime.NumGoroutine()
	for range 100 {
		ctx, cancel := context.WithCancel(context.Background())
		_, unsubscribe, err := h.eng.Subscribe(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		h.say(conv, "你好")
		unsubscribe()
		cancel()
	}
	for i := 0; i < 50 && runtime.NumGoroutine() > before; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines before, %d after 100 subscriptions", before, after)
	}
}

// recorder is an UnansweredRecorder that remembers what it was told.
type recorder struct {
	mu   sync.Mutex
	got  []string
	fail error
}

func (r *recorder) RecordUnanswered(_ context.Context, text, locale string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, locale+" "+text)
	return r.fail
}

// TestUnansweredQuestionsRecorded: the questions the bot fell back on reach
// the editors' list; answered ones, clarifications and handoffs do not, and
// a failing recorder never fails the customer's turn.
func TestUnansweredQuestionsRecorded(t *testing.T) {
	rec := &recorder{}
	h := newHarness(t, func(_ *dialog.Config, d *dialog.Deps) { d.Unanswered = rec })
	conv := h.start("", false, false)
	for _, q := range []string{"今天天气怎么样", "怎么退货?", "退", "转人工"} {
		h.say(conv, q)
	}
	if want := []string{"zh-CN 今天天气怎么样"}; !slices.Equal(rec.got, want) {
		t.Errorf("recorded %q, want %q", rec.got, want)
	}
	rec.fail = errors.New("disk full")
	other := h.start("", false, false)
	if tr := h.say(other, "what is the weather like"); tr.Reply == nil || tr.Reply.Text == "" {
		t.Errorf("turn with a failing recorder: %+v", tr)
	}
	if len(rec.got) != 2 || rec.got[1] != "en what is the weather like" {
		t.Errorf("recorded %q, want the English question second", rec.got)
	}
}
