package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/nlu"
	"github.com/kefu-ai/kefu/nlu/entity"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		notReady bool
		status   int
		code     string
		want     string
	}{
		{name: "chinese", body: `{"text":"我的订单DD20241123001到哪了","locale":"zh-CN"}`, status: 200,
			want: `{"intent":"order_status","confidence":0.91,"ranking":[{"intent":"order_status","confidence":0.91}],"entities":[{"type":"order_id","value":"DD20241123001","start":4,"end":17}],"emotion":{"label":"neutral","score":0.8},"lang":"zh"}`},
		{name: "markup escaped", body: `{"text":"<script>x</script>"}`, status: 200, want: `"lang":"zh"`},
		{name: "not ready", body: `{"text":"hi"}`, notReady: true, status: 503, code: errs.Unavailable},
		{name: "empty", body: `{"text":""}`, status: 400, code: errs.Invalid},
		{name: "whitespace", body: `{"text":" \t "}`, status: 400, code: errs.Invalid},
		{name: "bidi", body: `{"text":"\u2067hi"}`, status: 400, code: errs.Invalid},
		{name: "NUL", body: `{"text":"\u0000"}`, status: 400, code: errs.Invalid},
		{name: "invalid UTF-8", body: "{\"text\":\"\xc3\x28\"}", status: 400, code: errs.Invalid},
		{name: "too long", body: `{"text":"` + strings.Repeat("a", 2001) + `"}`, status: 400, code: errs.Invalid},
		{name: "locale with newline", body: `{"text":"hi","locale":"zh\n"}`, status: 400, code: errs.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.f.Parser.ReadyFunc = func() bool { return !tt.notReady }
			e.f.Parser.ParseFunc = func(_ context.Context, text string) nlu.Result {
				if strings.HasPrefix(text, "<") {
					return nlu.Result{Intent: "oos", Lang: "zh"} // nil ranking and entities
				}
				return nlu.Result{Intent: "order_status", Confidence: 0.91,
					Ranking:  []nlu.Ranked{{Intent: "order_status", Confidence: 0.91}},
					Entities: []entity.Entity{{Type: "order_id", Value: "DD20241123001", Start: 4, End: 17}},
					Emotion:  nlu.Emotion{Label: "neutral", Score: 0.8}, Lang: "zh"}
			}
			rr := e.do(req{method: http.MethodPost, path: "/v1/nlu/parse", body: tt.body, token: editorToken})
			if tt.status >= 400 {
				wantError(t, rr, tt.status, tt.code)
				if n := e.f.Parser.Count("Parse"); n != 0 {
					t.Errorf("Parse calls: got %d, want 0", n)
				}
				return
			}
			wantStatus(t, rr, tt.status)
			if !strings.Contains(rr.Body.String(), tt.want) {
				t.Errorf("body: got %s, want it to contain %s", rr.Body.String(), tt.want)
			}
			if strings.HasPrefix(tt.name, "markup") && !strings.Contains(rr.Body.String(), `"ranking":[],"entities":[]`) {
				t.Errorf("body: got %s, want empty ranking and entities as []", rr.Body.String())
			}
		})
	}
}
