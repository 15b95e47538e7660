package sqlite

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/kefu-ai/kefu/store"
)

// TestLogStartsOver: under a steady stream of turns the writer's catch-up
// runs and the write-ahead log file stays near its restart length instead
// of growing with everything written.
func TestLogStartsOver(t *testing.T) {
	const restart = 64 // pages
	path := filepath.Join(t.TempDir(), "kefu.db")
	s, err := Open(t.Context(), Config{Path: path, restartPages: restart})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctxt := bytes.Repeat([]byte("x"), 400)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			id := "c" + strconv.Itoa(g)
			if err := s.CreateConversation(t.Context(), store.Conversation{ID: id, State: store.StateBot}); err != nil {
				t.Error(err)
				return
			}
			c := store.Conversation{ID: id, State: store.StateBot, Context: ctxt}
			for range 400 {
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
	if s.w.catchUps.Load() == 0 {
		t.Error("the writer never caught up with the checkpointer")
	}
	st, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// 3,200 turns write far more than this; the log may overshoot the
	// restart length by what is committed before the catch-up runs, and
	// the automatic checkpoint bounds it at twice the length.
	if limit := int64(4 * restart * (4096 + 24)); st.Size() > limit {
		t.Errorf("log file %d bytes, want at most %d (restart at %d pages)", st.Size(), limit, restart)
	}
	t.Logf("log file %d bytes after 3,200 turns, %d catch-ups", st.Size(), s.w.catchUps.Load())
}
