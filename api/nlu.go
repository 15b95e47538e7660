package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/nlu"
	"github.com/kefu-ai/kefu/nlu/entity"
)

// Parser reads one message. cmd hands in the current model behind an
// atomic pointer, so a retrained model is served without a restart.
type Parser interface {
	// Parse never fails; text it cannot read is out of scope.
	Parse(ctx context.Context, text string) nlu.Result
	// Ready reports whether a model is loaded.
	Ready() bool
}

func (s *Server) nluRoutes(g *gin.RouterGroup) {
	g.POST("/nlu/parse", s.parse)
}

type parseRequest struct {
	Text   string `json:"text"`
	Locale string `json:"locale"` // accepted for the contract; the model detects the language
}

func (r *parseRequest) validate(l limits) error {
	if err := checkText("text", r.Text, l.maxText); err != nil {
		return err
	}
	return checkOptional("locale", r.Locale, maxLocaleRunes, false)
}

func (s *Server) parse(c *gin.Context) {
	var req parseRequest
	if !s.bind(c, &req) {
		return
	}
	if !s.Parser.Ready() {
		s.writeError(c, errs.E(errs.Unavailable, "The NLU model is not loaded yet."))
		return
	}
	start := time.Now()
	res := s.Parser.Parse(c.Request.Context(), req.Text)
	s.metrics.nluParse.Observe(time.Since(start).Seconds())
	if res.Ranking == nil {
		res.Ranking = []nlu.Ranked{}
	}
	if res.Entities == nil {
		res.Entities = []entity.Entity{}
	}
	s.writeJSON(c, http.StatusOK, res)
}
