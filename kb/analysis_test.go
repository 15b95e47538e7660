package kb

import (
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"

	"github.com/kefu-ai/kefu/store"
)

// analyzerTricky are texts on the edges of the analysis chain: case,
// apostrophes, stemmer exceptions, widths, mixed scripts, invalid bytes.
var analyzerTricky = []string{
	"", " ", "Running RUNS ran runner's", "It's the customers' parcels'", "'tis o'clock",
	"skis skies dying lying news howe atlas cosmos bias andes", "generously generation universe",
	"ＲＥＦＵＮＤＳ ｉＰｈｏｎｅ１５保修", "iPhone15坏了怎么保修", "退貨怎麼申請", "café naïve résumé",
	"İstanbul ǅemal ß ﬁne", "123 4.5 6,7 2024年11月", "a\u200db\ufeffc", "bad\xffbytes\xc3", "我的订单 order#123 到哪了？",
	"yyy y ys yes", "aaaa'", "''", "\u00a0\u3000全角　空格",
}

func analyzedTerms(a analysis.Analyzer, s string) []string {
	var out []string
	for _, t := range a.Analyze([]byte(s)) {
		out = append(out, string(t.Term))
	}
	return out
}

// TestAnswerAnalyzerMatchesMain checks that answer selection's analyzer
// makes the main analyzer's terms, in order, for every text of the demo
// shop (questions, articles, synonyms) and some edge cases.
func TestAnswerAnalyzerMatchesMain(t *testing.T) {
	k, st, _ := newTestKB(t, defaultTuning)
	if k.answer == k.main {
		t.Fatal("the answer analyzer is the main one: the stemmer was not found")
	}
	importFile(t, k, articlesPath)
	texts := slices.Clone(analyzerTricky)
	for _, r := range loadAnswerRequests(t, "../data/nlu/train", "../data/nlu/val", "../data/nlu/test") {
		texts = append(texts, r.Text)
	}
	arts, err := st.Articles(ctx, store.ArticleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range arts {
		texts = append(texts, a.Title, a.Answer)
		texts = append(texts, a.Questions...)
	}
	for _, g := range DefaultSynonyms {
		texts = append(texts, g...)
	}
	stemmed := 0
	for _, s := range texts {
		want, got := analyzedTerms(k.main, s), analyzedTerms(k.answer, s)
		if !slices.Equal(got, want) {
			t.Errorf("%q: answer analyzer %q, main %q", s, got, want)
		}
		for _, term := range want {
			if term[0] < 0x80 {
				stemmed++
			}
		}
	}
	t.Logf("%d texts, %d terms with ASCII", len(texts), stemmed)
}

func FuzzAnswerAnalyzer(f *testing.F) {
	for _, s := range analyzerTricky {
		f.Add(s)
	}
	k, _, _ := newTestKB(f, defaultTuning)
	f.Fuzz(func(t *testing.T, s string) {
		if want, got := analyzedTerms(k.main, s), analyzedTerms(k.answer, s); !slices.Equal(got, want) {
			t.Errorf("%q: answer analyzer %q, main %q", s, got, want)
		}
	})
}
