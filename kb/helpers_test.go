package kb

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
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

// answerQuestionDirs hold the demo shop's NLU examples, one JSON Lines
// file per intent.
var answerQuestionDirs = []string{"../data/nlu/val", "../data/nlu/test"}

// loadAnswerRequests returns customers' questions as the dialogue engine
// asks for answers: the retrieval set's questions with the intent of the
// article they ask about, then the NLU examples of dirs with their
// labelled intent ("oos" included) in the locale of their script.
func loadAnswerRequests(t testing.TB, dirs ...string) []AnswerRequest {
	t.Helper()
	f, err := os.Open(articlesPath)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer f.Close()
	intentOf := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var a struct{ ID, Intent string }
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("%s: %v", articlesPath, err)
		}
		intentOf[a.ID] = a.Intent
	}
	var out []AnswerRequest
	for _, c := range loadRetrieval(t) {
		out = append(out, AnswerRequest{Text: c.Query, Intent: intentOf[c.ArticleID], Locale: c.Locale, Now: testNow})
	}
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no examples in %s: %v", dir, err)
		}
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
				var ex struct{ Text, Intent string }
				if err := json.Unmarshal(line, &ex); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				loc := LocaleEn
				if hasCJK(ex.Text) {
					loc = LocaleZhCN
				}
				out = append(out, AnswerRequest{Text: ex.Text, Intent: ex.Intent, Locale: loc, Now: testNow})
			}
		}
	}
	return out
}
