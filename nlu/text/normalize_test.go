package text

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalizeVariantsMeet(t *testing.T) {
	tests := []struct {
		name string
		a, b string
	}{
		{"traditional", "我的訂單在哪", "我的订单在哪"},
		{"traditional sentence", "退貨運費誰出？", "退货运费谁出?"},
		{"full-width latin and digits", "ＤＤ２０２４１１２３００１ ＯＫ", "dd20241123001 ok"},
		{"full-width punctuation", "在吗？？？", "在吗?"},
		{"zero-width", "退\u200b款\u200d了吗\ufeff", "退款了吗"},
		{"bidi override", "\u202erefund\u202c please", "refund please"},
		{"case", "WHERE IS MY ORDER", "where is my order"},
		{"accents", "café crème", "cafe creme"},
		{"repeated punctuation", "thanks!!!!!!", "thanks!"},
		{"whitespace", "  where\t is \n my   parcel ", "where is my parcel"},
		{"control characters", "order\x00 status\x07", "order status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := Normalize(tt.a), Normalize(tt.b); got != want {
				t.Errorf("Normalize(%q) = %q, Normalize(%q) = %q; want equal", tt.a, got, tt.b, want)
			}
		})
	}
}

func TestNormalizeKeepsPlaceholders(t *testing.T) {
	got := Normalize("单号 __order_id__ 到哪了")
	if !strings.Contains(got, "__order_id__") {
		t.Fatalf("placeholder lost: %q", got)
	}
	ws := Words(got)
	var texts []string
	for _, w := range ws {
		texts = append(texts, w.Text)
	}
	if strings.Join(texts, "|") != "单|号|__order_id__|到|哪|了" {
		t.Errorf("Words = %q", texts)
	}
}

func TestWordsSplitsChinese(t *testing.T) {
	// A Chinese sentence must never be one token (Rasa #6752).
	ws := Words(Normalize("我想退货怎么办"))
	if len(ws) != 7 {
		t.Fatalf("got %d words %v, want 7 characters", len(ws), ws)
	}
	ws = Words(Normalize("iphone15退货 ok?"))
	want := []string{"iphone15", "退", "货", "ok", "?"}
	if len(ws) != len(want) {
		t.Fatalf("Words = %v, want %v", ws, want)
	}
	for i := range want {
		if ws[i].Text != want[i] {
			t.Errorf("word %d = %q, want %q", i, ws[i].Text, want[i])
		}
	}
}

func TestNormalizeInvalidUTF8(t *testing.T) {
	got := Normalize("退\xe6款\xff")
	if !utf8.ValidString(got) {
		t.Fatalf("invalid UTF-8 out: %q", got)
	}
	if got != "退款" {
		t.Errorf("got %q, want 退款", got)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"我的訂單在哪", "ＤＤ２０２４", "\xe6", "İstanbul", "\u212a", "a\u200bb", "!!!???", "__order_id__ x", "___", "__a_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("invalid UTF-8 from %q", s)
		}
		if Normalize(n) != n {
			// Idempotence: normalising twice changes nothing.
			t.Fatalf("not idempotent: %q → %q → %q", s, n, Normalize(n))
		}
		words := Words(n)
		for _, w := range words {
			if w.Text == "" {
				t.Fatalf("empty word from %q", s)
			}
		}
		if HasWords(n) != (len(words) > 0) {
			t.Fatalf("HasWords(%q) = %v, Words = %v", n, HasWords(n), words)
		}
	})
}

func BenchmarkNormalize(b *testing.B) {
	s := "亲，我的訂單DD20241123001到哪了？？？三天都沒更新了!!"
	for b.Loop() {
		Normalize(s)
	}
}
