package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kefu-ai/kefu/dialog"
	"github.com/kefu-ai/kefu/errs"
)

// sseWriteTimeout bounds one event's write, so a stalled client cannot
// hold a stream (and its subscription) forever.
const sseWriteTimeout = 30 * time.Second

// conversationEvents streams a conversation's events as Server-Sent
// Events: "event: <type>\ndata: <json>\n\n" per event, and a comment line
// every Heartbeat. It ends when the client goes, the subscription closes
// or the server shuts down.
func (s *Server) conversationEvents(c *gin.Context) {
	id, ok := s.param(c, "id")
	if !ok {
		return
	}
	// gin's writer always has Flush, but it panics when the connection's
	// writer cannot flush: ask the connection's.
	if _, ok := connWriter(c).(http.Flusher); !ok {
		s.writeError(c, errs.E(errs.Internal, "streaming is not supported by this connection"))
		return
	}
	flusher := c.Writer
	ctx := c.Request.Context()
	events, cancel, err := s.Conversations.Subscribe(ctx, id)
	if err != nil {
		s.writeError(c, err)
		return
	}
	defer cancel()

	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache, no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	rc := http.NewResponseController(c.Writer)
	c.Status(http.StatusOK)

	write := func(f func(w io.Writer) error) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout)) // not every writer supports deadlines
		if err := f(c.Writer); err != nil {
			return false
		}
		flusher.Flush()
		return true
	}
	if !write(func(w io.Writer) error {
		_, err := io.WriteString(w, "retry: 3000\n\n")
		return err
	}) {
		return
	}
	heartbeat := time.NewTicker(s.Heartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.closing:
			return
		case ev, open := <-events:
			if !open {
				return
			}
			frame, err := eventFrame(ev)
			if err != nil {
				s.Logger.ErrorContext(ctx, "cannot encode event", "request_id", requestIDOf(c),
					"type", Mask(ev.Type), "error", Mask(err.Error()))
				continue
			}
			if !write(func(w io.Writer) error {
				_, err := w.Write(frame)
				return err
			}) {
				return
			}
		case <-heartbeat.C:
			if !write(func(w io.Writer) error {
				_, err := io.WriteString(w, ": heartbeat\n\n")
				return err
			}) {
				return
			}
		}
	}
}

// eventFrame encodes one SSE frame. The JSON encoding holds no raw line
// breaks, so data is always one line.
func eventFrame(ev dialog.Event) ([]byte, error) {
	data, err := json.Marshal(ev.Data)
	if err != nil {
		return nil, err
	}
	typ := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, ev.Type)
	if typ == "" {
		typ = "message"
	}
	return fmt.Appendf(nil, "event: %s\ndata: %s\n\n", typ, data), nil
}
