package lang

import (
	"testing"
	"unicode"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// Simplified
		{"zh order", "我的订单什么时候发货", Chinese},
		{"zh short", "谢谢", Chinese},
		{"zh no marker chars", "你好", Chinese},
		{"zh with order id", "订单DD20241123001什么时候到", Chinese},
		{"zh with placeholder", "__order_id__ 什么时候到", Chinese},
		{"zh with product", "iPhone 15 有货吗", Chinese},
		{"zh with model number", "Mate 60 还有吗", Chinese},
		{"zh with brand", "Nike的鞋子有货吗", Chinese},
		{"zh with two-word brand", "Apple Watch 什么时候补货", Chinese},
		{"zh with filler", "ok好的", Chinese},
		{"zh with app", "这个app怎么登录不了", Chinese},
		{"zh with hi", "hi 在吗", Chinese},
		{"zh with email", "我的邮箱是li.lei@example.com", Chinese},
		{"zh with url", "这个链接https://example.com/item打不开", Chinese},
		{"zh one word in long sentence", "请问一下我的order什么时候发货呢", Chinese},
		{"zh full-width punctuation", "在吗？？？", Chinese},

		// Traditional
		{"hant order", "我的訂單什麼時候發貨", ChineseTraditional},
		{"hant short", "謝謝", ChineseTraditional},
		{"hant taiwan forms", "為什麼還沒到", ChineseTraditional},
		{"hant with product", "iPhone 15 還有貨嗎", ChineseTraditional},
		{"hant majority", "請問這個訂單号", ChineseTraditional},
		{"hant shared 里 and 后", "公里數之後", ChineseTraditional},

		// English
		{"en", "Where is my order?", English},
		{"en with id", "Where is my order DD20241123001?", English},
		{"en with placeholder", "my order __order_id__ has not arrived", English},
		{"en one han", "where is my 单", English},
		{"en full-width", "ｗｈｅｒｅ ｉｓ ｍｙ ｏｒｄｅｒ", English},
		{"en shouting", "WHERE IS MY ORDER", English},
		{"en product alone", "iPhone 15", English},
		{"en filler alone", "ok", English},

		// Mixed
		{"mixed spec example", "我的order还没到", Mixed},
		{"mixed polite", "请问我的order还没到吗", Mixed},
		{"mixed en first", "Where is my 快递", Mixed},
		{"mixed please", "我想退货 please help me", Mixed},
		{"mixed hant", "謝謝 thank you", Mixed},
		{"mixed with capital next to lower", "Hello 我的order还没到", Mixed},

		// Undetermined
		{"empty", "", Undetermined},
		{"digits", "13812345678", Undetermined},
		{"emoji", "😀😀👍", Undetermined},
		{"punctuation", "？？!!...", Undetermined},
		{"code only", "DD20241123001", Undetermined},
		{"placeholder only", "__order_id__", Undetermined},
		{"korean", "안녕하세요", Undetermined},
		{"invalid utf8", "\xff\xfe", Undetermined},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detect(tt.in); got != tt.want {
				t.Errorf("Detect(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTables(t *testing.T) {
	seen := map[rune]string{}
	for _, tab := range []struct{ name, chars string }{
		{"simplifiedOnly", simplifiedOnly},
		{"traditionalOnly", traditionalOnly},
	} {
		n := 0
		for _, r := range tab.chars {
			n++
			if !unicode.Is(unicode.Han, r) || r < hanFirst || r > hanLast {
				t.Errorf("%s: %q is not in the CJK Unified Ideographs block", tab.name, r)
			}
			if prev, ok := seen[r]; ok {
				t.Errorf("%s: %q already in %s", tab.name, r, prev)
			}
			seen[r] = tab.name
		}
		if n < 400 {
			t.Errorf("%s has %d characters, want at least 400", tab.name, n)
		}
	}
	// Characters the brief names, and ones that must stay out.
	for _, r := range "们这个为说还时来对会订单货号运费钱买卖发问题请谢么点双与让过错给从" {
		if !simplified.has(r) {
			t.Errorf("simplifiedOnly lacks %q", r)
		}
	}
	for _, r := range "們這個為爲說還時來對會訂單貨號運費錢買賣發閱門問題請謝麼點麵雙與讓過錯給從後裡裏" {
		if !traditional.has(r) {
			t.Errorf("traditionalOnly lacks %q", r)
		}
	}
	for _, r := range "后里干面只台群床的是我你好在不了" {
		if simplified.has(r) || traditional.has(r) {
			t.Errorf("%q is shared by both scripts but is in a table", r)
		}
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		"", "我的order还没到", "謝謝", "iPhone 15 有货吗", "__order_id__", "a@b.cn", "\xff",
		"www.", "Pixel 8", "___", "ＡＢＣ", "😀",
	} {
		f.Add(s)
	}
	valid := map[string]bool{Chinese: true, ChineseTraditional: true, English: true, Mixed: true, Undetermined: true}
	f.Fuzz(func(t *testing.T, text string) {
		got := Detect(text)
		if !valid[got] {
			t.Fatalf("Detect(%q) = %q, not a known tag", text, got)
		}
		// No letters at all must be "und".
		hasLetter := false
		for _, r := range text {
			if unicode.IsLetter(r) {
				hasLetter = true
				break
			}
		}
		if !hasLetter && got != Undetermined {
			t.Fatalf("Detect(%q) = %q without any letter", text, got)
		}
	})
}

func BenchmarkDetect(b *testing.B) {
	msgs := []string{
		"你好，我的订单DD20241123001什么时候发货？",
		"請問運單號SF123456789012到哪了",
		"Hi, where is my order? I paid $25.99 yesterday",
		"我的order还没到，iPhone 15 有货吗",
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range msgs {
			Detect(m)
		}
	}
}
