package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/kefu-ai/kefu/errs"
)

// TestDBError drives real driver errors through dbError.
func TestDBError(t *testing.T) {
	s, err := Open(t.Context(), Config{Path: filepath.Join(t.TempDir(), "kefu.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO conversations (id, state, created_at, updated_at) VALUES ('c1', 'bot', 1, 1)`); err != nil {
		t.Fatal(err)
	}

	exec := func(q string) error { _, err := s.db.ExecContext(ctx, q); return err }
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"nil", nil, ""},
		{"no rows", s.rdb.QueryRowContext(ctx, `SELECT id FROM conversations WHERE id = 'x'`).Scan(new(string)), errs.NotFound},
		{"primary key", exec(`INSERT INTO conversations (id, state, created_at, updated_at) VALUES ('c1', 'bot', 1, 1)`), errs.Conflict},
		{"foreign key", exec(`INSERT INTO queue_items (conversation_id, enqueued_at) VALUES ('x', 1)`), errs.NotFound},
		{"not null", exec(`INSERT INTO conversations (id, created_at, updated_at) VALUES ('c2', 1, 1)`), errs.Invalid},
		{"syntax", exec(`INSERT INTO`), errs.Internal},
		{"already coded", fmt.Errorf("wrapped: %w", errs.E(errs.Conflict, "taken")), errs.Conflict},
		{"other", errors.New("disk on fire"), errs.Internal},
		{"canceled", context.Canceled, errs.Internal},
	}
	for _, tt := range tests {
		got := dbError(tt.err, "thing %q", "x")
		if code := errs.Code(got); code != tt.code {
			t.Errorf("%s: code %q (%v), want %q", tt.name, code, got, tt.code)
		}
		if tt.err != nil && !errors.Is(got, tt.err) {
			t.Errorf("%s: %v does not wrap the original error", tt.name, got)
		}
	}
}
