package storetest

import (
	"testing"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

func testUnanswered(t *testing.T, s Store) {
	ctx := t.Context()
	records := []struct {
		key, example, locale string
		at                   int
	}{
		{"refund shoes", "How do I refund my shoes?", "en", 0},
		{"发票", "怎么开发票", "zh-CN", 1},
		{"refund shoes", "refund shoes pls", "en", 4},
		{"发票", "发票怎么开？", "zh-CN", 3},
		{"refund shoes", "shoes refund", "en", 2}, // out of order: last_seen stays at 4
		{"weather", "what's the weather", "en", 9},
		{"发票", "开发票", "zh-CN", 1},
	}
	for _, r := range records {
		must(t, s.RecordUnanswered(ctx, r.key, r.example, r.locale, at(r.at)), "record "+r.key)
	}
	wantCode(t, s.RecordUnanswered(ctx, "", "x", "en", t0), errs.Invalid, "empty key")

	got, err := s.UnansweredQuestions(ctx, 0)
	must(t, err, "list")
	want := []store.Unanswered{
		{Key: "refund shoes", Locale: "en", Count: 3, FirstSeen: at(0), LastSeen: at(4)},
		{Key: "发票", Locale: "zh-CN", Count: 3, FirstSeen: at(1), LastSeen: at(3)},
		{Key: "weather", Example: "what's the weather", Locale: "en", Count: 1, FirstSeen: at(9), LastSeen: at(9)},
	}
	if len(got) != len(want) {
		t.Fatalf("%d groups, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Key != w.Key || g.Locale != w.Locale || g.Count != w.Count ||
			!g.FirstSeen.Equal(w.FirstSeen) || !g.LastSeen.Equal(w.LastSeen) {
			t.Errorf("group %d: %+v, want %+v (by count desc, then last seen desc)", i, g, w)
		}
		if g.Example == "" {
			t.Errorf("group %d has no example", i)
		}
	}

	top, err := s.UnansweredQuestions(ctx, 1)
	must(t, err, "list with limit")
	if len(top) != 1 || top[0].Key != "refund shoes" {
		t.Errorf("limit 1: %+v, want only %q", top, "refund shoes")
	}

	must(t, s.DeleteUnanswered(ctx, "refund shoes"), "delete")
	wantCode(t, s.DeleteUnanswered(ctx, "refund shoes"), errs.NotFound, "delete twice")
	rest, err := s.UnansweredQuestions(ctx, 0)
	must(t, err, "list after delete")
	if len(rest) != 2 || rest[0].Key != "发票" {
		t.Errorf("after delete: %+v", rest)
	}
	// A deleted group starts again from one.
	must(t, s.RecordUnanswered(ctx, "refund shoes", "refund?", "en", at(10)), "record again")
	again, err := s.UnansweredQuestions(ctx, 0)
	must(t, err, "list after re-record")
	for _, u := range again {
		if u.Key == "refund shoes" && u.Count != 1 {
			t.Errorf("re-recorded group count %d, want 1", u.Count)
		}
	}
}
