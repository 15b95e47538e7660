package dialog

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// sameContext compares two contexts as the engine uses them: times by
// instant (a decoded time carries no monotonic reading and may name its
// zone differently), everything else exactly.
func sameContext(a, b *convContext) error {
	ja, jb := a.encode(), b.encode()
	if string(ja) != string(jb) {
		return fmt.Errorf("encodings differ:\n%s\n%s", ja, jb)
	}
	if len(a.Recent) != len(b.Recent) {
		return fmt.Errorf("%d recent intents, want %d", len(a.Recent), len(b.Recent))
	}
	ca, cb := *a, *b
	ca.Recent, cb.Recent = nil, nil
	for i := range a.Recent {
		ra, rb := a.Recent[i], b.Recent[i]
		if !ra.At.Equal(rb.At) || ra.At.Round(0) != ra.At || rb.At.Round(0) != rb.At {
			return fmt.Errorf("recent %d at %v, want %v without monotonic reading", i, ra.At, rb.At)
		}
		ra.At, rb.At = time.Time{}, time.Time{}
		ca.Recent, cb.Recent = append(ca.Recent, ra), append(cb.Recent, rb)
	}
	if !reflect.DeepEqual(ca, cb) {
		return fmt.Errorf("got  %#v\nwant %#v", ca, cb)
	}
	return nil
}

// randomContext makes a context with every field in some state, empty
// ones included.
func randomContext(r *rand.Rand, zone *time.Location) *convContext {
	cc := decodeContext(nil)
	cc.Locale = []string{"", "zh-CN", "en"}[r.IntN(3)]
	cc.Turn = r.IntN(50)
	now := time.Now().In(zone) // with a monotonic reading
	for range r.IntN(maxRecent + 1) {
		cc.remember([]string{"refund_status", "order_status", "greeting"}[r.IntN(3)], r.Float64(), now.Add(-time.Duration(r.IntN(1e9))))
	}
	if r.IntN(2) == 0 {
		cc.Recent = []recentIntent{} // empty, not nil
	}
	for range r.IntN(3) {
		cc.Slots[[]string{SlotOrderID, "size", ""}[r.IntN(3)]] = fmt.Sprint("DD", r.IntN(1e6))
	}
	if r.IntN(2) == 0 {
		cc.Asked = &pendingSlot{Intent: "order_status", Slot: SlotOrderID, Confidence: r.Float64(), Turn: r.IntN(9)}
	}
	switch r.IntN(3) {
	case 0:
		cc.Offers = []string{"a", "b<&>", "退货"}
	case 1:
		cc.Offers = []string{}
	}
	cc.Misses = r.IntN(3)
	for range r.IntN(maxMoods + 1) {
		cc.mood(r.Float64())
	}
	cc.Order, cc.OrderAmount = []string{"", "DD20241123011"}[r.IntN(2)], float64(r.IntN(100000))/100
	for _, f := range []string{flagAnswered, flagHandedOff, flagOffered, flagAutoHandoff} {
		if r.IntN(3) > 0 {
			cc.Flags[f] = r.IntN(2) == 0
		}
	}
	if r.IntN(4) == 0 {
		cc.Slots, cc.Flags = nil, nil
	}
	return cc
}

// TestContextClone: what the cache hands out is what parsing the saved
// JSON gives.
func TestContextClone(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		zone := []*time.Location{time.UTC, time.Local, time.FixedZone("CST", 8*3600)}[i%3]
		cc := randomContext(r, zone)
		raw := cc.encode()
		want := decodeContext(raw)
		if err := sameContext(cc.clone(), want); err != nil {
			t.Fatalf("context %d (%s): clone differs from decode(encode):\n%v", i, raw, err)
		}
	}
}

// TestContextCache: a hit only for the exact bytes saved; a caller
// changing what it got does not change the cache.
func TestContextCache(t *testing.T) {
	k := newContextCache()
	cc := randomContext(rand.New(rand.NewPCG(3, 4)), time.UTC)
	cc.Slots = map[string]string{SlotOrderID: "DD1"}
	raw := cc.encode()
	k.put("c1", raw, cc.clone())

	got := k.decode("c1", raw)
	got.Slots[SlotOrderID] = "changed"
	if again := k.decode("c1", raw); again.Slots[SlotOrderID] != "DD1" {
		t.Errorf("cached context changed through a copy: %v", again.Slots)
	}
	other := decodeContext(nil)
	other.Turn = 99
	if got := k.decode("c1", other.encode()); got.Turn != 99 {
		t.Errorf("other bytes decoded to turn %d, want 99", got.Turn)
	}
	if got := k.decode("c2", raw); got.Turn != cc.Turn {
		t.Errorf("c2 decoded to turn %d, want %d", got.Turn, cc.Turn)
	}
	k.put("c3", nil, cc.clone()) // a failed encoding saves nothing
	if got := k.decode("c3", nil); got.Turn != 0 {
		t.Errorf("empty context decoded to turn %d, want 0", got.Turn)
	}
}
