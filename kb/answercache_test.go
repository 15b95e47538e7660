package kb

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kefu-ai/kefu/kb/kbtest"
	"github.com/kefu-ai/kefu/store"
)

// countingStore counts the full article listings the answer cache reads.
type countingStore struct {
	*kbtest.Store
	listings atomic.Int64
}

func (s *countingStore) Articles(ctx context.Context, f store.ArticleFilter) ([]store.Article, error) {
	if f.Status == store.ArticlePublished {
		s.listings.Add(1)
	}
	return s.Store.Articles(ctx, f)
}

// TestAnswerCacheBuiltOnce: the cache is built at Open, and after an edit
// many concurrent questions wait for one rebuild instead of each building
// its own.
func TestAnswerCacheBuiltOnce(t *testing.T) {
	st := &countingStore{Store: kbtest.New()}
	ctx := context.Background()
	if _, err := st.CreateArticle(ctx, art("a1", "zh-CN", "退货运费", []string{"退货运费谁出"}, "卖家承担"), "test"); err != nil {
		t.Fatal(err)
	}
	k, err := open(ctx, Config{IndexDir: t.TempDir()}, st, defaultTuning)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if n := st.listings.Load(); n != 1 {
		t.Errorf("listings at Open: %d, want 1 (the cache is built there)", n)
	}
	if _, err := k.answers(ctx); err != nil {
		t.Fatal(err)
	}
	if n := st.listings.Load(); n != 1 {
		t.Errorf("listings after a question: %d, want still 1", n)
	}

	k.invalidateAnswers()
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			if _, err := k.answers(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := st.listings.Load(); n != 2 {
		t.Errorf("listings after an edit and 32 concurrent questions: %d, want 2", n)
	}
}
