package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kefu-ai/kefu/errs"
)

// maxKeyBytes bounds an unanswered question's key (its normalised text).
const maxKeyBytes = 4 * DefaultMaxTextRunes

func (s *Server) unansweredRoutes(g *gin.RouterGroup) {
	g.GET("/unanswered", s.listUnanswered)
	// The key is normalised text and may hold a slash: take the rest of the path.
	g.DELETE("/unanswered/*key", s.dismissUnanswered)
}

func (s *Server) listUnanswered(c *gin.Context) {
	limit, err := queryInt(c, "limit", defaultListLimit, maxListLimit)
	if err != nil {
		s.writeError(c, err)
		return
	}
	list, err := s.KB.Unanswered(c.Request.Context(), limit)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, items(list))
}

func (s *Server) dismissUnanswered(c *gin.Context) {
	key := strings.TrimPrefix(c.Param("key"), "/")
	if err := checkKey(key); err != nil {
		s.writeError(c, err)
		return
	}
	if err := s.KB.DismissUnanswered(c.Request.Context(), key); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func checkKey(key string) error {
	switch {
	case strings.TrimFunc(key, isBlank) == "":
		return errs.E(errs.Invalid, "The key is missing.")
	case len(key) > maxKeyBytes:
		return errs.E(errs.Invalid, "The key is longer than %d bytes.", maxKeyBytes)
	}
	return checkChars("key", key, false)
}
