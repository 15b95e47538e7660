package orders_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefu-ai/kefu/dialog/orders"
	"github.com/kefu-ai/kefu/errs"
)

const orderJSON = `{"id": "DD20241123009", "user_id": "u1001", "status": "shipped", "amount": 8999, "currency": "CNY",
 "items": [{"sku": "LAP", "name": "笔记本", "qty": 1, "price": 8999}], "carrier": "顺丰速运", "tracking_no": "SF1428830917264",
 "eta": "2026-11-23", "events": [{"time": "2026-11-21T18:00:00+08:00", "status": "collected", "location": "广州仓", "description": "已揽收"}],
 "customer": {"name": "张晓明", "phone": "13800138001", "address": "杭州"}}`

// shop is a fake shop system answering with a scripted sequence of
// statuses (the last repeats).
type shop struct {
	mu       sync.Mutex
	statuses []int
	delay    time.Duration
	hits     atomic.Int64
	paths    []string
	auth     []string
}

func (s *shop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.hits.Add(1))
	s.mu.Lock()
	s.paths = append(s.paths, r.URL.EscapedPath())
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	status := s.statuses[min(n, len(s.statuses))-1]
	s.mu.Unlock()
	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-r.Context().Done():
			return
		}
	}
	w.WriteHeader(status)
	switch status {
	case http.StatusOK:
		w.Write([]byte(orderJSON))
	case 299: // success with a broken body
		w.Write([]byte(`{"id": `))
	}
}

// fastConfig retries without real sleeping and keeps timeouts short.
func fastConfig(base string) orders.HTTPConfig {
	cfg := orders.DefaultHTTPConfig(base)
	cfg.Timeout = 200 * time.Millisecond
	cfg.Sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	cfg.Token = "shop-token"
	return cfg
}

func TestHTTPOrder(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int
		delay    time.Duration
		id       string
		wantCode string
		wantHits int64
	}{
		{name: "found", statuses: []int{200}, id: "DD20241123009", wantHits: 1},
		{name: "not found is not retried", statuses: []int{404}, id: "DD20241123009", wantCode: errs.NotFound, wantHits: 1},
		{name: "transient failure is retried", statuses: []int{503, 502, 200}, id: "DD20241123009", wantHits: 3},
		{name: "rate limited is retried", statuses: []int{429, 200}, id: "DD20241123009", wantHits: 2},
		{name: "failure after retries is unavailable", statuses: []int{500}, id: "DD20241123009", wantCode: errs.Unavailable, wantHits: 3},
		{name: "client error is unavailable, not retried", statuses: []int{401}, id: "DD20241123009", wantCode: errs.Unavailable, wantHits: 1},
		{name: "bad JSON is unavailable", statuses: []int{299}, id: "DD20241123009", wantCode: errs.Unavailable, wantHits: 1},
		{name: "timeout is unavailable", statuses: []int{200}, delay: 2 * time.Second, id: "DD20241123009", wantCode: errs.Unavailable, wantHits: 3},
		{name: "id that is no id never leaves", statuses: []int{200}, id: "../admin", wantCode: errs.NotFound, wantHits: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &shop{statuses: tt.statuses, delay: tt.delay}
			srv := httptest.NewServer(s)
			defer srv.Close()
			h, err := orders.NewHTTP(fastConfig(srv.URL + "/api/"))
			if err != nil {
				t.Fatal(err)
			}
			o, err := h.Order(context.Background(), tt.id)
			if errs.Code(err) != tt.wantCode {
				t.Fatalf("error %v, want %q", err, tt.wantCode)
			}
			if got := s.hits.Load(); got != tt.wantHits {
				t.Errorf("%d requests, want %d", got, tt.wantHits)
			}
			if err != nil {
				return
			}
			if o.ID != "DD20241123009" || o.UserID != "u1001" || o.Amount != 8999 || len(o.Events) != 1 || o.Customer.Phone != "13800138001" {
				t.Errorf("order %+v", o)
			}
			if s.paths[0] != "/api/orders/DD20241123009" || s.auth[0] != "Bearer shop-token" {
				t.Errorf("request %s with %q", s.paths[0], s.auth[0])
			}
		})
	}
}

func TestHTTPCircuitBreaker(t *testing.T) {
	s := &shop{statuses: []int{500}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	cfg := fastConfig(srv.URL)
	cfg.Retries = 0
	cfg.BreakerFailures = 3
	cfg.BreakerCooldown = time.Minute
	cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h, err := orders.NewHTTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 3 {
		if _, err := h.Order(ctx, "DD20241123009"); !errs.Is(err, errs.Unavailable) {
			t.Fatalf("failing shop: %v", err)
		}
	}
	// Open: fail fast without asking the shop.
	for range 5 {
		if _, err := h.Order(ctx, "DD20241123009"); !errs.Is(err, errs.Unavailable) {
			t.Fatalf("open breaker: %v", err)
		}
	}
	if hits := s.hits.Load(); hits != 3 {
		t.Fatalf("%d requests reached the shop with the breaker open, want 3", hits)
	}
	// After the cooldown one trial goes out; the shop is back.
	s.mu.Lock()
	s.statuses = []int{200}
	s.mu.Unlock()
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if _, err := h.Order(ctx, "DD20241123009"); err != nil {
		t.Fatalf("half-open trial: %v", err)
	}
	if _, err := h.Order(ctx, "DD20241123009"); err != nil {
		t.Fatalf("closed again: %v", err)
	}
	if hits := s.hits.Load(); hits != 5 {
		t.Errorf("%d requests, want 5", hits)
	}
}

func TestHTTPDownShop(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens any more
	h, err := orders.NewHTTP(fastConfig(base))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Order(context.Background(), "DD20241123009"); !errs.Is(err, errs.Unavailable) {
		t.Errorf("down shop: %v, want unavailable", err)
	}
}

func TestNewHTTPValidates(t *testing.T) {
	for _, base := range []string{"", "ftp://shop", "shop.example/api", "http://"} {
		if _, err := orders.NewHTTP(orders.DefaultHTTPConfig(base)); err == nil || !strings.Contains(err.Error(), "base URL") {
			t.Errorf("base %q: %v", base, err)
		}
	}
	cfg := orders.DefaultHTTPConfig("http://shop.example")
	cfg.BreakerFailures = 0
	if _, err := orders.NewHTTP(cfg); err == nil {
		t.Error("zero breaker failures accepted")
	}
}
