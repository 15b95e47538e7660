package nlu

import "math/bits"

// rowTable maps feature buckets to weight rows: an open-addressing hash
// table with linear probing in one flat slice. A parse looks up every
// feature of the message, mostly misses on out-of-vocabulary n-grams, and a
// probe here touches one cache line where a Go map touches two or three.
type rowTable struct {
	slots []uint64 // (bucket+1)<<32 | row; 0 is empty
	shift uint
	rows  []uint32 // row → bucket, for saving
}

// newRowTable indexes buckets, which must be distinct: bucket i gets row i.
func newRowTable(buckets []uint32) *rowTable {
	size := 1 << max(4, bits.Len(uint(2*len(buckets))))
	t := &rowTable{slots: make([]uint64, size), shift: uint(32 - bits.Len(uint(size-1))), rows: buckets}
	mask := uint32(size - 1)
	for r, b := range buckets {
		i := t.home(b)
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = uint64(b+1)<<32 | uint64(r)
	}
	return t
}

func (t *rowTable) home(b uint32) uint32 { return (b * 0x9e3779b1) >> t.shift }

// row returns the weight row of bucket b.
func (t *rowTable) row(b uint32) (int32, bool) {
	mask := uint32(len(t.slots) - 1)
	key := uint64(b+1) << 32
	for i := t.home(b); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return 0, false
		}
		if s&^0xffffffff == key {
			return int32(uint32(s)), true
		}
	}
}

// len is the number of rows.
func (t *rowTable) len() int { return len(t.rows) }
