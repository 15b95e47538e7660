package sqlite

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kefu-ai/kefu/store"
)

// TestLogStartsOver: with SQLite's own automatic checkpoint off, the
// writer's catch-up alone keeps the write-ahead log file near its restart
// length under a steady stream of turns.
func TestLogStartsOver(t *testing.T) {
	const restart = 64 // pages
	path := filepath.Join(t.TempDir(), "kefu.db")
	s, err := Open(t.Context(), Config{Path: path, restartPages: restart, backstopPages: -1, checkpointEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctxt := bytes.Repeat([]byte("x"), 400)
	// 4,000 turns write some 8,000 pages: the log would hold them all.
	const clients, turns = 8, 500
	var wg sync.WaitGroup
	for g := range clients {
		wg.Go(func() {
			id := "c" + strconv.Itoa(g)
			if err := s.CreateConversation(t.Context(), store.Conversation{ID: id, State: store.StateBot}); err != nil {
				t.Error(err)
				return
			}
			c := store.Conversation{ID: id, State: store.StateBot, Context: ctxt}
			for range turns {
				_, err := s.SaveTurn(t.Context(), c, store.StateBot, []store.Message{
					{ConversationID: id, Role: store.RoleCustomer, Text: "退货运费谁出"},
					{ConversationID: id, Role: store.RoleBot, Text: "退货运费由卖家承担。"},
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if s.WriteStats().CatchUps == 0 {
		t.Error("the writer never caught up with the checkpointer")
	}
	st, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// The log overshoots the restart length by what is committed before a
	// catch-up runs.
	if limit := int64(32 * restart * (4096 + 24)); st.Size() > limit {
		t.Errorf("log file %d bytes, want at most %d (restart at %d pages)", st.Size(), limit, restart)
	}
	t.Logf("log file %d bytes after %d turns, %d catch-ups", st.Size(), clients*turns, s.WriteStats().CatchUps)
}
