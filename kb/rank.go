package kb

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"

	"github.com/kefu-ai/kefu/nlu/text"
)

// The ranker. Bleve answers a text query by visiting every document that
// matches any of its terms and scoring each: at 100,000 articles a
// customer's question matches ~20,000 of them (p50 ~60 ms on this
// machine). The ranker computes the same scores (BM25 or tf-idf as Bleve
// computes them, its coordination factor per field, synonym alternatives
// that must match whole; TestRankerMatchesBleve holds it to that) from
// the index's postings (postings.go), but skips the documents that cannot
// make the top k (WAND, Broder et al. 2003): with every term's best score
// in a segment known, documents whose terms together cannot reach the
// k-th score so far are passed over unscored. Filters (locale, status,
// validity, intent) are checked for the documents that would enter the
// top k only.

// rankQuery is a text query compiled against one index snapshot: a sum of
// parts, each a disjunction of conjunctions scored as Bleve scores a
// disjunction, sum × matched/total. A field's match of the query is a part
// whose conjunctions are its single terms; a synonym alternative is a
// part whose conjunctions are the alternative's terms in each field.
type rankQuery struct {
	terms []*qterm
	parts []rankPart
	segs  []*scorch.SegmentSnapshot
}

type rankPart struct {
	conjs []conj
	n     float64 // conjunctions, counting repeats
}

// conj is a conjunction of term uses; mult counts identical repeats (a
// query term that occurs twice is two clauses to Bleve).
type conj struct {
	uses []termUse
	mult float64
}

type termUse struct {
	term int     // index into rankQuery.terms
	w    float64 // query weight: boost × idf × query norm
}

// qterm is one term of one field with its statistics and its postings in
// every segment of the snapshot.
type qterm struct {
	field       string
	term        []byte
	idf, avgLen float64
	bm25        bool
	ents        []*plEntry // by segment
}

// baseScore is Bleve's TermQueryScorer score of a posting before the
// query weight.
func baseScore(t *qterm, freq uint64, norm float64) float64 {
	tf := math.Sqrt(float64(freq))
	if t.bm25 {
		fieldLen := 1 / (norm * norm)
		return t.idf * (tf * search.BM25_k1) /
			(tf + search.BM25_k1*(1-search.BM25_b+search.BM25_b*fieldLen/t.avgLen))
	}
	return tf * norm * t.idf
}

// maxBase is the best base score t has in e's documents. A hair of margin:
// a document's score is summed in another order than its bound, and a tie
// with the threshold must not be skipped.
func (t *qterm) maxBase(e *plEntry) float64 {
	best := 0.0
	for _, p := range e.best {
		best = max(best, baseScore(t, p.freq, p.norm))
	}
	return best * (1 + 1e-9)
}

// compileText builds the ranked query for q with k's tuning over the
// segments of snap.
func (k *KB) compileText(snap *scorch.IndexSnapshot, cache *postingsCache, q string) (*rankQuery, error) {
	t := k.tune
	type fieldBoost struct {
		field string
		boost float64
	}
	var fields []fieldBoost
	all := []fieldBoost{{fText, t.Questions}, {fAnswer, t.Answer}}
	if t.Separate {
		all = []fieldBoost{{fQuestions, t.Questions}, {fTitle, t.Title}, {fAnswer, t.Answer}}
	}
	for _, f := range all {
		if f.boost > 0 {
			fields = append(fields, f)
		}
	}
	segs := snap.Segments()
	cache.prune(segs)
	docs, err := snap.DocCount()
	if err != nil {
		return nil, fmt.Errorf("kb: %w", err)
	}
	b := &rankBuilder{snap: snap, cache: cache, bm25: t.BM25, docs: docs,
		rq: rankQuery{segs: segs}, byKey: map[string]int{}}
	for _, seg := range segs {
		b.sps = append(b.sps, cache.segment(seg))
	}

	// Each field's match of the query: one single-term conjunction per
	// token, repeats included.
	tokens := k.main.Analyze([]byte(q))
	for _, f := range fields {
		var part rankPart
		for _, tok := range tokens {
			part.add(conj{uses: []termUse{b.use(f.field, tok.Term, f.boost)}, mult: 1})
		}
		b.rq.parts = append(b.rq.parts, part)
	}
	// Synonym alternatives: all of an alternative's terms in one field.
	if t.SynonymBoost > 0 {
		var group, every rankPart
		for _, alts := range k.syn.expand(text.Normalize(q)) {
			for _, s := range alts {
				var one rankPart
				toks := k.main.Analyze([]byte(s))
				for _, f := range fields {
					if len(toks) == 0 {
						// Bleve counts a match of nothing as a
						// clause that never matches.
						one.n++
						group.n++
						every.n++
						continue
					}
					c := conj{mult: 1}
					for _, tok := range toks {
						c.addUse(b.use(f.field, tok.Term, f.boost*t.SynonymBoost))
					}
					one.add(c)
					group.add(c)
					every.add(c)
				}
				if t.SynMode == 0 {
					b.rq.parts = append(b.rq.parts, one)
				}
			}
			if t.SynMode == 1 {
				b.rq.parts = append(b.rq.parts, group)
				group = rankPart{}
			}
		}
		if t.SynMode == 2 {
			b.rq.parts = append(b.rq.parts, every)
		}
	}
	if b.err != nil {
		return nil, b.err
	}
	// Bleve normalises every weight by the query's norm; so does this,
	// so scores match Bleve's.
	qn := 1.0
	if b.sumSq > 0 {
		qn = 1 / math.Sqrt(b.sumSq)
	}
	rq := &b.rq
	for pi := range rq.parts {
		for ci := range rq.parts[pi].conjs {
			for ui := range rq.parts[pi].conjs[ci].uses {
				rq.parts[pi].conjs[ci].uses[ui].w *= qn
			}
		}
	}
	return rq, nil
}

// addUse adds u to c; a repeated term adds its weight to the same use (a
// conjunction matches once all its distinct terms do).
func (c *conj) addUse(u termUse) {
	for i := range c.uses {
		if c.uses[i].term == u.term {
			c.uses[i].w += u.w
			return
		}
	}
	c.uses = append(c.uses, u)
}

// add appends c, merging it with an identical conjunction.
func (p *rankPart) add(c conj) {
	p.n += c.mult
	for i := range p.conjs {
		if slices.Equal(p.conjs[i].uses, c.uses) {
			p.conjs[i].mult += c.mult
			return
		}
	}
	p.conjs = append(p.conjs, c)
}

type rankBuilder struct {
	snap  *scorch.IndexSnapshot
	cache *postingsCache
	sps   []*segPostings // by segment
	bm25  bool
	docs  uint64
	rq    rankQuery
	byKey map[string]int
	sumSq float64
	err   error
}

// use returns a use of field:term at boost (the query norm is applied
// later), reading its postings the first time.
func (b *rankBuilder) use(field string, term []byte, boost float64) termUse {
	key := field + "\x00" + string(term)
	i, ok := b.byKey[key]
	if !ok {
		i = len(b.rq.terms)
		b.byKey[key] = i
		t := &qterm{field: field, term: term}
		b.rq.terms = append(b.rq.terms, t)
		if b.err == nil {
			b.err = b.stats(t)
		}
	}
	t := b.rq.terms[i]
	b.sumSq += (boost * t.idf) * (boost * t.idf)
	return termUse{term: i, w: boost * t.idf}
}

// stats reads t's postings and computes its statistics as Bleve's term
// searcher does (bm25ScoreMetrics, TermQueryScorer).
func (b *rankBuilder) stats(t *qterm) error {
	var df uint64
	for si, seg := range b.rq.segs {
		e, err := b.cache.getIn(b.sps[si], seg, t.field, t.term, true)
		if err != nil {
			return err
		}
		t.ents = append(t.ents, e)
		df += e.live(seg)
	}
	n, fdf := float64(b.docs), float64(df)
	if b.bm25 && b.docs > 0 {
		card, err := b.snap.FieldCardinality(t.field)
		if err != nil {
			return fmt.Errorf("kb: field statistics of %s: %w", t.field, err)
		}
		t.avgLen = math.Ceil(float64(card) / n)
	}
	// Without field statistics Bleve falls back to tf-idf.
	if t.avgLen > 0 {
		t.bm25 = true
		t.idf = math.Log(1 + (n-fdf+0.5)/(fdf+0.5))
	} else {
		t.idf = 1 + math.Log(n/(fdf+1))
	}
	return nil
}

// cursor walks a posting array.
type cursor struct {
	docs []uint32
	i    int
	doc  uint32 // docs[i], or docEnd when done
}

const docEnd = math.MaxUint32

func newCursor(docs []uint32) cursor {
	c := cursor{docs: docs, i: -1}
	c.next()
	return c
}

func (c *cursor) next() {
	c.i++
	c.doc = docEnd
	if c.i < len(c.docs) {
		c.doc = c.docs[c.i]
	}
}

// seek moves to the first document ≥ d (galloping, then binary search).
func (c *cursor) seek(d uint32) {
	if c.doc >= d {
		return
	}
	lo, step := c.i+1, 1
	hi := lo
	for hi < len(c.docs) && c.docs[hi] < d {
		lo = hi + 1
		hi += step
		step *= 2
	}
	hi = min(hi, len(c.docs))
	j, _ := slices.BinarySearch(c.docs[lo:hi], d)
	c.i = lo + j - 1
	c.next()
}

// segFilter checks the search options' filters in one segment, for
// documents in increasing order.
type segFilter struct {
	must []cursor // the document must have each of these terms
	// skip indexes the must terms few enough documents have that seeking
	// them lets the ranker skip documents.
	skip []int
	seg  *scorch.SegmentSnapshot
	win  *windows // nil unless live
	now  float64
}

func newSegFilter(cache *postingsCache, seg *scorch.SegmentSnapshot, o searchOpts) (*segFilter, error) {
	f := &segFilter{seg: seg}
	add := func(field, v string) error {
		e, err := cache.get(seg, field, []byte(v), false)
		if err != nil {
			return err
		}
		if uint64(len(e.docs)) < seg.Segment().Count()/2 {
			f.skip = append(f.skip, len(f.must))
		}
		f.must = append(f.must, newCursor(e.docs))
		return nil
	}
	if o.locale != "" {
		if err := add(fLocale, o.locale); err != nil {
			return nil, err
		}
	}
	if o.intent != "" {
		if err := add(fIntent, o.intent); err != nil {
			return nil, err
		}
	}
	if o.live {
		if err := add(fStatus, "published"); err != nil {
			return nil, err
		}
		w, err := cache.windowsOf(seg)
		if err != nil {
			return nil, err
		}
		f.win, f.now = w, float64(o.now.Unix())
	}
	return f, nil
}

// ok reports whether document d passes (and is not deleted).
func (f *segFilter) ok(d uint32) bool {
	if del := f.seg.Deleted(); del != nil && del.Contains(d) {
		return false
	}
	for i := range f.must {
		c := &f.must[i]
		c.seek(d)
		if c.doc != d {
			return false
		}
	}
	if f.win != nil {
		if i, found := slices.BinarySearch(f.win.docs, d); found {
			// As the index filter did: from ≤ now < until.
			return f.win.from[i] <= f.now && f.now < f.win.until[i]
		}
	}
	return true
}

// ranked is a hit while ranking: its segment and document, and its
// external ID once needed.
type ranked struct {
	seg   int
	doc   uint32
	score float64
	id    string
}

// topK keeps the best k hits: highest score first, then lowest ID (the
// order Search promised with Bleve's sort by -_score, _id).
type topK struct {
	k    int
	h    []ranked // min-heap: the worst kept hit at h[0]
	segs []*scorch.SegmentSnapshot
	err  error
	full bool
}

// worse reports whether a ranks below b.
func (t *topK) worse(a, b *ranked) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return t.id(a) > t.id(b)
}

func (t *topK) id(a *ranked) string {
	if a.id == "" && t.err == nil {
		id, err := t.segs[a.seg].DocID(uint64(a.doc))
		if err != nil {
			t.err = fmt.Errorf("kb: document id: %w", err)
		}
		a.id = string(id)
	}
	return a.id
}

// threshold is the score a document must reach to be considered (ties
// are decided by ID): -Inf until k hits are held.
func (t *topK) threshold() float64 {
	if !t.full {
		return math.Inf(-1)
	}
	return t.h[0].score
}

// beats reports whether c would enter.
func (t *topK) beats(c *ranked) bool {
	return !t.full || t.worse(&t.h[0], c)
}

func (t *topK) push(c ranked) {
	if !t.full {
		t.h = append(t.h, c)
		t.up(len(t.h) - 1)
		t.full = len(t.h) == t.k
		return
	}
	t.h[0] = c
	t.down(0)
}

func (t *topK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !t.worse(&t.h[i], &t.h[p]) {
			return
		}
		t.h[i], t.h[p] = t.h[p], t.h[i]
		i = p
	}
}

func (t *topK) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(t.h) {
			return
		}
		m := l
		if r := l + 1; r < len(t.h) && t.worse(&t.h[r], &t.h[l]) {
			m = r
		}
		if !t.worse(&t.h[m], &t.h[i]) {
			return
		}
		t.h[i], t.h[m] = t.h[m], t.h[i]
		i = m
	}
}

// sorted returns the hits best first.
func (t *topK) sorted() []ranked {
	out := slices.Clone(t.h)
	for i := range out {
		t.id(&out[i])
	}
	slices.SortFunc(out, func(a, b ranked) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	return out
}

// rankStats counts a ranking's work (for tests and benchmarks).
type rankStats struct {
	pivots, scored, filtered int
}

// wand finds pivots (Broder et al. 2003, with Bleve's coordination factor
// in the bound): with the terms sorted by their cursors' documents, the
// first j of them are all that any document before the j-th one's can
// have, so when those together cannot reach the threshold, every
// document before it is skipped.
type wand struct {
	rq    *rankQuery
	cur   []cursor    // by term
	freqs [][]uint32  // by term, this segment's
	norms [][]float32 // by term, this segment's
	list  []listEntry // terms with documents left, by cursor document
	// The conjunctions of all parts, flattened, and by term the ones it
	// is in.
	conjs     []wconj
	termConjs [][]int32
	// solo is, by term, its conjunction when that is its only one and
	// has no other term (the common case: a query term in one field);
	// else -1.
	solo  []int32
	parts []wpart
	// Per bound computation, reset by resetBound to the base: the
	// non-essential terms.
	have         []int32 // by conjunction of several terms: its terms in the set
	total        float64
	touchedConjs []int32
	touchedParts []int32
	// Non-essential terms (MaxScore, Turtle & Flood 1995): the cheapest
	// terms, which together add less than neShare of the threshold. They
	// stay out of the list (dense terms would otherwise lead it and be
	// moved at every step); the bound counts them as present, and a
	// scored document looks them up.
	ne        []int32
	byBound   []int32 // terms by their bound, ascending
	baseHave  []int32
	baseParts []wpart
	baseTotal float64
	// Per document scored.
	matched []bool
	score   []float64
	maxBase []float64 // by term, in this segment
	isNE    []bool
	shared  *sharedTheta // other workers' threshold, if any
}

type wconj struct {
	part  int32
	terms int32   // distinct terms
	mult  float64 // repeats
	max   float64 // the most it can add in this segment
}

// wpart is a part's bound so far: k/n × sum.
type wpart struct {
	k, sum float64
	invN   float64 // 1 / conjunctions of the part
}

func newWand(rq *rankQuery) *wand {
	w := &wand{rq: rq, cur: make([]cursor, len(rq.terms)),
		freqs: make([][]uint32, len(rq.terms)), norms: make([][]float32, len(rq.terms)),
		termConjs: make([][]int32, len(rq.terms)),
		matched:   make([]bool, len(rq.terms)), score: make([]float64, len(rq.terms)),
		maxBase: make([]float64, len(rq.terms)), isNE: make([]bool, len(rq.terms))}
	for pi, p := range rq.parts {
		w.parts = append(w.parts, wpart{invN: 1 / p.n})
		for _, c := range p.conjs {
			ci := int32(len(w.conjs))
			w.conjs = append(w.conjs, wconj{part: int32(pi), terms: int32(len(c.uses)), mult: c.mult})
			for _, u := range c.uses {
				w.termConjs[u.term] = append(w.termConjs[u.term], ci)
			}
		}
	}
	w.have = make([]int32, len(w.conjs))
	w.baseHave = make([]int32, len(w.conjs))
	w.baseParts = slices.Clone(w.parts)
	w.solo = make([]int32, len(rq.terms))
	for ti, cs := range w.termConjs {
		w.solo[ti] = -1
		if len(cs) == 1 && w.conjs[cs[0]].terms == 1 {
			w.solo[ti] = cs[0]
		}
	}
	return w
}

// segment positions the cursors at the start of segment si, with the
// terms' bounds in it.
func (w *wand) segment(si int) {
	rq := w.rq
	maxBase := w.maxBase
	clear(maxBase)
	clear(w.isNE)
	w.list = w.list[:0]
	for ti, t := range rq.terms {
		e := t.ents[si]
		w.cur[ti] = newCursor(e.docs)
		w.freqs[ti], w.norms[ti] = e.freqs, e.norms
		if len(e.docs) > 0 && len(w.termConjs[ti]) > 0 {
			maxBase[ti] = t.maxBase(e)
			w.list = append(w.list, listEntry{w.cur[ti].doc, int32(ti)})
		}
	}
	ci := 0
	for _, p := range rq.parts {
		for _, c := range p.conjs {
			m := 0.0
			for _, u := range c.uses {
				m += u.w * maxBase[u.term]
			}
			w.conjs[ci].max = c.mult * m
			ci++
		}
	}
	// No term is non-essential until there is a threshold.
	w.ne = w.ne[:0]
	clear(w.have)
	clear(w.baseHave)
	for i := range w.parts {
		w.parts[i].k, w.parts[i].sum = 0, 0
	}
	copy(w.baseParts, w.parts)
	w.total, w.baseTotal = 0, 0
	w.touchedConjs, w.touchedParts = w.touchedConjs[:0], w.touchedParts[:0]
	ub := make([]float64, len(rq.terms))
	for ti, cs := range w.termConjs {
		for _, ci := range cs {
			ub[ti] += w.conjs[ci].max
		}
	}
	w.byBound = w.byBound[:0]
	for _, e := range w.list {
		w.byBound = append(w.byBound, e.t)
	}
	slices.SortFunc(w.byBound, func(a, b int32) int { return cmp.Compare(ub[a], ub[b]) })
	w.sortAll()
}

// neShare bounds what the non-essential terms may add together, as a
// share of the threshold. Any share below 1 is exact; lower keeps more
// terms in the list, higher makes more documents candidates. On the
// 100,000-article benchmark's slowest questions 0.25 took 10 ms of CPU,
// 0 (plain WAND) 14 ms, 0.5 11 ms, 0.75 17 ms.
const neShare = 0.25

// raise makes non-essential, cheapest first, the terms that together stay
// below neShare of theta, and takes them out of the list.
func (w *wand) raise(theta float64) {
	moved := false
	for len(w.ne) < len(w.byBound) {
		ti := w.byBound[len(w.ne)]
		if w.add(ti) >= neShare*theta {
			w.resetBound()
			break
		}
		for _, ci := range w.touchedConjs {
			w.baseHave[ci] = w.have[ci]
		}
		for _, p := range w.touchedParts {
			w.baseParts[p] = w.parts[p]
		}
		w.baseTotal = w.total
		w.touchedConjs, w.touchedParts = w.touchedConjs[:0], w.touchedParts[:0]
		w.ne = append(w.ne, ti)
		w.isNE[ti] = true
		moved = true
	}
	if moved {
		w.list = slices.DeleteFunc(w.list, func(e listEntry) bool { return w.isNE[e.t] })
	}
}

// add puts term i into the set and returns the bound of the set: what a
// document having only the set's terms can score at most.
func (w *wand) add(i int32) float64 {
	if ci := w.solo[i]; ci >= 0 {
		w.grow(&w.conjs[ci])
		return w.total
	}
	for _, ci := range w.termConjs[i] {
		c := &w.conjs[ci]
		if c.terms > 1 {
			w.have[ci]++
			w.touchedConjs = append(w.touchedConjs, ci)
			if w.have[ci] < c.terms {
				continue
			}
		}
		w.grow(c)
	}
	return w.total
}

// grow adds a conjunction that is now whole to its part: the part's bound
// grows from k·sum/n to (k+mult)·(sum+max)/n.
func (w *wand) grow(c *wconj) {
	p := &w.parts[c.part]
	if p.k == w.baseParts[c.part].k {
		w.touchedParts = append(w.touchedParts, c.part)
	}
	nk, nsum := p.k+c.mult, p.sum+c.max
	w.total += (nk*nsum - p.k*p.sum) * p.invN
	p.k, p.sum = nk, nsum
}

func (w *wand) resetBound() {
	for _, ci := range w.touchedConjs {
		w.have[ci] = w.baseHave[ci]
	}
	for _, p := range w.touchedParts {
		w.parts[p] = w.baseParts[p]
	}
	w.touchedConjs, w.touchedParts = w.touchedConjs[:0], w.touchedParts[:0]
	w.total = w.baseTotal
}

// sortAll orders the terms by cursor document.
func (w *wand) sortAll() {
	slices.SortFunc(w.list, func(a, b listEntry) int { return cmp.Compare(a.doc, b.doc) })
	w.trim()
}

// resort puts back in order the first m terms of the list, whose cursors
// moved forward (the rest is in order), and drops exhausted terms.
func (w *wand) resort(m int) {
	l := w.list
	for i := m - 1; i >= 0; i-- {
		x := l[i]
		j := i
		for j+1 < len(l) && l[j+1].doc < x.doc {
			l[j] = l[j+1]
			j++
		}
		l[j] = x
	}
	w.trim()
}

func (w *wand) trim() {
	l := w.list
	for len(l) > 0 && l[len(l)-1].doc == docEnd {
		l = l[:len(l)-1]
	}
	w.list = l
}

// listEntry is a term in the list with its cursor's document.
type listEntry struct {
	doc uint32
	t   int32
}

// scoreAt scores document d, whose essential terms are the first m of
// the list; the non-essential ones are looked up, unless d cannot reach
// theta even if it has them all (then it returns 0).
func (w *wand) scoreAt(d uint32, m int, theta float64) float64 {
	for _, e := range w.list[:m] {
		ti := e.t
		c := &w.cur[ti]
		w.matched[ti] = true
		w.score[ti] = baseScore(w.rq.terms[ti], uint64(w.freqs[ti][c.i]), float64(w.norms[ti][c.i]))
	}
	defer func() {
		for _, e := range w.list[:m] {
			w.matched[e.t] = false
		}
		for _, ti := range w.ne {
			w.matched[ti] = false
		}
	}()
	if len(w.ne) > 0 {
		for _, ti := range w.ne {
			w.matched[ti], w.score[ti] = true, w.maxBase[ti]
		}
		if w.sum() < theta {
			return 0
		}
		for _, ti := range w.ne {
			c := &w.cur[ti]
			c.seek(d)
			if w.matched[ti] = c.doc == d; w.matched[ti] {
				w.score[ti] = baseScore(w.rq.terms[ti], uint64(w.freqs[ti][c.i]), float64(w.norms[ti][c.i]))
			}
		}
	}
	return w.sum()
}

// sum is the score of the terms' matched and score fields.
func (w *wand) sum() float64 {
	total := 0.0
	for _, p := range w.rq.parts {
		sum, matched := 0.0, 0.0
	conjs:
		for _, c := range p.conjs {
			s := 0.0
			for _, u := range c.uses {
				if !w.matched[u.term] {
					continue conjs
				}
				s += w.score[u.term] * u.w
			}
			sum += s * c.mult
			matched += c.mult
		}
		if matched > 0 {
			total += sum * matched / p.n
		}
	}
	return total
}

// top returns the k best documents passing o's filters, ranking the
// segments on up to workers goroutines.
func (rq *rankQuery) top(ctx context.Context, cache *postingsCache, o searchOpts, k, workers int, st *rankStats) ([]ranked, error) {
	// Larger segments first, each to the least loaded worker.
	order := make([]int, len(rq.segs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Compare(rq.segs[b].Segment().Count(), rq.segs[a].Segment().Count())
	})
	workers = max(1, min(workers, len(order)))
	plans := make([][]int, workers)
	load := make([]uint64, workers)
	for _, si := range order {
		w := 0
		for i := range load {
			if load[i] < load[w] {
				w = i
			}
		}
		plans[w] = append(plans[w], si)
		load[w] += rq.segs[si].Segment().Count()
	}

	var shared sharedTheta
	tops := make([]*topK, workers)
	stats := make([]rankStats, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for wi := range workers {
		tops[wi] = &topK{k: k, segs: rq.segs}
		run := func() { errs[wi] = rq.rankSegments(ctx, cache, o, plans[wi], tops[wi], &shared, &stats[wi]) }
		if wi == workers-1 {
			run()
			continue
		}
		wg.Go(run)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// Merge the workers' hits.
	all := &topK{k: k, segs: rq.segs}
	for wi, t := range tops {
		if t.err != nil {
			return nil, t.err
		}
		for _, r := range t.h {
			if all.beats(&r) {
				all.push(r)
			}
		}
		if st != nil {
			st.pivots += stats[wi].pivots
			st.scored += stats[wi].scored
			st.filtered += stats[wi].filtered
		}
	}
	out := all.sorted()
	return out, all.err
}

// sharedTheta is the best threshold any worker has reached: no document
// scoring below it can be among the top k (a worker already holds k
// documents at least that good).
type sharedTheta struct{ bits atomic.Uint64 }

func (s *sharedTheta) load() float64 {
	b := s.bits.Load()
	if b == 0 {
		return math.Inf(-1)
	}
	return math.Float64frombits(b)
}

// raise publishes theta if it is higher (scores are positive, so their
// bits order as they do).
func (s *sharedTheta) raise(theta float64) {
	nb := math.Float64bits(theta)
	for {
		b := s.bits.Load()
		if b >= nb || s.bits.CompareAndSwap(b, nb) {
			return
		}
	}
}

// rankSegments ranks the segments segs into top.
func (rq *rankQuery) rankSegments(ctx context.Context, cache *postingsCache, o searchOpts, segs []int, top *topK, shared *sharedTheta, st *rankStats) error {
	w := newWand(rq)
	w.shared = shared
	filtered := o.locale != "" || o.intent != "" || o.live
	for _, si := range segs {
		if err := ctx.Err(); err != nil {
			return err
		}
		seg := rq.segs[si]
		w.segment(si)
		if th := w.threshold(top); !math.IsInf(th, -1) {
			w.raise(th)
		}
		if len(w.list) == 0 {
			continue
		}
		f := &segFilter{seg: seg}
		if filtered {
			var err error
			if f, err = newSegFilter(cache, seg, o); err != nil {
				return err
			}
		}
		if err := w.run(ctx, si, f, top, st); err != nil {
			return err
		}
	}
	return nil
}

// threshold is the score a document must reach to matter: top's, or the
// shared one if higher.
func (w *wand) threshold(top *topK) float64 {
	th := top.threshold()
	if w.shared != nil {
		th = max(th, w.shared.load())
	}
	return th
}

// run ranks the documents of segment si into top.
func (w *wand) run(ctx context.Context, si int, f *segFilter, top *topK, st *rankStats) error {
	for n := 0; len(w.list) > 0; n++ {
		if n%4096 == 4095 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		// The pivot: the first document whose terms so far could reach
		// the threshold.
		theta := w.threshold(top)
		j := -1
		for i, e := range w.list {
			if w.add(e.t) >= theta {
				j = i
				break
			}
		}
		w.resetBound()
		if j < 0 {
			return nil // no document left can reach the threshold
		}
		pivot := w.list[j].doc
		// Documents missing a selective filter term cannot be hits.
		target := pivot
		for _, i := range f.skip {
			c := &f.must[i]
			c.seek(target)
			target = max(target, c.doc)
		}
		if target == docEnd {
			return nil
		}
		if st != nil {
			st.pivots++
		}
		if target != pivot || w.list[0].doc != pivot {
			// Skip the terms behind to the target.
			m := 0
			for m < len(w.list) && w.list[m].doc < target {
				e := &w.list[m]
				c := &w.cur[e.t]
				c.seek(target)
				e.doc = c.doc
				m++
			}
			w.resort(m)
			continue
		}
		// Every term up to the pivot has the document, and the ones
		// after it at the same document.
		m := j + 1
		for m < len(w.list) && w.list[m].doc == pivot {
			m++
		}
		if st != nil {
			st.scored++
		}
		if s := w.scoreAt(pivot, m, theta); s > 0 {
			c := ranked{seg: si, doc: pivot, score: s}
			if top.beats(&c) {
				if st != nil {
					st.filtered++
				}
				if f.ok(pivot) {
					top.push(c)
				}
			}
			if top.err != nil {
				return top.err
			}
		}
		for i := range w.list[:m] {
			e := &w.list[i]
			c := &w.cur[e.t]
			c.next()
			e.doc = c.doc
		}
		w.resort(m)
		if top.full && w.shared != nil {
			w.shared.raise(top.threshold())
		}
		if th := w.threshold(top); th > theta {
			w.raise(th)
		}
	}
	return nil
}

// hitTitle reads the stored title of a hit.
func hitTitle(seg *scorch.SegmentSnapshot, doc uint32) (string, error) {
	var title string
	err := seg.VisitDocument(uint64(doc), func(field string, _ byte, value []byte, _ []uint64) bool {
		if field == fTitleRaw {
			title = string(value)
			return false
		}
		return true
	})
	if err != nil {
		return "", fmt.Errorf("kb: stored fields: %w", err)
	}
	return title, nil
}
