package kbtest

import (
	"context"
	"slices"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// Synonyms returns the synonym list saved last (Version 0 when none).
func (s *Store) Synonyms(ctx context.Context) (store.SynonymSet, error) {
	if err := s.fail("Synonyms"); err != nil {
		return store.SynonymSet{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneSet(s.syn), nil
}

// SaveSynonyms stores groups as the next version when version is the
// stored one.
func (s *Store) SaveSynonyms(ctx context.Context, groups [][]string, version int, by string) (store.SynonymSet, error) {
	if err := s.fail("SaveSynonyms"); err != nil {
		return store.SynonymSet{}, err
	}
	if version < 0 {
		return store.SynonymSet{}, errs.E(errs.Invalid, "The version %d is negative.", version)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if version != s.syn.Version {
		return store.SynonymSet{}, errs.E(errs.Conflict,
			"The synonym list is at version %d, not %d.", s.syn.Version, version)
	}
	if groups == nil {
		groups = [][]string{}
	}
	s.syn = cloneSet(store.SynonymSet{Groups: groups, Version: version + 1, UpdatedAt: s.now(), UpdatedBy: by})
	return cloneSet(s.syn), nil
}

func cloneSet(set store.SynonymSet) store.SynonymSet {
	if set.Groups != nil {
		gs := make([][]string, len(set.Groups))
		for i, g := range set.Groups {
			gs[i] = slices.Clone(g)
		}
		set.Groups = gs
	}
	return set
}
