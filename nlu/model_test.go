package nlu

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// tinyData makes a small bilingual training set: three intents and
// out-of-scope chatter, with enough variety for a model to generalise.
func tinyData() (train, val []Example, emo []Example) {
	intents := map[string][]string{
		"order_status": {"我的订单到哪了", "快递到哪里了", "物流怎么还没更新", "帮我查下订单", "包裹现在在哪", "查物流",
			"where is my order", "track my parcel", "where's my package now", "order status please", "has my order shipped yet", "tracking info?"},
		"refund_status": {"退款什么时候到账", "钱怎么还没退回来", "退款进度查一下", "我的退款到哪了", "退的钱呢", "退款还没收到",
			"when will i get my refund", "refund not received", "where is my money back", "refund status?", "still waiting for the refund", "has the refund gone through"},
		"greeting": {"你好", "在吗", "哈喽", "嗨", "亲在吗", "早上好", "hello", "hi there", "hey", "good morning", "anyone there", "hiya"},
		OOS: {"今天天气怎么样", "讲个笑话", "帮我写作业", "股票会涨吗", "推荐一部电影", "一加一等于几",
			"what is the weather", "tell me a joke", "write my essay", "who won the game", "recommend a movie", "what is 2 plus 2"},
	}
	for label, texts := range intents {
		for i, t := range texts {
			ex := Example{Text: t, Label: label}
			if i%6 == 5 {
				val = append(val, ex)
			} else {
				train = append(train, ex)
			}
		}
	}
	emotions := map[string][]string{
		EmotionAngry:    {"垃圾服务!!!", "再不退款我就投诉你们", "你们是骗子吗", "WHERE IS MY REFUND", "this is a scam", "worst shop ever!!!"},
		EmotionAnxious:  {"急急急明天就要用", "好担心钱没了", "怎么办啊来不及了", "please hurry i need it tomorrow", "i'm so worried", "urgent please help"},
		EmotionNeutral:  {"请问什么时候发货", "订单号多少", "在吗!!!", "Hi!!! do you ship to Canada?", "what sizes are there", "HELLO, is the XL in stock?"},
		EmotionPositive: {"好的!!谢谢!!", "太棒了", "给你们好评", "thanks a lot", "love it", "you guys are awesome"},
	}
	for label, texts := range emotions {
		for _, t := range texts {
			emo = append(emo, Example{Text: t, Label: label})
		}
	}
	sortExamples(train)
	sortExamples(val)
	sortExamples(emo)
	return train, val, emo
}

func sortExamples(exs []Example) {
	// Map iteration is random; tests need a fixed order for determinism.
	for i := 1; i < len(exs); i++ {
		for j := i; j > 0 && exs[j].Label+exs[j].Text < exs[j-1].Label+exs[j-1].Text; j-- {
			exs[j], exs[j-1] = exs[j-1], exs[j]
		}
	}
}

func trainTiny(t *testing.T, seed uint64) *Model {
	t.Helper()
	train, val, emo := tinyData()
	m, err := Train(context.Background(), TrainInput{Train: train, Val: val, Emotion: emo, Seed: seed, Now: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTrainParse(t *testing.T) {
	m := trainTiny(t, 1)
	ctx := context.Background()
	tests := []struct {
		text, intent string
	}{
		{"我的訂單到哪了", "order_status"}, // Traditional query, Simplified training
		{"ＷＨＥＲＥ is my order", "order_status"},
		{"退款咋还没到账", "refund_status"},
		{"hello!!", "greeting"},
	}
	for _, tt := range tests {
		r := m.Parse(ctx, tt.text)
		if r.Intent != tt.intent {
			t.Errorf("Parse(%q).Intent = %q (%.3f), want %q; ranking %v", tt.text, r.Intent, r.Confidence, tt.intent, r.Ranking)
		}
		if len(r.Ranking) == 0 || r.Confidence <= 0 || r.Confidence > 1 {
			t.Errorf("Parse(%q): bad confidence %v / ranking %v", tt.text, r.Confidence, r.Ranking)
		}
	}
	r := m.Parse(ctx, "单号DD20241123001到哪了")
	if len(r.Entities) != 1 || r.Entities[0].Type != "order_id" || r.Entities[0].Value != "DD20241123001" || r.Entities[0].Start != 2 || r.Entities[0].End != 15 {
		t.Errorf("entities = %+v, want order_id DD20241123001 at [2,15)", r.Entities)
	}
	if r.Lang != "zh" {
		t.Errorf("lang = %q, want zh", r.Lang)
	}
	if e := m.Parse(ctx, "").Intent; e != OOS {
		t.Errorf("empty text intent = %q, want oos", e)
	}
}

// TestTrainRefitsWhenValIsTrainedOn: with the validation rows inside the
// training data, their figures come from a fit that did not see them, and
// the shipped model is the one fit on everything.
func TestTrainRefitsWhenValIsTrainedOn(t *testing.T) {
	train, val, emo := tinyData()
	ctx := context.Background()
	all := append(append([]Example(nil), train...), val...)
	m, err := Train(ctx, TrainInput{Train: all, Val: val, Emotion: emo, Seed: 1, Now: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	man := m.Manifest()
	if !man.ValHeldOut || man.Examples != len(all) {
		t.Fatalf("held out %v, examples %d; want true, %d", man.ValHeldOut, man.Examples, len(all))
	}
	// Trained on, the validation rows are answered right by the final
	// model, whatever the held-out figures say.
	for _, e := range val {
		if got := m.Parse(ctx, e.Text).Intent; got != e.Label {
			t.Errorf("refit model: Parse(%q) = %q, want %q", e.Text, got, e.Label)
		}
	}
	plain, err := Train(ctx, TrainInput{Train: train, Val: val, Emotion: emo, Seed: 1, Now: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Manifest().ValHeldOut {
		t.Error("separate validation rows reported as held out of a refit")
	}
	if got, want := man.Threshold, plain.Manifest().Threshold; got != want {
		t.Errorf("refit threshold %v, want the held-out fit's %v", got, want)
	}
}

// TestFewShotIntent: an intent an editor adds with three examples is
// recognised in other words, beside intents with many more.
func TestFewShotIntent(t *testing.T) {
	train, val, emo := tinyData()
	// Make the other intents big, so the new one is a real minority.
	n := len(train)
	for i := range 4 {
		for _, e := range train[:n] {
			if e.Label != OOS {
				train = append(train, Example{Text: e.Text + strings.Repeat(" 呀", i+1), Label: e.Label})
			}
		}
	}
	train = append(train,
		Example{Text: "可以帮我包装成礼物吗", Label: "gift_wrap"},
		Example{Text: "有礼品包装服务吗", Label: "gift_wrap"},
		Example{Text: "can you gift wrap it", Label: "gift_wrap"},
	)
	m, err := Train(context.Background(), TrainInput{Train: train, Val: val, Emotion: emo, Seed: 1, Now: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"礼物包装一下", "能做礼品包装不", "gift wrap please", "is gift wrapping available"} {
		if r := m.Parse(context.Background(), q); r.Intent != "gift_wrap" {
			t.Errorf("Parse(%q) = %s (%.2f), want gift_wrap; ranking %v", q, r.Intent, r.Confidence, r.Ranking)
		}
	}
}

func TestTrainDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := trainTiny(t, 7).Save(a); err != nil {
		t.Fatal(err)
	}
	if err := trainTiny(t, 7).Save(b); err != nil {
		t.Fatal(err)
	}
	ma, err := Load(a)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := Load(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ma.Manifest().Files, mb.Manifest().Files) {
		t.Errorf("same seed, different files:\n%v\n%v", ma.Manifest().Files, mb.Manifest().Files)
	}
}

func TestModelRoundTrip(t *testing.T) {
	m := trainTiny(t, 1)
	dir := t.TempDir()
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	l, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, s := range []string{"快递到哪了", "refund???", "讲个笑话吧", "急死了我的钱呢!!!"} {
		if got, want := l.Parse(ctx, s), m.Parse(ctx, s); !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%q) after load = %+v, before = %+v", s, got, want)
		}
	}
}

func TestLoadBadModels(t *testing.T) {
	m := trainTiny(t, 1)
	good := t.TempDir()
	if err := m.Save(good); err != nil {
		t.Fatal(err)
	}
	copyDir := func(t *testing.T) string {
		dst := t.TempDir()
		err := filepath.Walk(good, func(p string, info os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(good, p)
			if info.IsDir() {
				return os.MkdirAll(filepath.Join(dst, rel), 0o755)
			}
			raw, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, rel), raw, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
		return dst
	}
	tests := []struct {
		name    string
		damage  func(dir string) error
		message string
	}{
		{"missing directory", func(dir string) error { return os.RemoveAll(dir) }, "manifest.json"},
		{"truncated weights", func(dir string) error {
			p := filepath.Join(dir, "intent", fileWeights)
			raw, _ := os.ReadFile(p)
			return os.WriteFile(p, raw[:len(raw)/2], 0o644)
		}, "corrupt or truncated"},
		{"flipped byte", func(dir string) error {
			p := filepath.Join(dir, "emotion", fileRows)
			raw, _ := os.ReadFile(p)
			raw[len(raw)/2] ^= 0xff
			return os.WriteFile(p, raw, 0o644)
		}, "corrupt or truncated"},
		{"newer format", func(dir string) error {
			p := filepath.Join(dir, manifestFile)
			raw, _ := os.ReadFile(p)
			return os.WriteFile(p, []byte(strings.Replace(string(raw), `"format": 1`, `"format": 99`, 1)), 0o644)
		}, "newer"},
		{"garbage manifest", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, manifestFile), []byte("{not json"), 0o644)
		}, "corrupt"},
		{"missing file", func(dir string) error { return os.Remove(filepath.Join(dir, "intent", fileVocab)) }, "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyDir(t)
			if err := tt.damage(dir); err != nil {
				t.Fatal(err)
			}
			_, err := Load(dir)
			if err == nil {
				t.Fatal("Load succeeded on a damaged model")
			}
			if !errors.Is(err, ErrModel) || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("Load error = %v, want ErrModel mentioning %q", err, tt.message)
			}
		})
	}
}

func TestEmotionNeutralExclamations(t *testing.T) {
	m := trainTiny(t, 1)
	ctx := context.Background()
	tests := []struct {
		text string
		not  string
		want string
	}{
		{text: "Hi!!! do you ship to Canada?", not: EmotionAngry},
		{text: "好的!!谢谢!!", not: EmotionAngry},
		{text: "我要打12315投诉你们", want: EmotionAngry},
		{text: "你们这些骗子!!!", want: EmotionAngry},
	}
	for _, tt := range tests {
		got := m.Parse(ctx, tt.text).Emotion
		if tt.not != "" && got.Label == tt.not {
			t.Errorf("emotion(%q) = %v, must not be %s", tt.text, got, tt.not)
		}
		if tt.want != "" && got.Label != tt.want {
			t.Errorf("emotion(%q) = %v, want %s", tt.text, got, tt.want)
		}
	}
}

func TestReadExamplesErrors(t *testing.T) {
	tests := []struct {
		in   string
		line int
	}{
		{"{\"text\":\"a\",\"intent\":\"x\"}\n{bad", 2},
		{"{\"text\":\"\",\"intent\":\"x\"}", 1},
		{"\n\n{\"text\":\"a\"}", 3},
		{"{\"text\":1,\"intent\":\"x\"}", 1},
	}
	for _, tt := range tests {
		_, err := ReadExamples(strings.NewReader(tt.in), "intent")
		var le *LineError
		if !errors.As(err, &le) || le.Line != tt.line {
			t.Errorf("ReadExamples(%q) error = %v, want line %d", tt.in, err, tt.line)
		}
	}
}

func FuzzReadExamples(f *testing.F) {
	f.Add([]byte("{\"text\":\"我的订单\",\"intent\":\"order_status\"}\n"))
	f.Add([]byte("{\"text\":\"\\ud800\",\"intent\":\"x\"}"))
	f.Add([]byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		exs, err := ReadExamples(strings.NewReader(string(raw)), "intent")
		if err != nil {
			return
		}
		for _, e := range exs {
			if strings.TrimSpace(e.Text) == "" || e.Label == "" {
				t.Fatalf("accepted empty example %+v", e)
			}
		}
	})
}

func ExampleEvaluate() {
	r := Evaluate([]Prediction{{"a", "a", "zh"}, {"a", "b", "en"}, {OOS, OOS, "en"}, {"b", OOS, "zh"}}, 1)
	fmt.Printf("in-scope %.2f oos recall %.2f oos precision %.2f\n", r.InScopeAccuracy, r.OOSRecall, r.OOSPrecision)
	for _, l := range r.ByLang {
		fmt.Printf("%s %.2f of %d\n", l.Lang, l.InScopeAccuracy, l.InScope)
	}
	// Output:
	// in-scope 0.33 oos recall 1.00 oos precision 0.50
	// en 0.00 of 1
	// zh 0.50 of 2
}

func TestCurrentSwapUnderLoad(t *testing.T) {
	a, b := trainTiny(t, 1), trainTiny(t, 2)
	cur := NewCurrent(a)
	ctx := context.Background()
	done := make(chan struct{})
	errc := make(chan string, 8)
	for range 4 {
		go func() {
			for {
				select {
				case <-done:
					errc <- ""
					return
				default:
				}
				if r := cur.Parse(ctx, "我的订单到哪了"); r.Intent != "order_status" {
					errc <- r.Intent
					return
				}
			}
		}()
	}
	for i := range 200 {
		if i%2 == 0 {
			cur.Swap(b)
		} else {
			cur.Swap(a)
		}
	}
	close(done)
	for range 4 {
		if got := <-errc; got != "" {
			t.Errorf("a parse during swaps returned %q", got)
		}
	}
	if NewCurrent(nil).Parse(ctx, "hi").Intent != OOS || NewCurrent(nil).Ready() {
		t.Error("an empty Current must answer out of scope and not be ready")
	}
}
