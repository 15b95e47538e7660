package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/kefu-ai/kefu/errs"
)

// Group commit. SQLite runs one write transaction at a time, and a commit
// costs a write() of every page it changed to the write-ahead log however
// little changed on it. So one goroutine owns the write connection and
// runs the write transactions of all callers: the calls that queued while
// a commit was under way are run together in the next transaction, and
// committed once. Each call runs inside its own savepoint, so a failing
// call rolls back only its own changes, and each caller waits for the
// commit of its batch before it returns: an acknowledged write is as
// durable as with one commit per call.

// maxBatch bounds the calls of one transaction (a client makes one call
// at a time, so the batch is at most the number of concurrent writers).
const maxBatch = 256

// Savepoint statements, prepared at Open like the other writer statements.
const (
	sqlSavepoint  = `SAVEPOINT w`
	sqlRelease    = `RELEASE w`
	sqlRollbackTo = `ROLLBACK TO w`
)

// txFunc is the work of one write call. ctx carries the caller's values
// but is never cancelled: cancelling a statement on the shared connection
// midway is not worth its cost (the driver starts a goroutine per
// statement with a cancellable context), and a call whose context ended
// before its turn is skipped instead.
type txFunc func(ctx context.Context, tx *sql.Tx) error

// writeCall is one call waiting for the writer.
type writeCall struct {
	ctx context.Context
	op  string
	fn  txFunc
	// committed, when set, runs on the writer goroutine once the call's
	// batch has committed, in commit order (it updates the cache).
	committed func()
	err       error
	done      chan struct{}
}

// writer is the goroutine that owns the write connection.
type writer struct {
	db *sql.DB
	st *Store // its prepared statements and checkpointer

	mu      sync.Mutex
	pending []*writeCall // calls not taken yet, in arrival order
	closed  bool
	wake    chan struct{} // buffer 1: "pending is not empty"

	quit  chan struct{}
	ended chan struct{}
	once  sync.Once

	commits, calls atomic.Int64 // committed transactions and the calls in them

	// checkpoint asks for a checkpoint on the write connection between
	// two batches (see checkpoint.go).
	checkpoint atomic.Bool
	catchUps   atomic.Int64 // checkpoints run on the write connection
}

// WriteStats counts the store's write transactions since Open.
type WriteStats struct {
	Commits int64 // transactions committed
	Calls   int64 // write calls they held (Calls/Commits is the mean batch)
	// CatchUps counts the checkpoints the writer ran between batches so
	// that the write-ahead log could start over (see checkpoint.go): each
	// held the writes queued behind it for a few milliseconds.
	CatchUps int64
}

// WriteStats returns how many transactions the store committed and how
// many write calls they held.
func (s *Store) WriteStats() WriteStats {
	return WriteStats{Commits: s.w.commits.Load(), Calls: s.w.calls.Load(), CatchUps: s.w.catchUps.Load()}
}

// newWriter makes the writer of s; go run() starts it.
func newWriter(db *sql.DB, s *Store) *writer {
	return &writer{
		db: db, st: s,
		wake:  make(chan struct{}, 1),
		quit:  make(chan struct{}),
		ended: make(chan struct{}),
	}
}

// catchUp asks the writer to checkpoint the log between two batches; it
// never blocks.
func (w *writer) catchUp() {
	w.checkpoint.Store(true)
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// stop ends the writer after the batch under way; calls still pending
// fail as unavailable.
func (w *writer) stop() {
	w.once.Do(func() { close(w.quit) })
	<-w.ended
}

// do runs fn in a write transaction (with the writes of other callers)
// and returns once that transaction has committed or fn's changes have
// been rolled back. committed may be nil.
//
// A caller queues under a mutex and sleeps once, on its call's done
// channel (handing calls over an unbuffered channel put most callers to
// sleep twice: once waiting for the busy writer to take the call, once
// for its commit).
func (w *writer) do(ctx context.Context, op string, fn txFunc, committed func()) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	c := &writeCall{ctx: ctx, op: op, fn: fn, committed: committed, done: make(chan struct{})}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return closedError(op)
	}
	w.pending = append(w.pending, c)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default: // already signalled
	}
	// Wait for the outcome even if ctx ends: once the writer took the
	// call the write may commit, and the caller must not report a failure
	// then. (A call whose ctx ended before the writer took it is skipped.)
	<-c.done
	return c.err
}

func closedError(op string) error {
	return errs.E(errs.Unavailable, "sqlite: %s: the store is closed", op)
}

func (w *writer) run() {
	defer close(w.ended)
	var batch []*writeCall
	for {
		select {
		case <-w.wake:
		case <-w.quit:
			w.refuse()
			return
		}
		// Let the goroutines that are ready to run go first: under load
		// some are about to queue a write and join this batch (batches of
		// ~8 instead of ~2.5 turns at 64 clients, a fifth less CPU per
		// turn); on an idle server nothing else is runnable and this
		// returns at once.
		runtime.Gosched()
		for {
			select {
			case <-w.quit:
				w.refuse()
				return
			default:
			}
			w.mu.Lock()
			n := min(len(w.pending), maxBatch)
			batch = append(batch[:0], w.pending[:n]...)
			rest := copy(w.pending, w.pending[n:])
			clear(w.pending[rest:])
			w.pending = w.pending[:rest]
			w.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			w.commit(batch)
			for _, c := range batch {
				close(c.done)
			}
			clear(batch)
			w.catchUpNow()
		}
		w.catchUpNow()
	}
}

// catchUpNow runs the checkpoint catchUp asked for, if it did: callers
// that queue meanwhile wait for it.
func (w *writer) catchUpNow() {
	if w.checkpoint.CompareAndSwap(true, false) {
		walCheckpoint(w.db)
		w.catchUps.Add(1)
	}
}

// refuse closes the queue and fails the calls in it.
func (w *writer) refuse() {
	w.mu.Lock()
	w.closed = true
	left := w.pending
	w.pending = nil
	w.mu.Unlock()
	for _, c := range left {
		c.err = closedError(c.op)
		close(c.done)
	}
}

// commit runs batch in one transaction and sets each call's err.
func (w *writer) commit(batch []*writeCall) {
	ctx := context.Background()
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		for _, c := range batch {
			c.err = dbError(err, "%s: begin", c.op)
		}
		return
	}
	// A lone call needs no savepoint: its failure rolls back the
	// transaction.
	alone := len(batch) == 1
	ran := 0
	for _, c := range batch {
		if err := c.ctx.Err(); err != nil {
			c.err = fmt.Errorf("sqlite: %s: %w", c.op, err)
			continue
		}
		if alone {
			if c.err = call(c, tx); c.err != nil {
				_ = tx.Rollback()
				return
			}
			ran++
			continue
		}
		if err := w.exec(tx, sqlSavepoint); err != nil {
			w.abort(tx, batch, err)
			return
		}
		if c.err = call(c, tx); c.err != nil {
			if err := w.exec(tx, sqlRollbackTo); err != nil {
				// The transaction is gone (SQLite rolls it back itself
				// after some errors): nothing of the batch is saved.
				w.abort(tx, batch, err)
				return
			}
		} else {
			ran++
		}
		if err := w.exec(tx, sqlRelease); err != nil {
			w.abort(tx, batch, err)
			return
		}
	}
	if ran == 0 {
		_ = tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		for _, c := range batch {
			if c.err == nil {
				c.err = dbError(err, "%s: commit", c.op)
			}
		}
		return
	}
	w.commits.Add(1)
	w.calls.Add(int64(ran))
	w.st.cp.committed()
	for _, c := range batch {
		if c.err == nil && c.committed != nil {
			c.committed()
		}
	}
}

// abort rolls the transaction back and fails every call of batch that
// had not failed on its own (those run before, whose changes are lost,
// and those not run yet).
func (w *writer) abort(tx *sql.Tx, batch []*writeCall, err error) {
	_ = tx.Rollback()
	for _, c := range batch {
		if c.err == nil {
			c.err = dbError(err, "%s", c.op)
		}
	}
}

func (w *writer) exec(tx *sql.Tx, query string) error {
	ctx := context.Background()
	st, err := w.st.txStmt(ctx, tx, query)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx)
	return err
}

// call runs c.fn, turning a panic into an error of that call alone (the
// writer goroutine serves every caller and must not die with one).
func call(c *writeCall, tx *sql.Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("sqlite: %s: panic: %v", c.op, v)
		}
	}()
	return c.fn(context.WithoutCancel(c.ctx), tx)
}
