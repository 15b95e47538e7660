package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// articleDiff compares the content of two articles: everything but the
// fields the store sets (Version, UpdatedAt, UpdatedBy).
func articleDiff(got, want store.Article) string {
	if !timeEq(got.ValidFrom, want.ValidFrom) || !timeEq(got.ValidUntil, want.ValidUntil) {
		return fmt.Sprintf("validity (%v, %v), want (%v, %v)", got.ValidFrom, got.ValidUntil, want.ValidFrom, want.ValidUntil)
	}
	for _, a := range []*store.Article{&got, &want} {
		a.ValidFrom, a.ValidUntil = nil, nil
		a.Version, a.UpdatedAt, a.UpdatedBy = 0, time.Time{}, ""
		if len(a.Questions) == 0 {
			a.Questions = nil
		}
		if len(a.Tags) == 0 {
			a.Tags = nil
		}
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("\ngot  %+v\nwant %+v", got, want)
	}
	return ""
}

func articleIDs(as []store.Article) []string {
	ids := []string{}
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	return ids
}

func testArticleLifecycle(t *testing.T, s Store) {
	ctx := t.Context()
	from, until := at(0), at(3600)
	a := store.Article{
		ID: "return-policy", Title: "Return policy",
		Questions: []string{"How do I return an item?", "退货怎么办？"},
		Answer:    "Within 7 days.", Intent: "return", Tags: []string{"returns", "policy"},
		Locale: "en", Status: store.ArticlePublished, ValidFrom: &from, ValidUntil: &until,
		Version: 42, // ignored on create
	}
	created, err := s.CreateArticle(ctx, a, "alice")
	must(t, err, "create")
	if created.Version != 1 || created.UpdatedBy != "alice" || created.UpdatedAt.IsZero() {
		t.Errorf("create returned version %d by %q at %v, want version 1 by alice, now",
			created.Version, created.UpdatedBy, created.UpdatedAt)
	}
	got, err := s.Article(ctx, a.ID)
	must(t, err, "get")
	if d := articleDiff(got, a); d != "" {
		t.Errorf("round trip: %s", d)
	}
	if got.Version != 1 || got.UpdatedBy != "alice" || !got.UpdatedAt.Equal(created.UpdatedAt) {
		t.Errorf("stored version %d by %q at %v, want what create returned", got.Version, got.UpdatedBy, got.UpdatedAt)
	}

	for _, tt := range []struct {
		name string
		a    store.Article
		code string
	}{
		{"duplicate id", store.Article{ID: a.ID, Title: "other"}, errs.Conflict},
		{"empty id", store.Article{Title: "no id"}, errs.Invalid},
	} {
		_, err := s.CreateArticle(ctx, tt.a, "alice")
		wantCode(t, err, tt.code, "create "+tt.name)
	}

	edit := got
	edit.Answer, edit.Tags, edit.ValidUntil = "Within 14 days.", []string{"returns"}, nil
	updated, err := s.UpdateArticle(ctx, edit, "bob")
	must(t, err, "update")
	if updated.Version != 2 || updated.UpdatedBy != "bob" {
		t.Errorf("update returned version %d by %q, want 2 by bob", updated.Version, updated.UpdatedBy)
	}
	got, err = s.Article(ctx, a.ID)
	must(t, err, "get after update")
	if d := articleDiff(got, edit); d != "" || got.Version != 2 {
		t.Errorf("after update (version %d): %s", got.Version, d)
	}

	stale := edit // still at version 1
	stale.Answer = "Never."
	_, err = s.UpdateArticle(ctx, stale, "carol")
	wantCode(t, err, errs.Conflict, "update from a stale version")
	got, err = s.Article(ctx, a.ID)
	must(t, err, "get after conflict")
	if got.Answer != edit.Answer || got.Version != 2 {
		t.Errorf("a stale update changed the article: %+v", got)
	}

	must(t, s.DeleteArticle(ctx, a.ID, "dave"), "delete")
	_, err = s.Article(ctx, a.ID)
	wantCode(t, err, errs.NotFound, "get deleted")
	wantCode(t, s.DeleteArticle(ctx, a.ID, "dave"), errs.NotFound, "delete twice")

	hist, err := s.ArticleHistory(ctx, a.ID)
	must(t, err, "history")
	want := []struct {
		op, by, answer string
	}{
		{"create", "alice", "Within 7 days."},
		{"update", "bob", "Within 14 days."},
		{"delete", "dave", "Within 14 days."},
	}
	if len(hist) != len(want) {
		t.Fatalf("history has %d revisions, want %d: %+v", len(hist), len(want), hist)
	}
	for i, w := range want {
		r := hist[i]
		if r.ArticleID != a.ID || r.Op != w.op || r.By != w.by || r.Article.Answer != w.answer ||
			r.Article.ID != a.ID || r.At.IsZero() {
			t.Errorf("revision %d: %+v, want op %s by %s with answer %q", i, r, w.op, w.by, w.answer)
		}
		if i > 0 && r.Version <= hist[i-1].Version {
			t.Errorf("revision %d: version %d does not follow %d", i, r.Version, hist[i-1].Version)
		}
	}
	if hist[0].Version != 1 || hist[1].Version != 2 {
		t.Errorf("revision versions %d, %d, want 1, 2", hist[0].Version, hist[1].Version)
	}
	if d := articleDiff(hist[0].Article, a); d != "" {
		t.Errorf("create revision content: %s", d)
	}

	// The id is free again; a new article starts over at version 1.
	again, err := s.CreateArticle(ctx, store.Article{ID: a.ID, Title: "Returns (new)", Locale: "en"}, "erin")
	must(t, err, "re-create")
	if again.Version != 1 || again.Status != store.ArticleDraft {
		t.Errorf("re-created article: version %d status %q, want 1 and %q", again.Version, again.Status, store.ArticleDraft)
	}
	hist, err = s.ArticleHistory(ctx, a.ID)
	must(t, err, "history after re-create")
	if len(hist) != 4 || hist[3].Op != "create" {
		t.Errorf("history after re-create: %d revisions, last %+v", len(hist), hist[len(hist)-1])
	}
	none, err := s.ArticleHistory(ctx, "never-existed")
	must(t, err, "history of an unknown article")
	if len(none) != 0 {
		t.Errorf("unknown article has %d revisions", len(none))
	}
}

func testArticleFilters(t *testing.T, s Store) {
	ctx := t.Context()
	for _, a := range []store.Article{
		{ID: "a1", Locale: "en", Status: store.ArticlePublished, Intent: "return", Tags: []string{"returns", "policy"}},
		{ID: "a2", Locale: "zh-CN", Status: store.ArticlePublished, Intent: "return", Tags: []string{"returns"}},
		{ID: "a3", Locale: "en", Status: store.ArticleDraft, Intent: "shipping", Tags: []string{"shipping"}},
		{ID: "a4", Locale: "en", Status: store.ArticlePublished, Intent: "shipping"},
		{ID: "a0", Locale: "zh-CN", Status: store.ArticleDraft, Intent: "invoice", Tags: []string{"policy"}},
	} {
		_, err := s.CreateArticle(ctx, a, "alice")
		must(t, err, "create "+a.ID)
	}
	// Tags follow updates.
	a3, err := s.Article(ctx, "a3")
	must(t, err, "get a3")
	a3.Tags = []string{"policy", "express"}
	_, err = s.UpdateArticle(ctx, a3, "bob")
	must(t, err, "update a3")

	tests := []struct {
		name string
		f    store.ArticleFilter
		want []string
	}{
		{"all, by id", store.ArticleFilter{}, []string{"a0", "a1", "a2", "a3", "a4"}},
		{"locale", store.ArticleFilter{Locale: "en"}, []string{"a1", "a3", "a4"}},
		{"status", store.ArticleFilter{Status: store.ArticleDraft}, []string{"a0", "a3"}},
		{"intent", store.ArticleFilter{Intent: "return"}, []string{"a1", "a2"}},
		{"tag", store.ArticleFilter{Tag: "policy"}, []string{"a0", "a1", "a3"}},
		{"removed tag", store.ArticleFilter{Tag: "shipping"}, []string{}},
		{"combined", store.ArticleFilter{Locale: "en", Status: store.ArticlePublished, Tag: "returns"}, []string{"a1"}},
		{"limit", store.ArticleFilter{Limit: 2}, []string{"a0", "a1"}},
		{"limit and offset", store.ArticleFilter{Limit: 2, Offset: 2}, []string{"a2", "a3"}},
		{"offset only", store.ArticleFilter{Offset: 3}, []string{"a3", "a4"}},
		{"offset past the end", store.ArticleFilter{Limit: 2, Offset: 10}, []string{}},
		{"no match", store.ArticleFilter{Locale: "fr"}, []string{}},
	}
	for _, tt := range tests {
		as, err := s.Articles(ctx, tt.f)
		must(t, err, tt.name)
		if ids := articleIDs(as); !slices.Equal(ids, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, ids, tt.want)
		}
	}
}

// testImportArticles checks that an import is all or nothing and that it
// versions new and existing articles.
func testImportArticles(t *testing.T, s Store) {
	ctx := t.Context()
	_, err := s.CreateArticle(ctx, store.Article{ID: "existing", Title: "v1", Locale: "en"}, "alice")
	must(t, err, "create")

	bad := []store.Article{
		{ID: "new-1", Title: "new", Locale: "en"},
		{ID: "existing", Title: "imported", Locale: "en", Version: 99},
		{Title: "no id"},
		{ID: "new-2", Title: "new", Locale: "en"},
	}
	_, err = s.ImportArticles(ctx, bad, "importer")
	wantCode(t, err, errs.Invalid, "import with an invalid article")

	for _, id := range []string{"new-1", "new-2"} {
		_, err := s.Article(ctx, id)
		wantCode(t, err, errs.NotFound, "get "+id+" after a failed import")
		hist, err := s.ArticleHistory(ctx, id)
		must(t, err, "history of "+id)
		if len(hist) != 0 {
			t.Errorf("a failed import left %d revisions of %s", len(hist), id)
		}
	}
	ex, err := s.Article(ctx, "existing")
	must(t, err, "get existing")
	if ex.Title != "v1" || ex.Version != 1 {
		t.Errorf("a failed import changed an article: %+v", ex)
	}
	if hist, err := s.ArticleHistory(ctx, "existing"); err != nil || len(hist) != 1 {
		t.Errorf("history of existing after a failed import: %d revisions, %v; want 1", len(hist), err)
	}

	good := []store.Article{bad[0], bad[1], bad[3]}
	out, err := s.ImportArticles(ctx, good, "importer")
	must(t, err, "import")
	wantVersions := map[string]int{"new-1": 1, "existing": 2, "new-2": 1}
	if ids := articleIDs(out); !slices.Equal(ids, []string{"new-1", "existing", "new-2"}) {
		t.Errorf("import returned %v, want the input order", ids)
	}
	for _, a := range out {
		if a.Version != wantVersions[a.ID] || a.UpdatedBy != "importer" {
			t.Errorf("imported %s: version %d by %q, want %d by importer", a.ID, a.Version, a.UpdatedBy, wantVersions[a.ID])
		}
		got, err := s.Article(ctx, a.ID)
		must(t, err, "get imported "+a.ID)
		if got.Version != wantVersions[a.ID] || got.Title != a.Title {
			t.Errorf("stored %s: %+v", a.ID, got)
		}
		hist, err := s.ArticleHistory(ctx, a.ID)
		must(t, err, "history of "+a.ID)
		if last := hist[len(hist)-1]; last.Op != "import" || last.Version != wantVersions[a.ID] || last.By != "importer" {
			t.Errorf("last revision of %s: %+v, want import of version %d", a.ID, last, wantVersions[a.ID])
		}
	}
}
