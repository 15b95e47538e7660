package kb

import (
	"bytes"
	"slices"
)

// termDict numbers index terms, so that answer selection keeps the terms
// of a title, a question or a customer's text as a sorted slice of small
// integers: comparing two is a merge, not a map lookup per term.
type termDict struct {
	ids map[string]uint32
	// frozen: the dictionary is shared (the answer cache's) and terms it
	// lacks are counted instead of added.
	frozen bool
}

func newTermDict() *termDict { return &termDict{ids: map[string]uint32{}} }

// id returns t's number, adding t unless d is frozen.
func (d *termDict) id(t []byte) (uint32, bool) {
	if id, ok := d.ids[string(t)]; ok {
		return id, true
	}
	if d.frozen {
		return 0, false
	}
	id := uint32(len(d.ids))
	d.ids[string(t)] = id
	return id, true
}

// termSet is a set of index terms: the ids of those d knows, sorted and
// distinct, and how many others there are. Those others are in no cached
// title or question, but they still count in the set's size.
type termSet struct {
	ids     []uint32
	unknown int
}

func (s termSet) size() int { return len(s.ids) + s.unknown }

// termSet returns the index terms of s (see answerAnalyzer).
func (k *KB) termSet(d *termDict, s string) termSet {
	tokens := k.answer.Analyze([]byte(s))
	ts := termSet{ids: make([]uint32, 0, len(tokens))}
	var unknownBuf [8][]byte
	unknown := unknownBuf[:0] // distinct terms d lacks
	for _, t := range tokens {
		if id, ok := d.id(t.Term); ok {
			ts.ids = append(ts.ids, id)
		} else if !slices.ContainsFunc(unknown, func(u []byte) bool { return bytes.Equal(u, t.Term) }) {
			unknown = append(unknown, t.Term)
		}
	}
	slices.Sort(ts.ids)
	ts.ids = slices.Compact(ts.ids)
	ts.unknown = len(unknown)
	return ts
}

// termList returns the distinct index terms of s (see answerAnalyzer).
func (k *KB) termList(s string) []string {
	var out []string
	for _, t := range k.answer.Analyze([]byte(s)) {
		if !slices.Contains(out, string(t.Term)) {
			out = append(out, string(t.Term))
		}
	}
	return out
}

// setOf returns terms (distinct) as a termSet of d.
func (d *termDict) setOf(terms []string) termSet {
	var ts termSet
	for _, t := range terms {
		if id, ok := d.id([]byte(t)); ok {
			ts.ids = append(ts.ids, id)
		} else {
			ts.unknown++
		}
	}
	slices.Sort(ts.ids)
	return ts
}

// holdsAll reports whether set, a cached title or question (no unknown
// terms), holds every one of terms.
func holdsAll(set, terms termSet) bool {
	if terms.size() == 0 || terms.size() > set.size() || terms.unknown > 0 {
		return false
	}
	i := 0
	for _, id := range terms.ids {
		for i < len(set.ids) && set.ids[i] < id {
			i++
		}
		if i == len(set.ids) || set.ids[i] != id {
			return false
		}
	}
	return true
}

// dice is the Dice coefficient of two term sets, 0 when either is empty.
func dice(a, b termSet) float64 {
	if a.size() == 0 || b.size() == 0 {
		return 0
	}
	common := 0
	for i, j := 0, 0; i < len(a.ids) && j < len(b.ids); {
		switch {
		case a.ids[i] < b.ids[j]:
			i++
		case a.ids[i] > b.ids[j]:
			j++
		default:
			common++
			i++
			j++
		}
	}
	return 2 * float64(common) / float64(a.size()+b.size())
}
