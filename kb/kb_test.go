package kb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/kb/kbtest"
	"github.com/kefu-ai/kefu/store"
)

var ctx = context.Background()

// fixture articles exercising the analysis chain; each is the only one
// holding the words its test queries need.
var fixture = []store.Article{
	art("zh-logistics", LocaleZhCN, "物流信息查询", []string{"我的物流到哪了", "物流信息在哪看"}, "在订单详情可以看到物流轨迹。"),
	art("zh-return", LocaleZhCN, "退货流程", []string{"怎么退货", "退货在哪申请"}, "进入售后页面申请退货。"),
	art("zh-iphone", LocaleZhCN, "iPhone保修说明", []string{"iPhone15坏了怎么保修", "苹果手机保修多久"}, "苹果手机享受一年保修。"),
	art("en-refund", LocaleEn, "Refund policy", []string{"How do I get a refund?", "Refunds for cancelled orders"}, "Refunds go back to the original payment method."),
	art("en-shipping", LocaleEn, "Shipping times", []string{"How long does shipping take?", "When will my order arrive?"}, "Orders arrive in 3-5 days."),
	art("en-password", LocaleEn, "Resetting your password", []string{"I forgot my password", "How do I change my password?"}, "Use the Forgot password link."),
}

func seed(t testing.TB, k *KB, arts ...store.Article) []store.Article {
	t.Helper()
	var out []store.Article
	for _, a := range arts {
		got, err := k.Create(ctx, a, "seed")
		if err != nil {
			t.Fatalf("create %s: %v", a.ID, err)
		}
		out = append(out, got)
	}
	return out
}

func topID(t testing.TB, k *KB, req SearchRequest) string {
	t.Helper()
	hits, err := k.Search(ctx, req)
	if err != nil {
		t.Fatalf("search %q: %v", req.Query, err)
	}
	if len(hits) == 0 {
		return ""
	}
	return hits[0].ID
}

func TestSearchAnalysis(t *testing.T) {
	k, _, _ := newTestKB(t, defaultTuning)
	seed(t, k, fixture...)
	tests := []struct {
		name, query, locale, want string
	}{
		{"Chinese", "退货怎么申请", LocaleZhCN, "zh-return"},
		{"Chinese unsegmented sentence", "请问我买的东西要怎么退货呢", "", "zh-return"},
		{"English", "how long does shipping take", LocaleEn, "en-shipping"},
		{"English stemming", "refunding", LocaleEn, "en-refund"},
		{"English stop words only around the topic", "the password", "", "en-password"},
		{"mixed Chinese and English", "iPhone 保修", "", "zh-iphone"},
		{"mixed, glued", "iphone15坏了", "", "zh-iphone"},
		{"Traditional query finds Simplified article", "退貨怎麼申請", LocaleZhCN, "zh-return"},
		{"Traditional 物流", "物流資訊在哪看", "", "zh-logistics"},
		{"full-width Latin", "ＲＥＦＵＮＤ", "", "en-refund"},
		{"full-width mixed", "ｉＰｈｏｎｅ保修", "", "zh-iphone"},
		{"synonym: 快递 finds the 物流 article", "快递到哪了", LocaleZhCN, "zh-logistics"},
		{"synonym: 包裹 finds the 物流 article", "包裹在哪", LocaleZhCN, "zh-logistics"},
		{"synonym: money back finds refund", "money back", LocaleEn, "en-refund"},
		{"locale filter", "how long does shipping take", LocaleZhCN, ""},
		{"locale alias", "how long does shipping take", "en-US", "en-shipping"},
		{"nothing in common", "xyzzy plugh", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := topID(t, k, SearchRequest{Query: tt.query, Locale: tt.locale, Live: true}); got != tt.want {
				t.Errorf("Search(%q, %q) top = %q, want %q", tt.query, tt.locale, got, tt.want)
			}
		})
	}
}

func TestSynonymsAreQueryExpansion(t *testing.T) {
	st := kbtest.New()
	k, err := Open(ctx, Config{IndexDir: t.TempDir(), Synonyms: [][]string{}}, st)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	seed(t, k, fixture...)
	if got := topID(t, k, SearchRequest{Query: "快递", Locale: LocaleZhCN}); got != "" {
		t.Errorf("without synonyms 快递 found %q, want nothing", got)
	}
	// Editors' own list, no rebuild needed: a new KB over the same index.
	k.Close()
	k2, err := Open(ctx, Config{IndexDir: k.dir, Synonyms: [][]string{{"快递", "物流"}}}, st)
	if err != nil {
		t.Fatal(err)
	}
	defer k2.Close()
	if got := topID(t, k2, SearchRequest{Query: "快递", Locale: LocaleZhCN}); got != "zh-logistics" {
		t.Errorf("with 快递=物流, 快递 found %q, want zh-logistics", got)
	}
}

func TestSearchInvalid(t *testing.T) {
	k, _, _ := newTestKB(t, defaultTuning)
	tests := []struct {
		name string
		req  SearchRequest
	}{
		{"empty", SearchRequest{Query: "  "}},
		{"invalid UTF-8", SearchRequest{Query: "退\xff货"}},
		{"too long", SearchRequest{Query: strings.Repeat("退", MaxQuery+1)}},
		{"unknown locale", SearchRequest{Query: "退货", Locale: "fr"}},
		{"negative limit", SearchRequest{Query: "退货", Limit: -1}},
		{"limit too large", SearchRequest{Query: "退货", Limit: MaxSearchLimit + 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := k.Search(ctx, tt.req); errs.Code(err) != errs.Invalid {
				t.Errorf("Search = %v, want %s", err, errs.Invalid)
			}
		})
	}
}

// windowArticles are live or not at testNow for the reason in their ID.
func windowArticles() []store.Article {
	q := []string{"双11活动规则"}
	mk := func(id string, mut func(*store.Article)) store.Article {
		a := art(id, LocaleZhCN, "双11活动规则 "+id, q, "活动规则说明。")
		a.Intent, a.Tags = "promotion_rules", []string{"活动"}
		mut(&a)
		return a
	}
	return []store.Article{
		mk("always", func(*store.Article) {}),
		mk("current", func(a *store.Article) {
			a.ValidFrom, a.ValidUntil = tp(testNow.Add(-time.Hour)), tp(testNow.Add(time.Hour))
		}),
		mk("starts-now", func(a *store.Article) { a.ValidFrom = tp(testNow) }),
		mk("expired", func(a *store.Article) { a.ValidUntil = tp(testNow.Add(-time.Second)) }),
		mk("ends-now", func(a *store.Article) { a.ValidUntil = tp(testNow) }),
		mk("future", func(a *store.Article) { a.ValidFrom = tp(testNow.Add(24 * time.Hour)) }),
		mk("draft", func(a *store.Article) { a.Status = store.ArticleDraft }),
		mk("draft-current", func(a *store.Article) {
			a.Status = store.ArticleDraft
			a.ValidFrom, a.ValidUntil = tp(testNow.Add(-time.Hour)), tp(testNow.Add(time.Hour))
		}),
	}
}

func hitIDs(hits []Hit) []string {
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestValidityAndDrafts(t *testing.T) {
	k, _, _ := newTestKB(t, defaultTuning)
	seed(t, k, windowArticles()...)
	liveIDs := []string{"always", "current", "starts-now"}

	hits, err := k.Search(ctx, SearchRequest{Query: "双11活动规则", Live: true, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if got := hitIDs(hits); !slices.Equal(got, liveIDs) {
		t.Errorf("live search = %v, want %v", got, liveIDs)
	}
	hits, err = k.Search(ctx, SearchRequest{Query: "双11活动规则", Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != len(windowArticles()) {
		t.Errorf("editor search found %d, want all %d", len(hits), len(windowArticles()))
	}
	// Later, "current" has expired and "future" has begun.
	later := testNow.Add(25 * time.Hour)
	hits, _ = k.Search(ctx, SearchRequest{Query: "双11活动规则", Live: true, Now: later})
	if got, want := hitIDs(hits), []string{"always", "future", "starts-now"}; !slices.Equal(got, want) {
		t.Errorf("live search a day later = %v, want %v", got, want)
	}

	// Answer serves only live articles, by intent or by text, at any time.
	for _, now := range []time.Time{testNow, later, testNow.Add(-48 * time.Hour)} {
		for _, req := range []AnswerRequest{
			{Intent: "promotion_rules", Text: "双11活动规则", Locale: LocaleZhCN, Now: now},
			{Text: "双11活动规则", Locale: LocaleZhCN, Now: now},
			{Intent: "promotion_rules", Locale: LocaleZhCN, Now: now},
		} {
			ans, ok, err := k.Answer(ctx, req)
			if err != nil || !ok {
				t.Fatalf("Answer(%+v) = %v, %v", req, ok, err)
			}
			if !live(ans.Article, now) {
				t.Errorf("Answer(%+v) served %s (status %s, %v–%v)", req, ans.Article.ID, ans.Article.Status, ans.Article.ValidFrom, ans.Article.ValidUntil)
			}
			for _, r := range ans.RunnersUp {
				a, _ := k.Get(ctx, r.ID)
				if !live(a, now) {
					t.Errorf("Answer(%+v) offered runner-up %s", req, r.ID)
				}
			}
		}
	}
}

func TestAnswerSelection(t *testing.T) {
	k, _, _ := newTestKB(t, defaultTuning)
	mk := func(id, locale, intent string, tags []string, qs ...string) store.Article {
		a := art(id, locale, qs[0], qs, "答案 "+id)
		a.Intent, a.Tags = intent, tags
		return a
	}
	promo := mk("promo-refund", LocaleZhCN, "refund_status", []string{"活动"}, "双11退款什么时候到")
	promo.ValidFrom, promo.ValidUntil = tp(testNow.Add(-time.Hour)), tp(testNow.Add(time.Hour))
	seed(t, k,
		mk("refund-primary", LocaleZhCN, "refund_status", []string{"退款", TagPrimary}, "退款什么时候到账", "退款进度怎么查"),
		mk("refund-partial", LocaleZhCN, "refund_status", []string{"退款"}, "为什么只退了一部分钱", "退款金额比付的少"),
		mk("refund-card", LocaleZhCN, "refund_status", []string{"退款"}, "信用卡退款几天到"),
		promo,
		mk("coupon-general", LocaleZhCN, "coupon_usage", []string{"优惠券"}, "优惠券怎么用"),
		mk("coupon-stack", LocaleZhCN, "coupon_usage", []string{"优惠券"}, "两张优惠券能一起用吗"),
		mk("greet-tw", LocaleZhTW, "greeting", []string{TagPrimary}, "你好"),
		mk("greet-cn", LocaleZhCN, "greeting", []string{TagPrimary}, "你好"),
		mk("invoice-cn", LocaleZhCN, "invoice", []string{TagPrimary}, "怎么开发票"),
	)
	tests := []struct {
		name   string
		req    AnswerRequest
		want   string // "" for no answer
		minScr float64
	}{
		{"intent: primary first", AnswerRequest{Intent: "refund_status", Text: "我的钱呢", Locale: LocaleZhCN}, "refund-primary", 0.5},
		{"intent: no text", AnswerRequest{Intent: "refund_status", Locale: LocaleZhCN}, "refund-primary", 0.5},
		{"intent: the text repeats another article's question", AnswerRequest{Intent: "refund_status", Text: "为什么只退了一部分钱？", Locale: LocaleZhCN}, "refund-partial", 0.6},
		{"intent: a current promotion before lexical matches", AnswerRequest{Intent: "coupon_usage", Text: "叠加", Locale: LocaleZhCN}, "coupon-general", 0.5},
		{"intent: best lexical match without primary", AnswerRequest{Intent: "coupon_usage", Text: "两张券一起用", Locale: LocaleZhCN}, "coupon-stack", 0.5},
		{"zh-TW falls back to zh-CN", AnswerRequest{Intent: "invoice", Text: "發票", Locale: LocaleZhTW}, "invoice-cn", 0.5},
		{"zh-TW article first", AnswerRequest{Intent: "greeting", Text: "你好", Locale: "zh-Hant"}, "greet-tw", 0.5},
		{"no intent: lexical", AnswerRequest{Text: "信用卡退款要几天到", Locale: LocaleZhCN}, "refund-card", minLexical},
		{"oos intent: lexical", AnswerRequest{Intent: "oos", Text: "信用卡退款几天到", Locale: LocaleZhCN}, "refund-card", minLexical},
		{"unknown intent: lexical", AnswerRequest{Intent: "no_such_intent", Text: "信用卡退款几天到", Locale: LocaleZhCN}, "refund-card", minLexical},
		{"nonsense", AnswerRequest{Text: "今天天气真不错", Locale: LocaleZhCN}, "", 0},
		{"empty", AnswerRequest{Locale: LocaleZhCN}, "", 0},
		{"wrong locale", AnswerRequest{Text: "信用卡退款几天到", Locale: LocaleEn}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Now = testNow
			ans, ok, err := k.Answer(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if ok {
					t.Errorf("Answer = %s (%.2f), want none", ans.Article.ID, ans.Score)
				}
				return
			}
			if !ok || ans.Article.ID != tt.want {
				t.Fatalf("Answer = %q ok=%v, want %q", ans.Article.ID, ok, tt.want)
			}
			if ans.Score < tt.minScr || ans.Score > 1 {
				t.Errorf("score %.3f, want in [%.2f, 1]", ans.Score, tt.minScr)
			}
			if ans.Article.Answer == "" || ans.Article.Version == 0 {
				t.Errorf("answer article incomplete: %+v", ans.Article)
			}
			for _, r := range ans.RunnersUp {
				if r.ID == ans.Article.ID {
					t.Errorf("winner %s among runners-up", r.ID)
				}
			}
		})
	}
	// The promotion is preferred to lexical matches while it runs, the
	// primary still before it; once it ends it is never chosen.
	got, _, _ := k.Answer(ctx, AnswerRequest{Intent: "refund_status", Text: "到账", Locale: LocaleZhCN, Now: testNow})
	if got.Article.ID != "refund-primary" || len(got.RunnersUp) == 0 || got.RunnersUp[0].ID != "promo-refund" {
		t.Errorf("order = %s then %v, want refund-primary then promo-refund", got.Article.ID, got.RunnersUp)
	}
}

func TestAnswerTemplates(t *testing.T) {
	k, _, _ := newTestKB(t, defaultTuning)
	a := art("order-status", LocaleZhCN, "查询订单状态", []string{"我的订单到哪了"},
		"订单{{order_id}}当前状态：{{order_status}}，{{carrier}}运单号{{tracking_no}}，最新：{{last_event}}，预计{{eta}}送达。")
	a.Intent, a.Tags = "order_status", []string{TagPrimary}
	seed(t, k, a)
	ans, ok, err := k.Answer(ctx, AnswerRequest{Intent: "order_status", Text: "我的订单到哪了", Locale: LocaleZhCN})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	got := k.Render(ans.Article.Answer, map[string]string{
		"order_id": "DD20261111001", "order_status": "已发货", "carrier": "顺丰", "tracking_no": "SF123",
		"last_event": "{{order_id}} 已到达上海", "eta": "",
	})
	want := "订单DD20261111001当前状态：已发货，顺丰运单号SF123，最新：{{order_id}} 已到达上海，预计-送达。"
	if got != want {
		t.Errorf("Render =\n%s\nwant\n%s", got, want)
	}
}

func TestRender(t *testing.T) {
	long := strings.Repeat("长", 5000)
	tests := []struct {
		name, tmpl string
		values     map[string]string
		want       string
	}{
		{"plain", "订单{{order_id}}已发货", map[string]string{"order_id": "DD1"}, "订单DD1已发货"},
		{"spaces inside braces", "{{ order_id }}!", map[string]string{"order_id": "DD1"}, "DD1!"},
		{"value holding a placeholder is not expanded again", "{{order_id}}", map[string]string{"order_id": "{{order_status}}", "order_status": "x"}, "{{order_status}}"},
		{"value naming itself", "a{{order_id}}b", map[string]string{"order_id": "{{order_id}}"}, "a{{order_id}}b"},
		{"script tag stays plain text", "状态：{{order_status}}", map[string]string{"order_status": "<script>alert(1)</script>"}, "状态：<script>alert(1)</script>"},
		{"lone braces in a value", "{{carrier}}", map[string]string{"carrier": "{{"}, "{{"},
		{"unknown placeholder", "预计{{eta}}送达", nil, "预计-送达"},
		{"empty value", "预计{{eta}}送达", map[string]string{"eta": "  "}, "预计-送达"},
		{"template syntax is not executed", `{{.Secret}}{{range .}}x{{end}}{{printf "%s" 1}}`, nil, `{{.Secret}}{{range .}}x-{{printf "%s" 1}}`},
		{"unterminated", "订单{{order_id", map[string]string{"order_id": "DD1"}, "订单{{order_id"},
		{"triple braces", "{{{order_id}}}", map[string]string{"order_id": "DD1"}, "{DD1}"},
		{"control characters and newlines removed", "[{{x}}]", map[string]string{"x": "a\x00b\nc\u202ed"}, "[ab cd]"},
		{"invalid UTF-8 replaced", "[{{x}}]", map[string]string{"x": "a\xffb"}, "[a\uFFFDb]"},
		{"very long value is capped", "{{x}}", map[string]string{"x": long}, strings.Repeat("长", maxSlotValue) + "…"},
		{"many placeholders", strings.Repeat("{{x}}", 3), map[string]string{"x": "1"}, "111"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Render(tt.tmpl, tt.values); got != tt.want {
				t.Errorf("Render(%q) = %q, want %q", tt.tmpl, got, tt.want)
			}
		})
	}
}

func FuzzRender(f *testing.F) {
	f.Add("订单{{order_id}}状态{{order_status}}", "{{order_id}}", "<script>")
	f.Add("{{{{x}}}}", "{{", "}}")
	f.Add("{{ eta }}{{carrier", "\xff", strings.Repeat("x", 300))
	f.Fuzz(func(t *testing.T, tmpl, v1, v2 string) {
		values := map[string]string{"order_id": v1, "order_status": v2, "x": v1 + v2}
		out := Render(tmpl, values)
		if !utf8Valid(out) {
			t.Fatalf("invalid UTF-8 out of %q", tmpl)
		}
		if !strings.Contains(tmpl, "{{") && out != strings.ToValidUTF8(tmpl, "\uFFFD") {
			t.Fatalf("template without placeholders changed: %q → %q", tmpl, out)
		}
		// Each value appears at most as written (cleaned), never expanded:
		// rendering the output again with no values only touches
		// placeholders that were in the values or the template.
		bound := len(tmpl)*4 + 3*(len(tmpl)/5+1)*(maxSlotValue*4+4)
		if len(out) > bound {
			t.Fatalf("output %d bytes, bound %d", len(out), bound)
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "x") == s }

func TestEditsAreSearchableAtOnce(t *testing.T) {
	k, _, _ := newTestKB(t, defaultTuning)
	a := seed(t, k, art("faq-1", LocaleZhCN, "发票怎么开", []string{"怎么开发票"}, "在订单详情开具。"))[0]
	if got := topID(t, k, SearchRequest{Query: "开发票", Live: true}); got != "faq-1" {
		t.Fatalf("after create: top %q", got)
	}
	a.Title, a.Questions, a.Answer = "积分怎么用", []string{"积分抵现"}, "100积分抵1元。"
	a2, err := k.Update(ctx, a, "ed")
	if err != nil {
		t.Fatal(err)
	}
	if a2.Version != a.Version+1 || a2.UpdatedBy != "ed" {
		t.Errorf("updated version %d by %q, want %d by ed", a2.Version, a2.UpdatedBy, a.Version+1)
	}
	if got := topID(t, k, SearchRequest{Query: "积分抵现", Live: true}); got != "faq-1" {
		t.Errorf("after update: new words find %q", got)
	}
	if got := topID(t, k, SearchRequest{Query: "开发票"}); got != "" {
		t.Errorf("after update: old words still find %q", got)
	}
	a2.Status = store.ArticleDraft
	a3, err := k.Update(ctx, a2, "ed")
	if err != nil {
		t.Fatal(err)
	}
	if got := topID(t, k, SearchRequest{Query: "积分抵现", Live: true}); got != "" {
		t.Errorf("after unpublishing: live search finds %q", got)
	}
	if err := k.Delete(ctx, a3.ID, "ed"); err != nil {
		t.Fatal(err)
	}
	if got := topID(t, k, SearchRequest{Query: "积分抵现"}); got != "" {
		t.Errorf("after delete: editor search finds %q", got)
	}
	if _, err := k.Get(ctx, a3.ID); errs.Code(err) != errs.NotFound {
		t.Errorf("Get after delete = %v, want not_found", err)
	}
	if err := k.Delete(ctx, a3.ID, "ed"); errs.Code(err) != errs.NotFound {
		t.Errorf("second Delete = %v, want not_found", err)
	}
}

func TestOptimisticConcurrency(t *testing.T) {
	k, _, _ := newTestKB(t, defaultTuning)
	a := seed(t, k, art("faq-1", LocaleZhCN, "标题", []string{"问题"}, "答案"))[0]
	alice, bob := a, a
	alice.Answer = "Alice 的答案"
	if _, err := k.Update(ctx, alice, "alice"); err != nil {
		t.Fatal(err)
	}
	bob.Answer = "Bob 的答案"
	_, err := k.Update(ctx, bob, "bob")
	if errs.Code(err) != errs.Conflict {
		t.Fatalf("stale update = %v, want conflict", err)
	}
	got, _ := k.Get(ctx, a.ID)
	if got.Answer != "Alice 的答案" || got.Version != 2 {
		t.Errorf("stored %q v%d, want Alice's at v2", got.Answer, got.Version)
	}
	bob.Version = 0
	if _, err := k.Update(ctx, bob, "bob"); errs.Code(err) != errs.Invalid {
		t.Errorf("update without version = %v, want invalid", err)
	}
	bob.ID, bob.Version = "no-such", 1
	if _, err := k.Update(ctx, bob, "bob"); errs.Code(err) != errs.NotFound {
		t.Errorf("update of missing article = %v, want not_found", err)
	}
	if _, err := k.Create(ctx, a, "carol"); errs.Code(err) != errs.Conflict {
		t.Errorf("create with a taken ID = %v, want conflict", err)
	}
}

func TestValidation(t *testing.T) {
	k, _, _ := newTestKB(t, defaultTuning)
	ok := art("", LocaleZhCN, "标题", []string{"问题"}, "答案")
	mut := func(f func(*store.Article)) store.Article {
		a := ok
		a.Questions = slices.Clone(ok.Questions)
		f(&a)
		return a
	}
	many := make([]string, MaxQuestions+1)
	for i := range many {
		many[i] = fmt.Sprintf("问题%d", i)
	}
	tests := []struct {
		name string
		a    store.Article
	}{
		{"no title", mut(func(a *store.Article) { a.Title = " " })},
		{"no answer", mut(func(a *store.Article) { a.Answer = "" })},
		{"no questions", mut(func(a *store.Article) { a.Questions = nil })},
		{"blank questions only", mut(func(a *store.Article) { a.Questions = []string{" ", ""} })},
		{"too many questions", mut(func(a *store.Article) { a.Questions = many })},
		{"answer too long", mut(func(a *store.Article) { a.Answer = strings.Repeat("答", MaxAnswer+1) })},
		{"title too long", mut(func(a *store.Article) { a.Title = strings.Repeat("标", MaxTitle+1) })},
		{"unknown locale", mut(func(a *store.Article) { a.Locale = "fr" })},
		{"no locale", mut(func(a *store.Article) { a.Locale = "" })},
		{"unknown status", mut(func(a *store.Article) { a.Status = "archived" })},
		{"window backwards", mut(func(a *store.Article) { a.ValidFrom, a.ValidUntil = tp(testNow), tp(testNow.Add(-time.Hour)) })},
		{"empty window", mut(func(a *store.Article) { a.ValidFrom, a.ValidUntil = tp(testNow), tp(testNow) })},
		{"invalid UTF-8 title", mut(func(a *store.Article) { a.Title = "标\xff题" })},
		{"invalid UTF-8 question", mut(func(a *store.Article) { a.Questions = []string{"问\xc3"} })},
		{"invalid UTF-8 tag", mut(func(a *store.Article) { a.Tags = []string{"\xff"} })},
		{"control character in title", mut(func(a *store.Article) { a.Title = "标\x00题" })},
		{"bad ID", mut(func(a *store.Article) { a.ID = "a/b" })},
		{"bad intent", mut(func(a *store.Article) { a.Intent = "Order Status" })},
		{"too many tags", mut(func(a *store.Article) { a.Tags = strings.Split(strings.Repeat("t,", MaxTags+1), ",") })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := k.Create(ctx, tt.a, "ed"); errs.Code(err) != errs.Invalid {
				t.Errorf("Create = %v, want invalid_input", err)
			}
		})
	}
	got, err := k.Create(ctx, mut(func(a *store.Article) {
		a.Status, a.Questions, a.Tags = "", []string{" 问题 ", "", "问题"}, []string{"a", "a", " "}
	}), "ed")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == "" || got.Status != store.ArticleDraft || !slices.Equal(got.Questions, []string{"问题"}) || !slices.Equal(got.Tags, []string{"a"}) {
		t.Errorf("normalised article = %+v", got)
	}
	if list, _ := k.List(ctx, store.ArticleFilter{}); len(list) != 1 {
		t.Errorf("invalid articles were stored: %d articles", len(list))
	}
}

func TestList(t *testing.T) {
	k, _, _ := newTestKB(t, defaultTuning)
	arts := windowArticles()
	arts[0].Locale = LocaleEn
	seed(t, k, arts...)
	tests := []struct {
		f    store.ArticleFilter
		want int
	}{
		{store.ArticleFilter{}, len(arts)},
		{store.ArticleFilter{Status: store.ArticleDraft}, 2},
		{store.ArticleFilter{Locale: LocaleEn}, 1},
		{store.ArticleFilter{Intent: "promotion_rules", Limit: 3}, 3},
		{store.ArticleFilter{Tag: "活动", Offset: 6}, 2},
	}
	for _, tt := range tests {
		got, err := k.List(ctx, tt.f)
		if err != nil || len(got) != tt.want {
			t.Errorf("List(%+v) = %d, %v; want %d", tt.f, len(got), err, tt.want)
		}
	}
	for _, f := range []store.ArticleFilter{{Limit: -1}, {Offset: -1}, {Locale: "xx"}, {Status: "gone"}, {Limit: MaxListLimit + 1}} {
		if _, err := k.List(ctx, f); errs.Code(err) != errs.Invalid {
			t.Errorf("List(%+v) = %v, want invalid", f, err)
		}
	}
}

func TestHistoryAndRestore(t *testing.T) {
	k, st, clk := newTestKB(t, defaultTuning)
	v1 := seed(t, k, art("faq-1", LocaleZhCN, "运费说明", []string{"运费多少钱"}, "满99包邮。"))[0]
	clk.t = clk.t.Add(time.Minute)
	v2 := v1
	v2.Title, v2.Questions, v2.Answer = "积分说明", []string{"积分怎么用"}, "100积分抵1元。"
	v2, err := k.Update(ctx, v2, "bob")
	if err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(time.Minute)
	v3, err := k.Restore(ctx, "faq-1", 1, "carol")
	if err != nil {
		t.Fatal(err)
	}
	if v3.Version != 3 || v3.Title != v1.Title || v3.Answer != v1.Answer || v3.UpdatedBy != "carol" {
		t.Errorf("restored = %+v, want v1's content at v3 by carol", v3)
	}
	if got := topID(t, k, SearchRequest{Query: "运费多少钱", Live: true}); got != "faq-1" {
		t.Errorf("restored text not searchable: %q", got)
	}
	if got := topID(t, k, SearchRequest{Query: "积分怎么用"}); got != "" {
		t.Errorf("replaced text still found: %q", got)
	}
	hist, err := k.History(ctx, "faq-1")
	if err != nil {
		t.Fatal(err)
	}
	var who []string
	for _, r := range hist {
		who = append(who, fmt.Sprintf("%d:%s:%s", r.Version, r.Op, r.By))
	}
	if want := []string{"1:create:seed", "2:update:bob", "3:update:carol"}; !slices.Equal(who, want) {
		t.Errorf("history = %v, want %v", who, want)
	}
	if !hist[1].At.After(hist[0].At) || hist[1].Article.Title != "积分说明" {
		t.Errorf("history entry 2 = %+v", hist[1])
	}
	if _, err := k.Restore(ctx, "faq-1", 9, "carol"); errs.Code(err) != errs.NotFound {
		t.Errorf("restore of a missing version = %v, want not_found", err)
	}
	// A deleted article comes back from its history.
	if err := k.Delete(ctx, "faq-1", "dave"); err != nil {
		t.Fatal(err)
	}
	back, err := k.Restore(ctx, "faq-1", 2, "erin")
	if err != nil {
		t.Fatal(err)
	}
	if back.Title != "积分说明" || topID(t, k, SearchRequest{Query: "积分怎么用"}) != "faq-1" {
		t.Errorf("restore after delete = %+v", back)
	}
	if _, err := k.History(ctx, "never"); errs.Code(err) != errs.NotFound {
		t.Errorf("History(never) = %v", err)
	}
	_ = st
}

const goodLine = `{"id":"%s","title":"标题%s","questions":["问题%s"],"answer":"答案","locale":"zh-CN","status":"published","tags":[]}`

func jsonl(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

func TestImportAtomic(t *testing.T) {
	ok := func(id string) string { return fmt.Sprintf(goodLine, id, id, id) }
	tests := []struct {
		name, file, wantInMsg string
	}{
		{"invalid JSON", jsonl(ok("a"), ok("b"), `{"id":"c",`), "Line 3"},
		{"unknown field", jsonl(ok("a"), `{"id":"c","title":"t","questions":["q"],"anwser":"x","locale":"en"}`), "Line 2"},
		{"missing answer", jsonl(`{"id":"c","title":"t","questions":["q"],"locale":"en"}`, ok("a")), "Line 1"},
		{"bad locale", jsonl(ok("a"), ok("b"), ok("c"), strings.Replace(ok("d"), "zh-CN", "xx", 1)), "Line 4"},
		{"duplicate ID", jsonl(ok("a"), "", ok("a")), "Line 3"},
		{"two values on a line", jsonl(ok("a") + ok("b")), "Line 1"},
		{"trailing brace", jsonl(ok("a") + "}"), "Line 1"},
		{"array", jsonl(ok("a"), `[1,2]`), "Line 2"},
		{"invalid UTF-8", jsonl(ok("a"), "{\"id\":\"\xff\"}"), "Line 2"},
		{"window backwards", jsonl(ok("a"), `{"id":"c","title":"t","questions":["q"],"answer":"x","locale":"en","valid_from":"2026-02-01T00:00:00Z","valid_until":"2026-01-01T00:00:00Z"}`), "Line 2"},
		{"bad time", jsonl(`{"id":"c","title":"t","questions":["q"],"answer":"x","locale":"en","valid_from":"soon"}`), "Line 1"},
		{"line too long", jsonl(ok("a"), `{"title":"`+strings.Repeat("x", MaxImportLine)+`"}`), "Line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, st, _ := newTestKB(t, defaultTuning)
			n, err := k.Import(ctx, strings.NewReader(tt.file), "ed")
			if errs.Code(err) != errs.Invalid || !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Fatalf("Import = %d, %v; want invalid_input mentioning %q", n, err, tt.wantInMsg)
			}
			if n != 0 || st.Changes() != 0 {
				t.Errorf("imported %d, store changed %d times; want nothing", n, st.Changes())
			}
			if got := topID(t, k, SearchRequest{Query: "问题a"}); got != "" {
				t.Errorf("half-imported: search finds %q", got)
			}
		})
	}
	t.Run("store failure indexes nothing", func(t *testing.T) {
		k, st, _ := newTestKB(t, defaultTuning)
		st.Fail = func(op string) error {
			if op == "ImportArticles" {
				return errors.New("disk full")
			}
			return nil
		}
		if _, err := k.Import(ctx, strings.NewReader(jsonl(ok("a"))), "ed"); err == nil {
			t.Fatal("Import succeeded")
		}
		if got := topID(t, k, SearchRequest{Query: "问题a"}); got != "" {
			t.Errorf("search finds %q", got)
		}
	})
	t.Run("good file", func(t *testing.T) {
		k, _, _ := newTestKB(t, defaultTuning)
		n, err := k.Import(ctx, strings.NewReader("\n"+jsonl(ok("a"), "  ", ok("b"))+"\n"), "ed")
		if err != nil || n != 2 {
			t.Fatalf("Import = %d, %v", n, err)
		}
		if got := topID(t, k, SearchRequest{Query: "问题b", Live: true}); got != "b" {
			t.Errorf("imported article not searchable: %q", got)
		}
		// Importing again replaces (new versions), not duplicates.
		if n, err := k.Import(ctx, strings.NewReader(jsonl(ok("a"))), "ed"); err != nil || n != 1 {
			t.Fatal(n, err)
		}
		if a, _ := k.Get(ctx, "a"); a.Version != 2 {
			t.Errorf("re-imported version %d, want 2", a.Version)
		}
	})
}

func TestExportImportRoundTrip(t *testing.T) {
	k, _, _ := newTestKB(t, defaultTuning)
	importFile(t, k, articlesPath)
	var buf bytes.Buffer
	if err := k.Export(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	k2, _, _ := newTestKB(t, defaultTuning)
	n, err := k2.Import(ctx, bytes.NewReader(buf.Bytes()), "ed")
	if err != nil || n != 167 {
		t.Fatalf("re-import = %d, %v", n, err)
	}
	a1, _ := k.List(ctx, store.ArticleFilter{})
	a2, _ := k2.List(ctx, store.ArticleFilter{})
	for i := range a1 {
		x, y := a1[i], a2[i]
		x.UpdatedAt, y.UpdatedAt, x.UpdatedBy, y.UpdatedBy = time.Time{}, time.Time{}, "", ""
		if fmt.Sprint(x) != fmt.Sprint(y) {
			t.Fatalf("round trip changed\n%+v\n%+v", x, y)
		}
	}
}

func FuzzParseJSONL(f *testing.F) {
	f.Add([]byte(fmt.Sprintf(goodLine, "a", "a", "a")))
	f.Add([]byte(jsonl(fmt.Sprintf(goodLine, "a", "a", "a"), "", `{"id":"b"}`)))
	f.Add([]byte(`{"id":"c","title":"t","questions":["q"],"answer":"{{x}}","locale":"en","valid_from":"2026-01-01T00:00:00Z"}` + "\r\n"))
	f.Add([]byte("\xff\n{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		as, err := parseJSONL(bytes.NewReader(data))
		if err != nil {
			if errs.Code(err) != errs.Invalid || !strings.HasPrefix(errs.Message(err), "Line ") {
				t.Fatalf("error %v is not an invalid_input naming a line", err)
			}
			return
		}
		if len(as) > bytes.Count(data, []byte("\n"))+1 {
			t.Fatalf("%d articles from %d lines", len(as), bytes.Count(data, []byte("\n"))+1)
		}
		for _, a := range as {
			b, err := normalizeArticle(a)
			if err != nil || fmt.Sprint(a) != fmt.Sprint(b) {
				t.Fatalf("parsed article not valid and normal: %v\n%+v", err, a)
			}
		}
	})
}

func TestUnanswered(t *testing.T) {
	k, _, clk := newTestKB(t, defaultTuning)
	for _, q := range []string{"退货地址在哪？？", "退貨地址在哪", "退货 地址 在哪!", "ＲＥＴＵＲＮ address"} {
		clk.t = clk.t.Add(time.Second)
		if err := k.RecordUnanswered(ctx, q, "zh-CN"); err != nil {
			t.Fatal(err)
		}
	}
	if err := k.RecordUnanswered(ctx, "return address", "en"); err != nil {
		t.Fatal(err)
	}
	list, err := k.Unanswered(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Key != "退货地址在哪" || list[0].Count != 3 || list[0].Example != "退货地址在哪？？" ||
		list[1].Key != "return address" || list[1].Count != 2 {
		t.Fatalf("groups = %+v", list)
	}
	if !list[0].LastSeen.After(list[0].FirstSeen) {
		t.Errorf("first %v, last %v", list[0].FirstSeen, list[0].LastSeen)
	}
	if err := k.DismissUnanswered(ctx, list[0].Key); err != nil {
		t.Fatal(err)
	}
	if err := k.DismissUnanswered(ctx, list[0].Key); errs.Code(err) != errs.NotFound {
		t.Errorf("second dismiss = %v", err)
	}
	if list, _ := k.Unanswered(ctx, 10); len(list) != 1 {
		t.Errorf("after dismiss: %+v", list)
	}
	for _, bad := range []string{"", " ？！ ", "\u200b"} {
		if err := k.RecordUnanswered(ctx, bad, "zh-CN"); errs.Code(err) != errs.Invalid {
			t.Errorf("Record(%q) = %v", bad, err)
		}
	}
	if err := k.RecordUnanswered(ctx, "x", "klingon"); errs.Code(err) != errs.Invalid {
		t.Errorf("unknown locale = %v", err)
	}
	if _, err := k.Unanswered(ctx, -1); errs.Code(err) != errs.Invalid {
		t.Errorf("negative limit = %v", err)
	}
}

func hitIDsInOrder(hits []Hit) string {
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.ID)
	}
	return strings.Join(ids, " ")
}

// searchAll runs every retrieval query, live and as an editor.
func searchAll(t testing.TB, k *KB, cases []retrievalCase) [][]Hit {
	t.Helper()
	var out [][]Hit
	for _, c := range cases {
		for _, liveOnly := range []bool{true, false} {
			hits, err := k.Search(ctx, SearchRequest{Query: c.Query, Locale: c.Locale, Live: liveOnly, Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, hits)
		}
	}
	return out
}

func TestReindexEqualsLive(t *testing.T) {
	cases := loadRetrieval(t)
	k, _, _ := newTestKB(t, defaultTuning)
	importFile(t, k, articlesPath)
	reindex := func() {
		t.Helper()
		old := k.cur.Load().dir
		if err := k.Reindex(ctx); err != nil {
			t.Fatal(err)
		}
		if k.cur.Load().dir == old {
			t.Fatal("Reindex did not swap in a new index")
		}
		if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("old index %s left behind: %v", old, err)
		}
	}

	// Built from the same articles, the rebuilt index answers alike,
	// scores included (up to the order floating-point sums are taken in).
	same := func(a, b []Hit) bool {
		if hitIDsInOrder(a) != hitIDsInOrder(b) {
			return false
		}
		for i := range a {
			if math.Abs(a[i].Score-b[i].Score) > 1e-9*math.Abs(a[i].Score) || a[i].Title != b[i].Title {
				return false
			}
		}
		return true
	}
	before := searchAll(t, k, cases)
	reindex()
	after := searchAll(t, k, cases)
	for i := range before {
		if !same(before[i], after[i]) {
			t.Fatalf("query %d differs after reindex:\nlive    %v\nrebuilt %v", i, before[i], after[i])
		}
	}

	// After updates and deletes the live index still counts the replaced
	// documents in its term statistics until background merges drop them,
	// so scores drift by a few percent and near ties in the tail may swap;
	// the same hits must come back, and the same best hit wherever it led
	// by more than that drift.
	a, _ := k.Get(ctx, "kb-greeting-hello")
	a.Questions = append(a.Questions, "哈喽有客服吗")
	if _, err := k.Update(ctx, a, "ed"); err != nil {
		t.Fatal(err)
	}
	if err := k.Delete(ctx, "kb-thanks-resolved", "ed"); err != nil {
		t.Fatal(err)
	}
	before = searchAll(t, k, cases)
	reindex()
	after = searchAll(t, k, cases)
	swapped := 0
	for i := range before {
		b, a := before[i], after[i]
		if len(b) != len(a) {
			t.Errorf("query %d: %d hits live, %d rebuilt", i, len(b), len(a))
			continue
		}
		if len(b) == 0 {
			continue
		}
		clear := len(b) == 1 || b[0].Score > 1.1*b[1].Score
		if clear && a[0].ID != b[0].ID {
			t.Errorf("query %d: best hit %s live, %s rebuilt", i, b[0].ID, a[0].ID)
		}
		if hitIDsInOrder(a) != hitIDsInOrder(b) {
			swapped++
		}
	}
	t.Logf("after edits: %d of %d result lists differ below a near tie", swapped, len(before))
}

func TestReindexWhileServing(t *testing.T) {
	k, _, _ := newTestKB(t, defaultTuning)
	importFile(t, k, articlesPath)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errc := make(chan error, 100)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := k.Search(ctx, SearchRequest{Query: "退货运费谁出", Live: true}); err != nil {
					errc <- err
					return
				}
				if _, _, err := k.Answer(ctx, AnswerRequest{Intent: "return_shipping_fee", Text: "退货运费", Locale: LocaleZhCN}); err != nil {
					errc <- err
					return
				}
			}
		})
	}
	var created []string
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			id := fmt.Sprintf("during-%d", i)
			if _, err := k.Create(ctx, art(id, LocaleZhCN, "临时文章"+id, []string{"重建期间写入" + id}, "答案"), "ed"); err != nil {
				errc <- err
				return
			}
			created = append(created, id)
		}
	})
	for range 3 {
		if err := k.Reindex(ctx); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	for _, id := range created {
		if got := topID(t, k, SearchRequest{Query: "重建期间写入" + id, Limit: 1}); got != id {
			t.Errorf("write %s made during reindex lost (top %q)", id, got)
		}
	}
	t.Logf("%d writes during 3 rebuilds", len(created))
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	st := kbtest.New()
	k, err := Open(ctx, Config{IndexDir: dir}, st)
	if err != nil {
		t.Fatal(err)
	}
	seed(t, k, fixture...)
	gen := k.cur.Load().dir
	k.Close()
	if _, err := k.Search(ctx, SearchRequest{Query: "退货"}); errs.Code(err) != errs.Unavailable {
		t.Errorf("search after close = %v", err)
	}

	// The store changes while no KB runs (another process, a crash).
	if err := st.DeleteArticle(ctx, "zh-return", "other"); err != nil {
		t.Fatal(err)
	}
	a, _ := st.Article(ctx, "en-refund")
	a.Questions = []string{"Where is my reimbursement?"}
	if _, err := st.UpdateArticle(ctx, a, "other"); err != nil {
		t.Fatal(err)
	}

	k, err = Open(ctx, Config{IndexDir: dir}, st)
	if err != nil {
		t.Fatal(err)
	}
	if k.cur.Load().dir != gen {
		t.Errorf("index rebuilt on reopen (%s → %s), want reused", gen, k.cur.Load().dir)
	}
	if got := topID(t, k, SearchRequest{Query: "退货"}); got != "" {
		t.Errorf("deleted article still found: %q", got)
	}
	if got := topID(t, k, SearchRequest{Query: "reimbursement"}); got != "en-refund" {
		t.Errorf("changed article not reconciled: %q", got)
	}

	// A second opener of the same directory fails fast instead of hanging.
	done := make(chan error, 1)
	go func() {
		k2, err := Open(ctx, Config{IndexDir: dir}, st)
		if err == nil {
			k2.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if errs.Code(err) != errs.Unavailable {
			t.Errorf("second Open = %v, want unavailable", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("second Open hangs")
	}
	k.Close()

	// An index of another mapping version, or a CURRENT pointing nowhere,
	// is rebuilt from the store.
	other := defaultTuning
	other.Stem = false
	k, err = open(ctx, Config{IndexDir: dir}, st, other)
	if err != nil {
		t.Fatal(err)
	}
	if k.cur.Load().dir == gen {
		t.Error("index of another mapping version reused")
	}
	if got := topID(t, k, SearchRequest{Query: "reimbursement"}); got != "en-refund" {
		t.Errorf("after rebuild: %q", got)
	}
	k.Close()
	if err := os.WriteFile(filepath.Join(dir, currentFile), []byte("index-gone\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	k, err = Open(ctx, Config{IndexDir: dir}, st)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if got := topID(t, k, SearchRequest{Query: "reimbursement"}); got != "en-refund" {
		t.Errorf("after rebuild from a dangling CURRENT: %q", got)
	}
	ents, _ := os.ReadDir(dir)
	gens := 0
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), genPrefix) {
			gens++
		}
	}
	if gens != 1 {
		t.Errorf("%d index generations on disk, want 1", gens)
	}
}

func TestOpenInvalid(t *testing.T) {
	if _, err := Open(ctx, Config{}, kbtest.New()); errs.Code(err) != errs.Invalid {
		t.Errorf("no dir: %v", err)
	}
	if _, err := Open(ctx, Config{IndexDir: t.TempDir()}, nil); errs.Code(err) != errs.Invalid {
		t.Errorf("no store: %v", err)
	}
	if _, err := Open(ctx, Config{IndexDir: t.TempDir(), Synonyms: [][]string{{"\xff"}}}, kbtest.New()); errs.Code(err) != errs.Invalid {
		t.Errorf("bad synonyms: %v", err)
	}
}

func TestConcurrentEditorsAndCustomers(t *testing.T) {
	k, _, _ := newTestKB(t, defaultTuning)
	importFile(t, k, articlesPath)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 20 {
				id := fmt.Sprintf("w%d-%d", w, i)
				a, err := k.Create(ctx, art(id, LocaleEn, "Title "+id, []string{"question " + id}, "answer"), "ed")
				if err != nil {
					t.Error(err)
					return
				}
				a.Answer = "changed"
				if _, err := k.Update(ctx, a, "ed"); err != nil {
					t.Error(err)
				}
				if i%2 == 0 {
					if err := k.Delete(ctx, id, "ed"); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if _, err := k.Search(ctx, SearchRequest{Query: "refund money back", Live: true}); err != nil {
					t.Error(err)
				}
				if _, _, err := k.Answer(ctx, AnswerRequest{Text: "我的包裹到哪了", Locale: LocaleZhCN}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	list, _ := k.List(ctx, store.ArticleFilter{Locale: LocaleEn})
	hits, _ := k.Search(ctx, SearchRequest{Query: "question", Locale: LocaleEn, Limit: 100})
	var want, found int
	for _, a := range list {
		if strings.HasPrefix(a.ID, "w") {
			want++
		}
	}
	for _, h := range hits {
		if strings.HasPrefix(h.ID, "w") {
			found++
		}
	}
	if want != 40 || found != want {
		t.Errorf("%d created articles left, %d found", want, found)
	}
}
