package kb

import (
	"bytes"
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/kefu-ai/kefu/nlu/text"
)

// The analysis chain, named as the index mapping stores it:
//
//	kefu_fold (Traditional → Simplified, full-width → half-width, drop
//	           invisible format characters)
//	→ unicode tokenizer (one token per Han character, words elsewhere)
//	→ cjk_width → to_lower → possessive_en
//	→ kefu_cjk_grams (CJK bigrams, as cjk_bigram makes them, plus the
//	                  unigrams that are not function words)
//	→ stop_en → stemmer_en_snowball
//
// The same analyzer runs on articles and on queries, so 退貨 meets 退货 and
// ＲＥＦＵＮＤＳ meets refund. Synonyms are not part of it: they expand
// queries (synonyms.go), so editors change them without a rebuild.
const (
	foldCharFilter  = "kefu_fold"
	gramsFilterType = "kefu_cjk_grams"
	gramsFilter     = "kefu_grams"
	analyzerMain    = "kefu"
)

func init() {
	if err := registry.RegisterCharFilter(foldCharFilter, func(map[string]any, *registry.Cache) (analysis.CharFilter, error) {
		return foldFilter{}, nil
	}); err != nil {
		panic(err)
	}
	if err := registry.RegisterTokenFilter(gramsFilterType, func(cfg map[string]any, _ *registry.Cache) (analysis.TokenFilter, error) {
		uni, _ := cfg["unigrams"].(bool)
		stop := zhStop
		if name, _ := cfg["stop"].(string); name != "" {
			if stop = zhStopLists[name]; stop == nil {
				return nil, fmt.Errorf("kb: unknown stop list %q", name)
			}
		}
		return cjkGrams{unigrams: uni, stop: stop}, nil
	}); err != nil {
		panic(err)
	}
}

// foldFilter is the kefu_fold char filter.
type foldFilter struct{}

// Filter maps Traditional characters to Simplified ones, folds full-width
// ASCII and the ideographic space to their half-width forms and drops
// invisible format characters (zero-width joiners, BOM, bidi controls);
// invalid bytes become spaces. Each of these would otherwise keep a query
// from meeting an article that says the same.
func (foldFilter) Filter(in []byte) []byte {
	out := make([]byte, 0, len(in))
	for len(in) > 0 {
		r, n := utf8.DecodeRune(in)
		in = in[n:]
		switch {
		case r == utf8.RuneError && n <= 1:
			out = append(out, ' ')
			continue
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		case unicode.Is(unicode.Cf, r):
			continue
		default:
			r = text.ToSimplified(r)
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}

// cjkGrams is the kefu_cjk_grams token filter. Runs of adjacent CJK
// characters (the unicode tokenizer makes each its own token) become
// overlapping bigrams, as cjk_bigram makes them; a lone character stays a
// unigram. With unigrams set it also keeps every character of a run that
// is not a function word: paraphrases often share single characters
// (退/换/修) but few bigrams. Other tokens pass through.
type cjkGrams struct {
	unigrams bool
	stop     map[string]bool
}

func (f cjkGrams) Filter(in analysis.TokenStream) analysis.TokenStream {
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
		i = j
		if len(run) == 1 {
			emit(run[0], analysis.Single)
			continue
		}
		// One allocation for the run's new tokens, one for the bigrams'
		// terms (each capped, so that a later filter appending to one
		// cannot overwrite the next).
		n, size := len(run)-1, 0
		for k, t := range run {
			if f.unigrams && !f.stop[string(t.Term)] {
				n++
			}
			if k+1 < len(run) {
				size += len(t.Term) + len(run[k+1].Term)
			}
		}
		made := make([]analysis.Token, 0, n)
		terms := make([]byte, 0, size)
		for k := 0; k+1 < len(run); k++ {
			from := len(terms)
			terms = append(append(terms, run[k].Term...), run[k+1].Term...)
			made = append(made, analysis.Token{Term: terms[from:len(terms):len(terms)], Start: run[k].Start, End: run[k+1].End})
			emit(&made[len(made)-1], analysis.Double)
		}
		if f.unigrams {
			for _, t := range run {
				if !f.stop[string(t.Term)] {
					made = append(made, analysis.Token{Term: t.Term, Start: t.Start, End: t.End})
					emit(&made[len(made)-1], analysis.Single)
				}
			}
		}
	}
	return out
}

// answerAnalyzer returns main with two of Bleve's filters replaced by
// cheaper ones that make the same terms (widthFilter, snowballFilter), for
// answer selection, which analyses every customer question. The index
// keeps main, so an index written by this version opens in any other.
// TestAnswerAnalyzerMatchesMain and FuzzAnswerAnalyzer check the terms.
func answerAnalyzer(main analysis.Analyzer) analysis.Analyzer {
	d, ok := main.(*analysis.DefaultAnalyzer)
	if !ok {
		return main
	}
	filters := slices.Clone(d.TokenFilters)
	for i, f := range filters {
		switch f := f.(type) {
		case *cjk.CJKWidthFilter:
			filters[i] = widthFilter{f}
		case *en.EnglishStemmerFilter:
			filters[i] = snowballFilter{}
		}
	}
	return &analysis.DefaultAnalyzer{CharFilters: d.CharFilters, Tokenizer: d.Tokenizer, TokenFilters: filters}
}

// widthFilter is cjk_width copying only the tokens it changes. cjk_width
// rebuilds every token from its runes; that changes only a token with a
// character it folds (U+FF01–U+FF9F, each encoded from byte 0xEF) or with
// invalid UTF-8, and only those are handed to it.
type widthFilter struct{ width *cjk.CJKWidthFilter }

func (f widthFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		if bytes.IndexByte(t.Term, 0xEF) >= 0 || !utf8.Valid(t.Term) {
			f.width.Filter(analysis.TokenStream{t})
		}
	}
	return in
}

// snowballFilter is stemmer_en_snowball without its cost on Chinese text.
// A token without an ASCII byte (a CJK gram) comes out of English snowball
// unchanged, since each of its rules starts by matching an ASCII suffix or
// word, so it is passed through; the others are stemmed in one
// environment instead of one each.
type snowballFilter struct{}

func (snowballFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	var st stemmer
	for _, t := range in {
		if !slices.ContainsFunc(t.Term, func(c byte) bool { return c < utf8.RuneSelf }) {
			continue
		}
		if s := st.stem(string(t.Term)); s != string(t.Term) {
			t.Term = []byte(s)
		}
	}
	return in
}

// zhStop holds Chinese function characters that carry no topic on their
// own; they are never unigrams (inside bigrams they still tell phrases
// apart).
var zhStop = map[string]bool{}

// zhStopLists are the stop lists TestRetrievalAlternatives compares.
var zhStopLists = map[string]map[string]bool{"full": zhStop, "minimal": {}, "none": {}}

func init() {
	for _, c := range []string{
		"的", "了", "吗", "呢", "吧", "啊", "呀", "么", "嘛", "哦", "是", "我", "你", "您",
		"在", "有", "个", "一", "这", "那", "和", "就", "都", "也", "还", "要", "能", "会",
		"可", "以", "怎", "什", "为", "不", "没", "下", "上", "多", "把", "给", "让", "着",
	} {
		zhStop[c] = true
	}
	for _, c := range []string{"的", "了", "吗", "呢", "吧", "啊", "呀", "么", "嘛", "哦"} {
		zhStopLists["minimal"][c] = true
	}
}

// tuning holds the retrieval choices TestRetrievalAlternatives compares;
// the index-shaping ones are part of the mapping version. defaultTuning
// is what measured best (see the test for the figures).
type tuning struct {
	Stem     bool   // English snowball stemming
	Unigram  bool   // CJK unigrams besides bigrams
	ZhStop   string // unigram stop list: "" (full), "minimal" or "none"
	BM25     bool   // BM25 instead of tf-idf
	Separate bool   // title and questions in fields of their own, not one
	// Field boosts. Unless Separate, title and questions share the text
	// field (boost Questions).
	Questions, Title, Answer float64
	// SynonymBoost weighs expanded synonyms against the query's own words;
	// 0 turns expansion off.
	SynonymBoost float64
	// SynMode scores alternatives as one clause per alternative (0), per
	// synonym group (1) or all in one (2).
	SynMode int
}

var defaultTuning = tuning{
	Stem: true, Unigram: true, BM25: true,
	Questions: 1, Title: 1, Answer: 0.25,
	SynonymBoost: 0.25,
}

// mappingVersion identifies the shape of the index. Bump the prefix when
// the analysis chain changes: an index of another version is rebuilt from
// the store at Open.
func (t tuning) mappingVersion() string {
	return fmt.Sprintf("kefu-kb-3/stem=%t/uni=%t/stop=%s/bm25=%t/sep=%t", t.Stem, t.Unigram, t.ZhStop, t.BM25, t.Separate)
}

// Index field names.
const (
	fText      = "text" // title and questions
	fTitle     = "title"
	fQuestions = "questions"
	fAnswer    = "answer"
	fTags      = "tags"
	fIntent    = "intent"
	fLocale    = "locale"
	fStatus    = "status"
	fFrom      = "valid_from"
	fUntil     = "valid_until"
	fStamp     = "stamp"
	fWindowed  = "windowed"  // windowedTerm on articles with a validity window
	fTitleRaw  = "title_raw" // stored for hits, not indexed
)

// windowedTerm marks articles with a validity window: the ranker reads
// their windows (and only theirs) from doc values.
const windowedTerm = "yes"

// buildMapping returns the index mapping for t.
func buildMapping(t tuning) (*mapping.IndexMappingImpl, error) {
	im := mapping.NewIndexMapping()
	if err := im.AddCustomTokenFilter(gramsFilter, map[string]any{
		"type": gramsFilterType, "unigrams": t.Unigram, "stop": t.ZhStop,
	}); err != nil {
		return nil, err
	}
	filters := []string{cjk.WidthName, lowercase.Name, en.PossessiveName, gramsFilter, en.StopName}
	if t.Stem {
		filters = append(filters, en.SnowballStemmerName)
	}
	if err := im.AddCustomAnalyzer(analyzerMain, map[string]any{
		"type":          custom.Name,
		"char_filters":  []string{foldCharFilter},
		"tokenizer":     unicodetok.Name,
		"token_filters": filters,
	}); err != nil {
		return nil, err
	}
	if t.BM25 {
		im.ScoringModel = "bm25"
	}

	textField := func() *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = analyzerMain
		f.Store = false
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	keywordField := func() *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = false
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	numericField := func() *mapping.FieldMapping {
		f := mapping.NewNumericFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	storedOnly := func() *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Index = false
		f.Store = true
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	dm := mapping.NewDocumentStaticMapping()
	if t.Separate {
		dm.AddFieldMappingsAt(fTitle, textField())
		dm.AddFieldMappingsAt(fQuestions, textField())
	} else {
		dm.AddFieldMappingsAt(fText, textField())
	}
	dm.AddFieldMappingsAt(fAnswer, textField())
	for _, f := range []string{fTags, fIntent, fLocale, fStatus, fWindowed} {
		dm.AddFieldMappingsAt(f, keywordField())
	}
	// The ranker reads the validity windows of windowed articles from
	// doc values (postings.go: windowsOf).
	for _, f := range []string{fFrom, fUntil} {
		nf := numericField()
		nf.DocValues = true
		dm.AddFieldMappingsAt(f, nf)
	}
	dm.AddFieldMappingsAt(fStamp, storedOnly())
	dm.AddFieldMappingsAt(fTitleRaw, storedOnly())

	im.DefaultMapping = dm
	im.DefaultAnalyzer = analyzerMain
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	if err := im.Validate(); err != nil {
		return nil, err
	}
	return im, nil
}
