package nlu

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPublicDatasetsExperiment trains and scores on a public dataset named
// by KEFU_EXPERIMENT (a directory with train/val/test.jsonl). It is how the
// figures in BENCHMARKS.md were tuned; plain `go test` skips it.
func TestPublicDatasetsExperiment(t *testing.T) {
	dir := os.Getenv("KEFU_EXPERIMENT")
	if dir == "" {
		t.Skip("set KEFU_EXPERIMENT to a dataset directory")
	}
	read := func(name string) []Example {
		files := []string{filepath.Join(dir, name)}
		if _, err := os.Stat(files[0]); err != nil {
			// The demo shop keeps one file per intent in a directory.
			files, _ = filepath.Glob(filepath.Join(dir, strings.TrimSuffix(name, ".jsonl"), "*.jsonl"))
		}
		var all []Example
		for _, name := range files {
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			exs, err := ReadExamples(f, "intent")
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, exs...)
		}
		return all
	}
	train, val, test := read("train.jsonl"), read("val.jsonl"), read("test.jsonl")
	if os.Getenv("KEFU_ON") == "val" {
		// Tune on val: score the validation split, calibrate on nothing.
		test, val = val, nil
	}
	cfg := defaultIntentConfig(1)
	envF := func(k string, dst *float64) {
		if v := os.Getenv(k); v != "" {
			f, _ := strconv.ParseFloat(v, 64)
			*dst = f
		}
	}
	envI := func(k string, dst *int) {
		if v := os.Getenv(k); v != "" {
			*dst, _ = strconv.Atoi(v)
		}
	}
	envF("KEFU_LR", &cfg.Linear.LR)
	envF("KEFU_L2", &cfg.Linear.L2)
	envF("KEFU_BALPOW", &cfg.Linear.BalancePower)
	envF("KEFU_CENT", &cfg.Linear.Centroid)
	envF("KEFU_CENTPOW", &cfg.Linear.CentroidPower)
	envI("KEFU_EPOCHS", &cfg.Linear.Epochs)
	envI("KEFU_MINDF", &cfg.MinDF)
	envI("KEFU_BAG", &cfg.Linear.Bag)
	envF("KEFU_SYNTH", &cfg.SynthOOSShare)
	envI("KEFU_MINCOUNT", &cfg.Vocab.MinCount)
	envI("KEFU_CHARMIN", &cfg.Features.CharMin)
	envI("KEFU_CHARMAX", &cfg.Features.CharMax)
	envI("KEFU_BITS", &cfg.Features.Bits)
	if os.Getenv("KEFU_NOBAL") != "" {
		cfg.Linear.Balance = false
	}
	if os.Getenv("KEFU_TRI") != "" {
		cfg.Features.CJKTri = true
	}
	if os.Getenv("KEFU_PUNCT") != "" {
		cfg.Features.Punct = true
	}
	if os.Getenv("KEFU_NOPUNCT") != "" {
		cfg.Features.Punct = false
	}
	if os.Getenv("KEFU_NOBOUND") != "" {
		cfg.Features.Bounds = false
	}
	if os.Getenv("KEFU_BOUND") != "" {
		cfg.Features.Bounds = true
	}
	if os.Getenv("KEFU_NOEDGE") != "" {
		cfg.Features.CJKEdges = false
	}
	if k, _ := strconv.Atoi(os.Getenv("KEFU_CV")); k > 1 {
		crossValidate(t, append(train, val...), k, cfg)
		return
	}
	if os.Getenv("KEFU_NOTRI") != "" {
		cfg.Features.CJKTri = false
	}
	if os.Getenv("KEFU_QUAD") != "" {
		cfg.Features.CJKQuad = true
	}
	if os.Getenv("KEFU_EDGE") != "" {
		cfg.Features.CJKEdges = true
	}
	if os.Getenv("KEFU_NOSTEM") != "" {
		cfg.Features.Stem = false
	}
	if os.Getenv("KEFU_STEM") != "" {
		cfg.Features.Stem = true
	}
	if os.Getenv("KEFU_SKIP") != "" {
		cfg.Features.Skip = true
	}
	if os.Getenv("KEFU_NOWORD") != "" {
		cfg.Features.WholeWord = false
	}
	// KEFU_FEWSHOT=k keeps only k training examples of every 10th intent,
	// as when an editor adds an intent with a handful of examples; the
	// report then scores those intents apart.
	few := map[string]bool{}
	if k, _ := strconv.Atoi(os.Getenv("KEFU_FEWSHOT")); k > 0 {
		labels, _ := labelIndex(train)
		for i, l := range labels {
			if i%10 == 3 && l != OOS {
				few[l] = true
			}
		}
		kept, seen := train[:0:0], map[string]int{}
		for _, e := range train {
			if few[e.Label] {
				if seen[e.Label] >= k {
					continue
				}
				seen[e.Label]++
			}
			kept = append(kept, e)
		}
		train = kept
	}
	start := time.Now()
	m, _, err := trainIntents(context.Background(), train, val, cfg, func(s string) string { return s })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trained in %v: %d rows, temp %.2f threshold %.3f", time.Since(start), len(m.idf), m.temp, m.threshold)
	var preds []Prediction
	for _, e := range test {
		top, _ := m.decide(prepare([]Example{e}, func(s string) string { return s })[0])
		p := OOS
		if top >= 0 {
			p = m.labels[top]
		}
		preds = append(preds, Prediction{Gold: e.Label, Pred: p})
	}
	r := Evaluate(preds, 5)
	if len(few) > 0 {
		var fp, rest []Prediction
		for _, p := range preds {
			if few[p.Gold] {
				fp = append(fp, p)
				if os.Getenv("KEFU_FEW_ERRORS") != "" && p.Pred != p.Gold {
					t.Logf("few-shot error: gold %s pred %s", p.Gold, p.Pred)
				}
			} else if p.Gold != OOS {
				rest = append(rest, p)
			}
		}
		t.Logf("few-shot intents (%d): accuracy %.4f on %d; other intents %.4f", len(few), Evaluate(fp, 0).InScopeAccuracy, len(fp), Evaluate(rest, 0).InScopeAccuracy)
	}
	curve := func(name string, exs []Example) {
		ts := prepare(exs, func(s string) string { return s })
		for _, th := range []float32{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6} {
			var ps []Prediction
			for i, e := range exs {
				p := m.probs(ts[i])
				top := argmaxInScope(p, m.oos)
				l := m.labels[top]
				if p[top] < th || (m.oos >= 0 && p[m.oos] > p[top]) {
					l = OOS
				}
				ps = append(ps, Prediction{Gold: e.Label, Pred: l})
			}
			rr := Evaluate(ps, 0)
			t.Logf("%s th=%.2f in-scope %.4f oos recall %.4f", name, th, rr.InScopeAccuracy, rr.OOSRecall)
		}
	}
	if os.Getenv("KEFU_CURVE") != "" {
		curve("val", val)
		if os.Getenv("KEFU_CURVE") == "test" {
			curve("test", test)
		}
	}
	t.Logf("in-scope %.4f oos recall %.4f oos precision %.4f macroF1 %.4f", r.InScopeAccuracy, r.OOSRecall, r.OOSPrecision, r.MacroF1)
}

// crossValidate reports k-fold accuracy over exs (folds by position after a
// seeded shuffle): steadier than one small validation split for tuning.
func crossValidate(t *testing.T, exs []Example, k int, cfg classifierConfig) {
	exs = slices.Clone(exs)
	rng := rand.New(rand.NewPCG(7, 7))
	rng.Shuffle(len(exs), func(i, j int) { exs[i], exs[j] = exs[j], exs[i] })
	id := func(s string) string { return s }
	right, n := 0, 0
	for f := range k {
		var tr, te []Example
		for i, e := range exs {
			if i%k == f {
				te = append(te, e)
			} else {
				tr = append(tr, e)
			}
		}
		m, _, err := trainIntents(context.Background(), tr, nil, cfg, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range te {
			top, _ := m.decide(prepare([]Example{e}, id)[0])
			p := OOS
			if top >= 0 {
				p = m.labels[top]
			}
			if p == e.Label {
				right++
			} else if os.Getenv("KEFU_CV_ERRORS") != "" {
				t.Logf("cv error: %q gold %s pred %s", e.Text, e.Label, p)
			}
			n++
		}
	}
	t.Logf("%d-fold accuracy %.4f (%d/%d)", k, float64(right)/float64(n), right, n)
}
