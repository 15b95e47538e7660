package kb

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// Answer selection thresholds, on the similarity scale of similarity().
const (
	// strongMatch: the text is (nearly) one of the article's own
	// questions, which beats the intent's default article.
	strongMatch = 0.6
	// minLexical: below this a lexical match is not an answer. On the demo
	// shop's retrieval set at 0.3, 78% of the correct top hits are
	// answered and 17% of the NLU test set's out-of-scope questions; at
	// 0.2 it is 95% and 44%. A wrong answer costs more than a fallback.
	minLexical = 0.3
	// intentFloor is the least score of an article chosen through the
	// intent the NLU recognised.
	intentFloor  = 0.5
	maxRunnersUp = 3
)

// Answer picks the best published, currently valid article for what the
// customer said. With an intent (not "" or "oos") the intent's articles
// come first: one whose question the text nearly repeats, else the one
// tagged "primary", else a promotion with a validity window that is open
// now, else the best lexical match among them. Without an intent article
// (or intent) it searches every article's questions and titles and
// answers only when the best match is close enough. zh-TW falls back to
// zh-CN articles and the other way round; an unknown locale searches all.
//
// Score is in [0, 1]: the similarity of the text to the article's closest
// question or title, at least 0.5 when the intent chose the article.
// RunnersUp are the next candidates. ok is false when nothing fits.
//
// Errors: errs.Unavailable when closed; store errors.
func (k *KB) Answer(ctx context.Context, req AnswerRequest) (Answer, bool, error) {
	if err := k.alive(); err != nil {
		return Answer{}, false, err
	}
	txt := strings.TrimSpace(strings.ToValidUTF8(req.Text, "\uFFFD"))
	if utf8.RuneCountInString(txt) > MaxQuery {
		txt = string([]rune(txt)[:MaxQuery])
	}
	now := req.Now
	if now.IsZero() {
		now = k.now()
	}
	locs := answerLocales(req.Locale)
	intent := strings.TrimSpace(req.Intent)
	if intent != "" && intent != "oos" && validIntent(intent) {
		for _, loc := range locs {
			ans, ok, err := k.answerByIntent(ctx, txt, intent, loc, now)
			if ok || err != nil {
				return ans, ok, err
			}
		}
	}
	if txt == "" {
		return Answer{}, false, nil
	}
	for _, loc := range locs {
		ans, ok, err := k.answerByText(ctx, txt, loc, now)
		if ok || err != nil {
			return ans, ok, err
		}
	}
	return Answer{}, false, nil
}

// answerLocales is the order locales are tried in; "" means any.
func answerLocales(s string) []string {
	loc, ok := canonicalLocale(s)
	switch {
	case !ok:
		return []string{""}
	case loc == LocaleZhTW:
		return []string{LocaleZhTW, LocaleZhCN}
	case loc == LocaleZhCN:
		return []string{LocaleZhCN, LocaleZhTW}
	}
	return []string{loc}
}

// live reports whether customers may see a at now (the index compares
// whole seconds, and so does this).
func live(a store.Article, now time.Time) bool {
	s := now.Unix()
	return a.Status == store.ArticlePublished &&
		(a.ValidFrom == nil || a.ValidFrom.Unix() <= s) &&
		(a.ValidUntil == nil || s < a.ValidUntil.Unix())
}

func isPromotion(a store.Article) bool { return a.ValidFrom != nil || a.ValidUntil != nil }

func isPrimary(a store.Article) bool {
	for _, t := range a.Tags {
		if t == TagPrimary {
			return true
		}
	}
	return false
}

// Candidates an intent contributes: its primary articles, its promotions
// and its best lexical matches, a few of each (an intent of thousands of
// articles costs no more than one of five).
const intentCandidates = 8

// candidate is an article an intent offers, with its lexical score and its
// similarity to the customer's text.
type candidate struct {
	a        store.Article
	lex, sim float64
}

func (k *KB) answerByIntent(ctx context.Context, txt, intent, loc string, now time.Time) (Answer, bool, error) {
	cs, cached, err := k.cachedCandidates(ctx, txt, intent, loc, now)
	if err != nil {
		return Answer{}, false, err
	}
	if !cached {
		if cs, err = k.indexedCandidates(ctx, txt, intent, loc, now); err != nil {
			return Answer{}, false, err
		}
	}
	return rankCandidates(cs)
}

// indexedCandidates asks the index for the intent's best lexical matches,
// primary articles and promotions (a few of each), then reads them from
// the store: the path for knowledge bases too big for the answer cache.
func (k *KB) indexedCandidates(ctx context.Context, txt, intent, loc string, now time.Time) ([]candidate, error) {
	o := searchOpts{locale: loc, intent: intent, live: true, now: now, limit: intentCandidates}
	type cand = candidate
	var ids []string
	lex := map[string]float64{}
	add := func(hits []Hit, err error) error {
		for _, h := range hits {
			if _, ok := lex[h.ID]; !ok {
				ids = append(ids, h.ID)
				lex[h.ID] = 0
			}
		}
		return err
	}
	var err error
	if txt != "" {
		var hits []Hit
		hits, err = k.search(ctx, txt, o)
		for _, h := range hits {
			lex[h.ID] = h.Score
			ids = append(ids, h.ID)
		}
	}
	if err == nil {
		err = add(k.ids(ctx, termQuery(fTags, TagPrimary), o))
	}
	if err == nil {
		err = add(k.ids(ctx, windowedQuery(), o))
	}
	if err == nil && len(ids) == 0 {
		err = add(k.ids(ctx, nil, o))
	}
	if err != nil {
		return nil, err
	}
	d := newTermDict()
	qt := k.queryTerms(d, k.syn.cur.Load(), txt, anySynonym)
	var cs []cand
	for _, id := range ids {
		a, err := k.st.Article(ctx, id)
		if errs.Is(err, errs.NotFound) {
			continue // deleted a moment ago
		}
		if err != nil {
			return nil, err
		}
		if !live(a, now) || a.Intent != intent || (loc != "" && a.Locale != loc) {
			continue // changed a moment ago
		}
		cs = append(cs, cand{a: a, lex: lex[id], sim: k.similarity(d, qt, a)})
	}
	return cs, nil
}

// rankCandidates picks the answer: an article whose question the text
// nearly repeats, else the primary one, else a promotion open now, else
// the best lexical match.
func rankCandidates(cs []candidate) (Answer, bool, error) {
	type cand = candidate
	if len(cs) == 0 {
		return Answer{}, false, nil
	}
	rank := func(c cand) int {
		switch {
		case c.sim >= strongMatch:
			return 0
		case isPrimary(c.a):
			return 1
		case isPromotion(c.a):
			return 2
		}
		return 3
	}
	// Higher scores first (none is NaN), then the lower id.
	slices.SortStableFunc(cs, func(x, y cand) int {
		rx, ry := rank(x), rank(y)
		switch {
		case rx != ry:
			return cmp.Compare(rx, ry)
		case rx == 0 && x.sim != y.sim:
			return cmp.Compare(y.sim, x.sim)
		case x.lex != y.lex:
			return cmp.Compare(y.lex, x.lex)
		case x.sim != y.sim:
			return cmp.Compare(y.sim, x.sim)
		}
		return strings.Compare(x.a.ID, y.a.ID)
	})
	ans := Answer{Article: cs[0].a, Score: max(intentFloor, cs[0].sim)}
	rest := cs[1:min(len(cs), 1+maxRunnersUp)]
	if len(rest) > 0 {
		ans.RunnersUp = make([]Hit, 0, len(rest))
	}
	for _, c := range rest {
		ans.RunnersUp = append(ans.RunnersUp, Hit{ID: c.a.ID, Score: c.lex, Title: c.a.Title})
	}
	return ans, true, nil
}

func (k *KB) answerByText(ctx context.Context, txt, loc string, now time.Time) (Answer, bool, error) {
	hits, err := k.search(ctx, txt, searchOpts{locale: loc, live: true, now: now, limit: 1 + maxRunnersUp})
	if err != nil || len(hits) == 0 {
		return Answer{}, false, err
	}
	d := newTermDict()
	qt := k.queryTerms(d, k.syn.cur.Load(), txt, anySynonym)
	for i, h := range hits {
		a, err := k.st.Article(ctx, h.ID)
		if errs.Is(err, errs.NotFound) {
			continue // deleted a moment ago
		}
		if err != nil {
			return Answer{}, false, err
		}
		if !live(a, now) {
			continue
		}
		sim := k.similarity(d, qt, a)
		if sim < minLexical {
			return Answer{}, false, nil
		}
		rest := append([]Hit(nil), hits[:i]...)
		rest = append(rest, hits[i+1:]...)
		return Answer{Article: a, Score: sim, RunnersUp: rest}, true, nil
	}
	return Answer{}, false, nil
}

// similarity is the best Dice coefficient between the question's terms
// (or a synonym rewrite's) and the terms of one of a's questions or its
// title. d is qt's dictionary, not frozen: a's terms are added to it.
func (k *KB) similarity(d *termDict, qt queryTerms, a store.Article) float64 {
	sets := make([]termSet, 0, 1+len(a.Questions))
	for _, s := range append([]string{a.Title}, a.Questions...) {
		sets = append(sets, k.termSet(d, s))
	}
	return bestSimilarity(qt, sets)
}
