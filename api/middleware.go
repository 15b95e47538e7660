package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/kefu-ai/kefu/errs"
)

const (
	headerRequestID = "X-Request-ID"
	keyRequestID    = "kefu.request_id"
	keyRole         = "kefu.role"
	routeUnmatched  = "unmatched"
)

// requestID takes the client's X-Request-ID when it is a short token of
// safe characters (so it cannot forge log lines), else makes one, and
// echoes it on the response.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader(headerRequestID)
	if !validRequestID(id) {
		id = newRequestID()
	}
	c.Set(keyRequestID, id)
	c.Header(headerRequestID, id)
	c.Next()
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == '-', b == '_', b == '.', b == ':':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	rand.Read(b[:]) // never fails (crypto/rand panics rather than return short)
	return hex.EncodeToString(b[:])
}

func requestIDOf(c *gin.Context) string { return c.GetString(keyRequestID) }

// routeOf is the route template for labels and logs, never the raw URL.
func routeOf(c *gin.Context) string {
	if p := c.FullPath(); p != "" {
		return p
	}
	return routeUnmatched
}

// quietRoutes are polled by machines; their lines are logged at debug.
var quietRoutes = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// observe logs one line per request and records the HTTP metrics.
// It runs deferred so that a stream cut on purpose (http.ErrAbortHandler)
// is recorded too.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	defer s.record(c, start)
	c.Next()
}

func (s *Server) record(c *gin.Context, start time.Time) {
	elapsed := time.Since(start)
	route, status := routeOf(c), c.Writer.Status()
	s.metrics.observeHTTP(route, c.Request.Method, status, elapsed)

	level := slog.LevelInfo
	switch {
	case status >= http.StatusInternalServerError:
		level = slog.LevelError
	case quietRoutes[route]:
		level = slog.LevelDebug
	}
	ctx := c.Request.Context()
	if !s.Logger.Enabled(ctx, level) {
		return
	}
	s.Logger.LogAttrs(ctx, level, "http request",
		slog.String("request_id", requestIDOf(c)),
		slog.String("method", methodLabel(c.Request.Method)),
		slog.String("route", route),
		slog.String("path", Mask(truncate(c.Request.URL.Path, 256))),
		slog.Int("status", status),
		slog.Float64("latency_ms", float64(elapsed.Microseconds())/1000),
		slog.Int("bytes", c.Writer.Size()),
		slog.String("client", c.ClientIP()),
		slog.String("role", c.GetString(keyRole)),
	)
}

// recoverer turns a panic below it into a logged 500 with a generic
// message; the details stay in the log, under the request ID.
func (s *Server) recoverer(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v)
		}
		s.Logger.ErrorContext(c.Request.Context(), "panic serving request",
			"request_id", requestIDOf(c), "route", routeOf(c),
			"panic", Mask(fmt.Sprint(v)), "stack", Mask(string(debug.Stack())))
		s.writeError(c, errPanic)
	}()
	c.Next()
}

// secureHeaders keeps browsers from sniffing, framing or caching answers.
func secureHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	c.Next()
}

// corsPolicy answers the configured shop origins.
type corsPolicy struct {
	any     bool
	origins map[string]bool
}

func newCORSPolicy(origins []string) corsPolicy {
	p := corsPolicy{origins: map[string]bool{}}
	for _, o := range origins {
		o = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(o)), "/")
		if o == "*" {
			p.any = true
		} else if o != "" {
			p.origins[o] = true
		}
	}
	return p
}

func (p corsPolicy) allows(origin string) bool {
	return p.any || p.origins[strings.ToLower(origin)]
}

var (
	corsMethods = strings.Join([]string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions}, ", ")
	corsHeaders = "Authorization, Content-Type, X-Request-ID"
	corsExpose  = "X-Request-ID, Retry-After, Location"
)

// corsHandler adds CORS headers for allowed origins and answers their
// preflight requests itself (204); a preflight from another origin is 403.
// Credentials (cookies) are never allowed: the API authenticates with
// bearer tokens.
func (s *Server) corsHandler(c *gin.Context) {
	origin := c.GetHeader("Origin")
	if origin == "" {
		c.Next()
		return
	}
	h := c.Writer.Header()
	h.Add("Vary", "Origin")
	preflight := c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != ""
	if !s.cors.allows(origin) {
		if preflight {
			s.writeError(c, errs.E(errs.Forbidden, "This origin may not call the API."))
			return
		}
		c.Next()
		return
	}
	if s.cors.any {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	h.Set("Access-Control-Expose-Headers", corsExpose)
	if !preflight {
		c.Next()
		return
	}
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	h.Set("Access-Control-Allow-Methods", corsMethods)
	h.Set("Access-Control-Allow-Headers", corsHeaders)
	h.Set("Access-Control-Max-Age", strconv.Itoa(600))
	c.AbortWithStatus(http.StatusNoContent)
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
