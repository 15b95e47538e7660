package nlu

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/kefu-ai/kefu/nlu/text"
)

// Emotion labels.
const (
	EmotionAngry    = "angry"
	EmotionAnxious  = "anxious"
	EmotionNeutral  = "neutral"
	EmotionPositive = "positive"
)

// EmotionLabels lists the emotion labels in model order.
var EmotionLabels = []string{EmotionAngry, EmotionAnxious, EmotionNeutral, EmotionPositive}

// Emotion is the customer's mood with the model's confidence in it.
type Emotion struct {
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// Cue words, matched on normalised text (lower case, Simplified). They
// become pseudo-words the emotion classifier weighs, so the lexicon is a
// prior the training data can correct, not a hard rule.
var (
	threatCues = []string{"12315", "投诉", "差评", "曝光", "消协", "消费者协会", "工商局", "律师", "起诉", "报警", "举报",
		"chargeback", "lawyer", "sue you", "report you", "bbb", "better business bureau", "ftc", "bad review", "1 star", "one star", "dispute"}
	insultCues = []string{"垃圾", "骗子", "傻", "坑人", "滚", "恶心", "无耻", "废物", "智障", "脑子", "什么玩意", "黑店", "骗钱", "呵呵",
		"scam", "idiot", "useless", "trash", "stupid", "wtf", "fuck", "shit", "ridiculous", "pathetic", "joke", "incompetent", "liar", "fraud", "worst"}
	negCues = []string{"不", "没", "还没", "一直", "到底", "怎么回事", "什么意思", "太慢", "慢死", "生气", "气死", "气人", "失望", "烂", "差", "坏", "破", "退款", "拖",
		"not", "never", "no ", "still", "again", "late", "broken", "wrong", "refund", "nobody", "terrible", "awful", "horrible", "waiting", "disappointed", "unacceptable"}
	anxiousCues = []string{"急", "着急", "担心", "怎么办", "快点", "赶紧", "马上", "尽快", "明天就要", "来不及", "害怕", "会不会", "万一", "求求", "拜托",
		"urgent", "asap", "worried", "hurry", "please help", "nervous", "scared", "deadline", "tomorrow", "panic", "need it by", "anxious"}
	posCues = []string{"谢谢", "感谢", "好评", "棒", "赞", "满意", "爱了", "喜欢", "辛苦", "太好了", "不错", "给力", "完美", "开心",
		"thank", "thx", "great", "awesome", "love", "perfect", "amazing", "excellent", "appreciate", "happy", "wonderful", "nice"}
)

// emotionCues returns the pseudo-words for the cues in a message. raw is
// the original text (for capitals and "!" counts), norm its normalised form.
func emotionCues(raw, norm string) string {
	var b strings.Builder
	has := func(cues []string) int {
		n := 0
		for _, c := range cues {
			if strings.Contains(norm, c) {
				n++
			}
		}
		return n
	}
	threat, insult, neg := has(threatCues), has(insultCues), has(negCues)
	anx, pos := has(anxiousCues), has(posCues)
	excl := strings.Count(raw, "!") + strings.Count(raw, "！")
	quest := strings.Count(raw, "?") + strings.Count(raw, "？")
	upper, letters := 0, 0
	for _, r := range raw {
		if r < unicode.MaxASCII && unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	caps := letters >= 8 && upper*10 >= letters*7
	add := func(w string, n int) {
		for range min(n, 3) {
			b.WriteString(" __" + w + "__")
		}
	}
	add("threat", threat)
	add("insult", insult)
	add("neg", neg)
	add("anx", anx)
	add("pos", pos)
	if excl >= 2 {
		add("excl", 1)
		if neg+insult+threat > 0 {
			add("excl_neg", 1)
		}
		if pos > 0 {
			add("excl_pos", 1)
		}
	}
	if quest >= 3 {
		add("quest", 1)
	}
	if caps {
		add("caps", 1)
		if neg+insult+threat > 0 {
			add("caps_neg", 1)
		}
	}
	return b.String()
}

// emotionModel is a classifier over words plus cue pseudo-words.
type emotionModel struct {
	*classifier
}

// emotionInput is the normalised, masked text plus its cue words.
func emotionInput(raw, normalised string) string {
	return normalised + emotionCues(raw, normalised)
}

func trainEmotion(ctx context.Context, exs []Example, seed uint64, mask func(string) string) (*emotionModel, error) {
	idx := map[string]int{}
	for i, l := range EmotionLabels {
		idx[l] = i
	}
	texts := make([]string, len(exs))
	ys := make([]int, len(exs))
	for i, e := range exs {
		y, ok := idx[e.Label]
		if !ok {
			return nil, fmt.Errorf("nlu: emotion example %d has label %q, want one of %v", i+1, e.Label, EmotionLabels)
		}
		ys[i] = y
		texts[i] = emotionInput(e.Text, text.Normalize(mask(e.Text)))
	}
	cfg := defaultIntentConfig(seed)
	cfg.Linear.Epochs = 30
	// Mood lives in words and cues, not in spelling: without character
	// n-grams and stems the emotion model costs half as much per parse
	// and scored the same on data/emotion/test.jsonl (BENCHMARKS.md).
	cfg.Features.CharMax = 0
	// The cue words already carry "!!!" and capitals; marks and message
	// edges as features lowered emotion macro-F1 (0.895 → 0.882).
	cfg.Features.Punct, cfg.Features.Bounds = false, false
	cfg.Features.Stem = false
	cfg.Features.CJKEdges = false
	c, err := trainClassifier(ctx, texts, ys, EmotionLabels, cfg)
	if err != nil {
		return nil, fmt.Errorf("nlu: emotion: %w", err)
	}
	return &emotionModel{classifier: c}, nil
}

// predict returns the emotion of a message. Threats and insults are anger
// whatever the learned weights say: routing an abusive customer to a person
// is the safe side.
// predict reads the emotion of raw, whose normalised, masked form the
// caller has already made for the intent model.
func (m *emotionModel) predict(raw, normalised string) Emotion {
	in := emotionInput(raw, normalised)
	p := m.probs(in)
	best := 0
	for i := range p {
		if p[i] > p[best] {
			best = i
		}
	}
	e := Emotion{Label: m.labels[best], Score: float64(p[best])}
	if e.Label != EmotionAngry && (strings.Contains(in, "__threat__") || strings.Contains(in, "__insult__")) && p[0] > 0.15 {
		e = Emotion{Label: EmotionAngry, Score: max(float64(p[0]), 0.6)}
	}
	return e
}
