package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kefu-ai/kefu/api"
	"github.com/kefu-ai/kefu/api/apitest"
)

const (
	adminToken  = "admin-token-0123456789"
	editorToken = "editor-token-0123456789"
	agentToken  = "agent-token-0123456789"
)

// env is one server over fresh doubles.
type env struct {
	t    testing.TB
	srv  *api.Server
	h    http.Handler
	f    *apitest.Fakes
	reg  *prometheus.Registry
	logs *syncBuffer
}

// option adjusts the configuration or dependencies of a test server.
type option func(*api.Config, *api.Deps)

func newEnv(t testing.TB, opts ...option) *env {
	t.Helper()
	f := apitest.New()
	cfg := api.DefaultConfig()
	cfg.Rate = 0 // tests that want limiting say so
	cfg.Tokens = api.Tokens{Admin: adminToken, Editor: editorToken, Agent: agentToken}
	deps := f.Deps()
	logs := &syncBuffer{}
	deps.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	deps.Registry = prometheus.NewRegistry()
	deps.BuildInfo = map[string]string{"version": "v0.0.0-test"}
	deps.Intents = []string{"order_status", "refund_status", "oos"}
	for _, o := range opts {
		o(&cfg, &deps)
	}
	srv, err := api.New(cfg, deps)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	return &env{t: t, srv: srv, h: srv.Handler(), f: f, reg: deps.Registry, logs: logs}
}

// req is one request of a table.
type req struct {
	method string
	path   string
	body   string // sent as is; "" sends no body
	token  string
	header map[string]string
	remote string // RemoteAddr; default 192.0.2.1:1234
}

func (e *env) do(r req) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if r.body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	if r.remote != "" {
		hr.RemoteAddr = r.remote
	}
	rr := httptest.NewRecorder()
	e.h.ServeHTTP(rr, hr)
	return rr
}

// wantStatus fails unless the answer has status want.
func wantStatus(t testing.TB, rr *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rr.Code != want {
		t.Fatalf("status: got %d, want %d; body: %s", rr.Code, want, rr.Body.String())
	}
}

// wantError fails unless the answer is status with the JSON error shape
// and code.
func wantError(t *testing.T, rr *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	wantStatus(t, rr, status)
	if ct := rr.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type: got %q, want application/json; body: %s", ct, rr.Body.String())
	}
	var got struct {
		Error *struct {
			Code    *string `json:"code"`
			Message *string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(rr.Body.Bytes(), &got); err != nil {
		t.Fatalf("error body is not JSON: %v; body: %s", err, rr.Body.String())
	}
	if got.Error == nil || got.Error.Code == nil || got.Error.Message == nil {
		t.Fatalf("error body: got %s, want {\"error\":{\"code\",\"message\"}}", rr.Body.String())
	}
	if *got.Error.Code != code {
		t.Errorf("error code: got %q, want %q; body: %s", *got.Error.Code, code, rr.Body.String())
	}
	if strings.TrimSpace(*got.Error.Message) == "" {
		t.Errorf("error message is empty; body: %s", rr.Body.String())
	}
	if rr.Header().Get("X-Request-ID") == "" {
		t.Errorf("error answer has no X-Request-ID")
	}
}

// decode unmarshals the answer into v.
func decode(t *testing.T, rr *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rr.Body.Bytes(), v); err != nil {
		t.Fatalf("body is not the expected JSON: %v; body: %s", err, rr.Body.String())
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logLines parses the JSON log lines.
func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, l)
		}
		out = append(out, m)
	}
	return out
}

// scrape returns the /metrics text.
func (e *env) scrape() string {
	e.t.Helper()
	rr := e.do(req{method: http.MethodGet, path: "/metrics"})
	wantStatus(e.t, rr, http.StatusOK)
	return rr.Body.String()
}

// newHTTPServer serves e over a real connection (for streams and shutdown).
func newHTTPServer(t *testing.T, e *env) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(e.h)
	t.Cleanup(ts.Close)
	return ts
}

type (
	apiConfig = api.Config
	apiDeps   = api.Deps
)
