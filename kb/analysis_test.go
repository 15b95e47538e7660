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
	"yyy y ys yes", "aaaa'", "''", "\u00a0\u3000全角　空格", "ｶﾞｷﾞ ﾊﾟﾝ ｳﾞｪ ﾟ", "ﾃｽﾄ退货",
}

func analyzedTerms(a analysis.Analyzer, s string) []string {
	var out []string
	for _, t := range a.Analyze([]byte(s)) {
		out = append(out, string(t.Term))
	}
	return out
}

// shopTexts returns the edge cases and every text of the demo shop: the
// NLU examples, the retrieval questions, the articles (imported into k)
// and the built-in synonyms.
func shopTexts(t testing.TB, k *KB) []string {
	t.Helper()
	texts := slices.Clone(analyzerTricky)
	for _, r := range loadAnswerRequests(t, "../data/nlu/train", "../data/nlu/val", "../data/nlu/test") {
		texts = append(texts, r.Text)
	}
	arts, err := k.st.Articles(ctx, store.ArticleFilter{})
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
	return texts
}

// TestAnswerAnalyzerMatchesMain checks that answer selection's analyzer
// makes the main analyzer's terms, in order, for every text of the demo
// shop and the edge cases.
func TestAnswerAnalyzerMatchesMain(t *testing.T) {
	k, _, _ := newTestKB(t, defaultTuning)
	if k.answer == k.main {
		t.Fatal("the answer analyzer is the main one: the stemmer was not found")
	}
	importFile(t, k, articlesPath)
	texts := shopTexts(t, k)
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

// refCJKGrams is cjkGrams as first written, a token and a term allocated
// for each gram.
type refCJKGrams cjkGrams

func (f refCJKGrams) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := make(analysis.TokenStream, 0, len(in)*2)
	pos := 1
	emit := func(t *analysis.Token, typ analysis.TokenType) {
		t.Position, t.Type = pos, typ
		pos++
		out = append(out, t)
	}
	for i := 0; i < len(in); {
		if in[i].Type != analysis.Ideographic {
			emit(in[i], in[i].Type)
			i++
			continue
		}
		j := i + 1
		for j < len(in) && in[j].Type == analysis.Ideographic && in[j].Start == in[j-1].End {
			j++
		}
		run := in[i:j]
		if len(run) == 1 {
			emit(run[0], analysis.Single)
		}
		for k := 0; k+1 < len(run); k++ {
			term := make([]byte, 0, len(run[k].Term)+len(run[k+1].Term))
			term = append(append(term, run[k].Term...), run[k+1].Term...)
			emit(&analysis.Token{Term: term, Start: run[k].Start, End: run[k+1].End}, analysis.Double)
		}
		if f.unigrams && len(run) > 1 {
			for _, t := range run {
				if !f.stop[string(t.Term)] {
					emit(&analysis.Token{Term: t.Term, Start: t.Start, End: t.End}, analysis.Single)
				}
			}
		}
		i = j
	}
	return out
}

// TestCJKGramsUnchanged checks that the main analyzer's token streams
// (terms, offsets, positions, types) are those it made with cjkGrams as
// first written, for every text of the demo shop and the edge cases.
func TestCJKGramsUnchanged(t *testing.T) {
	k, _, _ := newTestKB(t, defaultTuning)
	main := k.main.(*analysis.DefaultAnalyzer)
	ref := *main
	ref.TokenFilters = slices.Clone(main.TokenFilters)
	replaced := 0
	for i, f := range ref.TokenFilters {
		if g, ok := f.(cjkGrams); ok {
			ref.TokenFilters[i] = refCJKGrams(g)
			replaced++
		}
	}
	if replaced != 1 {
		t.Fatalf("%d cjkGrams filters in the main analyzer", replaced)
	}
	importFile(t, k, articlesPath)
	texts := append(shopTexts(t, k), "一", "一二", "一二三 四五", "一a二三", "退货退货退货的的的")
	for _, s := range texts {
		got, want := main.Analyze([]byte(s)), ref.Analyze([]byte(s))
		if !slices.EqualFunc(got, want, func(a, b *analysis.Token) bool {
			return string(a.Term) == string(b.Term) && a.Start == b.Start && a.End == b.End &&
				a.Position == b.Position && a.Type == b.Type && a.KeyWord == b.KeyWord
		}) {
			t.Errorf("%q: tokens %v, first written %v", s, got, want)
		}
	}
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
