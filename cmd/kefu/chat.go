package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/kefu-ai/kefu/data"
	"github.com/kefu-ai/kefu/nlu"
)

// chatCmd is a terminal REPL against the demo shop: it shows what the NLU
// read from each message and the knowledge-base answer the intent leads to.
type chatCmd struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	now            func() time.Time
}

// demoIntent is one row of data/intents.json.
type demoIntent struct {
	Intent string   `json:"intent"`
	Slots  []string `json:"slots"`
	Route  string   `json:"route"`
}

// demoArticle holds the fields of data/kb/articles.jsonl the REPL uses.
type demoArticle struct {
	ID         string     `json:"id"`
	Answer     string     `json:"answer"`
	Intent     string     `json:"intent"`
	Tags       []string   `json:"tags"`
	Locale     string     `json:"locale"`
	Status     string     `json:"status"`
	ValidFrom  *time.Time `json:"valid_from"`
	ValidUntil *time.Time `json:"valid_until"`
}

func (a demoArticle) live(now time.Time) bool {
	return a.Status == "published" && (a.ValidFrom == nil || !now.Before(*a.ValidFrom)) && (a.ValidUntil == nil || now.Before(*a.ValidUntil))
}

func (a demoArticle) primary() bool {
	for _, t := range a.Tags {
		if t == "primary" {
			return true
		}
	}
	return false
}

func (c *chatCmd) Run(ctx context.Context, args []string) error {
	fl := newFlagSet("chat", c.stderr)
	modelDir := fl.String("model", "", "model directory (default: the embedded demo model)")
	if err := parseFlags(fl, args); err != nil {
		return err
	}
	m, err := loadModel(*modelDir)
	if err != nil {
		return err
	}
	routes, articles, orders, err := loadDemoShop()
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "kefu chat: type a customer message (Chinese or English); an empty line or Ctrl-D ends.")
	in := bufio.NewScanner(c.stdin)
	for {
		fmt.Fprint(c.stdout, "> ")
		if !in.Scan() || strings.TrimSpace(in.Text()) == "" {
			fmt.Fprintln(c.stdout)
			return in.Err()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		r := m.Parse(ctx, in.Text())
		fmt.Fprintf(c.stdout, "  intent %s (%.2f)  emotion %s (%.2f)  lang %s\n", r.Intent, r.Confidence, r.Emotion.Label, r.Emotion.Score, r.Lang)
		for _, e := range r.Entities {
			fmt.Fprintf(c.stdout, "  entity %s = %s [%d,%d)\n", e.Type, e.Value, e.Start, e.End)
		}
		fmt.Fprintf(c.stdout, "  kefu: %s\n", c.reply(r, routes, articles, orders))
	}
}

// reply picks the answer the demo shop gives for a parse.
func (c *chatCmd) reply(r nlu.Result, routes map[string]demoIntent, articles []demoArticle, orders map[string]demoOrder) string {
	locale := "zh-CN"
	if r.Lang == "en" {
		locale = "en"
	}
	zh := locale == "zh-CN"
	switch {
	case r.Intent == nlu.OOS:
		if zh {
			return "抱歉，这个问题我暂时回答不了。我可以帮您查订单、退换货、支付和优惠等问题，也可以为您转人工客服。"
		}
		return "Sorry, I can't help with that. I can help with orders, returns, payments and promotions, or connect you to a person."
	case routes[r.Intent].Route == "handoff" || r.Emotion.Label == nlu.EmotionAngry:
		if zh {
			return "[转人工] 正在为您转接人工客服，请稍候。"
		}
		return "[handoff] Connecting you to a person, please wait."
	}
	for _, slot := range routes[r.Intent].Slots {
		if !hasEntity(r, slot) {
			if zh {
				return "[asks_for " + slot + "] 请提供您的订单号（如 DD20241123001）。"
			}
			return "[asks_for " + slot + "] Please give me your order number (e.g. DD20241123001)."
		}
	}
	now := time.Now()
	if c.now != nil {
		now = c.now()
	}
	var best *demoArticle
	for i, a := range articles {
		if a.Intent != r.Intent || a.Locale != locale || !a.live(now) {
			continue
		}
		if best == nil || a.primary() && !best.primary() {
			best = &articles[i]
		}
	}
	if best == nil {
		return "(no article for " + r.Intent + ")"
	}
	return render(best.Answer, r, orders) + "  [" + best.ID + "]"
}

// demoOrder holds the fields of data/orders/orders.json answers can show
// to anyone: shipping status, never names, phones or addresses.
type demoOrder struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	Carrier    string `json:"carrier"`
	TrackingNo string `json:"tracking_no"`
	ETA        string `json:"eta"`
	Events     []struct {
		Description string `json:"description"`
	} `json:"events"`
}

// render fills an answer's placeholders from the order the customer named.
// The template is the editor's; customer text only selects an order and is
// never substituted, so it can never act as template code.
func render(answer string, r nlu.Result, orders map[string]demoOrder) string {
	var o demoOrder
	for _, e := range r.Entities {
		if e.Type == "order_id" {
			if found, ok := orders[e.Value]; ok {
				o = found
			} else {
				o = demoOrder{ID: e.Value, Status: "not found"}
			}
			break
		}
	}
	last := "-"
	if n := len(o.Events); n > 0 {
		last = o.Events[n-1].Description
	}
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	return strings.NewReplacer(
		"{{order_id}}", dash(o.ID), "{{order_status}}", dash(o.Status), "{{carrier}}", dash(o.Carrier),
		"{{tracking_no}}", dash(o.TrackingNo), "{{last_event}}", last, "{{eta}}", dash(o.ETA),
	).Replace(answer)
}

func hasEntity(r nlu.Result, typ string) bool {
	for _, e := range r.Entities {
		if e.Type == typ {
			return true
		}
	}
	return false
}

func loadDemoShop() (map[string]demoIntent, []demoArticle, map[string]demoOrder, error) {
	raw, err := fs.ReadFile(data.FS, "intents.json")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("demo shop: %w", err)
	}
	var intents []demoIntent
	if err := json.Unmarshal(raw, &intents); err != nil {
		return nil, nil, nil, fmt.Errorf("demo shop: intents.json: %w", err)
	}
	raw, err = fs.ReadFile(data.FS, "orders/orders.json")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("demo shop: %w", err)
	}
	var list []demoOrder
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, nil, nil, fmt.Errorf("demo shop: orders.json: %w", err)
	}
	orders := make(map[string]demoOrder, len(list))
	for _, o := range list {
		orders[o.ID] = o
	}
	routes := make(map[string]demoIntent, len(intents))
	for _, it := range intents {
		routes[it.Intent] = it
	}
	f, err := data.FS.Open("kb/articles.jsonl")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("demo shop: %w", err)
	}
	defer f.Close()
	var articles []demoArticle
	err = nlu.ScanLines(f, func(_ int, line []byte) error {
		var a demoArticle
		if err := json.Unmarshal(line, &a); err != nil {
			return err
		}
		articles = append(articles, a)
		return nil
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("demo shop: kb/articles.jsonl: %w", err)
	}
	return routes, articles, orders, nil
}
