package dialog

import (
	"strings"
	"testing"
	"time"
)

func TestNewIDSortsByTime(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	prev := ""
	for _, d := range []time.Duration{0, 1, time.Microsecond, time.Second, 24 * time.Hour, 50 * 365 * 24 * time.Hour} {
		id := newID("c", t0.Add(d))
		if len(id) != 2+13+16 || !strings.HasPrefix(id, "c_") {
			t.Errorf("id %q: want c_ and 29 characters", id)
		}
		if id <= prev {
			t.Errorf("id %q (at +%v) does not sort after %q", id, d, prev)
		}
		prev = id
	}
	if a, b := newID("c", t0), newID("c", t0); a == b {
		t.Errorf("two ids of the same instant are equal: %q", a)
	}
}
