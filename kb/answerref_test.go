package kb

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/nlu/text"
	"github.com/kefu-ai/kefu/store"
)

// This file keeps answer selection's similarity as it was first written
// (term sets as maps, every synonym group scanned for every question, a
// rewrite kept when a candidate article uses its synonym), as the
// reference the faster code must match exactly.

type refQuery struct {
	own      map[string]struct{}
	rewrites []refRewrite
}

type refRewrite struct {
	terms, alt map[string]struct{}
}

// refRewrites is synonyms.rewrites scanning every group.
func refRewrites(s *synonyms, nq string, keep func(alt string) bool, limit int) []rewrite {
	words := refLatinWords(nq)
	stems := make([]string, len(words))
	for i, w := range words {
		stems[i] = w.stem
	}
	names := func(t synTerm) bool {
		if t.words == nil {
			return strings.Contains(nq, t.text)
		}
		return containsSeq(stems, t.words)
	}
	var out []rewrite
	for _, g := range s.groups {
		present := make([]bool, len(g))
		named := false
		for i, t := range g {
			present[i] = names(t)
			named = named || present[i]
		}
		if !named {
			continue
		}
		for i, p := range g {
			if !present[i] {
				continue
			}
			for j, alt := range g {
				if present[j] || overlapsPresent(g, present, alt) || !keep(alt.text) {
					continue
				}
				out = append(out, rewrite{text: replaceMember(nq, words, stems, p, alt.text), alt: alt.text})
				if len(out) == limit {
					return out
				}
			}
		}
	}
	return out
}

// refLatinWords is latinWords as first written, stemWords on each word.
func refLatinWords(s string) []latinWord {
	var out []latinWord
	start := -1
	flush := func(end int) {
		if start >= 0 {
			if st := stemWords(s[start:end]); len(st) == 1 {
				out = append(out, latinWord{start, end, st[0]})
			}
			start = -1
		}
	}
	for i, r := range s {
		if (unicode.IsLetter(r) || unicode.IsDigit(r)) && !text.IsCJK(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(s))
	return out
}

func refHoldsAll(set, terms map[string]struct{}) bool {
	if len(terms) == 0 || len(terms) > len(set) {
		return false
	}
	for t := range terms {
		if _, ok := set[t]; !ok {
			return false
		}
	}
	return true
}

func refSimilarityTo(qt map[string]struct{}, sets []map[string]struct{}) float64 {
	if len(qt) == 0 {
		return 0
	}
	best := 0.0
	for _, at := range sets {
		if len(at) == 0 {
			continue
		}
		common := 0
		for t := range at {
			if _, ok := qt[t]; ok {
				common++
			}
		}
		best = max(best, 2*float64(common)/float64(len(qt)+len(at)))
	}
	return best
}

func refBestSimilarity(qt refQuery, sets []map[string]struct{}) float64 {
	best := refSimilarityTo(qt.own, sets)
	for _, r := range qt.rewrites {
		for _, set := range sets {
			if refHoldsAll(set, r.alt) {
				best = max(best, refSimilarityTo(r.terms, []map[string]struct{}{set}))
			}
		}
	}
	return best
}

// refShop is the demo shop's published articles as the reference
// compares them, with the synonym list in force.
type refShop struct {
	k       *KB
	syn     *synonyms
	arts    []store.Article
	sets    [][]map[string]struct{} // of arts, title first
	buckets [][2]string             // intent and locale, in order of first article
}

func newRefShop(t testing.TB, k *KB) *refShop {
	t.Helper()
	all, err := k.st.Articles(ctx, store.ArticleFilter{Status: store.ArticlePublished})
	if err != nil {
		t.Fatal(err)
	}
	groups, _, err := k.Synonyms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := &refShop{k: k, arts: all}
	if r.syn, err = newSynonyms(groups); err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		r.sets = append(r.sets, r.articleSets(a))
		if b := [2]string{a.Intent, a.Locale}; a.Intent != "" && !slices.Contains(r.buckets, b) {
			r.buckets = append(r.buckets, b)
		}
	}
	return r
}

func (r *refShop) terms(s string) map[string]struct{} {
	out := map[string]struct{}{}
	for _, t := range r.k.main.Analyze([]byte(s)) {
		out[string(t.Term)] = struct{}{}
	}
	return out
}

func (r *refShop) articleSets(a store.Article) []map[string]struct{} {
	var sets []map[string]struct{}
	for _, s := range append([]string{a.Title}, a.Questions...) {
		sets = append(sets, r.terms(s))
	}
	return sets
}

// question analyses txt and every one of its rewrites (no limit): the
// rewrites kept for a bucket are then the first maxQueryRewrites of those
// whose synonym the bucket uses, as rewrites returns them (keep only
// filters, in the order the groups and members are visited).
func (r *refShop) question(txt string) refQuery {
	qt := refQuery{own: r.terms(txt)}
	all := func(string) bool { return true }
	for _, rw := range refRewrites(r.syn, text.Normalize(txt), all, math.MaxInt) {
		qt.rewrites = append(qt.rewrites, refRewrite{terms: r.terms(rw.text), alt: r.terms(rw.alt)})
	}
	return qt
}

// keptFor returns q with the rewrites answer selection keeps for the
// articles of sets (nil: every article, as for search hits).
func keptFor(q refQuery, sets [][]map[string]struct{}) refQuery {
	out := refQuery{own: q.own}
	for _, rw := range q.rewrites {
		used := sets == nil || slices.ContainsFunc(sets, func(ss []map[string]struct{}) bool {
			return slices.ContainsFunc(ss, func(set map[string]struct{}) bool { return refHoldsAll(set, rw.alt) })
		})
		if used && len(out.rewrites) < maxQueryRewrites {
			out.rewrites = append(out.rewrites, rw)
		}
	}
	return out
}

// candidates is cachedCandidates as first written: the intent's live
// articles in loc in the store's order, scored against the question. It
// also says how many rewrites took part.
func (r *refShop) candidates(q refQuery, intent, loc string, now time.Time) ([]candidate, int) {
	var arts []store.Article
	var sets [][]map[string]struct{}
	for i, a := range r.arts {
		if a.Intent == intent && a.Locale == loc {
			arts = append(arts, a)
			sets = append(sets, r.sets[i])
		}
	}
	q = keptFor(q, sets)
	var cs []candidate
	for i, a := range arts {
		if live(a, now) {
			sim := refBestSimilarity(q, sets[i])
			cs = append(cs, candidate{a: a, lex: sim, sim: sim})
		}
	}
	return cs, len(q.rewrites)
}

// answer is Answer on the reference similarity, for a shop small enough
// for the answer cache.
func (r *refShop) answer(t testing.TB, req AnswerRequest) (Answer, bool) {
	t.Helper()
	txt := strings.TrimSpace(strings.ToValidUTF8(req.Text, "\uFFFD"))
	if len([]rune(txt)) > MaxQuery {
		txt = string([]rune(txt)[:MaxQuery])
	}
	q := r.question(txt)
	locs := answerLocales(req.Locale)
	intent := strings.TrimSpace(req.Intent)
	if intent != "" && intent != "oos" && validIntent(intent) {
		for _, loc := range locs {
			if loc == "" {
				t.Fatalf("request %+v: the reference has no index path", req)
			}
			cs, _ := r.candidates(q, intent, loc, req.Now)
			if ans, ok, _ := rankCandidates(cs); ok {
				return ans, true
			}
		}
	}
	if txt == "" {
		return Answer{}, false
	}
	q = keptFor(q, nil)
	for _, loc := range locs {
		hits, err := r.k.search(ctx, txt, searchOpts{locale: loc, live: true, now: req.Now, limit: 1 + maxRunnersUp})
		if err != nil {
			t.Fatal(err)
		}
		for i, h := range hits {
			a, err := r.k.st.Article(ctx, h.ID)
			if errs.Is(err, errs.NotFound) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if !live(a, req.Now) {
				continue
			}
			sim := refBestSimilarity(q, r.articleSets(a))
			if sim < minLexical {
				break
			}
			rest := append([]Hit(nil), hits[:i]...)
			rest = append(rest, hits[i+1:]...)
			return Answer{Article: a, Score: sim, RunnersUp: rest}, true
		}
	}
	return Answer{}, false
}

// TestLatinWordsMatchReference compares latinWords with the reference for
// every text of the demo shop, as typed and normalised.
func TestLatinWordsMatchReference(t *testing.T) {
	k, _, _ := newTestKB(t, defaultTuning)
	importFile(t, k, articlesPath)
	words := 0
	for _, s := range shopTexts(t, k) {
		for _, q := range []string{s, text.Normalize(s)} {
			got, want := latinWords(q), refLatinWords(q)
			if !slices.Equal(got, want) {
				t.Errorf("latinWords(%q) = %v, reference %v", q, got, want)
			}
			words += len(want)
		}
	}
	t.Logf("%d words", words)
}

// sameScore reports whether two scores agree to float tolerance.
func sameScore(a, b float64) bool { return math.Abs(a-b) <= 1e-12 }

// TestAnswerMatchesReference checks, for every question of the demo
// shop's retrieval set and NLU validation and test sets, that Answer
// picks the article the reference picks, with the same score and runners
// up: with the intent the question is labelled with, and with none (the
// search path). Under the built-in synonym list it also scores every
// question against every intent's articles in its locale and compares
// each candidate's similarity, counting the comparisons a synonym rewrite
// took part in; then it repeats the answers under an editor's list and
// under none.
func TestAnswerMatchesReference(t *testing.T) {
	if testing.Short() {
		t.Skip("compares a few hundred thousand similarities")
	}
	reqs := loadAnswerRequests(t, answerQuestionDirs...)
	k, _, _ := newTestKB(t, defaultTuning)
	importFile(t, k, articlesPath)
	edited := append(cloneGroups(DefaultSynonyms),
		[]string{"会员卡", "vip卡", "VIP 会员"}, []string{"app", "应用", "客户端"},
		[]string{"order", "purchase"}, []string{"where is", "where's", "track"})
	lists := []struct {
		name    string
		groups  [][]string // nil: the built-in list, as opened
		buckets bool       // compare every intent's candidates too
	}{
		{"built-in synonyms", nil, true},
		{"editor's synonyms", edited, false},
		{"no synonyms", [][]string{}, false},
	}
	for _, l := range lists {
		t.Run(l.name, func(t *testing.T) {
			if l.groups != nil {
				_, v, err := k.Synonyms(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := k.SetSynonyms(ctx, l.groups, v, "test"); err != nil {
					t.Fatal(err)
				}
			}
			ref := newRefShop(t, k)
			answers, pairs, rewritten := 0, 0, 0
			for _, req := range reqs {
				for _, intent := range []string{req.Intent, ""} {
					req := req
					req.Intent = intent
					got, gok, err := k.Answer(ctx, req)
					if err != nil {
						t.Fatal(err)
					}
					want, wok := ref.answer(t, req)
					if gok != wok || got.Article.ID != want.Article.ID || !sameScore(got.Score, want.Score) || !sameHits(got.RunnersUp, want.RunnersUp) {
						t.Errorf("Answer(%q, %q, %s) = %v %s %.17g %v, reference %v %s %.17g %v", req.Text, req.Intent, req.Locale,
							gok, got.Article.ID, got.Score, got.RunnersUp, wok, want.Article.ID, want.Score, want.RunnersUp)
					}
					if gok {
						answers++
					}
				}
				if !l.buckets {
					continue
				}
				q := ref.question(req.Text)
				for _, b := range ref.buckets {
					if b[1] != req.Locale {
						continue
					}
					got, _, err := k.cachedCandidates(ctx, req.Text, b[0], b[1], testNow)
					if err != nil {
						t.Fatal(err)
					}
					want, rws := ref.candidates(q, b[0], b[1], testNow)
					pairs++
					if rws > 0 {
						rewritten++
					}
					if len(got) != len(want) {
						t.Fatalf("%q against %s/%s: %d candidates, reference %d", req.Text, b[0], b[1], len(got), len(want))
					}
					for i := range got {
						if got[i].a.ID != want[i].a.ID || !sameScore(got[i].sim, want[i].sim) || !sameScore(got[i].lex, want[i].lex) {
							t.Errorf("%q against %s/%s: candidate %d is %s %.17g, reference %s %.17g (%d rewrites)", req.Text, b[0], b[1],
								i, got[i].a.ID, got[i].sim, want[i].a.ID, want[i].sim, rws)
						}
					}
				}
			}
			t.Logf("%d questions: %d answers (with and without intent); %d question × intent comparisons, %d with synonym rewrites",
				len(reqs), answers, pairs, rewritten)
			if l.buckets && rewritten < 100 {
				t.Errorf("only %d comparisons had synonym rewrites", rewritten)
			}
		})
	}
}

func sameHits(a, b []Hit) bool {
	return slices.EqualFunc(a, b, func(x, y Hit) bool { return x.ID == y.ID && x.Title == y.Title && sameScore(x.Score, y.Score) })
}
