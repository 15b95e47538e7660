package kb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// Locales articles may be written in.
const (
	LocaleZhCN = "zh-CN"
	LocaleZhTW = "zh-TW"
	LocaleEn   = "en"
)

// TagPrimary marks the article answering its intent by default.
const TagPrimary = "primary"

// Article limits.
const (
	MaxTitle     = 200  // runes
	MaxQuestions = 50   // question variants
	MaxQuestion  = 500  // runes per question
	MaxAnswer    = 8000 // runes
	MaxTags      = 20
	MaxTag       = 50 // runes
	MaxIntent    = 64
	MaxID        = 128
	MaxBy        = 200 // runes of an editor's name
	MaxListLimit = 1000
)

var locales = []string{LocaleZhCN, LocaleZhTW, LocaleEn}

// normalizeArticle trims and checks a, returning the article as it will be
// stored: blank and repeated questions and tags dropped, empty status
// defaulted to draft. Store-owned fields (version, updated_*) are kept as
// given. Errors: errs.Invalid naming the problem.
func normalizeArticle(a store.Article) (store.Article, error) {
	bad := func(format string, args ...any) (store.Article, error) {
		return store.Article{}, errs.E(errs.Invalid, format, args...)
	}
	if !utf8.ValidString(a.ID) || !utf8.ValidString(a.Title) || !utf8.ValidString(a.Answer) ||
		!utf8.ValidString(a.Intent) || !utf8.ValidString(a.Locale) || !utf8.ValidString(a.Status) {
		return bad("The article is not valid UTF-8.")
	}
	a.ID = strings.TrimSpace(a.ID)
	if a.ID != "" && !validID(a.ID) {
		return bad("The ID %q must be 1-%d letters, digits, '-', '_', '.' or ':'.", a.ID, MaxID)
	}
	a.Title = strings.TrimSpace(a.Title)
	switch {
	case a.Title == "":
		return bad("The title is required.")
	case utf8.RuneCountInString(a.Title) > MaxTitle:
		return bad("The title is longer than %d characters.", MaxTitle)
	case hasControl(a.Title, false):
		return bad("The title contains control characters.")
	}
	if strings.TrimSpace(a.Answer) == "" {
		return bad("The answer is required.")
	}
	if utf8.RuneCountInString(a.Answer) > MaxAnswer {
		return bad("The answer is longer than %d characters.", MaxAnswer)
	}
	if hasControl(a.Answer, true) {
		return bad("The answer contains control characters.")
	}
	if len(a.Questions) > MaxQuestions {
		return bad("An article has at most %d questions.", MaxQuestions)
	}
	qs := make([]string, 0, len(a.Questions))
	for i, q := range a.Questions {
		if !utf8.ValidString(q) {
			return bad("Question %d is not valid UTF-8.", i+1)
		}
		q = strings.TrimSpace(q)
		switch {
		case q == "" || slices.Contains(qs, q):
			continue
		case utf8.RuneCountInString(q) > MaxQuestion:
			return bad("Question %d is longer than %d characters.", i+1, MaxQuestion)
		case hasControl(q, false):
			return bad("Question %d contains control characters.", i+1)
		}
		qs = append(qs, q)
	}
	if len(qs) == 0 {
		return bad("At least one question is required.")
	}
	a.Questions = qs
	if len(a.Tags) > MaxTags {
		return bad("An article has at most %d tags.", MaxTags)
	}
	tags := make([]string, 0, len(a.Tags))
	for i, t := range a.Tags {
		if !utf8.ValidString(t) {
			return bad("Tag %d is not valid UTF-8.", i+1)
		}
		t = strings.TrimSpace(t)
		switch {
		case t == "" || slices.Contains(tags, t):
			continue
		case utf8.RuneCountInString(t) > MaxTag || hasControl(t, false):
			return bad("Tag %d must be at most %d printable characters.", i+1, MaxTag)
		}
		tags = append(tags, t)
	}
	a.Tags = tags
	a.Intent = strings.TrimSpace(a.Intent)
	if a.Intent != "" && !validIntent(a.Intent) {
		return bad("The intent %q must be at most %d lower-case letters, digits or '_'.", a.Intent, MaxIntent)
	}
	if !slices.Contains(locales, a.Locale) {
		return bad("The locale %q must be one of zh-CN, zh-TW, en.", a.Locale)
	}
	switch a.Status {
	case "":
		a.Status = store.ArticleDraft
	case store.ArticleDraft, store.ArticlePublished:
	default:
		return bad("The status %q must be draft or published.", a.Status)
	}
	if a.ValidFrom != nil && a.ValidUntil != nil && !a.ValidUntil.After(*a.ValidFrom) {
		return bad("valid_until must be after valid_from.")
	}
	return a, nil
}

func validID(id string) bool {
	if id == "" || len(id) > MaxID {
		return false
	}
	for _, r := range id {
		if !(r < utf8.RuneSelf && (r == '-' || r == '_' || r == '.' || r == ':' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))) {
			return false
		}
	}
	return true
}

func validIntent(s string) bool {
	if len(s) > MaxIntent {
		return false
	}
	for _, r := range s {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')) {
			return false
		}
	}
	return true
}

// hasControl reports control characters (newlines and tabs are allowed
// where multiline is true).
func hasControl(s string, multiline bool) bool {
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return true
		}
	}
	return false
}

func checkBy(by string) error {
	if !utf8.ValidString(by) || utf8.RuneCountInString(by) > MaxBy || hasControl(by, false) {
		return errs.E(errs.Invalid, "The editor name must be at most %d printable characters.", MaxBy)
	}
	return nil
}

func checkID(id string) error {
	if !validID(id) {
		return errs.E(errs.Invalid, "The article ID is missing or malformed.")
	}
	return nil
}

// newID returns a fresh random article ID.
func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return "kb-" + hex.EncodeToString(b[:])
}

// List returns articles matching f (editors see drafts and expired ones).
// A zero Limit returns all of them.
//
// Errors: errs.Invalid for a bad filter; store errors.
func (k *KB) List(ctx context.Context, f store.ArticleFilter) ([]store.Article, error) {
	if err := k.alive(); err != nil {
		return nil, err
	}
	switch {
	case f.Limit < 0 || f.Offset < 0:
		return nil, errs.E(errs.Invalid, "Limit and offset must not be negative.")
	case f.Limit > MaxListLimit:
		return nil, errs.E(errs.Invalid, "The limit is at most %d.", MaxListLimit)
	case f.Locale != "" && !slices.Contains(locales, f.Locale):
		return nil, errs.E(errs.Invalid, "The locale %q must be one of zh-CN, zh-TW, en.", f.Locale)
	case f.Status != "" && f.Status != store.ArticleDraft && f.Status != store.ArticlePublished:
		return nil, errs.E(errs.Invalid, "The status %q must be draft or published.", f.Status)
	case !utf8.ValidString(f.Intent) || !utf8.ValidString(f.Tag):
		return nil, errs.E(errs.Invalid, "The filter is not valid UTF-8.")
	}
	return k.st.Articles(ctx, f)
}

// Get returns one article. Errors: errs.Invalid, errs.NotFound.
func (k *KB) Get(ctx context.Context, id string) (store.Article, error) {
	if err := k.alive(); err != nil {
		return store.Article{}, err
	}
	if err := checkID(id); err != nil {
		return store.Article{}, err
	}
	return k.st.Article(ctx, id)
}

// Create validates and stores a new article (an ID is assigned when a.ID
// is empty); it is searchable when Create returns.
//
// Errors: errs.Invalid; errs.Conflict when the ID is taken.
func (k *KB) Create(ctx context.Context, a store.Article, by string) (store.Article, error) {
	if err := k.alive(); err != nil {
		return store.Article{}, err
	}
	if err := checkBy(by); err != nil {
		return store.Article{}, err
	}
	a, err := normalizeArticle(a)
	if err != nil {
		return store.Article{}, err
	}
	if a.ID == "" {
		a.ID = newID()
	}
	k.wmu.Lock()
	defer k.wmu.Unlock()
	out, err := k.st.CreateArticle(ctx, a, by)
	if err != nil {
		return store.Article{}, err
	}
	return out, k.indexChanged([]store.Article{out}, nil)
}

// Update replaces an article. a.Version must be the version the editor
// read; the result carries the next one.
//
// Errors: errs.Invalid (also for a missing version), errs.NotFound,
// errs.Conflict when someone else changed the article meanwhile.
func (k *KB) Update(ctx context.Context, a store.Article, by string) (store.Article, error) {
	if err := k.alive(); err != nil {
		return store.Article{}, err
	}
	if err := checkBy(by); err != nil {
		return store.Article{}, err
	}
	if err := checkID(strings.TrimSpace(a.ID)); err != nil {
		return store.Article{}, err
	}
	if a.Version <= 0 {
		return store.Article{}, errs.E(errs.Invalid, "The version the change is based on is required.")
	}
	a, err := normalizeArticle(a)
	if err != nil {
		return store.Article{}, err
	}
	k.wmu.Lock()
	defer k.wmu.Unlock()
	out, err := k.st.UpdateArticle(ctx, a, by)
	if err != nil {
		return store.Article{}, err
	}
	return out, k.indexChanged([]store.Article{out}, nil)
}

// Delete removes an article; it is gone from search when Delete returns.
// Its history stays. Errors: errs.Invalid, errs.NotFound.
func (k *KB) Delete(ctx context.Context, id, by string) error {
	if err := k.alive(); err != nil {
		return err
	}
	if err := checkBy(by); err != nil {
		return err
	}
	if err := checkID(id); err != nil {
		return err
	}
	k.wmu.Lock()
	defer k.wmu.Unlock()
	if err := k.st.DeleteArticle(ctx, id, by); err != nil {
		return err
	}
	return k.indexChanged(nil, []string{id})
}

// History returns an article's revisions (who, when, what), oldest first.
// Errors: errs.Invalid, errs.NotFound.
func (k *KB) History(ctx context.Context, id string) ([]store.ArticleRevision, error) {
	if err := k.alive(); err != nil {
		return nil, err
	}
	if err := checkID(id); err != nil {
		return nil, err
	}
	return k.st.ArticleHistory(ctx, id)
}

// Restore makes revision version of an article current again, as a new
// version (or re-creates a deleted article).
//
// Errors: errs.Invalid, errs.NotFound (no such article or revision).
func (k *KB) Restore(ctx context.Context, id string, version int, by string) (store.Article, error) {
	if err := k.alive(); err != nil {
		return store.Article{}, err
	}
	if err := checkBy(by); err != nil {
		return store.Article{}, err
	}
	if err := checkID(id); err != nil {
		return store.Article{}, err
	}
	hist, err := k.st.ArticleHistory(ctx, id)
	if err != nil {
		return store.Article{}, err
	}
	var snap *store.Article
	for i := len(hist) - 1; i >= 0; i-- {
		if hist[i].Version == version {
			a := hist[i].Article
			snap = &a
			break
		}
	}
	if snap == nil {
		return store.Article{}, errs.E(errs.NotFound, "Article %q has no version %d.", id, version)
	}
	a := *snap
	a.ID = id
	if a, err = normalizeArticle(a); err != nil {
		return store.Article{}, err
	}
	k.wmu.Lock()
	defer k.wmu.Unlock()
	cur, err := k.st.Article(ctx, id)
	var out store.Article
	switch {
	case err == nil:
		a.Version = cur.Version
		out, err = k.st.UpdateArticle(ctx, a, by)
	case errs.Is(err, errs.NotFound):
		a.Version = 0
		out, err = k.st.CreateArticle(ctx, a, by)
	}
	if err != nil {
		return store.Article{}, err
	}
	return out, k.indexChanged([]store.Article{out}, nil)
}
