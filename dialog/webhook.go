package dialog

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// WebhookConfig sends every change of conversation owner (the EventState
// events) to the shop's URLs, signed so the receiver can trust it.
type WebhookConfig struct {
	URLs []string `mapstructure:"urls"`
	// Secret keys the signature header X-Kefu-Signature: "sha256=" + hex
	// HMAC-SHA256 of the body.
	Secret string `mapstructure:"secret"`
	// Timeout is per attempt; Attempts bounds the tries of one delivery,
	// with doubling backoff from Backoff.
	Timeout  time.Duration `mapstructure:"timeout"`
	Attempts int           `mapstructure:"attempts"`
	Backoff  time.Duration `mapstructure:"backoff"`
	// Queue bounds deliveries waiting to be sent; past it new ones are
	// dropped and logged, never blocking a conversation.
	Queue int `mapstructure:"queue"`
}

// SignatureHeader carries a webhook body's signature.
const SignatureHeader = "X-Kefu-Signature"

// SignWebhook returns the signature header value of body under secret.
func SignWebhook(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// webhookPayload is what a receiver gets.
type webhookPayload struct {
	Type           string `json:"type"`
	ConversationID string `json:"conversation_id"`
	Data           any    `json:"data"`
	SentAt         string `json:"sent_at"`
}

type webhooks struct {
	cfg    WebhookConfig
	client *http.Client
	queue  chan []byte
	log    *slog.Logger
}

// newWebhooks returns nil when no URL is configured.
func newWebhooks(cfg WebhookConfig, log *slog.Logger) *webhooks {
	if len(cfg.URLs) == 0 {
		return nil
	}
	cfg.Timeout = orDuration(cfg.Timeout, 5*time.Second)
	cfg.Backoff = orDuration(cfg.Backoff, 500*time.Millisecond)
	cfg.Attempts = max(cfg.Attempts, 1)
	cfg.Queue = max(cfg.Queue, 1)
	return &webhooks{cfg: cfg, client: &http.Client{Timeout: cfg.Timeout}, queue: make(chan []byte, cfg.Queue), log: log}
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// send queues an event for delivery without blocking.
func (w *webhooks) send(conv string, ev Event, now time.Time) {
	body, err := json.Marshal(webhookPayload{Type: ev.Type, ConversationID: conv, Data: ev.Data, SentAt: now.UTC().Format(time.RFC3339Nano)})
	if err != nil {
		w.log.Error("webhook: encode", "err", err)
		return
	}
	select {
	case w.queue <- body:
	default:
		w.log.Warn("webhook: queue full, event dropped", "conversation", conv, "type", ev.Type)
	}
}

// run delivers queued events until ctx ends.
func (w *webhooks) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case body := <-w.queue:
			for _, url := range w.cfg.URLs {
				if err := w.deliver(ctx, url, body); err != nil {
					w.log.Warn("webhook: delivery failed", "url", url, "err", err)
				}
			}
		}
	}
}

// deliver POSTs body to url, retrying network errors, 5xx and 429.
func (w *webhooks) deliver(ctx context.Context, url string, body []byte) error {
	sig := SignWebhook(w.cfg.Secret, body)
	wait := w.cfg.Backoff
	var last error
	for attempt := 1; attempt <= w.cfg.Attempts; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(SignatureHeader, sig)
		resp, err := w.client.Do(req)
		if err == nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			if resp.StatusCode < 300 {
				return nil
			}
			last = fmt.Errorf("status %s", resp.Status)
			if resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
				return last // the receiver refused it: trying again will not help
			}
		} else {
			last = err
		}
		if attempt == w.cfg.Attempts {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
	return fmt.Errorf("after %d attempts: %w", w.cfg.Attempts, last)
}
