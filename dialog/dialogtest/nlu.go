package dialogtest

import (
	"context"
	"strings"

	"github.com/kefu-ai/kefu/dialog"
	"github.com/kefu-ai/kefu/nlu"
	"github.com/kefu-ai/kefu/nlu/entity"
	"github.com/kefu-ai/kefu/nlu/lang"
)

// Rule reads a message containing any of Keywords (case-insensitive) as
// Intent with Confidence. Ranking, when set, replaces the default ranking
// (the intent, then oos with the rest).
type Rule struct {
	Keywords   []string
	Intent     string
	Confidence float64
	Ranking    []nlu.Ranked
}

// EmotionRule gives a message containing any of Keywords an emotion.
type EmotionRule struct {
	Keywords []string
	Label    string
	Score    float64
}

// NLU is a dialog.Understander driven by keyword tables, so that engine
// tests do not depend on a trained model. Entities and language come
// from the real extractor and detector (rules, not a model). The first
// matching rule wins; no match is out of scope. ParseFunc, when set,
// replaces it all.
type NLU struct {
	Rules     []Rule
	Emotions  []EmotionRule
	ParseFunc func(ctx context.Context, text string) nlu.Result
}

var _ dialog.Understander = (*NLU)(nil)

var extractor = entity.New()

// Parse implements dialog.Understander.
func (n *NLU) Parse(ctx context.Context, text string) nlu.Result {
	if n.ParseFunc != nil {
		return n.ParseFunc(ctx, text)
	}
	low := strings.ToLower(text)
	r := nlu.Result{
		Intent: nlu.OOS, Confidence: 0.9, Ranking: []nlu.Ranked{{Intent: nlu.OOS, Confidence: 0.9}},
		Entities: extractor.Extract(text), Emotion: nlu.Emotion{Label: nlu.EmotionNeutral, Score: 0.9},
		Lang: lang.Detect(text),
	}
	if r.Entities == nil {
		r.Entities = []entity.Entity{}
	}
	for _, rule := range n.Rules {
		if containsAny(low, rule.Keywords) {
			r.Intent, r.Confidence = rule.Intent, rule.Confidence
			r.Ranking = rule.Ranking
			if r.Ranking == nil {
				r.Ranking = []nlu.Ranked{{Intent: rule.Intent, Confidence: rule.Confidence}, {Intent: nlu.OOS, Confidence: 1 - rule.Confidence}}
			}
			break
		}
	}
	for _, er := range n.Emotions {
		if containsAny(low, er.Keywords) {
			r.Emotion = nlu.Emotion{Label: er.Label, Score: er.Score}
			break
		}
	}
	return r
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if w != "" && strings.Contains(s, strings.ToLower(w)) {
			return true
		}
	}
	return false
}
