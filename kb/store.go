package kb

import (
	"context"
	"time"

	"github.com/kefu-ai/kefu/store"
)

// ArticleStore is the durable state the knowledge base consumes: articles
// with their history, unanswered questions and the synonym list. It is the
// source of truth; the index is derived from it. store/sqlite implements
// it; kbtest holds an in-memory double.
//
// Error codes an implementation returns: errs.NotFound for a missing
// article or unanswered key, errs.Conflict when an update's Version is not
// the stored one (or a create reuses a live ID), errs.Invalid for input it
// refuses, anything else is internal.
type ArticleStore interface {
	SynonymStore // synonymset.go
	// CreateArticle stores a new article at Version 1 (an empty ID is
	// assigned) and records a "create" revision.
	CreateArticle(ctx context.Context, a store.Article, by string) (store.Article, error)
	// UpdateArticle replaces an article; a.Version must equal the stored
	// version (else errs.Conflict). It returns the article at Version+1.
	UpdateArticle(ctx context.Context, a store.Article, by string) (store.Article, error)
	// DeleteArticle removes an article and records a "delete" revision.
	DeleteArticle(ctx context.Context, id, by string) error
	// Article returns one article.
	Article(ctx context.Context, id string) (store.Article, error)
	// Articles lists articles matching f; a zero Limit lists all.
	Articles(ctx context.Context, f store.ArticleFilter) ([]store.Article, error)
	// ArticleHistory returns an article's revisions, oldest first.
	ArticleHistory(ctx context.Context, id string) ([]store.ArticleRevision, error)
	// ImportArticles creates or replaces every article in one transaction:
	// all of them or none.
	ImportArticles(ctx context.Context, as []store.Article, by string) ([]store.Article, error)
	// RecordUnanswered counts one more occurrence of the question group key.
	RecordUnanswered(ctx context.Context, key, example, locale string, at time.Time) error
	// UnansweredQuestions lists groups, most frequent first; limit 0 is all.
	UnansweredQuestions(ctx context.Context, limit int) ([]store.Unanswered, error)
	// DeleteUnanswered dismisses a group.
	DeleteUnanswered(ctx context.Context, key string) error
}
