package kbtest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// Store is an in-memory article store. The zero value is not usable; call
// New. It is safe for concurrent use.
type Store struct {
	// Now stamps changes; time.Now when nil. Set before use.
	Now func() time.Time
	// Fail, when set, is called at the start of every method with the
	// method's name; a non-nil result is returned as the method's error
	// (fault injection). Set before use.
	Fail func(op string) error

	mu      sync.Mutex
	arts    map[string]store.Article
	sorted  []string // article IDs in order; nil when stale
	hist    map[string][]store.ArticleRevision
	unans   map[string]store.Unanswered
	syn     store.SynonymSet // synonyms.go
	nextID  int
	changes int
}

// New returns an empty store.
func New() *Store {
	return &Store{
		arts:  make(map[string]store.Article),
		hist:  make(map[string][]store.ArticleRevision),
		unans: make(map[string]store.Unanswered),
	}
}

// Changes reports how many article writes the store has committed.
func (s *Store) Changes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changes
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Store) fail(op string) error {
	if s.Fail != nil {
		return s.Fail(op)
	}
	return nil
}

// clone deep-copies an article so callers never share slices or times with
// the store.
func clone(a store.Article) store.Article {
	a.Questions = slices.Clone(a.Questions)
	a.Tags = slices.Clone(a.Tags)
	if a.ValidFrom != nil {
		t := *a.ValidFrom
		a.ValidFrom = &t
	}
	if a.ValidUntil != nil {
		t := *a.ValidUntil
		a.ValidUntil = &t
	}
	return a
}

// lastVersion is the highest version ever recorded for id (deleted
// articles keep their numbering when created again).
func (s *Store) lastVersion(id string) int {
	h := s.hist[id]
	if len(h) == 0 {
		return 0
	}
	return h[len(h)-1].Version
}

func (s *Store) record(op, by string, at time.Time, a store.Article) {
	s.hist[a.ID] = append(s.hist[a.ID], store.ArticleRevision{
		ArticleID: a.ID, Version: a.Version, Op: op, By: by, At: at, Article: clone(a),
	})
	s.changes++
}

func (s *Store) newID() string {
	for {
		s.nextID++
		id := fmt.Sprintf("art-%06d", s.nextID)
		if _, ok := s.arts[id]; !ok {
			return id
		}
	}
}

func (s *Store) put(a store.Article) {
	if _, ok := s.arts[a.ID]; !ok {
		s.sorted = nil
	}
	s.arts[a.ID] = a
}

// CreateArticle stores a new article at the next version.
func (s *Store) CreateArticle(ctx context.Context, a store.Article, by string) (store.Article, error) {
	if err := s.fail("CreateArticle"); err != nil {
		return store.Article{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.ID == "" {
		a.ID = s.newID()
	}
	if _, ok := s.arts[a.ID]; ok {
		return store.Article{}, errs.E(errs.Conflict, "An article with ID %q already exists.", a.ID)
	}
	a = clone(a)
	a.Version = s.lastVersion(a.ID) + 1
	a.UpdatedAt = s.now()
	a.UpdatedBy = by
	s.put(a)
	s.record("create", by, a.UpdatedAt, a)
	return clone(a), nil
}

// UpdateArticle replaces an article when a.Version is the stored version.
func (s *Store) UpdateArticle(ctx context.Context, a store.Article, by string) (store.Article, error) {
	if err := s.fail("UpdateArticle"); err != nil {
		return store.Article{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.arts[a.ID]
	if !ok {
		return store.Article{}, errs.E(errs.NotFound, "No article with ID %q.", a.ID)
	}
	if a.Version != cur.Version {
		return store.Article{}, errs.E(errs.Conflict,
			"Article %q was changed by someone else (version %d, yours %d).", a.ID, cur.Version, a.Version)
	}
	a = clone(a)
	a.Version = s.lastVersion(a.ID) + 1
	a.UpdatedAt = s.now()
	a.UpdatedBy = by
	s.put(a)
	s.record("update", by, a.UpdatedAt, a)
	return clone(a), nil
}

// DeleteArticle removes an article.
func (s *Store) DeleteArticle(ctx context.Context, id, by string) error {
	if err := s.fail("DeleteArticle"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.arts[id]
	if !ok {
		return errs.E(errs.NotFound, "No article with ID %q.", id)
	}
	delete(s.arts, id)
	s.sorted = nil
	cur.Version = s.lastVersion(id) + 1
	cur.UpdatedAt = s.now()
	cur.UpdatedBy = by
	s.record("delete", by, cur.UpdatedAt, cur)
	return nil
}

// Article returns one article.
func (s *Store) Article(ctx context.Context, id string) (store.Article, error) {
	if err := s.fail("Article"); err != nil {
		return store.Article{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.arts[id]
	if !ok {
		return store.Article{}, errs.E(errs.NotFound, "No article with ID %q.", id)
	}
	return clone(a), nil
}

// Articles lists articles matching f in ID order; a zero Limit lists all.
func (s *Store) Articles(ctx context.Context, f store.ArticleFilter) ([]store.Article, error) {
	if err := s.fail("Articles"); err != nil {
		return nil, err
	}
	if f.Limit < 0 || f.Offset < 0 {
		return nil, errs.E(errs.Invalid, "Limit and offset must not be negative.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sorted == nil {
		s.sorted = make([]string, 0, len(s.arts))
		for id := range s.arts {
			s.sorted = append(s.sorted, id)
		}
		sort.Strings(s.sorted)
	}
	out := []store.Article{}
	skipped := 0
	for _, id := range s.sorted {
		a := s.arts[id]
		if (f.Locale != "" && a.Locale != f.Locale) || (f.Status != "" && a.Status != f.Status) ||
			(f.Intent != "" && a.Intent != f.Intent) || (f.Tag != "" && !slices.Contains(a.Tags, f.Tag)) {
			continue
		}
		if skipped < f.Offset {
			skipped++
			continue
		}
		out = append(out, clone(a))
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out, nil
}

// ArticleHistory returns an article's revisions, oldest first.
func (s *Store) ArticleHistory(ctx context.Context, id string) ([]store.ArticleRevision, error) {
	if err := s.fail("ArticleHistory"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.hist[id]
	if !ok {
		return nil, errs.E(errs.NotFound, "No article with ID %q.", id)
	}
	out := make([]store.ArticleRevision, len(h))
	for i, r := range h {
		r.Article = clone(r.Article)
		out[i] = r
	}
	return out, nil
}

// ImportArticles creates or replaces every article, all or none. An
// article replacing a stored one takes the next version whatever its
// Version field says.
func (s *Store) ImportArticles(ctx context.Context, as []store.Article, by string) ([]store.Article, error) {
	if err := s.fail("ImportArticles"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := make(map[string]bool, len(as))
	for i, a := range as {
		if a.ID == "" {
			continue
		}
		if seen[a.ID] {
			return nil, errs.E(errs.Invalid, "Article %d repeats ID %q.", i+1, a.ID)
		}
		seen[a.ID] = true
	}
	// Everything is checked; now nothing can fail, so applying is atomic.
	now := s.now()
	out := make([]store.Article, 0, len(as))
	for _, a := range as {
		a = clone(a)
		if a.ID == "" {
			a.ID = s.newID()
		}
		op := "create"
		if _, ok := s.arts[a.ID]; ok {
			op = "update"
		}
		a.Version = s.lastVersion(a.ID) + 1
		a.UpdatedAt = now
		a.UpdatedBy = by
		s.put(a)
		s.record(op, by, now, a)
		out = append(out, clone(a))
	}
	return out, nil
}

// RecordUnanswered counts one more occurrence of the group key.
func (s *Store) RecordUnanswered(ctx context.Context, key, example, locale string, at time.Time) error {
	if err := s.fail("RecordUnanswered"); err != nil {
		return err
	}
	if strings.TrimSpace(key) == "" {
		return errs.E(errs.Invalid, "The key is empty.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.unans[key]
	if !ok {
		u = store.Unanswered{Key: key, Example: example, Locale: locale, FirstSeen: at}
	}
	u.Count++
	if at.After(u.LastSeen) {
		u.LastSeen = at
	}
	s.unans[key] = u
	return nil
}

// UnansweredQuestions lists groups, most frequent first, then most recent.
func (s *Store) UnansweredQuestions(ctx context.Context, limit int) ([]store.Unanswered, error) {
	if err := s.fail("UnansweredQuestions"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]store.Unanswered, 0, len(s.unans))
	for _, u := range s.unans {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		if !out[i].LastSeen.Equal(out[j].LastSeen) {
			return out[i].LastSeen.After(out[j].LastSeen)
		}
		return out[i].Key < out[j].Key
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// DeleteUnanswered dismisses a group.
func (s *Store) DeleteUnanswered(ctx context.Context, key string) error {
	if err := s.fail("DeleteUnanswered"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.unans[key]; !ok {
		return errs.E(errs.NotFound, "No unanswered question %q.", key)
	}
	delete(s.unans, key)
	return nil
}
