package kb

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/kefu-ai/kefu/errs"
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

// search runs a checked query through the ranker (rank.go).
func (k *KB) search(ctx context.Context, q string, o searchOpts) ([]Hit, error) {
	select {
	case k.rankSlots <- struct{}{}:
		defer func() { <-k.rankSlots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Idle CPUs rank segments in parallel; under load each search gets
	// one.
	workers := 1
	for workers < cap(k.rankSlots) {
		select {
		case k.rankSlots <- struct{}{}:
			workers++
			defer func() { <-k.rankSlots }()
			continue
		default:
		}
		break
	}
	h, err := k.acquire()
	if err != nil {
		return nil, err
	}
	defer h.release()
	hits, err := k.rank(ctx, h, q, o, workers, nil)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errs.E(errs.Internal, "kb: search: %v", err)
	}
	return hits, nil
}

// rank returns the o.limit best hits for q in h on up to workers
// goroutines; st, when not nil, counts the work.
func (k *KB) rank(ctx context.Context, h *handle, q string, o searchOpts, workers int, st *rankStats) ([]Hit, error) {
	snap, err := h.snapshot()
	if err != nil {
		return nil, err
	}
	defer snap.Close()
	return k.rankIn(ctx, h, snap, q, o, workers, st)
}

// snapshot opens a reader on h's current state; the caller closes it.
func (h *handle) snapshot() (*scorch.IndexSnapshot, error) {
	adv, err := h.idx.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		r.Close()
		return nil, fmt.Errorf("kb: the index is not a scorch index (%T)", r)
	}
	return snap, nil
}

// rankIn is rank on the snapshot snap of h.
func (k *KB) rankIn(ctx context.Context, h *handle, snap *scorch.IndexSnapshot, q string, o searchOpts, workers int, st *rankStats) ([]Hit, error) {
	rq, err := k.compileText(snap, h.postings, q)
	if err != nil {
		return nil, err
	}
	top, err := rq.top(ctx, h.postings, o, o.limit, workers, st)
	if err != nil {
		return nil, err
	}
	hits := make([]Hit, 0, len(top))
	for _, t := range top {
		title, err := hitTitle(rq.segs[t.seg], t.doc)
		if err != nil {
			return nil, err
		}
		hits = append(hits, Hit{ID: t.id, Score: t.score, Title: title})
	}
	return hits, nil
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
