package dialog

import (
	"github.com/kefu-ai/kefu/nlu"
	"github.com/kefu-ai/kefu/store"
)

// Start opens a conversation (POST /v1/conversations).
type Start struct {
	UserID  string
	UserSig string // hex HMAC-SHA256 of UserID under the shop secret
	Channel string
	Locale  string
	Profile *store.Profile
}

// Reply is the bot's answer to one customer message.
type Reply struct {
	Text        string      `json:"text"`
	Intent      string      `json:"intent"`
	Confidence  float64     `json:"confidence"`
	Emotion     nlu.Emotion `json:"emotion"`
	ArticleID   string      `json:"article_id,omitempty"`
	AsksFor     string      `json:"asks_for,omitempty"`
	Suggestions []string    `json:"suggestions,omitempty"`
}

// HandoffInfo tells the customer their conversation went to a person.
type HandoffInfo struct {
	Reason        string `json:"reason"`
	Priority      int    `json:"priority"`
	QueuePosition int    `json:"queue_position"`
}

// Turn is the outcome of one customer message
// (POST /v1/conversations/{id}/messages). Reply is nil while an agent
// holds the conversation.
type Turn struct {
	MessageID string       `json:"message_id"`
	State     string       `json:"state"`
	Reply     *Reply       `json:"reply"`
	Handoff   *HandoffInfo `json:"handoff,omitempty"`
}

// Transcript is a conversation with everything said and every change of
// owner (GET /v1/conversations/{id}).
type Transcript struct {
	store.Conversation
	Messages    []store.Message    `json:"messages"`
	Transitions []store.Transition `json:"transitions"`
}

// Event types published to a conversation's subscribers (SSE).
const (
	EventMessage       = "message"        // Data: store.Message (agent or bot)
	EventState         = "state"          // Data: store.Transition
	EventQueuePosition = "queue_position" // Data: QueuePosition
)

// Event is one server-sent event.
type Event struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

// QueuePosition tells a waiting customer where they stand.
type QueuePosition struct {
	Position        int     `json:"position"`
	ExpectedWaitSec float64 `json:"expected_wait_seconds"`
	OfferMessage    bool    `json:"offer_leave_message"`
}

// QueueEntry is one line of the agents' queue (GET /v1/handoff/queue).
type QueueEntry struct {
	ConversationID string  `json:"conversation_id"`
	Priority       int     `json:"priority"`
	Reason         string  `json:"reason"`
	WaitingSeconds float64 `json:"waiting_seconds"`
	Intent         string  `json:"intent"`
	Emotion        string  `json:"emotion"`
	Summary        string  `json:"summary"`
	ClaimedBy      string  `json:"claimed_by,omitempty"`
}
