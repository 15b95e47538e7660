package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kefu-ai/kefu/api"
	"github.com/kefu-ai/kefu/api/apitest"
	"github.com/kefu-ai/kefu/dialog"
	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/kb"
	"github.com/kefu-ai/kefu/nlu"
	"github.com/kefu-ai/kefu/store"
)

func TestHealth(t *testing.T) {
	var ready atomic.Bool
	e := newEnv(t, func(_ *apiConfig, d *apiDeps) { d.Ready = ready.Load })
	rr := e.do(req{method: "GET", path: "/healthz"})
	wantStatus(t, rr, http.StatusOK)
	if rr.Body.String() != `{"status":"ok"}` {
		t.Errorf("healthz body: got %s, want {\"status\":\"ok\"}", rr.Body.String())
	}
	wantError(t, e.do(req{method: "GET", path: "/readyz"}), http.StatusServiceUnavailable, errs.Unavailable)
	ready.Store(true)
	rr = e.do(req{method: "GET", path: "/readyz"})
	wantStatus(t, rr, http.StatusOK)
	if rr.Body.String() != `{"status":"ready"}` {
		t.Errorf("readyz body: got %s, want {\"status\":\"ready\"}", rr.Body.String())
	}
}

func TestReadyDefaultsToParser(t *testing.T) {
	e := newEnv(t)
	e.f.Parser.ReadyFunc = func() bool { return false }
	wantError(t, e.do(req{method: "GET", path: "/readyz"}), http.StatusServiceUnavailable, errs.Unavailable)
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	tests := []struct {
		name   string
		r      req
		status int
		code   string
		allow  string
	}{
		{name: "unknown path", r: req{method: "GET", path: "/nope"}, status: 404, code: errs.NotFound},
		{name: "unknown v1 path", r: req{method: "POST", path: "/v1/conversation", body: `{}`}, status: 404, code: errs.NotFound},
		{name: "trailing slash", r: req{method: "POST", path: "/v1/conversations/", body: `{}`}, status: 404, code: errs.NotFound},
		{name: "unknown web asset", r: req{method: "GET", path: "/widget/nope.js"}, status: 404, code: errs.NotFound},
		{name: "unknown console page", r: req{method: "GET", path: "/console/nope"}, status: 404, code: errs.NotFound},
		{name: "POST the demo page", r: req{method: "POST", path: "/", body: `{}`}, status: 405, code: "method_not_allowed", allow: "GET"},
		{name: "wrong method", r: req{method: "DELETE", path: "/v1/conversations"}, status: 405, code: "method_not_allowed", allow: "POST"},
		{name: "GET a POST route", r: req{method: "GET", path: "/v1/conversations/c-1/messages"}, status: 405, code: "method_not_allowed", allow: "POST"},
		{name: "PATCH an article", r: req{method: "PATCH", path: "/v1/kb/articles/a-1", token: editorToken}, status: 405, code: "method_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			rr := e.do(tt.r)
			wantError(t, rr, tt.status, tt.code)
			if got := rr.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options: got %q, want nosniff", got)
			}
			if tt.allow != "" && !strings.Contains(rr.Header().Get("Allow"), tt.allow) {
				t.Errorf("Allow: got %q, want it to list %s", rr.Header().Get("Allow"), tt.allow)
			}
			if e.f.Total() != 0 {
				t.Errorf("calls down: got %d, want 0", e.f.Total())
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		in   string
		same bool
	}{
		{name: "kept", in: "req-abc_123.4:5", same: true},
		{name: "generated when absent", in: ""},
		{name: "replaced when unsafe", in: "bad id\" injected=1"},
		{name: "replaced when long", in: strings.Repeat("a", 65)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := req{method: "GET", path: "/healthz"}
			if tt.in != "" {
				r.header = map[string]string{"X-Request-ID": tt.in}
			}
			got := e.do(r).Header().Get("X-Request-ID")
			switch {
			case tt.same && got != tt.in:
				t.Errorf("X-Request-ID: got %q, want %q", got, tt.in)
			case !tt.same && (got == "" || got == tt.in || len(got) > 64):
				t.Errorf("X-Request-ID: got %q, want a fresh id", got)
			}
		})
	}
}

func TestPanicIsRecovered(t *testing.T) {
	e := newEnv(t)
	e.f.Conversations.ReceiveFunc = func(context.Context, string, string) (dialog.Turn, error) {
		panic("boom: customer 13812345678 wrote li.lei@example.com about DD20241123001")
	}
	rr := e.do(req{method: "POST", path: "/v1/conversations/c-1/messages", body: `{"text":"hi"}`,
		header: map[string]string{"X-Request-ID": "req-panic-1"}})
	wantError(t, rr, http.StatusInternalServerError, errs.Internal)
	if strings.Contains(rr.Body.String(), "boom") {
		t.Errorf("body leaks the panic: %s", rr.Body.String())
	}
	var found bool
	for _, l := range e.logs.lines(t) {
		if l["msg"] == "panic serving request" && l["request_id"] == "req-panic-1" {
			found = true
			if p := fmt.Sprint(l["panic"]); strings.Contains(p, "13812345678") || strings.Contains(p, "li.lei@example.com") || strings.Contains(p, "DD20241123001") {
				t.Errorf("panic log is not masked: %s", p)
			}
		}
	}
	if !found {
		t.Errorf("no panic log line under request id req-panic-1; logs:\n%s", e.logs.String())
	}
	// The server still serves.
	wantStatus(t, e.do(req{method: "GET", path: "/healthz"}), http.StatusOK)
}

func TestRequestLog(t *testing.T) {
	e := newEnv(t)
	e.f.Conversations.TranscriptFunc = func(context.Context, string) (dialog.Transcript, error) {
		return dialog.Transcript{}, errs.E(errs.NotFound, "none")
	}
	e.do(req{method: "GET", path: "/v1/conversations/13812345678", header: map[string]string{"X-Request-ID": "req-log-1"}})
	var line map[string]any
	for _, l := range e.logs.lines(t) {
		if l["request_id"] == "req-log-1" && l["msg"] == "http request" {
			line = l
		}
	}
	if line == nil {
		t.Fatalf("no request log line; logs:\n%s", e.logs.String())
	}
	if line["route"] != "/v1/conversations/:id" || line["status"] != float64(404) || line["latency_ms"] == nil || line["method"] != "GET" {
		t.Errorf("log line: got %v, want route /v1/conversations/:id, status 404, method, latency", line)
	}
	if strings.Contains(e.logs.String(), "13812345678") {
		t.Errorf("logs leak a phone number:\n%s", e.logs.String())
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"call 13812345678 now", "call [phone] now"},
		{"+86 138-1234-5678", "[phone]"},
		{"mail Li.Lei@Example.com.cn ok", "mail [email] ok"},
		{"订单DD20241123001到哪了", "订单DD***********到哪了"},
		{"order dd20241123001", "order DD***********"},
		{"我的手机13912345678，邮箱a@b.cn", "我的手机[phone]，邮箱[email]"},
		{"nothing here 12345", "nothing here 12345"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := api.Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, func(c *apiConfig, _ *apiDeps) { c.Rate, c.Burst = 1, 2 })
	e.f.Conversations.StartFunc = func(context.Context, dialog.Start) (store.Conversation, error) {
		return store.Conversation{ID: "c-1", State: "bot"}, nil
	}
	start := req{method: "POST", path: "/v1/conversations", remote: "198.51.100.7:5000"}
	wantStatus(t, e.do(start), http.StatusCreated)
	wantStatus(t, e.do(start), http.StatusCreated)
	rr := e.do(start)
	wantError(t, rr, http.StatusTooManyRequests, errs.RateLimited)
	if secs, err := strconv.Atoi(rr.Header().Get("Retry-After")); err != nil || secs < 1 {
		t.Errorf("Retry-After: got %q, want a positive number of seconds", rr.Header().Get("Retry-After"))
	}
	if n := e.f.Conversations.Count("Start"); n != 2 {
		t.Errorf("Start calls: got %d, want 2 (the limited request is not passed down)", n)
	}
	// Another client has its own bucket; probes are never limited.
	wantStatus(t, e.do(req{method: "POST", path: "/v1/conversations", remote: "198.51.100.8:5000"}), http.StatusCreated)
	wantStatus(t, e.do(req{method: "GET", path: "/healthz", remote: "198.51.100.7:5000"}), http.StatusOK)
	// An untrusted peer cannot dodge the limit with X-Forwarded-For.
	spoof := start
	spoof.header = map[string]string{"X-Forwarded-For": "203.0.113.9"}
	wantError(t, e.do(spoof), http.StatusTooManyRequests, errs.RateLimited)
}

func TestRateLimitTrustedProxy(t *testing.T) {
	e := newEnv(t, func(c *apiConfig, _ *apiDeps) {
		c.Rate, c.Burst = 1, 1
		c.TrustedProxies = []string{"10.0.0.0/8"}
	})
	e.f.Conversations.StartFunc = func(context.Context, dialog.Start) (store.Conversation, error) {
		return store.Conversation{ID: "c-1", State: "bot"}, nil
	}
	via := func(client string) req {
		return req{method: "POST", path: "/v1/conversations", remote: "10.1.2.3:443", header: map[string]string{"X-Forwarded-For": client}}
	}
	wantStatus(t, e.do(via("203.0.113.1")), http.StatusCreated)
	wantStatus(t, e.do(via("203.0.113.2")), http.StatusCreated)
	wantError(t, e.do(via("203.0.113.1")), http.StatusTooManyRequests, errs.RateLimited)
	// IPv6 clients are limited per /64.
	wantStatus(t, e.do(via("2001:db8:1:2::1")), http.StatusCreated)
	wantError(t, e.do(via("2001:db8:1:2::ffff")), http.StatusTooManyRequests, errs.RateLimited)
}

func TestRateLimitForgetsOldClients(t *testing.T) {
	e := newEnv(t, func(c *apiConfig, _ *apiDeps) { c.Rate, c.Burst, c.MaxClients = 0.001, 1, 2 })
	e.f.Conversations.StartFunc = func(context.Context, dialog.Start) (store.Conversation, error) {
		return store.Conversation{ID: "c-1", State: "bot"}, nil
	}
	from := func(ip string) req { return req{method: "POST", path: "/v1/conversations", remote: ip + ":1"} }
	wantStatus(t, e.do(from("192.0.2.10")), http.StatusCreated)
	wantError(t, e.do(from("192.0.2.10")), http.StatusTooManyRequests, errs.RateLimited)
	wantStatus(t, e.do(from("192.0.2.11")), http.StatusCreated)
	wantStatus(t, e.do(from("192.0.2.12")), http.StatusCreated) // evicts .10, the least recent
	wantStatus(t, e.do(from("192.0.2.10")), http.StatusCreated)
}

func TestCORS(t *testing.T) {
	e := newEnv(t, func(c *apiConfig, _ *apiDeps) { c.CORSOrigins = []string{"https://shop.example.com"} })
	e.f.Conversations.StartFunc = func(context.Context, dialog.Start) (store.Conversation, error) {
		return store.Conversation{ID: "c-1", State: "bot"}, nil
	}
	preflight := func(origin string) req {
		return req{method: "OPTIONS", path: "/v1/conversations/c-1/messages", header: map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}}
	}
	rr := e.do(preflight("https://shop.example.com"))
	wantStatus(t, rr, http.StatusNoContent)
	h := rr.Header()
	if h.Get("Access-Control-Allow-Origin") != "https://shop.example.com" ||
		!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "content-type") ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") || h.Get("Access-Control-Max-Age") == "" {
		t.Errorf("preflight headers: got %v", h)
	}
	if h.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("credentials allowed: got %q, want none", h.Get("Access-Control-Allow-Credentials"))
	}
	wantError(t, e.do(preflight("https://evil.example.net")), http.StatusForbidden, errs.Forbidden)

	rr = e.do(req{method: "POST", path: "/v1/conversations", header: map[string]string{"Origin": "https://shop.example.com"}})
	wantStatus(t, rr, http.StatusCreated)
	if rr.Header().Get("Access-Control-Allow-Origin") != "https://shop.example.com" || !strings.Contains(rr.Header().Get("Vary"), "Origin") {
		t.Errorf("simple request: got ACAO %q, Vary %q", rr.Header().Get("Access-Control-Allow-Origin"), rr.Header().Get("Vary"))
	}
	rr = e.do(req{method: "POST", path: "/v1/conversations", header: map[string]string{"Origin": "https://evil.example.net"}})
	if rr.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("other origin: got ACAO %q, want none", rr.Header().Get("Access-Control-Allow-Origin"))
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.f.Conversations.ReceiveFunc = func(context.Context, string, string) (dialog.Turn, error) {
		return dialog.Turn{MessageID: "m", State: "waiting_agent", Reply: &dialog.Reply{Intent: "refund_status"},
			Handoff: &dialog.HandoffInfo{Reason: "angry", Priority: 2, QueuePosition: 1}}, nil
	}
	e.f.Parser.ParseFunc = func(context.Context, string) nlu.Result { return nlu.Result{Intent: "oos"} }
	e.f.KB.SearchFunc = func(context.Context, kb.SearchRequest) ([]kb.Hit, error) { return nil, nil }
	e.f.Handoff.QueueFunc = func(context.Context) ([]dialog.QueueEntry, error) {
		return []dialog.QueueEntry{{ConversationID: "a"}, {ConversationID: "b", ClaimedBy: "ag"}, {ConversationID: "c"}}, nil
	}
	e.do(req{method: "POST", path: "/v1/conversations/c-1/messages", body: `{"text":"hi"}`})
	e.do(req{method: "POST", path: "/v1/nlu/parse", body: `{"text":"hi"}`, token: editorToken})
	e.do(req{method: "GET", path: "/v1/kb/search?q=hi", token: editorToken})
	e.do(req{method: "GET", path: "/no/such/thing/13812345678"})
	e.do(req{method: "BREW", path: "/v1/conversations"})
	rr := e.do(req{method: "GET", path: "/metrics"})
	wantStatus(t, rr, http.StatusOK)
	if ct := rr.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type: got %q, want text/plain", ct)
	}
	body := rr.Body.String()
	for _, want := range []string{
		`kefu_http_requests_total{method="POST",route="/v1/conversations/:id/messages",status="200"} 1`,
		`kefu_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`kefu_http_requests_total{method="other",route="unmatched",status="405"} 1`,
		`kefu_http_request_duration_seconds_count{method="POST",route="/v1/nlu/parse",status="200"} 1`,
		`kefu_messages_total{channel="customer",state="waiting_agent"} 1`,
		`kefu_messages_total{channel="agent",state="agent"} 0`,
		`kefu_intents_total{intent="refund_status"} 1`,
		`kefu_intents_total{intent="order_status"} 0`,
		`kefu_handoffs_total{reason="angry"} 1`,
		`kefu_queue_length 2`,
		`kefu_queue_wait_seconds_count 0`,
		`kefu_nlu_parse_duration_seconds_count 1`,
		`kefu_kb_search_duration_seconds_count 1`,
		`kefu_build_info{go="go`,
		`version="v0.0.0-test"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics: want %q in\n%s", want, body)
		}
	}
	if strings.Contains(body, "13812345678") {
		t.Errorf("a raw URL became a label:\n%s", body)
	}
}

func TestNew(t *testing.T) {
	f := apitest.New()
	tests := []struct {
		name string
		cfg  api.Config
		deps api.Deps
		ok   bool
	}{
		{name: "defaults", cfg: api.DefaultConfig(), deps: f.Deps(), ok: true},
		{name: "zero config", cfg: api.Config{}, deps: f.Deps(), ok: true},
		{name: "no conversations", cfg: api.DefaultConfig(), deps: api.Deps{Handoff: f.Handoff, Parser: f.Parser, KB: f.KB}},
		{name: "no kb", cfg: api.DefaultConfig(), deps: api.Deps{Conversations: f.Conversations, Handoff: f.Handoff, Parser: f.Parser}},
		{name: "negative rate", cfg: api.Config{Rate: -1}, deps: f.Deps()},
		{name: "negative body limit", cfg: api.Config{BodyLimit: -1}, deps: f.Deps()},
		{name: "same token twice", cfg: api.Config{Tokens: api.Tokens{Admin: "x", Agent: "x"}}, deps: f.Deps()},
		{name: "bad proxy", cfg: api.Config{TrustedProxies: []string{"not-an-ip"}}, deps: f.Deps()},
		{name: "bad origin", cfg: api.Config{CORSOrigins: []string{"shop.example.com"}}, deps: f.Deps()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := api.New(tt.cfg, tt.deps)
			if (err == nil) != tt.ok {
				t.Errorf("New: got error %v, want ok=%v", err, tt.ok)
			}
		})
	}
	t.Run("registry used twice", func(t *testing.T) {
		d := f.Deps()
		d.Registry = prometheus.NewRegistry()
		if _, err := api.New(api.Config{}, d); err != nil {
			t.Fatalf("first New: %v", err)
		}
		if _, err := api.New(api.Config{}, d); err == nil {
			t.Errorf("second New on the same registry: got nil error, want a registration error")
		}
	})
}

func TestTokensDoNotPrint(t *testing.T) {
	cfg := api.DefaultConfig()
	cfg.Tokens = api.Tokens{Admin: "s3cr3t-admin", Editor: "s3cr3t-editor", Agent: "s3cr3t-agent"}
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprint(cfg.Tokens)} {
		if strings.Contains(s, "s3cr3t") {
			t.Errorf("config prints a token: %s", s)
		}
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	e := newEnv(t)
	started := make(chan struct{})
	e.f.Conversations.ReceiveFunc = func(ctx context.Context, _, text string) (dialog.Turn, error) {
		close(started)
		time.Sleep(300 * time.Millisecond) // in flight when shutdown begins
		return dialog.Turn{MessageID: "m-1", State: "bot"}, nil
	}
	e.f.Conversations.SubscribeFunc = func(ctx context.Context, id string) (<-chan dialog.Event, func(), error) {
		return make(chan dialog.Event), func() {}, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- e.srv.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()

	// An open event stream must not hold shutdown up.
	stream, err := http.Get(base + "/v1/conversations/c-1/events")
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	defer stream.Body.Close()

	type result struct {
		status int
		body   string
		err    error
	}
	inflight := make(chan result, 1)
	go func() {
		resp, err := http.Post(base+"/v1/conversations/c-1/messages", "application/json", strings.NewReader(`{"text":"hi"}`))
		if err != nil {
			inflight <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		inflight <- result{status: resp.StatusCode, body: string(b)}
	}()
	<-started
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: got %v, want nil after a graceful shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return within 10 s of its context ending")
	}
	r := <-inflight
	if r.err != nil || r.status != http.StatusOK {
		t.Errorf("in-flight request: got status %d err %v body %s, want 200", r.status, r.err, r.body)
	}
	if _, err := io.ReadAll(stream.Body); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Logf("event stream ended with %v", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Errorf("the server still accepts connections after shutdown")
	}
}

// TestBodyLimitStreamed checks the limit holds for a body of unknown length
// (chunked), not only for a declared Content-Length.
func TestBodyLimitStreamed(t *testing.T) {
	e := newEnv(t)
	big := io.MultiReader(strings.NewReader(`{"text":"`), strings.NewReader(strings.Repeat("a", 100<<10)), strings.NewReader(`"}`))
	r := httptest.NewRequest(http.MethodPost, "/v1/conversations/c-1/messages", big)
	r.ContentLength = -1
	rr := httptest.NewRecorder()
	e.h.ServeHTTP(rr, r)
	wantError(t, rr, http.StatusRequestEntityTooLarge, errs.TooLarge)
	if n := e.f.Conversations.Count("Receive"); n != 0 {
		t.Errorf("Receive calls: got %d, want 0", n)
	}
}
