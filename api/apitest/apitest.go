// Package apitest holds function-field doubles of the interfaces package
// api consumes, for tests that drive api.Server through httptest.
//
// Each double counts its calls by method name, so a test can assert that
// rejected input never reached it. A method whose function is nil returns
// zero values and ErrNotStubbed (a 500 through the API), except
// Parser.Ready (true) and the incident setters (no-ops).
package apitest

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/kefu-ai/kefu/api"
	"github.com/kefu-ai/kefu/dialog"
	"github.com/kefu-ai/kefu/kb"
	"github.com/kefu-ai/kefu/nlu"
	"github.com/kefu-ai/kefu/store"
)

// ErrNotStubbed is returned by a method the test gave no function.
var ErrNotStubbed = errors.New("apitest: method not stubbed")

// Calls counts calls by method name; it is safe for concurrent use.
type Calls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *Calls) add(method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[method]++
}

// Count is how many times method was called.
func (c *Calls) Count(method string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[method]
}

// Total is how many calls there were to any method.
func (c *Calls) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := 0
	for _, n := range c.n {
		t += n
	}
	return t
}

// Conversations is a double of api.Conversations.
type Conversations struct {
	Calls
	StartFunc        func(ctx context.Context, s dialog.Start) (store.Conversation, error)
	ReceiveFunc      func(ctx context.Context, convID, text string) (dialog.Turn, error)
	TranscriptFunc   func(ctx context.Context, convID string) (dialog.Transcript, error)
	SubscribeFunc    func(ctx context.Context, convID string) (<-chan dialog.Event, func(), error)
	FeedbackFunc     func(ctx context.Context, convID, msgID string, helpful bool) error
	LeaveMessageFunc func(ctx context.Context, convID, text, contact string) (store.Ticket, error)
}

var _ api.Conversations = (*Conversations)(nil)

func (f *Conversations) Start(ctx context.Context, s dialog.Start) (store.Conversation, error) {
	f.add("Start")
	if f.StartFunc == nil {
		return store.Conversation{}, ErrNotStubbed
	}
	return f.StartFunc(ctx, s)
}

func (f *Conversations) Receive(ctx context.Context, convID, text string) (dialog.Turn, error) {
	f.add("Receive")
	if f.ReceiveFunc == nil {
		return dialog.Turn{}, ErrNotStubbed
	}
	return f.ReceiveFunc(ctx, convID, text)
}

func (f *Conversations) Transcript(ctx context.Context, convID string) (dialog.Transcript, error) {
	f.add("Transcript")
	if f.TranscriptFunc == nil {
		return dialog.Transcript{}, ErrNotStubbed
	}
	return f.TranscriptFunc(ctx, convID)
}

func (f *Conversations) Subscribe(ctx context.Context, convID string) (<-chan dialog.Event, func(), error) {
	f.add("Subscribe")
	if f.SubscribeFunc == nil {
		return nil, nil, ErrNotStubbed
	}
	return f.SubscribeFunc(ctx, convID)
}

func (f *Conversations) Feedback(ctx context.Context, convID, msgID string, helpful bool) error {
	f.add("Feedback")
	if f.FeedbackFunc == nil {
		return ErrNotStubbed
	}
	return f.FeedbackFunc(ctx, convID, msgID, helpful)
}

func (f *Conversations) LeaveMessage(ctx context.Context, convID, text, contact string) (store.Ticket, error) {
	f.add("LeaveMessage")
	if f.LeaveMessageFunc == nil {
		return store.Ticket{}, ErrNotStubbed
	}
	return f.LeaveMessageFunc(ctx, convID, text, contact)
}

// Handoff is a double of api.Handoff.
type Handoff struct {
	Calls
	QueueFunc         func(ctx context.Context) ([]dialog.QueueEntry, error)
	ClaimFunc         func(ctx context.Context, convID, agentID string) error
	AgentSendFunc     func(ctx context.Context, convID, agentID, text string) (store.Message, error)
	ReleaseFunc       func(ctx context.Context, convID, agentID, to, note string) error
	TransferFunc      func(ctx context.Context, convID, agentID, skill, note string) error
	TicketsFunc       func(ctx context.Context, status string) ([]store.Ticket, error)
	ClaimTicketFunc   func(ctx context.Context, id, agentID string) (store.Ticket, error)
	ResolveTicketFunc func(ctx context.Context, id, agentID string) (store.Ticket, error)
	SetIncidentFunc   func(intent, articleID string)
	ClearIncidentFunc func(intent string)
}

var _ api.Handoff = (*Handoff)(nil)

func (f *Handoff) Queue(ctx context.Context) ([]dialog.QueueEntry, error) {
	f.add("Queue")
	if f.QueueFunc == nil {
		return nil, ErrNotStubbed
	}
	return f.QueueFunc(ctx)
}

func (f *Handoff) Claim(ctx context.Context, convID, agentID string) error {
	f.add("Claim")
	if f.ClaimFunc == nil {
		return ErrNotStubbed
	}
	return f.ClaimFunc(ctx, convID, agentID)
}

func (f *Handoff) AgentSend(ctx context.Context, convID, agentID, text string) (store.Message, error) {
	f.add("AgentSend")
	if f.AgentSendFunc == nil {
		return store.Message{}, ErrNotStubbed
	}
	return f.AgentSendFunc(ctx, convID, agentID, text)
}

func (f *Handoff) Release(ctx context.Context, convID, agentID, to, note string) error {
	f.add("Release")
	if f.ReleaseFunc == nil {
		return ErrNotStubbed
	}
	return f.ReleaseFunc(ctx, convID, agentID, to, note)
}

func (f *Handoff) Transfer(ctx context.Context, convID, agentID, skill, note string) error {
	f.add("Transfer")
	if f.TransferFunc == nil {
		return ErrNotStubbed
	}
	return f.TransferFunc(ctx, convID, agentID, skill, note)
}

func (f *Handoff) Tickets(ctx context.Context, status string) ([]store.Ticket, error) {
	f.add("Tickets")
	if f.TicketsFunc == nil {
		return nil, ErrNotStubbed
	}
	return f.TicketsFunc(ctx, status)
}

func (f *Handoff) ClaimTicket(ctx context.Context, id, agentID string) (store.Ticket, error) {
	f.add("ClaimTicket")
	if f.ClaimTicketFunc == nil {
		return store.Ticket{}, ErrNotStubbed
	}
	return f.ClaimTicketFunc(ctx, id, agentID)
}

func (f *Handoff) ResolveTicket(ctx context.Context, id, agentID string) (store.Ticket, error) {
	f.add("ResolveTicket")
	if f.ResolveTicketFunc == nil {
		return store.Ticket{}, ErrNotStubbed
	}
	return f.ResolveTicketFunc(ctx, id, agentID)
}

func (f *Handoff) SetIncident(intent, articleID string) {
	f.add("SetIncident")
	if f.SetIncidentFunc != nil {
		f.SetIncidentFunc(intent, articleID)
	}
}

func (f *Handoff) ClearIncident(intent string) {
	f.add("ClearIncident")
	if f.ClearIncidentFunc != nil {
		f.ClearIncidentFunc(intent)
	}
}

// Parser is a double of api.Parser.
type Parser struct {
	Calls
	ParseFunc func(ctx context.Context, text string) nlu.Result
	ReadyFunc func() bool
}

var _ api.Parser = (*Parser)(nil)

// Parse returns ParseFunc's result, or an out-of-scope one.
func (f *Parser) Parse(ctx context.Context, text string) nlu.Result {
	f.add("Parse")
	if f.ParseFunc == nil {
		return nlu.Result{Intent: nlu.OOS, Lang: "en", Emotion: nlu.Emotion{Label: nlu.EmotionNeutral, Score: 1}}
	}
	return f.ParseFunc(ctx, text)
}

// Ready returns ReadyFunc's answer, or true. It is not counted: probes and
// handlers ask it freely.
func (f *Parser) Ready() bool {
	if f.ReadyFunc == nil {
		return true
	}
	return f.ReadyFunc()
}

// KB is a double of api.KnowledgeBase.
type KB struct {
	Calls
	ListFunc              func(ctx context.Context, filter store.ArticleFilter) ([]store.Article, error)
	GetFunc               func(ctx context.Context, id string) (store.Article, error)
	CreateFunc            func(ctx context.Context, a store.Article, by string) (store.Article, error)
	UpdateFunc            func(ctx context.Context, a store.Article, by string) (store.Article, error)
	DeleteFunc            func(ctx context.Context, id, by string) error
	SearchFunc            func(ctx context.Context, r kb.SearchRequest) ([]kb.Hit, error)
	ImportFunc            func(ctx context.Context, r io.Reader, by string) (int, error)
	ExportFunc            func(ctx context.Context, w io.Writer) error
	HistoryFunc           func(ctx context.Context, id string) ([]store.ArticleRevision, error)
	RestoreFunc           func(ctx context.Context, id string, version int, by string) (store.Article, error)
	UnansweredFunc        func(ctx context.Context, limit int) ([]store.Unanswered, error)
	DismissUnansweredFunc func(ctx context.Context, key string) error
	SynonymsFunc          func(ctx context.Context) ([][]string, int, error)
	SetSynonymsFunc       func(ctx context.Context, groups [][]string, version int, by string) ([][]string, int, error)
}

var _ api.KnowledgeBase = (*KB)(nil)

func (f *KB) List(ctx context.Context, filter store.ArticleFilter) ([]store.Article, error) {
	f.add("List")
	if f.ListFunc == nil {
		return nil, ErrNotStubbed
	}
	return f.ListFunc(ctx, filter)
}

func (f *KB) Get(ctx context.Context, id string) (store.Article, error) {
	f.add("Get")
	if f.GetFunc == nil {
		return store.Article{}, ErrNotStubbed
	}
	return f.GetFunc(ctx, id)
}

func (f *KB) Create(ctx context.Context, a store.Article, by string) (store.Article, error) {
	f.add("Create")
	if f.CreateFunc == nil {
		return store.Article{}, ErrNotStubbed
	}
	return f.CreateFunc(ctx, a, by)
}

func (f *KB) Update(ctx context.Context, a store.Article, by string) (store.Article, error) {
	f.add("Update")
	if f.UpdateFunc == nil {
		return store.Article{}, ErrNotStubbed
	}
	return f.UpdateFunc(ctx, a, by)
}

func (f *KB) Delete(ctx context.Context, id, by string) error {
	f.add("Delete")
	if f.DeleteFunc == nil {
		return ErrNotStubbed
	}
	return f.DeleteFunc(ctx, id, by)
}

func (f *KB) Search(ctx context.Context, r kb.SearchRequest) ([]kb.Hit, error) {
	f.add("Search")
	if f.SearchFunc == nil {
		return nil, ErrNotStubbed
	}
	return f.SearchFunc(ctx, r)
}

func (f *KB) Import(ctx context.Context, r io.Reader, by string) (int, error) {
	f.add("Import")
	if f.ImportFunc == nil {
		return 0, ErrNotStubbed
	}
	return f.ImportFunc(ctx, r, by)
}

func (f *KB) Export(ctx context.Context, w io.Writer) error {
	f.add("Export")
	if f.ExportFunc == nil {
		return ErrNotStubbed
	}
	return f.ExportFunc(ctx, w)
}

func (f *KB) History(ctx context.Context, id string) ([]store.ArticleRevision, error) {
	f.add("History")
	if f.HistoryFunc == nil {
		return nil, ErrNotStubbed
	}
	return f.HistoryFunc(ctx, id)
}

func (f *KB) Restore(ctx context.Context, id string, version int, by string) (store.Article, error) {
	f.add("Restore")
	if f.RestoreFunc == nil {
		return store.Article{}, ErrNotStubbed
	}
	return f.RestoreFunc(ctx, id, version, by)
}

func (f *KB) Unanswered(ctx context.Context, limit int) ([]store.Unanswered, error) {
	f.add("Unanswered")
	if f.UnansweredFunc == nil {
		return nil, ErrNotStubbed
	}
	return f.UnansweredFunc(ctx, limit)
}

func (f *KB) DismissUnanswered(ctx context.Context, key string) error {
	f.add("DismissUnanswered")
	if f.DismissUnansweredFunc == nil {
		return ErrNotStubbed
	}
	return f.DismissUnansweredFunc(ctx, key)
}

func (f *KB) Synonyms(ctx context.Context) ([][]string, int, error) {
	f.add("Synonyms")
	if f.SynonymsFunc == nil {
		return nil, 0, ErrNotStubbed
	}
	return f.SynonymsFunc(ctx)
}

func (f *KB) SetSynonyms(ctx context.Context, groups [][]string, version int, by string) ([][]string, int, error) {
	f.add("SetSynonyms")
	if f.SetSynonymsFunc == nil {
		return nil, 0, ErrNotStubbed
	}
	return f.SetSynonymsFunc(ctx, groups, version, by)
}

// Fakes bundles one double of each interface.
type Fakes struct {
	Conversations *Conversations
	Handoff       *Handoff
	Parser        *Parser
	KB            *KB
}

// New returns fresh doubles with nothing stubbed.
func New() *Fakes {
	return &Fakes{Conversations: &Conversations{}, Handoff: &Handoff{}, Parser: &Parser{}, KB: &KB{}}
}

// Deps wires the doubles into api.Deps (no logger, registry or build info).
func (f *Fakes) Deps() api.Deps {
	return api.Deps{Conversations: f.Conversations, Handoff: f.Handoff, Parser: f.Parser, KB: f.KB}
}

// Total is how many calls all the doubles received (Parser.Ready aside).
func (f *Fakes) Total() int {
	return f.Conversations.Total() + f.Handoff.Total() + f.Parser.Total() + f.KB.Total()
}
