package sqlite

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kefu-ai/kefu/errs"
)

// busyTimeoutMS is how long a connection waits for a lock another
// connection (or process) holds before it gives up with SQLITE_BUSY.
const busyTimeoutMS = 5000

// maxReaders bounds the read-only pool.
const maxReaders = 8

// Config locates the database.
type Config struct {
	// Path is the database file; its directory is created if missing.
	Path string
	// ConversationCache is how many recently written conversations are
	// kept in memory for reading (0: DefaultConversationCache; negative:
	// none). See convCache.
	ConversationCache int

	// restartPages overrides the log length at which the log starts over,
	// backstopPages the writer's automatic checkpoint, checkpointEvery the
	// checkpointer's pace (tests; 0: the defaults, restartPages, twice
	// that and checkpointEvery; a negative backstop: none).
	restartPages, backstopPages int
	checkpointEvery             time.Duration
}

// Store is kefu's SQLite store. It is safe for concurrent use.
type Store struct {
	db  *sql.DB // writes: one connection, used by w only, transactions BEGIN IMMEDIATE
	rdb *sql.DB // reads: read-only pool
	cdb *sql.DB // checkpoints: one connection, used by cp only
	w   *writer
	cp  *checkpointer
	ids idSource
	// convs caches conversations as committed (nil when disabled).
	convs *convCache
	stmts
}

// Open opens (creating if needed) the database at cfg.Path and applies the
// pending migrations. Close the store when done.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Path == "" {
		return nil, errs.E(errs.Invalid, "sqlite: empty database path")
	}
	path, err := filepath.Abs(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: resolve %q: %w", cfg.Path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: create directory for %q: %w", path, err)
	}

	restart := cmp.Or(cfg.restartPages, restartPages)
	db, err := sql.Open("sqlite", dsn(path, false, cmp.Or(cfg.backstopPages, 2*restart)))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	// One writer: SQLite allows one write transaction at a time anyway, and
	// queueing in database/sql (context-aware, fair) beats spinning in the
	// busy handler.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	if err := migrate(ctx, db, migrations); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: migrate %q: %w", path, err)
	}

	rdb, err := sql.Open("sqlite", dsn(path, true, 0))
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %q for reading: %w", path, err)
	}
	rdb.SetMaxOpenConns(maxReaders)
	rdb.SetMaxIdleConns(maxReaders)
	if err := rdb.PingContext(ctx); err != nil {
		_ = rdb.Close()
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %q for reading: %w", path, err)
	}
	cdb, err := sql.Open("sqlite", dsn(path, true, 0))
	if err != nil {
		_ = rdb.Close()
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %q for checkpoints: %w", path, err)
	}
	cdb.SetMaxOpenConns(1)
	size := cfg.ConversationCache
	if size == 0 {
		size = DefaultConversationCache
	}
	s := &Store{db: db, rdb: rdb, cdb: cdb, convs: newConvCache(size)}
	if err := s.prepareWriters(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	s.w = newWriter(db, s)
	s.cp = startCheckpointer(cdb, cmp.Or(cfg.checkpointEvery, checkpointEvery), restart, s.w.catchUp)
	go s.w.run()
	return s, nil
}

// Close stops the writer after the transaction under way (later writes
// fail with errs.Unavailable) and closes both pools. The last connection
// to close checkpoints the write-ahead log into the database file.
func (s *Store) Close() error {
	if s.w != nil {
		s.w.stop()
	}
	if s.cp != nil {
		s.cp.stop()
		s.cp = nil
	}
	return errors.Join(s.closeStmts(), s.cdb.Close(), s.rdb.Close(), s.db.Close())
}

// dsn builds the modernc.org/sqlite data source name. Every pragma is in
// the DSN so that each pooled connection gets it when it is opened (one
// db.Exec would configure one connection only).
// autoCheckpoint is the writer's wal_autocheckpoint (pages; 0 or less:
// none).
func dsn(path string, readOnly bool, autoCheckpoint int) string {
	// SQLite decodes %XX in URI file names; escape what would end the path.
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	q := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeoutMS),
		"_pragma=foreign_keys(1)",
		"_pragma=synchronous(NORMAL)",
	}
	if readOnly {
		q = append(q, "_pragma=query_only(1)")
	} else {
		q = append(q, "_pragma=journal_mode(WAL)", fmt.Sprintf("_pragma=wal_autocheckpoint(%d)", autoCheckpoint), "_txlock=immediate")
	}
	return "file:" + esc + "?" + strings.Join(q, "&")
}

// withTx runs fn in a write transaction, shared with other callers (see
// writer.go), and returns once fn's changes are committed, or rolled back
// when fn fails. fn must use tx and the ctx it is given only, and must not
// call other writing methods of the store (they would wait for it).
func (s *Store) withTx(ctx context.Context, op string, fn txFunc) error {
	return s.w.do(ctx, op, fn, nil)
}

// dbError is the one place where database/sql and driver errors become
// errs codes; what names the record concerned ("conversation \"c1\"").
// The result wraps both the *errs.Error (for errs.Code and errs.Message)
// and the original error (for the logs). nil stays nil and an error that
// already carries a code is returned unchanged.
func dbError(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var coded *errs.Error
	if errors.As(err, &coded) {
		return err
	}
	what := fmt.Sprintf(format, args...)
	code, msg := classify(err)
	if code == "" {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return fmt.Errorf("%w: %w", errs.E(code, "%s: %s", what, msg), err)
}

// classify returns the errs code of an expected failure and a short
// sentence for people, or "" for anything else (an internal error).
func classify(err error) (code, msg string) {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.NotFound, "not found"
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return "", ""
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return errs.Conflict, "already exists"
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return errs.NotFound, "refers to a record that does not exist"
	case sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_CHECK:
		return errs.Invalid, "invalid value"
	}
	switch se.Code() & 0xff { // primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return errs.Unavailable, "database busy, try again"
	}
	return "", ""
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// Times are stored as unix nanoseconds; 0 stands for the zero time.

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func nullNanos(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: nanos(*t), Valid: true}
}

func fromNullNanos(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromNanos(n.Int64)
	return &t
}

// orNow returns t, or the current time when t is zero.
func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now().UTC()
	}
	return t.UTC()
}

// idSource makes 128-bit hex ids: 64 bits of a per-store strictly
// increasing nanosecond clock followed by 64 random bits, so ids sort by
// creation time and break ties between records created at the same time.
type idSource struct {
	mu   sync.Mutex
	last int64
}

func (g *idSource) next() string {
	g.mu.Lock()
	n := time.Now().UnixNano()
	if n <= g.last {
		n = g.last + 1
	}
	g.last = n
	g.mu.Unlock()

	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(n))
	_, _ = rand.Read(b[8:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}

// limitClause appends LIMIT/OFFSET in a form both SQLite and PostgreSQL
// accept; limit <= 0 means no limit.
func limitClause(query string, args []any, limit, offset int) (string, []any) {
	if limit <= 0 && offset <= 0 {
		return query, args
	}
	if limit <= 0 {
		limit = 1<<62 - 1
	}
	query += " LIMIT ?"
	args = append(args, limit)
	if offset > 0 {
		query += " OFFSET ?"
		args = append(args, offset)
	}
	return query, args
}
