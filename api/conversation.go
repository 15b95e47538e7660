package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kefu-ai/kefu/dialog"
	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// Conversations is the dialogue engine as customers reach it. Methods
// return *errs.Error with these codes for expected failures (anything else
// is a 500): invalid_input (bad argument), not_found (no such
// conversation or message), conflict (the conversation's state forbids
// it, e.g. a message to a closed conversation), unavailable.
type Conversations interface {
	// Start opens a conversation; only a signed user id is trusted.
	Start(ctx context.Context, s dialog.Start) (store.Conversation, error)
	// Receive takes one customer message and decides what to do with it.
	Receive(ctx context.Context, convID, text string) (dialog.Turn, error)
	// Transcript returns the conversation with its messages and transitions.
	Transcript(ctx context.Context, convID string) (dialog.Transcript, error)
	// Subscribe streams the conversation's events until ctx ends or the
	// returned cancel is called; the channel is closed then.
	Subscribe(ctx context.Context, convID string) (<-chan dialog.Event, func(), error)
	// Feedback records a thumbs up or down on a bot message.
	Feedback(ctx context.Context, convID, msgID string, helpful bool) error
	// LeaveMessage files a ticket for when no agent can take the customer.
	LeaveMessage(ctx context.Context, convID, text, contact string) (store.Ticket, error)
}

func (s *Server) conversationRoutes(g *gin.RouterGroup) {
	g.POST("/conversations", s.startConversation)
	g.GET("/conversations/:id", s.getConversation)
	g.POST("/conversations/:id/messages", s.receiveMessage)
	g.GET("/conversations/:id/events", s.conversationEvents)
	g.POST("/conversations/:id/feedback", s.feedback)
	g.POST("/conversations/:id/leave-message", s.leaveMessage)
}

// startRequest is the body of POST /v1/conversations; every field is
// optional and so is the body.
type startRequest struct {
	UserID  string `json:"user_id"`
	UserSig string `json:"user_sig"`
	Channel string `json:"channel"`
	Locale  string `json:"locale"`
	Profile *struct {
		VIP  bool   `json:"vip"`
		Tier string `json:"tier"`
	} `json:"profile"`
}

func (r *startRequest) validate(limits) error {
	if r.UserID != "" {
		if err := checkID("user_id", r.UserID); err != nil {
			return err
		}
	}
	if r.UserSig != "" {
		if len(r.UserSig) > 128 || !isHex(r.UserSig) {
			return errs.E(errs.Invalid, "The user_sig must be a hex HMAC-SHA256.")
		}
		if r.UserID == "" {
			return errs.E(errs.Invalid, "A user_sig needs the user_id it signs.")
		}
	}
	if err := checkOptional("channel", r.Channel, maxNameRunes, false); err != nil {
		return err
	}
	if err := checkOptional("locale", r.Locale, maxLocaleRunes, false); err != nil {
		return err
	}
	if r.Profile != nil {
		return checkOptional("profile tier", r.Profile.Tier, maxNameRunes, false)
	}
	return nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i] | 0x20 // fold A-F to a-f
		if !(b >= '0' && b <= '9' || b >= 'a' && b <= 'f') {
			return false
		}
	}
	return true
}

type startResponse struct {
	ID    string `json:"id"`
	State string `json:"state"`
}

func (s *Server) startConversation(c *gin.Context) {
	var req startRequest
	if !s.bindOptional(c, &req) {
		return
	}
	start := dialog.Start{UserID: req.UserID, UserSig: req.UserSig, Channel: req.Channel, Locale: req.Locale}
	if req.Profile != nil {
		start.Profile = &store.Profile{VIP: req.Profile.VIP, Tier: req.Profile.Tier}
	}
	conv, err := s.Conversations.Start(c.Request.Context(), start)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Location", "/v1/conversations/"+conv.ID)
	s.writeJSON(c, http.StatusCreated, startResponse{ID: conv.ID, State: conv.State})
}

// messageRequest is a message body: a customer's or an agent's.
type messageRequest struct {
	Text    string `json:"text"`
	AgentID string `json:"agent_id"` // agents only; empty means the conversation's holder
}

func (r *messageRequest) validate(l limits) error {
	if err := checkText("text", r.Text, l.maxText); err != nil {
		return err
	}
	return checkOptional("agent_id", r.AgentID, maxNameRunes, false)
}

func (s *Server) receiveMessage(c *gin.Context) {
	id, ok := s.param(c, "id")
	if !ok {
		return
	}
	var req messageRequest
	if !s.bind(c, &req) {
		return
	}
	turn, err := s.Conversations.Receive(c.Request.Context(), id, req.Text)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.metrics.messages.WithLabelValues(channelCustomer, labelValue(turn.State)).Inc()
	if turn.Reply != nil {
		s.metrics.intents.WithLabelValues(labelValue(turn.Reply.Intent)).Inc()
	}
	if turn.Handoff != nil {
		s.metrics.handoffs.WithLabelValues(labelValue(turn.Handoff.Reason)).Inc()
	}
	s.writeJSON(c, http.StatusOK, turn)
}

func (s *Server) getConversation(c *gin.Context) {
	id, ok := s.param(c, "id")
	if !ok {
		return
	}
	t, err := s.Conversations.Transcript(c.Request.Context(), id)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if t.Messages == nil {
		t.Messages = []store.Message{}
	}
	if t.Transitions == nil {
		t.Transitions = []store.Transition{}
	}
	s.writeJSON(c, http.StatusOK, t)
}

type feedbackRequest struct {
	MessageID string `json:"message_id"`
	Helpful   *bool  `json:"helpful"`
}

func (r *feedbackRequest) validate(limits) error {
	if err := checkID("message_id", r.MessageID); err != nil {
		return err
	}
	if r.Helpful == nil {
		return errs.E(errs.Invalid, "The helpful field (true or false) is missing.")
	}
	return nil
}

func (s *Server) feedback(c *gin.Context) {
	id, ok := s.param(c, "id")
	if !ok {
		return
	}
	var req feedbackRequest
	if !s.bind(c, &req) {
		return
	}
	if err := s.Conversations.Feedback(c.Request.Context(), id, req.MessageID, *req.Helpful); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// leaveMessageRequest is the body of POST /v1/conversations/{id}/leave-message.
type leaveMessageRequest struct {
	Text    string `json:"text"`
	Contact string `json:"contact"` // optional: a phone or e-mail to answer on
}

func (r *leaveMessageRequest) validate(l limits) error {
	if err := checkText("text", r.Text, l.maxText); err != nil {
		return err
	}
	return checkOptional("contact", r.Contact, maxTitleRunes, false)
}

func (s *Server) leaveMessage(c *gin.Context) {
	id, ok := s.param(c, "id")
	if !ok {
		return
	}
	var req leaveMessageRequest
	if !s.bind(c, &req) {
		return
	}
	t, err := s.Conversations.LeaveMessage(c.Request.Context(), id, req.Text, req.Contact)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Location", "/v1/tickets/"+t.ID)
	s.writeJSON(c, http.StatusCreated, t)
}
