package api

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/kb"
	"github.com/kefu-ai/kefu/store"
)

// KnowledgeBase is what editors reach. A change is searchable and
// answerable once the call returns. Methods return *errs.Error with these
// codes for expected failures: invalid_input (an article or import line
// that breaks the rules; the message names the line), not_found,
// conflict (Update or Restore from a stale version; Create of an id that
// exists), unavailable.
type KnowledgeBase interface {
	List(ctx context.Context, f store.ArticleFilter) ([]store.Article, error)
	Get(ctx context.Context, id string) (store.Article, error)
	Create(ctx context.Context, a store.Article, by string) (store.Article, error)
	// Update replaces the article whose current version is a.Version.
	Update(ctx context.Context, a store.Article, by string) (store.Article, error)
	Delete(ctx context.Context, id, by string) error
	Search(ctx context.Context, r kb.SearchRequest) ([]kb.Hit, error)
	// Import reads JSON Lines of articles and returns how many it stored.
	Import(ctx context.Context, r io.Reader, by string) (int, error)
	// Export writes every article as JSON Lines.
	Export(ctx context.Context, w io.Writer) error
	History(ctx context.Context, id string) ([]store.ArticleRevision, error)
	// Restore makes version the current content again (as a new version).
	Restore(ctx context.Context, id string, version int, by string) (store.Article, error)
	Unanswered(ctx context.Context, limit int) ([]store.Unanswered, error)
	DismissUnanswered(ctx context.Context, key string) error
	SynonymList // synonyms.go
}

const (
	defaultListLimit = 50
	maxListLimit     = 500
)

func (s *Server) articleRoutes(g *gin.RouterGroup) {
	g.GET("/articles", s.listArticles)
	g.POST("/articles", s.createArticle)
	g.GET("/articles/:id", s.getArticle)
	g.PUT("/articles/:id", s.updateArticle)
	g.DELETE("/articles/:id", s.deleteArticle)
	g.GET("/articles/:id/history", s.articleHistory)
	g.POST("/articles/:id/restore", s.restoreArticle)
}

// itemsBody is the shape of every listing.
type itemsBody[T any] struct {
	Items []T `json:"items"`
}

func items[T any](xs []T) itemsBody[T] {
	if xs == nil {
		xs = []T{}
	}
	return itemsBody[T]{Items: xs}
}

// articleBody is an article as editors send it. Version is a pointer so
// that a missing version is told apart from 0.
type articleBody struct {
	ID         string     `json:"id"`
	Title      string     `json:"title"`
	Questions  []string   `json:"questions"`
	Answer     string     `json:"answer"`
	Intent     string     `json:"intent"`
	Tags       []string   `json:"tags"`
	Locale     string     `json:"locale"`
	Status     string     `json:"status"`
	ValidFrom  *time.Time `json:"valid_from"`
	ValidUntil *time.Time `json:"valid_until"`
	Version    *int       `json:"version"`
}

func (a *articleBody) validate(l limits) error {
	if a.ID != "" {
		if err := checkID("id", a.ID); err != nil {
			return err
		}
	}
	if err := checkName("title", a.Title, maxTitleRunes); err != nil {
		return err
	}
	// Answers are documents editors paste: \r (of \r\n) is allowed there,
	// as the knowledge base allows it.
	if err := checkText("answer", strings.ReplaceAll(a.Answer, "\r", ""), maxAnswerRunes); err != nil {
		return err
	}
	// Blank questions and tags are the knowledge base's to drop; the
	// domain's own bounds (how many, how long) are its to enforce.
	if len(a.Questions) > maxListItems {
		return errs.E(errs.Invalid, "An article may have at most %d questions.", maxListItems)
	}
	for _, q := range a.Questions {
		if err := checkOptional("question", q, l.maxText, false); err != nil {
			return err
		}
	}
	if len(a.Tags) > maxListItems {
		return errs.E(errs.Invalid, "An article may have at most %d tags.", maxListItems)
	}
	for _, t := range a.Tags {
		if err := checkOptional("tag", t, maxNameRunes, false); err != nil {
			return err
		}
	}
	if err := checkOptional("intent", a.Intent, maxNameRunes, false); err != nil {
		return err
	}
	if err := checkOptional("locale", a.Locale, maxLocaleRunes, false); err != nil {
		return err
	}
	switch a.Status {
	case "", store.ArticleDraft, store.ArticlePublished:
	default:
		return errs.E(errs.Invalid, "The status must be %q or %q.", store.ArticleDraft, store.ArticlePublished)
	}
	if a.ValidFrom != nil && a.ValidUntil != nil && a.ValidUntil.Before(*a.ValidFrom) {
		return errs.E(errs.Invalid, "valid_until is before valid_from.")
	}
	if a.Version != nil && *a.Version < 0 {
		return errs.E(errs.Invalid, "The version must not be negative.")
	}
	return nil
}

func (a *articleBody) article() store.Article {
	out := store.Article{
		ID: a.ID, Title: a.Title, Questions: a.Questions, Answer: a.Answer, Intent: a.Intent,
		Tags: a.Tags, Locale: a.Locale, Status: a.Status, ValidFrom: a.ValidFrom, ValidUntil: a.ValidUntil,
	}
	if out.Questions == nil {
		out.Questions = []string{}
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if a.Version != nil {
		out.Version = *a.Version
	}
	return out
}

func (s *Server) listArticles(c *gin.Context) {
	f, err := articleFilter(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	list, err := s.KB.List(c.Request.Context(), f)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, items(list))
}

func articleFilter(c *gin.Context) (store.ArticleFilter, error) {
	var f store.ArticleFilter
	var err error
	for _, p := range []struct {
		name string
		dst  *string
		max  int
	}{
		{"locale", &f.Locale, maxLocaleRunes}, {"status", &f.Status, maxNameRunes},
		{"intent", &f.Intent, maxNameRunes}, {"tag", &f.Tag, maxNameRunes},
	} {
		if *p.dst, err = queryText(c, p.name, p.max); err != nil {
			return f, err
		}
	}
	switch f.Status {
	case "", store.ArticleDraft, store.ArticlePublished:
	default:
		return f, errs.E(errs.Invalid, "The status parameter must be %q or %q.", store.ArticleDraft, store.ArticlePublished)
	}
	if f.Limit, err = queryInt(c, "limit", defaultListLimit, maxListLimit); err != nil {
		return f, err
	}
	if f.Offset, err = queryInt(c, "offset", 0, 1<<30); err != nil {
		return f, err
	}
	return f, nil
}

func (s *Server) createArticle(c *gin.Context) {
	var req articleBody
	if !s.bind(c, &req) {
		return
	}
	a, err := s.KB.Create(c.Request.Context(), req.article(), actor(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Location", "/v1/kb/articles/"+a.ID)
	s.writeJSON(c, http.StatusCreated, a)
}

func (s *Server) getArticle(c *gin.Context) {
	id, ok := s.param(c, "id")
	if !ok {
		return
	}
	a, err := s.KB.Get(c.Request.Context(), id)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, a)
}

// updateArticle replaces an article; the body's version is the one the
// editor started from, and a stale one is 409.
func (s *Server) updateArticle(c *gin.Context) {
	id, ok := s.param(c, "id")
	if !ok {
		return
	}
	var req articleBody
	if !s.bind(c, &req) {
		return
	}
	switch {
	case req.Version == nil:
		s.writeError(c, errs.E(errs.Invalid, "The version the change is based on is missing."))
		return
	case req.ID != "" && req.ID != id:
		s.writeError(c, errs.E(errs.Invalid, "The body's id %q differs from the path's.", req.ID))
		return
	}
	req.ID = id
	a, err := s.KB.Update(c.Request.Context(), req.article(), actor(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, a)
}

func (s *Server) deleteArticle(c *gin.Context) {
	id, ok := s.param(c, "id")
	if !ok {
		return
	}
	if err := s.KB.Delete(c.Request.Context(), id, actor(c)); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) articleHistory(c *gin.Context) {
	id, ok := s.param(c, "id")
	if !ok {
		return
	}
	revs, err := s.KB.History(c.Request.Context(), id)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, items(revs))
}

type restoreRequest struct {
	Version *int `json:"version"`
}

func (r *restoreRequest) validate(limits) error {
	if r.Version == nil || *r.Version < 1 {
		return errs.E(errs.Invalid, "The version to restore (1 or more) is missing.")
	}
	return nil
}

func (s *Server) restoreArticle(c *gin.Context) {
	id, ok := s.param(c, "id")
	if !ok {
		return
	}
	var req restoreRequest
	if !s.bind(c, &req) {
		return
	}
	a, err := s.KB.Restore(c.Request.Context(), id, *req.Version, actor(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, a)
}
