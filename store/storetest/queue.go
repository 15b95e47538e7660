package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

func queueIDs(items []store.QueueItem) []string {
	ids := []string{}
	for _, it := range items {
		ids = append(ids, it.ConversationID)
	}
	return ids
}

func testQueueOrder(t *testing.T, s Store) {
	ctx := t.Context()
	createConversations(t, s, "low-old", "high-new", "high-old", "mid", "claimed")
	items := []store.QueueItem{
		{ConversationID: "low-old", Priority: 0, Reason: "asked_for_human", EnqueuedAt: at(0)},
		{ConversationID: "high-new", Priority: 5, Reason: "angry", Intent: "refund", Emotion: "angry",
			Summary: "wants a refund", Skill: "billing", EnqueuedAt: at(3)},
		{ConversationID: "high-old", Priority: 5, Reason: "vip", EnqueuedAt: at(2)},
		{ConversationID: "claimed", Priority: 9, Reason: "vip", EnqueuedAt: at(1)},
		{ConversationID: "mid", Priority: 1, Reason: "low_confidence", EnqueuedAt: at(4)},
	}
	for _, it := range items {
		must(t, s.Enqueue(ctx, it), "enqueue "+it.ConversationID)
	}
	wantCode(t, s.Enqueue(ctx, store.QueueItem{ConversationID: "mid", EnqueuedAt: at(5)}), errs.Conflict, "enqueue twice")
	_, err := s.Claim(ctx, "claimed", "agent-1", at(6))
	must(t, err, "claim")

	got, err := s.QueueItems(ctx)
	must(t, err, "list")
	want := []string{"high-old", "high-new", "mid", "low-old", "claimed"}
	if ids := queueIDs(got); !slices.Equal(ids, want) {
		t.Errorf("queue order %v, want %v (unclaimed by priority desc then oldest, then claimed)", ids, want)
	}

	it, err := s.QueueItem(ctx, "high-new")
	must(t, err, "get")
	w := items[1]
	if !it.EnqueuedAt.Equal(w.EnqueuedAt) || it.ClaimedBy != "" || it.ClaimedAt != nil {
		t.Errorf("item times/claim: %+v, want enqueued %v, unclaimed", it, w.EnqueuedAt)
	}
	it.EnqueuedAt = w.EnqueuedAt
	if it != w {
		t.Errorf("item round trip:\ngot  %+v\nwant %+v", it, w)
	}
}

// testClaimRace lets many agents claim one item at once: exactly one
// wins, every other gets errs.Conflict.
func testClaimRace(t *testing.T, s Store) {
	const agents = 20
	ctx := t.Context()
	createConversations(t, s, "c1")
	must(t, s.Enqueue(ctx, store.QueueItem{ConversationID: "c1", Priority: 1, EnqueuedAt: t0}), "enqueue")

	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		results = make([]error, agents)
	)
	for i := range agents {
		wg.Go(func() {
			<-start
			_, results[i] = s.Claim(ctx, "c1", fmt.Sprintf("agent-%d", i), at(1))
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, err := range results {
		switch errs.Code(err) {
		case "":
			if winner >= 0 {
				t.Errorf("agents %d and %d both claimed the item", winner, i)
			}
			winner = i
		case errs.Conflict:
		default:
			t.Errorf("agent %d: %v, want success or %s", i, err, errs.Conflict)
		}
	}
	if winner < 0 {
		t.Fatal("no agent claimed the item")
	}
	it, err := s.QueueItem(ctx, "c1")
	must(t, err, "get")
	if want := fmt.Sprintf("agent-%d", winner); it.ClaimedBy != want {
		t.Errorf("claimed by %q, want the winner %q", it.ClaimedBy, want)
	}
	n, err := s.ClaimedCount(ctx, it.ClaimedBy)
	must(t, err, "claimed count")
	if n != 1 {
		t.Errorf("winner holds %d items, want 1", n)
	}
}

func testClaimIdempotent(t *testing.T, s Store) {
	ctx := t.Context()
	createConversations(t, s, "c1")
	must(t, s.Enqueue(ctx, store.QueueItem{ConversationID: "c1", EnqueuedAt: t0}), "enqueue")

	first, err := s.Claim(ctx, "c1", "agent-1", at(1))
	must(t, err, "claim")
	if first.ClaimedBy != "agent-1" || first.ClaimedAt == nil || !first.ClaimedAt.Equal(at(1)) {
		t.Errorf("claim returned %+v, want claimed by agent-1 at %v", first, at(1))
	}
	again, err := s.Claim(ctx, "c1", "agent-1", at(2))
	must(t, err, "claim again by the same agent")
	if again.ClaimedBy != "agent-1" || !timeEq(again.ClaimedAt, first.ClaimedAt) {
		t.Errorf("re-claim returned %+v, want claimed by agent-1 at the first claim time %v", again, at(1))
	}
	_, err = s.Claim(ctx, "c1", "agent-2", at(3))
	wantCode(t, err, errs.Conflict, "claim by another agent")

	n, err := s.ClaimedCount(ctx, "agent-1")
	must(t, err, "claimed count")
	if n != 1 {
		t.Errorf("agent-1 holds %d items, want 1", n)
	}
}

func testUnclaimDequeue(t *testing.T, s Store) {
	ctx := t.Context()
	createConversations(t, s, "c1", "c2")
	must(t, s.Enqueue(ctx, store.QueueItem{ConversationID: "c1", Priority: 1, Reason: "asked", EnqueuedAt: t0}), "enqueue c1")
	must(t, s.Enqueue(ctx, store.QueueItem{ConversationID: "c2", Priority: 1, EnqueuedAt: at(1)}), "enqueue c2")
	for _, id := range []string{"c1", "c2"} {
		_, err := s.Claim(ctx, id, "agent-1", at(2))
		must(t, err, "claim "+id)
	}
	if n, err := s.ClaimedCount(ctx, "agent-1"); err != nil || n != 2 {
		t.Errorf("claimed count = %d, %v; want 2", n, err)
	}

	must(t, s.Unclaim(ctx, "c1", 7, "transfer", "billing"), "unclaim")
	it, err := s.QueueItem(ctx, "c1")
	must(t, err, "get")
	if it.ClaimedBy != "" || it.ClaimedAt != nil || it.Priority != 7 || it.Reason != "transfer" ||
		it.Skill != "billing" || !it.EnqueuedAt.Equal(t0) {
		t.Errorf("after unclaim: %+v, want unclaimed, priority 7, reason transfer, skill billing, enqueued %v", it, t0)
	}
	if n, err := s.ClaimedCount(ctx, "agent-1"); err != nil || n != 1 {
		t.Errorf("claimed count after unclaim = %d, %v; want 1", n, err)
	}
	got, err := s.QueueItems(ctx)
	must(t, err, "list")
	if ids := queueIDs(got); !slices.Equal(ids, []string{"c1", "c2"}) {
		t.Errorf("queue %v, want the transferred c1 first", ids)
	}
	_, err = s.Claim(ctx, "c1", "agent-2", at(3))
	must(t, err, "claim the transferred item by another agent")

	must(t, s.Dequeue(ctx, "c1"), "dequeue")
	_, err = s.QueueItem(ctx, "c1")
	wantCode(t, err, errs.NotFound, "get dequeued")
	wantCode(t, s.Dequeue(ctx, "c1"), errs.NotFound, "dequeue twice")
	wantCode(t, s.Unclaim(ctx, "c1", 1, "", ""), errs.NotFound, "unclaim dequeued")
	if n, err := s.ClaimedCount(ctx, "agent-2"); err != nil || n != 0 {
		t.Errorf("claimed count of agent-2 after dequeue = %d, %v; want 0", n, err)
	}
	// A dequeued conversation can be queued again.
	must(t, s.Enqueue(ctx, store.QueueItem{ConversationID: "c1", EnqueuedAt: at(4)}), "enqueue again")
}
