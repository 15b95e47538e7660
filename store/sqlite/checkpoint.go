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
// times a second. The store copies pages on a connection of its own
// instead, so the writer mostly only appends to the log.
//
// The log file starts over only once a checkpoint has copied all of it
// with no writer active, which a checkpoint beside a busy writer never
// sees. So the writer keeps an automatic checkpoint, at autoCheckpointPages
// instead of 1000: by then the checkpointer has copied nearly everything,
// the writer's checkpoint copies the rest and syncs, and the log restarts
// (when no reader is on it at that moment; else at a later commit). The
// log file grows to that size or somewhat more (66 MB after 60,000 turns
// from 64 clients) and is reused.
const (
	// checkpointEvery is the least time between two checkpoints: pages
	// written many times meanwhile (the ends of the message indexes) are
	// copied once.
	checkpointEvery = 200 * time.Millisecond
	// autoCheckpointPages is the writer's wal_autocheckpoint. Alternating
	// load runs (64 clients): 1,000 pages gave p99 133 ms, 4,000 119 ms,
	// 10,000 95 ms, 20,000 102 ms (a noisy machine: medians of 3).
	autoCheckpointPages = 10000
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
