package kb

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefu-ai/kefu/kb/kbtest"
	"github.com/kefu-ai/kefu/store"
)

// BenchmarkSearch measures live searches over the demo shop's articles
// with its held-out questions.
func BenchmarkSearch(b *testing.B) {
	cases := loadRetrieval(b)
	k, _, _ := newTestKB(b, defaultTuning)
	importFile(b, k, articlesPath)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c := cases[i%len(cases)]
		if _, err := k.Search(ctx, SearchRequest{Query: c.Query, Locale: c.Locale, Live: true, Now: testNow}); err != nil {
			b.Fatal(err)
		}
	}
}

// genArticles makes n articles for a large knowledge base from the demo
// shop's: article i is a demo article about a product of its own (a
// random two-character name prefixed to its title and questions, so the
// shop's vocabulary recurs as it would across many products) with 5% of
// them drafts and 10% given a validity window.
func genArticles(b *testing.B, r *rand.Rand, n int) []store.Article {
	k, st, _ := newTestKB(b, defaultTuning)
	importFile(b, k, articlesPath)
	demo, err := st.Articles(ctx, store.ArticleFilter{})
	if err != nil {
		b.Fatal(err)
	}
	k.Close()
	out := make([]store.Article, n)
	for i := range out {
		a := demo[r.IntN(len(demo))]
		a.ID = fmt.Sprintf("gen-%06d", i)
		product := string(rune(0x4E00+r.IntN(5000))) + string(rune(0x4E00+r.IntN(5000)))
		if a.Locale == LocaleEn {
			product = fmt.Sprintf("model-%d", r.IntN(50000))
		}
		a.Title = product + " " + a.Title
		a.Questions = slices.Clone(a.Questions)
		for j := range a.Questions {
			a.Questions[j] = product + " " + a.Questions[j]
		}
		a.ValidFrom, a.ValidUntil, a.Status = nil, nil, store.ArticlePublished
		if i%20 == 0 {
			a.Status = store.ArticleDraft
		}
		if i%10 == 5 {
			from := testNow.Add(-time.Duration(r.IntN(1000)) * time.Hour)
			a.ValidFrom, a.ValidUntil = tp(from), tp(from.Add(time.Duration(1+r.IntN(2000))*time.Hour))
		}
		out[i] = a
	}
	return out
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkSearch100k builds an index of 100,000 generated articles (see
// genArticles) and
// reports the build time, the size on disk, reopening time, search
// latency, and how long an edit takes to become searchable while 20
// customers search. Set KEFU_KB_SCALE=1 to run it (it takes minutes).
func BenchmarkSearch100k(b *testing.B) {
	if os.Getenv("KEFU_KB_SCALE") == "" {
		b.Skip("set KEFU_KB_SCALE=1 to run the 100k-article benchmark")
	}
	const n = 100_000
	r := rand.New(rand.NewPCG(1, 2))
	st := kbtest.New()
	arts := genArticles(b, r, n)
	if _, err := st.ImportArticles(ctx, arts, "gen"); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()

	start := time.Now()
	k, err := Open(ctx, Config{IndexDir: dir, Now: func() time.Time { return testNow }}, st)
	if err != nil {
		b.Fatal(err)
	}
	build := time.Since(start)
	k.Close()
	size := dirSize(dir)
	start = time.Now()
	if k, err = Open(ctx, Config{IndexDir: dir, Now: func() time.Time { return testNow }}, st); err != nil {
		b.Fatal(err)
	}
	reopen := time.Since(start)
	defer k.Close()

	// Customers' paraphrased questions (the retrieval set).
	var queries []SearchRequest
	for _, c := range loadRetrieval(b) {
		queries = append(queries, SearchRequest{Query: c.Query, Locale: c.Locale, Live: true, Now: testNow})
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		if _, err := k.Search(ctx, queries[i%len(queries)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()

	// Update to visibility under 20 concurrent searchers.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var searches atomic.Int64
	var loadedMu sync.Mutex
	var loaded []time.Duration
	for w := range 20 {
		wg.Go(func() {
			var mine []time.Duration
			for i := w; ; i++ {
				select {
				case <-stop:
					loadedMu.Lock()
					loaded = append(loaded, mine...)
					loadedMu.Unlock()
					return
				default:
				}
				t0 := time.Now()
				if _, err := k.Search(ctx, queries[i%len(queries)]); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t0))
				searches.Add(1)
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	var vis []time.Duration
	for i := range 50 {
		a, err := k.Get(ctx, arts[r.IntN(n)].ID)
		if err != nil {
			b.Fatal(err)
		}
		token := fmt.Sprintf("zzvisible%dq", i)
		a.Questions = append(a.Questions[:1], token)
		t0 := time.Now()
		if _, err := k.Update(ctx, a, "bench"); err != nil {
			b.Fatal(err)
		}
		for {
			hits, err := k.Search(ctx, SearchRequest{Query: token, Limit: 1})
			if err != nil {
				b.Fatal(err)
			}
			if len(hits) == 1 && hits[0].ID == a.ID {
				break
			}
			if time.Since(t0) > 10*time.Second {
				b.Fatalf("update of %s not visible after 10 s", a.ID)
			}
		}
		vis = append(vis, time.Since(t0))
	}
	close(stop)
	wg.Wait()

	b.ReportMetric(build.Seconds(), "build-s")
	b.ReportMetric(float64(size)/(1<<20), "disk-MiB")
	b.ReportMetric(reopen.Seconds(), "reopen-s")
	b.ReportMetric(ms(percentile(lat, 0.5)), "p50-ms")
	b.ReportMetric(ms(percentile(lat, 0.99)), "p99-ms")
	b.ReportMetric(ms(percentile(loaded, 0.5)), "loaded-p50-ms")
	b.ReportMetric(ms(percentile(loaded, 0.99)), "loaded-p99-ms")
	b.ReportMetric(ms(percentile(vis, 0.5)), "visible-p50-ms")
	b.ReportMetric(ms(percentile(vis, 0.99)), "visible-p99-ms")
	b.Logf("%d articles: build %v, %.1f MiB on disk, reopen %v; search p50 %v p99 %v (%d searches); "+
		"under 20 searchers (%d searches): p50 %v p99 %v, update→visible p50 %v p99 %v",
		n, build.Round(time.Millisecond), float64(size)/(1<<20), reopen.Round(time.Millisecond),
		percentile(lat, 0.5), percentile(lat, 0.99), len(lat), searches.Load(),
		percentile(loaded, 0.5), percentile(loaded, 0.99), percentile(vis, 0.5), percentile(vis, 0.99))
}
