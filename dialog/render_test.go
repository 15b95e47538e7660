package dialog

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRender(t *testing.T) {
	values := map[string]string{
		"order_id": "DD20241123001", "order_status": "已发货", "carrier": "顺丰速运",
		"evil": "{{order_id}}", "braces": "}}{{",
	}
	tests := []struct{ template, want string }{
		{"订单{{order_id}}当前状态：{{order_status}}。", "订单DD20241123001当前状态：已发货。"},
		{"no placeholders", "no placeholders"},
		{"{{carrier}}{{carrier}}", "顺丰速运顺丰速运"},
		{"values are data: {{evil}}", "values are data: {{order_id}}"},
		{"{{braces}}{{order_id}}", "}}{{DD20241123001"},
		{"missing: [{{tracking_no}}]", "missing: []"},
		{"not names: {{Order_ID}} {{ order_id }} {{a-b}}", "not names: {{Order_ID}} {{ order_id }} {{a-b}}"},
		{"unclosed {{order_id", "unclosed {{order_id"},
		{"{{{{order_id}}}}", "{{DD20241123001}}"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Render(tt.template, values); got != tt.want {
			t.Errorf("Render(%q) = %q, want %q", tt.template, got, tt.want)
		}
	}
}

func FuzzRender(f *testing.F) {
	f.Add("订单{{order_id}}：{{order_status}}", "{{order_status}}")
	f.Add("{{{{x}}}}", "}}")
	f.Fuzz(func(t *testing.T, template, value string) {
		out := Render(template, map[string]string{"order_id": value, "order_status": value})
		if utf8.ValidString(template) && utf8.ValidString(value) && !utf8.ValidString(out) {
			t.Fatalf("valid input rendered invalid UTF-8: %q", out)
		}
		// A value is never expanded: rendering it alone gives it back.
		if got := Render("{{order_id}}", map[string]string{"order_id": value}); got != value {
			t.Fatalf("value %q re-expanded to %q", value, got)
		}
		if !strings.Contains(template, "{{") && out != template {
			t.Fatalf("template without placeholders changed: %q → %q", template, out)
		}
	})
}
