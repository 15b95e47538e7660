package kb

import (
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/kb/kbtest"
	"github.com/kefu-ai/kefu/nlu/text"
	"github.com/kefu-ai/kefu/store"
)

// stockArticles are an intent's primary article and one about a product
// the shop's customers call by a nickname (焖烧罐) the article never uses.
func stockArticles() []store.Article {
	primary := art("stock-primary", LocaleZhCN, "缺货与补货", []string{"商品什么时候补货", "缺货了怎么办"}, "热销商品一般7-15天补货。")
	primary.Intent, primary.Tags = "product_availability", []string{TagPrimary}
	jar := art("stock-jar", LocaleZhCN, "紫晶保温杯到货", []string{"紫晶保温杯有货吗"}, "紫晶保温杯下周三到货。")
	jar.Intent = "product_availability"
	return []store.Article{primary, jar}
}

// withGroup is the list in force plus one group.
func withGroup(t *testing.T, k *KB, g ...string) ([][]string, int) {
	t.Helper()
	groups, v, err := k.Synonyms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return append(groups, g), v
}

// TestSetSynonymsLive: a group an editor adds applies to the very next
// search and answer, with no rebuild, also to answers served from the
// answer cache built before the change.
func TestSetSynonymsLive(t *testing.T) {
	k, st, _ := newTestKB(t, defaultTuning)
	seed(t, k, stockArticles()...)
	gen := k.cur.Load().dir
	ask := AnswerRequest{Text: "焖烧罐有货吗", Intent: "product_availability", Locale: LocaleZhCN, Now: testNow}

	groups, v, err := k.Synonyms(ctx)
	if err != nil || v != 0 || !reflect.DeepEqual(groups, DefaultSynonyms) {
		t.Fatalf("before any save: version %d, %d groups, %v; want the built-in list at version 0", v, len(groups), err)
	}
	if got := topID(t, k, SearchRequest{Query: "焖烧罐", Locale: LocaleZhCN}); got != "" {
		t.Errorf("before the group, 焖烧罐 found %q, want nothing", got)
	}
	if a, ok, err := k.Answer(ctx, ask); err != nil || !ok || a.Article.ID != "stock-primary" {
		t.Fatalf("before the group: answer %q ok=%v err=%v, want the intent's primary article", a.Article.ID, ok, err)
	}

	groups, v = withGroup(t, k, "焖烧罐", " 紫晶保温杯 ", "")
	saved, nv, err := k.SetSynonyms(ctx, groups, v, "alice")
	if err != nil || nv != 1 {
		t.Fatalf("SetSynonyms: version %d, %v; want 1", nv, err)
	}
	if last := saved[len(saved)-1]; !slices.Equal(last, []string{"焖烧罐", "紫晶保温杯"}) {
		t.Errorf("stored group %q, want it trimmed and without the blank member", last)
	}
	if got := topID(t, k, SearchRequest{Query: "焖烧罐", Locale: LocaleZhCN}); got != "stock-jar" {
		t.Errorf("after the group, 焖烧罐 found %q, want stock-jar", got)
	}
	a, ok, err := k.Answer(ctx, ask)
	if err != nil || !ok || a.Article.ID != "stock-jar" || a.Score < strongMatch {
		t.Errorf("after the group: answer %q (%.2f) ok=%v err=%v, want stock-jar as a strong match", a.Article.ID, a.Score, ok, err)
	}
	// The same through the index (the path of knowledge bases too big for the cache).
	cs, err := k.indexedCandidates(ctx, ask.Text, ask.Intent, ask.Locale, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if a, _, _ := rankCandidates(cs); a.Article.ID != "stock-jar" {
		t.Errorf("indexed path: answer %q, want stock-jar", a.Article.ID)
	}
	if k.cur.Load().dir != gen {
		t.Error("the index was rebuilt for a synonym change")
	}
	if set, _ := st.Synonyms(ctx); set.Version != 1 || set.UpdatedBy != "alice" || !reflect.DeepEqual(set.Groups, saved) {
		t.Errorf("stored %+v, want version 1 by alice with the list SetSynonyms returned", set)
	}
	got, v, _ := k.Synonyms(ctx)
	if v != 1 || !reflect.DeepEqual(got, saved) {
		t.Errorf("Synonyms = version %d; want version 1 with the saved list", v)
	}
	got[0][0] = "changed by the caller"
	if again, _, _ := k.Synonyms(ctx); again[0][0] == "changed by the caller" {
		t.Error("Synonyms shares its slices with the caller")
	}
}

// TestSetSynonymsConflict: a save from a version someone else has saved
// over is refused and changes nothing.
func TestSetSynonymsConflict(t *testing.T) {
	k, st, _ := newTestKB(t, defaultTuning)
	seed(t, k, stockArticles()...)
	groups, v := withGroup(t, k, "焖烧罐", "紫晶保温杯")
	if _, _, err := k.SetSynonyms(ctx, groups, v, "alice"); err != nil {
		t.Fatal(err)
	}
	// Bob read version 0 and drops every group but his own.
	_, _, err := k.SetSynonyms(ctx, [][]string{{"快递", "物流"}}, 0, "bob")
	if errs.Code(err) != errs.Conflict {
		t.Fatalf("stale save: %v, want a conflict", err)
	}
	if _, v, _ := k.Synonyms(ctx); v != 1 {
		t.Errorf("after the stale save: version %d, want 1", v)
	}
	if got := topID(t, k, SearchRequest{Query: "焖烧罐", Locale: LocaleZhCN}); got != "stock-jar" {
		t.Errorf("after the stale save 焖烧罐 found %q, want alice's list still in force", got)
	}
	if set, _ := st.Synonyms(ctx); set.Version != 1 || set.UpdatedBy != "alice" {
		t.Errorf("stored %+v, want alice's version 1", set)
	}
	// From the version he now reads, Bob's list goes in.
	if _, nv, err := k.SetSynonyms(ctx, [][]string{{"快递", "物流"}}, 1, "bob"); err != nil || nv != 2 {
		t.Errorf("save from the current version: %d, %v; want 2", nv, err)
	}
	if got := topID(t, k, SearchRequest{Query: "焖烧罐", Locale: LocaleZhCN}); got != "" {
		t.Errorf("after bob's list 焖烧罐 found %q, want nothing", got)
	}
}

// TestSetSynonymsInvalid: a list breaking a rule is refused with a
// message naming the group, and nothing changes.
func TestSetSynonymsInvalid(t *testing.T) {
	k, st, _ := newTestKB(t, defaultTuning)
	seed(t, k, stockArticles()...)
	ok := []string{"焖烧罐", "紫晶保温杯"}
	many := make([][]string, maxSynonymGroups+1)
	for i := range many {
		many[i] = ok
	}
	big := make([]string, maxSynonymMembers+1)
	for i := range big {
		big[i] = "词" + strings.Repeat("a", i+1)
	}
	tests := []struct {
		name    string
		groups  [][]string
		version int
		by      string
		msg     string // part of the message
	}{
		{"one member", [][]string{ok, {"快递"}}, 0, "ed", `group 2 needs at least two different words or phrases; it has only "快递"`},
		{"empty group", [][]string{{}, ok}, 0, "ed", "group 1 needs at least two"},
		{"blank members only", [][]string{{" ", ""}}, 0, "ed", "group 1 needs at least two"},
		{"Traditional and Simplified are one", [][]string{{"退钱", "退錢"}}, 0, "ed", "only \"退钱\""},
		{"case and width are one", [][]string{{"Refund", "ＲＥＦＵＮＤ"}}, 0, "ed", "needs at least two"},
		{"too long", [][]string{{"快递", strings.Repeat("长", maxSynonymTerm+1)}}, 0, "ed", "longer than 64 characters"},
		{"control character", [][]string{{"快递", "物\x07流"}}, 0, "ed", "control characters"},
		{"newline", [][]string{{"快递", "物\n流"}}, 0, "ed", "control characters"},
		{"separator =", [][]string{{"快递=物流", "包裹"}}, 0, "ed", "'=' or ','"},
		{"full-width comma", [][]string{{"快递，物流", "包裹"}}, 0, "ed", "'=' or ','"},
		{"no letters", [][]string{{"快递", "!!!"}}, 0, "ed", `"!!!" has no letters or digits`},
		{"invalid UTF-8", [][]string{{"快递", "\xff"}}, 0, "ed", "not valid UTF-8"},
		{"too many groups", many, 0, "ed", "at most 2000"},
		{"too many members", [][]string{big}, 0, "ed", "at most 50"},
		{"negative version", [][]string{ok}, -1, "ed", "negative"},
		{"bad editor name", [][]string{ok}, 0, "ed\x00", "editor name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := k.SetSynonyms(ctx, tt.groups, tt.version, tt.by)
			if errs.Code(err) != errs.Invalid || !strings.Contains(errs.Message(err), tt.msg) {
				t.Fatalf("SetSynonyms: %v; want invalid input saying %q", err, tt.msg)
			}
		})
	}
	if groups, v, _ := k.Synonyms(ctx); v != 0 || !reflect.DeepEqual(groups, DefaultSynonyms) {
		t.Errorf("after refused lists: version %d, %d groups; want the built-in list", v, len(groups))
	}
	if set, _ := st.Synonyms(ctx); set.Version != 0 {
		t.Errorf("a refused list reached the store: %+v", set)
	}
	// The built-in list itself is a valid list to save back.
	if _, v, err := k.SetSynonyms(ctx, DefaultSynonyms, 0, "ed"); err != nil || v != 1 {
		t.Errorf("saving the built-in list back: %d, %v", v, err)
	}
	// An empty list is valid too: it turns expansion off.
	if _, _, err := k.SetSynonyms(ctx, [][]string{}, 1, "ed"); err != nil {
		t.Fatalf("saving an empty list: %v", err)
	}
	if got, v, _ := k.Synonyms(ctx); v != 2 || got == nil || len(got) != 0 {
		t.Errorf("after saving an empty list: version %d, %q; want version 2, no groups", v, got)
	}
}

// TestSynonymsSurviveReopen: the list editors saved is the one in force
// when the knowledge base opens again over the same store, whatever the
// configured built-in list.
func TestSynonymsSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	st := kbtest.New()
	k, err := Open(ctx, Config{IndexDir: dir}, st)
	if err != nil {
		t.Fatal(err)
	}
	seed(t, k, stockArticles()...)
	groups, v := withGroup(t, k, "焖烧罐", "紫晶保温杯")
	saved, _, err := k.SetSynonyms(ctx, groups, v, "alice")
	if err != nil {
		t.Fatal(err)
	}
	k.Close()
	if _, _, err := k.SetSynonyms(ctx, groups, 1, "alice"); errs.Code(err) != errs.Unavailable {
		t.Errorf("SetSynonyms after Close: %v, want unavailable", err)
	}

	k, err = Open(ctx, Config{IndexDir: dir, Synonyms: [][]string{{"快递", "物流"}}}, st)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	got, v, _ := k.Synonyms(ctx)
	if v != 1 || !reflect.DeepEqual(got, saved) {
		t.Errorf("after reopening: version %d, %d groups; want the saved list at version 1", v, len(got))
	}
	if id := topID(t, k, SearchRequest{Query: "焖烧罐", Locale: LocaleZhCN}); id != "stock-jar" {
		t.Errorf("after reopening 焖烧罐 found %q, want stock-jar", id)
	}
}

// TestSynonymsOpenFailure: a store that cannot say which list is in force
// keeps the knowledge base from opening (rather than silently serving the
// built-in list).
func TestSynonymsOpenFailure(t *testing.T) {
	st := kbtest.New()
	st.Fail = func(op string) error {
		if op == "Synonyms" {
			return errs.E(errs.Unavailable, "database busy")
		}
		return nil
	}
	if _, err := Open(ctx, Config{IndexDir: t.TempDir()}, st); errs.Code(err) != errs.Unavailable {
		t.Errorf("Open: %v, want the store's error", err)
	}
}

// TestSetSynonymsWhileServing: lists saved while customers search and
// get answers (run with -race); each save's version is the next one.
func TestSetSynonymsWhileServing(t *testing.T) {
	k, _, _ := newTestKB(t, defaultTuning)
	seed(t, k, stockArticles()...)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var served atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := k.Search(ctx, SearchRequest{Query: "焖烧罐有货吗"}); err != nil {
					t.Error(err)
					return
				}
				if _, _, err := k.Answer(ctx, AnswerRequest{Text: "焖烧罐有货吗", Intent: "product_availability", Locale: LocaleZhCN}); err != nil {
					t.Error(err)
					return
				}
				served.Add(1)
			}
		}()
	}
	for served.Load() < 4 {
		runtime.Gosched()
	}
	lists := [][][]string{{{"焖烧罐", "紫晶保温杯"}}, {{"快递", "物流"}}}
	for v := range 20 {
		if _, nv, err := k.SetSynonyms(ctx, lists[v%2], v, "ed"); err != nil || nv != v+1 {
			t.Fatalf("save %d: version %d, %v", v, nv, err)
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d searches and answers during the saves", served.Load())
}

func TestQueryRewrites(t *testing.T) {
	s, err := newSynonyms([][]string{{"快递", "物流", "快递员"}, {"refund", "money back"}, {"地址", "收货地址"}})
	if err != nil {
		t.Fatal(err)
	}
	all := func(string) bool { return true }
	tests := []struct {
		q    string
		want []string
	}{
		{"我的快递到哪了", []string{"我的物流到哪了"}}, // 快递员 contains 快递: not put in
		{"快递快递", []string{"物流物流"}},
		{"how do i get refunds?", []string{"how do i get money back?"}},
		{"i want my money back now", []string{"i want my refund now"}},
		{"收货地址怎么改", nil}, // names both members
		{"hello", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range s.rewrites(tt.q, all, maxQueryRewrites) {
			got = append(got, r.text)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("rewrites(%q) = %q, want %q", tt.q, got, tt.want)
		}
	}
	if got := s.rewrites("我的快递到哪了", func(string) bool { return false }, maxQueryRewrites); len(got) != 0 {
		t.Errorf("rewrites kept %q though keep refused them", got)
	}
	if got := s.rewrites("快递 refund", all, 1); len(got) != 1 {
		t.Errorf("limit 1: %d rewrites", len(got))
	}
}

// TestSynonymsNamed checks the groups named picks against a scan of every
// group, for every question and article text of the demo shop, under the
// built-in list and a list with mixed-script members.
func TestSynonymsNamed(t *testing.T) {
	var texts []string
	for _, r := range loadAnswerRequests(t, "../data/nlu/train", "../data/nlu/val", "../data/nlu/test") {
		texts = append(texts, r.Text)
	}
	k, st, _ := newTestKB(t, defaultTuning)
	importFile(t, k, articlesPath)
	arts, err := st.Articles(ctx, store.ArticleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range arts {
		texts = append(texts, a.Title, a.Answer)
		texts = append(texts, a.Questions...)
	}
	lists := map[string][][]string{
		"built-in": DefaultSynonyms,
		"mixed": {{"vip会员", "超级会员", "VIP 卡"}, {"app", "应用", "客户端"}, {"7天无理由", "seven days"},
			{"where is", "where's", "track"}, {"iphone", "苹果手机"}},
	}
	for name, groups := range lists {
		s, err := newSynonyms(groups)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, txt := range texts {
			for _, q := range []string{text.Normalize(txt), txt} { // search passes the normalised text
				for _, stems := range [][]string{stemWords(q), latinStems(q)} {
					var want []int
					for gi, g := range s.groups {
						if slices.ContainsFunc(g, func(m synTerm) bool {
							if m.words == nil {
								return strings.Contains(q, m.text)
							}
							return containsSeq(stems, m.words)
						}) {
							want = append(want, gi)
						}
					}
					got := s.named(q, stems)
					for _, gi := range want {
						if !slices.Contains(got, gi) {
							t.Errorf("%s: named(%q) = %v misses group %d %v", name, q, got, gi, groups[gi])
						}
					}
					found += len(want)
				}
			}
		}
		t.Logf("%s: %d texts, %d groups named", name, len(texts), found)
	}
}

func latinStems(q string) []string {
	var out []string
	for _, w := range latinWords(q) {
		out = append(out, w.stem)
	}
	return out
}
