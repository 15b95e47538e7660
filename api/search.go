package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/kb"
)

const (
	defaultSearchLimit = 10
	maxSearchLimit     = 100
)

func (s *Server) searchRoutes(g *gin.RouterGroup) {
	g.GET("/search", s.search)
}

type searchResponse struct {
	Hits []kb.Hit `json:"hits"`
}

// search is an editor's lexical search: every article, drafts included,
// unless live=true asks for what customers would see now.
func (s *Server) search(c *gin.Context) {
	req, err := searchRequest(c, s.MaxTextRunes)
	if err != nil {
		s.writeError(c, err)
		return
	}
	start := time.Now()
	hits, err := s.KB.Search(c.Request.Context(), req)
	s.metrics.kbSearch.Observe(time.Since(start).Seconds())
	if err != nil {
		s.writeError(c, err)
		return
	}
	if hits == nil {
		hits = []kb.Hit{}
	}
	s.writeJSON(c, http.StatusOK, searchResponse{Hits: hits})
}

func searchRequest(c *gin.Context, maxText int) (kb.SearchRequest, error) {
	var req kb.SearchRequest
	if err := checkText("q parameter", c.Query("q"), maxText); err != nil {
		return req, err
	}
	req.Query = c.Query("q")
	var err error
	if req.Locale, err = queryText(c, "locale", maxLocaleRunes); err != nil {
		return req, err
	}
	if req.Limit, err = queryInt(c, "limit", defaultSearchLimit, maxSearchLimit); err != nil {
		return req, err
	}
	if v := c.Query("live"); v != "" {
		live, err := strconv.ParseBool(v)
		if err != nil {
			return req, errs.E(errs.Invalid, "The live parameter must be true or false.")
		}
		req.Live = live
	}
	req.Now = time.Now()
	return req, nil
}
