package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kefu-ai/kefu/errs"
)

func (s *Server) incidentRoutes(g *gin.RouterGroup) {
	g.PUT("/incidents/:intent", s.setIncident)
	g.DELETE("/incidents/:intent", s.clearIncident)
}

type incidentRequest struct {
	ArticleID string `json:"article_id"`
}

func (r *incidentRequest) validate(limits) error {
	return checkID("article_id", r.ArticleID)
}

type incidentResponse struct {
	Intent    string `json:"intent"`
	ArticleID string `json:"article_id"`
}

// incidentIntent returns the path's intent, which must be one the model
// knows when the server was told them.
func (s *Server) incidentIntent(c *gin.Context) (string, bool) {
	intent, ok := s.param(c, "intent")
	if !ok {
		return "", false
	}
	if s.intents != nil && !s.intents[intent] {
		s.writeError(c, errs.E(errs.NotFound, "The model knows no intent %q.", intent))
		return "", false
	}
	return intent, true
}

// setIncident answers an intent with one article until cleared. The
// article must exist: SetIncident cannot report an error.
func (s *Server) setIncident(c *gin.Context) {
	intent, ok := s.incidentIntent(c)
	if !ok {
		return
	}
	var req incidentRequest
	if !s.bind(c, &req) {
		return
	}
	if _, err := s.KB.Get(c.Request.Context(), req.ArticleID); err != nil {
		s.writeError(c, err)
		return
	}
	s.Handoff.SetIncident(intent, req.ArticleID)
	s.writeJSON(c, http.StatusOK, incidentResponse{Intent: intent, ArticleID: req.ArticleID})
}

func (s *Server) clearIncident(c *gin.Context) {
	intent, ok := s.incidentIntent(c)
	if !ok {
		return
	}
	s.Handoff.ClearIncident(intent)
	c.Status(http.StatusNoContent)
}
