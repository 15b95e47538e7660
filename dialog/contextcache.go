package dialog

import (
	"bytes"
	"maps"
	"slices"
	"sync"
)

// contextCacheSize bounds the contexts kept decoded (a few hundred bytes
// each, a conversation's turns are seconds apart).
const contextCacheSize = 4096

// contextCache remembers, per conversation, the context the engine last
// saved together with its JSON, so that the next turn need not parse the
// JSON again (a twentieth of a turn's CPU under load). An entry serves
// only the exact bytes it was made from: the store stays the source of
// truth, and a context changed by any other path simply misses.
type contextCache struct {
	mu sync.Mutex
	m  map[string]cachedContext
}

type cachedContext struct {
	raw []byte
	cc  *convContext // never handed out: decode returns clones
}

func newContextCache() *contextCache {
	return &contextCache{m: make(map[string]cachedContext)}
}

// decode is decodeContext(raw) for conversation convID.
func (k *contextCache) decode(convID string, raw []byte) *convContext {
	k.mu.Lock()
	e, ok := k.m[convID]
	k.mu.Unlock()
	if ok && len(raw) > 0 && bytes.Equal(e.raw, raw) {
		return e.cc.clone()
	}
	return decodeContext(raw)
}

// put remembers that convID's context raw decodes to cc; cc must be what
// clone returns (decodeContext(raw) in value) and is not changed later.
func (k *contextCache) put(convID string, raw []byte, cc *convContext) {
	if len(raw) == 0 {
		return // encode failed: nothing was saved to match
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.m[convID]; !ok && len(k.m) >= contextCacheSize {
		for id := range k.m { // an arbitrary victim: map order is random
			delete(k.m, id)
			break
		}
	}
	k.m[convID] = cachedContext{raw: raw, cc: cc}
}

// clone returns a deep copy of cc equal to what decodeContext makes of
// cc.encode(): times without their monotonic reading, empty lists nil,
// the maps never nil. TestContextClone holds it to that.
func (cc *convContext) clone() *convContext {
	out := *cc
	out.Recent = nil
	if len(cc.Recent) > 0 {
		out.Recent = make([]recentIntent, len(cc.Recent))
		for i, r := range cc.Recent {
			r.At = r.At.Round(0)
			out.Recent[i] = r
		}
	}
	out.Slots = maps.Clone(cc.Slots)
	if out.Slots == nil {
		out.Slots = map[string]string{}
	}
	if cc.Asked != nil {
		a := *cc.Asked
		out.Asked = &a
	}
	out.Offers = nil
	if len(cc.Offers) > 0 {
		out.Offers = slices.Clone(cc.Offers)
	}
	out.Moods = nil
	if len(cc.Moods) > 0 {
		out.Moods = slices.Clone(cc.Moods)
	}
	out.Flags = maps.Clone(cc.Flags)
	if out.Flags == nil {
		out.Flags = map[string]bool{}
	}
	return &out
}
