package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// Revision operations.
const (
	opCreate = "create"
	opUpdate = "update"
	opDelete = "delete"
	opImport = "import"
)

const articleColumns = `id, title, questions, answer, intent, tags, locale, status,
	valid_from, valid_until, version, updated_at, updated_by`

func scanArticle(row scanner) (store.Article, error) {
	var (
		a                     store.Article
		questions, tags       string
		validFrom, validUntil sql.NullInt64
		updatedAt             int64
	)
	if err := row.Scan(&a.ID, &a.Title, &questions, &a.Answer, &a.Intent, &tags, &a.Locale, &a.Status,
		&validFrom, &validUntil, &a.Version, &updatedAt, &a.UpdatedBy); err != nil {
		return store.Article{}, err
	}
	if err := json.Unmarshal([]byte(questions), &a.Questions); err != nil {
		return store.Article{}, fmt.Errorf("decode questions of article %q: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(tags), &a.Tags); err != nil {
		return store.Article{}, fmt.Errorf("decode tags of article %q: %w", a.ID, err)
	}
	a.ValidFrom, a.ValidUntil = fromNullNanos(validFrom), fromNullNanos(validUntil)
	a.UpdatedAt = fromNanos(updatedAt)
	return a, nil
}

// normalizeArticle checks a and gives its optional fields their defaults:
// an empty Status is a draft, nil lists are empty, times are UTC.
func normalizeArticle(a store.Article) (store.Article, error) {
	if a.ID == "" {
		return a, errs.E(errs.Invalid, "article id is required")
	}
	switch a.Status {
	case "":
		a.Status = store.ArticleDraft
	case store.ArticleDraft, store.ArticlePublished:
	default:
		return a, errs.E(errs.Invalid, "article %q: status must be %s or %s, not %q",
			a.ID, store.ArticleDraft, store.ArticlePublished, a.Status)
	}
	if a.Questions == nil {
		a.Questions = []string{}
	}
	if a.Tags == nil {
		a.Tags = []string{}
	}
	for _, p := range []**time.Time{&a.ValidFrom, &a.ValidUntil} {
		if *p != nil {
			t := (*p).UTC()
			*p = &t
		}
	}
	return a, nil
}

// CreateArticle stores a new article as version 1, updated now by by, and
// records a "create" revision. Errors: errs.Invalid (empty ID, unknown
// status), errs.Conflict (ID taken).
func (s *Store) CreateArticle(ctx context.Context, a store.Article, by string) (store.Article, error) {
	a, err := normalizeArticle(a)
	if err != nil {
		return store.Article{}, err
	}
	a.Version, a.UpdatedAt, a.UpdatedBy = 1, time.Now().UTC(), by
	err = s.withTx(ctx, "create article", func(ctx context.Context, tx *sql.Tx) error {
		if err := insertArticle(ctx, tx, a); err != nil {
			return err
		}
		return addRevision(ctx, tx, opCreate, a)
	})
	if err != nil {
		return store.Article{}, err
	}
	return a, nil
}

// UpdateArticle replaces an article provided a.Version is the stored
// version (optimistic concurrency), stores it as the next version, updated
// now by by, and records an "update" revision.
// Errors: errs.Invalid, errs.NotFound, errs.Conflict (stale version).
func (s *Store) UpdateArticle(ctx context.Context, a store.Article, by string) (store.Article, error) {
	a, err := normalizeArticle(a)
	if err != nil {
		return store.Article{}, err
	}
	a.UpdatedAt, a.UpdatedBy = time.Now().UTC(), by
	err = s.withTx(ctx, "update article", func(ctx context.Context, tx *sql.Tx) error {
		stored, err := articleVersion(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		if stored != a.Version {
			return errs.E(errs.Conflict, "article %q is at version %d, not %d", a.ID, stored, a.Version)
		}
		a.Version = stored + 1
		if err := updateArticle(ctx, tx, a, stored); err != nil {
			return err
		}
		return addRevision(ctx, tx, opUpdate, a)
	})
	if err != nil {
		return store.Article{}, err
	}
	return a, nil
}

// DeleteArticle removes an article and records a "delete" revision holding
// its last content under the next version; the history stays.
// Errors: errs.NotFound.
func (s *Store) DeleteArticle(ctx context.Context, id string, by string) error {
	return s.withTx(ctx, "delete article", func(ctx context.Context, tx *sql.Tx) error {
		a, err := scanArticle(tx.QueryRowContext(ctx, `SELECT `+articleColumns+` FROM articles WHERE id = ?`, id))
		if err != nil {
			return dbError(err, "article %q", id)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM articles WHERE id = ?`, id); err != nil {
			return dbError(err, "article %q", id)
		}
		a.Version++
		a.UpdatedAt, a.UpdatedBy = time.Now().UTC(), by
		return addRevision(ctx, tx, opDelete, a)
	})
}

// Article returns an article. Errors: errs.NotFound.
func (s *Store) Article(ctx context.Context, id string) (store.Article, error) {
	a, err := scanArticle(s.rdb.QueryRowContext(ctx, `SELECT `+articleColumns+` FROM articles WHERE id = ?`, id))
	if err != nil {
		return store.Article{}, dbError(err, "article %q", id)
	}
	return a, nil
}

// Articles lists the articles matching every non-zero field of f, ordered
// by id, Limit (<= 0: no limit) and Offset applied last.
func (s *Store) Articles(ctx context.Context, f store.ArticleFilter) ([]store.Article, error) {
	query, args := `SELECT `+articleColumns+` FROM articles WHERE 1 = 1`, []any{}
	for _, c := range []struct{ column, value string }{
		{"locale", f.Locale}, {"status", f.Status}, {"intent", f.Intent},
	} {
		if c.value != "" {
			query += ` AND ` + c.column + ` = ?`
			args = append(args, c.value)
		}
	}
	if f.Tag != "" {
		query += ` AND EXISTS (SELECT 1 FROM article_tags t WHERE t.article_id = articles.id AND t.tag = ?)`
		args = append(args, f.Tag)
	}
	query, args = limitClause(query+` ORDER BY id`, args, f.Limit, f.Offset)

	rows, err := s.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, dbError(err, "articles")
	}
	defer rows.Close()
	as := []store.Article{}
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, dbError(err, "articles")
		}
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "articles")
	}
	return as, nil
}

// ArticleHistory returns every revision of an article, oldest first, also
// when the article has been deleted (empty when it never existed).
func (s *Store) ArticleHistory(ctx context.Context, id string) ([]store.ArticleRevision, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT article_id, version, op, changed_by, changed_at, article
		FROM article_revisions WHERE article_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, dbError(err, "history of article %q", id)
	}
	defer rows.Close()
	revs := []store.ArticleRevision{}
	for rows.Next() {
		var (
			r       store.ArticleRevision
			at      int64
			article string
		)
		if err := rows.Scan(&r.ArticleID, &r.Version, &r.Op, &r.By, &at, &article); err != nil {
			return nil, dbError(err, "history of article %q", id)
		}
		if err := json.Unmarshal([]byte(article), &r.Article); err != nil {
			return nil, fmt.Errorf("sqlite: decode revision %d of article %q: %w", r.Version, id, err)
		}
		r.At = fromNanos(at)
		revs = append(revs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "history of article %q", id)
	}
	return revs, nil
}

// ImportArticles upserts as in one transaction: a new article becomes
// version 1, an existing one its stored version + 1 (the incoming Version
// is ignored); each gets an "import" revision. Any error rolls back the
// whole import. It returns the articles as stored, in input order.
// Errors: errs.Invalid (an article is invalid; none is imported).
func (s *Store) ImportArticles(ctx context.Context, as []store.Article, by string) ([]store.Article, error) {
	now := time.Now().UTC()
	out := make([]store.Article, 0, len(as))
	err := s.withTx(ctx, "import articles", func(ctx context.Context, tx *sql.Tx) error {
		for i, a := range as {
			a, err := normalizeArticle(a)
			if err != nil {
				return fmt.Errorf("import article %d: %w", i, err)
			}
			a.UpdatedAt, a.UpdatedBy = now, by
			stored, err := articleVersion(ctx, tx, a.ID)
			switch {
			case errs.Is(err, errs.NotFound):
				a.Version = 1
				err = insertArticle(ctx, tx, a)
			case err == nil:
				a.Version = stored + 1
				err = updateArticle(ctx, tx, a, stored)
			}
			if err != nil {
				return fmt.Errorf("import article %d: %w", i, err)
			}
			if err := addRevision(ctx, tx, opImport, a); err != nil {
				return fmt.Errorf("import article %d: %w", i, err)
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// articleVersion returns the stored version of article id.
func articleVersion(ctx context.Context, tx *sql.Tx, id string) (int, error) {
	var v int
	if err := tx.QueryRowContext(ctx, `SELECT version FROM articles WHERE id = ?`, id).Scan(&v); err != nil {
		return 0, dbError(err, "article %q", id)
	}
	return v, nil
}

func encodeLists(a store.Article) (questions, tags string, err error) {
	q, err := json.Marshal(a.Questions)
	if err != nil {
		return "", "", fmt.Errorf("encode questions of article %q: %w", a.ID, err)
	}
	t, err := json.Marshal(a.Tags)
	if err != nil {
		return "", "", fmt.Errorf("encode tags of article %q: %w", a.ID, err)
	}
	return string(q), string(t), nil
}

func insertArticle(ctx context.Context, tx *sql.Tx, a store.Article) error {
	questions, tags, err := encodeLists(a)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO articles (`+articleColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Title, questions, a.Answer, a.Intent, tags, a.Locale, a.Status,
		nullNanos(a.ValidFrom), nullNanos(a.ValidUntil), a.Version, nanos(a.UpdatedAt), a.UpdatedBy)
	if err != nil {
		return dbError(err, "article %q", a.ID)
	}
	return writeTags(ctx, tx, a)
}

// updateArticle overwrites article a.ID, which must still be at version
// from.
func updateArticle(ctx context.Context, tx *sql.Tx, a store.Article, from int) error {
	questions, tags, err := encodeLists(a)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE articles
		SET title = ?, questions = ?, answer = ?, intent = ?, tags = ?, locale = ?, status = ?,
		    valid_from = ?, valid_until = ?, version = ?, updated_at = ?, updated_by = ?
		WHERE id = ? AND version = ?`,
		a.Title, questions, a.Answer, a.Intent, tags, a.Locale, a.Status,
		nullNanos(a.ValidFrom), nullNanos(a.ValidUntil), a.Version, nanos(a.UpdatedAt), a.UpdatedBy,
		a.ID, from)
	if err := oneRow(res, err, "article %q at version %d", a.ID, from); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM article_tags WHERE article_id = ?`, a.ID); err != nil {
		return dbError(err, "tags of article %q", a.ID)
	}
	return writeTags(ctx, tx, a)
}

func writeTags(ctx context.Context, tx *sql.Tx, a store.Article) error {
	for _, tag := range a.Tags {
		_, err := tx.ExecContext(ctx, `INSERT INTO article_tags (article_id, tag) VALUES (?, ?)
			ON CONFLICT (article_id, tag) DO NOTHING`, a.ID, tag)
		if err != nil {
			return dbError(err, "tag %q of article %q", tag, a.ID)
		}
	}
	return nil
}

func addRevision(ctx context.Context, tx *sql.Tx, op string, a store.Article) error {
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode revision of article %q: %w", a.ID, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO article_revisions
		(article_id, version, op, changed_by, changed_at, article) VALUES (?, ?, ?, ?, ?, ?)`,
		a.ID, a.Version, op, a.UpdatedBy, nanos(a.UpdatedAt), string(b))
	return dbError(err, "revision %d of article %q", a.Version, a.ID)
}
