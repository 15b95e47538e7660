package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmts keeps prepared statements of the hot paths (a customer turn appends
// two messages and updates the conversation, its next turn reads it; a
// conversation starts with an insert and a transition):
// preparing a statement on every call was a sixth of a turn's time in the
// profile.
type stmts struct {
	mu sync.Mutex
	m  map[stmtKey]*sql.Stmt
}

type stmtKey struct {
	db    *sql.DB
	query string
}

// prep returns query prepared on db, preparing it once.
func (s *Store) prep(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	k := stmtKey{db, query}
	if st, ok := s.stmts.m[k]; ok {
		return st, nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if s.stmts.m == nil {
		s.stmts.m = map[stmtKey]*sql.Stmt{}
	}
	s.stmts.m[k] = st
	return st, nil
}

// Writer statements are prepared at Open: the writer pool has one
// connection, so preparing inside a transaction would wait for itself.
const (
	sqlBumpSeq       = `UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq`
	sqlInsertMessage = `INSERT INTO messages (` + messageColumns + `)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// sqlInsertTwoMessages inserts a bot turn's question and answer in one
	// statement.
	sqlInsertTwoMessages = `INSERT INTO messages (` + messageColumns + `)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// sqlInsertConversation and sqlInsertTransition start a conversation.
	sqlInsertConversation = `INSERT INTO conversations (` + conversationColumns + `)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ` + conversationColumns
	sqlInsertTransition = `INSERT INTO transitions
			(conversation_id, from_state, to_state, reason, actor, at) VALUES (?, ?, ?, ?, ?, ?)`
	// sqlUpdateConversation is the compare-and-set of a conversation; it
	// also reserves the Seq numbers of the turn's messages and returns the
	// columns it does not set, so that the row as committed (for the
	// cache) is known without reading it all back.
	sqlUpdateConversation = `UPDATE conversations
			SET state = ?, agent_id = ?, context = ?, locale = ?, updated_at = ?,
			    profile = ?, verified = ?, user_id = ?, last_seq = last_seq + ?
			WHERE id = ? AND state = ?
			RETURNING last_seq, channel, created_at`
	// sqlUpdateConversationSameState is sqlUpdateConversation for a turn
	// that keeps the state (most): without state in its SET, SQLite leaves
	// the conversations_state index alone, a page less to write per turn.
	sqlUpdateConversationSameState = `UPDATE conversations
			SET agent_id = ?, context = ?, locale = ?, updated_at = ?,
			    profile = ?, verified = ?, user_id = ?, last_seq = last_seq + ?
			WHERE id = ? AND state = ?
			RETURNING last_seq, channel, created_at`
)

func (s *Store) prepareWriters(ctx context.Context) error {
	for _, q := range []string{sqlBumpSeq, sqlInsertMessage, sqlInsertTwoMessages, sqlInsertConversation, sqlInsertTransition,
		sqlUpdateConversation, sqlUpdateConversationSameState,
		sqlSavepoint, sqlRelease, sqlRollbackTo} {
		if _, err := s.prep(ctx, s.db, q); err != nil {
			return err
		}
	}
	return nil
}

// txStmt is a writer statement prepared at Open, bound to tx; one that was
// not is prepared on the transaction's own connection.
func (s *Store) txStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	s.stmts.mu.Lock()
	st, ok := s.stmts.m[stmtKey{s.db, query}]
	s.stmts.mu.Unlock()
	if !ok {
		return tx.PrepareContext(ctx, query)
	}
	return tx.StmtContext(ctx, st), nil
}

func (s *Store) closeStmts() error {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	var errs []error
	for k, st := range s.stmts.m {
		errs = append(errs, st.Close())
		delete(s.stmts.m, k)
	}
	return errors.Join(errs...)
}
