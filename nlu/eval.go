package nlu

import (
	"sort"
)

// Prediction pairs a gold label with the predicted one; Lang, when set, is
// the message's language, for the per-language figures.
type Prediction struct {
	Gold, Pred, Lang string
}

// LangScore is the in-scope accuracy over the messages of one language.
type LangScore struct {
	Lang            string  `json:"lang"`
	InScope         int     `json:"in_scope"`
	InScopeAccuracy float64 `json:"in_scope_accuracy"`
}

// IntentScore is one label's precision, recall and F1.
type IntentScore struct {
	Intent    string  `json:"intent"`
	Support   int     `json:"support"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// Confusion counts how often Gold was predicted as Pred.
type Confusion struct {
	Gold  string `json:"gold"`
	Pred  string `json:"pred"`
	Count int    `json:"count"`
}

// Report is what `kefu eval` prints. In-scope accuracy counts an OOS
// prediction on an in-scope row as wrong (Larson et al. 2019).
type Report struct {
	Examples        int           `json:"examples"`
	InScope         int           `json:"in_scope"`
	OutOfScope      int           `json:"out_of_scope"`
	InScopeAccuracy float64       `json:"in_scope_accuracy"`
	Accuracy        float64       `json:"accuracy"`
	OOSPrecision    float64       `json:"oos_precision"`
	OOSRecall       float64       `json:"oos_recall"`
	OOSF1           float64       `json:"oos_f1"`
	MacroF1         float64       `json:"macro_f1"`
	Weakest         []IntentScore `json:"weakest"`
	Confused        []Confusion   `json:"confused"`
	ByLang          []LangScore   `json:"by_lang,omitempty"`
}

// Evaluate scores predictions; weakest and confused list at most n entries.
func Evaluate(preds []Prediction, n int) Report {
	r := Report{Examples: len(preds)}
	tp, fp, fn, support := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	conf := map[[2]string]int{}
	inRight, right := 0, 0
	langN, langRight := map[string]int{}, map[string]int{}
	for _, p := range preds {
		support[p.Gold]++
		if p.Lang != "" && p.Gold != OOS {
			langN[p.Lang]++
			if p.Pred == p.Gold {
				langRight[p.Lang]++
			}
		}
		if p.Gold == OOS {
			r.OutOfScope++
		} else {
			r.InScope++
		}
		if p.Gold == p.Pred {
			tp[p.Gold]++
			right++
			if p.Gold != OOS {
				inRight++
			}
			continue
		}
		fn[p.Gold]++
		fp[p.Pred]++
		conf[[2]string{p.Gold, p.Pred}]++
	}
	if r.InScope > 0 {
		r.InScopeAccuracy = float64(inRight) / float64(r.InScope)
	}
	if len(preds) > 0 {
		r.Accuracy = float64(right) / float64(len(preds))
	}
	score := func(l string) IntentScore {
		s := IntentScore{Intent: l, Support: support[l]}
		if d := tp[l] + fp[l]; d > 0 {
			s.Precision = float64(tp[l]) / float64(d)
		}
		if d := tp[l] + fn[l]; d > 0 {
			s.Recall = float64(tp[l]) / float64(d)
		}
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		return s
	}
	if r.OutOfScope > 0 || fp[OOS] > 0 {
		o := score(OOS)
		r.OOSPrecision, r.OOSRecall, r.OOSF1 = o.Precision, o.Recall, o.F1
	}
	var scores []IntentScore
	for l := range support {
		scores = append(scores, score(l))
	}
	sort.Slice(scores, func(i, j int) bool {
		if scores[i].F1 != scores[j].F1 {
			return scores[i].F1 < scores[j].F1
		}
		return scores[i].Intent < scores[j].Intent
	})
	var sum float64
	for _, s := range scores {
		sum += s.F1
	}
	if len(scores) > 0 {
		r.MacroF1 = sum / float64(len(scores))
	}
	r.Weakest = scores[:min(n, len(scores))]
	for k, c := range conf {
		r.Confused = append(r.Confused, Confusion{Gold: k[0], Pred: k[1], Count: c})
	}
	sort.Slice(r.Confused, func(i, j int) bool {
		a, b := r.Confused[i], r.Confused[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Gold != b.Gold {
			return a.Gold < b.Gold
		}
		return a.Pred < b.Pred
	})
	r.Confused = r.Confused[:min(n, len(r.Confused))]
	for l, n := range langN {
		r.ByLang = append(r.ByLang, LangScore{Lang: l, InScope: n, InScopeAccuracy: float64(langRight[l]) / float64(n)})
	}
	sort.Slice(r.ByLang, func(i, j int) bool { return r.ByLang[i].Lang < r.ByLang[j].Lang })
	return r
}
