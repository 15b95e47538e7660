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
// articles or to the synonym list drops it; the next answer rebuilds it
// from the store.
type answerCache struct {
	gen      uint64
	syn      *synonymSnapshot // the list in force when the cache was built
	dict     *termDict        // frozen: every term of the cached titles and questions
	byIntent map[string]*answerBucket
	tooBig   bool
}

// answerBucket is the articles of one intent and locale.
type answerBucket struct {
	arts []cachedArticle
	// uses holds the synonyms of syn (normalised members) all of whose
	// terms a title or question of arts holds: rewrites of a question
	// (queryTerms) put in only those.
	uses map[string]bool
}

type cachedArticle struct {
	a     store.Article
	terms []termSet // of the title, then of each question
}

func cacheKey(intent, loc string) string { return intent + "\x00" + loc }

// invalidateAnswers drops the answer cache. Writers call it after the store
// and the index have the change, so a cache built from an older store read
// can never be installed after it (see answers).
func (k *KB) invalidateAnswers() {
	k.agen.Add(1)
	k.acache.Store(nil)
}

// answers returns a current cache, building it when needed. One caller
// builds; the others wait for it: after an edit under load every request
// built a copy of its own (64 clients: answers stalled ~150 ms).
func (k *KB) answers(ctx context.Context) (*answerCache, error) {
	g := k.agen.Load()
	if c := k.acache.Load(); c != nil && c.gen == g {
		return c, nil
	}
	k.abuild.Lock()
	defer k.abuild.Unlock()
	g = k.agen.Load()
	if c := k.acache.Load(); c != nil && c.gen == g {
		return c, nil
	}
	all, err := k.st.Articles(ctx, store.ArticleFilter{Status: store.ArticlePublished})
	if err != nil {
		return nil, err
	}
	// SetSynonyms swaps the list before it drops the cache, so a cache
	// built with an older list is never installed after a newer one.
	c := &answerCache{gen: g, syn: k.syn.cur.Load(), dict: newTermDict(), byIntent: map[string]*answerBucket{}}
	if len(all) > maxCachedArticles {
		c.tooBig = true
	} else {
		for _, a := range all {
			if a.Intent == "" {
				continue
			}
			ca := cachedArticle{a: a}
			for _, s := range append([]string{a.Title}, a.Questions...) {
				ca.terms = append(ca.terms, k.termSet(c.dict, s))
			}
			key := cacheKey(a.Intent, a.Locale)
			b := c.byIntent[key]
			if b == nil {
				b = &answerBucket{}
				c.byIntent[key] = b
			}
			b.arts = append(b.arts, ca)
		}
		c.dict.frozen = true
		c.findSynonymUses()
	}
	// Install only if no write happened since g was read.
	if k.agen.Load() == g {
		k.acache.Store(c)
	}
	return c, nil
}

// findSynonymUses fills in each bucket's uses. It looks a synonym up by
// its least term id only, so the work is one map lookup per term of the
// cached titles and questions, however long the list.
func (c *answerCache) findSynonymUses() {
	type member struct {
		text  string
		terms termSet
	}
	byFirst := map[uint32][]member{}
	if c.syn != nil {
		for text, terms := range c.syn.terms {
			ts := c.dict.setOf(terms)
			if ts.unknown == 0 && len(ts.ids) > 0 {
				byFirst[ts.ids[0]] = append(byFirst[ts.ids[0]], member{text, ts})
			}
		}
	}
	for _, b := range c.byIntent {
		b.uses = map[string]bool{}
		for _, ca := range b.arts {
			for _, set := range ca.terms {
				for _, id := range set.ids {
					for _, m := range byFirst[id] {
						if holdsAll(set, m.terms) {
							b.uses[m.text] = true
						}
					}
				}
			}
		}
	}
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
	b := c.byIntent[cacheKey(intent, loc)]
	if b == nil {
		return nil, true, nil // no articles: nothing to compare txt with
	}
	qt := k.queryTerms(c.dict, c.syn, txt, func(alt string) bool { return b.uses[alt] })
	cs := make([]candidate, 0, len(b.arts))
	for _, ca := range b.arts {
		if !live(ca.a, now) {
			continue
		}
		sim := bestSimilarity(qt, ca.terms)
		// Without the index, the lexical score is the similarity itself.
		cs = append(cs, candidate{a: ca.a, lex: sim, sim: sim})
	}
	return cs, true, nil
}
