package dialog

import (
	"hash/maphash"
	"sync"
)

// lockTable serialises the work on one key (a conversation, an agent).
// Each key in use has a mutex of its own, made when the first caller
// asks and dropped when the last one is done, so memory follows the work
// in flight, not the number of conversations, and two keys never wait
// for each other. (A fixed array of mutexes shared by hash made one
// conversation's turn wait for another's whole turn on a collision: with
// 64 busy conversations and 256 mutexes, about one in four had such a
// neighbour, which showed as the tail of the turn latency.) The map is
// split in shards so that its own mutex is held briefly by few callers.
type lockTable struct {
	seed   maphash.Seed
	shards []lockShard
}

type lockShard struct {
	mu   sync.Mutex
	keys map[string]*keyLock
}

// keyLock is one key's mutex and how many callers hold or wait for it.
type keyLock struct {
	mu   sync.Mutex
	refs int
}

func newLockTable(shards int) *lockTable {
	t := &lockTable{seed: maphash.MakeSeed(), shards: make([]lockShard, shards)}
	for i := range t.shards {
		t.shards[i].keys = make(map[string]*keyLock)
	}
	return t
}

// lock locks key and returns its unlock, which must be called once.
func (t *lockTable) lock(key string) func() {
	s := &t.shards[maphash.String(t.seed, key)%uint64(len(t.shards))]
	s.mu.Lock()
	k := s.keys[key]
	if k == nil {
		k = &keyLock{}
		s.keys[key] = k
	}
	k.refs++
	s.mu.Unlock()
	k.mu.Lock()
	return func() {
		k.mu.Unlock()
		s.mu.Lock()
		if k.refs--; k.refs == 0 {
			delete(s.keys, key)
		}
		s.mu.Unlock()
	}
}

// inUse returns how many keys are held or waited for (for tests).
func (t *lockTable) inUse() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.keys)
		s.mu.Unlock()
	}
	return n
}
