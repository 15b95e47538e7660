package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// SQLite checkpoints the write-ahead log (copies its pages into the
// database file, with an fsync of each) in the connection whose commit
// made the log pass wal_autocheckpoint pages: with group commit, every
// caller of that batch waited for it, and under load it happened several
// times a second. The store checkpoints on a connection of its own
// instead, so the writer only appends to the log; the automatic checkpoint
// stays as a backstop at a size the checkpointer keeps the log under.
const (
	// checkpointEvery is the least time between two checkpoints: pages
	// written many times meanwhile (the ends of the message indexes) are
	// copied once.
	checkpointEvery = 200 * time.Millisecond
	// autoCheckpointPages is the writer's wal_autocheckpoint (the default
	// is 1000).
	autoCheckpointPages = 20000
)

// checkpointer runs PASSIVE checkpoints after commits, at most every
// checkpointEvery. A passive checkpoint never blocks the writer or the
// readers; it copies what no reader still needs, and a later one copies
// the rest.
type checkpointer struct {
	db    *sql.DB
	kick  chan struct{} // buffer 1: "there were commits"
	quit  chan struct{}
	ended chan struct{}
}

func startCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), quit: make(chan struct{}), ended: make(chan struct{})}
	go c.run()
	return c
}

// committed tells the checkpointer that the log grew; it never blocks.
func (c *checkpointer) committed() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) stop() {
	close(c.quit)
	<-c.ended
}

func (c *checkpointer) run() {
	defer close(c.ended)
	t := time.NewTimer(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-c.kick:
		}
		// A failed checkpoint is retried after the next commits; the
		// automatic one is the backstop.
		_, _ = c.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
		t.Reset(checkpointEvery)
		select {
		case <-c.quit:
			return
		case <-t.C:
		}
	}
}
