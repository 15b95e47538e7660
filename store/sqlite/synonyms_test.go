package sqlite

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"

	"github.com/kefu-ai/kefu/store"
)

// TestSynonymsUpgradeAndReopen opens a database made before the synonym
// list existed (only 0001 applied, one article in it): Open adds the
// table and keeps the article; a saved list survives closing and
// reopening.
func TestSynonymsUpgradeAndReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "kefu.db")
	init, err := fs.ReadFile(migrations, "migration/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn(path, false, 2*restartPages))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if err := migrate(ctx, db, fstest.MapFS{"migration/0001_init.sql": {Data: init}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO articles (id, title, status, version, updated_at)
		VALUES ('old', '旧文章', 'published', 3, 1)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, Config{Path: path})
	if err != nil {
		t.Fatalf("open a 0001 database: %v", err)
	}
	if a, err := s.Article(ctx, "old"); err != nil || a.Version != 3 {
		t.Errorf("article after the upgrade: %+v, %v; want version 3", a, err)
	}
	if set, err := s.Synonyms(ctx); err != nil || set.Version != 0 {
		t.Errorf("synonyms after the upgrade: %+v, %v; want version 0", set, err)
	}
	groups := [][]string{{"快递", "物流", "包裹"}, {"refund", "money back"}}
	saved, err := s.SaveSynonyms(ctx, groups, 0, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(ctx, Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Synonyms(ctx)
	want := store.SynonymSet{Groups: groups, Version: 1, UpdatedAt: saved.UpdatedAt, UpdatedBy: "alice"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("after reopening: %+v, %v; want %+v", got, err, want)
	}
}
