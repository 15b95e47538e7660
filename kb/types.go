package kb

import (
	"time"

	"github.com/kefu-ai/kefu/store"
)

// Hit is one search result (GET /v1/kb/search).
type Hit struct {
	ID    string  `json:"id"`
	Score float64 `json:"score"`
	Title string  `json:"title"`
}

// SearchRequest is a lexical search across titles, question variants and
// answers.
type SearchRequest struct {
	Query  string
	Locale string // "" for all locales
	Limit  int
	// Live restricts hits to published articles valid at Now (what
	// customers may see); editors search everything.
	Live bool
	Now  time.Time
}

// AnswerRequest is what the dialogue engine knows when it needs an answer.
type AnswerRequest struct {
	Text   string
	Intent string // may be "" or "oos"
	Locale string
	Now    time.Time
}

// Answer is the chosen article with its score and the runners-up.
type Answer struct {
	Article   store.Article
	Score     float64
	RunnersUp []Hit
}
