package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/kefu-ai/kefu/data"
	"github.com/kefu-ai/kefu/nlu"
)

type trainCmd struct {
	stdout, stderr io.Writer
}

func (c *trainCmd) Run(ctx context.Context, args []string) error {
	fl := newFlagSet("train", c.stderr)
	var dataPaths []string
	fl.Func("data", "training examples: a JSON Lines file of {\"text\",\"intent\"} or a directory of them (required; repeat to train on several, e.g. train and val)", func(p string) error {
		dataPaths = append(dataPaths, p)
		return nil
	})
	valPath := fl.String("val", "", "validation examples for calibration and the out-of-scope threshold")
	out := fl.String("out", "", "directory to write the model into (required)")
	emotionPath := fl.String("emotion", "", "emotion examples {\"text\",\"emotion\"} (default: the demo shop's data/emotion/train.jsonl)")
	seed := fl.Uint64("seed", 1, "random seed; the same data and seed give the same model")
	if err := parseFlags(fl, args); err != nil {
		return err
	}
	if len(dataPaths) == 0 || *out == "" {
		return usageError{"train needs --data and --out"}
	}
	var train []nlu.Example
	for _, p := range dataPaths {
		exs, err := readExamples(os.DirFS("/"), p, "intent")
		if err != nil {
			return err
		}
		train = append(train, exs...)
	}
	var err error
	var val []nlu.Example
	if *valPath != "" {
		if val, err = readExamples(os.DirFS("/"), *valPath, "intent"); err != nil {
			return err
		}
	}
	var emo []nlu.Example
	if *emotionPath != "" {
		emo, err = readExamples(os.DirFS("/"), *emotionPath, "emotion")
	} else {
		emo, err = readExamplesFS(data.FS, "emotion/train.jsonl", "emotion")
	}
	if err != nil {
		return err
	}
	start := time.Now()
	m, err := nlu.Train(ctx, nlu.TrainInput{Train: train, Val: val, Emotion: emo, Seed: *seed, Now: time.Now()})
	if err != nil {
		return err
	}
	if err := m.Save(*out); err != nil {
		return err
	}
	man := m.Manifest()
	summary := fmt.Sprintf("trained %d examples, %d intents in %.1fs; oos threshold %.3f", len(train), len(man.Labels), time.Since(start).Seconds(), man.Threshold)
	if man.Val != nil {
		summary += fmt.Sprintf("; val in-scope accuracy %.4f", man.Val.InScopeAccuracy)
		if man.Val.OutOfScope > 0 {
			summary += fmt.Sprintf(", oos recall %.4f", man.Val.OOSRecall)
		}
	}
	fmt.Fprintf(c.stdout, "%s; model in %s\n", summary, *out)
	return nil
}

// readExamples reads a JSON Lines file, or every *.jsonl file of a
// directory in name order, from the local file system.
func readExamples(root fs.FS, name, labelKey string) ([]nlu.Example, error) {
	abs := name
	if !strings.HasPrefix(abs, "/") {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		abs = path.Join(wd, name)
	}
	return readExamplesFS(root, strings.TrimPrefix(path.Clean(abs), "/"), labelKey)
}

func readExamplesFS(fsys fs.FS, name, labelKey string) ([]nlu.Example, error) {
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read examples: %w", err)
	}
	files := []string{name}
	if st.IsDir() {
		entries, err := fs.ReadDir(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read examples: %w", err)
		}
		files = files[:0]
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".jsonl") {
				files = append(files, path.Join(name, e.Name()))
			}
		}
		sort.Strings(files)
		if len(files) == 0 {
			return nil, fmt.Errorf("read examples: no .jsonl files in %s", name)
		}
	}
	var all []nlu.Example
	for _, f := range files {
		r, err := fsys.Open(f)
		if err != nil {
			return nil, fmt.Errorf("read examples: %w", err)
		}
		exs, err := nlu.ReadExamples(r, labelKey)
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		all = append(all, exs...)
	}
	return all, nil
}
