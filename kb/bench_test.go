package kb

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"

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

// BenchmarkAnswer measures answer selection over the demo shop's
// articles for customers' questions as the dialogue engine asks for them
// (see loadAnswerRequests), cycling through all of them. The engine never
// asks about an out-of-scope question, so neither does this: every
// question is answered from its intent's articles (the answer cache).
func BenchmarkAnswer(b *testing.B) {
	var reqs []AnswerRequest
	for _, r := range loadAnswerRequests(b, answerQuestionDirs...) {
		if r.Intent != "oos" {
			reqs = append(reqs, r)
		}
	}
	k, _, _ := newTestKB(b, defaultTuning)
	importFile(b, k, articlesPath)
	if _, _, err := k.Answer(ctx, reqs[0]); err != nil { // builds the answer cache
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, _, err := k.Answer(ctx, reqs[i%len(reqs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// genArticles makes n articles for a large knowledge base from the demo
// shop's: article i is a demo article about a product of its own (a
// random two-character name prefixed to its title and questions, so the
// shop's vocabulary recurs as it would across many products) with 5% of
// them drafts and 10% given a validity window.
//
// It also returns the demo article each generated one was made from, so
// retrieval can be scored at scale: a hit is right when it was made from
// the article the question asks about.
func genArticles(b testing.TB, r *rand.Rand, n int) ([]store.Article, map[string]string) {
	k, st, _ := newTestKB(b, defaultTuning)
	importFile(b, k, articlesPath)
	demo, err := st.Articles(ctx, store.ArticleFilter{})
	if err != nil {
		b.Fatal(err)
	}
	k.Close()
	out := make([]store.Article, n)
	src := make(map[string]string, n)
	for i := range out {
		a := demo[r.IntN(len(demo))]
		from := a.ID
		a.ID = fmt.Sprintf("gen-%06d", i)
		src[a.ID] = from
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
	return out, src
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

// stopped reports whether stop (nil: never) is closed.
func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkSearch100k builds an index of 100,000 generated articles (see
// genArticles) and reports:
//
//   - build-s, disk-MiB, reopen-s: building the index from the store, its
//     size on disk, opening it again;
//   - cold-p50-ms, cold-p99-ms: the first pass over the retrieval
//     questions after opening (the ranker reads each term's postings
//     once, postings.go);
//   - p50-ms, p99-ms: b.N searches by one searcher, cycling through the
//     questions;
//   - c20-p50-ms, c20-p99-ms: 20 searchers at once, 100 searches each;
//   - visible-p50-ms, visible-p99-ms: while 20 searchers run, 60 editor
//     changes (half updates, half creates) from the call until a search
//     finds the new version;
//   - recall1: the share of questions whose best hit was made from the
//     article the question asks about (at scale, a hit is any of the
//     ~600 copies of it);
//   - cache-MiB: the postings the ranker holds afterwards;
//   - bleve-p50-ms, bleve-p99-ms: one pass over the questions with the
//     Bleve query the ranker reproduces (bleveTextQuery), for a ratio
//     measured in the same run.
//
// Set KEFU_KB_SCALE=1 to run it (it takes minutes); with -benchtime
// 1000x as in BENCHMARKS.md.
func BenchmarkSearch100k(b *testing.B) {
	if os.Getenv("KEFU_KB_SCALE") == "" {
		b.Skip("set KEFU_KB_SCALE=1 to run the 100k-article benchmark")
	}
	const n = 100_000
	r := rand.New(rand.NewPCG(1, 2))
	st := kbtest.New()
	arts, src := genArticles(b, r, n)
	if _, err := st.ImportArticles(ctx, arts, "gen"); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	cfg := Config{IndexDir: dir, Now: func() time.Time { return testNow }}

	start := time.Now()
	k, err := Open(ctx, cfg, st)
	if err != nil {
		b.Fatal(err)
	}
	build := time.Since(start)
	k.Close()
	size := dirSize(dir)
	start = time.Now()
	if k, err = Open(ctx, cfg, st); err != nil {
		b.Fatal(err)
	}
	reopen := time.Since(start)
	defer k.Close()

	// Customers' paraphrased questions (the retrieval set), live in
	// their locale.
	cases := loadRetrieval(b)
	var queries []SearchRequest
	for _, c := range cases {
		queries = append(queries, SearchRequest{Query: c.Query, Locale: c.Locale, Live: true, Now: testNow})
	}
	search := func(q SearchRequest) ([]Hit, time.Duration) {
		t0 := time.Now()
		hits, err := k.Search(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		return hits, time.Since(t0)
	}
	var cold []time.Duration
	right := 0
	for i, q := range queries {
		hits, d := search(q)
		cold = append(cold, d)
		if len(hits) > 0 && src[hits[0].ID] == cases[i].ArticleID {
			right++
		}
	}

	// diag describes the index's segments and the ranker's reads so far.
	diag := func(phase string) {
		h, err := k.acquire()
		if err != nil {
			b.Fatal(err)
		}
		defer h.release()
		adv, _ := h.idx.Advanced()
		r, _ := adv.Reader()
		defer r.Close()
		segs := r.(*scorch.IndexSnapshot).Segments()
		b.Logf("%s: %d segments, %d postings lists read", phase, len(segs), h.postings.reads.Load())
	}
	diag("after the first pass")
	var viaBleve []time.Duration
	for _, c := range cases {
		t0 := time.Now()
		if _, err := k.bleveSearch(ctx, c.Query, searchOpts{locale: c.Locale, live: true, now: testNow, limit: DefaultSearchLimit}); err != nil {
			b.Fatal(err)
		}
		viaBleve = append(viaBleve, time.Since(t0))
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_, d := search(queries[i%len(queries)])
		lat = append(lat, d)
	}
	b.StopTimer()
	diag("after one searcher")

	// searchers runs 20 searchers until stop is closed (or, with each > 0,
	// each searches that many times) and returns their latencies.
	searchers := func(each int, stop <-chan struct{}) []time.Duration {
		var mu sync.Mutex
		var all []time.Duration
		var wg sync.WaitGroup
		for w := range 20 {
			wg.Go(func() {
				var mine []time.Duration
				for i := w * 7; each == 0 || i < w*7+each; i++ {
					if stopped(stop) {
						break
					}
					_, d := search(queries[i%len(queries)])
					mine = append(mine, d)
				}
				mu.Lock()
				all = append(all, mine...)
				mu.Unlock()
			})
		}
		wg.Wait()
		return all
	}
	c20 := searchers(100, nil)
	diag("after 20 searchers")

	// Editor changes while 20 searchers run.
	stop := make(chan struct{})
	loadedCh := make(chan []time.Duration)
	go func() { loadedCh <- searchers(0, stop) }()
	time.Sleep(200 * time.Millisecond)
	var vis, edit []time.Duration
	for i := range 60 {
		token := fmt.Sprintf("zzvisible%dq", i)
		a, err := k.Get(ctx, arts[r.IntN(n)].ID)
		if err != nil {
			b.Fatal(err)
		}
		a.Questions = append(a.Questions[:1], token)
		t0 := time.Now()
		if i%2 == 0 {
			if a, err = k.Update(ctx, a, "bench"); err != nil {
				b.Fatal(err)
			}
		} else {
			a.ID, a.Version = "", 0
			if a, err = k.Create(ctx, a, "bench"); err != nil {
				b.Fatal(err)
			}
		}
		edit = append(edit, time.Since(t0))
		for {
			hits, err := k.Search(ctx, SearchRequest{Query: token, Limit: 1})
			if err != nil {
				b.Fatal(err)
			}
			if len(hits) == 1 && hits[0].ID == a.ID {
				break
			}
			if time.Since(t0) > 10*time.Second {
				b.Fatalf("change to %s not visible after 10 s", a.ID)
			}
		}
		vis = append(vis, time.Since(t0))
	}
	close(stop)
	loaded := <-loadedCh
	diag("after editing")

	h, err := k.acquire()
	if err != nil {
		b.Fatal(err)
	}
	cacheMiB := float64(h.postings.bytes.Load()) / (1 << 20)
	h.release()

	recall := float64(right) / float64(len(cases))
	b.ReportMetric(build.Seconds(), "build-s")
	b.ReportMetric(float64(size)/(1<<20), "disk-MiB")
	b.ReportMetric(reopen.Seconds(), "reopen-s")
	b.ReportMetric(ms(percentile(cold, 0.5)), "cold-p50-ms")
	b.ReportMetric(ms(percentile(cold, 0.99)), "cold-p99-ms")
	b.ReportMetric(ms(percentile(lat, 0.5)), "p50-ms")
	b.ReportMetric(ms(percentile(lat, 0.99)), "p99-ms")
	b.ReportMetric(ms(percentile(c20, 0.5)), "c20-p50-ms")
	b.ReportMetric(ms(percentile(c20, 0.99)), "c20-p99-ms")
	b.ReportMetric(ms(percentile(edit, 0.5)), "edit-p50-ms")
	b.ReportMetric(ms(percentile(vis, 0.5)), "visible-p50-ms")
	b.ReportMetric(ms(percentile(vis, 0.99)), "visible-p99-ms")
	b.ReportMetric(recall, "recall1")
	b.ReportMetric(cacheMiB, "cache-MiB")
	b.ReportMetric(ms(percentile(viaBleve, 0.5)), "bleve-p50-ms")
	b.ReportMetric(ms(percentile(viaBleve, 0.99)), "bleve-p99-ms")
	b.Logf("%d articles: build %v, %.1f MiB on disk, reopen %v; first pass p50 %v p99 %v; "+
		"one searcher p50 %v p99 %v (%d searches); 20 searchers p50 %v p99 %v (%d searches); "+
		"editing under 20 searchers: change→visible p50 %v p99 %v (the call alone p50 %v p99 %v), searches p50 %v p99 %v (%d); "+
		"recall@1 by source article %.3f; postings cache %.1f MiB; the Bleve query p50 %v p99 %v",
		n, build.Round(time.Millisecond), float64(size)/(1<<20), reopen.Round(time.Millisecond),
		percentile(cold, 0.5), percentile(cold, 0.99),
		percentile(lat, 0.5), percentile(lat, 0.99), len(lat),
		percentile(c20, 0.5), percentile(c20, 0.99), len(c20),
		percentile(vis, 0.5), percentile(vis, 0.99), percentile(edit, 0.5), percentile(edit, 0.99),
		percentile(loaded, 0.5), percentile(loaded, 0.99), len(loaded),
		recall, cacheMiB, percentile(viaBleve, 0.5), percentile(viaBleve, 0.99))
}
