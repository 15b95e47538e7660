package dialog

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/kefu-ai/kefu/nlu"
	"github.com/kefu-ai/kefu/store"
)

// Understander reads one customer message. nlu.Model implements it. It
// never fails: text it cannot read is out of scope.
type Understander interface {
	Parse(ctx context.Context, text string) nlu.Result
}

// AnswerRequest is what the engine knows when it needs an answer.
type AnswerRequest struct {
	Text   string
	Intent string // may be "" or "oos"
	Locale string // "zh-CN" or "en"
	Now    time.Time
}

// Answer is the chosen knowledge-base article. Text is the article's
// answer template (see Render).
type Answer struct {
	ArticleID string
	Text      string
	Score     float64
}

// Answerer picks the best published, currently valid article for a
// question (cmd adapts the kb package). found is false when nothing fits;
// an error means the knowledge base failed.
type Answerer interface {
	Answer(ctx context.Context, req AnswerRequest) (a Answer, found bool, err error)
}

// ArticleFinder fetches one article by id; incident mode needs it
// (SetIncident names the article). Errors: only failures; a missing
// article is found == false.
type ArticleFinder interface {
	Article(ctx context.Context, id string) (a Answer, found bool, err error)
}

// UnansweredRecorder keeps the questions the bot could not answer, for
// editors to turn into articles or question variants (the knowledge base
// implements it).
type UnansweredRecorder interface {
	RecordUnanswered(ctx context.Context, text, locale string) error
}

// Store is the durable state the engine keeps (store/sqlite implements
// it). Errors are *errs.Error: NotFound for a missing record, Conflict
// for a lost compare-and-swap (UpdateConversation from a state the
// conversation is no longer in) or a queue item another agent holds.
type Store interface {
	CreateConversation(ctx context.Context, c store.Conversation) error
	Conversation(ctx context.Context, id string) (store.Conversation, error)
	UpdateConversation(ctx context.Context, c store.Conversation, fromState string) error
	AppendMessage(ctx context.Context, m store.Message) (store.Message, error)
	// SaveTurn is UpdateConversation and AppendMessage of each message in
	// one transaction: all or nothing.
	SaveTurn(ctx context.Context, c store.Conversation, fromState string, msgs []store.Message) ([]store.Message, error)
	Messages(ctx context.Context, convID string, afterSeq int64, limit int) ([]store.Message, error)
	Message(ctx context.Context, convID, msgID string) (store.Message, error)
	AddTransition(ctx context.Context, t store.Transition) error
	Transitions(ctx context.Context, convID string) ([]store.Transition, error)
	AddFeedback(ctx context.Context, f store.Feedback) error
	Enqueue(ctx context.Context, q store.QueueItem) error
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
}

// NopAnswers is the Answerer wired when there is no knowledge base: it
// never finds anything, so the bot says it has no answer.
type NopAnswers struct{}

// Answer implements Answerer.
func (NopAnswers) Answer(context.Context, AnswerRequest) (Answer, bool, error) {
	return Answer{}, false, nil
}

// Article implements ArticleFinder.
func (NopAnswers) Article(context.Context, string) (Answer, bool, error) {
	return Answer{}, false, nil
}

var (
	_ Answerer      = NopAnswers{}
	_ ArticleFinder = NopAnswers{}
)

// Deps are the engine's collaborators. NLU and Store are required; the
// others default to no-op implementations, Now to time.Now and Logger to
// a discarding logger.
type Deps struct {
	NLU     Understander
	Answers Answerer
	// Articles serves incident mode; when nil, Answers is used if it
	// also implements ArticleFinder.
	Articles ArticleFinder
	Orders   OrderConnector
	Store    Store
	Now      func() time.Time
	Logger   *slog.Logger
	// Unanswered, when set, is told every question the bot fell back on:
	// out of scope, too unsure to guess, or no article for the intent.
	Unanswered UnansweredRecorder
	// FirstAgentReply, when set, is told how long each handed-over
	// customer waited from the handoff to the first agent message (the
	// contact center's time to first reply metric).
	FirstAgentReply func(wait time.Duration)
}

// Engine is the conversation engine. It is safe for concurrent use; the
// messages of one conversation are processed one at a time, in the order
// they take its lock.
type Engine struct {
	cfg      Config
	nlu      Understander
	answers  Answerer
	articles ArticleFinder
	orders   OrderConnector
	store    Store
	now      func() time.Time
	log      *slog.Logger
	unans    UnansweredRecorder

	intents  map[string]IntentSpec
	topics   map[string]string
	explicit []string // normalised handoff phrases

	convLocks  *lockTable
	agentLocks *lockTable
	contexts   *contextCache
	hub        *hub
	firstReply func(time.Duration)
	repliedMu  sync.Mutex
	replied    map[string]time.Time // conversation → the handoff (enqueue time) an agent answered
	hooks      *webhooks            // nil without webhook URLs
	stats      *counters

	mu        sync.Mutex // guards the fields below
	incidents map[string]string
	agents    map[string]time.Time // agent → last seen
	waitEWMA  float64              // seconds an agent takes per waiting customer
}

// New builds an engine after validating cfg.
func New(cfg Config, deps Deps) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.NLU == nil {
		return nil, errors.New("dialog: Deps.NLU is required")
	}
	if deps.Store == nil {
		return nil, errors.New("dialog: Deps.Store is required")
	}
	e := &Engine{
		cfg:        cfg,
		nlu:        deps.NLU,
		answers:    deps.Answers,
		articles:   deps.Articles,
		orders:     deps.Orders,
		store:      deps.Store,
		now:        deps.Now,
		log:        deps.Logger,
		unans:      deps.Unanswered,
		intents:    map[string]IntentSpec{},
		topics:     map[string]string{},
		convLocks:  newLockTable(cfg.LockShards),
		agentLocks: newLockTable(cfg.LockShards),
		contexts:   newContextCache(),
		hub:        newHub(cfg.SubscriberBuffer, cfg.MaxSubscribers),
		firstReply: deps.FirstAgentReply,
		replied:    map[string]time.Time{},
		stats:      newCounters(),
		incidents:  map[string]string{},
		agents:     map[string]time.Time{},
		waitEWMA:   cfg.Queue.WaitPerCustomer.Seconds(),
	}
	if e.answers == nil {
		e.answers = NopAnswers{}
	}
	if e.articles == nil {
		if f, ok := e.answers.(ArticleFinder); ok {
			e.articles = f
		} else {
			e.articles = NopAnswers{}
		}
	}
	if e.orders == nil {
		e.orders = NopOrders{}
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	e.hooks = newWebhooks(cfg.Webhooks, e.log)
	for it, topic := range cfg.Topics {
		e.topics[it] = topic
	}
	for _, it := range cfg.Intents {
		e.intents[it.Intent] = it
		if it.Topic != "" {
			e.topics[it.Intent] = it.Topic
		}
	}
	for _, p := range cfg.Handoff.Phrases {
		if n := normPhrase(p); n != "" {
			e.explicit = append(e.explicit, n)
		}
	}
	return e, nil
}

// phrases returns the bot's sentences for a locale, falling back to the
// default locale.
func (e *Engine) phrases(locale string) Phrases {
	if p, ok := e.cfg.Phrases[locale]; ok {
		return p
	}
	return e.cfg.Phrases[normLocale(e.cfg.DefaultLocale)]
}

func (e *Engine) topic(intent string) string { return e.topics[intent] }

// needsOrder reports whether intent needs an order id before answering.
func (e *Engine) needsOrder(intent string) bool {
	for _, s := range e.intents[intent].Slots {
		if s == SlotOrderID {
			return true
		}
	}
	return false
}

// Run republishes queue positions (with aging and the leave-a-message
// offer) to waiting customers every Queue.Tick until ctx ends. It is
// optional: positions are also published whenever the queue changes.
func (e *Engine) Run(ctx context.Context) error {
	if e.hooks != nil {
		go e.hooks.run(ctx)
	}
	t := time.NewTicker(e.cfg.Queue.Tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			e.publishPositions(ctx)
			e.pruneAgents()
		}
	}
}
