package storetest

import (
	"reflect"
	"sync"
	"testing"

	"github.com/kefu-ai/kefu/errs"
)

func testSynonyms(t *testing.T, s Store) {
	ctx := t.Context()
	empty, err := s.Synonyms(ctx)
	must(t, err, "synonyms of an empty store")
	if empty.Version != 0 || len(empty.Groups) != 0 {
		t.Errorf("empty store: version %d groups %q, want version 0 and none", empty.Version, empty.Groups)
	}

	first := [][]string{{"快递", "物流", "包裹"}, {"refund", "money back"}, {"退款", "退錢"}}
	saved, err := s.SaveSynonyms(ctx, first, 0, "alice")
	must(t, err, "first save")
	if saved.Version != 1 || saved.UpdatedBy != "alice" || saved.UpdatedAt.IsZero() {
		t.Errorf("first save returned version %d by %q at %v, want version 1 by alice, now", saved.Version, saved.UpdatedBy, saved.UpdatedAt)
	}
	got, err := s.Synonyms(ctx)
	must(t, err, "read back")
	if got.Version != 1 || got.UpdatedBy != "alice" || !got.UpdatedAt.Equal(saved.UpdatedAt) || !reflect.DeepEqual(got.Groups, first) {
		t.Errorf("read back %+v, want version 1 by alice at %v with %q", got, saved.UpdatedAt, first)
	}

	// A save from a version that is no longer the stored one changes nothing.
	for _, v := range []int{0, 2, 7} {
		_, err := s.SaveSynonyms(ctx, [][]string{{"a", "b"}}, v, "bob")
		wantCode(t, err, errs.Conflict, "save from stale version")
	}
	_, err = s.SaveSynonyms(ctx, [][]string{{"a", "b"}}, -1, "bob")
	wantCode(t, err, errs.Invalid, "save from a negative version")
	if got, _ := s.Synonyms(ctx); got.Version != 1 || !reflect.DeepEqual(got.Groups, first) {
		t.Errorf("after refused saves: version %d groups %q, want version 1 unchanged", got.Version, got.Groups)
	}

	// An empty list is a list (expansion off), not "never saved".
	cleared, err := s.SaveSynonyms(ctx, [][]string{}, 1, "bob")
	must(t, err, "save an empty list")
	got, err = s.Synonyms(ctx)
	must(t, err, "read the empty list")
	if cleared.Version != 2 || got.Version != 2 || got.Groups == nil || len(got.Groups) != 0 || got.UpdatedBy != "bob" {
		t.Errorf("empty list: saved version %d, read %+v; want version 2, non-nil empty groups, by bob", cleared.Version, got)
	}

	// Editors saving from the same version at once: exactly one wins.
	const n = 8
	var wg sync.WaitGroup
	codes := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.SaveSynonyms(ctx, [][]string{{"hi", "hello"}}, 2, "racer")
			codes[i] = errs.Code(err)
		}()
	}
	wg.Wait()
	wins := 0
	for i, c := range codes {
		switch c {
		case "":
			wins++
		case errs.Conflict:
		default:
			t.Errorf("racer %d: code %q, want success or conflict", i, c)
		}
	}
	if wins != 1 {
		t.Errorf("%d concurrent saves from the same version succeeded, want exactly 1", wins)
	}
	if got, _ := s.Synonyms(ctx); got.Version != 3 {
		t.Errorf("after the race: version %d, want 3", got.Version)
	}
}
