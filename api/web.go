package api

import (
	"github.com/gin-gonic/gin"
)

// webPaths are the routes of the embedded web faces (api/web): the demo
// shop, the chat widget and the agent console.
var webPaths = []string{
	"/",
	"/demo/:file",
	"/widget.js",
	"/widget/:file",
	"/console",
	"/console/kb",
	"/console/:file",
}

// webRoutes serves the embedded pages; a path with no file behind it is
// the API's JSON 404.
func (s *Server) webRoutes(r gin.IRoutes) {
	serve := func(c *gin.Context) {
		if !s.site.Has(c.Request.URL.Path) {
			s.writeError(c, errNoRoute)
			return
		}
		s.site.ServeHTTP(c.Writer, c.Request)
	}
	for _, p := range webPaths {
		r.GET(p, serve)
	}
}
