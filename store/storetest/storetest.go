package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// Store is everything the suite exercises: the full method set of a kefu
// store. Consumers declare their own, smaller interfaces.
type Store interface {
	CreateConversation(ctx context.Context, c store.Conversation) error
	Conversation(ctx context.Context, id string) (store.Conversation, error)
	UpdateConversation(ctx context.Context, c store.Conversation, fromState string) error
	AppendMessage(ctx context.Context, m store.Message) (store.Message, error)
	SaveTurn(ctx context.Context, c store.Conversation, fromState string, msgs []store.Message) ([]store.Message, error)
	Messages(ctx context.Context, convID string, afterSeq int64, limit int) ([]store.Message, error)
	Message(ctx context.Context, convID, msgID string) (store.Message, error)
	AddTransition(ctx context.Context, t store.Transition) error
	Transitions(ctx context.Context, convID string) ([]store.Transition, error)
	AddFeedback(ctx context.Context, f store.Feedback) error
	CountConversations(ctx context.Context) (map[string]int, error)

	Enqueue(ctx context.Context, it store.QueueItem) error
	QueueItems(ctx context.Context) ([]store.QueueItem, error)
	QueueItem(ctx context.Context, convID string) (store.QueueItem, error)
	Claim(ctx context.Context, convID, agentID string, now time.Time) (store.QueueItem, error)
	Unclaim(ctx context.Context, convID string, priority int, reason, skill string) error
	Dequeue(ctx context.Context, convID string) error
	ClaimedCount(ctx context.Context, agentID string) (int, error)

	CreateTicket(ctx context.Context, t store.Ticket) (store.Ticket, error)
	Tickets(ctx context.Context, status string) ([]store.Ticket, error)
	ClaimTicket(ctx context.Context, id, agentID string) (store.Ticket, error)
	ResolveTicket(ctx context.Context, id, agentID string, now time.Time) (store.Ticket, error)

	CreateArticle(ctx context.Context, a store.Article, by string) (store.Article, error)
	UpdateArticle(ctx context.Context, a store.Article, by string) (store.Article, error)
	DeleteArticle(ctx context.Context, id string, by string) error
	Article(ctx context.Context, id string) (store.Article, error)
	Articles(ctx context.Context, f store.ArticleFilter) ([]store.Article, error)
	ArticleHistory(ctx context.Context, id string) ([]store.ArticleRevision, error)
	ImportArticles(ctx context.Context, as []store.Article, by string) ([]store.Article, error)

	RecordUnanswered(ctx context.Context, key, example, locale string, at time.Time) error
	UnansweredQuestions(ctx context.Context, limit int) ([]store.Unanswered, error)
	DeleteUnanswered(ctx context.Context, key string) error

	Synonyms(ctx context.Context) (store.SynonymSet, error)
	SaveSynonyms(ctx context.Context, groups [][]string, version int, by string) (store.SynonymSet, error)
}

// Run runs the whole suite. open must return an empty store, already
// migrated, and close it through t.Cleanup; it is called once per sub-test.
func Run(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"ConversationCRUD", testConversationCRUD},
		{"ConversationCompareAndSet", testConversationCAS},
		{"CountConversations", testCountConversations},
		{"NotFound", testNotFound},
		{"Messages", testMessages},
		{"ConcurrentAppend", testConcurrentAppend},
		{"SaveTurn", testSaveTurn},
		{"Transitions", testTransitions},
		{"Feedback", testFeedback},
		{"QueueOrder", testQueueOrder},
		{"ClaimRace", testClaimRace},
		{"ClaimIdempotent", testClaimIdempotent},
		{"UnclaimDequeue", testUnclaimDequeue},
		{"Tickets", testTickets},
		{"ArticleLifecycle", testArticleLifecycle},
		{"ArticleFilters", testArticleFilters},
		{"ImportArticlesAtomic", testImportArticles},
		{"Unanswered", testUnanswered},
		{"Synonyms", testSynonyms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, open(t))
		})
	}
}

// t0 is the suite's clock: fixed, UTC, microsecond precision (what
// PostgreSQL keeps).
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)

// at returns t0 plus n seconds.
func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

// wantCode fails the test unless err carries code ("" for no error).
func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if got := errs.Code(err); got != code {
		t.Errorf("%s: error code %q (err: %v), want %q", what, got, err, code)
	}
}

// must fails the test now if err is not nil.
func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// createConversations creates conversations with the given ids in the bot
// state.
func createConversations(t *testing.T, s Store, ids ...string) {
	t.Helper()
	for _, id := range ids {
		must(t, s.CreateConversation(t.Context(), store.Conversation{
			ID: id, State: store.StateBot, CreatedAt: t0, UpdatedAt: t0,
		}), "create conversation "+id)
	}
}

// timeEq compares optional times.
func timeEq(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
