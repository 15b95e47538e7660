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
// sees: the frames committed while it ran are left. So once the log holds
// restartPages pages, the checkpointer asks the writer to copy those last
// frames itself between two batches (a few batches' pages, and two
// fsyncs), and the next commit starts the log over (when no reader is on
// it at that moment; else a later round does). SQLite's own automatic
// checkpoint in the writer stays as a backstop, at twice restartPages:
// left to it alone (10,000 pages), it copied up to 200 ms of commits in
// one go and the batch waiting behind it stalled 4–21 ms, about twice a
// second at 64 clients.
const (
	// checkpointEvery is the least time between two checkpoints: pages
	// written many times meanwhile (the ends of the message indexes) are
	// copied once.
	checkpointEvery = 200 * time.Millisecond
	// restartPages is the log length (pages) at which the writer is asked
	// to catch up so that the log starts over; the log file grows to about
	// this size (160 MB) and is reused. The writer's catch-up stalls the
	// writes queued behind it for two fsyncs (4–10 ms on this machine under
	// load), and all 64 clients of the load test wait for one: at 10,000
	// pages that was every ~4,000 turns, more than 1% of turns, so it set
	// the 99th percentile; at 40,000, every ~16,000 turns.
	restartPages = 40000
	// catchUpPages: the checkpointer leaves the writer at most about this
	// many pages of the log to copy.
	catchUpPages = 256
)

// checkpointer runs PASSIVE checkpoints after commits, at most every
// checkpointEvery. A passive checkpoint never blocks the writer or the
// readers; it copies what no reader still needs, and a later one copies
// the rest.
type checkpointer struct {
	db    *sql.DB
	every time.Duration // least time between two checkpoints
	// When a checkpoint finds the log restart pages long or longer, the
	// checkpointer calls long (the writer's catchUp).
	restart int
	long    func()
	kick    chan struct{} // buffer 1: "there were commits"
	quit    chan struct{}
	ended   chan struct{}
}

func startCheckpointer(db *sql.DB, every time.Duration, restart int, long func()) *checkpointer {
	c := &checkpointer{db: db, every: every, restart: restart, long: long, kick: make(chan struct{}, 1), quit: make(chan struct{}), ended: make(chan struct{})}
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
	t := time.NewTimer(c.every)
	defer t.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-c.kick:
		}
		// A failed checkpoint is retried after the next commits; the
		// automatic one is the backstop.
		if log, copied := walCheckpoint(c.db); log >= c.restart {
			// Leave the writer little to copy: the frames committed
			// while a checkpoint ran are fewer each round.
			for i := 0; i < 4 && log-copied > catchUpPages; i++ {
				log, copied = walCheckpoint(c.db)
			}
			c.long()
		}
		t.Reset(c.every)
		select {
		case <-c.quit:
			return
		case <-t.C:
		}
	}
}

// walCheckpoint runs a PASSIVE checkpoint on db and returns how many
// pages the log holds and how many of them are copied (0, 0 when the
// checkpoint failed).
func walCheckpoint(db *sql.DB) (log, copied int) {
	var busy int
	if err := db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied); err != nil {
		return 0, 0
	}
	return log, copied
}
