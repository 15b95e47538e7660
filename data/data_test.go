package data_test

import (
	"encoding/json"
	"io/fs"
	"path"
	"strings"
	"testing"
	"unicode"

	"github.com/kefu-ai/kefu/data"
	"github.com/kefu-ai/kefu/nlu/lang"
	"github.com/kefu-ai/kefu/nlu/text"
)

type example struct {
	Text   string `json:"text"`
	Intent string `json:"intent"`
	split  string
	file   string
}

func readSplit(t *testing.T, split string) []example {
	t.Helper()
	files, err := fs.Glob(data.FS, path.Join("nlu", split, "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in nlu/%s: %v", split, err)
	}
	var out []example
	for _, f := range files {
		raw, err := fs.ReadFile(data.FS, f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
			var e example
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("%s:%d: %v", f, i+1, err)
			}
			if want := strings.TrimSuffix(path.Base(f), ".jsonl"); e.Intent != want {
				t.Errorf("%s:%d: intent %q in the file of %q", f, i+1, e.Intent, want)
			}
			e.split, e.file = split, f
			out = append(out, e)
		}
	}
	return out
}

// key folds what does not make two examples different questions: case,
// width, script variant, punctuation, spaces and emoji.
func key(s string) string {
	var b strings.Builder
	for _, r := range text.Normalize(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestNoRepeats: no example repeats another, in any split, with only
// punctuation, case, spacing or script changed; so the test split never
// scores what training saw.
func TestNoRepeats(t *testing.T) {
	seen := map[string]example{}
	for _, split := range []string{"train", "val", "test"} {
		for _, e := range readSplit(t, split) {
			k := key(e.Text)
			if k == "" {
				// Pure emoji or punctuation: allowed once per exact text.
				k = "\x00" + e.Text
			}
			if prev, ok := seen[k]; ok {
				t.Errorf("%q (%s) repeats %q (%s)", e.Text, e.file, prev.Text, prev.file)
				continue
			}
			seen[k] = e
		}
	}
}

// TestIntentCoverage: every intent of the taxonomy has the training
// examples issue 3 asks for in each language, and out of scope has 300.
func TestIntentCoverage(t *testing.T) {
	raw, err := fs.ReadFile(data.FS, "intents.json")
	if err != nil {
		t.Fatal(err)
	}
	var tax []struct {
		Name string `json:"intent"`
	}
	if err := json.Unmarshal(raw, &tax); err != nil {
		t.Fatal(err)
	}
	if len(tax) == 0 {
		t.Fatal("intents.json lists no intents")
	}
	count := map[string]map[string]int{}
	for _, e := range readSplit(t, "train") {
		if count[e.Intent] == nil {
			count[e.Intent] = map[string]int{}
		}
		count[e.Intent][lang.Detect(e.Text)]++
	}
	for _, in := range tax {
		c := count[in.Name]
		// Mixed messages (a brand or an order number in Chinese) count as
		// Chinese: the bar is about writers, not scripts.
		zh := c[lang.Chinese] + c[lang.Mixed]
		if zh < 60 || c[lang.ChineseTraditional] < 10 || c[lang.English] < 25 {
			t.Errorf("%s: %d zh, %d zh-Hant, %d en training examples; want ≥ 60, 10, 25", in.Name, zh, c[lang.ChineseTraditional], c[lang.English])
		}
	}
	oos := 0
	for _, n := range count["oos"] {
		oos += n
	}
	if oos < 300 {
		t.Errorf("%d out-of-scope training examples, want ≥ 300", oos)
	}
}
