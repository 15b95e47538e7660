package orders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/kefu-ai/kefu/dialog"
	"github.com/kefu-ai/kefu/errs"
)

// HTTPConfig configures the shop-system connector.
type HTTPConfig struct {
	// BaseURL of the shop's API: orders are GET {BaseURL}/orders/{id}.
	BaseURL string
	// Token, when set, is sent as "Authorization: Bearer <Token>".
	Token string
	// Timeout bounds each attempt.
	Timeout time.Duration
	// Retries after the first attempt, for network errors, 5xx and 429.
	Retries int
	// Backoff before the first retry; doubled for each next one.
	Backoff time.Duration
	// BreakerFailures consecutive failed lookups open the breaker: lookups
	// fail fast with errs.Unavailable for BreakerCooldown, then one trial
	// lookup decides whether it closes again.
	BreakerFailures int
	BreakerCooldown time.Duration
	// Client; nil uses a client of its own.
	Client *http.Client
	// Now and Sleep are for tests; nil uses the clock.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultHTTPConfig returns sensible settings for base.
func DefaultHTTPConfig(base string) HTTPConfig {
	return HTTPConfig{
		BaseURL: base, Timeout: 2 * time.Second, Retries: 2, Backoff: 100 * time.Millisecond,
		BreakerFailures: 5, BreakerCooldown: 30 * time.Second,
	}
}

// HTTP reads orders from the shop's system. It is safe for concurrent use.
type HTTP struct {
	cfg  HTTPConfig
	base *url.URL

	mu        sync.Mutex
	failures  int       // consecutive failed lookups
	openUntil time.Time // breaker open until then
	trial     bool      // a half-open trial lookup is under way
}

var _ dialog.OrderConnector = (*HTTP)(nil)

// maxBody bounds an order's JSON.
const maxBody = 1 << 20

// NewHTTP checks cfg and returns the connector.
func NewHTTP(cfg HTTPConfig) (*HTTP, error) {
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("orders: base URL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.Timeout <= 0 || cfg.Retries < 0 || cfg.Backoff < 0 || cfg.BreakerFailures < 1 || cfg.BreakerCooldown <= 0 {
		return nil, errors.New("orders: timeout, breaker failures and cooldown must be positive; retries and backoff not negative")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	return &HTTP{cfg: cfg, base: u}, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Order fetches one order.
//
// Errors: errs.NotFound (404, or an id that cannot be an order id);
// errs.Unavailable when the shop fails after the retries, answers
// nonsense, or the breaker is open.
func (h *HTTP) Order(ctx context.Context, id string) (dialog.Order, error) {
	id = strings.TrimSpace(id)
	if !validID(id) {
		return dialog.Order{}, errs.E(errs.NotFound, "order %q not found", id)
	}
	if !h.allow() {
		return dialog.Order{}, errs.E(errs.Unavailable, "the shop's order system is unavailable")
	}
	o, err := h.fetch(ctx, id)
	h.record(err)
	return o, err
}

// allow reports whether a lookup may go out: the breaker is closed, or
// it is half-open and no other trial is running.
func (h *HTTP) allow() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failures < h.cfg.BreakerFailures {
		return true
	}
	if h.cfg.Now().Before(h.openUntil) || h.trial {
		return false
	}
	h.trial = true
	return true
}

// record updates the breaker with a lookup's outcome; not found is an
// answer, not a failure.
func (h *HTTP) record(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.trial = false
	if err == nil || errs.Is(err, errs.NotFound) {
		h.failures = 0
		return
	}
	if errors.Is(err, context.Canceled) {
		return // the caller gave up; says nothing about the shop
	}
	h.failures++
	if h.failures >= h.cfg.BreakerFailures {
		h.openUntil = h.cfg.Now().Add(h.cfg.BreakerCooldown)
	}
}

// validID admits ids made of letters, digits, '-' and '_' only, so an id
// can never change the path it is put into.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// errRetry marks a failure worth another attempt.
type errRetry struct{ error }

func (h *HTTP) fetch(ctx context.Context, id string) (dialog.Order, error) {
	u := h.base.JoinPath("orders", id)
	var last error
	for attempt := 0; attempt <= h.cfg.Retries; attempt++ {
		if attempt > 0 {
			if err := h.cfg.Sleep(ctx, h.cfg.Backoff<<(attempt-1)); err != nil {
				return dialog.Order{}, unavailable(err)
			}
		}
		o, err := h.once(ctx, u.String())
		var retry errRetry
		if !errors.As(err, &retry) {
			return o, err
		}
		last = retry.error
		if ctx.Err() != nil {
			break
		}
	}
	return dialog.Order{}, unavailable(last)
}

func unavailable(err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w: %w", errs.E(errs.Unavailable, "the order lookup was cancelled"), err)
	}
	return errs.E(errs.Unavailable, "the shop's order system is unavailable: %v", err)
}

func (h *HTTP) once(ctx context.Context, u string) (dialog.Order, error) {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return dialog.Order{}, errs.E(errs.Unavailable, "bad order request: %v", err)
	}
	req.Header.Set("Accept", "application/json")
	if h.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+h.cfg.Token)
	}
	resp, err := h.cfg.Client.Do(req)
	if err != nil {
		return dialog.Order{}, errRetry{err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	switch {
	case err != nil:
		return dialog.Order{}, errRetry{err}
	case resp.StatusCode == http.StatusNotFound:
		return dialog.Order{}, errs.E(errs.NotFound, "order not found")
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return dialog.Order{}, errRetry{fmt.Errorf("shop answered %s", resp.Status)}
	case resp.StatusCode != http.StatusOK:
		return dialog.Order{}, errs.E(errs.Unavailable, "the shop's order system answered %s", resp.Status)
	case len(body) > maxBody:
		return dialog.Order{}, errs.E(errs.Unavailable, "the shop's order is larger than %d bytes", maxBody)
	}
	var o dialog.Order
	if err := json.Unmarshal(body, &o); err != nil {
		return dialog.Order{}, errs.E(errs.Unavailable, "the shop's order system answered bad JSON: %v", err)
	}
	return o, nil
}
