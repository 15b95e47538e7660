// Package store defines kefu's durable state: the records the dialogue
// engine and the knowledge base keep (conversations, messages, state
// transitions, the handoff queue, tickets, feedback, knowledge-base
// articles with their history, unanswered questions, the synonym list)
// and the errors a store returns. Implementations live in sub-packages
// named for their engine (store/sqlite; store/postgres later) and are
// checked by the shared suite in store/storetest.
//
// It sits at the bottom of the flow: api → dialog → nlu / kb → store.
package store

import (
	"time"
)

// Conversation states.
const (
	StateBot          = "bot"
	StateWaitingAgent = "waiting_agent"
	StateAgent        = "agent"
	StateClosed       = "closed"
)

// Message roles.
const (
	RoleCustomer = "customer"
	RoleBot      = "bot"
	RoleAgent    = "agent"
	RoleSystem   = "system"
)

// Profile is what the shop says about its customer; trusted only when the
// user id is signed.
type Profile struct {
	VIP  bool   `json:"vip"`
	Tier string `json:"tier,omitempty"`
}

// Conversation is one customer's chat.
type Conversation struct {
	ID       string  `json:"id"`
	UserID   string  `json:"user_id,omitempty"`
	Verified bool    `json:"verified"` // user_id carried a valid shop signature
	Channel  string  `json:"channel,omitempty"`
	Locale   string  `json:"locale,omitempty"`
	Profile  Profile `json:"profile"`
	State    string  `json:"state"`
	AgentID  string  `json:"agent_id,omitempty"`
	// Context is the dialogue engine's opaque multi-turn state (JSON).
	Context   []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Message is one line of a transcript. Seq orders a conversation's
// messages; the store assigns it.
type Message struct {
	ID             string    `json:"id"`
	ConversationID string    `json:"conversation_id"`
	Seq            int64     `json:"seq"`
	Role           string    `json:"role"`
	AgentID        string    `json:"agent_id,omitempty"`
	Text           string    `json:"text"`
	Intent         string    `json:"intent,omitempty"`
	Confidence     float64   `json:"confidence,omitempty"`
	Emotion        string    `json:"emotion,omitempty"`
	EmotionScore   float64   `json:"emotion_score,omitempty"`
	ArticleID      string    `json:"article_id,omitempty"`
	Meta           []byte    `json:"-"` // JSON: decision, asks_for, suggestions...
	CreatedAt      time.Time `json:"created_at"`
}

// Transition records a change of conversation owner.
type Transition struct {
	ConversationID string    `json:"conversation_id"`
	From           string    `json:"from"`
	To             string    `json:"to"`
	Reason         string    `json:"reason"`
	Actor          string    `json:"actor,omitempty"`
	At             time.Time `json:"at"`
}

// QueueItem is a conversation waiting for (or held by) a human agent.
type QueueItem struct {
	ConversationID string     `json:"conversation_id"`
	Priority       int        `json:"priority"`
	Reason         string     `json:"reason"`
	Intent         string     `json:"intent"`
	Emotion        string     `json:"emotion"`
	Summary        string     `json:"summary"`
	Skill          string     `json:"skill,omitempty"`
	EnqueuedAt     time.Time  `json:"enqueued_at"`
	ClaimedBy      string     `json:"claimed_by,omitempty"`
	ClaimedAt      *time.Time `json:"claimed_at,omitempty"`
}

// Ticket is a message a customer left when no agent could take them.
type Ticket struct {
	ID             string     `json:"id"`
	ConversationID string     `json:"conversation_id"`
	Text           string     `json:"text"`
	Contact        string     `json:"contact,omitempty"`
	Status         string     `json:"status"` // open, claimed, resolved
	AgentID        string     `json:"agent_id,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	ResolvedAt     *time.Time `json:"resolved_at,omitempty"`
}

// Feedback is a customer's thumbs up or down on a bot message.
type Feedback struct {
	ConversationID string    `json:"conversation_id"`
	MessageID      string    `json:"message_id"`
	Helpful        bool      `json:"helpful"`
	At             time.Time `json:"at"`
}

// Article statuses.
const (
	ArticleDraft     = "draft"
	ArticlePublished = "published"
)

// Article is a knowledge-base entry, in the shape of the HTTP contract.
type Article struct {
	ID         string     `json:"id"`
	Title      string     `json:"title"`
	Questions  []string   `json:"questions"`
	Answer     string     `json:"answer"`
	Intent     string     `json:"intent,omitempty"`
	Tags       []string   `json:"tags"`
	Locale     string     `json:"locale"`
	Status     string     `json:"status"`
	ValidFrom  *time.Time `json:"valid_from,omitempty"`
	ValidUntil *time.Time `json:"valid_until,omitempty"`
	Version    int        `json:"version"`
	UpdatedAt  time.Time  `json:"updated_at"`
	UpdatedBy  string     `json:"updated_by,omitempty"`
}

// ArticleRevision is one entry of an article's history: the article as it
// was after the change.
type ArticleRevision struct {
	ArticleID string    `json:"article_id"`
	Version   int       `json:"version"`
	Op        string    `json:"op"` // create, update, delete, restore
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	Article   Article   `json:"article"`
}

// ArticleFilter narrows a listing; zero fields match everything.
type ArticleFilter struct {
	Locale string
	Status string
	Intent string
	Tag    string
	Limit  int
	Offset int
}

// Unanswered is a group of customer questions nothing answered.
type Unanswered struct {
	Key       string    `json:"key"` // normalised text
	Example   string    `json:"example"`
	Locale    string    `json:"locale"`
	Count     int       `json:"count"`
	LastSeen  time.Time `json:"last_seen"`
	FirstSeen time.Time `json:"first_seen"`
}
