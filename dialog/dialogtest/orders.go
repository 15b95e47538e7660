package dialogtest

import (
	"context"

	"github.com/kefu-ai/kefu/dialog"
)

// Orders is a dialog.OrderConnector whose answer is OrderFunc's.
type Orders struct {
	OrderFunc func(ctx context.Context, id string) (dialog.Order, error)
}

var _ dialog.OrderConnector = (*Orders)(nil)

// Order implements dialog.OrderConnector.
func (o *Orders) Order(ctx context.Context, id string) (dialog.Order, error) {
	return o.OrderFunc(ctx, id)
}
