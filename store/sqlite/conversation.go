package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

const conversationColumns = `id, user_id, verified, channel, locale, profile, state, agent_id, context, created_at, updated_at`

// scanConversation scans conversationColumns, after the columns of
// before when there are any.
func scanConversation(row scanner, before ...any) (store.Conversation, error) {
	var (
		c                    store.Conversation
		profile              string
		createdAt, updatedAt int64
	)
	if err := row.Scan(append(before, &c.ID, &c.UserID, &c.Verified, &c.Channel, &c.Locale, &profile,
		&c.State, &c.AgentID, &c.Context, &createdAt, &updatedAt)...); err != nil {
		return store.Conversation{}, err
	}
	if err := json.Unmarshal([]byte(profile), &c.Profile); err != nil {
		return store.Conversation{}, fmt.Errorf("decode profile of conversation %q: %w", c.ID, err)
	}
	c.CreatedAt, c.UpdatedAt = fromNanos(createdAt), fromNanos(updatedAt)
	return c, nil
}

func encodeProfile(p store.Profile) (string, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("encode profile: %w", err)
	}
	return string(b), nil
}

// CreateConversation stores a new conversation. An empty State becomes
// store.StateBot, a zero CreatedAt now and a zero UpdatedAt CreatedAt.
// Errors: errs.Invalid (empty ID), errs.Conflict (ID taken).
func (s *Store) CreateConversation(ctx context.Context, c store.Conversation) error {
	if c.ID == "" {
		return errs.E(errs.Invalid, "conversation id is required")
	}
	if c.State == "" {
		c.State = store.StateBot
	}
	c.CreatedAt = orNow(c.CreatedAt)
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	profile, err := encodeProfile(c.Profile)
	if err != nil {
		return err
	}
	var stored store.Conversation
	return s.w.do(ctx, "create conversation", func(ctx context.Context, tx *sql.Tx) error {
		var err error
		insert, err := s.txStmt(ctx, tx, sqlInsertConversation)
		if err != nil {
			return dbError(err, "conversation %q", c.ID)
		}
		stored, err = scanConversation(insert.QueryRowContext(ctx,
			c.ID, c.UserID, c.Verified, c.Channel, c.Locale, profile, c.State, c.AgentID,
			c.Context, nanos(c.CreatedAt), nanos(c.UpdatedAt)))
		return dbError(err, "conversation %q", c.ID)
	}, func() { s.convs.put(stored) })
}

// Conversation returns the conversation id. Errors: errs.NotFound.
func (s *Store) Conversation(ctx context.Context, id string) (store.Conversation, error) {
	if c, ok := s.convs.get(id); ok {
		return c, nil
	}
	st, err := s.prep(ctx, s.rdb, `SELECT `+conversationColumns+` FROM conversations WHERE id = ?`)
	if err != nil {
		return store.Conversation{}, dbError(err, "conversation %q", id)
	}
	c, err := scanConversation(st.QueryRowContext(ctx, id))
	if err != nil {
		return store.Conversation{}, dbError(err, "conversation %q", id)
	}
	return c, nil
}

// UpdateConversation saves c's state, agent, context, locale, profile,
// verification and user id, provided the stored state is still fromState
// (compare-and-set). A zero UpdatedAt becomes now.
// Errors: errs.NotFound, errs.Conflict (the state moved on).
func (s *Store) UpdateConversation(ctx context.Context, c store.Conversation, fromState string) error {
	profile, err := encodeProfile(c.Profile)
	if err != nil {
		return err
	}
	c.UpdatedAt = orNow(c.UpdatedAt)
	var stored store.Conversation
	return s.w.do(ctx, "update conversation", func(ctx context.Context, tx *sql.Tx) error {
		var err error
		stored, _, err = s.updateConversationTx(ctx, tx, c, profile, fromState, 0)
		return err
	}, func() { s.convs.put(stored) })
}

// updateConversationTx is UpdateConversation within tx that also reserves
// the next n Seq numbers of the conversation's messages. It returns the
// conversation as stored and its new last Seq.
func (s *Store) updateConversationTx(ctx context.Context, tx *sql.Tx, c store.Conversation, profile, fromState string, n int) (store.Conversation, int64, error) {
	query, args := sqlUpdateConversation, []any{c.State, c.AgentID, c.Context, c.Locale, nanos(c.UpdatedAt),
		profile, c.Verified, c.UserID, n, c.ID, fromState}
	if c.State == fromState {
		query, args = sqlUpdateConversationSameState, args[1:]
	}
	upd, err := s.txStmt(ctx, tx, query)
	if err != nil {
		return store.Conversation{}, 0, dbError(err, "conversation %q", c.ID)
	}
	var last, createdAt int64
	stored := c
	err = upd.QueryRowContext(ctx, args...).Scan(&last, &stored.Channel, &createdAt)
	if err == nil {
		stored.CreatedAt, stored.UpdatedAt = fromNanos(createdAt), fromNanos(nanos(c.UpdatedAt))
		stored.Context = bytes.Clone(c.Context) // the caller may change its own
		return stored, last, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return store.Conversation{}, 0, dbError(err, "conversation %q", c.ID)
	}
	var state string
	err = tx.QueryRowContext(ctx, `SELECT state FROM conversations WHERE id = ?`, c.ID).Scan(&state)
	if err != nil {
		return store.Conversation{}, 0, dbError(err, "conversation %q", c.ID)
	}
	return store.Conversation{}, 0, errs.E(errs.Conflict, "conversation %q is %s, not %s", c.ID, state, fromState)
}

// CountConversations returns the number of conversations in each state.
// The four known states are always present (0 when empty) so that metrics
// series start at zero.
func (s *Store) CountConversations(ctx context.Context) (map[string]int, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT state, COUNT(*) FROM conversations GROUP BY state`)
	if err != nil {
		return nil, dbError(err, "count conversations")
	}
	defer rows.Close()
	counts := map[string]int{
		store.StateBot: 0, store.StateWaitingAgent: 0, store.StateAgent: 0, store.StateClosed: 0,
	}
	for rows.Next() {
		var (
			state string
			n     int
		)
		if err := rows.Scan(&state, &n); err != nil {
			return nil, dbError(err, "count conversations")
		}
		counts[state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "count conversations")
	}
	return counts, nil
}

// AddTransition records a change of owner; a zero At becomes now.
// Errors: errs.Invalid (no conversation id), errs.NotFound (no such
// conversation).
func (s *Store) AddTransition(ctx context.Context, t store.Transition) error {
	if t.ConversationID == "" {
		return errs.E(errs.Invalid, "transition: conversation id is required")
	}
	return s.withTx(ctx, "add transition", func(ctx context.Context, tx *sql.Tx) error {
		insert, err := s.txStmt(ctx, tx, sqlInsertTransition)
		if err != nil {
			return dbError(err, "transition of conversation %q", t.ConversationID)
		}
		_, err = insert.ExecContext(ctx, t.ConversationID, t.From, t.To, t.Reason, t.Actor, nanos(orNow(t.At)))
		return dbError(err, "transition of conversation %q", t.ConversationID)
	})
}

// Transitions returns a conversation's transitions in the order they were
// added (empty for an unknown conversation).
func (s *Store) Transitions(ctx context.Context, convID string) ([]store.Transition, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT conversation_id, from_state, to_state, reason, actor, at
		FROM transitions WHERE conversation_id = ? ORDER BY id`, convID)
	if err != nil {
		return nil, dbError(err, "transitions of conversation %q", convID)
	}
	defer rows.Close()
	ts := []store.Transition{}
	for rows.Next() {
		var (
			t  store.Transition
			at int64
		)
		if err := rows.Scan(&t.ConversationID, &t.From, &t.To, &t.Reason, &t.Actor, &at); err != nil {
			return nil, dbError(err, "transitions of conversation %q", convID)
		}
		t.At = fromNanos(at)
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "transitions of conversation %q", convID)
	}
	return ts, nil
}
