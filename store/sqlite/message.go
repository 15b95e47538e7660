package sqlite

import (
	"context"
	"database/sql"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

const messageColumns = `id, conversation_id, seq, role, agent_id, text, intent, confidence,
	emotion, emotion_score, article_id, meta, created_at`

func scanMessage(row scanner) (store.Message, error) {
	var (
		m         store.Message
		createdAt int64
	)
	if err := row.Scan(&m.ID, &m.ConversationID, &m.Seq, &m.Role, &m.AgentID, &m.Text, &m.Intent,
		&m.Confidence, &m.Emotion, &m.EmotionScore, &m.ArticleID, &m.Meta, &createdAt); err != nil {
		return store.Message{}, err
	}
	m.CreatedAt = fromNanos(createdAt)
	return m, nil
}

// AppendMessage adds m at the end of its conversation's transcript and
// returns it as stored: Seq is the next number of the conversation (1, 2,
// 3… without gaps, also under concurrent appends), an empty ID gets a new
// time-ordered id and a zero CreatedAt becomes now.
// Errors: errs.Invalid (no conversation id), errs.NotFound (no such
// conversation), errs.Conflict (the given ID is taken).
func (s *Store) AppendMessage(ctx context.Context, m store.Message) (store.Message, error) {
	if m.ConversationID == "" {
		return store.Message{}, errs.E(errs.Invalid, "message: conversation id is required")
	}
	err := s.withTx(ctx, "append message", func(ctx context.Context, tx *sql.Tx) error {
		var err error
		m, err = s.appendMessageTx(ctx, tx, m)
		return err
	})
	if err != nil {
		return store.Message{}, err
	}
	return m, nil
}

// appendMessageTx assigns m's ID (when empty), Seq and CreatedAt and
// inserts it within tx.
func (s *Store) appendMessageTx(ctx context.Context, tx *sql.Tx, m store.Message) (store.Message, error) {
	if m.ID == "" {
		m.ID = s.ids.next()
	}
	m.CreatedAt = orNow(m.CreatedAt)
	// Bumping the counter row takes the write lock on the conversation
	// (the database in SQLite, the row in PostgreSQL) until commit.
	bump, err := s.txStmt(ctx, tx, sqlBumpSeq)
	if err != nil {
		return m, dbError(err, "append message")
	}
	if err := bump.QueryRowContext(ctx, m.ConversationID).Scan(&m.Seq); err != nil {
		return m, dbError(err, "conversation %q", m.ConversationID)
	}
	insert, err := s.txStmt(ctx, tx, sqlInsertMessage)
	if err != nil {
		return m, dbError(err, "append message")
	}
	return m, insertMessage(ctx, insert, m)
}

// insertMessage runs the prepared sqlInsertMessage for m.
func insertMessage(ctx context.Context, insert *sql.Stmt, m store.Message) error {
	_, err := insert.ExecContext(ctx, messageArgs(nil, m)...)
	return dbError(err, "message %q", m.ID)
}

// insertMessages inserts ms (IDs, Seq and times set) within tx: a turn's
// two messages in one statement (a statement less for the writer, which
// every turn waits for), others one by one.
func (s *Store) insertMessages(ctx context.Context, tx *sql.Tx, ms []store.Message) error {
	if len(ms) == 2 {
		insert, err := s.txStmt(ctx, tx, sqlInsertTwoMessages)
		if err != nil {
			return dbError(err, "insert messages")
		}
		_, err = insert.ExecContext(ctx, messageArgs(messageArgs(make([]any, 0, 26), ms[0]), ms[1])...)
		return dbError(err, "messages %q and %q", ms[0].ID, ms[1].ID)
	}
	insert, err := s.txStmt(ctx, tx, sqlInsertMessage)
	if err != nil {
		return dbError(err, "insert messages")
	}
	for _, m := range ms {
		if err := insertMessage(ctx, insert, m); err != nil {
			return err
		}
	}
	return nil
}

// messageArgs appends m's values in the order of messageColumns.
func messageArgs(args []any, m store.Message) []any {
	return append(args, m.ID, m.ConversationID, m.Seq, m.Role, m.AgentID, m.Text, m.Intent, m.Confidence,
		m.Emotion, m.EmotionScore, m.ArticleID, m.Meta, nanos(m.CreatedAt))
}

// Messages returns up to limit messages of a conversation with Seq greater
// than afterSeq, ordered by Seq; limit <= 0 means all. An unknown
// conversation has no messages.
func (s *Store) Messages(ctx context.Context, convID string, afterSeq int64, limit int) ([]store.Message, error) {
	query, args := limitClause(`SELECT `+messageColumns+` FROM messages
		WHERE conversation_id = ? AND seq > ? ORDER BY seq`, []any{convID, afterSeq}, limit, 0)
	rows, err := s.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, dbError(err, "messages of conversation %q", convID)
	}
	defer rows.Close()
	ms := []store.Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, dbError(err, "messages of conversation %q", convID)
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "messages of conversation %q", convID)
	}
	return ms, nil
}

// Message returns one message of a conversation.
// Errors: errs.NotFound (no such message in that conversation).
func (s *Store) Message(ctx context.Context, convID, msgID string) (store.Message, error) {
	m, err := scanMessage(s.rdb.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE conversation_id = ? AND id = ?`, convID, msgID))
	if err != nil {
		return store.Message{}, dbError(err, "message %q of conversation %q", msgID, convID)
	}
	return m, nil
}

// AddFeedback records a customer's verdict on a message; a second verdict
// on the same message replaces the first. A zero At becomes now.
// Errors: errs.NotFound (the message is not in that conversation).
func (s *Store) AddFeedback(ctx context.Context, f store.Feedback) error {
	at := nanos(orNow(f.At))
	return s.withTx(ctx, "add feedback", func(ctx context.Context, tx *sql.Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND id = ?`,
			f.ConversationID, f.MessageID).Scan(&n)
		if err != nil {
			return dbError(err, "message %q of conversation %q", f.MessageID, f.ConversationID)
		}
		if n == 0 {
			return errs.E(errs.NotFound, "message %q of conversation %q: not found", f.MessageID, f.ConversationID)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO feedback (message_id, conversation_id, helpful, at)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (message_id) DO UPDATE SET helpful = excluded.helpful, at = excluded.at`,
			f.MessageID, f.ConversationID, f.Helpful, at)
		return dbError(err, "feedback on message %q", f.MessageID)
	})
}

// SaveTurn saves a turn in one transaction: c (compare-and-set from
// fromState, as UpdateConversation) and msgs appended in order (as
// AppendMessage). A bot turn is then one commit instead of three. On any
// error nothing is saved. Errors: errs.NotFound, errs.Conflict.
func (s *Store) SaveTurn(ctx context.Context, c store.Conversation, fromState string, msgs []store.Message) ([]store.Message, error) {
	profile, err := encodeProfile(c.Profile)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if m.ConversationID != c.ID {
			return nil, errs.E(errs.Invalid, "message for conversation %q in a turn of %q", m.ConversationID, c.ID)
		}
	}
	c.UpdatedAt = orNow(c.UpdatedAt)
	out := make([]store.Message, len(msgs))
	var stored store.Conversation
	err = s.w.do(ctx, "save turn", func(ctx context.Context, tx *sql.Tx) error {
		// One statement sets the conversation and reserves the messages'
		// Seq numbers.
		var (
			last int64
			err  error
		)
		stored, last, err = s.updateConversationTx(ctx, tx, c, profile, fromState, len(msgs))
		if err != nil {
			return err
		}
		for i, m := range msgs {
			if m.ID == "" {
				m.ID = s.ids.next()
			}
			m.CreatedAt = orNow(m.CreatedAt)
			m.Seq = last - int64(len(msgs)-1-i)
			out[i] = m
		}
		return s.insertMessages(ctx, tx, out)
	}, func() { s.convs.put(stored) })
	if err != nil {
		return nil, err
	}
	return out, nil
}
