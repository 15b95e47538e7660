package orders_test

import (
	"context"
	"io/fs"
	"testing"

	"github.com/kefu-ai/kefu/data"
	"github.com/kefu-ai/kefu/dialog/orders"
	"github.com/kefu-ai/kefu/errs"
)

func TestBook(t *testing.T) {
	raw, err := fs.ReadFile(data.FS, "orders/orders.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := orders.NewBook(raw)
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != 30 {
		t.Errorf("%d orders, want the demo book's 30", b.Len())
	}
	tests := []struct {
		id, wantUser, wantStatus, wantCode string
	}{
		{id: "DD20241123009", wantUser: "u1001", wantStatus: "shipped"},
		{id: " dd20241123009 ", wantUser: "u1001", wantStatus: "shipped"},
		{id: "DD20991231999", wantCode: errs.NotFound},
		{id: "", wantCode: errs.NotFound},
	}
	for _, tt := range tests {
		o, err := b.Order(context.Background(), tt.id)
		if errs.Code(err) != tt.wantCode {
			t.Errorf("Order(%q): %v, want %q", tt.id, err, tt.wantCode)
			continue
		}
		if err == nil && (o.UserID != tt.wantUser || o.Status != tt.wantStatus || len(o.Events) == 0 || o.Customer.Name == "" || o.Amount != 8999) {
			t.Errorf("Order(%q) = %+v", tt.id, o)
		}
	}
	for _, bad := range []string{`{}`, `[{"id": ""}]`, `[{"id": "A"}, {"id": "a"}]`} {
		if _, err := orders.NewBook([]byte(bad)); err == nil {
			t.Errorf("NewBook(%s) accepted", bad)
		}
	}
}
