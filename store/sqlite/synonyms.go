package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// Synonyms returns the synonym list editors saved last, or a SynonymSet
// of Version 0 (and nil Groups) when they never saved one.
func (s *Store) Synonyms(ctx context.Context) (store.SynonymSet, error) {
	var (
		set    store.SynonymSet
		groups string
		at     int64
	)
	err := s.rdb.QueryRowContext(ctx, `SELECT version, term_groups, changed_by, changed_at
		FROM synonym_sets ORDER BY version DESC LIMIT 1`).Scan(&set.Version, &groups, &set.UpdatedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return store.SynonymSet{}, nil
	}
	if err != nil {
		return store.SynonymSet{}, dbError(err, "synonyms")
	}
	if err := json.Unmarshal([]byte(groups), &set.Groups); err != nil {
		return store.SynonymSet{}, fmt.Errorf("sqlite: decode synonyms version %d: %w", set.Version, err)
	}
	if set.Groups == nil {
		set.Groups = [][]string{}
	}
	set.UpdatedAt = fromNanos(at)
	return set, nil
}

// SaveSynonyms replaces the synonym list, provided version is the stored
// version (0 when none was ever saved): optimistic concurrency, as for
// articles. The list is stored as version + 1, changed now by by; earlier
// versions stay as history. Groups are stored as given (the knowledge
// base checks them).
// Errors: errs.Invalid (negative version), errs.Conflict (stale version).
func (s *Store) SaveSynonyms(ctx context.Context, groups [][]string, version int, by string) (store.SynonymSet, error) {
	if version < 0 {
		return store.SynonymSet{}, errs.E(errs.Invalid, "synonyms: version %d is negative", version)
	}
	if groups == nil {
		groups = [][]string{}
	}
	b, err := json.Marshal(groups)
	if err != nil {
		return store.SynonymSet{}, fmt.Errorf("sqlite: encode synonyms: %w", err)
	}
	set := store.SynonymSet{Groups: groups, Version: version + 1, UpdatedAt: time.Now().UTC(), UpdatedBy: by}
	err = s.withTx(ctx, "save synonyms", func(ctx context.Context, tx *sql.Tx) error {
		var stored int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM synonym_sets`).Scan(&stored); err != nil {
			return dbError(err, "synonyms")
		}
		if stored != version {
			return errs.E(errs.Conflict, "The synonym list is at version %d, not %d: someone else saved it meanwhile.", stored, version)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO synonym_sets (version, term_groups, changed_by, changed_at)
			VALUES (?, ?, ?, ?)`, set.Version, string(b), by, nanos(set.UpdatedAt))
		return dbError(err, "synonyms version %d", set.Version)
	})
	if err != nil {
		return store.SynonymSet{}, err
	}
	return set, nil
}
