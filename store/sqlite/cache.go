package sqlite

import (
	"bytes"
	"sync"

	"github.com/kefu-ai/kefu/store"
)

// DefaultConversationCache is how many conversations a store keeps in
// memory when Config.ConversationCache is zero.
const DefaultConversationCache = 4096

// convCache holds conversations as their last write committed them, so
// that the read at the start of every customer turn skips SQLite (it was
// an eighth of a turn's CPU).
//
// Only the writer goroutine fills it, from the rows its statements
// return, after their transaction committed and in commit order; a read
// never fills it (a read racing a write could otherwise put back the
// older row). The database stays the source of truth: a conversation not
// written since Open is read from it. It is right only while this Store
// is the only writer of the file, which kefu ensures by opening the
// database from one process.
type convCache struct {
	max int
	mu  sync.RWMutex
	m   map[string]store.Conversation
}

func newConvCache(max int) *convCache {
	if max <= 0 {
		return nil
	}
	return &convCache{max: max, m: make(map[string]store.Conversation, max)}
}

// get returns a copy of the cached conversation id.
func (cc *convCache) get(id string) (store.Conversation, bool) {
	if cc == nil {
		return store.Conversation{}, false
	}
	cc.mu.RLock()
	c, ok := cc.m[id]
	cc.mu.RUnlock()
	if ok {
		c.Context = bytes.Clone(c.Context) // callers may change theirs
	}
	return c, ok
}

// put stores c as committed; c must not be changed afterwards.
func (cc *convCache) put(c store.Conversation) {
	if cc == nil {
		return
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if _, ok := cc.m[c.ID]; !ok && len(cc.m) >= cc.max {
		for id := range cc.m { // an arbitrary victim: map order is random
			delete(cc.m, id)
			break
		}
	}
	cc.m[c.ID] = c
}
