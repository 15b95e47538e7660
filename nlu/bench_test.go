package nlu

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"
)

// benchModel loads the model named by KEFU_BENCH_MODEL (for the CLINC150
// figures in BENCHMARKS.md) or trains the tiny test model.
func benchModel(b *testing.B) (*Model, []string) {
	b.Helper()
	texts := []string{"我的訂單DD20241123001到哪了？？", "where is my refund", "Hi!!! do you ship to Canada?", "讲个笑话", "how do i change my pin number"}
	dir := os.Getenv("KEFU_BENCH_MODEL")
	if dir == "" {
		train, val, emo := tinyData()
		m, err := Train(context.Background(), TrainInput{Train: train, Val: val, Emotion: emo, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		return m, texts
	}
	m, err := Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	if test := os.Getenv("KEFU_BENCH_TEXTS"); test != "" {
		f, err := os.Open(filepath.Clean(test))
		if err != nil {
			b.Fatal(err)
		}
		exs, err := ReadExamples(f, "intent")
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		texts = texts[:0]
		for _, e := range exs {
			texts = append(texts, e.Text)
		}
	}
	return m, texts
}

// BenchmarkParse measures one whole parse (entities, normalisation,
// tokens, features, intent, emotion, language) per op and reports the
// median of single calls.
func BenchmarkParse(b *testing.B) {
	m, texts := benchModel(b)
	ctx := context.Background()
	durs := make([]time.Duration, 0, 1<<16)
	i := 0
	for b.Loop() {
		start := time.Now()
		m.Parse(ctx, texts[i%len(texts)])
		if len(durs) < cap(durs) {
			durs = append(durs, time.Since(start))
		}
		i++
	}
	slices.Sort(durs)
	if len(durs) > 0 {
		b.ReportMetric(float64(durs[len(durs)/2].Nanoseconds())/1000, "p50-µs")
	}
}

// BenchmarkLoad reports the heap a loaded model holds.
func BenchmarkLoad(b *testing.B) {
	dir := os.Getenv("KEFU_BENCH_MODEL")
	if dir == "" {
		b.Skip("set KEFU_BENCH_MODEL to a model directory")
	}
	var keep *Model
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m, err := Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		keep = m
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
	}
	runtime.KeepAlive(keep)
}
