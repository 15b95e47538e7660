package sqlite

import (
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestListMigrations(t *testing.T) {
	tests := []struct {
		name    string
		files   []string
		want    []int
		wantErr string
	}{
		{"numeric order", []string{"0002_b.sql", "0010_c.sql", "0001_a.sql"}, []int{1, 2, 10}, ""},
		{"none", nil, []int{}, ""},
		{"no number", []string{"init.sql"}, nil, "positive version"},
		{"zero", []string{"0000_init.sql"}, nil, "positive version"},
		{"duplicate", []string{"0001_a.sql", "1_b.sql"}, nil, "share version 1"},
	}
	for _, tt := range tests {
		fsys := fstest.MapFS{}
		for _, f := range tt.files {
			fsys["migration/"+f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
		}
		ms, err := listMigrations(fsys)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		got := []int{}
		for _, m := range ms {
			got = append(got, m.version)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: versions %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestMigrateRollsBackAFailingFile checks that a failing migration leaves
// neither its changes nor its version behind, and that the files before it
// stay applied.
func TestMigrateRollsBackAFailingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := sql.Open("sqlite", dsn(path, false, 2*restartPages))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	defer db.Close()
	ctx := t.Context()

	good := fstest.MapFS{
		"migration/0001_a.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")},
	}
	bad := fstest.MapFS{
		"migration/0001_a.sql": good["migration/0001_a.sql"],
		"migration/0002_b.sql": {Data: []byte("CREATE TABLE b (x INTEGER); INSERT INTO nope VALUES (1);")},
	}
	if err := migrate(ctx, db, good); err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, db, bad); err == nil || !strings.Contains(err.Error(), "0002_b.sql") {
		t.Fatalf("migrate with a failing file: %v, want an error naming 0002_b.sql", err)
	}
	var versions, tablesB int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'b'`).Scan(&tablesB); err != nil {
		t.Fatal(err)
	}
	if versions != 1 || tablesB != 0 {
		t.Errorf("after a failed migration: %d versions recorded, table b exists: %v; want 1, false", versions, tablesB == 1)
	}
	// Applying the good set again is a no-op.
	if err := migrate(ctx, db, good); err != nil {
		t.Errorf("re-migrate: %v", err)
	}
}

// TestPragmas checks that every connection of both pools is configured by
// the DSN.
func TestPragmas(t *testing.T) {
	s, err := Open(t.Context(), Config{Path: filepath.Join(t.TempDir(), "kefu.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := map[string]string{
		"journal_mode": "wal", "synchronous": "1", "foreign_keys": "1", "busy_timeout": "5000",
	}
	for pool, db := range map[string]*sql.DB{"writer": s.db, "reader": s.rdb} {
		// Hold several connections at once so the check reaches more than
		// one of the pool.
		var conns []*sql.Conn
		for range 3 {
			c, err := db.Conn(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			if pool == "writer" {
				break // one connection only
			}
		}
		for i, c := range conns {
			for pragma, w := range want {
				var got string
				if err := c.QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got != w {
					t.Errorf("%s connection %d: %s = %s, want %s", pool, i, pragma, got, w)
				}
			}
		}
		for _, c := range conns {
			c.Close()
		}
	}
	if _, err := s.rdb.ExecContext(t.Context(), `DELETE FROM conversations`); err == nil {
		t.Error("the read pool accepted a write")
	}
}
