package dialog

import (
	"strconv"
	"sync"
	"testing"
)

func TestLockTable(t *testing.T) {
	for _, shards := range []int{1, 4, 256} {
		t.Run(strconv.Itoa(shards), func(t *testing.T) {
			lt := newLockTable(shards)

			// Different keys never wait for each other, even in one shard:
			// holding both at once from one goroutine must not deadlock.
			ua := lt.lock("a")
			ub := lt.lock("b")
			if n := lt.inUse(); n != 2 {
				t.Errorf("in use with two keys held: %d, want 2", n)
			}
			ub()
			ua()

			// One key serialises its holders: the counters are plain ints,
			// so -race reports any overlap.
			counts := make([]int, 8)
			var wg sync.WaitGroup
			for g := range 16 {
				wg.Go(func() {
					for i := range 200 {
						k := (g + i) % len(counts)
						unlock := lt.lock("conv-" + strconv.Itoa(k))
						counts[k]++
						unlock()
					}
				})
			}
			wg.Wait()
			total := 0
			for _, c := range counts {
				total += c
			}
			if total != 16*200 {
				t.Errorf("counted %d turns, want %d", total, 16*200)
			}
			// Memory follows the work in flight: nothing is left behind.
			if n := lt.inUse(); n != 0 {
				t.Errorf("keys left in the table after every unlock: %d", n)
			}
		})
	}
}
