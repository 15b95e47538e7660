package dialog

import (
	"hash/maphash"
	"sync"
)

// lockTable serialises the work on one key (a conversation, an agent)
// with a fixed number of mutexes: memory stays bounded however many
// conversations there are, and two keys share a mutex only by hash
// collision, which costs a little waiting, never correctness.
type lockTable struct {
	seed   maphash.Seed
	shards []sync.Mutex
}

func newLockTable(n int) *lockTable {
	return &lockTable{seed: maphash.MakeSeed(), shards: make([]sync.Mutex, n)}
}

// lock locks key's shard and returns its unlock.
func (t *lockTable) lock(key string) func() {
	m := &t.shards[maphash.String(t.seed, key)%uint64(len(t.shards))]
	m.Lock()
	return m.Unlock
}
