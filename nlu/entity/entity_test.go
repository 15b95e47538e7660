package entity

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// span is an expected entity: its type, canonical value and the exact text
// it must cover. The test derives the rune offsets from the text, so the
// tables stay readable and still pin Start and End.
type span struct {
	typ, value, text string
}

// offsets finds want.text in runes at or after from.
func offsets(t *testing.T, in []rune, from int, text string) (int, int) {
	t.Helper()
	w := []rune(text)
	for i := from; i+len(w) <= len(in); i++ {
		if string(in[i:i+len(w)]) == text {
			return i, i + len(w)
		}
	}
	t.Fatalf("bad test: %q not in input after rune %d", text, from)
	return 0, 0
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []span
	}{
		// order_id
		{"order glued to zh", "单号是DD20241123001哦", []span{{TypeOrderID, "DD20241123001", "DD20241123001"}}},
		{"order lower case", "my order dd20241123001 is late", []span{{TypeOrderID, "DD20241123001", "dd20241123001"}}},
		{"order full-width", "訂單ＤＤ２０２４１１２３００１還沒到", []span{{TypeOrderID, "DD20241123001", "ＤＤ２０２４１１２３００１"}}},
		{"order mixed width", "订单Dd2024112300１", []span{{TypeOrderID, "DD20241123001", "Dd2024112300１"}}},
		{"order 12 digits is not an order", "DD202411230012", nil},
		{"order 10 digits is not an order", "DD2024112300", nil},
		{"order glued to letters", "ADD20241123001", nil},
		{"two orders", "DD20241123001和DD20241123002", []span{
			{TypeOrderID, "DD20241123001", "DD20241123001"},
			{TypeOrderID, "DD20241123002", "DD20241123002"},
		}},

		// tracking_no
		{"sf", "顺丰单号SF1234567890123", []span{{TypeTrackingNo, "SF1234567890123", "SF1234567890123"}}},
		{"sf lower", "sf123456789012 pls", []span{{TypeTrackingNo, "SF123456789012", "sf123456789012"}}},
		{"sf too short", "SF12345678901", nil},
		{"zt", "中通ZT1234567890", []span{{TypeTrackingNo, "ZT1234567890", "ZT1234567890"}}},
		{"yt jd jt", "YT1234567890123 JD0012345678 jt123456789012345", []span{
			{TypeTrackingNo, "YT1234567890123", "YT1234567890123"},
			{TypeTrackingNo, "JD0012345678", "JD0012345678"},
			{TypeTrackingNo, "JT123456789012345", "jt123456789012345"},
		}},
		{"jd too long", "JD1234567890123456", nil},
		{"bare after 运单", "运单号：773012345678", []span{{TypeTrackingNo, "773012345678", "773012345678"}}},
		{"bare after 快遞單", "快遞單號 7730123456789", []span{{TypeTrackingNo, "7730123456789", "7730123456789"}}},
		{"bare after tracking", "Tracking number is 773012345678901", []span{{TypeTrackingNo, "773012345678901", "773012345678901"}}},
		{"bare without cue", "流水号773012345678", nil},
		{"bare cue too far", "运单的事情我之前已经跟你们说过很多次了773012345678", nil},

		// phone
		{"phone plain", "我的手机13812345678", []span{{TypePhone, "13812345678", "13812345678"}}},
		{"phone dashes", "call 138-1234-5678", []span{{TypePhone, "13812345678", "138-1234-5678"}}},
		{"phone spaces", "電話 139 1234 5678 謝謝", []span{{TypePhone, "13912345678", "139 1234 5678"}}},
		{"phone +86", "+86 138 1234 5678", []span{{TypePhone, "13812345678", "+86 138 1234 5678"}}},
		{"phone +86 glued", "+8613812345678", []span{{TypePhone, "13812345678", "+8613812345678"}}},
		{"phone 86", "86-13812345678", []span{{TypePhone, "13812345678", "86-13812345678"}}},
		{"phone full-width", "手機１３８１２３４５６７８", []span{{TypePhone, "13812345678", "１３８１２３４５６７８"}}},
		{"phone then amount word", "13812345678元", []span{{TypePhone, "13812345678", "13812345678"}}},
		{"long digit run is not a phone", "13812345678901", nil},
		{"phone inside digits", "9913812345678", nil},
		{"phone bad second digit", "12812345678", nil},
		{"phone +1 is not 86", "+13812345678", nil},
		{"phone dash continues", "138-1234-5678-9", nil},

		// email
		{"email", "邮箱是Li.Lei@Example.COM谢谢", []span{{TypeEmail, "li.lei@example.com", "Li.Lei@Example.COM"}}},
		{"email plus", "mail me: a.b+kefu@mail.example.co.uk.", []span{{TypeEmail, "a.b+kefu@mail.example.co.uk", "a.b+kefu@mail.example.co.uk"}}},
		{"email full-width", "ａｂｃ＠ｑｑ．ｃｏｍ", []span{{TypeEmail, "abc@qq.com", "ａｂｃ＠ｑｑ．ｃｏｍ"}}},
		{"email with order-like local", "dd20241123001@qq.com", []span{{TypeEmail, "dd20241123001@qq.com", "dd20241123001@qq.com"}}},
		{"not email no tld", "a@b", nil},
		{"not email numeric tld", "a@b.123", nil},
		{"not email empty local", "@qq.com", nil},

		// amount
		{"yen", "¥199", []span{{TypeAmount, "199 CNY", "¥199"}}},
		{"full-width yen", "退了￥199.5吗", []span{{TypeAmount, "199.5 CNY", "￥199.5"}}},
		{"yen space", "¥ 1,299.00", []span{{TypeAmount, "1299 CNY", "¥ 1,299.00"}}},
		{"yen and yuan", "¥199元", []span{{TypeAmount, "199 CNY", "¥199元"}}},
		{"yuan", "花了199元", []span{{TypeAmount, "199 CNY", "199元"}}},
		{"kuai", "才199块", []span{{TypeAmount, "199 CNY", "199块"}}},
		{"kuaiqian", "199块钱", []span{{TypeAmount, "199 CNY", "199块钱"}}},
		{"hant kuaiqian", "退我50塊錢", []span{{TypeAmount, "50 CNY", "50塊錢"}}},
		{"rmb prefix", "RMB 199", []span{{TypeAmount, "199 CNY", "RMB 199"}}},
		{"rmb suffix", "refund 88rmb", []span{{TypeAmount, "88 CNY", "88rmb"}}},
		{"renminbi", "100人民币", []span{{TypeAmount, "100 CNY", "100人民币"}}},
		{"dollar", "it cost $25.99", []span{{TypeAmount, "25.99 USD", "$25.99"}}},
		{"us dollar", "US$25", []span{{TypeAmount, "25 USD", "US$25"}}},
		{"usd prefix", "USD 25", []span{{TypeAmount, "25 USD", "USD 25"}}},
		{"dollars", "25 dollars back", []span{{TypeAmount, "25 USD", "25 dollars"}}},
		{"meiyuan", "30美元", []span{{TypeAmount, "30 USD", "30美元"}}},
		{"yuan word", "99.9 yuan", []span{{TypeAmount, "99.9 CNY", "99.9 yuan"}}},
		{"leading zero", "0.50元", []span{{TypeAmount, "0.5 CNY", "0.50元"}}},
		{"hk dollar is not usd", "HK$25", nil},
		{"unknown unit", "$5k", nil},
		{"bare number", "我买了199个", nil},
		{"range", "¥100-200", nil},
		{"too large", "¥1234567890", nil},
		{"full-width comma is a list", "1，299元", []span{{TypeAmount, "299 CNY", "299元"}}},

		// date
		{"iso", "2024-11-23发货", []span{{TypeDate, "2024-11-23", "2024-11-23"}}},
		{"slashes", "on 2024/1/5", []span{{TypeDate, "2024-01-05", "2024/1/5"}}},
		{"dots", "2024.11.23", []span{{TypeDate, "2024-11-23", "2024.11.23"}}},
		{"zh full", "2024年11月23日下单", []span{{TypeDate, "2024-11-23", "2024年11月23日"}}},
		{"zh ri", "11月11日", []span{{TypeDate, "11-11", "11月11日"}}},
		{"zh hao", "我11月11号买的", []span{{TypeDate, "11-11", "11月11号"}}},
		{"hant hao", "3月8號", []span{{TypeDate, "03-08", "3月8號"}}},
		{"double 11", "双11买的", []span{{TypeDate, "11-11", "双11"}}},
		{"double eleven", "双十一活动", []span{{TypeDate, "11-11", "双十一"}}},
		{"double twelve hant", "雙十二", []span{{TypeDate, "12-12", "雙十二"}}},
		{"618 sale", "618大促的价格", []span{{TypeDate, "06-18", "618"}}},
		{"618 alone", "房间618", nil},
		{"en month first", "ordered on Nov 23", []span{{TypeDate, "11-23", "Nov 23"}}},
		{"en month ordinal year", "November 23rd, 2024", []span{{TypeDate, "2024-11-23", "November 23rd, 2024"}}},
		{"en day first", "23 November", []span{{TypeDate, "11-23", "23 November"}}},
		{"en day of", "the 1st of March", []span{{TypeDate, "03-01", "1st of March"}}},
		{"may capital", "May 5", []span{{TypeDate, "05-05", "May 5"}}},
		{"may verb", "you may 5 times", nil},
		{"relative zh", "昨天下的单，明天能到吗", []span{
			{TypeDate, "yesterday", "昨天"},
			{TypeDate, "tomorrow", "明天"},
		}},
		{"relative zh more", "前天和後天", []span{
			{TypeDate, "day before yesterday", "前天"},
			{TypeDate, "day after tomorrow", "後天"},
		}},
		{"relative en", "Yesterday I ordered, today nothing, TOMORROW?", []span{
			{TypeDate, "yesterday", "Yesterday"},
			{TypeDate, "today", "today"},
			{TypeDate, "tomorrow", "TOMORROW"},
		}},
		{"today inside word", "todays", nil},
		{"bad date", "2024-13-40", nil},
		{"feb 29 leap", "2024-02-29", []span{{TypeDate, "2024-02-29", "2024-02-29"}}},
		{"feb 29 not leap", "2023-02-29", nil},
		{"longer code", "2024-11-23-0001", nil},

		// several types, mixed text
		{"mixed", "Hi, 我的订单DD20241123001昨天付了$25.99, 电话138 1234 5678, email a@b.cn", []span{
			{TypeOrderID, "DD20241123001", "DD20241123001"},
			{TypeDate, "yesterday", "昨天"},
			{TypeAmount, "25.99 USD", "$25.99"},
			{TypePhone, "13812345678", "138 1234 5678"},
			{TypeEmail, "a@b.cn", "a@b.cn"},
		}},
		{"hant", "請問訂單DD20241123001什麼時候發貨？已付款¥299元，運單號是SF123456789012", []span{
			{TypeOrderID, "DD20241123001", "DD20241123001"},
			{TypeAmount, "299 CNY", "¥299元"},
			{TypeTrackingNo, "SF123456789012", "SF123456789012"},
		}},
		{"tracking beats 86-phone", "运单号8613812345678", []span{{TypeTrackingNo, "8613812345678", "8613812345678"}}},
		{"phone inside email", "13812345678@163.com", []span{{TypeEmail, "13812345678@163.com", "13812345678@163.com"}}},
		{"new year not money", "1月1日元旦发货吗", []span{{TypeDate, "01-01", "1月1日"}}},
		{"product spec", "iPhone 15 Pro 256G 多少钱", nil},
		{"counts", "我买了3件，第2024号", nil},
		{"empty", "", nil},
		{"no entities", "你好，在吗？", nil},
	}
	x := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := x.Extract(tt.in)
			in := []rune(tt.in)
			var want []Entity
			from := 0
			for _, w := range tt.want {
				s, e := offsets(t, in, from, w.text)
				want = append(want, Entity{Type: w.typ, Value: w.value, Start: s, End: e})
				from = e
			}
			if !equal(got, want) {
				t.Errorf("Extract(%q)\n got %s\nwant %s", tt.in, show(in, got), show(in, want))
			}
		})
	}
}

// TestExtractOffsets pins that offsets count runes, with each invalid
// UTF-8 byte as one rune, not bytes or UTF-16 units.
func TestExtractOffsets(t *testing.T) {
	tests := []struct {
		in         string
		start, end int
	}{
		{"DD20241123001", 0, 13},
		{"单号DD20241123001", 2, 15},
		{"😀😀DD20241123001", 2, 15},
		{"\xff\xfeDD20241123001", 2, 15},
		{"\xe4\xbdDD20241123001", 2, 15}, // a truncated 3-byte sequence: two runes
	}
	x := New()
	for _, tt := range tests {
		got := x.Extract(tt.in)
		if len(got) != 1 || got[0].Start != tt.start || got[0].End != tt.end {
			t.Errorf("Extract(%q) = %+v, want one entity at [%d,%d)", tt.in, got, tt.start, tt.end)
		}
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"单号是DD20241123001哦", "单号是 __order_id__ 哦"},
		{"DD20241123001", "__order_id__"},
		{"order DD20241123001 please", "order __order_id__ please"},
		{"电话13812345678，邮箱a@b.cn", "电话 __phone__ ，邮箱 __email__"},
		{"¥199昨天", "__amount__ __date__"},
		{"SF123456789012到哪了", "__tracking_no__ 到哪了"},
		{"11月11日买的199元", "__date__ 买的 __amount__"},
		{"没有实体", "没有实体"},
		{"", ""},
		{"bad \xff DD20241123001 \xfe", "bad \xff __order_id__ \xfe"},
		{"😀DD20241123001😀", "😀 __order_id__ 😀"},
	}
	x := New()
	for _, tt := range tests {
		if got := x.Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestNumbersAreNotAmounts guards the rule that matters most for the
// classifier: a number that is something else never turns into money.
func TestNumbersAreNotAmounts(t *testing.T) {
	x := New()
	for _, in := range []string{
		"13812345678元", "¥13812345678", "DD20241123001元", "2024-11-23元",
		"SF123456789012元", "运单号123456789012块",
	} {
		for _, e := range x.Extract(in) {
			if e.Type == TypeAmount {
				t.Errorf("Extract(%q) has amount %+v", in, e)
			}
		}
	}
}

func TestZeroExtractor(t *testing.T) {
	var x Extractor
	got := x.Extract("DD20241123001 13812345678 ¥5 今天 SF123456789012")
	if len(got) != 3 {
		t.Errorf("zero Extractor found %+v, want order id, phone, amount", got)
	}
}

func TestEntityJSON(t *testing.T) {
	b, err := json.Marshal(Entity{Type: TypePhone, Value: "13812345678", Start: 2, End: 13})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"type":"phone","value":"13812345678","start":2,"end":13}`; string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
}

func equal(a, b []Entity) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func show(in []rune, es []Entity) string {
	var b strings.Builder
	b.WriteString("[")
	for i, e := range es {
		if i > 0 {
			b.WriteString(" ")
		}
		text := "?"
		if e.Start >= 0 && e.End <= len(in) && e.Start <= e.End {
			text = string(in[e.Start:e.End])
		}
		fmt.Fprintf(&b, "%s=%q@%d:%d«%s»", e.Type, e.Value, e.Start, e.End, text)
	}
	b.WriteString("]")
	return b.String()
}

// checkInvariants is what FuzzExtract asserts for any input.
func checkInvariants(t *testing.T, x *Extractor, text string) {
	t.Helper()
	in := []rune(text)
	got := x.Extract(text)
	prevEnd := 0
	for _, e := range got {
		if e.Start < prevEnd || e.End <= e.Start || e.End > len(in) {
			t.Fatalf("Extract(%q): bad span %+v after %d (len %d)", text, e, prevEnd, len(in))
		}
		prevEnd = e.End
		folded := make([]rune, 0, e.End-e.Start)
		for _, r := range in[e.Start:e.End] {
			folded = append(folded, fold(r))
		}
		if !corresponds(e, folded) {
			t.Fatalf("Extract(%q): %+v does not match its text %q", text, e, string(in[e.Start:e.End]))
		}
	}
	masked := x.Mask(text)
	if len(got) == 0 && masked != text {
		t.Fatalf("Mask(%q) = %q changed text without entities", text, masked)
	}
	for _, e := range got {
		if !strings.Contains(masked, "__"+e.Type+"__") {
			t.Fatalf("Mask(%q) = %q lacks placeholder for %+v", text, masked, e)
		}
	}
}

// corresponds checks that a value could only have come from its span.
func corresponds(e Entity, span []rune) bool {
	s := string(span)
	digits := func(r []rune) string {
		var b []byte
		for _, c := range r {
			if c >= '0' && c <= '9' {
				b = append(b, byte(c))
			}
		}
		return string(b)
	}
	switch e.Type {
	case TypeOrderID:
		return strings.ToUpper(s) == e.Value && len(e.Value) == 13
	case TypeTrackingNo:
		return strings.ToUpper(s) == e.Value
	case TypeEmail:
		return s == e.Value && strings.Count(s, "@") == 1
	case TypePhone:
		d := digits(span)
		return len(e.Value) == 11 && strings.HasSuffix(d, e.Value) && (d == e.Value || d == "86"+e.Value)
	case TypeAmount:
		// The value's digits, less leading zeros, are the span's digits
		// less leading zeros and less trailing fractional zeros.
		num, cur, ok := strings.Cut(e.Value, " ")
		v := strings.TrimLeft(strings.Replace(num, ".", "", 1), "0")
		d := strings.TrimLeft(digits(span), "0")
		return ok && (cur == "CNY" || cur == "USD") && num != "" &&
			strings.HasPrefix(d, v) && strings.Trim(d[len(v):], "0") == ""
	case TypeDate:
		return e.Value != "" && utf8.ValidString(e.Value)
	}
	return false
}

func TestInvariantsOnSeeds(t *testing.T) {
	x := New()
	for _, s := range fuzzSeeds {
		checkInvariants(t, x, s)
	}
}

var fuzzSeeds = []string{
	"", "单号是DD20241123001哦", "ＤＤ２０２４１１２３００１", "+86 138-1234-5678", "a@b.cn@c.dd",
	"¥1,299.00元", "US$25", "2024年11月23日", "Nov 23, 2024", "双十一", "618活动",
	"运单号：773012345678", "\xff\xfe\xfd", "@@@...", "$$$¥¥¥", "1,2,3,4,5,6,7元",
	"Yesterday today tomorrow 昨天今天明天", "dd20241123001@qq.com", "86 86 86 13812345678",
}

func FuzzExtract(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	x := New()
	f.Fuzz(func(t *testing.T, text string) {
		checkInvariants(t, x, text)
	})
}

func BenchmarkExtract(b *testing.B) {
	x := New()
	for _, bm := range []struct{ name, msg string }{
		{"zh_order", "你好，我的订单DD20241123001什么时候发货？"}, // 27 runes
		{"en_amount", "Hi, where is my order? I paid $25.99 yesterday"},
		{"hant_tracking_phone", "請問運單號SF123456789012到哪了，電話13812345678"},
		{"zh_none", "这件衣服质量太差了我要退货退款谢谢你们"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				x.Extract(bm.msg)
			}
		})
	}
}

func BenchmarkMask(b *testing.B) {
	x := New()
	b.ReportAllocs()
	for b.Loop() {
		x.Mask("你好，我的订单DD20241123001什么时候发货？")
	}
}
