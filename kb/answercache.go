package kb

import (
	"context"
	"time"

	"github.com/kefu-ai/kefu/store"
)

// maxCachedArticles bounds the answer cache: a shop with more published
// articles answers through the index (indexedCandidates) instead.
const maxCachedArticles = 20000

// answerCache holds every published article by intent and locale, with the
// analysed terms of its title and questions: answering a recognised intent
// is then a map lookup and a few set intersections instead of index
// searches and store reads on every customer message. Any change to the
// articles drops it; the next answer rebuilds it from the store.
type answerCache struct {
	gen      uint64
	byIntent map[string][]cachedArticle // intent + "\x00" + locale
	tooBig   bool
}

type cachedArticle struct {
	a     store.Article
	terms []map[string]struct{}
}

func cacheKey(intent, loc string) string { return intent + "\x00" + loc }

// invalidateAnswers drops the answer cache. Writers call it after the store
// and the index have the change, so a cache built from an older store read
// can never be installed after it (see answers).
func (k *KB) invalidateAnswers() {
	k.agen.Add(1)
	k.acache.Store(nil)
}

// answers returns a current cache, building it when needed.
func (k *KB) answers(ctx context.Context) (*answerCache, error) {
	g := k.agen.Load()
	if c := k.acache.Load(); c != nil && c.gen == g {
		return c, nil
	}
	all, err := k.st.Articles(ctx, store.ArticleFilter{Status: store.ArticlePublished})
	if err != nil {
		return nil, err
	}
	c := &answerCache{gen: g, byIntent: map[string][]cachedArticle{}}
	if len(all) > maxCachedArticles {
		c.tooBig = true
	} else {
		for _, a := range all {
			if a.Intent == "" {
				continue
			}
			ca := cachedArticle{a: a}
			for _, s := range append([]string{a.Title}, a.Questions...) {
				ca.terms = append(ca.terms, k.terms(s))
			}
			key := cacheKey(a.Intent, a.Locale)
			c.byIntent[key] = append(c.byIntent[key], ca)
		}
	}
	// Install only if no write happened since g was read.
	if k.agen.Load() == g {
		k.acache.Store(c)
	}
	return c, nil
}

// cachedCandidates returns the intent's live articles in loc scored against
// txt, and whether the cache could answer (false: use the index).
func (k *KB) cachedCandidates(ctx context.Context, txt, intent, loc string, now time.Time) ([]candidate, bool, error) {
	if loc == "" {
		return nil, false, nil // any locale: the index handles that
	}
	c, err := k.answers(ctx)
	if err != nil || c.tooBig {
		return nil, false, err
	}
	arts := c.byIntent[cacheKey(intent, loc)]
	qt := k.queryTerms(txt, func(alt map[string]struct{}) bool { return usedIn(alt, arts) })
	var cs []candidate
	for _, ca := range arts {
		if !live(ca.a, now) {
			continue
		}
		sim := bestSimilarity(qt, ca.terms)
		// Without the index, the lexical score is the similarity itself.
		cs = append(cs, candidate{a: ca.a, lex: sim, sim: sim})
	}
	return cs, true, nil
}
