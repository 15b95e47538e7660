package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kefu-ai/kefu/data"
	"github.com/kefu-ai/kefu/models"
	"github.com/kefu-ai/kefu/nlu"
)

// TestShippedModelIsCurrent retrains the demo model from data/ with the
// shipped seed and checks that every weight file matches models/demo: the
// model in the repository is exactly what `kefu train` makes from its data.
func TestShippedModelIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the demo model")
	}
	shipped, err := loadModel("")
	if err != nil {
		t.Fatal(err)
	}
	train, err := readExamplesFS(data.FS, "nlu/train", "intent")
	if err != nil {
		t.Fatal(err)
	}
	val, err := readExamplesFS(data.FS, "nlu/val", "intent")
	if err != nil {
		t.Fatal(err)
	}
	emo, err := readExamplesFS(data.FS, "emotion/train.jsonl", "emotion")
	if err != nil {
		t.Fatal(err)
	}
	// The shipped model learns from train and val; val also picks the
	// threshold, on a fit without it (nlu.Train's refit).
	train = append(train, val...)
	m, err := nlu.Train(context.Background(), nlu.TrainInput{Train: train, Val: val, Emotion: emo, Seed: shipped.Manifest().Seed, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	if got, want := m.Manifest().DataHash, shipped.Manifest().DataHash; got != want {
		t.Fatalf("demo data changed since models/demo was trained (hash %s, shipped %s): run\n  go run ./cmd/kefu train --data data/nlu/train --data data/nlu/val --val data/nlu/val --out models/demo", got, want)
	}
	if got, want := m.Manifest().Files, shipped.Manifest().Files; !reflect.DeepEqual(got, want) {
		t.Fatalf("retrained model differs from models/demo:\n got %v\nwant %v", got, want)
	}
}

func TestParseCommand(t *testing.T) {
	in := strings.NewReader(`{"text": "我的订单DD20241123001到哪了"}
{"text": ""}
not json
{"text": "hello"}
`)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"parse"}, in, &out, &errOut); err != nil {
		t.Fatalf("parse: %v (stderr %s)", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d output lines, want 4:\n%s", len(lines), out.String())
	}
	var first nlu.Result
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first.Intent != "order_status" || len(first.Entities) != 1 || first.Lang == "" || len(first.Ranking) == 0 {
		t.Errorf("line 1 = %s", lines[0])
	}
	for _, i := range []int{1, 2} {
		var e errorBody
		if err := json.Unmarshal([]byte(lines[i]), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
			t.Errorf("line %d = %s, want an error object", i+1, lines[i])
		}
	}
}

func TestTrainEvalCommands(t *testing.T) {
	dir := t.TempDir()
	// A small training set the test makes from the demo data: two intents
	// and out-of-scope examples.
	var buf bytes.Buffer
	for _, name := range []string{"nlu/train/greeting.jsonl", "nlu/train/refund_status.jsonl", "nlu/train/oos.jsonl"} {
		raw, err := fs.ReadFile(data.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(raw)
	}
	trainFile := filepath.Join(dir, "train.jsonl")
	if err := os.WriteFile(trainFile, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "model")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"train", "--data", trainFile, "--out", out}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("train: %v %s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "trained") || strings.Count(stdout.String(), "\n") != 1 {
		t.Errorf("train summary = %q, want one line", stdout.String())
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"eval", "--model", out, "--test", trainFile, "--json"}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("eval: %v %s", err, stderr.String())
	}
	var r nlu.Report
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("eval --json: %v: %s", err, stdout.String())
	}
	if r.Examples == 0 || r.InScopeAccuracy < 0.9 {
		t.Errorf("training-set accuracy %.3f on %d examples, want ≥ 0.9", r.InScopeAccuracy, r.Examples)
	}
	if err := run(context.Background(), []string{"train", "--data", trainFile}, nil, &stdout, &stderr); err == nil {
		t.Error("train without --out succeeded")
	}
	if _, err := models.Demo().Open("manifest.json"); err != nil {
		t.Errorf("embedded demo model: %v", err)
	}
}

func TestChatCommand(t *testing.T) {
	in := strings.NewReader("我的订单到哪了\nDD20241123011\n转人工\n\n")
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"chat"}, in, &out, &errOut); err != nil {
		t.Fatalf("chat: %v (stderr %s)", err, errOut.String())
	}
	for _, want := range []string{"asks for order_id", "DD20241123011", "handed to a person: explicit_request"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("chat output lacks %q:\n%s", want, out.String())
		}
	}
}
