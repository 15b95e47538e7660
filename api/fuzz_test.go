package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/kefu-ai/kefu/dialog"
	"github.com/kefu-ai/kefu/store"
)

// FuzzDecodeMessage drives arbitrary bytes through the decoding path of
// POST /v1/conversations/{id}/messages: every answer is 200 or a 4xx with
// the error shape, never a 500 or a panic, and text the engine receives
// obeys the rules.
func FuzzDecodeMessage(f *testing.F) {
	for _, seed := range []string{
		`{"text":"你好"}`, `{"text":""}`, `{"text":"  "}`, `{"text":"a\u0000"}`, `{"text":"\u202e"}`,
		`{"text":"\ud800"}`, `{"text":"<script>x</script>"}`, "{\"text\":\"\xff\"}", `[]`, `null`, `{`,
		`{"text":"a"} x`, `{"text":1e999}`, `{"text":["a"]}`, `{"text":{"text":"a"}}`, nested(33), nested(32),
		`{"x":"\\"}`, `{"x":"\"[[["}`, "", "\ufeff{\"text\":\"a\"}", `{"text":"a","text":"b"}`,
	} {
		f.Add([]byte(seed))
	}
	e := newEnv(f, func(_ *apiConfig, d *apiDeps) { d.Logger = slog.New(slog.DiscardHandler) })
	var got string
	e.f.Conversations.ReceiveFunc = func(_ context.Context, _, text string) (dialog.Turn, error) {
		got = text
		return dialog.Turn{MessageID: "m", State: store.StateBot}, nil
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got = ""
		r := httptest.NewRequest(http.MethodPost, "/v1/conversations/c-1/messages", strings.NewReader(string(body)))
		rr := httptest.NewRecorder()
		e.h.ServeHTTP(rr, r)
		switch {
		case rr.Code == http.StatusOK:
			if !utf8.ValidString(got) || strings.TrimFunc(got, unicode.IsSpace) == "" || utf8.RuneCountInString(got) > 2000 {
				t.Fatalf("accepted text %q breaks the rules; body %q", got, body)
			}
			for _, r := range got {
				if r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
					t.Fatalf("accepted text %q holds %U; body %q", got, r, body)
				}
			}
		case rr.Code >= 400 && rr.Code < 500:
			if !strings.HasPrefix(rr.Body.String(), `{"error":{"code":"`) {
				t.Fatalf("status %d without the error shape: %s; body %q", rr.Code, rr.Body.String(), body)
			}
		default:
			t.Fatalf("status %d for body %q: %s", rr.Code, body, rr.Body.String())
		}
	})
}
