package wordpiece

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kefu-ai/kefu/nlu/text"
)

func testTokenizer(t testing.TB) *Tokenizer {
	t.Helper()
	texts := []string{"refund my order", "refunds refunded refunding", "我的订单到哪了", "订单 退款", "order order refund"}
	for i := range texts {
		texts[i] = text.Normalize(texts[i])
	}
	tok, err := New(Build(texts, BuildConfig{MinCount: 2}))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTokenize(t *testing.T) {
	tok := testTokenizer(t)
	tests := []struct {
		in   string
		want []string
	}{
		{"refund order", []string{"refund", "order"}},
		{"我的订单", []string{"我", "的", "订", "单"}},                 // one token per CJK character
		{"refunding", []string{"refund", "##i", "##n", "##g"}}, // known characters never give [UNK]
		{"xyzzy", []string{"[UNK]"}},                           // characters never seen in training
	}
	for _, tt := range tests {
		if got := tok.Tokenize(text.Normalize(tt.in)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVocabRoundTrip(t *testing.T) {
	vocab := Build([]string{"hello world", "hello there"}, BuildConfig{MinCount: 1})
	var buf bytes.Buffer
	if err := WriteVocab(&buf, vocab); err != nil {
		t.Fatal(err)
	}
	got, err := ReadVocab(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, vocab) {
		t.Errorf("round trip changed the vocabulary")
	}
	if _, err := ReadVocab(strings.NewReader("[PAD]\nhello\n")); err == nil {
		t.Error("ReadVocab accepted a vocabulary without special tokens")
	}
}

func FuzzTokenize(f *testing.F) {
	tok := testTokenizer(f)
	for _, s := range []string{"refund", "\xe6", "İstanbul", "\u212a", "🙂refund", strings.Repeat("a", 200), "订单😭😭"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tk := range tok.Tokenize(text.Normalize(s)) {
			if tk == "" || !utf8.ValidString(tk) {
				t.Fatalf("bad token %q from %q", tk, s)
			}
		}
	})
}
