package kb

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/kefu-ai/kefu/kb/kbtest"
	"github.com/kefu-ai/kefu/store"
)

var _ ArticleStore = (*kbtest.Store)(nil)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.FixedZone("CST", 8*3600))

// newTestKB opens a KB over a fresh in-memory store in a temp dir.
func newTestKB(t testing.TB, tune tuning) (*KB, *kbtest.Store, *clock) {
	t.Helper()
	st := kbtest.New()
	c := &clock{t: testNow}
	st.Now = c.Now
	k, err := open(context.Background(), Config{IndexDir: t.TempDir(), Now: c.Now}, st, tune)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { k.Close() })
	return k, st, c
}

// importFile imports a JSONL file into k.
func importFile(t testing.TB, k *KB, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	n, err := k.Import(context.Background(), f, "test")
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	return n
}

func tp(t time.Time) *time.Time { return &t }

// art is a valid published article for tests.
func art(id, locale, title string, questions []string, answer string) store.Article {
	return store.Article{ID: id, Locale: locale, Title: title, Questions: questions, Answer: answer,
		Status: store.ArticlePublished, Tags: []string{}}
}
