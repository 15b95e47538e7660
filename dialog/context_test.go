package dialog

import (
	"testing"
	"time"

	"github.com/kefu-ai/kefu/nlu"
	"github.com/kefu-ai/kefu/nlu/entity"
)

func TestStripFollowUp(t *testing.T) {
	tests := []struct {
		text, rest string
		marker     bool
	}{
		{"那运费谁出?", "运费谁出", true},
		{"还有呢", "", true},
		{"那个呢？", "", true},
		{"分期呢?", "分期", true},
		{"and for the blue one?", "for the blue one", true},
		{"What about PayPal?", "paypal", true},
		{"and?", "", true},
		{"anything else?", "anything", false},
		{"android phones", "android phones", false},
		{"怎么退货?", "怎么退货", false},
		{"要多久到账?", "要多久到账", false},
	}
	for _, tt := range tests {
		rest, marker := stripFollowUp(tt.text)
		if rest != tt.rest || marker != tt.marker {
			t.Errorf("stripFollowUp(%q) = %q, %v; want %q, %v", tt.text, rest, marker, tt.rest, tt.marker)
		}
	}
}

func TestBareOrderID(t *testing.T) {
	ex := entity.New()
	tests := []struct {
		text string
		bare bool
	}{
		{"DD20241123001", true},
		{"单号是DD20241123001哦", true},
		{"订单号：DD20241123001", true},
		{"it's DD20241123001", true},
		{"my order number is dd20241123001.", true},
		{"DD20241123001 怎么取消", false},
		{"what is the status of DD20241123001", false},
	}
	for _, tt := range tests {
		r := nlu.Result{Entities: ex.Extract(tt.text)}
		if got := bareOrderID(tt.text, r); got != tt.bare {
			t.Errorf("bareOrderID(%q) = %v, want %v (entities %+v)", tt.text, got, tt.bare, r.Entities)
		}
	}
}

func TestCarryOver(t *testing.T) {
	cfg := DefaultConfig()
	e := &Engine{cfg: cfg, topics: DefaultTopics()}
	last := recentIntent{Intent: "exchange_request", Confidence: 0.97}
	rank := func(pairs ...any) nlu.Result {
		var r nlu.Result
		for i := 0; i < len(pairs); i += 2 {
			r.Ranking = append(r.Ranking, nlu.Ranked{Intent: pairs[i].(string), Confidence: pairs[i+1].(float64)})
		}
		r.Intent, r.Confidence = r.Ranking[0].Intent, r.Ranking[0].Confidence
		return r
	}
	tests := []struct {
		name   string
		text   string
		parse  nlu.Result
		ok     bool
		intent string
		how    string
	}{
		{"weak marker, previous intent in the ranking", "那颜色呢?", rank("modify_order", 0.49, "product_availability", 0.28, "exchange_request", 0.06), true, "exchange_request", readCarry},
		{"shift within the topic", "要多久到账?", rank("warranty_repair", 0.26, "product_info", 0.26, "refund_status", 0.15), true, "refund_status", readShift},
		{"marker, nothing of the topic: carry", "and do they expire?", rank("authenticity", 0.29, "greeting", 0.23), true, "exchange_request", readCarry},
		{"short without marker, nothing of the topic: parse", "多久能到", rank("product_info", 0.5, "oos", 0.3), false, "", ""},
		{"confident parse wins", "那运费谁出?", rank("return_shipping_fee", 0.99), false, "", ""},
		{"long message is not elliptical", "我想问一下你们的会员积分到底要怎么样才能用", rank("membership_points", 0.5), false, "", ""},
		{"marker alone", "还有呢", rank("product_availability", 0.99), true, "exchange_request", readCarry},
		{"sliver of a sibling is no shift", "and what if it doesn't fit?", rank("product_info", 0.4, "size_guide", 0.2, "refund_status", 0.05), true, "exchange_request", readCarry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := e.carryOver(tt.text, tt.parse, last)
			if ok != tt.ok || ok && (got.Intent != tt.intent || got.How != tt.how) {
				t.Errorf("carryOver = %+v, %v; want %s %s, %v", got, ok, tt.intent, tt.how, tt.ok)
			}
			if ok && (got.Confidence <= 0 || got.Confidence > 1) {
				t.Errorf("confidence %v", got.Confidence)
			}
		})
	}
	// Too old a previous intent carries nothing.
	cc := &convContext{Turn: 10, Recent: []recentIntent{{Intent: "exchange_request", Turn: 2, At: time.Now()}}}
	if _, ok := cc.last(cfg.Context, time.Now()); ok {
		t.Error("an intent eight turns old is still context")
	}
}
