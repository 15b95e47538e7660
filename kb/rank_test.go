package kb

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/kefu-ai/kefu/nlu/text"
	"github.com/kefu-ai/kefu/store"
)

// candidateBoost scales the reference query's clause that only selects
// candidates: its score must not count. (Bleve applies boosts at the
// leaves only.)
const candidateBoost = 1e-6

// bleveTextQuery is the ranker's query as a Bleve query: what kb ran
// before the ranker, kept as its reference.
//
// Bleve multiplies a disjunction's score by the share of its clauses that
// matched (coord). Within one field's match that rewards covering more of
// the query's terms; across fields and synonyms it would double the score
// of any article that happens to match the answer or a synonym. So the
// parts are summed: a candidate clause (anything matching, at a negligible
// boost) is the must of nested boolean queries whose single should
// clauses add each part's score.
func (k *KB) bleveTextQuery(q string) query.Query {
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
	for _, f := range fields {
		if f.boost > 0 {
			parts = append(parts, match(q, f.field, f.boost, false))
			candidates.AddQuery(match(q, f.field, candidateBoost, false))
		}
	}
	if t.SynonymBoost > 0 {
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

// bleveSearch runs the reference query with Bleve's own filter and sort.
func (k *KB) bleveSearch(ctx context.Context, q string, o searchOpts) ([]Hit, error) {
	return k.run(ctx, func(*handle) query.Query { return k.bleveTextQuery(q) }, o, []string{"-_score", "_id"})
}

// TestRankerMatchesBleve: the ranker returns the hits, order and scores
// Bleve returns for the same query, for every retrieval question, live and
// as an editor, in every tuning TestRetrievalAlternatives compares.
func TestRankerMatchesBleve(t *testing.T) {
	cases := loadRetrieval(t)
	tunings := map[string]tuning{"default": defaultTuning}
	for name, f := range map[string]func(*tuning){
		"tf-idf":       func(t *tuning) { t.BM25 = false },
		"separate":     func(t *tuning) { t.Separate, t.Title = true, 2 },
		"syn-group":    func(t *tuning) { t.SynMode = 1 },
		"syn-all":      func(t *tuning) { t.SynMode = 2 },
		"no-synonyms":  func(t *tuning) { t.SynonymBoost = 0 },
		"no-answer":    func(t *tuning) { t.Answer = 0 },
		"bigrams-only": func(t *tuning) { t.Unigram = false },
	} {
		tu := defaultTuning
		f(&tu)
		tunings[name] = tu
	}
	check := func(t *testing.T, k *KB) {
		t.Helper()
		for _, c := range cases {
			for _, o := range []searchOpts{
				{locale: c.Locale, live: true, now: testNow, limit: 10},
				{limit: 3},
				{locale: c.Locale, limit: 100},
			} {
				// Both read the live snapshot: when a background merge
				// replaces segments between the two, the field
				// statistics (Bleve's distinct-term count) shift a
				// little, so compare again.
				var got, want []Hit
				for try := 0; try < 5; try++ {
					var err error
					if got, err = k.search(ctx, c.Query, o); err != nil {
						t.Fatal(err)
					}
					if want, err = k.bleveSearch(ctx, c.Query, o); err != nil {
						t.Fatal(err)
					}
					if sameRanking(got, want, 1e-4) {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
				// Segments ranked on several goroutines give the
				// same hits as on one.
				h, err := k.acquire()
				if err != nil {
					t.Fatal(err)
				}
				snap, err := h.snapshot()
				if err != nil {
					t.Fatal(err)
				}
				one, err1 := k.rankIn(ctx, h, snap, c.Query, o, 1, nil)
				three, err3 := k.rankIn(ctx, h, snap, c.Query, o, 3, nil)
				snap.Close()
				h.release()
				if err := errors.Join(err1, err3); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(one, three) {
					t.Errorf("%q limit %d: one worker %v\nthree workers %v", c.Query, o.limit, one, three)
				}
				if !sameRanking(got, want, 1e-4) {
					i := 0
					for i < min(len(got), len(want)) && got[i].ID == want[i].ID {
						i++
					}
					t.Errorf("%q limit %d: from hit %d of %d/%d:\nranker %v\nbleve  %v", c.Query, o.limit, i, len(got), len(want), got[i:min(i+3, len(got))], want[i:min(i+3, len(want))])
				}
			}
		}
	}
	for name, tu := range tunings {
		t.Run(name, func(t *testing.T) {
			k, st, _ := newTestKB(t, tu)
			importFile(t, k, articlesPath)
			check(t, k)
			if name != "default" {
				return
			}
			// Replaced and deleted documents stay in their segments,
			// marked deleted, until a merge: statistics and hits must
			// leave them out as Bleve does.
			arts, err := st.Articles(ctx, store.ArticleFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for i, a := range arts {
				switch i % 7 {
				case 0:
					a.Questions = append(a.Questions[:1], a.Title+"？")
					if _, err := k.Update(ctx, a, "ed"); err != nil {
						t.Fatal(err)
					}
				case 3:
					if err := k.Delete(ctx, a.ID, "ed"); err != nil {
						t.Fatal(err)
					}
				}
			}
			check(t, k)
		})
	}
}

// sameRanking reports whether a ranks as b: the same hits with the same
// scores up to a relative tolerance, in the same order but for hits whose
// scores are that close (the reference's candidate clause adds ~1e-6 of a
// score and so breaks some exact ties differently).
func sameRanking(a, b []Hit, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	near := func(x, y float64) bool { return math.Abs(x-y) <= tol*math.Abs(y) }
	want := map[string]Hit{}
	for _, h := range b {
		want[h.ID] = h
	}
	for i, h := range a {
		w, ok := want[h.ID]
		if !ok || h.Title != w.Title || !near(h.Score, w.Score) || !near(h.Score, b[i].Score) {
			return false
		}
	}
	return true
}
