package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kefu-ai/kefu/errs"
)

// openAPIDoc documents every route (a test keeps it in step with the router).
//
//go:embed openapi.json
var openAPIDoc []byte

type statusBody struct {
	Status string `json:"status"`
}

// healthz answers while the process runs.
func (s *Server) healthz(c *gin.Context) {
	s.writeJSON(c, http.StatusOK, statusBody{Status: "ok"})
}

// readyz answers 200 once the model and the index are loaded, 503 before.
func (s *Server) readyz(c *gin.Context) {
	if !s.Ready() {
		s.writeError(c, errs.E(errs.Unavailable, "kefu is starting: the model or the index is not loaded yet."))
		return
	}
	s.writeJSON(c, http.StatusOK, statusBody{Status: "ready"})
}

// metricsHandler serves the injected registry in the Prometheus text format.
func (s *Server) metricsHandler() gin.HandlerFunc {
	h := promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{Registry: s.Registry})
	return gin.WrapH(h)
}

func (s *Server) openAPI(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/json; charset=utf-8", openAPIDoc)
}
