package kb

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/numeric"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// The postings cache. Scorch keeps an index as immutable segments; a
// write adds a small one and background merges replace several by one.
// The ranker reads a term's postings of a segment once, into plain
// arrays, and keeps them until the segment is merged away: Bleve's
// readers step through every posting to reach the frequency and norm of
// a document (zap stores them in chunks of varints), which cost most of a
// search, while an array is searched in a few steps. From the same pass
// come the term's score bounds for the segment (see rank.go).
//
// Deleted documents stay in the arrays (a segment's deletions grow with
// every snapshot): the ranker skips them per snapshot, and the bounds
// stay bounds.

// postingsCache holds decoded postings by segment for one index
// generation. Searches look entries up under read locks only: twenty
// searchers each looking up hundreds of entries per search would queue on
// a plain mutex.
type postingsCache struct {
	mu     sync.RWMutex
	segs   map[uint64]*segPostings // by segment ID
	maxSeg uint64                  // highest segment ID seen; a newer snapshot prunes
	bytes  atomic.Int64            // approximate size of the arrays held
	reads  atomic.Int64            // postings lists read (for benchmarks)
}

// segPostings is the cache of one segment.
type segPostings struct {
	mu    sync.RWMutex
	m     map[plKey]*plEntry
	bytes atomic.Int64 // what its entries add to postingsCache.bytes
}

// maxPostingsBytes caps the cache. Past it, the cache starts over (a
// search then reads its terms again). The 100,000-article benchmark's
// questions hold ~79 MiB (the index is 91 MiB on disk).
const maxPostingsBytes = 256 << 20

type plKey struct{ field, term string }

// plEntry is one term's postings in one segment. docs are ascending
// segment-local document numbers; freqs and norms (nil for the keyword
// fields the filters read) are the frequency and norm (1/√field length)
// of each, as Bleve's scorer reads them.
type plEntry struct {
	once  sync.Once
	docs  []uint32
	freqs []uint32
	norms []float32
	// best are the (frequency, norm) pairs no other pair beats on both:
	// whatever the average field length, the term's best score in the
	// segment is among them.
	best []tfNorm
	win  *windows // for the windowsOf entry
	err  error
}

type tfNorm struct {
	freq uint64
	norm float64
}

func newPostingsCache() *postingsCache {
	return &postingsCache{segs: map[uint64]*segPostings{}}
}

// prune drops the segments a newer snapshot no longer has. (A search on
// an older snapshot that still needs one reads it again.)
func (c *postingsCache) prune(segs []*scorch.SegmentSnapshot) {
	newest := uint64(0)
	for _, s := range segs {
		newest = max(newest, s.Id())
	}
	c.mu.RLock()
	stale := newest > c.maxSeg
	c.mu.RUnlock()
	if !stale {
		return
	}
	live := make(map[uint64]bool, len(segs))
	for _, s := range segs {
		live[s.Id()] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if newest <= c.maxSeg {
		return
	}
	c.maxSeg = newest
	for id, sp := range c.segs {
		if !live[id] {
			delete(c.segs, id)
			c.bytes.Add(-sp.bytes.Load())
		}
	}
}

// segment returns the cache of seg.
func (c *postingsCache) segment(seg *scorch.SegmentSnapshot) *segPostings {
	id := seg.Id()
	c.mu.RLock()
	sp := c.segs[id]
	c.mu.RUnlock()
	if sp != nil {
		return sp
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bytes.Load() > maxPostingsBytes {
		c.segs = map[uint64]*segPostings{}
		c.bytes.Store(0)
	}
	if sp = c.segs[id]; sp == nil {
		sp = &segPostings{m: map[plKey]*plEntry{}}
		c.segs[id] = sp
	}
	return sp
}

func (e *plEntry) size() int64 {
	return int64(4*(cap(e.docs)+cap(e.freqs)+cap(e.norms))+16*cap(e.best)) + 128
}

// entry returns the (possibly not yet read) entry of key.
func (sp *segPostings) entry(key plKey) *plEntry {
	sp.mu.RLock()
	e := sp.m[key]
	sp.mu.RUnlock()
	if e != nil {
		return e
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if e = sp.m[key]; e == nil {
		e = &plEntry{}
		sp.m[key] = e
	}
	return e
}

// get returns field:term's postings in seg, reading them the first time;
// withFreqs also reads frequencies and norms.
func (c *postingsCache) get(seg *scorch.SegmentSnapshot, field string, term []byte, withFreqs bool) (*plEntry, error) {
	return c.getIn(c.segment(seg), seg, field, term, withFreqs)
}

// getIn is get with seg's cache sp at hand.
func (c *postingsCache) getIn(sp *segPostings, seg *scorch.SegmentSnapshot, field string, term []byte, withFreqs bool) (*plEntry, error) {
	e := sp.entry(plKey{field, string(term)})
	e.once.Do(func() {
		e.err = e.read(seg.Segment(), field, term, withFreqs)
		n := e.size()
		sp.bytes.Add(n)
		c.bytes.Add(n)
		c.reads.Add(1)
	})
	return e, e.err
}

func (e *plEntry) read(seg segment.Segment, field string, term []byte, withFreqs bool) error {
	d, err := seg.Dictionary(field)
	if err != nil {
		return fmt.Errorf("kb: dictionary of %s: %w", field, err)
	}
	pl, err := d.PostingsList(term, nil, nil)
	if err != nil {
		return fmt.Errorf("kb: postings of %s:%s: %w", field, term, err)
	}
	n := pl.Count()
	e.docs = make([]uint32, 0, n)
	if withFreqs {
		e.freqs = make([]uint32, 0, n)
		e.norms = make([]float32, 0, n)
	}
	best := map[uint64]float64{} // frequency → highest norm
	it := pl.Iterator(withFreqs, withFreqs, false, nil)
	for {
		p, err := it.Next()
		if err != nil {
			return fmt.Errorf("kb: postings of %s:%s: %w", field, term, err)
		}
		if p == nil {
			break
		}
		e.docs = append(e.docs, uint32(p.Number()))
		if withFreqs {
			f, nm := p.Frequency(), p.Norm()
			e.freqs = append(e.freqs, uint32(f))
			e.norms = append(e.norms, float32(nm))
			if nm > best[f] {
				best[f] = nm
			}
		}
	}
	for f, nm := range best {
		e.best = append(e.best, tfNorm{f, nm})
	}
	// Highest frequency first; keep a pair only if its norm beats every
	// pair of higher frequency.
	slices.SortFunc(e.best, func(a, b tfNorm) int {
		switch {
		case a.freq > b.freq:
			return -1
		case a.freq < b.freq:
			return 1
		}
		return 0
	})
	out := e.best[:0]
	for _, p := range e.best {
		if len(out) == 0 || p.norm > out[len(out)-1].norm {
			out = append(out, p)
		}
	}
	e.best = slices.Clip(out)
	return nil
}

// live returns how many of e's documents seg has not deleted.
func (e *plEntry) live(seg *scorch.SegmentSnapshot) uint64 {
	del := seg.Deleted()
	if del == nil || del.IsEmpty() {
		return uint64(len(e.docs))
	}
	n := uint64(len(e.docs))
	if del.GetCardinality() < n {
		it := del.Iterator()
		for it.HasNext() {
			if _, ok := slices.BinarySearch(e.docs, it.Next()); ok {
				n--
			}
		}
		return n
	}
	for _, d := range e.docs {
		if del.Contains(d) {
			n--
		}
	}
	return n
}

// windows holds the validity windows of a segment's windowed articles.
type windows struct {
	docs        []uint32
	from, until []float64
}

// windowsOf reads the validity windows of seg's articles that have one
// (doc values of the few documents the windowed term marks), once per
// segment.
func (c *postingsCache) windowsOf(seg *scorch.SegmentSnapshot) (*windows, error) {
	e, err := c.get(seg, fWindowed, []byte(windowedTerm), false)
	if err != nil {
		return nil, err
	}
	sp := c.segment(seg)
	we := sp.entry(plKey{fWindowed, "\x00values"})
	we.once.Do(func() {
		w := &windows{docs: e.docs, from: make([]float64, len(e.docs)), until: make([]float64, len(e.docs))}
		dv, ok := seg.Segment().(segment.DocValueVisitable)
		if !ok {
			we.err = fmt.Errorf("kb: segment without doc values")
			return
		}
		var state segment.DocVisitState
		for i, d := range e.docs {
			w.from[i], w.until[i] = farPast, farFuture
			state, we.err = dv.VisitDocValues(uint64(d), []string{fFrom, fUntil}, func(field string, term []byte) {
				pc := numeric.PrefixCoded(term)
				if s, err := pc.Shift(); err != nil || s != 0 {
					return
				}
				v, err := pc.Int64()
				if err != nil {
					return
				}
				switch field {
				case fFrom:
					w.from[i] = numeric.Int64ToFloat64(v)
				case fUntil:
					w.until[i] = numeric.Int64ToFloat64(v)
				}
			}, state)
			if we.err != nil {
				we.err = fmt.Errorf("kb: validity values: %w", we.err)
				return
			}
		}
		we.win = w
		n := int64(20 * len(e.docs))
		sp.bytes.Add(n)
		c.bytes.Add(n)
	})
	return we.win, we.err
}
