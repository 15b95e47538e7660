package dialog_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kefu-ai/kefu/dialog"
)

// TestWebhookSignedAndRetried: a handoff's change of owner reaches the
// shop's URL signed with the secret, after the receiver failed once.
func TestWebhookSignedAndRetried(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	got := make(chan map[string]any, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if r.Header.Get(dialog.SignatureHeader) != dialog.SignWebhook("hook-secret", body) {
			t.Errorf("bad signature %q", r.Header.Get(dialog.SignatureHeader))
		}
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Errorf("body %s: %v", body, err)
		}
		got <- v
	}))
	defer srv.Close()

	h := newHarness(t, func(c *dialog.Config, _ *dialog.Deps) {
		c.Webhooks = dialog.WebhookConfig{URLs: []string{srv.URL}, Secret: "hook-secret", Attempts: 3, Backoff: time.Millisecond, Queue: 8}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.eng.Run(ctx)
	conv := h.start("", false, false)
	if _, err := h.eng.Receive(h.ctx, conv, "转人工"); err != nil {
		t.Fatal(err)
	}
	// Deliveries run in the background; the wait is bounded by go test's
	// own timeout, not a wall-clock limit here.
	for v := range got {
		data, _ := v["data"].(map[string]any)
		if v["type"] == dialog.EventState && v["conversation_id"] == conv && data["to"] == "waiting_agent" {
			return
		}
	}
}

// TestFirstAgentReplyObserved: the wait from handoff to the first agent
// message is reported once per handoff.
func TestFirstAgentReplyObserved(t *testing.T) {
	var waits []time.Duration
	h := newHarness(t, func(_ *dialog.Config, d *dialog.Deps) {
		d.FirstAgentReply = func(w time.Duration) { waits = append(waits, w) }
	})
	conv := h.start("", false, false)
	if _, err := h.eng.Receive(h.ctx, conv, "转人工"); err != nil {
		t.Fatal(err)
	}
	if err := h.eng.Claim(h.ctx, conv, "a1"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := h.eng.AgentSend(h.ctx, conv, "a1", "您好"); err != nil {
			t.Fatal(err)
		}
	}
	if len(waits) != 1 {
		t.Errorf("%d observations for one handoff, want 1", len(waits))
	}
}
