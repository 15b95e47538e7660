package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

const queueColumns = `conversation_id, priority, reason, intent, emotion, summary, skill,
	enqueued_at, claimed_by, claimed_at`

func scanQueueItem(row scanner) (store.QueueItem, error) {
	var (
		it         store.QueueItem
		enqueuedAt int64
		claimedBy  sql.NullString
		claimedAt  sql.NullInt64
	)
	if err := row.Scan(&it.ConversationID, &it.Priority, &it.Reason, &it.Intent, &it.Emotion,
		&it.Summary, &it.Skill, &enqueuedAt, &claimedBy, &claimedAt); err != nil {
		return store.QueueItem{}, err
	}
	it.EnqueuedAt = fromNanos(enqueuedAt)
	it.ClaimedBy = claimedBy.String
	it.ClaimedAt = fromNullNanos(claimedAt)
	return it, nil
}

// Enqueue puts a conversation in the handoff queue, unclaimed (ClaimedBy
// and ClaimedAt are ignored); a zero EnqueuedAt becomes now.
// Errors: errs.Invalid (no conversation id), errs.NotFound (no such
// conversation), errs.Conflict (already queued).
func (s *Store) Enqueue(ctx context.Context, it store.QueueItem) error {
	if it.ConversationID == "" {
		return errs.E(errs.Invalid, "queue item: conversation id is required")
	}
	return s.withTx(ctx, "enqueue", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO queue_items (`+queueColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)`,
			it.ConversationID, it.Priority, it.Reason, it.Intent, it.Emotion, it.Summary, it.Skill,
			nanos(orNow(it.EnqueuedAt)))
		return dbError(err, "queued conversation %q", it.ConversationID)
	})
}

// QueueItems returns the whole queue: unclaimed items first, then claimed
// ones, each group by priority (highest first) then EnqueuedAt (oldest
// first).
func (s *Store) QueueItems(ctx context.Context) ([]store.QueueItem, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+queueColumns+` FROM queue_items
		ORDER BY CASE WHEN claimed_by IS NULL THEN 0 ELSE 1 END, priority DESC, enqueued_at, conversation_id`)
	if err != nil {
		return nil, dbError(err, "queue")
	}
	defer rows.Close()
	items := []store.QueueItem{}
	for rows.Next() {
		it, err := scanQueueItem(rows)
		if err != nil {
			return nil, dbError(err, "queue")
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "queue")
	}
	return items, nil
}

// QueueItem returns the queue entry of a conversation.
// Errors: errs.NotFound (not queued).
func (s *Store) QueueItem(ctx context.Context, convID string) (store.QueueItem, error) {
	it, err := scanQueueItem(s.rdb.QueryRowContext(ctx,
		`SELECT `+queueColumns+` FROM queue_items WHERE conversation_id = ?`, convID))
	if err != nil {
		return store.QueueItem{}, dbError(err, "queued conversation %q", convID)
	}
	return it, nil
}

// Claim gives a queued conversation to agentID. The claim is one
// conditional UPDATE, so of two agents racing for an item exactly one
// wins. Claiming an item one already holds succeeds and keeps the first
// ClaimedAt. Errors: errs.Invalid (no agent), errs.NotFound (not queued),
// errs.Conflict (held by another agent).
func (s *Store) Claim(ctx context.Context, convID, agentID string, now time.Time) (store.QueueItem, error) {
	if agentID == "" {
		return store.QueueItem{}, errs.E(errs.Invalid, "claim: agent id is required")
	}
	var it store.QueueItem
	err := s.withTx(ctx, "claim", func(ctx context.Context, tx *sql.Tx) error {
		var err error
		it, err = scanQueueItem(tx.QueryRowContext(ctx, `UPDATE queue_items
			SET claimed_by = ?,
			    claimed_at = CASE WHEN claimed_by IS NULL THEN ? ELSE claimed_at END
			WHERE conversation_id = ? AND (claimed_by IS NULL OR claimed_by = ?)
			RETURNING `+queueColumns,
			agentID, nanos(orNow(now)), convID, agentID))
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return dbError(err, "queued conversation %q", convID)
		}
		var holder sql.NullString
		err = tx.QueryRowContext(ctx, `SELECT claimed_by FROM queue_items WHERE conversation_id = ?`,
			convID).Scan(&holder)
		if err != nil {
			return dbError(err, "queued conversation %q", convID)
		}
		return errs.E(errs.Conflict, "conversation %q is already claimed by %s", convID, holder.String)
	})
	if err != nil {
		return store.QueueItem{}, err
	}
	return it, nil
}

// Unclaim puts a claimed conversation back in the queue (a transfer) with
// a new priority, reason and skill; EnqueuedAt is kept.
// Errors: errs.NotFound (not queued).
func (s *Store) Unclaim(ctx context.Context, convID string, priority int, reason, skill string) error {
	return s.withTx(ctx, "unclaim", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE queue_items
			SET claimed_by = NULL, claimed_at = NULL, priority = ?, reason = ?, skill = ?
			WHERE conversation_id = ?`, priority, reason, skill, convID)
		return oneRow(res, err, "queued conversation %q", convID)
	})
}

// Dequeue removes a conversation from the queue.
// Errors: errs.NotFound (not queued).
func (s *Store) Dequeue(ctx context.Context, convID string) error {
	return s.withTx(ctx, "dequeue", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM queue_items WHERE conversation_id = ?`, convID)
		return oneRow(res, err, "queued conversation %q", convID)
	})
}

// ClaimedCount returns how many queued conversations agentID holds.
func (s *Store) ClaimedCount(ctx context.Context, agentID string) (int, error) {
	var n int
	err := s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM queue_items WHERE claimed_by = ?`, agentID).Scan(&n)
	if err != nil {
		return 0, dbError(err, "claimed count of agent %q", agentID)
	}
	return n, nil
}

// oneRow turns the outcome of a single-row UPDATE or DELETE into an error:
// the statement's own error, or errs.NotFound when no row matched.
func oneRow(res sql.Result, err error, format string, args ...any) error {
	if err != nil {
		return dbError(err, format, args...)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return dbError(err, format, args...)
	}
	if n == 0 {
		return dbError(sql.ErrNoRows, format, args...)
	}
	return nil
}
