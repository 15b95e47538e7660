package dialog_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kefu-ai/kefu/data"
	"github.com/kefu-ai/kefu/dialog"
	"github.com/kefu-ai/kefu/dialog/dialogtest"
	"github.com/kefu-ai/kefu/dialog/orders"
	"github.com/kefu-ai/kefu/nlu"
	"github.com/kefu-ai/kefu/store"
)

const secret = "test-shop-secret"

// keywordRules read the test conversations; they imitate the trained
// model's behaviour on the same texts (weak, spread parses for elliptical
// follow-ups) without depending on it.
var keywordRules = []dialogtest.Rule{
	{Keywords: []string{"转人工", "人工客服"}, Intent: "human_agent", Confidence: 0.99},
	{Keywords: []string{"不记得"}, Intent: "account_login", Confidence: 0.24, Ranking: []nlu.Ranked{
		{Intent: "account_login", Confidence: 0.24}, {Intent: "account_security", Confidence: 0.18}, {Intent: "damaged_item", Confidence: 0.11}}},
	{Keywords: []string{"签收了没收到", "显示签收"}, Intent: "delivery_not_received", Confidence: 0.95},
	{Keywords: []string{"运费"}, Intent: "return_shipping_fee", Confidence: 0.97},
	{Keywords: []string{"怎么退货", "return an item"}, Intent: "return_request", Confidence: 0.95},
	{Keywords: []string{"到账"}, Intent: "warranty_repair", Confidence: 0.26, Ranking: []nlu.Ranked{
		{Intent: "warranty_repair", Confidence: 0.26}, {Intent: "product_info", Confidence: 0.26}, {Intent: "refund_status", Confidence: 0.15},
		{Intent: nlu.OOS, Confidence: 0.1}, {Intent: "size_guide", Confidence: 0.05}}},
	{Keywords: []string{"blue one"}, Intent: "exchange_request", Confidence: 0.27, Ranking: []nlu.Ranked{
		{Intent: "exchange_request", Confidence: 0.27}, {Intent: "damaged_item", Confidence: 0.2}, {Intent: "product_availability", Confidence: 0.14}}},
	{Keywords: []string{"exchange", "换"}, Intent: "exchange_request", Confidence: 0.97},
	{Keywords: []string{"快递到哪", "where is my order", "查物流"}, Intent: "order_status", Confidence: 0.97},
	{Keywords: []string{"取消"}, Intent: "cancel_order", Confidence: 0.95},
	{Keywords: []string{"天气", "weather"}, Intent: nlu.OOS, Confidence: 0.98},
	{Keywords: []string{"你好", "hello"}, Intent: "greeting", Confidence: 0.98},
	{Keywords: []string{"退"}, Intent: "return_policy", Confidence: 0.46, Ranking: []nlu.Ranked{
		{Intent: "return_policy", Confidence: 0.46}, {Intent: "return_request", Confidence: 0.4}, {Intent: nlu.OOS, Confidence: 0.1}}},
	{Keywords: []string{"怎么回事", "太慢", "有点担心", "气死", "着急", "付款"}, Intent: "payment_failed", Confidence: 0.9},
}

var emotionRules = []dialogtest.EmotionRule{
	{Keywords: []string{"气死"}, Label: nlu.EmotionAngry, Score: 0.97},
	{Keywords: []string{"着急"}, Label: nlu.EmotionAnxious, Score: 0.97},
	{Keywords: []string{"有点担心"}, Label: nlu.EmotionAnxious, Score: 0.5},
	{Keywords: []string{"怎么回事"}, Label: nlu.EmotionAngry, Score: 0.55},
	{Keywords: []string{"太慢"}, Label: nlu.EmotionAngry, Score: 0.7},
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type harness struct {
	t       *testing.T
	eng     *dialog.Engine
	store   *dialogtest.Store
	answers *dialogtest.Answers
	clock   *clock
	ctx     context.Context
}

type option func(*dialog.Config, *dialog.Deps)

func withOrders(o dialog.OrderConnector) option {
	return func(_ *dialog.Config, d *dialog.Deps) { d.Orders = o }
}

func withNLU(u dialog.Understander) option {
	return func(_ *dialog.Config, d *dialog.Deps) { d.NLU = u }
}

func withConfig(f func(*dialog.Config)) option {
	return func(c *dialog.Config, _ *dialog.Deps) { f(c) }
}

func demoIntents(t testing.TB) []dialog.IntentSpec {
	t.Helper()
	raw, err := fs.ReadFile(data.FS, "intents.json")
	if err != nil {
		t.Fatal(err)
	}
	var specs []dialog.IntentSpec
	if err := json.Unmarshal(raw, &specs); err != nil {
		t.Fatal(err)
	}
	return specs
}

func demoBook(t testing.TB) *orders.Book {
	t.Helper()
	raw, err := fs.ReadFile(data.FS, "orders/orders.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := orders.NewBook(raw)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newHarness(t *testing.T, opts ...option) *harness {
	t.Helper()
	cfg := dialog.DefaultConfig()
	cfg.ShopSecret = secret
	cfg.Intents = demoIntents(t)
	answers, err := dialogtest.DemoAnswers()
	if err != nil {
		t.Fatal(err)
	}
	answers.ByIntent["incident_payment"] = dialog.Answer{ArticleID: "kb-incident-payment", Text: "支付系统正在抢修，预计30分钟内恢复，已扣款的订单不会重复扣款。"}
	st := dialogtest.NewStore()
	clk := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	deps := dialog.Deps{
		NLU:     &dialogtest.NLU{Rules: keywordRules, Emotions: emotionRules},
		Answers: answers,
		Orders:  demoBook(t),
		Store:   st,
		Now:     clk.Now,
	}
	for _, o := range opts {
		o(&cfg, &deps)
	}
	eng, err := dialog.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, eng: eng, store: st, answers: answers, clock: clk, ctx: context.Background()}
}

// start opens a conversation; userID "" is anonymous, signed decides
// whether the id carries a valid signature.
func (h *harness) start(userID string, signed, vip bool) string {
	h.t.Helper()
	s := dialog.Start{UserID: userID, Channel: "web"}
	if signed {
		s.UserSig = dialog.SignUser(secret, userID)
	}
	if vip {
		s.Profile = &store.Profile{VIP: true, Tier: "gold"}
	}
	c, err := h.eng.Start(h.ctx, s)
	if err != nil {
		h.t.Fatal(err)
	}
	return c.ID
}

func (h *harness) say(conv, text string) dialog.Turn {
	h.t.Helper()
	turn, err := h.eng.Receive(h.ctx, conv, text)
	if err != nil {
		h.t.Fatalf("Receive(%q): %v", text, err)
	}
	return turn
}

func (h *harness) conv(id string) store.Conversation {
	h.t.Helper()
	c, err := h.store.Conversation(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// lastBotMeta decodes the Meta of the conversation's last bot message.
func (h *harness) lastBotMeta(conv string) map[string]any {
	h.t.Helper()
	msgs, err := h.store.Messages(h.ctx, conv, 0, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == store.RoleBot {
			var m map[string]any
			if err := json.Unmarshal(msgs[i].Meta, &m); err != nil {
				h.t.Fatalf("meta %q: %v", msgs[i].Meta, err)
			}
			return m
		}
	}
	h.t.Fatal("no bot message")
	return nil
}

// handoff brings a conversation to waiting_agent with an explicit request.
func (h *harness) handoff() string {
	h.t.Helper()
	conv := h.start("", false, false)
	if turn := h.say(conv, "转人工"); turn.State != store.StateWaitingAgent {
		h.t.Fatalf("state after 转人工 = %s, want waiting_agent", turn.State)
	}
	return conv
}

func replyText(t dialog.Turn) string {
	if t.Reply == nil {
		return "<nil>"
	}
	return t.Reply.Text
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
