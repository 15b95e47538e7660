package storetest

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// conversationDiff describes how got differs from want ("" when equal),
// comparing times with Equal.
func conversationDiff(got, want store.Conversation) string {
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		return fmt.Sprintf("times (%v, %v), want (%v, %v)", got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt)
	}
	if !bytes.Equal(got.Context, want.Context) {
		return fmt.Sprintf("context %q, want %q", got.Context, want.Context)
	}
	got.CreatedAt, got.UpdatedAt, got.Context = time.Time{}, time.Time{}, nil
	want.CreatedAt, want.UpdatedAt, want.Context = time.Time{}, time.Time{}, nil
	if !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("\ngot  %+v\nwant %+v", got, want)
	}
	return ""
}

func testConversationCRUD(t *testing.T, s Store) {
	ctx := t.Context()
	c := store.Conversation{
		ID: "c1", UserID: "u1", Verified: true, Channel: "web", Locale: "zh-CN",
		Profile: store.Profile{VIP: true, Tier: "gold"}, State: store.StateBot,
		Context:   []byte(`{"slots":{"order":"A1"}}`),
		CreatedAt: t0, UpdatedAt: at(1),
	}
	must(t, s.CreateConversation(ctx, c), "create")

	got, err := s.Conversation(ctx, "c1")
	must(t, err, "get")
	if d := conversationDiff(got, c); d != "" {
		t.Errorf("round trip: %s", d)
	}

	tests := []struct {
		name string
		c    store.Conversation
		code string
	}{
		{"duplicate id", store.Conversation{ID: "c1", State: store.StateBot}, errs.Conflict},
		{"empty id", store.Conversation{State: store.StateBot}, errs.Invalid},
	}
	for _, tt := range tests {
		wantCode(t, s.CreateConversation(ctx, tt.c), tt.code, tt.name)
	}
	got, err = s.Conversation(ctx, "c1")
	must(t, err, "get after failed creates")
	if d := conversationDiff(got, c); d != "" {
		t.Errorf("a failed create changed the conversation: %s", d)
	}
}

func testConversationCAS(t *testing.T, s Store) {
	ctx := t.Context()
	c := store.Conversation{ID: "c1", Channel: "web", Locale: "en", State: store.StateBot, CreatedAt: t0, UpdatedAt: t0}
	must(t, s.CreateConversation(ctx, c), "create")

	next := c
	next.State, next.AgentID, next.Locale = store.StateAgent, "agent-1", "zh-CN"
	next.UserID, next.Verified, next.Profile = "u9", true, store.Profile{VIP: true}
	next.Context, next.UpdatedAt = []byte(`{"turn":2}`), at(5)
	next.Channel = "ignored" // not an updatable field
	must(t, s.UpdateConversation(ctx, next, store.StateBot), "update from bot")

	got, err := s.Conversation(ctx, "c1")
	must(t, err, "get")
	want := next
	want.Channel = "web"
	if d := conversationDiff(got, want); d != "" {
		t.Errorf("after update: %s", d)
	}

	// The stored state is agent now: a writer that still believes it is
	// bot loses.
	stale := next
	stale.State, stale.AgentID = store.StateClosed, "agent-2"
	wantCode(t, s.UpdateConversation(ctx, stale, store.StateBot), errs.Conflict, "update from a stale state")
	got, err = s.Conversation(ctx, "c1")
	must(t, err, "get after conflict")
	if d := conversationDiff(got, want); d != "" {
		t.Errorf("a lost compare-and-set changed the conversation: %s", d)
	}
	wantCode(t, s.UpdateConversation(ctx, stale, store.StateAgent), "", "update from the current state")
}

func testCountConversations(t *testing.T, s Store) {
	ctx := t.Context()
	states := map[string]string{
		"c1": store.StateBot, "c2": store.StateBot, "c3": store.StateAgent,
		"c4": store.StateWaitingAgent, "c5": store.StateBot,
	}
	for id, state := range states {
		must(t, s.CreateConversation(ctx, store.Conversation{ID: id, State: state, CreatedAt: t0}), "create "+id)
	}
	got, err := s.CountConversations(ctx)
	must(t, err, "count")
	want := map[string]int{store.StateBot: 3, store.StateAgent: 1, store.StateWaitingAgent: 1}
	for state, n := range want {
		if got[state] != n {
			t.Errorf("count[%s] = %d, want %d (all: %v)", state, got[state], n, got)
		}
	}
	if got[store.StateClosed] != 0 {
		t.Errorf("count[closed] = %d, want 0", got[store.StateClosed])
	}
}

// testNotFound checks that every lookup or change of a missing record
// reports errs.NotFound.
func testNotFound(t *testing.T, s Store) {
	createConversations(t, s, "c1")
	tests := []struct {
		name string
		call func() error
	}{
		{"Conversation", func() error { _, err := s.Conversation(t.Context(), "nope"); return err }},
		{"UpdateConversation", func() error {
			return s.UpdateConversation(t.Context(), store.Conversation{ID: "nope", State: store.StateAgent}, store.StateBot)
		}},
		{"AppendMessage", func() error {
			_, err := s.AppendMessage(t.Context(), store.Message{ConversationID: "nope", Role: store.RoleCustomer, Text: "hi"})
			return err
		}},
		{"Message", func() error { _, err := s.Message(t.Context(), "c1", "nope"); return err }},
		{"AddTransition", func() error {
			return s.AddTransition(t.Context(), store.Transition{ConversationID: "nope", From: "bot", To: "agent", At: t0})
		}},
		{"AddFeedback", func() error {
			return s.AddFeedback(t.Context(), store.Feedback{ConversationID: "c1", MessageID: "nope", At: t0})
		}},
		{"Enqueue", func() error { return s.Enqueue(t.Context(), store.QueueItem{ConversationID: "nope", EnqueuedAt: t0}) }},
		{"QueueItem", func() error { _, err := s.QueueItem(t.Context(), "c1"); return err }},
		{"Claim", func() error { _, err := s.Claim(t.Context(), "c1", "agent-1", t0); return err }},
		{"Unclaim", func() error { return s.Unclaim(t.Context(), "c1", 1, "transfer", "") }},
		{"Dequeue", func() error { return s.Dequeue(t.Context(), "c1") }},
		{"ClaimTicket", func() error { _, err := s.ClaimTicket(t.Context(), "nope", "agent-1"); return err }},
		{"ResolveTicket", func() error { _, err := s.ResolveTicket(t.Context(), "nope", "agent-1", t0); return err }},
		{"Article", func() error { _, err := s.Article(t.Context(), "nope"); return err }},
		{"UpdateArticle", func() error {
			_, err := s.UpdateArticle(t.Context(), store.Article{ID: "nope", Version: 1}, "alice")
			return err
		}},
		{"DeleteArticle", func() error { return s.DeleteArticle(t.Context(), "nope", "alice") }},
		{"DeleteUnanswered", func() error { return s.DeleteUnanswered(t.Context(), "nope") }},
	}
	for _, tt := range tests {
		wantCode(t, tt.call(), errs.NotFound, tt.name)
	}
}

func testMessages(t *testing.T, s Store) {
	ctx := t.Context()
	createConversations(t, s, "c1", "c2")

	in := []store.Message{
		{ConversationID: "c1", Role: store.RoleCustomer, Text: "我的订单到哪了？", CreatedAt: at(1)},
		{ConversationID: "c1", Role: store.RoleBot, Text: "Your order ships today.", Intent: "order_status",
			Confidence: 0.93, Emotion: "neutral", EmotionScore: 0.12, ArticleID: "a1",
			Meta: []byte(`{"decision":"answer"}`), CreatedAt: at(2)},
		{ID: "given-id", ConversationID: "c1", Role: store.RoleAgent, AgentID: "agent-1", Text: "Anything else?"},
	}
	var out []store.Message
	for i, m := range in {
		got, err := s.AppendMessage(ctx, m)
		must(t, err, fmt.Sprintf("append %d", i))
		if got.Seq != int64(i+1) {
			t.Errorf("append %d: seq %d, want %d", i, got.Seq, i+1)
		}
		if got.ID == "" || (m.ID != "" && got.ID != m.ID) {
			t.Errorf("append %d: id %q (given %q)", i, got.ID, m.ID)
		}
		if got.CreatedAt.IsZero() || (!m.CreatedAt.IsZero() && !got.CreatedAt.Equal(m.CreatedAt)) {
			t.Errorf("append %d: created_at %v (given %v)", i, got.CreatedAt, m.CreatedAt)
		}
		out = append(out, got)
	}
	if out[0].ID == out[1].ID {
		t.Errorf("two messages got the same id %q", out[0].ID)
	}
	other, err := s.AppendMessage(ctx, store.Message{ConversationID: "c2", Role: store.RoleCustomer, Text: "hello"})
	must(t, err, "append to c2")
	if other.Seq != 1 {
		t.Errorf("first message of c2: seq %d, want 1 (Seq counts per conversation)", other.Seq)
	}
	_, err = s.AppendMessage(ctx, store.Message{ID: "given-id", ConversationID: "c2", Text: "dup"})
	wantCode(t, err, errs.Conflict, "append with a taken id")

	got, err := s.Message(ctx, "c1", out[1].ID)
	must(t, err, "get message")
	if d := messageDiff(got, out[1]); d != "" {
		t.Errorf("message round trip: %s", d)
	}
	_, err = s.Message(ctx, "c2", out[1].ID)
	wantCode(t, err, errs.NotFound, "message looked up in another conversation")

	tests := []struct {
		name     string
		conv     string
		afterSeq int64
		limit    int
		wantSeqs []int64
	}{
		{"all", "c1", 0, 0, []int64{1, 2, 3}},
		{"negative limit is all", "c1", 0, -1, []int64{1, 2, 3}},
		{"after", "c1", 1, 0, []int64{2, 3}},
		{"after with limit", "c1", 1, 1, []int64{2}},
		{"limit", "c1", 0, 2, []int64{1, 2}},
		{"past the end", "c1", 3, 0, []int64{}},
		{"other conversation", "c2", 0, 0, []int64{1}},
		{"unknown conversation", "nope", 0, 0, []int64{}},
	}
	for _, tt := range tests {
		ms, err := s.Messages(ctx, tt.conv, tt.afterSeq, tt.limit)
		must(t, err, tt.name)
		seqs := []int64{}
		for _, m := range ms {
			seqs = append(seqs, m.Seq)
			if m.ConversationID != tt.conv {
				t.Errorf("%s: message %q of conversation %q", tt.name, m.ID, m.ConversationID)
			}
		}
		if !slices.Equal(seqs, tt.wantSeqs) {
			t.Errorf("%s: seqs %v, want %v", tt.name, seqs, tt.wantSeqs)
		}
	}
	all, err := s.Messages(ctx, "c1", 0, 0)
	must(t, err, "list")
	for i := range all {
		if d := messageDiff(all[i], out[i]); d != "" {
			t.Errorf("listed message %d: %s", i, d)
		}
	}
}

func messageDiff(got, want store.Message) string {
	if !got.CreatedAt.Equal(want.CreatedAt) {
		return fmt.Sprintf("created_at %v, want %v", got.CreatedAt, want.CreatedAt)
	}
	if !bytes.Equal(got.Meta, want.Meta) {
		return fmt.Sprintf("meta %q, want %q", got.Meta, want.Meta)
	}
	got.CreatedAt, got.Meta = time.Time{}, nil
	want.CreatedAt, want.Meta = time.Time{}, nil
	if !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("\ngot  %+v\nwant %+v", got, want)
	}
	return ""
}

// testConcurrentAppend appends to one conversation from many goroutines:
// every append gets its own Seq and together they are 1..n.
func testConcurrentAppend(t *testing.T, s Store) {
	const n = 50
	ctx := t.Context()
	createConversations(t, s, "c1")

	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		seqs  = make([]int64, n)
		errCh = make(chan error, n)
	)
	for i := range n {
		wg.Go(func() {
			<-start
			m, err := s.AppendMessage(ctx, store.Message{ConversationID: "c1", Role: store.RoleCustomer, Text: fmt.Sprint(i)})
			if err != nil {
				errCh <- err
				return
			}
			seqs[i] = m.Seq
		})
	}
	close(start)
	wg.Wait()
	close(errCh)
	for err := range errCh {
		t.Errorf("concurrent append: %v", err)
	}

	ms, err := s.Messages(ctx, "c1", 0, 0)
	must(t, err, "list")
	if len(ms) != n {
		t.Fatalf("%d messages stored, want %d", len(ms), n)
	}
	for i, m := range ms {
		if m.Seq != int64(i+1) {
			t.Errorf("message %d: seq %d, want %d (gapless, ordered)", i, m.Seq, i+1)
		}
		var k int
		if _, err := fmt.Sscan(m.Text, &k); err != nil || k < 0 || k >= n {
			t.Fatalf("message %d: unexpected text %q", i, m.Text)
		}
		if seqs[k] != m.Seq {
			t.Errorf("append %d returned seq %d but was stored as %d", k, seqs[k], m.Seq)
		}
	}
}

func testTransitions(t *testing.T, s Store) {
	ctx := t.Context()
	createConversations(t, s, "c1", "c2")
	// Equal times: the order is the order of the calls, not of At.
	want := []store.Transition{
		{ConversationID: "c1", From: store.StateBot, To: store.StateWaitingAgent, Reason: "asked_for_human", At: at(1)},
		{ConversationID: "c1", From: store.StateWaitingAgent, To: store.StateAgent, Reason: "claimed", Actor: "agent-1", At: at(1)},
		{ConversationID: "c1", From: store.StateAgent, To: store.StateClosed, Reason: "resolved", Actor: "agent-1", At: at(1)},
	}
	for i, tr := range want {
		must(t, s.AddTransition(ctx, tr), fmt.Sprintf("add %d", i))
		if i == 0 {
			must(t, s.AddTransition(ctx, store.Transition{ConversationID: "c2", From: "bot", To: "closed", At: t0}), "add to c2")
		}
	}
	got, err := s.Transitions(ctx, "c1")
	must(t, err, "list")
	if len(got) != len(want) {
		t.Fatalf("%d transitions, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.At.Equal(w.At) {
			t.Errorf("transition %d: at %v, want %v", i, g.At, w.At)
		}
		g.At, w.At = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("transition %d: %+v, want %+v", i, g, w)
		}
	}
	none, err := s.Transitions(ctx, "nope")
	must(t, err, "list unknown")
	if len(none) != 0 {
		t.Errorf("unknown conversation has %d transitions", len(none))
	}
}

func testFeedback(t *testing.T, s Store) {
	ctx := t.Context()
	createConversations(t, s, "c1", "c2")
	m, err := s.AppendMessage(ctx, store.Message{ConversationID: "c1", Role: store.RoleBot, Text: "answer"})
	must(t, err, "append")

	tests := []struct {
		name string
		f    store.Feedback
		code string
	}{
		{"unknown message", store.Feedback{ConversationID: "c1", MessageID: "nope", Helpful: true, At: t0}, errs.NotFound},
		{"message of another conversation", store.Feedback{ConversationID: "c2", MessageID: m.ID, At: t0}, errs.NotFound},
		{"unknown conversation", store.Feedback{ConversationID: "nope", MessageID: m.ID, At: t0}, errs.NotFound},
		{"thumbs up", store.Feedback{ConversationID: "c1", MessageID: m.ID, Helpful: true, At: at(1)}, ""},
		{"second verdict replaces the first", store.Feedback{ConversationID: "c1", MessageID: m.ID, At: at(2)}, ""},
	}
	for _, tt := range tests {
		wantCode(t, s.AddFeedback(ctx, tt.f), tt.code, tt.name)
	}
}

// testSaveTurn: the conversation and the turn's messages are saved
// together, or (on a lost compare-and-set) not at all.
func testSaveTurn(t *testing.T, s Store) {
	ctx := t.Context()
	createConversations(t, s, "c1")
	c, err := s.Conversation(ctx, "c1")
	must(t, err, "get c1")
	c.Context = []byte(`{"turn":1}`)
	msgs := []store.Message{
		{ConversationID: "c1", Role: store.RoleCustomer, Text: "退货运费谁出", CreatedAt: at(1)},
		{ConversationID: "c1", Role: store.RoleBot, Text: "运费险会赔付", Intent: "return_shipping_fee", CreatedAt: at(1)},
	}
	got, err := s.SaveTurn(ctx, c, store.StateBot, msgs)
	must(t, err, "save turn")
	if len(got) != 2 || got[0].Seq != 1 || got[1].Seq != 2 || got[0].ID == "" || got[0].ID == got[1].ID {
		t.Fatalf("saved messages = %+v, want seq 1 and 2 with ids", got)
	}
	after, err := s.Conversation(ctx, "c1")
	must(t, err, "get c1 again")
	if string(after.Context) != `{"turn":1}` {
		t.Errorf("context = %s, want the turn's", after.Context)
	}
	// A lost compare-and-set saves neither the conversation nor messages.
	c.Context = []byte(`{"turn":2}`)
	_, err = s.SaveTurn(ctx, c, store.StateAgent, []store.Message{{ConversationID: "c1", Role: store.RoleCustomer, Text: "lost"}})
	wantCode(t, err, errs.Conflict, "save turn from a stale state")
	all, err := s.Messages(ctx, "c1", 0, 0)
	must(t, err, "messages")
	if len(all) != 2 {
		t.Errorf("%d messages after a failed turn, want 2", len(all))
	}
	after, err = s.Conversation(ctx, "c1")
	must(t, err, "get c1 after failure")
	if string(after.Context) != `{"turn":1}` {
		t.Errorf("context = %s after a failed turn, want it unchanged", after.Context)
	}
}
