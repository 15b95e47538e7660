package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// Ticket statuses.
const (
	ticketOpen     = "open"
	ticketClaimed  = "claimed"
	ticketResolved = "resolved"
)

const ticketColumns = `id, conversation_id, text, contact, status, agent_id, created_at, resolved_at`

func scanTicket(row scanner) (store.Ticket, error) {
	var (
		t          store.Ticket
		createdAt  int64
		resolvedAt sql.NullInt64
	)
	if err := row.Scan(&t.ID, &t.ConversationID, &t.Text, &t.Contact, &t.Status, &t.AgentID,
		&createdAt, &resolvedAt); err != nil {
		return store.Ticket{}, err
	}
	t.CreatedAt = fromNanos(createdAt)
	t.ResolvedAt = fromNullNanos(resolvedAt)
	return t, nil
}

// CreateTicket stores a new open ticket and returns it: an empty ID gets a
// new time-ordered id, a zero CreatedAt becomes now; Status, AgentID and
// ResolvedAt are reset. Errors: errs.Conflict (the given ID is taken).
func (s *Store) CreateTicket(ctx context.Context, t store.Ticket) (store.Ticket, error) {
	if t.ID == "" {
		t.ID = s.ids.next()
	}
	t.Status, t.AgentID, t.ResolvedAt = ticketOpen, "", nil
	t.CreatedAt = orNow(t.CreatedAt)
	err := s.withTx(ctx, "create ticket", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tickets (`+ticketColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`,
			t.ID, t.ConversationID, t.Text, t.Contact, t.Status, t.AgentID, nanos(t.CreatedAt))
		return dbError(err, "ticket %q", t.ID)
	})
	if err != nil {
		return store.Ticket{}, err
	}
	return t, nil
}

// Tickets returns the tickets with the given status ("" for all), oldest
// first.
func (s *Store) Tickets(ctx context.Context, status string) ([]store.Ticket, error) {
	query, args := `SELECT `+ticketColumns+` FROM tickets`, []any(nil)
	if status != "" {
		query += ` WHERE status = ?`
		args = append(args, status)
	}
	rows, err := s.rdb.QueryContext(ctx, query+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, dbError(err, "tickets")
	}
	defer rows.Close()
	ts := []store.Ticket{}
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, dbError(err, "tickets")
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "tickets")
	}
	return ts, nil
}

// ClaimTicket gives an open ticket to agentID in one conditional UPDATE;
// claiming a ticket one already holds succeeds. Errors: errs.Invalid (no
// agent), errs.NotFound, errs.Conflict (held by another agent, or
// resolved).
func (s *Store) ClaimTicket(ctx context.Context, id, agentID string) (store.Ticket, error) {
	if agentID == "" {
		return store.Ticket{}, errs.E(errs.Invalid, "claim ticket: agent id is required")
	}
	return s.updateTicket(ctx, id, `UPDATE tickets SET status = ?, agent_id = ?
		WHERE id = ? AND (status = ? OR (status = ? AND agent_id = ?))
		RETURNING `+ticketColumns,
		ticketClaimed, agentID, id, ticketOpen, ticketClaimed, agentID)
}

// ResolveTicket closes a ticket that is open or held by agentID; resolving
// a ticket agentID already resolved succeeds and keeps the first
// ResolvedAt. Errors: errs.Invalid (no agent), errs.NotFound,
// errs.Conflict (held or resolved by another agent).
func (s *Store) ResolveTicket(ctx context.Context, id, agentID string, now time.Time) (store.Ticket, error) {
	if agentID == "" {
		return store.Ticket{}, errs.E(errs.Invalid, "resolve ticket: agent id is required")
	}
	return s.updateTicket(ctx, id, `UPDATE tickets
		SET resolved_at = CASE WHEN status = ? THEN resolved_at ELSE ? END,
		    status = ?, agent_id = ?
		WHERE id = ? AND (status = ? OR agent_id = ?)
		RETURNING `+ticketColumns,
		ticketResolved, nanos(orNow(now)), ticketResolved, agentID, id, ticketOpen, agentID)
}

// updateTicket runs a conditional UPDATE … RETURNING on ticket id and, when
// it matched nothing, tells a missing ticket from one in the wrong state.
func (s *Store) updateTicket(ctx context.Context, id, query string, args ...any) (store.Ticket, error) {
	var t store.Ticket
	err := s.withTx(ctx, "update ticket", func(ctx context.Context, tx *sql.Tx) error {
		var err error
		t, err = scanTicket(tx.QueryRowContext(ctx, query, args...))
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return dbError(err, "ticket %q", id)
		}
		var status, agent string
		err = tx.QueryRowContext(ctx, `SELECT status, agent_id FROM tickets WHERE id = ?`, id).Scan(&status, &agent)
		if err != nil {
			return dbError(err, "ticket %q", id)
		}
		return errs.E(errs.Conflict, "ticket %q is %s by %s", id, status, agent)
	})
	if err != nil {
		return store.Ticket{}, err
	}
	return t, nil
}
