package orders

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kefu-ai/kefu/dialog"
	"github.com/kefu-ai/kefu/errs"
)

// Book is a fixed, in-memory order book. It is immutable and safe for
// concurrent use.
type Book struct {
	orders map[string]dialog.Order
}

var _ dialog.OrderConnector = (*Book)(nil)

// NewBook reads an order book: a JSON array of orders in the shape of
// data/orders/orders.json.
func NewBook(raw []byte) (*Book, error) {
	var list []dialog.Order
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("orders: order book: %w", err)
	}
	b := &Book{orders: make(map[string]dialog.Order, len(list))}
	for i, o := range list {
		id := normID(o.ID)
		if id == "" {
			return nil, fmt.Errorf("orders: order book: order %d has no id", i)
		}
		if _, dup := b.orders[id]; dup {
			return nil, fmt.Errorf("orders: order book: order %s listed twice", o.ID)
		}
		b.orders[id] = o
	}
	return b, nil
}

// Order returns the order with the id (any case, surrounding spaces
// ignored).
//
// Errors: errs.NotFound.
func (b *Book) Order(_ context.Context, id string) (dialog.Order, error) {
	o, ok := b.orders[normID(id)]
	if !ok {
		return dialog.Order{}, errs.E(errs.NotFound, "order %s not found", id)
	}
	o.Items = append([]dialog.Item(nil), o.Items...)
	o.Events = append([]dialog.ShippingEvent(nil), o.Events...)
	return o, nil
}

// Len is how many orders the book holds.
func (b *Book) Len() int { return len(b.orders) }

func normID(id string) string { return strings.ToUpper(strings.TrimSpace(id)) }
