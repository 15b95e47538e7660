package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kefu-ai/kefu/errs"
)

// Ticket statuses, as the dialogue engine keeps them.
var ticketStatuses = map[string]bool{"": true, "open": true, "claimed": true, "resolved": true}

func (s *Server) ticketRoutes(g *gin.RouterGroup) {
	g.GET("/tickets", s.listTickets)
	g.POST("/tickets/:id/claim", s.claimTicket)
	g.POST("/tickets/:id/resolve", s.resolveTicket)
}

func (s *Server) listTickets(c *gin.Context) {
	status := c.Query("status")
	if !ticketStatuses[status] {
		s.writeError(c, errs.E(errs.Invalid, "The status parameter must be open, claimed or resolved."))
		return
	}
	list, err := s.Handoff.Tickets(c.Request.Context(), status)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, items(list))
}

func (s *Server) claimTicket(c *gin.Context) {
	id, ok := s.param(c, "id")
	if !ok {
		return
	}
	var req claimRequest
	if !s.bind(c, &req) {
		return
	}
	t, err := s.Handoff.ClaimTicket(c.Request.Context(), id, req.AgentID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, t)
}

// resolveRequest names the agent resolving; the body is optional.
type resolveRequest struct {
	AgentID string `json:"agent_id"`
}

func (r *resolveRequest) validate(limits) error {
	return checkOptional("agent_id", r.AgentID, maxNameRunes, false)
}

func (s *Server) resolveTicket(c *gin.Context) {
	id, ok := s.param(c, "id")
	if !ok {
		return
	}
	var req resolveRequest
	if !s.bindOptional(c, &req) {
		return
	}
	t, err := s.Handoff.ResolveTicket(c.Request.Context(), id, req.AgentID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, t)
}
