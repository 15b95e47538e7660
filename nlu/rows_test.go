package nlu

import (
	"math/rand/v2"
	"testing"
)

func TestRowTable(t *testing.T) {
	for _, n := range []int{0, 1, 7, 1000, 50000} {
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		seen := map[uint32]bool{}
		var buckets []uint32
		for len(buckets) < n {
			b := rng.Uint32() & (1<<22 - 1)
			if !seen[b] {
				seen[b] = true
				buckets = append(buckets, b)
			}
		}
		tab := newRowTable(buckets)
		for r, b := range buckets {
			if got, ok := tab.row(b); !ok || got != int32(r) {
				t.Fatalf("n=%d: row(%d) = %d, %v; want %d", n, b, got, ok, r)
			}
		}
		for range 1000 {
			b := rng.Uint32() & (1<<22 - 1)
			if _, ok := tab.row(b); ok != seen[b] {
				t.Fatalf("n=%d: row(%d) found %v, want %v", n, b, ok, seen[b])
			}
		}
		if tab.len() != n {
			t.Errorf("len = %d, want %d", tab.len(), n)
		}
	}
}
