package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), Config{Path: filepath.Join(t.TempDir(), "kefu.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, id := range []string{"c1", "c2", "c3"} {
		if err := s.CreateConversation(t.Context(), store.Conversation{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// appendCall is a write call appending text to conv, failing afterwards
// with fail when it is not nil.
func appendCall(s *Store, ctx context.Context, conv, text string, fail error, committed *[]string) *writeCall {
	return &writeCall{
		ctx: ctx, op: "test " + text, done: make(chan struct{}),
		fn: func(ctx context.Context, tx *sql.Tx) error {
			if _, err := s.appendMessageTx(ctx, tx, store.Message{ConversationID: conv, Role: store.RoleCustomer, Text: text}); err != nil {
				return err
			}
			return fail
		},
		committed: func() { *committed = append(*committed, text) },
	}
}

func texts(t *testing.T, s *Store, conv string) string {
	t.Helper()
	ms, err := s.Messages(t.Context(), conv, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := ""
	for _, m := range ms {
		out += fmt.Sprintf("%d:%s ", m.Seq, m.Text)
	}
	return out
}

// TestBatchIsolation runs one batch by hand: a failing call and a call
// whose context ended leave no trace, the others commit together.
func TestBatchIsolation(t *testing.T) {
	s := openTest(t)
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	var committed []string
	conflict := errs.E(errs.Conflict, "lost")
	batch := []*writeCall{
		appendCall(s, t.Context(), "c1", "a", nil, &committed),
		appendCall(s, t.Context(), "c2", "b", conflict, &committed),
		appendCall(s, cancelled, "c2", "c", nil, &committed),
		appendCall(s, t.Context(), "c2", "d", nil, &committed),
	}
	before := s.WriteStats()
	s.w.commit(batch)

	for i, want := range []error{nil, conflict, context.Canceled, nil} {
		if got := batch[i].err; !errors.Is(got, want) || (want == nil) != (got == nil) {
			t.Errorf("call %d: err = %v, want %v", i, got, want)
		}
	}
	if got, want := texts(t, s, "c1"), "1:a "; got != want {
		t.Errorf("c1 = %q, want %q", got, want)
	}
	if got, want := texts(t, s, "c2"), "1:d "; got != want {
		t.Errorf("c2 = %q, want %q (b rolled back, c skipped, seq gapless)", got, want)
	}
	if got := fmt.Sprint(committed); got != "[a d]" {
		t.Errorf("committed hooks ran for %s, want [a d]", got)
	}
	if got := s.WriteStats(); got.Commits != before.Commits+1 || got.Calls != before.Calls+2 {
		t.Errorf("stats %+v after %+v, want one more commit holding two calls", got, before)
	}
}

// TestBatchAbort: when a call destroys the transaction, no call of the
// batch reports success, and nothing is saved.
func TestBatchAbort(t *testing.T) {
	s := openTest(t)
	var committed []string
	killer := &writeCall{
		ctx: t.Context(), op: "test rollback", done: make(chan struct{}),
		fn: func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "ROLLBACK")
			if err != nil {
				return err
			}
			return errors.New("rolled back")
		},
	}
	batch := []*writeCall{
		appendCall(s, t.Context(), "c1", "a", nil, &committed),
		killer,
		appendCall(s, t.Context(), "c3", "c", nil, &committed),
	}
	s.w.commit(batch)
	for i, c := range batch {
		if c.err == nil {
			t.Errorf("call %d succeeded in an aborted batch", i)
		}
	}
	if got := texts(t, s, "c1") + texts(t, s, "c3"); got != "" {
		t.Errorf("messages after an aborted batch: %q", got)
	}
	if len(committed) != 0 {
		t.Errorf("committed hooks ran: %v", committed)
	}
	// The writer goes on.
	if _, err := s.AppendMessage(t.Context(), store.Message{ConversationID: "c1", Role: store.RoleCustomer, Text: "next"}); err != nil {
		t.Fatalf("append after an aborted batch: %v", err)
	}
	if got, want := texts(t, s, "c1"), "1:next "; got != want {
		t.Errorf("c1 = %q, want %q", got, want)
	}
}

// TestBatchPanic: a panicking call fails alone.
func TestBatchPanic(t *testing.T) {
	s := openTest(t)
	var committed []string
	batch := []*writeCall{
		appendCall(s, t.Context(), "c1", "a", nil, &committed),
		{ctx: t.Context(), op: "test panic", done: make(chan struct{}), fn: func(context.Context, *sql.Tx) error { panic("boom") }},
	}
	s.w.commit(batch)
	if batch[0].err != nil || batch[1].err == nil {
		t.Errorf("errs = %v, %v; want nil and the panic", batch[0].err, batch[1].err)
	}
	if got, want := texts(t, s, "c1"), "1:a "; got != want {
		t.Errorf("c1 = %q, want %q", got, want)
	}
}

// TestConcurrentTurns: many customers' turns at once, some from a stale
// state; each gets its own outcome, whatever the batches were.
func TestConcurrentTurns(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	const n = 40
	for i := range n {
		if err := s.CreateConversation(ctx, store.Conversation{ID: fmt.Sprintf("t%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errc := make([]error, n)
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("t%d", i)
			from := store.StateBot
			if i%4 == 3 {
				from = store.StateAgent // stale: must be a conflict
			}
			for k := range 3 {
				c := store.Conversation{ID: id, State: store.StateBot, Context: fmt.Appendf(nil, `{"turn":%d}`, k)}
				_, err := s.SaveTurn(ctx, c, from, []store.Message{
					{ConversationID: id, Role: store.RoleCustomer, Text: "q"},
					{ConversationID: id, Role: store.RoleBot, Text: "a"},
				})
				if err != nil {
					errc[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for i := range n {
		id := fmt.Sprintf("t%d", i)
		ms, err := s.Messages(ctx, id, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if i%4 == 3 {
			if !errs.Is(errc[i], errs.Conflict) || len(ms) != 0 {
				t.Errorf("%s: err %v, %d messages; want a conflict and none", id, errc[i], len(ms))
			}
			continue
		}
		if errc[i] != nil || len(ms) != 6 {
			t.Errorf("%s: err %v, %d messages; want 6", id, errc[i], len(ms))
			continue
		}
		for k, m := range ms {
			if m.Seq != int64(k+1) {
				t.Errorf("%s: message %d has seq %d", id, k, m.Seq)
			}
		}
	}
}

// TestClosedStore: writes after Close fail as unavailable instead of
// hanging.
func TestClosedStore(t *testing.T) {
	s := openTest(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := s.AppendMessage(t.Context(), store.Message{ConversationID: "c1", Role: store.RoleCustomer, Text: "late"})
	if !errs.Is(err, errs.Unavailable) {
		t.Errorf("append after close: %v, want unavailable", err)
	}
}

// TestCacheMatchesDatabase: what a cached read returns is what SQLite
// holds, after each kind of write, and an evicted conversation is read
// from SQLite again.
func TestCacheMatchesDatabase(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, Config{Path: filepath.Join(t.TempDir(), "kefu.db"), ConversationCache: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check := func(id, what string) {
		t.Helper()
		got, err := s.Conversation(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		want, err := scanConversation(s.rdb.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE id = ?`, id))
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
			t.Errorf("%s:\ncached   %+v\ndatabase %+v", what, got, want)
		}
	}
	c := store.Conversation{ID: "c1", UserID: "u1", Verified: true, Channel: "web", Locale: "zh-CN",
		Profile: store.Profile{VIP: true, Tier: "gold"}, Context: []byte(`{"turn":0}`)}
	if err := s.CreateConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	check("c1", "created")
	c.State, c.Context = store.StateBot, []byte(`{"turn":1}`)
	if _, err := s.SaveTurn(ctx, c, store.StateBot, []store.Message{{ConversationID: "c1", Role: store.RoleCustomer, Text: "hi"}}); err != nil {
		t.Fatal(err)
	}
	check("c1", "after a turn")
	c.State, c.AgentID = store.StateAgent, "a1"
	if err := s.UpdateConversation(ctx, c, store.StateBot); err != nil {
		t.Fatal(err)
	}
	check("c1", "after an update")
	got, _ := s.Conversation(ctx, "c1")
	got.Context[0] = 'X' // a caller changing its copy
	check("c1", "after a caller changed its copy")
	for _, id := range []string{"c2", "c3"} {
		if err := s.CreateConversation(ctx, store.Conversation{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.convs.m); n != 2 {
		t.Errorf("%d conversations cached with room for two", n)
	}
	for _, id := range []string{"c1", "c2", "c3"} {
		check(id, "after evictions "+id)
	}
}
