package dialogtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sync"

	"github.com/kefu-ai/kefu/data"
	"github.com/kefu-ai/kefu/dialog"
)

// Answers is a dialog.Answerer (and ArticleFinder) of fixed answers,
// looked up by intent and locale ("order_status/en"), then by intent
// alone. AnswerFunc, when set, replaces the lookup.
type Answers struct {
	ByIntent   map[string]dialog.Answer
	AnswerFunc func(ctx context.Context, req dialog.AnswerRequest) (dialog.Answer, bool, error)

	mu       sync.Mutex
	requests []dialog.AnswerRequest
}

var (
	_ dialog.Answerer      = (*Answers)(nil)
	_ dialog.ArticleFinder = (*Answers)(nil)
)

// Answer implements dialog.Answerer.
func (a *Answers) Answer(ctx context.Context, req dialog.AnswerRequest) (dialog.Answer, bool, error) {
	a.mu.Lock()
	a.requests = append(a.requests, req)
	a.mu.Unlock()
	if a.AnswerFunc != nil {
		return a.AnswerFunc(ctx, req)
	}
	if ans, ok := a.ByIntent[req.Intent+"/"+req.Locale]; ok {
		return ans, true, nil
	}
	ans, ok := a.ByIntent[req.Intent]
	return ans, ok, nil
}

// Article implements dialog.ArticleFinder.
func (a *Answers) Article(_ context.Context, id string) (dialog.Answer, bool, error) {
	for _, ans := range a.ByIntent {
		if ans.ArticleID == id {
			return ans, true, nil
		}
	}
	return dialog.Answer{}, false, nil
}

// Requests returns the requests answered so far.
func (a *Answers) Requests() []dialog.AnswerRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.requests)
}

// DemoAnswers answers from the demo shop's articles (data/kb): for each
// intent and locale, the published article tagged "primary", else the
// first one.
func DemoAnswers() (*Answers, error) {
	raw, err := fs.ReadFile(data.FS, "kb/articles.jsonl")
	if err != nil {
		return nil, err
	}
	a := &Answers{ByIntent: map[string]dialog.Answer{}}
	primary := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var art struct {
			ID, Answer, Intent, Locale, Status string
			Tags                               []string
		}
		if err := json.Unmarshal(sc.Bytes(), &art); err != nil {
			return nil, fmt.Errorf("demo articles: %w", err)
		}
		if art.Status != "published" || art.Intent == "" {
			continue
		}
		key := art.Intent + "/" + art.Locale
		isPrimary := slices.Contains(art.Tags, "primary")
		if _, ok := a.ByIntent[key]; !ok || isPrimary && !primary[key] {
			a.ByIntent[key] = dialog.Answer{ArticleID: art.ID, Text: art.Answer, Score: 1}
			primary[key] = isPrimary
		}
	}
	return a, sc.Err()
}
