package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kefu-ai/kefu/dialog"
	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// Handoff is the dialogue engine as human agents reach it: the queue of
// conversations waiting for a person, the tickets customers left, and the
// incidents admins declare. Methods return *errs.Error with these codes
// for expected failures: invalid_input, not_found (no such conversation
// or ticket), conflict (claimed by another agent, not claimed by this
// agent, already resolved, not waiting), unavailable.
type Handoff interface {
	// Queue lists waiting and claimed conversations, highest priority
	// first, then longest waiting.
	Queue(ctx context.Context) ([]dialog.QueueEntry, error)
	// Claim gives a waiting conversation to agentID (conflict if another
	// agent holds it).
	Claim(ctx context.Context, convID, agentID string) error
	// AgentSend sends an agent's message to the customer; an empty agentID
	// means the conversation's holder.
	AgentSend(ctx context.Context, convID, agentID, text string) (store.Message, error)
	// Release hands the conversation back to the bot or closes it (to is
	// store.StateBot or store.StateClosed).
	Release(ctx context.Context, convID, agentID, to, note string) error
	// Transfer puts the conversation back in the queue for agents with skill.
	Transfer(ctx context.Context, convID, agentID, skill, note string) error
	// Tickets lists tickets with status ("" for all).
	Tickets(ctx context.Context, status string) ([]store.Ticket, error)
	ClaimTicket(ctx context.Context, id, agentID string) (store.Ticket, error)
	ResolveTicket(ctx context.Context, id, agentID string) (store.Ticket, error)
	// SetIncident answers intent with articleID (and hands off less) until
	// cleared: a known outage everyone asks about.
	SetIncident(intent, articleID string)
	ClearIncident(intent string)
}

func (s *Server) handoffRoutes(g *gin.RouterGroup) {
	g.GET("/handoff/queue", s.queue)
	g.POST("/handoff/:conversation_id/claim", s.claim)
	g.POST("/handoff/:conversation_id/messages", s.agentSend)
	g.POST("/handoff/:conversation_id/release", s.release)
	g.POST("/handoff/:conversation_id/transfer", s.transfer)
}

// agentPresence is what an engine that tracks which agents are online
// offers; the queue route reports the polling agent to it.
type agentPresence interface {
	AgentSeen(agentID string)
}

// queue lists the queue; an agent_id parameter also marks that agent online.
func (s *Server) queue(c *gin.Context) {
	agent, err := queryText(c, "agent_id", maxNameRunes)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if p, ok := s.Handoff.(agentPresence); ok && strings.TrimFunc(agent, isBlank) != "" {
		p.AgentSeen(agent)
	}
	q, err := s.Handoff.Queue(c.Request.Context())
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, items(q))
}

// handoffResponse says who holds a conversation after an agent's action.
type handoffResponse struct {
	ConversationID string `json:"conversation_id"`
	State          string `json:"state"`
	AgentID        string `json:"agent_id,omitempty"`
	Skill          string `json:"skill,omitempty"`
}

type claimRequest struct {
	AgentID string `json:"agent_id"`
}

func (r *claimRequest) validate(limits) error {
	return checkName("agent_id", r.AgentID, maxNameRunes)
}

func (s *Server) claim(c *gin.Context) {
	id, ok := s.param(c, "conversation_id")
	if !ok {
		return
	}
	var req claimRequest
	if !s.bind(c, &req) {
		return
	}
	ctx := c.Request.Context()
	waited, queued := s.waiting(ctx, id)
	if err := s.Handoff.Claim(ctx, id, req.AgentID); err != nil {
		s.writeError(c, err)
		return
	}
	if queued {
		s.metrics.queueWait.Observe(waited)
	}
	s.writeJSON(c, http.StatusOK, handoffResponse{ConversationID: id, State: store.StateAgent, AgentID: req.AgentID})
}

// waiting reads how long convID has waited unclaimed, for
// kefu_queue_wait_seconds; a failure only costs the observation.
func (s *Server) waiting(ctx context.Context, convID string) (float64, bool) {
	q, err := s.Handoff.Queue(ctx)
	if err != nil {
		return 0, false
	}
	for _, e := range q {
		if e.ConversationID == convID && e.ClaimedBy == "" {
			return e.WaitingSeconds, true
		}
	}
	return 0, false
}

func (s *Server) agentSend(c *gin.Context) {
	id, ok := s.param(c, "conversation_id")
	if !ok {
		return
	}
	var req messageRequest
	if !s.bind(c, &req) {
		return
	}
	msg, err := s.Handoff.AgentSend(c.Request.Context(), id, req.AgentID, req.Text)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.metrics.messages.WithLabelValues(channelAgent, store.StateAgent).Inc()
	s.writeJSON(c, http.StatusCreated, msg)
}

type releaseRequest struct {
	To      string `json:"to"`
	Note    string `json:"note"`
	AgentID string `json:"agent_id"` // empty: the conversation's holder
}

func (r *releaseRequest) validate(limits) error {
	if r.To != store.StateBot && r.To != store.StateClosed {
		return errs.E(errs.Invalid, "The to field must be %q or %q.", store.StateBot, store.StateClosed)
	}
	if err := checkOptional("note", r.Note, maxNoteRunes, true); err != nil {
		return err
	}
	return checkOptional("agent_id", r.AgentID, maxNameRunes, false)
}

func (s *Server) release(c *gin.Context) {
	id, ok := s.param(c, "conversation_id")
	if !ok {
		return
	}
	var req releaseRequest
	if !s.bind(c, &req) {
		return
	}
	if err := s.Handoff.Release(c.Request.Context(), id, req.AgentID, req.To, req.Note); err != nil {
		s.writeError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, handoffResponse{ConversationID: id, State: req.To})
}

type transferRequest struct {
	Skill   string `json:"skill"` // empty: the skill it was queued for
	Note    string `json:"note"`
	AgentID string `json:"agent_id"` // empty: the conversation's holder
}

func (r *transferRequest) validate(limits) error {
	if err := checkOptional("skill", r.Skill, maxNameRunes, false); err != nil {
		return err
	}
	if err := checkOptional("note", r.Note, maxNoteRunes, true); err != nil {
		return err
	}
	return checkOptional("agent_id", r.AgentID, maxNameRunes, false)
}

func (s *Server) transfer(c *gin.Context) {
	id, ok := s.param(c, "conversation_id")
	if !ok {
		return
	}
	var req transferRequest
	if !s.bind(c, &req) {
		return
	}
	if err := s.Handoff.Transfer(c.Request.Context(), id, req.AgentID, req.Skill, req.Note); err != nil {
		s.writeError(c, err)
		return
	}
	s.metrics.handoffs.WithLabelValues(reasonTransfer).Inc()
	s.writeJSON(c, http.StatusOK, handoffResponse{ConversationID: id, State: store.StateWaitingAgent, Skill: req.Skill})
}
