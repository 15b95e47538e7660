package kb

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/nlu/text"
)

// Search limits.
const (
	DefaultSearchLimit = 10
	MaxSearchLimit     = 100
	MaxQuery           = 1000 // runes
)

// Search finds articles whose questions, title, tags or answer match
// req.Query (Chinese, English or mixed; Traditional and full-width forms
// fold; synonyms expand), best first. Locale "" searches all locales;
// Live restricts hits to published articles valid at req.Now (zero: now).
//
// Errors: errs.Invalid for an empty, over-long or invalid query, an
// unknown locale or a bad limit; errs.Unavailable when closed.
func (k *KB) Search(ctx context.Context, req SearchRequest) ([]Hit, error) {
	if err := k.alive(); err != nil {
		return nil, err
	}
	q, err := checkQuery(req.Query)
	if err != nil {
		return nil, err
	}
	o := searchOpts{live: req.Live, now: req.Now, limit: req.Limit}
	if req.Locale != "" {
		loc, ok := canonicalLocale(req.Locale)
		if !ok {
			return nil, errs.E(errs.Invalid, "The locale %q must be one of zh-CN, zh-TW, en.", req.Locale)
		}
		o.locale = loc
	}
	switch {
	case o.limit == 0:
		o.limit = DefaultSearchLimit
	case o.limit < 0 || o.limit > MaxSearchLimit:
		return nil, errs.E(errs.Invalid, "The limit must be between 1 and %d.", MaxSearchLimit)
	}
	if o.now.IsZero() {
		o.now = k.now()
	}
	return k.search(ctx, q, o)
}

func checkQuery(q string) (string, error) {
	if !utf8.ValidString(q) {
		return "", errs.E(errs.Invalid, "The query is not valid UTF-8.")
	}
	q = strings.TrimSpace(q)
	if q == "" {
		return "", errs.E(errs.Invalid, "The query is empty.")
	}
	if utf8.RuneCountInString(q) > MaxQuery {
		return "", errs.E(errs.Invalid, "The query is longer than %d characters.", MaxQuery)
	}
	return q, nil
}

// canonicalLocale maps locale spellings (zh, zh_Hant, en-US...) to an
// article locale.
func canonicalLocale(s string) (string, bool) {
	l := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "_", "-")
	switch {
	case l == "zh-cn" || l == "zh" || l == "zh-sg" || l == "zh-hans" || strings.HasPrefix(l, "zh-hans-"):
		return LocaleZhCN, true
	case l == "zh-tw" || l == "zh-hk" || l == "zh-mo" || l == "zh-hant" || strings.HasPrefix(l, "zh-hant-"):
		return LocaleZhTW, true
	case l == "en" || strings.HasPrefix(l, "en-"):
		return LocaleEn, true
	}
	return "", false
}

type searchOpts struct {
	locale string // "" for all
	intent string // "" for all
	live   bool
	now    time.Time
	limit  int
}

// search runs a checked query.
func (k *KB) search(ctx context.Context, q string, o searchOpts) ([]Hit, error) {
	return k.run(ctx, func(h *handle) query.Query { return k.textQuery(ctx, h, q) }, o, []string{"-_score", "_id"})
}

// ids lists documents matching extra and o's filters (nil extra: all),
// in ID order, unscored.
func (k *KB) ids(ctx context.Context, extra query.Query, o searchOpts) ([]Hit, error) {
	if extra == nil {
		extra = bleve.NewMatchAllQuery()
	}
	return k.run(ctx, func(*handle) query.Query { return extra }, o, []string{"_id"})
}

func (k *KB) run(ctx context.Context, mk func(*handle) query.Query, o searchOpts, sort []string) ([]Hit, error) {
	h, err := k.acquire()
	if err != nil {
		return nil, err
	}
	defer h.release()
	q := mk(h)
	if f := filterQuery(o); f != nil {
		b := bleve.NewBooleanQuery()
		b.AddMust(q)
		b.AddFilter(f)
		q = b
	}
	req := bleve.NewSearchRequestOptions(q, o.limit, 0, false)
	req.Fields = []string{fTitleRaw}
	req.SortBy(sort)
	res, err := h.idx.SearchInContext(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errs.E(errs.Internal, "kb: search: %v", err)
	}
	hits := make([]Hit, 0, len(res.Hits))
	for _, d := range res.Hits {
		title, _ := d.Fields[fTitleRaw].(string)
		hits = append(hits, Hit{ID: d.ID, Score: d.Score, Title: title})
	}
	return hits, nil
}

// candidateBoost scales the clause that only selects candidates: its
// score must not count. (Bleve applies boosts at the leaves only.)
const candidateBoost = 1e-6

// textQuery matches q (and its synonyms, weighed down) in the text fields
// with the tuned boosts.
//
// Bleve multiplies a disjunction's score by the share of its clauses that
// matched (coord). Within one field's match that rewards covering more of
// the query's terms, which helps; across fields and synonyms it would
// double the score of any article that happens to match the answer or a
// synonym. So the parts are summed instead: a candidate clause (anything
// matching, at a negligible boost) is the must of nested boolean queries
// whose single should clauses add each part's score.
func (k *KB) textQuery(ctx context.Context, h *handle, q string) query.Query {
	t := k.tune
	type fieldBoost struct {
		field string
		boost float64
	}
	fields := []fieldBoost{{fText, t.Questions}, {fAnswer, t.Answer}}
	if t.Separate {
		fields = []fieldBoost{{fQuestions, t.Questions}, {fTitle, t.Title}, {fAnswer, t.Answer}}
	}
	match := func(s, field string, boost float64, and bool) query.Query {
		m := bleve.NewMatchQuery(s)
		m.SetField(field)
		m.Analyzer = analyzerMain
		m.SetBoost(boost)
		if and {
			m.SetOperator(query.MatchQueryOperatorAnd)
		}
		return m
	}
	var parts []query.Query
	candidates := bleve.NewDisjunctionQuery()
	rare := k.rareTerms(ctx, h, q, fields[0].field)
	for _, f := range fields {
		if f.boost > 0 {
			parts = append(parts, match(q, f.field, f.boost, false))
			if rare == nil {
				candidates.AddQuery(match(q, f.field, candidateBoost, false))
				continue
			}
			for _, term := range rare {
				tq := bleve.NewTermQuery(term)
				tq.SetField(f.field)
				tq.SetBoost(candidateBoost)
				candidates.AddQuery(tq)
			}
		}
	}
	if t.SynonymBoost > 0 {
		// An alternative must match whole (all its terms), so "money
		// back" does not find every article saying "back".
		var groups []*query.DisjunctionQuery
		all := bleve.NewDisjunctionQuery()
		for _, alts := range k.syn.expand(text.Normalize(q)) {
			g := bleve.NewDisjunctionQuery()
			for _, s := range alts {
				one := bleve.NewDisjunctionQuery()
				for _, f := range fields {
					if f.boost > 0 {
						m := match(s, f.field, f.boost*t.SynonymBoost, true)
						g.AddQuery(m)
						all.AddQuery(m)
						one.AddQuery(m)
						candidates.AddQuery(match(s, f.field, candidateBoost, true))
					}
				}
				if t.SynMode == 0 {
					groups = append(groups, one)
				}
			}
			if t.SynMode == 1 {
				groups = append(groups, g)
			}
		}
		if t.SynMode == 2 && len(all.Disjuncts) > 0 {
			groups = append(groups, all)
		}
		for _, g := range groups {
			parts = append(parts, g)
		}
	}
	var scored query.Query = candidates
	for _, p := range parts {
		b := bleve.NewBooleanQuery()
		b.AddMust(scored)
		b.AddShould(p)
		scored = b
	}
	return scored
}

// Common terms. In a large index a query's frequent terms (a character
// like 货 in a shop's knowledge base) have long posting lists that cost
// most of the search time and add little to the ranking. As in a
// "common terms" query, they then do not select candidates: only rarer
// terms do, and the frequent ones still add their score to those.
// (Variables so tests can reach the behaviour with small indexes.)
var (
	commonMinDocs  = 2000.0 // never common below this document frequency
	commonFraction = 0.05   // common above this share of the index
	minRareTerms   = 3      // if all terms are common, the rarest still select
)

// rareTerms returns the query's terms that are not common in field, or
// nil when none is common (the whole query selects candidates).
func (k *KB) rareTerms(ctx context.Context, h *handle, q, field string) []string {
	n, err := h.idx.DocCount()
	if err != nil || float64(n)*commonFraction <= commonMinDocs {
		return nil
	}
	cutoff := uint64(float64(n) * commonFraction)
	adv, err := h.idx.Advanced()
	if err != nil {
		return nil
	}
	r, err := adv.Reader()
	if err != nil {
		return nil
	}
	defer r.Close()
	type termDF struct {
		term string
		df   uint64
	}
	var all []termDF
	seen := map[string]bool{}
	for _, t := range k.main.Analyze([]byte(q)) {
		term := string(t.Term)
		if seen[term] {
			continue
		}
		seen[term] = true
		tfr, err := r.TermFieldReader(ctx, t.Term, field, false, false, false)
		if err != nil {
			return nil
		}
		all = append(all, termDF{term, tfr.Count()})
		tfr.Close()
	}
	var rare []string
	for _, t := range all {
		if t.df <= cutoff {
			rare = append(rare, t.term)
		}
	}
	if len(rare) == len(all) {
		return nil
	}
	if len(rare) < minRareTerms {
		slices.SortFunc(all, func(a, b termDF) int { return cmp.Compare(a.df, b.df) })
		rare = rare[:0]
		for _, t := range all[:min(minRareTerms, len(all))] {
			rare = append(rare, t.term)
		}
	}
	return rare
}

func termQuery(field, v string) query.Query {
	tq := bleve.NewTermQuery(v)
	tq.SetField(field)
	return tq
}

// filterQuery is the unscored filter o asks for; nil for none.
func filterQuery(o searchOpts) query.Query {
	var filters []query.Query
	if o.locale != "" {
		filters = append(filters, termQuery(fLocale, o.locale))
	}
	if o.intent != "" {
		filters = append(filters, termQuery(fIntent, o.intent))
	}
	if o.live {
		now := float64(o.now.Unix())
		yes, no := true, false
		from := bleve.NewNumericRangeInclusiveQuery(nil, &now, nil, &yes)
		from.SetField(fFrom)
		until := bleve.NewNumericRangeInclusiveQuery(&now, nil, &no, nil)
		until.SetField(fUntil)
		filters = append(filters, termQuery(fStatus, "published"), from, until)
	}
	if len(filters) == 0 {
		return nil
	}
	return bleve.NewConjunctionQuery(filters...)
}

// windowedQuery matches articles with a validity window.
func windowedQuery() query.Query {
	lo, hi, no := farPast, farFuture, false
	from := bleve.NewNumericRangeInclusiveQuery(&lo, nil, &no, nil)
	from.SetField(fFrom)
	until := bleve.NewNumericRangeInclusiveQuery(nil, &hi, nil, &no)
	until.SetField(fUntil)
	return bleve.NewDisjunctionQuery(from, until)
}
