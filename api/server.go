package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kefu-ai/kefu/api/web"
)

// Defaults applied by New where a Config field is zero (Rate excepted:
// zero turns rate limiting off, so cmd starts from DefaultConfig).
const (
	DefaultBodyLimit       = 64 << 10 // bytes of a JSON request body
	DefaultImportLimit     = 8 << 20  // bytes of a POST /v1/kb/import body
	DefaultMaxTextRunes    = 2000     // characters of a message
	DefaultRate            = 20       // requests per second per client
	DefaultBurst           = 40
	DefaultMaxClients      = 10000 // rate limiters kept (least recently used evicted)
	DefaultHeartbeat       = 15 * time.Second
	DefaultShutdownTimeout = 20 * time.Second

	// MaxJSONDepth is how deeply a request body may nest objects and arrays.
	MaxJSONDepth = 32
)

// Config is the api's part of kefu's configuration. cmd reads it once and
// passes it to New.
type Config struct {
	// CORSOrigins lists the shop origins (scheme://host[:port]) whose
	// browsers may call the API; "*" allows any origin.
	CORSOrigins []string
	// BodyLimit caps a JSON request body in bytes (default 64 KiB); more is 413.
	BodyLimit int64
	// ImportLimit caps a knowledge-base import body (default 8 MiB).
	ImportLimit int64
	// MaxTextRunes caps a message's length in characters (default 2000); more is 400.
	MaxTextRunes int
	// Rate is requests per second per client IP; 0 turns limiting off.
	// DefaultConfig sets 20.
	Rate float64
	// Burst is how many requests a client may make at once (default 40).
	Burst int
	// MaxClients bounds the per-client limiters kept (default 10000).
	MaxClients int
	// TrustedProxies lists proxy IPs or CIDRs whose X-Forwarded-For and
	// X-Real-IP are believed; empty trusts none (the peer address is the client).
	TrustedProxies []string
	// Tokens are the bearer tokens of the roles; an empty one grants nothing.
	Tokens Tokens
	// Heartbeat is the interval of SSE comment lines keeping streams open
	// through proxies (default 15 s).
	Heartbeat time.Duration
	// ShutdownTimeout bounds how long Serve waits for in-flight requests
	// once its context ends (default 20 s).
	ShutdownTimeout time.Duration
}

// Tokens are the bearer tokens granting each role. They print as <secret>.
type Tokens struct {
	Admin  string
	Editor string
	Agent  string
}

func (Tokens) String() string   { return "<secret>" }
func (Tokens) GoString() string { return "<secret>" }

// LogValue keeps tokens out of slog output.
func (Tokens) LogValue() slog.Value { return slog.StringValue("<secret>") }

// DefaultConfig is the configuration cmd starts from.
func DefaultConfig() Config {
	return Config{
		BodyLimit:       DefaultBodyLimit,
		ImportLimit:     DefaultImportLimit,
		MaxTextRunes:    DefaultMaxTextRunes,
		Rate:            DefaultRate,
		Burst:           DefaultBurst,
		MaxClients:      DefaultMaxClients,
		Heartbeat:       DefaultHeartbeat,
		ShutdownTimeout: DefaultShutdownTimeout,
	}
}

// withDefaults fills the zero fields (Rate stays: zero means off).
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.BodyLimit == 0 {
		c.BodyLimit = d.BodyLimit
	}
	if c.ImportLimit == 0 {
		c.ImportLimit = d.ImportLimit
	}
	if c.MaxTextRunes == 0 {
		c.MaxTextRunes = d.MaxTextRunes
	}
	if c.Burst == 0 {
		c.Burst = d.Burst
	}
	if c.MaxClients == 0 {
		c.MaxClients = d.MaxClients
	}
	if c.Heartbeat == 0 {
		c.Heartbeat = d.Heartbeat
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = d.ShutdownTimeout
	}
	return c
}

// Validate reports the first nonsensical setting.
func (c Config) Validate() error {
	switch {
	case c.BodyLimit < 0:
		return fmt.Errorf("api: body limit %d is negative", c.BodyLimit)
	case c.ImportLimit < 0:
		return fmt.Errorf("api: import limit %d is negative", c.ImportLimit)
	case c.MaxTextRunes < 0:
		return fmt.Errorf("api: max text runes %d is negative", c.MaxTextRunes)
	case c.Rate < 0:
		return fmt.Errorf("api: rate %g is negative (0 turns limiting off)", c.Rate)
	case c.Burst < 0:
		return fmt.Errorf("api: burst %d is negative", c.Burst)
	case c.MaxClients < 0:
		return fmt.Errorf("api: max clients %d is negative", c.MaxClients)
	case c.Heartbeat < 0:
		return fmt.Errorf("api: heartbeat %s is negative", c.Heartbeat)
	case c.ShutdownTimeout < 0:
		return fmt.Errorf("api: shutdown timeout %s is negative", c.ShutdownTimeout)
	}
	seen := map[string]string{}
	for _, rt := range []struct{ role, tok string }{
		{roleAdmin, c.Tokens.Admin}, {roleEditor, c.Tokens.Editor}, {roleAgent, c.Tokens.Agent},
	} {
		if rt.tok == "" {
			continue
		}
		if other, ok := seen[rt.tok]; ok {
			return fmt.Errorf("api: the %s and %s tokens are the same", other, rt.role)
		}
		seen[rt.tok] = rt.role
	}
	for _, o := range c.CORSOrigins {
		if o != "*" && !strings.Contains(o, "://") {
			return fmt.Errorf("api: CORS origin %q is not scheme://host[:port]", o)
		}
	}
	for _, p := range c.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				return fmt.Errorf("api: trusted proxy %q is neither an IP nor a CIDR", p)
			}
		}
	}
	return nil
}

// Deps are what the server calls down to, plus its observability sinks.
// The four interfaces are required: wire a no-op implementation, never nil.
type Deps struct {
	Conversations Conversations
	Handoff       Handoff
	Parser        Parser
	KB            KnowledgeBase
	// Logger receives one JSON line per request; nil discards.
	Logger *slog.Logger
	// Registry receives the api's metrics and is served at /metrics; nil
	// makes a fresh one with the Go and process collectors.
	Registry *prometheus.Registry
	// BuildInfo labels kefu_build_info ("version", "go").
	BuildInfo map[string]string
	// Ready gates /readyz; nil asks Parser.Ready.
	Ready func() bool
	// Intents are the loaded model's intent labels: kefu_intents_total
	// starts them at 0, and incidents may only name them (when given).
	Intents []string
}

// Server is kefu's HTTP server. Build it with New; it is safe for
// concurrent use.
type Server struct {
	Config
	Conversations Conversations
	Handoff       Handoff
	Parser        Parser
	KB            KnowledgeBase
	Logger        *slog.Logger
	Registry      *prometheus.Registry
	BuildInfo     map[string]string
	Ready         func() bool

	intents   map[string]bool
	site      *web.Site
	engine    *gin.Engine
	metrics   *metrics
	limiter   *limiter
	cors      corsPolicy
	tokens    tokenSet
	closing   chan struct{} // closed when Serve begins shutting down: ends SSE streams
	closeOnce sync.Once
}

// New checks cfg, fills its defaults and builds the router.
func New(cfg Config, deps Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	switch {
	case deps.Conversations == nil:
		return nil, errors.New("api: no Conversations")
	case deps.Handoff == nil:
		return nil, errors.New("api: no Handoff")
	case deps.Parser == nil:
		return nil, errors.New("api: no Parser")
	case deps.KB == nil:
		return nil, errors.New("api: no KnowledgeBase")
	}
	s := &Server{
		Config:        cfg,
		Conversations: deps.Conversations,
		Handoff:       deps.Handoff,
		Parser:        deps.Parser,
		KB:            deps.KB,
		Logger:        deps.Logger,
		Registry:      deps.Registry,
		BuildInfo:     deps.BuildInfo,
		Ready:         deps.Ready,
		closing:       make(chan struct{}),
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.Registry == nil {
		s.Registry = prometheus.NewRegistry()
		s.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if s.Ready == nil {
		s.Ready = s.Parser.Ready
	}
	if len(deps.Intents) > 0 {
		s.intents = make(map[string]bool, len(deps.Intents))
		for _, in := range deps.Intents {
			s.intents[in] = true
		}
	}
	m, err := newMetrics(s.Registry, s.BuildInfo, deps.Intents, s.Handoff)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	if cfg.Rate > 0 {
		s.limiter = newLimiter(cfg.Rate, cfg.Burst, cfg.MaxClients)
	}
	s.cors = newCORSPolicy(cfg.CORSOrigins)
	s.tokens = newTokenSet(cfg.Tokens)
	if s.site, err = web.New(); err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	if err := s.buildEngine(); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler returns the router.
func (s *Server) Handler() http.Handler { return s.engine }

// Route is one registered route; Path uses OpenAPI's {param} syntax.
type Route struct {
	Method string
	Path   string
}

// Routes lists the registered routes, sorted by path then method.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.engine.Routes() {
		out = append(out, Route{Method: r.Method, Path: openAPIPath(r.Path)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// openAPIPath turns gin's /a/:id/*rest into /a/{id}/{rest}.
func openAPIPath(p string) string {
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		if strings.HasPrefix(seg, ":") || strings.HasPrefix(seg, "*") {
			segs[i] = "{" + seg[1:] + "}"
		}
	}
	return strings.Join(segs, "/")
}

func (s *Server) buildEngine() error {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.ContextWithFallback = true
	if err := r.SetTrustedProxies(s.TrustedProxies); err != nil {
		return fmt.Errorf("api: trusted proxies: %w", err)
	}
	r.Use(s.requestID, s.observe, s.recoverer, secureHeaders, s.corsHandler, s.rateLimit)
	r.NoRoute(func(c *gin.Context) {
		s.writeError(c, errNoRoute)
	})
	r.NoMethod(func(c *gin.Context) {
		s.writeError(c, errNoMethod)
	})

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", s.metricsHandler())
	r.GET("/openapi.json", s.openAPI)
	s.webRoutes(r)

	v1 := r.Group("/v1")
	s.conversationRoutes(v1)
	s.nluRoutes(v1.Group("", s.require(roleEditor)))
	kb := v1.Group("/kb", s.require(roleEditor))
	s.articleRoutes(kb)
	s.searchRoutes(kb)
	s.importRoutes(kb)
	s.unansweredRoutes(kb)
	s.synonymRoutes(kb)
	agents := v1.Group("", s.require(roleAgent))
	s.handoffRoutes(agents)
	s.ticketRoutes(agents)
	s.incidentRoutes(v1.Group("/admin", s.require(roleAdmin)))
	s.engine = r
	return nil
}

// Serve serves the API on ln until ctx ends, then shuts down gracefully:
// it stops accepting, ends open event streams, lets in-flight requests
// finish (up to ShutdownTimeout) and returns nil. Serve may be called once.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(s.beginShutdown)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("api: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		srv.Close()
		err = fmt.Errorf("api: shutdown: %w", err)
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = fmt.Errorf("api: serve: %w", serr)
	}
	return err
}

// beginShutdown ends the event streams, which would otherwise hold
// Shutdown until its deadline.
func (s *Server) beginShutdown() {
	s.closeOnce.Do(func() { close(s.closing) })
}
