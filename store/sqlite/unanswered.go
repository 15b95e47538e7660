package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// RecordUnanswered counts one more occurrence of the question group key
// seen at at (zero: now). The first occurrence sets the example and the
// locale; later ones bump the count and move LastSeen forward.
// Errors: errs.Invalid (empty key).
func (s *Store) RecordUnanswered(ctx context.Context, key, example, locale string, at time.Time) error {
	if key == "" {
		return errs.E(errs.Invalid, "unanswered question: key is required")
	}
	n := nanos(orNow(at))
	return s.withTx(ctx, "record unanswered", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO unanswered
			(question_key, example, locale, hits, first_seen, last_seen) VALUES (?, ?, ?, 1, ?, ?)
			ON CONFLICT (question_key) DO UPDATE SET
				hits = unanswered.hits + 1,
				first_seen = CASE WHEN excluded.first_seen < unanswered.first_seen
					THEN excluded.first_seen ELSE unanswered.first_seen END,
				last_seen = CASE WHEN excluded.last_seen > unanswered.last_seen
					THEN excluded.last_seen ELSE unanswered.last_seen END`,
			key, example, locale, n, n)
		return dbError(err, "unanswered question %q", key)
	})
}

// UnansweredQuestions returns up to limit groups (<= 0: all), the most
// frequent first, then the most recently seen.
func (s *Store) UnansweredQuestions(ctx context.Context, limit int) ([]store.Unanswered, error) {
	query, args := limitClause(`SELECT question_key, example, locale, hits, first_seen, last_seen
		FROM unanswered ORDER BY hits DESC, last_seen DESC, question_key`, nil, limit, 0)
	rows, err := s.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, dbError(err, "unanswered questions")
	}
	defer rows.Close()
	us := []store.Unanswered{}
	for rows.Next() {
		var (
			u           store.Unanswered
			first, last int64
		)
		if err := rows.Scan(&u.Key, &u.Example, &u.Locale, &u.Count, &first, &last); err != nil {
			return nil, dbError(err, "unanswered questions")
		}
		u.FirstSeen, u.LastSeen = fromNanos(first), fromNanos(last)
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "unanswered questions")
	}
	return us, nil
}

// DeleteUnanswered forgets a question group (once an article answers it).
// Errors: errs.NotFound.
func (s *Store) DeleteUnanswered(ctx context.Context, key string) error {
	return s.withTx(ctx, "delete unanswered", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM unanswered WHERE question_key = ?`, key)
		return oneRow(res, err, "unanswered question %q", key)
	})
}
